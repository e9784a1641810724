import { AlertName, AlertSeverity, alertRule } from '../prometheus/alert-rules';
import { JAEGER_DROPPING_SPANS_RUNBOOK } from './jaeger-runbooks';
import { alertsOf, MixinContext, MonitoringMixin, stackNamespaces } from './mixin';

/**
 * The Jaeger v2 mixin, on the OpenTelemetry Collector's internal telemetry on port 8888,
 * whose Prometheus exporter adds `_total` to counters: spans lost on the way out or refused
 * on the way in.
 */
export function jaegerMixin(context: MixinContext): MonitoringMixin {
  const c = alertsOf(context);
  const [ns] = stackNamespaces(context);
  return {
    name: 'jaeger',
    ruleGroups: [
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
        ],
      },
    ],
  };
}
