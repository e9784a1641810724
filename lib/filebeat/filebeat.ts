import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component, ComponentProps } from '../core/component';
import { PodSecurityLevel } from '../core/security';
import { configChecksum, renderYaml } from '../core/config';
import { invalidProp } from '../core/errors';
import { Images } from '../core/images';
import {
  DEFAULT_LOG_CLASSES,
  DEFAULT_LOG_DOMAINS,
  LogClass,
  validateLogClasses,
  validateLogDomains,
} from '../core/log-classes';
import { validateDnsLabel, validateInteger } from '../core/names';
import { httpProbe, tcpProbe } from '../core/probes';
import { ContainerResources } from '../core/resources';
import { Duration, renderSeconds, validateDurationSeconds } from '../core/duration';
import { BasicAuthSecretRef } from '../core/secrets';
import { fieldRefEnv, renderContainer, addWorkload, scrapeAnnotations } from '../core/workload';
import {
  ElasticsearchCaMount,
  elasticsearchCaMount,
  IElasticsearchCluster,
} from '../elasticsearch/elasticsearch-reference';
import {
  describePrivileges,
  ElasticsearchUser,
  LOG_WRITER_PRIVILEGES,
} from '../elasticsearch/elasticsearch-users';
import { ILogstash } from '../logstash/logstash-reference';
import {
  CONTAINER_LOGS_PATH,
  DEFAULT_FILEBEAT_TIMINGS,
  FILEBEAT_DATA_PATH,
  FILEBEAT_HOME,
  FILEBEAT_HTTP_PORT,
  DEFAULT_FINGERPRINT_LENGTH_BYTES,
  FilebeatConfigOptions,
  FilebeatTimings,
  renderFilebeatConfig,
} from './filebeat-config';
import {
  FILEBEAT_EXPORTER_PORT,
  FilebeatExporterProps,
  renderFilebeatExporterContainer,
} from './filebeat-exporter';
import {
  LogProcessingParams,
  LogProcessingProps,
  logProcessingParams,
  secretKeyFragmentsProblem,
  valueMaskProblem,
} from './log-processing';

export interface FilebeatProps extends ComponentProps {
  /** Ship to this Logstash. Exactly one of `logstash` and `elasticsearch` is required. @default - none */
  readonly logstash?: ILogstash;
  /** Ship straight to this cluster. Exactly one of `logstash` and `elasticsearch` is required. @default - none */
  readonly elasticsearch?: IElasticsearchCluster;
  /** @default { cpuRequest: '100m', memoryRequest: '200Mi', memoryLimit: '400Mi' } */
  readonly resources?: ContainerResources;
  /** @default [{ operator: 'Exists' }] - every node, tainted or not */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Username and password for the direct Elasticsearch output (security on only), in a
   * Secret in Filebeat's namespace.
   * @default { secretName: '<name>-elasticsearch-credentials' }
   */
  readonly credentials?: BasicAuthSecretRef;
  /**
   * Host directory that keeps the registry (read offsets) across pod restarts, so no
   * line is shipped twice or lost.
   * @default '/var/lib/filebeat-data'
   */
  readonly hostDataPath?: string;
  /**
   * Masking of secrets and IP addresses and classification into index classes, done by
   * a `script` processor on the node so nothing unmasked leaves it, whatever the output.
   * @default - on: keys containing password, secret, token, api_key or authorization masked, IP addresses masked, events classified
   */
  readonly logProcessing?: LogProcessingProps;
  /**
   * The log classes, in order: the script gives each event the first that takes it, and
   * the event goes to `logs-<class>-default`. The same table must drive the index
   * templates and ILM policies (`ElasticsearchSetup.logClasses`) and Logstash's guard.
   * @default DEFAULT_LOG_CLASSES
   */
  readonly logClasses?: readonly LogClass[];
  /**
   * The trustpilot `beat-exporter` sidecar that turns Filebeat's JSON stats into
   * Prometheus metrics, scraped through pod annotations, or `false` for none.
   * @default - a sidecar with the pinned image and small resources
   */
  readonly exporter?: FilebeatExporterProps | false;
  /**
   * `backoff.init` of the filestream input: how long a harvester first waits after reaching
   * the end of an open file before reading it again. It doubles while the file stays quiet,
   * up to `backoffMax`.
   * @default '1s'
   */
  readonly backoffInit?: Duration;
  /**
   * `backoff.max`: the longest a line appended to an open file waits before it is read.
   * Filebeat requires `backoffInit <= backoffMax <= scanInterval`.
   * @default '1s'
   */
  readonly backoffMax?: Duration;
  /**
   * `prospector.scanner.check_interval`: how often the container log directory is scanned.
   * A new container's first lines (and a file closed after 5 minutes of silence) wait up to
   * this long. Elastic advises against less than `1s`.
   * @default '2s'
   */
  readonly scanInterval?: Duration;
  /**
   * `queue.mem.flush.timeout`: how long the memory queue waits to fill an output batch
   * before sending a partial one; `0s` sends every event as soon as it is read.
   * @default '1s'
   */
  readonly queueFlushTimeout?: Duration;
  /**
   * `prospector.scanner.fingerprint.length`, in bytes: Filebeat identifies a file by a hash
   * of its first bytes and does not read it before it holds that many. Filebeat's default,
   * 1024, would hold back a new container's first lines until it has logged 1 KiB; 64 (the
   * least Filebeat accepts) is one CRI line: a nanosecond timestamp, the stream and about
   * 24 characters of message, distinct per file. Changing it later makes Filebeat read every
   * file again.
   * @default 64
   */
  readonly fingerprintLengthBytes?: number;
}

