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
import { PrometheusRule, PrometheusRuleGroup } from '../prometheus/prometheus-config';
import { elasticsearchDashboard } from './elasticsearch-dashboard';
import {
  ELASTICSEARCH_CIRCUIT_BREAKER_TRIPPED_RUNBOOK,
  ELASTICSEARCH_EXPORTER_DOWN_RUNBOOK,
  ELASTICSEARCH_EXPORTER_UNREACHABLE_RUNBOOK,
  ELASTICSEARCH_GC_TIME_HIGH_RUNBOOK,
  ELASTICSEARCH_HEAP_HIGH_RUNBOOK,
  ELASTICSEARCH_ILM_ERRORS_RUNBOOK,
  ELASTICSEARCH_INDEXING_LATENCY_HIGH_RUNBOOK,
  ELASTICSEARCH_NO_MASTER_RUNBOOK,
  ELASTICSEARCH_NODES_MISSING_RUNBOOK,
  ELASTICSEARCH_PENDING_TASKS_RUNBOOK,
  ELASTICSEARCH_SEARCH_LATENCY_HIGH_RUNBOOK,
  ELASTICSEARCH_SHARDS_MOVING_STUCK_RUNBOOK,
  ELASTICSEARCH_THREAD_POOL_REJECTIONS_RUNBOOK,
  ELASTICSEARCH_UNASSIGNED_SHARDS_RUNBOOK,
  ELASTICSEARCH_CLUSTER_RED_RUNBOOK,
  ELASTICSEARCH_CLUSTER_YELLOW_RUNBOOK,
  ELASTICSEARCH_DISK_WATERMARK_HIGH_RUNBOOK,
  ELASTICSEARCH_DISK_WATERMARK_LOW_RUNBOOK,
  ELASTICSEARCH_SNAPSHOT_STALE_RUNBOOK,
  LOGS_DEAD_LETTERED_RUNBOOK,
} from './elasticsearch-runbooks';
import { alertsOf, MixinContext, MonitoringMixin, stackNamespaces } from './mixin';

/** The Elasticsearch mixin's own alerts (those of `AlertName` stay there). */
export enum ElasticsearchAlert {
  HEAP_HIGH = 'ElasticsearchHeapHigh',
  UNASSIGNED_SHARDS = 'ElasticsearchUnassignedShards',
  SHARDS_MOVING_STUCK = 'ElasticsearchShardsMovingStuck',
  PENDING_TASKS = 'ElasticsearchPendingTasks',
  NODES_MISSING = 'ElasticsearchNodesMissing',
  NO_MASTER = 'ElasticsearchNoMaster',
  ILM_ERRORS = 'ElasticsearchIlmErrors',
  THREAD_POOL_REJECTIONS = 'ElasticsearchThreadPoolRejections',
  CIRCUIT_BREAKER_TRIPPED = 'ElasticsearchCircuitBreakerTripped',
  GC_TIME_HIGH = 'ElasticsearchGcTimeHigh',
  INDEXING_LATENCY_HIGH = 'ElasticsearchIndexingLatencyHigh',
  SEARCH_LATENCY_HIGH = 'ElasticsearchSearchLatencyHigh',
  EXPORTER_DOWN = 'ElasticsearchExporterDown',
  EXPORTER_UNREACHABLE = 'ElasticsearchExporterUnreachable',
}

/** The series the Elasticsearch mixin records (group `elasticsearch-rules`). */
export enum ElasticsearchRecord {
  INDEXING_RATE = 'cluster:elasticsearch_indexing_docs:rate5m',
  SEARCH_RATE = 'cluster:elasticsearch_search_queries:rate5m',
  HEAP_RATIO = 'node:elasticsearch_jvm_heap_used:ratio',
  INDEXING_LATENCY = 'node:elasticsearch_indexing_seconds_per_doc:rate5m',
  SEARCH_LATENCY = 'node:elasticsearch_search_seconds_per_query:rate5m',
}

