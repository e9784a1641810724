import { AlertName, AlertSeverity, alertRule } from '../prometheus/alert-rules';
import { ALERTMANAGER_NOTIFICATIONS_FAILING_RUNBOOK } from './alertmanager-runbooks';
import { alertsOf, MixinContext, MonitoringMixin, stackNamespaces } from './mixin';

/** The Alertmanager mixin, on Alertmanager's own `/metrics`: notifications that fail. */
export function alertmanagerMixin(context: MixinContext): MonitoringMixin {
  const c = alertsOf(context);
  const [ns] = stackNamespaces(context);
  return {
    name: 'alertmanager',
    ruleGroups: [
      {
        name: 'alertmanager-alerts',
        rules: [
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
        ],
      },
    ],
  };
}
