import { DEAD_LETTER_DATA_STREAM } from '../elasticsearch/index-templates';
import { DEAD_LETTER_PIPELINE_ID } from '../logstash/logstash-config';
import {
  AlertName,
  AlertSeverity,
  alertRule,
  percent,
  ResolvedAlertRules,
} from '../prometheus/alert-rules';
import { PrometheusRule, PrometheusRuleGroup } from '../prometheus/prometheus-config';
import { logstashDashboard } from './logstash-dashboard';
import {
  LOGSTASH_BACKPRESSURE_RUNBOOK,
  LOGSTASH_DEAD_LETTER_QUEUE_GROWING_RUNBOOK,
  LOGSTASH_EXPORTER_DOWN_RUNBOOK,
  LOGSTASH_HEAP_HIGH_RUNBOOK,
  LOGSTASH_OUTPUT_ERRORS_RUNBOOK,
  LOGSTASH_OUTPUT_REJECTED_RUNBOOK,
  LOGSTASH_PERSISTENT_QUEUE_FILLING_RUNBOOK,
  LOGSTASH_DEAD_LETTER_QUEUE_DROPPING_RUNBOOK,
  LOGSTASH_DEAD_LETTERS_RUNBOOK,
  LOGSTASH_PIPELINE_STALLED_RUNBOOK,
} from './logstash-runbooks';
import { alertsOf, MixinContext, MonitoringMixin, stackNamespaces } from './mixin';

/** The Logstash mixin's own alerts (those of `AlertName` stay there). */
export enum LogstashAlert {
  HEAP_HIGH = 'LogstashHeapHigh',
  PERSISTENT_QUEUE_FILLING = 'LogstashPersistentQueueFilling',
  BACKPRESSURE = 'LogstashBackpressure',
  OUTPUT_ERRORS = 'LogstashOutputErrors',
  OUTPUT_REJECTED = 'LogstashOutputRejected',
  DEAD_LETTER_QUEUE_GROWING = 'LogstashDeadLetterQueueGrowing',
  EXPORTER_DOWN = 'LogstashExporterDown',
}

/** The series the Logstash mixin records (group `logstash-rules`), per pod and pipeline. */
export enum LogstashRecord {
  EVENTS_IN = 'pipeline:logstash_events_in:rate5m',
  EVENTS_OUT = 'pipeline:logstash_events_out:rate5m',
  EVENTS_FILTERED = 'pipeline:logstash_events_filtered:rate5m',
}

/** Used fraction of the heap from which `LogstashHeapHigh` fires (after 15 minutes). */
const HEAP_HIGH = 0.9;
/** Used fraction of a persistent queue's `queue.max_bytes` from which `LogstashPersistentQueueFilling` fires. */
const PERSISTENT_QUEUE_FILLING = 0.8;
/**
 * `flow.queue_backpressure` (the share of time the inputs waited to push into the queue)
 * from which `LogstashBackpressure` fires (after 15 minutes).
 */
const BACKPRESSURE_HIGH = 0.5;

/** What the Logstash mixin is told about the Logstash it watches. */
export interface LogstashMixinOptions {
  /**
   * Whether Logstash runs its dead-letter queue (`LogstashProps.deadLetterQueue`): only then
   * can the queue fill and drop dead letters, so only then is `LogstashDeadLetterQueueDropping` added.
   * @default false
   */
  readonly deadLetterQueue?: boolean;
  /**
   * Whether Logstash runs the persistent queue (`LogstashProps.persistentQueue`): only then is
   * `LogstashPersistentQueueFilling` added (the in-memory queue has no size to fill).
   * @default false
   */
  readonly persistentQueue?: boolean;
}

/**
 * Used fraction of a dead-letter queue's `max_bytes` from which it is full: Logstash
 * writes segments of up to 10 MB and frees space a segment at a time, so a full queue of
 * 1 GiB or more sits above 99 %.
 */
const DEAD_LETTER_QUEUE_FULL = 0.95;

