import { Duration, durationToSeconds, validateDuration } from '../core/duration';
import { ErrorScope, invalidProp } from '../core/errors';
import { validateDnsLabel } from '../core/names';
import { DEAD_LETTER_DATA_STREAM, DEAD_LETTER_TEMPLATE } from '../elasticsearch/index-templates';
import { DEAD_LETTER_PIPELINE_ID } from '../logstash/logstash-config';
import {
  AlertName,
  AlertRuleOptions,
  AlertRulesProps,
  AlertSeverity,
  alertRule,
  alertRulesScope,
  percent,
  resolveAlertRules,
  ResolvedAlertRules,
} from './alert-rules';
import { AlertRunbook } from './alert-runbook';
import {
  ELASTICSEARCH_CLUSTER_RED_RUNBOOK,
  ELASTICSEARCH_CLUSTER_YELLOW_RUNBOOK,
  ELASTICSEARCH_DISK_WATERMARK_HIGH_RUNBOOK,
  ELASTICSEARCH_DISK_WATERMARK_LOW_RUNBOOK,
  ELASTICSEARCH_SNAPSHOT_STALE_RUNBOOK,
  LOGS_DEAD_LETTERED_RUNBOOK,
} from './elasticsearch-alert-runbooks';
import {
  FILEBEAT_DROPPING_EVENTS_RUNBOOK,
  FILEBEAT_OUTPUT_STALLED_RUNBOOK,
  LOGSTASH_DEAD_LETTER_QUEUE_DROPPING_RUNBOOK,
  LOGSTASH_DEAD_LETTERS_RUNBOOK,
  LOGSTASH_PIPELINE_STALLED_RUNBOOK,
} from './log-pipeline-alert-runbooks';
import {
  ALERTMANAGER_NOTIFICATIONS_FAILING_RUNBOOK,
  JAEGER_DROPPING_SPANS_RUNBOOK,
  OBSERVABILITY_COMPONENT_DOWN_RUNBOOK,
  PROMETHEUS_RULE_EVALUATION_FAILURES_RUNBOOK,
  WATCHDOG_RUNBOOK,
} from './monitoring-alert-runbooks';
import { PrometheusRule, PrometheusRuleGroup } from './prometheus-config';

/** Name of the rule group of {@link stackAlertRules}. */
export const STACK_ALERTS_GROUP = 'observability-stack-alerts';

/** Where the stack runs, so that its own targets and metrics can be told apart. */
export interface StackAlertRuleOptions extends AlertRuleOptions {
  /** Namespace of the back ends and UIs. */
  readonly namespace: string;
  /** Namespace of the node agents (Filebeat, node-exporter). @default - none */
  readonly agentsNamespace?: string;
  /** Whether the stack runs Logstash with its exporter sidecar; `false` leaves its rules out. @default true */
  readonly logstash?: boolean;
  /**
   * Whether the stack runs the Elasticsearch exporter; `false` leaves out the rules on its
   * metrics (cluster health, disk watermarks, dead-lettered logs), which could never fire.
   * @default true
   */
  readonly elasticsearchExporter?: boolean;
  /** Whether Filebeat runs its exporter sidecar; `false` leaves out the rules on its metrics. @default true */
  readonly filebeatExporter?: boolean;
  /**
   * The snapshot repository and policies whose freshness `ElasticsearchSnapshotStale` watches,
   * from the exporter's `--collector.snapshots` and `--collector.slm` metrics. @default - none: no rule
   */
  readonly snapshots?: StackSnapshotAlertOptions;
}

/** What `ElasticsearchSnapshotStale` watches. */
export interface StackSnapshotAlertOptions {
  /** The repository's name (`PUT _snapshot/<name>`). */
  readonly repository: string;
  /** The SLM policy ids that write to it. */
  readonly policies: readonly string[];
  /** The longest time without a successful snapshot before the alert fires. */
  readonly staleAfter: Duration;
}

/**
 * Used fraction of a dead-letter queue's `max_bytes` from which it is full: Logstash
 * writes segments of up to 10 MB and frees space a segment at a time, so a full queue of
 * 1 GiB or more sits above 99 %.
 */
const DEAD_LETTER_QUEUE_FULL = 0.95;
/** Window over which new documents in the dead-letter data stream are counted. */
const DEAD_LETTERED_WINDOW = '10m';

