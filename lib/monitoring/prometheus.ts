import { AlertName, AlertSeverity, alertRule } from '../prometheus/alert-rules';
import { alertsOf, MixinContext, MonitoringMixin } from './mixin';
import { PROMETHEUS_RULE_EVALUATION_FAILURES_RUNBOOK } from './prometheus-runbooks';

/** The Prometheus mixin, on Prometheus' own `/metrics`: rule evaluations that fail. */
export function prometheusMixin(context: MixinContext): MonitoringMixin {
  const c = alertsOf(context);
  return {
    name: 'prometheus',
    ruleGroups: [
      {
        name: 'prometheus-alerts',
        rules: [
          alertRule(c, {
            alert: AlertName.PROMETHEUS_RULE_EVALUATION_FAILURES,
            expr: 'increase(prometheus_rule_evaluation_failures_total[5m]) > 0',
            severity: AlertSeverity.CRITICAL,
            summary: 'Prometheus rule evaluations failing',
            description:
              'Prometheus {{ $labels.instance }} failed {{ $value | humanize }} evaluations of rule group {{ $labels.rule_group }} in the last 5 minutes; its alerts may not fire.',
            runbook: PROMETHEUS_RULE_EVALUATION_FAILURES_RUNBOOK,
          }),
        ],
      },
    ],
  };
}