/** Used fraction of a node's maximum heap from which `ElasticsearchHeapHigh` fires (after 15 minutes). */
const HEAP_HIGH = 0.9;
/** Share of the last 5 minutes a node spent in garbage collection from which `ElasticsearchGcTimeHigh` fires. */
const GC_TIME_HIGH = 0.2;
/** Mean seconds to index one document on a node from which `ElasticsearchIndexingLatencyHigh` fires. */
const INDEXING_LATENCY_HIGH = 0.01;
/** Mean seconds of one search query phase on a node from which `ElasticsearchSearchLatencyHigh` fires. */
const SEARCH_LATENCY_HIGH = 1;

/** What the Elasticsearch mixin watches beyond the cluster itself. */
export interface ElasticsearchMixinOptions {
  /**
   * The snapshot repository and policies whose freshness `ElasticsearchSnapshotStale` watches,
   * from the exporter's `--collector.snapshots` and `--collector.slm` metrics. @default - none: no rule
   */
  readonly snapshots?: SnapshotAlertOptions;
  /**
   * How many nodes the cluster runs (every node group's replicas): fewer in cluster health
   * for 5 minutes fires `ElasticsearchNodesMissing`. A whole number of at least 1.
   * @default - none: no rule
   */
  readonly nodes?: number;
  /**
   * Whether the exporter reads ILM (`--collector.ilm`, `ElasticsearchExporterProps.ilm`):
   * only then is `ElasticsearchIlmErrors` added, on `elasticsearch_ilm_index_status{step="ERROR"}`.
   * @default false
   */
  readonly ilm?: boolean;
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
  const nodes = validateNodes(context, options.nodes);
  const [ns] = stackNamespaces(context);
  const existing: PrometheusRule[] = [
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
  ];
  return {
    name: 'elasticsearch',
    ruleGroups: [
      elasticsearchRecordingRules(),
      {
        name: 'elasticsearch-alerts',
        rules: [
          ...existing,
          ...clusterAlerts(c, nodes),
          ...(options.ilm ? [ilmErrors(c)] : []),
          ...nodeAlerts(c),
          ...exporterAlerts(c, ns),
        ],
      },
    ],
    dashboards: [{ name: 'elasticsearch', json: elasticsearchDashboard(ns) }],
  };
}

function validateNodes(context: MixinContext, nodes: number | undefined): number | undefined {
  if (nodes !== undefined && (!Number.isInteger(nodes) || nodes < 1)) {
    invalidProp(
      context.scope ?? 'mixins',
      `${context.propPrefix ?? ''}nodes`,
      nodes,
      'is not a node count',
      'give the number of Elasticsearch nodes, a whole number of at least 1',
    );
  }
  return nodes;
}

/**
 * Per cluster: the rates of indexed documents and search queries; per node: the heap's used
 * fraction and the mean time to index a document and to run a query phase over 5 minutes.
 * The dashboard draws them. `max by` keeps one series while two exporter pods overlap.
 */
function elasticsearchRecordingRules(): PrometheusRuleGroup {
  const perNode = (metric: string) => `max by (cluster, name) (rate(${metric}[5m]))`;
  return {
    name: 'elasticsearch-rules',
    rules: [
      {
        record: ElasticsearchRecord.INDEXING_RATE,
        expr: `sum by (cluster) (${perNode('elasticsearch_indices_indexing_index_total')})`,
      },
      {
        record: ElasticsearchRecord.SEARCH_RATE,
        expr: `sum by (cluster) (${perNode('elasticsearch_indices_search_query_total')})`,
      },
      {
        record: ElasticsearchRecord.HEAP_RATIO,
        expr: 'max by (cluster, name) (elasticsearch_jvm_memory_used_bytes{area="heap"} / elasticsearch_jvm_memory_max_bytes{area="heap"})',
      },
      {
        record: ElasticsearchRecord.INDEXING_LATENCY,
        expr: `${perNode('elasticsearch_indices_indexing_index_time_seconds_total')} / ${perNode('elasticsearch_indices_indexing_index_total')}`,
      },
      {
        record: ElasticsearchRecord.SEARCH_LATENCY,
        expr: `${perNode('elasticsearch_indices_search_query_time_seconds')} / ${perNode('elasticsearch_indices_search_query_total')}`,
      },
    ],
  };
}

