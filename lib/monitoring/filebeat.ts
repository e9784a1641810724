import { AlertName, AlertSeverity, alertRule } from '../prometheus/alert-rules';
import {
  FILEBEAT_DROPPING_EVENTS_RUNBOOK,
  FILEBEAT_OUTPUT_STALLED_RUNBOOK,
} from './filebeat-runbooks';
import { alertsOf, MixinContext, MonitoringMixin } from './mixin';

/**
 * The Filebeat mixin, on the trustpilot `beat-exporter` sidecar's metrics
 * (`filebeat_libbeat_pipeline_events{type}`, `filebeat_libbeat_output_events{type}`), read from
 * Filebeat's stats on port 5066: an output that acknowledges nothing, and events dropped for
 * good. The stack adds it when Filebeat runs its exporter.
 */
export function filebeatMixin(context: MixinContext): MonitoringMixin {
  const c = alertsOf(context);
  return {
    name: 'filebeat',
    ruleGroups: [
      {
        name: 'filebeat-alerts',
        rules: [
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
        ],
      },
    ],
  };
}
