import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component, ComponentProps } from '../core/component';
import { configChecksum, renderJson } from '../core/config';
import { invalidProp } from '../core/errors';
import { Images } from '../core/images';
import { validateInteger } from '../core/names';
import { ContainerResources } from '../core/resources';
import { BasicAuthSecretRef, envFromSecret, validateSecretRef } from '../core/secrets';
import { renderContainer, renderPodTemplate } from '../core/workload';
import { elasticsearchCaMount, IElasticsearchCluster } from './elasticsearch-reference';
import { policyFileName, renderElasticsearchSetupScript, templateFileName } from './elasticsearch-setup-script';
import { indexLifecyclePolicies, INDEX_CLASSES, indexLifecyclePolicyName, LogRetention, LogRetentionProps, resolveLogRetention } from './index-lifecycle';
import { indexTemplateName, indexTemplatePattern, indexTemplates } from './index-templates';

export interface ElasticsearchSetupProps extends ComponentProps {
  /** The cluster to set up. */
  readonly elasticsearch: IElasticsearchCluster;
  /** Days each index class is kept. @default - 30 / 90 / 365 / 30 days for all / errors / trades / ai */
  readonly retention?: LogRetentionProps;
  /**
   * `index.number_of_replicas` of the log data streams. 0 on a one-node cluster
   * (a replica could never be assigned there and the cluster would stay yellow).
   * @default 1
   */
  readonly indexReplicas?: number;
  /**
   * A user with the `manage_ilm` and `manage_index_templates` cluster privileges.
   * Used only when the cluster has security on.
   * @default - the cluster's `elastic` user (its `elasticPassword` Secret)
   */
  readonly credentials?: BasicAuthSecretRef;
  /** @default { cpuRequest: '50m', memoryRequest: '32Mi', memoryLimit: '64Mi' } */
  readonly resources?: ContainerResources;
  /** Pods the Job starts after a failed one before it gives up (`backoffLimit`). @default 6 */
  readonly backoffLimit?: number;
  /** Attempts of each request (cluster health, each PUT) inside one pod. @default 30 */
  readonly maxAttempts?: number;
  /** Seconds between attempts. @default 10 */
  readonly retrySeconds?: number;
}

const DEFAULT_RESOURCES: ContainerResources = { cpuRequest: '50m', memoryRequest: '32Mi', memoryLimit: '64Mi' };
const CONFIG_DIR = '/etc/elasticsearch-setup';
const SCRIPT = 'setup.sh';

/**
 * A Job that applies the ILM policy and the index template of every index class
 * (`logs-<class>-retention`, `logs-<class>` for `logs-<class>-*` data streams) once
 * the cluster is at least yellow. Logstash routes events into these data streams.
 *
 * A Job's pod template is immutable, so the Job is named `<name>-<hash>` after a hash
 * of its pod template and config: a changed retention creates a new Job (which runs
 * again) instead of an apply that fails. The ConfigMap keeps its name; GitOps tools
 * prune the old Job, `kubectl apply` leaves it behind (completed, harmless).
 * `ttlSecondsAfterFinished` is deliberately unset: a finished Job that deleted itself
 * would be recreated by every sync and so run again forever.
 */
export class ElasticsearchSetup extends Component {
  /** Name of the Job, `<name>-<hash of its config>`. */
  public readonly jobName: string;
  /** Retention in days per index class. */
  public readonly retention: LogRetention;
  /** `index.number_of_replicas` of the log data streams. */
  public readonly indexReplicas: number;
  /** The ILM policy names the Job creates. */
  public readonly policyNames: string[];
  /** The index templates the Job creates: name and the data streams they match. */
  public readonly indexTemplates: { name: string; indexPattern: string; policy: string }[];

