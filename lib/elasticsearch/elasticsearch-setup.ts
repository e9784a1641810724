import { Construct } from 'constructs';
import { renderJson } from '../core/config';
import { Duration, renderSeconds, validateDays } from '../core/duration';
import { invalidProp } from '../core/errors';
import { validateInteger } from '../core/names';
import { SetupStep } from '../core/setup-script';
import { ElasticsearchJob, ElasticsearchJobProps } from './elasticsearch-job';
import {
  catchAllFirst,
  DEFAULT_LOG_CLASSES,
  LogClass,
  retentionDays,
  validateLogClasses,
} from '../core/log-classes';
import {
  indexLifecyclePolicies,
  indexLifecyclePolicyName,
  renderIndexLifecyclePolicy,
} from './index-lifecycle';
import {
  DEAD_LETTER_POLICY,
  DEAD_LETTER_TEMPLATE,
  DEFAULT_LOG_REFRESH_INTERVAL_SECONDS,
  indexTemplateName,
  indexTemplatePattern,
  indexTemplates,
  validateRefreshInterval,
} from './index-templates';
import {
  resolveSnapshotLifecycle,
  ResolvedSnapshotLifecycle,
  SnapshotLifecycleProps,
  snapshotPolicies,
  SnapshotPolicy,
} from './snapshot-lifecycle';
import { BoundSnapshotRepository } from './snapshot-repository';

/**
 * Props of {@link ElasticsearchSetup}. A `credentials` user needs the `manage_ilm` and
 * `manage_index_templates` cluster privileges (and `manage_slm` and `manage` for the snapshot
 * repository, when the cluster has one).
 */
export interface ElasticsearchSetupProps extends ElasticsearchJobProps {
  /**
   * The log classes: one ILM policy (`logs-<class>-retention`, deleting `retentionDays`
   * after rollover) and one index template (`logs-<class>` for `logs-<class>-*`) each.
   * @default DEFAULT_LOG_CLASSES (errors 90, trades 365, ai 30, all 30 days)
   */
  readonly logClasses?: readonly LogClass[];
  /**
   * `index.number_of_replicas` of the log data streams. 0 on a one-node cluster
   * (a replica could never be assigned there and the cluster would stay yellow).
   * @default 1
   */
  readonly indexReplicas?: number;
  /**
   * `index.refresh_interval` of the log data streams, longer than zero and at most `5m`:
   * the longest a log line written to Elasticsearch waits before searches see it.
   * @default '1s'
   */
  readonly refreshInterval?: Duration;
  /**
   * How long the dead-letter data stream (`logs-deadletter-default`: events a class data stream
   * refused) keeps its events, in whole days from `1d` to `3650d`: long enough to notice the
   * alert, find the cause and replay them.
   * @default '30d'
   */
  readonly deadLetterRetention?: Duration;
  /**
   * The snapshot policies (`PUT _slm/policy/logs-<class>-snapshots`, one per log class and
   * one for the dead-letter stream, each kept as long as its data) in the cluster's
   * `snapshotRepository`, which the Job registers first. Only with a repository; a read-only
   * repository is registered without policies.
   * @default - daily at 01:30 UTC when the cluster has a repository, see SnapshotLifecycleProps
   */
  readonly snapshots?: SnapshotLifecycleProps;
}

/** The ConfigMap key of an ILM policy body. */
export function policyFileName(name: string): string {
  return `ilm-policy.${name}.json`;
}

/** The ConfigMap key of an index template body. */
export function templateFileName(name: string): string {
  return `index-template.${name}.json`;
}

/** The ConfigMap key of a snapshot repository body. */
export function repositoryFileName(name: string): string {
  return `snapshot-repository.${name}.json`;
}

/** The ConfigMap key of a snapshot lifecycle policy body. */
export function snapshotPolicyFileName(id: string): string {
  return `slm-policy.${id}.json`;
}

/**
 * A Job that applies the ILM policy and the index template of every log class
 * (`logs-<class>-retention`, `logs-<class>` for `logs-<class>-*` data streams) once
 * the cluster is at least yellow. Logstash and Filebeat route events into these data
 * streams. PUT creates or replaces, so every run converges on the same objects.
 */
export class ElasticsearchSetup extends ElasticsearchJob {
  /** The log classes the Job makes policies and templates for. */
  public readonly logClasses: readonly LogClass[];
  /** `index.number_of_replicas` of the log data streams. */
  public readonly indexReplicas: number;
  /** `index.refresh_interval` of the log data streams, in seconds, as written into the templates. */
  public readonly refreshIntervalSeconds: number;
  /** Days the dead-letter data stream keeps its events. */
  public readonly deadLetterRetentionDays: number;
  /** The ILM policy names the Job creates. */
  public readonly policyNames: string[];
  /** The index templates the Job creates: name and the data streams they match. */
  public readonly indexTemplates: { name: string; indexPattern: string; policy: string }[];
  /** The snapshot repository the Job registers, when the cluster has one. */
  public readonly snapshotRepository?: BoundSnapshotRepository;
  /** Schedule and alert threshold of the snapshot policies, when the Job creates any. */
  public readonly snapshotLifecycle?: ResolvedSnapshotLifecycle;
  /** The snapshot policies the Job creates (none without a writable repository). */
  public readonly snapshotPolicies: SnapshotPolicy[];