/**
 * Alerts on the observability stack itself (docs/architecture.md#55-metrics-and-alerts): components
 * down, Elasticsearch health and disk watermarks, stalled Logstash pipelines and
 * Filebeat outputs, events Filebeat drops, log events Elasticsearch refused (dead letters)
 * and dead letters lost, dropped spans, failing rule evaluations and notifications, and a
 * Watchdog.
 *
 * Metric sources:
 * - Elasticsearch: prometheus-community `elasticsearch_exporter`
 *   (`elasticsearch_cluster_health_status{color}`, `elasticsearch_filesystem_data_*_bytes`,
 *   and with `--es.indices` `elasticsearch_indices_docs_primary{index}`).
 * - Logstash: kuskoman `logstash-exporter` (`logstash_stats_pipeline_events_in|out{pipeline}`,
 *   `logstash_stats_pipeline_dead_letter_queue_*{pipeline}`,
 *   `logstash_stats_pipeline_plugin_documents_*{pipeline, plugin_type, plugin, plugin_id}`),
 *   which reads Logstash's node stats API on port 9600.
 * - Filebeat: trustpilot `beat-exporter` (`filebeat_libbeat_pipeline_events{type}`,
 *   `filebeat_libbeat_output_events{type}`), which reads Filebeat's stats on port 5066.
 * - Jaeger v2: the OpenTelemetry Collector's internal telemetry on port 8888, whose
 *   Prometheus exporter adds `_total` to counters (`otelcol_exporter_send_failed_spans_total`).
 * - Prometheus and Alertmanager: their own `/metrics`.
 * The stack deploys both exporters (`ElasticsearchExporter`, and a sidecar in each
 * Logstash pod); a composition without them leaves those rules silent.
 *
 * Severities: `critical` for what loses data or silences other alerts (a
 * component down, Elasticsearch red or past its high watermark, failing rule
 * evaluations, failing notifications: PagerDuty and Slack both get criticals,
 * so one failing integration is reported through the other); `warning` for
 * what degrades (yellow, low watermark, stalled pipeline, dropped spans);
 * `none` for the Watchdog, which Alertmanager routes to no one.
 */