/** Cluster health beyond its colour: shards that stay unassigned or moving, pending tasks, nodes, the master. */
function clusterAlerts(c: ResolvedAlertRules, nodes: number | undefined): PrometheusRule[] {
  return [
    alertRule(c, {
      alert: ElasticsearchAlert.UNASSIGNED_SHARDS,
      // Delayed ones wait on purpose (index.unassigned.node_left.delayed_timeout) for a node to return.
      expr: 'max by (cluster) (elasticsearch_cluster_health_unassigned_shards - elasticsearch_cluster_health_delayed_unassigned_shards) > 0',
      for: '30m',
      severity: AlertSeverity.WARNING,
      summary: 'Elasticsearch shards unassigned',
      description:
        'Elasticsearch cluster {{ $labels.cluster }} has had unassigned shards (now {{ $value }}, not counting delayed ones) for 30 minutes: Elasticsearch cannot place them, and they will not recover by themselves.',
      runbook: ELASTICSEARCH_UNASSIGNED_SHARDS_RUNBOOK,
    }),
    alertRule(c, {
      alert: ElasticsearchAlert.SHARDS_MOVING_STUCK,
      expr: 'max by (cluster) (elasticsearch_cluster_health_relocating_shards + elasticsearch_cluster_health_initializing_shards) > 0',
      for: '1h',
      severity: AlertSeverity.WARNING,
      summary: 'Elasticsearch shards relocating or initializing for an hour',
      description:
        'Elasticsearch cluster {{ $labels.cluster }} has had shards relocating or initializing (now {{ $value }}) for an hour without a break: a recovery is stuck or throttled, or the cluster keeps moving shards back and forth.',
      runbook: ELASTICSEARCH_SHARDS_MOVING_STUCK_RUNBOOK,
    }),
    alertRule(c, {
      alert: ElasticsearchAlert.PENDING_TASKS,
      expr: 'max by (cluster) (elasticsearch_cluster_health_number_of_pending_tasks) > 0',
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Elasticsearch cluster tasks pending',
      description:
        'The master of Elasticsearch cluster {{ $labels.cluster }} has had cluster state updates waiting (now {{ $value }}) for 15 minutes: mapping changes, index creation, rollovers and shard allocation are delayed.',
      runbook: ELASTICSEARCH_PENDING_TASKS_RUNBOOK,
    }),
    ...(nodes !== undefined
      ? [
          alertRule(c, {
            alert: ElasticsearchAlert.NODES_MISSING,
            expr: `max by (cluster) (elasticsearch_cluster_health_number_of_nodes) < ${nodes}`,
            for: '5m',
            severity: AlertSeverity.WARNING,
            summary: 'Elasticsearch nodes missing',
            description: `Elasticsearch cluster {{ $labels.cluster }} has had {{ $value }} nodes for 5 minutes, fewer than the ${nodes} it runs: the shards of the missing nodes are unassigned or being recovered elsewhere.`,
            runbook: ELASTICSEARCH_NODES_MISSING_RUNBOOK,
          }),
        ]
      : []),
    alertRule(c, {
      alert: ElasticsearchAlert.NO_MASTER,
      // Elasticsearch answers its root endpoint (cluster info) but not cluster health, which
      // needs an elected master: the health series are gone while the exporter is up.
      expr: 'max by (namespace, pod) (elasticsearch_clusterinfo_up) == 1 unless on (namespace, pod) count by (namespace, pod) (elasticsearch_cluster_health_status)',
      for: '2m',
      severity: AlertSeverity.CRITICAL,
      summary: 'Elasticsearch without an elected master',
      description:
        'Elasticsearch answers the exporter {{ $labels.namespace }}/{{ $labels.pod }} but has reported no cluster health for 2 minutes: no master is elected, so no index can be created or rolled over and writes to new indices fail.',
      runbook: ELASTICSEARCH_NO_MASTER_RUNBOOK,
    }),
  ];
}

