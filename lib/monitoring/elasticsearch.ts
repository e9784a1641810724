import { Duration, durationToSeconds, validateDuration } from '../core/duration';
import { invalidProp } from '../core/errors';
import { DEAD_LETTER_TEMPLATE } from '../elasticsearch/index-templates';
import {
  AlertName,
  AlertSeverity,
  alertRule,
  percent,
  ResolvedAlertRules,
} from '../prometheus/alert-rules';
import { AlertRunbook } from '../prometheus/alert-runbook';
import { PrometheusRule } from '../prometheus/prometheus-config';
import {
  ELASTICSEARCH_CLUSTER_RED_RUNBOOK,
  ELASTICSEARCH_CLUSTER_YELLOW_RUNBOOK,
  ELASTICSEARCH_DISK_WATERMARK_HIGH_RUNBOOK,
  ELASTICSEARCH_DISK_WATERMARK_LOW_RUNBOOK,
  ELASTICSEARCH_SNAPSHOT_STALE_RUNBOOK,
  LOGS_DEAD_LETTERED_RUNBOOK,
} from './elasticsearch-runbooks';
import { alertsOf, MixinContext, MonitoringMixin } from './mixin';

/** What the Elasticsearch mixin watches beyond the cluster itself. */
export interface ElasticsearchMixinOptions {
  /**
   * The snapshot repository and policies whose freshness `ElasticsearchSnapshotStale` watches,
   * from the exporter's `--collector.snapshots` and `--collector.slm` metrics. @default - none: no rule
   */
  readonly snapshots?: SnapshotAlertOptions;
}

/** What `ElasticsearchSnapshotStale` watches. */
export interface SnapshotAlertOptions {
  /** The repository's name (`PUT _snapshot/<name>`). */
  readonly repository: string;
  /** The SLM policy ids that write to it. */
  readonly policies: readonly string[];
  /** The longest time without a successful snapshot before the alert fires. */
  readonly staleAfter: Duration;
}

/** Window over which new documents in the dead-letter data stream are counted. */
const DEAD_LETTERED_WINDOW = '10m';

/**
 * The Elasticsearch mixin, on the prometheus-community `elasticsearch_exporter`'s metrics
 * (`elasticsearch_cluster_health_status{color}`, `elasticsearch_filesystem_data_*_bytes`, and
 * with `--es.indices` `elasticsearch_indices_docs_primary{index}`): cluster red and yellow,
 * the disk watermarks, dead-lettered log events and stale snapshots. The stack adds it with
 * its `ElasticsearchExporter`: without the exporter the rules could never fire.
 *
 * Severities: `critical` for red and past the high watermark (data neither searchable nor
 * writable, or indices about to turn read-only); `warning` for the rest.
 */
export function elasticsearchMixin(
  context: MixinContext,
  options: ElasticsearchMixinOptions = {},
): MonitoringMixin {
  const c = alertsOf(context);
  const esUsed =
    '(1 - elasticsearch_filesystem_data_available_bytes / elasticsearch_filesystem_data_size_bytes)';
  const esDisk = (
    alert: AlertName,
    watermark: number,
    severity: AlertSeverity,
    name: string,
    effect: string,
    runbook: AlertRunbook,
  ) =>
    alertRule(c, {
      alert,
      expr: `${esUsed} > ${watermark}`,
      for: '5m',
      severity,
      summary: `Elasticsearch disk past the ${name} watermark`,
      description: `Data path {{ $labels.path }} of Elasticsearch node {{ $labels.name }} (cluster {{ $labels.cluster }}) is {{ $value | humanizePercentage }} full, past the ${name} watermark (${percent(watermark)}): ${effect}.`,
      runbook,
    });
  return {
    name: 'elasticsearch',
    ruleGroups: [
      {
        name: 'elasticsearch-alerts',
        rules: [
          alertRule(c, {
            alert: AlertName.ELASTICSEARCH_CLUSTER_RED,
            expr: 'elasticsearch_cluster_health_status{color="red"} == 1',
            // A new index is red until its primaries are allocated, normally well under a minute.
            for: '2m',
            severity: AlertSeverity.CRITICAL,
            summary: 'Elasticsearch cluster red',
            description:
              'Elasticsearch cluster {{ $labels.cluster }} is red: at least one primary shard is unassigned, so some data can be neither searched nor written.',
            runbook: ELASTICSEARCH_CLUSTER_RED_RUNBOOK,
          }),
          alertRule(c, {
            alert: AlertName.ELASTICSEARCH_CLUSTER_YELLOW,
            expr: 'elasticsearch_cluster_health_status{color="yellow"} == 1',
            // Yellow is normal for a while during a rolling restart.
            for: '15m',
            severity: AlertSeverity.WARNING,
            summary: 'Elasticsearch cluster yellow',
            description:
              'Elasticsearch cluster {{ $labels.cluster }} has been yellow for 15 minutes: replica shards are unassigned, so one more node lost may lose data.',
            runbook: ELASTICSEARCH_CLUSTER_YELLOW_RUNBOOK,
          }),
          esDisk(
            AlertName.ELASTICSEARCH_DISK_WATERMARK_LOW,
            c.elasticsearchDiskLowWatermark,
            AlertSeverity.WARNING,
            'low',
            'Elasticsearch allocates no new shards to it',
            ELASTICSEARCH_DISK_WATERMARK_LOW_RUNBOOK,
          ),
          esDisk(
            AlertName.ELASTICSEARCH_DISK_WATERMARK_HIGH,
            c.elasticsearchDiskHighWatermark,
            AlertSeverity.CRITICAL,
            'high',
            'Elasticsearch moves shards away, and at the flood stage makes its indices read-only',
            ELASTICSEARCH_DISK_WATERMARK_HIGH_RUNBOOK,
          ),
          logsDeadLettered(c),
          ...(options.snapshots
            ? [snapshotStale(c, validateSnapshotAlertOptions(context, options.snapshots))]
            : []),
        ],
      },
    ],
  };
}

