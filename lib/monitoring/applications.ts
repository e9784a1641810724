import { AlertName, AlertSeverity, alertRule } from '../prometheus/alert-rules';
import {
  HTTP_5XX_ERROR_BURST_RUNBOOK,
  HTTP_LATENCY_P95_HIGH_RUNBOOK,
  TARGET_DOWN_RUNBOOK,
} from './applications-runbooks';
import { alertsOf, MixinContext, MonitoringMixin } from './mixin';
import { serviceOverviewDashboard } from './service-overview-dashboard';

/**
 * The applications' mixin (docs/architecture.md#55-metrics-and-alerts): 5xx bursts and p95
 * latency from the applications' own metrics (`http_requests_total`,
 * `http_request_duration_seconds`), any scrape target down, and the `service-overview`
 * dashboard. A 5xx burst pages (a user-facing failure now); the rest is a warning.
 */
export function applicationsMixin(context: MixinContext): MonitoringMixin {
  const c = alertsOf(context);
  return {
    name: 'applications',
    ruleGroups: [
      {
        name: 'applications-alerts',
        rules: [
          alertRule(c, {
            alert: AlertName.HTTP_5XX_ERROR_BURST,
            // No `for`: the 5-minute window is the debounce, and delivery within 30 s is the target.
            expr: `sum by (namespace, service) (increase(http_requests_total{status=~"5.."}[5m])) > ${c.http5xxPerFiveMinutes}`,
            severity: AlertSeverity.CRITICAL,
            summary: 'Burst of HTTP 5xx responses',
            description: `Service {{ $labels.service }} in namespace {{ $labels.namespace }} answered {{ $value | humanize }} requests with a 5xx status in the last 5 minutes (threshold ${c.http5xxPerFiveMinutes}).`,
            runbook: HTTP_5XX_ERROR_BURST_RUNBOOK,
          }),
          alertRule(c, {
            alert: AlertName.HTTP_LATENCY_P95_HIGH,
            expr: `histogram_quantile(0.95, sum by (namespace, service, le) (rate(http_request_duration_seconds_bucket[5m]))) > ${c.p95LatencySeconds}`,
            for: c.latencyFor,
            severity: AlertSeverity.WARNING,
            summary: 'HTTP p95 latency too high',
            description: `The 95th percentile latency of service {{ $labels.service }} in namespace {{ $labels.namespace }} is {{ $value | humanizeDuration }}, above ${c.p95LatencySeconds}s for ${c.latencyFor}.`,
            runbook: HTTP_LATENCY_P95_HIGH_RUNBOOK,
          }),
          alertRule(c, {
            alert: AlertName.TARGET_DOWN,
            expr: 'count by (job, namespace) (up == 0)',
            for: c.targetDownFor,
            severity: AlertSeverity.WARNING,
            summary: 'Scrape targets down',
            description: `{{ $value }} target(s) of job {{ $labels.job }} in namespace {{ $labels.namespace }} have been unreachable for ${c.targetDownFor}.`,
            runbook: TARGET_DOWN_RUNBOOK,
          }),
        ],
      },
    ],
    dashboards: [{ name: 'service-overview', json: serviceOverviewDashboard() }],
  };
}