export function stackAlertRules(
  props: AlertRulesProps = {},
  options: StackAlertRuleOptions,
): PrometheusRuleGroup {
  const c = resolveAlertRules(props, options);
  const scope = alertRulesScope(options);
  const ns = validateDnsLabel(scope, `${options.propPrefix ?? ''}namespace`, options.namespace);
  const namespaces = [
    ns,
    ...(options.agentsNamespace
      ? [
          validateDnsLabel(
            scope,
            `${options.propPrefix ?? ''}agentsNamespace`,
            options.agentsNamespace,
          ),
        ]
      : []),
  ];
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
    name: STACK_ALERTS_GROUP,
    rules: [
      alertRule(c, {
        alert: AlertName.OBSERVABILITY_COMPONENT_DOWN,
        expr: `up{namespace=~"${namespaces.join('|')}"} == 0`,
        for: c.targetDownFor,
        severity: AlertSeverity.CRITICAL,
        summary: 'Observability stack component down',
        description: `Target {{ $labels.instance }} of job {{ $labels.job }} (pod {{ $labels.namespace }}/{{ $labels.pod }}) has been unreachable for ${c.targetDownFor}; logs, metrics, traces or alerts may be lost.`,
        runbook: OBSERVABILITY_COMPONENT_DOWN_RUNBOOK,
      }),
      ...((options.elasticsearchExporter ?? true)
        ? [
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
          ]
        : []),
      ...((options.elasticsearchExporter ?? true) && options.snapshots
        ? [snapshotStale(c, validateSnapshotAlertOptions(scope, options))]
        : []),
      ...((options.logstash ?? true) ? logstashRules(c) : []),
      ...((options.filebeatExporter ?? true)
        ? [
            alertRule(c, {
              alert: AlertName.FILEBEAT_OUTPUT_STALLED,
              // Events wait in the pipeline the whole window and the output acknowledges none:
              // Logstash or Elasticsearch refuses or cannot be reached. (Counting published events
              // would miss it: once the queue is full, back-pressure stops publishing too.)
              expr: [
                `sum by (namespace, pod) (min_over_time(filebeat_libbeat_pipeline_events{type="active"}[${c.filebeatStalledFor}])) > 0`,
                `and sum by (namespace, pod) (increase(filebeat_libbeat_output_events{type="acked"}[${c.filebeatStalledFor}])) == 0`,
              ].join(' '),
              severity: AlertSeverity.WARNING,
              summary: 'Filebeat output stalled',
              description: `Filebeat {{ $labels.namespace }}/{{ $labels.pod }} has held at least {{ $value | humanize }} events for ${c.filebeatStalledFor} and its output acknowledged none; the node's logs are not shipped.`,
              runbook: FILEBEAT_OUTPUT_STALLED_RUNBOOK,
            }),
            alertRule(c, {
              alert: AlertName.FILEBEAT_DROPPING_EVENTS,
              // Dropped is final (failed events are retried): the output refused them for good, or
              // the pipeline could not publish them.
              expr: [
                'sum by (namespace, pod) (increase(filebeat_libbeat_output_events{type="dropped"}[5m]))',
                '+ sum by (namespace, pod) (increase(filebeat_libbeat_pipeline_events{type="dropped"}[5m])) > 0',
              ].join(' '),
              severity: AlertSeverity.WARNING,
              summary: 'Filebeat dropping events',
              description:
                'Filebeat {{ $labels.namespace }}/{{ $labels.pod }} dropped {{ $value | humanize }} log events in the last 5 minutes; they will not reach Elasticsearch.',
              runbook: FILEBEAT_DROPPING_EVENTS_RUNBOOK,
            }),
          ]
        : []),
      alertRule(c, {
        alert: AlertName.JAEGER_DROPPING_SPANS,
        // Spans lost on the way out (storage failing after retries) or refused on the way in;
        // the two sides keep different labels (exporter, receiver), so `or` keeps both.
        expr: [
          `sum by (namespace, pod, exporter) (increase(otelcol_exporter_send_failed_spans_total{namespace="${ns}"}[5m])) > 0`,
          `or sum by (namespace, pod, receiver) (increase(otelcol_receiver_refused_spans_total{namespace="${ns}"}[5m])) > 0`,
        ].join(' '),
        severity: AlertSeverity.WARNING,
        summary: 'Jaeger dropping spans',
        description:
          'Jaeger pod {{ $labels.namespace }}/{{ $labels.pod }} lost {{ $value | humanize }} spans in the last 5 minutes: ' +
          '{{ if $labels.exporter }}exporter {{ $labels.exporter }} failed to store them{{ else }}receiver {{ $labels.receiver }} refused them{{ end }}.',
        runbook: JAEGER_DROPPING_SPANS_RUNBOOK,
      }),
      alertRule(c, {
        alert: AlertName.PROMETHEUS_RULE_EVALUATION_FAILURES,
        expr: 'increase(prometheus_rule_evaluation_failures_total[5m]) > 0',
        severity: AlertSeverity.CRITICAL,
        summary: 'Prometheus rule evaluations failing',
        description:
          'Prometheus {{ $labels.instance }} failed {{ $value | humanize }} evaluations of rule group {{ $labels.rule_group }} in the last 5 minutes; its alerts may not fire.',
        runbook: PROMETHEUS_RULE_EVALUATION_FAILURES_RUNBOOK,
      }),
      alertRule(c, {
        alert: AlertName.ALERTMANAGER_NOTIFICATIONS_FAILING,
        expr: `sum by (namespace, pod, integration) (increase(alertmanager_notifications_failed_total{namespace="${ns}"}[5m])) > 0`,
        // Alertmanager retries; a short outage of a chat service is not worth a page.
        for: '5m',
        severity: AlertSeverity.CRITICAL,
        summary: 'Alertmanager notifications failing',
        description:
          'Alertmanager {{ $labels.namespace }}/{{ $labels.pod }} failed {{ $value | humanize }} notifications to {{ $labels.integration }} in the last 5 minutes.',
        runbook: ALERTMANAGER_NOTIFICATIONS_FAILING_RUNBOOK,
      }),
      alertRule(c, {
        alert: AlertName.WATCHDOG,
        expr: 'vector(1)',
        severity: AlertSeverity.NONE,
        summary: 'Always firing: the alerting pipeline works',
        description:
          "This alert always fires. A dead man's switch outside the cluster should page when it stops arriving: Prometheus, Alertmanager or the path between them is broken.",
        runbook: WATCHDOG_RUNBOOK,
      }),
    ],
  };
}