/** `ElasticsearchIlmErrors`: indices whose lifecycle stopped at the `ERROR` step (never rolled over or deleted). */
function ilmErrors(c: ResolvedAlertRules): PrometheusRule {
  return alertRule(c, {
    alert: ElasticsearchAlert.ILM_ERRORS,
    // ILM retries transient errors by itself; 30 minutes in ERROR is one it does not get past.
    expr: 'count by (phase, action) (max by (index, phase, action) (elasticsearch_ilm_index_status{step="ERROR"}) == 1) > 0',
    for: '30m',
    severity: AlertSeverity.WARNING,
    summary: 'Elasticsearch index lifecycle stuck in ERROR',
    description:
      '{{ $value }} indices have been at the ERROR step of ILM action {{ $labels.action }} (phase {{ $labels.phase }}) for 30 minutes: they are not rolled over, moved or deleted, so they grow or are kept past their retention.',
    runbook: ELASTICSEARCH_ILM_ERRORS_RUNBOOK,
  });
}

/** Per node: heap, garbage collection, rejected requests, circuit breakers, indexing and search latency. */
function nodeAlerts(c: ResolvedAlertRules): PrometheusRule[] {
  const byNode = 'max by (cluster, name)';
  return [
    alertRule(c, {
      alert: ElasticsearchAlert.HEAP_HIGH,
      expr: `${byNode} (elasticsearch_jvm_memory_used_bytes{area="heap"} / elasticsearch_jvm_memory_max_bytes{area="heap"}) > ${HEAP_HIGH}`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Elasticsearch heap nearly full',
      description: `Elasticsearch node {{ $labels.name }} (cluster {{ $labels.cluster }}) has used {{ $value | humanizePercentage }} of its heap for 15 minutes, over ${percent(HEAP_HIGH)}: garbage collection takes over and the circuit breakers start refusing requests.`,
      runbook: ELASTICSEARCH_HEAP_HIGH_RUNBOOK,
    }),
    alertRule(c, {
      alert: ElasticsearchAlert.GC_TIME_HIGH,
      expr: `${byNode} (sum without (gc) (rate(elasticsearch_jvm_gc_collection_seconds_sum[5m]))) > ${GC_TIME_HIGH}`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Elasticsearch spending its time in garbage collection',
      description: `Elasticsearch node {{ $labels.name }} (cluster {{ $labels.cluster }}) has spent {{ $value | humanizePercentage }} of its time collecting garbage for 15 minutes (over ${percent(GC_TIME_HIGH)}): indexing and searches on it stall.`,
      runbook: ELASTICSEARCH_GC_TIME_HIGH_RUNBOOK,
    }),
    alertRule(c, {
      alert: ElasticsearchAlert.THREAD_POOL_REJECTIONS,
      expr: 'max by (cluster, name, type) (increase(elasticsearch_thread_pool_rejected_count{type=~"write|search"}[5m])) > 0',
      for: '10m',
      severity: AlertSeverity.WARNING,
      summary: 'Elasticsearch rejecting requests',
      description:
        'The {{ $labels.type }} thread pool of Elasticsearch node {{ $labels.name }} (cluster {{ $labels.cluster }}) has rejected requests for 10 minutes ({{ $value | humanize }} in the last 5): its queue is full. Rejected bulk writes are retried by Logstash and Filebeat, rejected searches fail in Kibana, Grafana and Jaeger.',
      runbook: ELASTICSEARCH_THREAD_POOL_REJECTIONS_RUNBOOK,
    }),
    alertRule(c, {
      alert: ElasticsearchAlert.CIRCUIT_BREAKER_TRIPPED,
      expr: 'max by (cluster, name, breaker) (increase(elasticsearch_breakers_tripped[5m])) > 0',
      severity: AlertSeverity.WARNING,
      summary: 'Elasticsearch circuit breaker tripped',
      description:
        'The {{ $labels.breaker }} circuit breaker of Elasticsearch node {{ $labels.name }} (cluster {{ $labels.cluster }}) tripped {{ $value | humanize }} times in the last 5 minutes: requests that would have exhausted its heap were refused with 429.',
      runbook: ELASTICSEARCH_CIRCUIT_BREAKER_TRIPPED_RUNBOOK,
    }),
    alertRule(c, {
      alert: ElasticsearchAlert.INDEXING_LATENCY_HIGH,
      expr: `${byNode} (rate(elasticsearch_indices_indexing_index_time_seconds_total[5m])) / ${byNode} (rate(elasticsearch_indices_indexing_index_total[5m])) > ${INDEXING_LATENCY_HIGH}`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Elasticsearch indexing slow',
      description: `Elasticsearch node {{ $labels.name }} (cluster {{ $labels.cluster }}) has taken {{ $value | humanizeDuration }} per indexed document for 15 minutes (over ${INDEXING_LATENCY_HIGH * 1000} ms): log ingestion falls behind and Logstash's queue grows.`,
      runbook: ELASTICSEARCH_INDEXING_LATENCY_HIGH_RUNBOOK,
    }),
    alertRule(c, {
      alert: ElasticsearchAlert.SEARCH_LATENCY_HIGH,
      expr: `${byNode} (rate(elasticsearch_indices_search_query_time_seconds[5m])) / ${byNode} (rate(elasticsearch_indices_search_query_total[5m])) > ${SEARCH_LATENCY_HIGH}`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Elasticsearch searches slow',
      description: `Elasticsearch node {{ $labels.name }} (cluster {{ $labels.cluster }}) has taken {{ $value | humanizeDuration }} per search query for 15 minutes (over ${SEARCH_LATENCY_HIGH} s): Kibana, Grafana's log panels and the Jaeger UI are slow or time out.`,
      runbook: ELASTICSEARCH_SEARCH_LATENCY_HIGH_RUNBOOK,
    }),
  ];
}

