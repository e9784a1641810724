import { AlertName, AlertSeverity, alertRule, percent } from '../prometheus/alert-rules';
import { PrometheusRuleGroup } from '../prometheus/prometheus-config';
import { jaegerDashboard } from './jaeger-dashboard';
import {
  JAEGER_DOWN_RUNBOOK,
  JAEGER_DROPPING_SPANS_RUNBOOK,
  JAEGER_RECEIVER_FAILING_RUNBOOK,
  JAEGER_SPANS_NOT_ACCEPTED_RUNBOOK,
  JAEGER_STORAGE_WRITES_FAILING_RUNBOOK,
} from './jaeger-runbooks';
import { alertsOf, MixinContext, MonitoringMixin, stackNamespaces } from './mixin';

/** The Jaeger mixin's own alerts (those of `AlertName` stay there). */
export enum JaegerAlert {
  STORAGE_WRITES_FAILING = 'JaegerStorageWritesFailing',
  RECEIVER_FAILING = 'JaegerReceiverFailing',
  SPANS_NOT_ACCEPTED = 'JaegerSpansNotAccepted',
  DOWN = 'JaegerDown',
}

/** The series the Jaeger mixin records (group `jaeger-rules`), per pod. */
export enum JaegerRecord {
  SPANS_ACCEPTED = 'pod:jaeger_spans_accepted:rate5m',
  SPANS_REFUSED = 'pod:jaeger_spans_refused:rate5m',
  SPANS_EXPORTED = 'pod:jaeger_spans_exported:rate5m',
  SPANS_EXPORT_FAILED = 'pod:jaeger_spans_export_failed:rate5m',
}

/** Share of the spans the storage exporter handled that it failed to write, from which `JaegerStorageWritesFailing` fires. */
const STORAGE_WRITES_FAILING = 0.5;

/**
 * The Jaeger v2 mixin, on the OpenTelemetry Collector's internal telemetry on port 8888,
 * whose Prometheus exporter adds `_total` to counters: spans lost on the way out or refused
 * on the way in, storage failing for most spans, receivers failing, ingestion stopped, and
 * no Jaeger metrics at all. Jaeger's storage exporter runs without a sending queue and the
 * pipeline's only processor is `batch`, so there is no queue to fill and no processor that
 * refuses: no rule watches either.
 */
export function jaegerMixin(context: MixinContext): MonitoringMixin {
  const c = alertsOf(context);
  const [ns] = stackNamespaces(context);
  const sel = `{namespace="${ns}"}`;
  const rate = (metric: string, by = 'namespace, pod') =>
    `sum by (${by}) (rate(otelcol_${metric}${sel}[5m]))`;
  return {
    name: 'jaeger',
    ruleGroups: [
      jaegerRecordingRules(ns),
      {
        name: 'jaeger-alerts',
        rules: [
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
            alert: JaegerAlert.STORAGE_WRITES_FAILING,
            expr: [
              rate('exporter_send_failed_spans_total', 'namespace, pod, exporter'),
              `/ (${rate('exporter_send_failed_spans_total', 'namespace, pod, exporter')} + ${rate('exporter_sent_spans_total', 'namespace, pod, exporter')})`,
              `> ${STORAGE_WRITES_FAILING}`,
            ].join(' '),
            for: '10m',
            severity: AlertSeverity.CRITICAL,
            summary: 'Jaeger failing to store most spans',
            description: `Exporter {{ $labels.exporter }} of Jaeger pod {{ $labels.namespace }}/{{ $labels.pod }} has failed to write {{ $value | humanizePercentage }} of its spans for 10 minutes (over ${percent(STORAGE_WRITES_FAILING)}): most traces received now are lost.`,
            runbook: JAEGER_STORAGE_WRITES_FAILING_RUNBOOK,
          }),
          alertRule(c, {
            alert: JaegerAlert.RECEIVER_FAILING,
            // `failed` is the receiver's own error (a malformed or undecodable request), not the pipeline's.
            expr: `sum by (namespace, pod, receiver, transport) (increase(otelcol_receiver_failed_spans_total${sel}[5m])) > 0`,
            for: '15m',
            severity: AlertSeverity.WARNING,
            summary: 'Jaeger receiver failing spans',
            description:
              'Receiver {{ $labels.receiver }} ({{ $labels.transport }}) of Jaeger pod {{ $labels.namespace }}/{{ $labels.pod }} has failed {{ $value | humanize }} spans in the last 5 minutes, and has for 15 minutes: a sender sends spans Jaeger cannot read, and those traces are lost.',
            runbook: JAEGER_RECEIVER_FAILING_RUNBOOK,
          }),
          alertRule(c, {
            alert: JaegerAlert.SPANS_NOT_ACCEPTED,
            // Spans came in during the hour before and none for 15 minutes: the applications
            // still run (they did an hour ago) but their spans no longer arrive.
            expr: [
              `sum by (namespace) (rate(otelcol_receiver_accepted_spans_total${sel}[15m])) == 0`,
              `and sum by (namespace) (rate(otelcol_receiver_accepted_spans_total${sel}[1h] offset 15m)) > 0`,
            ].join(' '),
            severity: AlertSeverity.WARNING,
            summary: 'Jaeger receiving no spans',
            description:
              'Jaeger in namespace {{ $labels.namespace }} has accepted no span for 15 minutes, after receiving spans in the hour before: the applications cannot reach the collector, or their exporters stopped.',
            runbook: JAEGER_SPANS_NOT_ACCEPTED_RUNBOOK,
          }),
          alertRule(c, {
            alert: JaegerAlert.DOWN,
            expr: `absent(otelcol_process_uptime_seconds_total${sel})`,
            for: '10m',
            severity: AlertSeverity.WARNING,
            summary: 'Jaeger metrics missing',
            description: `Prometheus has had no Jaeger telemetry from namespace ${ns} for 10 minutes: Jaeger does not run or is not scraped, traces are probably not collected, and no Jaeger alert can fire.`,
            runbook: JAEGER_DOWN_RUNBOOK,
          }),
        ],
      },
    ],
    dashboards: [{ name: 'jaeger', json: jaegerDashboard(ns) }],
  };
}

/** Spans accepted and refused by the receivers, written and failed by the storage exporter, per second and pod. */
function jaegerRecordingRules(ns: string): PrometheusRuleGroup {
  const rate = (metric: string) =>
    `sum by (namespace, pod) (rate(otelcol_${metric}{namespace="${ns}"}[5m]))`;
  return {
    name: 'jaeger-rules',
    rules: [
      { record: JaegerRecord.SPANS_ACCEPTED, expr: rate('receiver_accepted_spans_total') },
      { record: JaegerRecord.SPANS_REFUSED, expr: rate('receiver_refused_spans_total') },
      { record: JaegerRecord.SPANS_EXPORTED, expr: rate('exporter_sent_spans_total') },
      { record: JaegerRecord.SPANS_EXPORT_FAILED, expr: rate('exporter_send_failed_spans_total') },
    ],
  };
}