const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '100m',
  memoryRequest: '200Mi',
  memoryLimit: '400Mi',
};
const CONFIG_DIR = '/etc/filebeat';

/** Where Filebeat ships: the output of filebeat.yml, and what the pod needs for it. */
interface FilebeatOutput {
  readonly config: FilebeatConfigOptions['output'];
  /** The Elasticsearch credentials, when the cluster has security. */
  readonly env: k8s.EnvVar[];
  /** The Elasticsearch CA, when the cluster has one. */
  readonly ca?: ElasticsearchCaMount;
}

/** What the Filebeat pods are built from. */
interface FilebeatPod {
  readonly output: FilebeatOutput;
  /** The ConfigMap of `data`. */
  readonly configMap: string;
  readonly data: Record<string, string>;
  readonly hostDataPath: string;
}

/**
 * Filebeat as a DaemonSet: reads every container log on its node, adds Kubernetes
 * metadata and ships to Logstash (or Elasticsearch).
 *
 * Filebeat's stats endpoint (:5066) is JSON, not the Prometheus format: each pod
 * carries an exporter sidecar, and its scrape annotations point at the sidecar.
 */
export class Filebeat extends Component {
  public readonly resources: ContainerResources;
  public readonly tolerations: k8s.Toleration[];
  /** The Elasticsearch credentials Secret; undefined unless shipping to a secured cluster. */
  public readonly credentials?: BasicAuthSecretRef;
  /**
   * The user Filebeat writes as when it ships to a secured Elasticsearch directly, which
   * `ElasticsearchUsers` creates; undefined otherwise.
   */
  public readonly elasticsearchUser?: ElasticsearchUser;
  /** Name of the ClusterRole and ClusterRoleBinding, `<namespace>-<name>` (cluster-scoped, so namespaced by name). */
  public readonly clusterRoleName: string;
  public readonly serviceAccountName: string;
  /** What the normalisation, masking and classification script runs with. */
  public readonly logProcessing: LogProcessingParams;
  /** The log classes events are classified into and routed by. */
  public readonly logClasses: readonly LogClass[];
  /** Port of the metrics exporter sidecar Prometheus scrapes; undefined without one. */
  public readonly metricsPort?: number;
  /** Backoff, scan interval and queue flush timeout as rendered into filebeat.yml, in seconds. */
  public readonly timings: FilebeatTimings;
  /** The bytes a new file must hold before Filebeat reads it: `prospector.scanner.fingerprint.length`. */
  public readonly fingerprintLengthBytes: number;

  /** `privileged`: hostPath volumes of the nodes' container logs and its registry. */
  public get podSecurityLevel(): PodSecurityLevel {
    return 'privileged';
  }

