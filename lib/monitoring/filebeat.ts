import { AlertName, AlertSeverity, alertRule, percent } from '../prometheus/alert-rules';
import { PrometheusRuleGroup } from '../prometheus/prometheus-config';
import { filebeatDashboard } from './filebeat-dashboard';
import {
  FILEBEAT_DOWN_RUNBOOK,
  FILEBEAT_DROPPING_EVENTS_RUNBOOK,
  FILEBEAT_EVENTS_FAILING_RUNBOOK,
  FILEBEAT_NOT_ANSWERING_RUNBOOK,
  FILEBEAT_OUTPUT_ERRORS_RUNBOOK,
  FILEBEAT_OUTPUT_STALLED_RUNBOOK,
} from './filebeat-runbooks';
import { alertsOf, MixinContext, MonitoringMixin, stackNamespaces } from './mixin';

/** The Filebeat mixin's own alerts (those of `AlertName` stay there). */
export enum FilebeatAlert {
  OUTPUT_ERRORS = 'FilebeatOutputErrors',
  EVENTS_FAILING = 'FilebeatEventsFailing',
  NOT_ANSWERING = 'FilebeatNotAnswering',
  DOWN = 'FilebeatDown',
}

/** The series the Filebeat mixin records (group `filebeat-rules`), per pod. */
export enum FilebeatRecord {
  EVENTS_PUBLISHED = 'pod:filebeat_events_published:rate5m',
  EVENTS_ACKED = 'pod:filebeat_events_acked:rate5m',
  EVENTS_FAILED = 'pod:filebeat_events_failed:rate5m',
  EVENTS_DROPPED = 'pod:filebeat_events_dropped:rate5m',
}

/** Share of the events the output sent that failed (and were retried) from which `FilebeatEventsFailing` fires. */
const EVENTS_FAILING = 0.1;

/**
 * The Filebeat mixin, on the trustpilot `beat-exporter` sidecar's metrics
 * (`filebeat_libbeat_pipeline_events{type}`, `filebeat_libbeat_output_events{type}`), read from
 * Filebeat's stats on port 5066: an output that acknowledges nothing, and events dropped for
 * good. The stack adds it when Filebeat runs its exporter.
 */
export function filebeatMixin(context: MixinContext): MonitoringMixin {
  const c = alertsOf(context);
  const agents = stackNamespaces(context).at(-1)!;
  const byPod = 'sum by (namespace, pod)';
  return {
    name: 'filebeat',
    ruleGroups: [
      filebeatRecordingRules(),
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
          alertRule(c, {
            alert: FilebeatAlert.OUTPUT_ERRORS,
            expr: `${byPod} (increase(filebeat_libbeat_output_write_errors_total[5m])) > 0`,
            for: '15m',
            severity: AlertSeverity.WARNING,
            summary: 'Filebeat output connection errors',
            description:
              "Filebeat {{ $labels.namespace }}/{{ $labels.pod }} has failed to write to its output for 15 minutes ({{ $value | humanize }} errors in the last 5): the connection to Logstash or Elasticsearch breaks, and the node's logs are late.",
            runbook: FILEBEAT_OUTPUT_ERRORS_RUNBOOK,
          }),
          alertRule(c, {
            alert: FilebeatAlert.EVENTS_FAILING,
            expr: [
              `${byPod} (increase(filebeat_libbeat_output_events{type="failed"}[5m]))`,
              `/ ${byPod} (increase(filebeat_libbeat_output_events{type=~"acked|failed"}[5m])) > ${EVENTS_FAILING}`,
            ].join(' '),
            for: '15m',
            severity: AlertSeverity.WARNING,
            summary: 'Filebeat events failing',
            description: `{{ $value | humanizePercentage }} of the events Filebeat {{ $labels.namespace }}/{{ $labels.pod }} sent have failed for 15 minutes (over ${percent(EVENTS_FAILING)}); Filebeat retries them, so the node's logs are late and its queue fills.`,
            runbook: FILEBEAT_EVENTS_FAILING_RUNBOOK,
          }),
          alertRule(c, {
            alert: FilebeatAlert.NOT_ANSWERING,
            // The beat-exporter sidecar answers with filebeat_up 0 when Filebeat's /stats does not.
            expr: 'max by (namespace, pod) (filebeat_up) == 0',
            for: '5m',
            severity: AlertSeverity.WARNING,
            summary: 'Filebeat not answering its exporter',
            description:
              "Filebeat {{ $labels.namespace }}/{{ $labels.pod }} has not answered its stats endpoint for 5 minutes: it is hung or restarting, and the node's logs are probably not shipped.",
            runbook: FILEBEAT_NOT_ANSWERING_RUNBOOK,
          }),
          alertRule(c, {
            alert: FilebeatAlert.DOWN,
            expr: `absent(filebeat_up{namespace="${agents}"})`,
            for: '10m',
            severity: AlertSeverity.WARNING,
            summary: 'Filebeat metrics missing',
            description: `Prometheus has had no Filebeat metrics from namespace ${agents} for 10 minutes: no Filebeat pod is scraped, so either none runs (no node's logs are shipped) or none can be watched.`,
            runbook: FILEBEAT_DOWN_RUNBOOK,
          }),
        ],
      },
    ],
    dashboards: [{ name: 'filebeat', json: filebeatDashboard(agents) }],
  };
}

/** Events published into the pipeline, and acknowledged, failed and dropped by the output, per second and pod. */
function filebeatRecordingRules(): PrometheusRuleGroup {
  const rate = (metric: string, type: string) =>
    `sum by (namespace, pod) (rate(filebeat_libbeat_${metric}{type="${type}"}[5m]))`;
  return {
    name: 'filebeat-rules',
    rules: [
      { record: FilebeatRecord.EVENTS_PUBLISHED, expr: rate('pipeline_events', 'published') },
      { record: FilebeatRecord.EVENTS_ACKED, expr: rate('output_events', 'acked') },
      { record: FilebeatRecord.EVENTS_FAILED, expr: rate('output_events', 'failed') },
      { record: FilebeatRecord.EVENTS_DROPPED, expr: rate('output_events', 'dropped') },
    ],
  };
}
