import { AlertName, AlertSeverity, alertRule } from '../prometheus/alert-rules';
import { alertsOf, MixinContext, MonitoringMixin, stackNamespaces } from './mixin';
import { stackHealthDashboard, StackHealthDashboardOptions } from './stack-health-dashboard';
import { OBSERVABILITY_COMPONENT_DOWN_RUNBOOK, WATCHDOG_RUNBOOK } from './stack-runbooks';

/**
 * The observability stack watching itself as a whole: any of its scrape targets down (its
 * own namespaces), the Watchdog (always firing, for a dead man's switch outside the
 * cluster) and the `stack-health` dashboard, with panels for the components that run.
 */
export function stackMixin(
  context: MixinContext,
  dashboard: StackHealthDashboardOptions = {},
): MonitoringMixin {
  const c = alertsOf(context);
  return {
    name: 'observability-stack',
    ruleGroups: [
      {
        name: 'observability-stack-alerts',
        rules: [
          alertRule(c, {
            alert: AlertName.OBSERVABILITY_COMPONENT_DOWN,
            expr: `up{namespace=~"${stackNamespaces(context).join('|')}"} == 0`,
            for: c.targetDownFor,
            severity: AlertSeverity.CRITICAL,
            summary: 'Observability stack component down',
            description: `Target {{ $labels.instance }} of job {{ $labels.job }} (pod {{ $labels.namespace }}/{{ $labels.pod }}) has been unreachable for ${c.targetDownFor}; logs, metrics, traces or alerts may be lost.`,
            runbook: OBSERVABILITY_COMPONENT_DOWN_RUNBOOK,
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
      },
    ],
    dashboards: [{ name: 'stack-health', json: stackHealthDashboard(dashboard) }],
  };
}