/**
 * The Logstash rules: a stalled pipeline, documents Elasticsearch refused, and dead letters
 * lost because the dead-letter queue is full.
 */
function logstashRules(c: ResolvedAlertRules): PrometheusRule[] {
  const byPipeline = 'sum by (namespace, pod, pipeline)';
  return [
    alertRule(c, {
      alert: AlertName.LOGSTASH_PIPELINE_STALLED,
      // Events go in (into the queue) but none come out: an output is blocked or a filter hangs.
      expr: [
        `${byPipeline} (increase(logstash_stats_pipeline_events_in[${c.logstashStalledFor}])) > 0`,
        `and ${byPipeline} (increase(logstash_stats_pipeline_events_out[${c.logstashStalledFor}])) == 0`,
      ].join(' '),
      severity: AlertSeverity.WARNING,
      summary: 'Logstash pipeline stalled',
      description: `Logstash pipeline {{ $labels.pipeline }} in pod {{ $labels.namespace }}/{{ $labels.pod }} took in {{ $value | humanize }} events in ${c.logstashStalledFor} but sent none out.`,
      runbook: LOGSTASH_PIPELINE_STALLED_RUNBOOK,
    }),
    alertRule(c, {
      alert: AlertName.LOGSTASH_DEAD_LETTERS,
      // Since logstash-output-elasticsearch 11.10, documents answered 400 or 404 count in
      // `documents.dlq_routed`, which the exporter does not read, and
      // `non_retryable_failures` only counts 409 (and 400/404 on older outputs). Each
      // dead letter is then read by the dead-letters pipeline, so its input counts them.
      expr: [
        'sum by (namespace, pod) (increase(logstash_stats_pipeline_plugin_documents_non_retryable_failures{plugin_type="output"}[5m])) > 0',
        `or sum by (namespace, pod) (increase(logstash_stats_pipeline_events_in{pipeline="${DEAD_LETTER_PIPELINE_ID}"}[5m])) > 0`,
      ].join(' '),
      severity: AlertSeverity.WARNING,
      summary: 'Elasticsearch refusing documents from Logstash',
      description:
        'Elasticsearch refused {{ $value | humanize }} documents from Logstash {{ $labels.namespace }}/{{ $labels.pod }} in the last 5 minutes ' +
        `(answered 400, 404 or 409, never retried). With the dead-letter queue they are in ${DEAD_LETTER_DATA_STREAM}, tagged dead_letter, ` +
        'with the reason in error.message; without it they are lost.',
      runbook: LOGSTASH_DEAD_LETTERS_RUNBOOK,
    }),
    alertRule(c, {
      alert: AlertName.LOGSTASH_DEAD_LETTER_QUEUE_DROPPING,
      // drop_newer counts what it refuses in `dropped_events`; drop_older (the stack's
      // policy) deletes the oldest segments and counts nothing, so a full queue is the signal.
      expr: [
        `${byPipeline} (increase(logstash_stats_pipeline_dead_letter_queue_dropped_events[5m])) > 0`,
        'or max by (namespace, pod, pipeline) (logstash_stats_pipeline_dead_letter_queue_size_in_bytes',
        `/ logstash_stats_pipeline_dead_letter_queue_max_size_in_bytes) > ${DEAD_LETTER_QUEUE_FULL}`,
      ].join(' '),
      severity: AlertSeverity.CRITICAL,
      summary: 'Logstash losing dead letters',
      description:
        'The dead-letter queue of Logstash pipeline {{ $labels.pipeline }} in pod {{ $labels.namespace }}/{{ $labels.pod }} is full ' +
        '(dead_letter_queue.max_bytes): Logstash drops new dead letters (drop_newer) or deletes the oldest unread ones (drop_older), ' +
        `and those log events are lost. Its reader, the ${DEAD_LETTER_PIPELINE_ID} pipeline, is probably stuck: check its Elasticsearch output.`,
      runbook: LOGSTASH_DEAD_LETTER_QUEUE_DROPPING_RUNBOOK,
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
  scope: ErrorScope,
  options: StackAlertRuleOptions,
): StackSnapshotAlertOptions {
  const s = options.snapshots!;
  const prefix = `${options.propPrefix ?? ''}snapshots`;
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
function snapshotStale(c: ResolvedAlertRules, s: StackSnapshotAlertOptions): PrometheusRule {
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
