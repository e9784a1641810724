import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component, ComponentProps } from '../core/component';
import { configChecksum, renderYaml } from '../core/config';
import { ServiceEndpoint } from '../core/endpoint';
import { Images } from '../core/images';
import { validateBaseUrl, validateInteger } from '../core/names';
import { httpProbe, tcpProbe } from '../core/probes';
import { ContainerResources } from '../core/resources';
import { SecretKeyRef, envFromSecret, validateSecretRef } from '../core/secrets';
import { Spread, renderContainer, addWorkload, spreadPods } from '../core/workload';
import {
  ElasticsearchCaMount,
  elasticsearchCaMount,
  IElasticsearchCluster,
} from '../elasticsearch/elasticsearch-reference';
import { KIBANA_ENV, KIBANA_HOME, KIBANA_PORT, renderKibanaConfig } from './kibana-config';

/** The three keys Kibana encrypts with; each value must be at least 32 characters. */
export interface KibanaEncryptionKeys {
  /** `xpack.encryptedSavedObjects.encryptionKey` (alerting rules, connectors). */
  readonly encryptedSavedObjects: SecretKeyRef;
  /** `xpack.security.encryptionKey` (session cookies). */
  readonly security: SecretKeyRef;
  /** `xpack.reporting.encryptionKey` (report jobs). */
  readonly reporting: SecretKeyRef;
}

export interface KibanaProps extends ComponentProps {
  /** The cluster Kibana stores its state in and queries. */
  readonly elasticsearch: IElasticsearchCluster;
  /** @default 1 */
  readonly replicas?: number;
  /** @default { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi' } */
  readonly resources?: ContainerResources;
  /**
   * The password of the built-in `kibana_system` user, which Kibana connects to Elasticsearch
   * as; the stack's `ElasticsearchUsers` Job sets it from this Secret. Used only when the
   * cluster has security on.
   * @default { name: '<name>-system-password', key: 'password' }
   */
  readonly systemPassword?: SecretKeyRef;
  /**
   * The encryption keys, identical on all replicas.
   * @default - keys `encrypted-saved-objects`, `security` and `reporting` of Secret '<name>-encryption-keys'
   */
  readonly encryptionKeys?: KibanaEncryptionKeys;
  /** `server.publicBaseUrl`, the URL users reach Kibana at, without a trailing slash. @default - not set */
  readonly publicBaseUrl?: string;
  /** @default Spread.PREFERRED */
  readonly spread?: Spread;
}

const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '500m',
  memoryRequest: '1Gi',
  memoryLimit: '2Gi',
};

/** What the Kibana pods are built from. */
interface KibanaPod {
  readonly serviceAccountName: string;
  /** The ConfigMap of `data`. */
  readonly configMap: string;
  readonly data: Record<string, string>;
  readonly env: k8s.EnvVar[];
  readonly ca?: ElasticsearchCaMount;
}

/** Kibana as a Deployment behind a ClusterIP Service on port 5601. */
export class Kibana extends Component {
  /** The HTTP endpoint (port 5601). */
  public readonly endpoint: ServiceEndpoint;
  public readonly replicas: number;
  public readonly resources: ContainerResources;
  /** The `kibana_system` password Secret; undefined when the cluster has no security. */
  public readonly systemPassword?: SecretKeyRef;
  public readonly encryptionKeys: KibanaEncryptionKeys;
  public readonly publicBaseUrl?: string;
  /** Whether its cluster has security on, so its API asks for credentials. */
  public readonly securityEnabled: boolean;

  constructor(scope: Construct, id: string, props: KibanaProps) {
    super(scope, id, props, 'kibana', Images.kibana);
    this.replicas = validateInteger(this, 'replicas', props.replicas ?? 1, 1);
    this.resources = props.resources ?? DEFAULT_RESOURCES;
    this.publicBaseUrl =
      props.publicBaseUrl === undefined
        ? undefined
        : validateBaseUrl(this, 'publicBaseUrl', props.publicBaseUrl, 'https://kibana.example.com');
    this.encryptionKeys = this.resolveEncryptionKeys(props.encryptionKeys);

    const es = props.elasticsearch;
    this.securityEnabled = es.securityEnabled;
    const ca = elasticsearchCaMount(this, es, `${KIBANA_HOME}/config/certs`);
    this.systemPassword = es.securityEnabled
      ? validateSecretRef(
          this,
          'systemPassword',
          props.systemPassword ?? { name: `${this.name}-system-password`, key: 'password' },
        )
      : undefined;
    const env = this.renderEnv();
    this.connectTo('server', es.endpoint, 'stores saved objects, reads logs');
    const data = this.renderConfig(es, ca);
    const configMap = this.addConfigMap('config', `${this.name}-config`, 'server', data);
    [this.endpoint] = this.addService('service', this.name, 'server', [
      { name: 'http', port: KIBANA_PORT },
    ]);
    const serviceAccountName = this.addServiceAccount();
    this.addDeployment(props, { serviceAccountName, configMap, data, env, ca });
  }