/** The exporter itself: gone, or unable to read Elasticsearch. Every other Elasticsearch alert depends on it. */
function exporterAlerts(c: ResolvedAlertRules, ns: string): PrometheusRule[] {
  return [
    alertRule(c, {
      alert: ElasticsearchAlert.EXPORTER_DOWN,
      expr: `absent(elasticsearch_node_stats_up{namespace="${ns}"})`,
      for: '10m',
      severity: AlertSeverity.WARNING,
      summary: 'Elasticsearch exporter missing',
      description: `Prometheus has had no series of the Elasticsearch exporter in namespace ${ns} for 10 minutes: no Elasticsearch alert can fire, red and full disks included.`,
      runbook: ELASTICSEARCH_EXPORTER_DOWN_RUNBOOK,
    }),
    alertRule(c, {
      alert: ElasticsearchAlert.EXPORTER_UNREACHABLE,
      expr: 'min by (namespace, pod) ({__name__=~"elasticsearch_(clusterinfo|node_stats)_up"}) == 0',
      for: '5m',
      severity: AlertSeverity.WARNING,
      summary: 'Elasticsearch exporter cannot read Elasticsearch',
      description:
        'The Elasticsearch exporter {{ $labels.namespace }}/{{ $labels.pod }} has failed to read cluster info or node stats for 5 minutes (Elasticsearch unreachable, or the credentials or CA refused): the Elasticsearch alerts see nothing.',
      runbook: ELASTICSEARCH_EXPORTER_UNREACHABLE_RUNBOOK,
    }),
  ];
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
