import { DEAD_LETTER_DATA_STREAM } from '../elasticsearch/index-templates';
import { DEAD_LETTER_PIPELINE_ID } from '../logstash/logstash-config';
import { AlertName, AlertSeverity, alertRule } from '../prometheus/alert-rules';
import {
  LOGSTASH_DEAD_LETTER_QUEUE_DROPPING_RUNBOOK,
  LOGSTASH_DEAD_LETTERS_RUNBOOK,
  LOGSTASH_PIPELINE_STALLED_RUNBOOK,
} from './logstash-runbooks';
import { alertsOf, MixinContext, MonitoringMixin } from './mixin';

/** What the Logstash mixin is told about the Logstash it watches. */
export interface LogstashMixinOptions {
  /**
   * Whether Logstash runs its dead-letter queue (`LogstashProps.deadLetterQueue`): only then
   * can the queue fill and drop dead letters, so only then is `LogstashDeadLetterQueueDropping` added.
   * @default false
   */
  readonly deadLetterQueue?: boolean;
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
  return {
    name: 'logstash',
    ruleGroups: [
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
        ],
      },
    ],
  };
}