  /** The three encryption keys, by default in one Secret named after the instance. */
  private resolveEncryptionKeys(
    encryptionKeys: KibanaEncryptionKeys | undefined,
  ): KibanaEncryptionKeys {
    const keysSecret = `${this.name}-encryption-keys`;
    const keys = encryptionKeys ?? {
      encryptedSavedObjects: { name: keysSecret, key: 'encrypted-saved-objects' },
      security: { name: keysSecret, key: 'security' },
      reporting: { name: keysSecret, key: 'reporting' },
    };
    validateSecretRef(this, 'encryptionKeys.encryptedSavedObjects', keys.encryptedSavedObjects);
    validateSecretRef(this, 'encryptionKeys.security', keys.security);
    validateSecretRef(this, 'encryptionKeys.reporting', keys.reporting);
    return keys;
  }

  /** The `kibana_system` password (with security) and the encryption keys, recorded as external secrets. */
  private renderEnv(): k8s.EnvVar[] {
    const env: k8s.EnvVar[] = [];
    const password = this.systemPassword;
    if (password) {
      env.push(envFromSecret(KIBANA_ENV.systemPassword, password));
      this.recordExternalSecret({
        name: password.name,
        keys: [password.key],
        purpose: `password of the built-in kibana_system user that Kibana '${this.name}' connects as (the stack's elasticsearch-users Job sets it)`,
      });
    }
    env.push(
      envFromSecret(KIBANA_ENV.encryptedSavedObjectsKey, this.encryptionKeys.encryptedSavedObjects),
      envFromSecret(KIBANA_ENV.securityKey, this.encryptionKeys.security),
      envFromSecret(KIBANA_ENV.reportingKey, this.encryptionKeys.reporting),
    );
    this.pushEncryptionKeySecrets();
    return env;
  }

  private renderConfig(
    es: IElasticsearchCluster,
    ca: ElasticsearchCaMount | undefined,
  ): Record<string, string> {
    return {
      'kibana.yml': renderYaml(
        renderKibanaConfig({
          serverName: this.name,
          elasticsearchUrl: es.endpoint.url,
          caFile: ca?.caFile,
          kibanaSystemUser: es.securityEnabled,
          publicBaseUrl: this.publicBaseUrl,
        }),
      ),
    };
  }

  /** The server pods and their disruption budget. */
  private addDeployment(props: KibanaProps, pod: KibanaPod): void {
    const identity = this.identity('server');
    const volumeMounts: k8s.VolumeMount[] = [
      // A single file, so the image's node.options stays in the config dir.
      {
        name: 'config',
        mountPath: `${KIBANA_HOME}/config/kibana.yml`,
        subPath: 'kibana.yml',
        readOnly: true,
      },
      // The root filesystem is read-only; these are the directories Kibana writes.
      { name: 'data', mountPath: `${KIBANA_HOME}/data` },
      { name: 'logs', mountPath: `${KIBANA_HOME}/logs` },
      { name: 'tmp', mountPath: '/tmp' },
    ];
    const volumes: k8s.Volume[] = [
      { name: 'config', configMap: { name: pod.configMap } },
      // Holds the instance UUID and the reporting browser; nothing that must survive the pod.
      { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
      { name: 'logs', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('512Mi') } },
    ];
    if (pod.ca) {
      volumes.push(pod.ca.volume);
      volumeMounts.push(pod.ca.volumeMount);
    }

    const container = renderContainer(this, 'resources', {
      name: 'kibana',
      image: this.image,
      env: pod.env,
      ports: [{ name: 'http', containerPort: KIBANA_PORT }],
      resources: this.resources,
      // Start-up runs saved-object migrations and can take minutes.
      startupProbe: tcpProbe('readiness', 'http', {
        initialDelaySeconds: 10,
        periodSeconds: 10,
        failureThreshold: 30,
      }),
      // Without credentials /api/status answers with the overall level only: 200 when
      // available, 503 otherwise, which is what readiness needs.
      readinessProbe: httpProbe('readiness', '/api/status', 'http'),
      livenessProbe: tcpProbe('liveness', 'http', { initialDelaySeconds: 0 }),
      volumeMounts,
      runAsUser: 1000,
    });

    addWorkload(this, 'deployment', {
      metadata: this.metadata(this.name, 'server'),
      spec: {
        kind: 'Deployment',
        replicas: this.replicas,
        pod: {
          identity,
          serviceAccountName: pod.serviceAccountName,
          automountServiceAccountToken: false,
          containers: [container],
          volumes,
          uid: 1000,
          annotations: { 'checksum/config': configChecksum(pod.data) },
          ...spreadPods(identity, props.spread ?? Spread.PREFERRED),
        },
      },
    });
    this.addDisruptionBudget('pdb', this.name, 'server', this.replicas);
  }

  private pushEncryptionKeySecrets(): void {
    const bySecret = new Map<string, string[]>();
    for (const ref of [
      this.encryptionKeys.encryptedSavedObjects,
      this.encryptionKeys.security,
      this.encryptionKeys.reporting,
    ]) {
      const keys = bySecret.get(ref.name) ?? [];
      if (!keys.includes(ref.key)) keys.push(ref.key);
      bySecret.set(ref.name, keys);
    }
    for (const [name, keys] of bySecret) {
      this.recordExternalSecret({
        name,
        keys,
        purpose: `Kibana '${this.name}' encryption keys, each at least 32 characters`,
      });
    }
  }
}