/**
 * `LogsDeadLettered`: documents arrived in a dead-letter data stream (Logstash's dead-letters
 * pipeline, Filebeat's `non_indexable_policy`) within the window, counted per backing index
 * from the exporter's `--es.indices` document counts. A backing index seen a window ago
 * counts its growth; one that is new (the data stream's first dead letter, or a rollover)
 * counts whole, but only if the exporter was up a window ago, so neither a Prometheus nor
 * an exporter restart reads old dead letters as new. `max by` keeps one value per index
 * while two exporter pods overlap in a rollout; indices ILM deletes just drop out.
 * (`delta()` per series would miss the first dead letter of a new index.)
 */
function logsDeadLettered(c: ResolvedAlertRules): PrometheusRule {
  const w = DEAD_LETTERED_WINDOW;
  const docs = (offset = '') =>
    `max by (cluster, index) (elasticsearch_indices_docs_primary{index=~"\\\\.ds-${DEAD_LETTER_TEMPLATE}-.*"}${offset})`;
  return alertRule(c, {
    alert: AlertName.LOGS_DEAD_LETTERED,
    expr: [
      `sum by (cluster) ((${docs()} - ${docs(` offset ${w}`)})`,
      `or (${docs()} and on () count(elasticsearch_cluster_health_status offset ${w})))`,
      '> 0',
    ].join(' '),
    severity: AlertSeverity.WARNING,
    summary: 'Log events dead-lettered',
    description:
      `{{ $value | humanize }} log events went to the dead-letter data stream (${DEAD_LETTER_TEMPLATE}-*) of cluster {{ $labels.cluster }} in the last ${w}: ` +
      "Elasticsearch refused them in the data stream of their class. The reason is in error.message; Filebeat's dead letters keep the event as text in message, " +
      "Logstash's keep its fields and the tag dead_letter.",
    runbook: LOGS_DEAD_LETTERED_RUNBOOK,
  });
}

const SNAPSHOT_NAME = /^[a-z0-9][-a-z0-9_.]*$/;

function validateSnapshotAlertOptions(
  context: MixinContext,
  s: SnapshotAlertOptions,
): SnapshotAlertOptions {
  const scope = context.scope ?? 'mixins';
  const prefix = `${context.propPrefix ?? ''}snapshots`;
  for (const [prop, name] of [
    ['repository', s.repository],
    ...s.policies.map((p, i) => [`policies[${i}]`, p]),
  ] as const) {
    if (!SNAPSHOT_NAME.test(name)) {
      invalidProp(
        scope,
        `${prefix}.${prop}`,
        name,
        'is not a repository or policy name',
        "use lower-case letters, digits, '-', '_' and '.'",
      );
    }
  }
  validateDuration(scope, `${prefix}.staleAfter`, s.staleAfter);
  return s;
}

/**
 * `ElasticsearchSnapshotStale`: a backup older than the schedule allows, seen three ways so
 * that neither a fresh repository nor an exporter restart reads as one:
 * - the repository's latest successful (or partial) snapshot started longer than `staleAfter` ago;
 * - the repository has been exported for `staleAfter` and holds no successful snapshot at all;
 * - a policy, exported for `staleAfter`, took no successful snapshot in that time (the
 *   repository's latest snapshot may be another policy's).
 * `max by` and `sum by` keep one series while two exporter pods overlap in a rollout.
 * Warning: nothing is lost yet, but the next loss of the cluster would lose more than a schedule.
 */
function snapshotStale(c: ResolvedAlertRules, s: SnapshotAlertOptions): PrometheusRule {
  const w = s.staleAfter;
  const latest = `max by (repository) (elasticsearch_snapshot_stats_latest_snapshot_timestamp_seconds{repository="${s.repository}"})`;
  const taken = `elasticsearch_slm_stats_snapshots_taken_total{policy=~"${s.policies.join('|')}"}`;
  return alertRule(c, {
    alert: AlertName.ELASTICSEARCH_SNAPSHOT_STALE,
    expr: [
      `(time() - (${latest} > 0) > ${durationToSeconds(w)})`,
      `or (${latest} == 0 and on (repository) max by (repository) (elasticsearch_snapshot_stats_number_of_snapshots{repository="${s.repository}"} offset ${w}))`,
      `or (sum by (policy) (increase(${taken}[${w}])) == 0 and on (policy) sum by (policy) (${taken} offset ${w}))`,
    ].join(' '),
    severity: AlertSeverity.WARNING,
    summary: 'Elasticsearch snapshots stale',
    description:
      `{{ if $labels.policy }}Snapshot policy {{ $labels.policy }} has taken no successful snapshot in the last ${w}` +
      `{{ else }}Snapshot repository {{ $labels.repository }} has no successful snapshot started in the last ${w}{{ end }}: ` +
      'a restore would miss everything logged since. GET _slm/policy and GET _snapshot/<repository>/_all show the last failure.',
    runbook: ELASTICSEARCH_SNAPSHOT_STALE_RUNBOOK,
  });
}