/**
 * The Logstash mixin, on the kuskoman `logstash-exporter` sidecar's metrics
 * (`logstash_stats_pipeline_events_in|out{pipeline}`, `logstash_stats_pipeline_dead_letter_queue_*`,
 * `logstash_stats_pipeline_plugin_documents_*`), read from Logstash's node stats API: a stalled
 * pipeline, documents Elasticsearch refused, and (with the dead-letter queue) dead letters lost.
 * The stack adds it when Logstash runs with its exporter.
 */
export function logstashMixin(
  context: MixinContext,
  options: LogstashMixinOptions = {},
): MonitoringMixin {
  const c = alertsOf(context);
  const byPipeline = 'sum by (namespace, pod, pipeline)';
  const [ns] = stackNamespaces(context);
  return {
    name: 'logstash',
    ruleGroups: [
      logstashRecordingRules(),
      {
        name: 'logstash-alerts',
        rules: [
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
          ...(options.deadLetterQueue
            ? [
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
              ]
            : []),
          ...logstashAlerts(c, ns, options),
        ],
      },
    ],
    dashboards: [
      {
        name: 'logstash',
        json: logstashDashboard(ns, {
          persistentQueue: options.persistentQueue ?? false,
          deadLetterQueue: options.deadLetterQueue ?? false,
        }),
      },
    ],
  };
}

/** Events in, out and filtered per second, per pod and pipeline: the dashboard draws them. */
function logstashRecordingRules(): PrometheusRuleGroup {
  const rate = (metric: string) =>
    `sum by (namespace, pod, pipeline) (rate(logstash_stats_pipeline_${metric}[5m]))`;
  return {
    name: 'logstash-rules',
    rules: [
      { record: LogstashRecord.EVENTS_IN, expr: rate('events_in') },
      { record: LogstashRecord.EVENTS_OUT, expr: rate('events_out') },
      { record: LogstashRecord.EVENTS_FILTERED, expr: rate('events_filtered') },
    ],
  };
}