  constructor(scope: Construct, id: string, props: ElasticsearchSetupProps) {
    super(scope, id, props, 'elasticsearch', Images.elasticsearch);
    this.retention = resolveLogRetention(this, 'retention', props.retention);
    this.indexReplicas = validateInteger(this, 'indexReplicas', props.indexReplicas ?? 1, 0, 10);
    const backoffLimit = validateInteger(this, 'backoffLimit', props.backoffLimit ?? 6, 0, 100);
    const maxAttempts = validateInteger(this, 'maxAttempts', props.maxAttempts ?? 30, 1, 1000);
    const retrySeconds = validateInteger(this, 'retrySeconds', props.retrySeconds ?? 10, 1, 600);
    const es = props.elasticsearch;

    const policies = indexLifecyclePolicies(this.retention);
    const templates = indexTemplates({ replicas: this.indexReplicas });
    this.policyNames = Object.keys(policies);
    this.indexTemplates = INDEX_CLASSES.map((c) => ({ name: indexTemplateName(c), indexPattern: indexTemplatePattern(c), policy: indexLifecyclePolicyName(c) }));
    const data: Record<string, string> = { [SCRIPT]: renderElasticsearchSetupScript({ configDir: CONFIG_DIR, maxAttempts, retrySeconds }) };
    for (const [name, body] of Object.entries(policies)) data[policyFileName(name)] = renderJson(body);
    for (const [name, body] of Object.entries(templates)) data[templateFileName(name)] = renderJson(body);
    const configMap = this.addConfigMap('config', `${this.name}-config`, 'setup', data);
    const serviceAccountName = this.addServiceAccount();

    const env: k8s.EnvVar[] = [{ name: 'ES_URL', value: es.endpoint.url }];
    const volumes: k8s.Volume[] = [{ name: 'config', configMap: { name: configMap } }];
    const volumeMounts: k8s.VolumeMount[] = [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }];
    const ca = elasticsearchCaMount(es, '/etc/elasticsearch-ca');
    if (ca) {
      env.push({ name: 'ES_CA_FILE', value: ca.caFile });
      volumes.push(ca.volume);
      volumeMounts.push(ca.volumeMount);
    }
    if (es.securityEnabled) env.push(...this.credentialsEnv(props, es));

    const identity = this.identity('setup');
    const container = renderContainer(this, 'resources', {
      name: 'setup',
      image: this.image,
      command: ['/bin/sh', `${CONFIG_DIR}/${SCRIPT}`],
      env,
      resources: props.resources ?? DEFAULT_RESOURCES,
      volumeMounts,
    });
    const template = renderPodTemplate({
      identity,
      serviceAccountName,
      automountServiceAccountToken: false,
      containers: [container],
      volumes,
      annotations: { 'checksum/config': configChecksum(data) },
    });
    const spec: k8s.JobSpec = {
      backoffLimit,
      template: { ...template, spec: { ...template.spec!, restartPolicy: 'Never' } },
    };
    this.jobName = `${this.name}-${jobHash(spec)}`;
    new k8s.KubeJob(this, 'job', { metadata: this.metadata(this.jobName, 'setup'), spec });
  }

  private credentialsEnv(props: ElasticsearchSetupProps, es: IElasticsearchCluster): k8s.EnvVar[] {
    if (props.credentials) {
      return this.basicAuthEnv('credentials', props.credentials, 'ES_USERNAME', 'ES_PASSWORD',
        `Elasticsearch user the '${this.name}' Job applies ILM policies and index templates with`);
    }
    if (!es.elasticPassword) {
      return invalidProp(this, 'credentials', undefined, 'must be set when the cluster does not expose its elastic password',
        "give a Secret with a user that has manage_ilm and manage_index_templates, e.g. { secretName: 'elasticsearch-setup-credentials' }");
    }
    const password = validateSecretRef(this, 'elasticsearch.elasticPassword', es.elasticPassword);
    this.externalSecrets.push({ name: password.name, keys: [password.key], purpose: 'password of the Elasticsearch `elastic` superuser' });
    return [{ name: 'ES_USERNAME', value: 'elastic' }, envFromSecret('ES_PASSWORD', password)];
  }
}

/** The first 8 hex digits of a SHA-256 of the Job spec as the API server receives it. */
function jobHash(spec: k8s.JobSpec): string {
  return createHash('sha256').update(JSON.stringify(k8s.toJson_JobSpec(spec))).digest('hex').slice(0, 8);
}