  constructor(scope: Construct, id: string, props: FilebeatProps) {
    super(scope, id, props, 'filebeat', Images.filebeat);
    this.validateOutput(props);
    this.resources = props.resources ?? DEFAULT_RESOURCES;
    this.tolerations = props.tolerations ?? [{ operator: 'Exists' }];
    const hostDataPath = this.validateHostDataPath(props.hostDataPath ?? '/var/lib/filebeat-data');
    const lp = props.logProcessing;
    this.validateLogProcessing(lp);
    this.logClasses = this.resolveLogClasses(props);
    this.logProcessing = logProcessingParams(lp, this.logClasses);
    this.timings = this.resolveTimings(props);
    this.clusterRoleName = validateDnsLabel(this, 'name', `${this.namespace}-${this.name}`, 253);

    this.credentials = props.elasticsearch?.securityEnabled
      ? (props.credentials ?? { secretName: `${this.name}-elasticsearch-credentials` })
      : undefined;
    this.elasticsearchUser = this.credentials && {
      role: `${this.name}-writer`,
      client: `Filebeat '${this.name}'`,
      privileges: LOG_WRITER_PRIVILEGES,
      credentials: this.credentials,
      namespace: this.namespace,
    };
    const output = this.connectOutput(props);

    this.fingerprintLengthBytes = validateInteger(
      this,
      'fingerprintLengthBytes',
      props.fingerprintLengthBytes ?? DEFAULT_FINGERPRINT_LENGTH_BYTES,
      64,
      1024 * 1024,
    );
    const data = {
      'filebeat.yml': renderYaml(
        renderFilebeatConfig({
          output: output.config,
          logProcessing: props.logProcessing,
          logClasses: this.logClasses,
          timings: this.timings,
          fingerprintLengthBytes: this.fingerprintLengthBytes,
        }),
      ),
    };
    const configMap = this.addConfigMap('config', `${this.name}-config`, 'agent', data);
    this.serviceAccountName = this.addServiceAccount();
    this.addRbac();
    this.metricsPort = props.exporter === false ? undefined : FILEBEAT_EXPORTER_PORT;
    this.addDaemonSet(props, { output, configMap, data, hostDataPath });
  }

  /**
   * The longest a line appended to a file Filebeat already has open waits before it is
   * read: `backoff.max`. The steady state of a running container.
   */
  public get logPickupBoundSeconds(): number {
    return this.timings.backoffMaxSeconds;
  }

  /**
   * The longest a line in a file Filebeat has not opened yet (a new container, or a file
   * closed after `close.on_state_change.inactive`, 5 minutes of silence) waits before it
   * is read: `prospector.scanner.check_interval`. Filebeat 9 identifies files by a
   * fingerprint of their first 1024 bytes, so a file shorter than that is not read at all
   * until it grows; this bound starts once it has.
   */
  public get newFilePickupBoundSeconds(): number {
    return this.timings.scanIntervalSeconds;
  }

  /** The longest an event waits in the memory queue for a batch to fill: `queue.mem.flush.timeout`. */
  public get queueFlushBoundSeconds(): number {
    return this.timings.queueFlushTimeoutSeconds;
  }

  /** Exactly one of `logstash` and `elasticsearch`. */
  private validateOutput(props: FilebeatProps): void {
    if ((props.logstash === undefined) === (props.elasticsearch === undefined)) {
      invalidProp(
        this,
        'logstash',
        props.logstash ? 'logstash and elasticsearch' : undefined,
        "and 'elasticsearch' are exclusive and one is required",
        'set exactly one of them',
      );
    }
  }

  private validateHostDataPath(hostDataPath: string): string {
    if (!/^\/[A-Za-z0-9._/-]+$/.test(hostDataPath) || hostDataPath.split('/').includes('..')) {
      invalidProp(
        this,
        'hostDataPath',
        hostDataPath,
        'must be an absolute host path',
        "use a dedicated directory such as '/var/lib/filebeat-data'",
      );
    }
    return hostDataPath;
  }