  constructor(scope: Construct, id: string, props: ElasticsearchSetupProps) {
    super(scope, id, props);
    this.logClasses = validateLogClasses(
      this,
      'logClasses',
      props.logClasses ?? DEFAULT_LOG_CLASSES,
    );
    this.indexReplicas = validateInteger(this, 'indexReplicas', props.indexReplicas ?? 1, 0, 10);
    this.refreshIntervalSeconds = validateRefreshInterval(
      this,
      'refreshInterval',
      props.refreshInterval ?? renderSeconds(DEFAULT_LOG_REFRESH_INTERVAL_SECONDS),
    );
    this.deadLetterRetentionDays = validateDays(
      this,
      'deadLetterRetention',
      props.deadLetterRetention ?? '30d',
      { min: '1d', max: '3650d', fix: "give whole days from '1d' to '3650d', such as '30d'" },
    );
    const es = props.elasticsearch;

    const policies = {
      ...indexLifecyclePolicies(this.logClasses),
      [DEAD_LETTER_POLICY]: renderIndexLifecyclePolicy('deadletter', this.deadLetterRetentionDays),
    };
    const templates = indexTemplates(this.logClasses, {
      replicas: this.indexReplicas,
      refreshIntervalSeconds: this.refreshIntervalSeconds,
    });
    this.policyNames = Object.keys(policies);
    this.indexTemplates = [
      ...catchAllFirst(this.logClasses).map(({ name }) => ({
        name: indexTemplateName(name),
        indexPattern: indexTemplatePattern(name),
        policy: indexLifecyclePolicyName(name),
      })),
      { name: DEAD_LETTER_TEMPLATE, indexPattern: 'logs-deadletter-*', policy: DEAD_LETTER_POLICY },
    ];

    this.snapshotRepository = es.snapshotRepository;
    if (props.snapshots !== undefined && !this.snapshotRepository?.name) {
      invalidProp(
        this,
        'snapshots',
        props.snapshots,
        'needs a snapshot repository, but the cluster has none',
        'set snapshotRepository on the ElasticsearchCluster, or remove snapshots',
      );
    }
    if (props.snapshots !== undefined && this.snapshotRepository?.readonly) {
      invalidProp(
        this,
        'snapshots',
        props.snapshots,
        `has no effect: repository '${this.snapshotRepository.name}' is read-only`,
        'remove snapshots, or register the repository writable',
      );
    }
    const writable = this.snapshotRepository && !this.snapshotRepository.readonly;
    this.snapshotLifecycle = writable
      ? resolveSnapshotLifecycle(this, 'snapshots', props.snapshots)
      : undefined;
    this.snapshotPolicies =
      this.snapshotRepository && this.snapshotLifecycle
        ? snapshotPolicies(
            [
              ...catchAllFirst(this.logClasses).map((c) => ({
                name: c.name,
                retentionDays: retentionDays(c),
              })),
              { name: 'deadletter', retentionDays: this.deadLetterRetentionDays },
            ],
            this.snapshotRepository.name,
            this.snapshotLifecycle,
          )
        : [];

    const files: Record<string, string> = {};
    const steps: SetupStep[] = [];
    // Policies first: a template names its policy.
    for (const [name, body] of Object.entries(policies)) {
      files[policyFileName(name)] = renderJson(body);
      steps.push({
        kind: 'request',
        description: `PUT _ilm/policy/${name}`,
        method: 'PUT',
        path: `/_ilm/policy/${name}`,
        file: policyFileName(name),
      });
    }
    for (const [name, body] of Object.entries(templates)) {
      files[templateFileName(name)] = renderJson(body);
      steps.push({
        kind: 'request',
        description: `PUT _index_template/${name}`,
        method: 'PUT',
        path: `/_index_template/${name}`,
        file: templateFileName(name),
      });
    }

    // The repository after the templates: the log data streams work without it.
    if (this.snapshotRepository) {
      const repository = this.snapshotRepository;
      files[repositoryFileName(repository.name)] = renderJson(repository.body);
      steps.push({
        kind: 'request',
        description: `PUT _snapshot/${repository.name}`,
        method: 'PUT',
        path: `/_snapshot/${repository.name}`,
        file: repositoryFileName(repository.name),
      });
    }
    for (const policy of this.snapshotPolicies) {
      files[snapshotPolicyFileName(policy.id)] = renderJson(policy.body);
      steps.push({
        kind: 'request',
        description: `PUT _slm/policy/${policy.id}`,
        method: 'PUT',
        path: `/_slm/policy/${policy.id}`,
        file: snapshotPolicyFileName(policy.id),
      });
    }

    this.addElasticsearchJob(props, {
      does: 'applies ILM policies and index templates',
      privileges:
        'manage_ilm and manage_index_templates' +
        (this.snapshotRepository ? ', manage_slm and manage' : ''),
      steps,
      files,
    });
  }
}