/** Heap, queues, the Elasticsearch output, and the exporter itself. */
function logstashAlerts(
  c: ResolvedAlertRules,
  ns: string,
  options: LogstashMixinOptions,
): PrometheusRule[] {
  const byPipeline = 'max by (namespace, pod, pipeline)';
  const output = (metric: string, extra = '') =>
    `sum by (namespace, pod, pipeline, plugin_id) (increase(logstash_stats_pipeline_plugin_${metric}{plugin_type="output"${extra}}[5m]))`;
  return [
    alertRule(c, {
      alert: LogstashAlert.HEAP_HIGH,
      expr: `max by (namespace, pod) (logstash_stats_jvm_mem_heap_used_bytes / logstash_stats_jvm_mem_heap_max_bytes) > ${HEAP_HIGH}`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Logstash heap nearly full',
      description: `Logstash {{ $labels.namespace }}/{{ $labels.pod }} has used {{ $value | humanizePercentage }} of its heap for 15 minutes (over ${percent(HEAP_HIGH)}): it slows down in garbage collection and dies of OutOfMemoryError next.`,
      runbook: LOGSTASH_HEAP_HIGH_RUNBOOK,
    }),
    ...(options.persistentQueue
      ? [
          alertRule(c, {
            alert: LogstashAlert.PERSISTENT_QUEUE_FILLING,
            // Only persisted queues have a maximum (the in-memory dead-letters pipeline reports 0).
            expr: `${byPipeline} (logstash_stats_pipeline_queue_events_queue_size / (logstash_stats_pipeline_queue_max_size_in_bytes > 0)) > ${PERSISTENT_QUEUE_FILLING}`,
            for: '10m',
            severity: AlertSeverity.WARNING,
            summary: 'Logstash persistent queue filling',
            description: `The persistent queue of Logstash pipeline {{ $labels.pipeline }} in {{ $labels.namespace }}/{{ $labels.pod }} has been over ${percent(PERSISTENT_QUEUE_FILLING)} full for 10 minutes (now {{ $value | humanizePercentage }} of queue.max_bytes): when it is full Logstash stops reading from Filebeat, and the nodes hold their logs.`,
            runbook: LOGSTASH_PERSISTENT_QUEUE_FILLING_RUNBOOK,
          }),
        ]
      : []),
    alertRule(c, {
      alert: LogstashAlert.BACKPRESSURE,
      expr: `${byPipeline} (logstash_stats_pipeline_flow_queue_backpressure_current) > ${BACKPRESSURE_HIGH}`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Logstash inputs blocked by a full queue',
      description: `The inputs of Logstash pipeline {{ $labels.pipeline }} in {{ $labels.namespace }}/{{ $labels.pod }} have waited for room in its queue {{ $value | humanizePercentage }} of the time for 15 minutes (over ${percent(BACKPRESSURE_HIGH)}): the filters or the output cannot keep up, and Filebeat is slowed down.`,
      runbook: LOGSTASH_BACKPRESSURE_RUNBOOK,
    }),
    alertRule(c, {
      alert: LogstashAlert.OUTPUT_ERRORS,
      expr: `${output('bulk_requests_errors')} > 0`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Logstash bulk requests failing',
      description:
        'Elasticsearch output {{ $labels.plugin_id }} of Logstash pipeline {{ $labels.pipeline }} in {{ $labels.namespace }}/{{ $labels.pod }} has had bulk requests with errors for 15 minutes ({{ $value | humanize }} in the last 5): documents are retried (429, 5xx) or dead-lettered, and logs are late.',
      runbook: LOGSTASH_OUTPUT_ERRORS_RUNBOOK,
    }),
    alertRule(c, {
      alert: LogstashAlert.OUTPUT_REJECTED,
      // Whole bulk requests answered 429 or 5xx (the item-level failures are in bulk_requests_errors).
      expr: `${output('bulk_requests_responses', ', code=~"429|5.."')} > 0`,
      for: '10m',
      severity: AlertSeverity.WARNING,
      summary: 'Elasticsearch refusing bulk requests from Logstash',
      description:
        'Elasticsearch has answered bulk requests of output {{ $labels.plugin_id }} (Logstash pipeline {{ $labels.pipeline }}, {{ $labels.namespace }}/{{ $labels.pod }}) with 429 or 5xx for 10 minutes ({{ $value | humanize }} in the last 5): it is overloaded or unhealthy, and Logstash retries them.',
      runbook: LOGSTASH_OUTPUT_REJECTED_RUNBOOK,
    }),
    ...(options.deadLetterQueue
      ? [
          alertRule(c, {
            alert: LogstashAlert.DEAD_LETTER_QUEUE_GROWING,
            // The reader deletes what it has written (clean_consumed): a queue that only grows is not read.
            expr: `${byPipeline} (delta(logstash_stats_pipeline_dead_letter_queue_size_in_bytes[30m])) > 0`,
            for: '30m',
            severity: AlertSeverity.WARNING,
            summary: 'Logstash dead-letter queue growing',
            description:
              'The dead-letter queue of Logstash pipeline {{ $labels.pipeline }} in {{ $labels.namespace }}/{{ $labels.pod }} has kept growing for 30 minutes ({{ $value | humanize1024 }}B in the last half hour): its reader does not keep up, and once the queue is full dead letters are lost.',
            runbook: LOGSTASH_DEAD_LETTER_QUEUE_GROWING_RUNBOOK,
          }),
        ]
      : []),
    alertRule(c, {
      alert: LogstashAlert.EXPORTER_DOWN,
      expr: `absent(logstash_stats_jvm_mem_heap_used_bytes{namespace="${ns}"})`,
      for: '10m',
      severity: AlertSeverity.WARNING,
      summary: 'Logstash metrics missing',
      description: `Prometheus has had no Logstash stats from namespace ${ns} for 10 minutes (the logstash-exporter sidecars are not scraped, or cannot read Logstash's API): no Logstash alert can fire.`,
      runbook: LOGSTASH_EXPORTER_DOWN_RUNBOOK,
    }),
  ];
}