  /** The key fragments and value masks compile, and nothing is set that `enabled: false` ignores. */
  private validateLogProcessing(lp: FilebeatProps['logProcessing']): void {
    const fragments = lp?.secretKeyFragments;
    const fragmentsProblem = fragments && secretKeyFragmentsProblem(fragments);
    if (fragmentsProblem) {
      invalidProp(
        this,
        'logProcessing.secretKeyFragments',
        fragments,
        fragmentsProblem,
        "use key name fragments such as ['password', 'api_key'], or set 'enabled: false' to turn masking off",
      );
    }
    for (const [i, mask] of (lp?.valueMasks ?? []).entries()) {
      const problem = valueMaskProblem(mask);
      if (problem) {
        invalidProp(
          this,
          `logProcessing.valueMasks[${i}]`,
          `ValueMask.pattern(${JSON.stringify(mask.name)}, ${JSON.stringify(mask.regex)})`,
          problem,
          "name it in lower-case letters, digits, '_' and '-', with a JavaScript regular expression that matches only the value, e.g. ValueMask.pattern('iban', '\\bDE[0-9]{20}\\b')",
        );
      }
    }
    if (lp?.enabled === false) {
      const ignored = (
        ['secretKeyFragments', 'maskIpAddresses', 'classify', 'valueMasks', 'domains'] as const
      ).find((k) => lp[k] !== undefined);
      if (ignored) {
        invalidProp(
          this,
          `logProcessing.${ignored}`,
          lp[ignored],
          "has no effect with 'enabled: false' (nothing is masked or classified)",
          `remove logProcessing.${ignored}, or enable log processing`,
        );
      }
    }
  }

  /** The log classes, checked against the log domains. */
  private resolveLogClasses(props: FilebeatProps): readonly LogClass[] {
    const domains = validateLogDomains(
      this,
      'logProcessing.domains',
      props.logProcessing?.domains ?? DEFAULT_LOG_DOMAINS,
    );
    return validateLogClasses(this, 'logClasses', props.logClasses ?? DEFAULT_LOG_CLASSES, domains);
  }

  /** Where events go, Logstash or Elasticsearch (its CA and credentials); records the flow. */
  private connectOutput(props: FilebeatProps): FilebeatOutput {
    if (props.logstash) {
      this.connectTo('agent', props.logstash.beatsEndpoint, 'ships logs');
      return {
        config: { kind: 'logstash', hostPort: props.logstash.beatsEndpoint.hostPort },
        env: [],
      };
    }
    const es = props.elasticsearch!;
    const ca = elasticsearchCaMount(this, es, `${FILEBEAT_HOME}/certs`);
    const env = this.credentials
      ? this.basicAuthEnv(
          'credentials',
          this.credentials,
          'ES_USERNAME',
          'ES_PASSWORD',
          `Elasticsearch user Filebeat '${this.name}' writes logs-* data streams with (${describePrivileges(LOG_WRITER_PRIVILEGES)})`,
        )
      : [];
    this.connectTo('agent', es.endpoint, 'ships logs');
    return {
      config: {
        kind: 'elasticsearch',
        url: es.endpoint.url,
        caFile: ca?.caFile,
        authenticate: es.securityEnabled,
      },
      env,
      ca,
    };
  }

  /** The agent on every node: Filebeat, its exporter unless turned off. */
  private addDaemonSet(props: FilebeatProps, pod: FilebeatPod): void {
    const identity = this.identity('agent');
    const volumes: k8s.Volume[] = [];
    const volumeMounts: k8s.VolumeMount[] = [];
    if (pod.output.ca) {
      volumes.push(pod.output.ca.volume);
      volumeMounts.push(pod.output.ca.volumeMount);
    }
    volumes.push(
      // Filebeat refuses a config file that others can write (strict.perms); 0640 for root.
      { name: 'config', configMap: { name: pod.configMap, defaultMode: 0o640 } },
      // Only what containerd needs: the links and the files they point to, read-only.
      { name: 'container-logs', hostPath: { path: CONTAINER_LOGS_PATH, type: 'Directory' } },
      { name: 'pod-logs', hostPath: { path: '/var/log/pods', type: 'Directory' } },
      { name: 'data', hostPath: { path: pod.hostDataPath, type: 'DirectoryOrCreate' } },
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
    );
    volumeMounts.push(
      { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
      { name: 'container-logs', mountPath: CONTAINER_LOGS_PATH, readOnly: true },
      { name: 'pod-logs', mountPath: '/var/log/pods', readOnly: true },
      { name: 'data', mountPath: FILEBEAT_DATA_PATH },
      { name: 'tmp', mountPath: '/tmp' },
    );

    const container = renderContainer(this, 'resources', {
      name: 'filebeat',
      image: this.image,
      args: ['-c', `${CONFIG_DIR}/filebeat.yml`, '-e'],
      env: [fieldRefEnv('NODE_NAME', 'spec.nodeName'), ...pod.output.env],
      ports: [{ name: 'http', containerPort: FILEBEAT_HTTP_PORT }],
      resources: this.resources,
      readinessProbe: httpProbe('readiness', '/', 'http'),
      livenessProbe: tcpProbe('liveness', 'http'),
      volumeMounts,
      // The documented exception to the restricted profile: container logs and the
      // host registry directory are root-owned, so Filebeat runs as root, but with every
      // capability dropped except DAC_READ_SEARCH (read any file, write nothing extra),
      // no privilege escalation, a read-only root filesystem and the runtime's seccomp profile.
      securityContext: {
        runAsUser: 0,
        runAsGroup: 0,
        runAsNonRoot: false,
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'], add: ['DAC_READ_SEARCH'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
    });

    const containers = [container];
    if (props.exporter !== false)
      containers.push(renderFilebeatExporterContainer(this, props.exporter ?? {}));

    addWorkload(this, 'daemonset', {
      metadata: this.metadata(this.name, 'agent'),
      spec: {
        kind: 'DaemonSet',
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        pod: {
          identity,
          serviceAccountName: this.serviceAccountName,
          // add_kubernetes_metadata watches pods, namespaces and nodes.
          automountServiceAccountToken: true,
          containers,
          volumes,
          annotations: {
            ...(this.metricsPort ? scrapeAnnotations(this.metricsPort) : {}),
            'checksum/config': configChecksum(pod.data),
          },
          securityContext: {
            runAsUser: 0,
            runAsGroup: 0,
            runAsNonRoot: false,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          tolerations: this.tolerations,
          // Shipping buffered events on shutdown; the registry records what was acknowledged.
          terminationGracePeriodSeconds: 30,
        },
      },
    });
  }

  private resolveTimings(props: FilebeatProps): FilebeatTimings {
    const d = DEFAULT_FILEBEAT_TIMINGS;
    const fix = (seconds: number) => `give a duration such as '${renderSeconds(seconds)}'`;
    const backoffInitSeconds = validateDurationSeconds(
      this,
      'backoffInit',
      props.backoffInit ?? renderSeconds(d.backoffInitSeconds),
      { min: '0s', minExclusive: true, fix: fix(d.backoffInitSeconds) },
    );
    const backoffMaxSeconds = validateDurationSeconds(
      this,
      'backoffMax',
      props.backoffMax ?? renderSeconds(d.backoffMaxSeconds),
      { min: '0s', minExclusive: true, fix: fix(d.backoffMaxSeconds) },
    );
    const scanIntervalSeconds = validateDurationSeconds(
      this,
      'scanInterval',
      props.scanInterval ?? renderSeconds(d.scanIntervalSeconds),
      {
        min: '1s',
        fix: 'scan at most once a second (Elastic advises against shorter intervals); lower backoffMax for faster reads of open files',
      },
    );
    const queueFlushTimeoutSeconds = validateDurationSeconds(
      this,
      'queueFlushTimeout',
      props.queueFlushTimeout ?? renderSeconds(d.queueFlushTimeoutSeconds),
      {
        min: '0s',
        fix: `give a duration such as '${renderSeconds(d.queueFlushTimeoutSeconds)}', or '0s' to send each event at once`,
      },
    );
    // Filebeat's documented requirement: backoff.init <= backoff.max <= prospector.scanner.check_interval.
    const backoffMax = props.backoffMax ?? renderSeconds(backoffMaxSeconds);
    if (backoffMaxSeconds < backoffInitSeconds) {
      invalidProp(
        this,
        'backoffMax',
        backoffMax,
        `must be at least backoffInit (${renderSeconds(backoffInitSeconds)})`,
        'raise backoffMax or lower backoffInit',
      );
    }
    if (backoffMaxSeconds > scanIntervalSeconds) {
      invalidProp(
        this,
        'backoffMax',
        backoffMax,
        `must be at most scanInterval (${renderSeconds(scanIntervalSeconds)})`,
        'lower backoffMax or raise scanInterval',
      );
    }
    return { backoffInitSeconds, backoffMaxSeconds, scanIntervalSeconds, queueFlushTimeoutSeconds };
  }

  /** Read access to what add_kubernetes_metadata enriches events with. */
  private addRbac(): void {
    const read = ['get', 'list', 'watch'];
    this.addClusterRole('agent', this.serviceAccountName, [
      { apiGroups: [''], resources: ['pods', 'namespaces', 'nodes'], verbs: read },
      // Owner lookups: pod -> ReplicaSet -> Deployment, pod -> Job -> CronJob.
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: read },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: read },
    ]);
  }
}
