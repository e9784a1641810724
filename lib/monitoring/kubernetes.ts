import { AlertName, AlertSeverity, alertRule } from '../prometheus/alert-rules';
import { infrastructureDashboard } from './infrastructure-dashboard';
import {
  CONTAINER_OOM_KILLED_RUNBOOK,
  KUBE_POD_CRASH_LOOPING_RUNBOOK,
} from './kubernetes-runbooks';
import { alertsOf, MixinContext, MonitoringMixin } from './mixin';

/**
 * The Kubernetes mixin, on kube-state-metrics, the kubelet and cAdvisor: OOM kills and crash
 * loops, and the `infrastructure` dashboard (nodes, containers per namespace). A crash loop
 * pages; an OOM kill is a warning.
 */
export function kubernetesMixin(context: MixinContext): MonitoringMixin {
  const c = alertsOf(context);
  return {
    name: 'kubernetes',
    ruleGroups: [
      {
        name: 'kubernetes-alerts',
        rules: [
          alertRule(c, {
            alert: AlertName.CONTAINER_OOM_KILLED,
            // A restart in the window whose last termination was an OOM kill.
            expr: 'increase(kube_pod_container_status_restarts_total[10m]) > 0 and on (namespace, pod, container) kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} == 1',
            severity: AlertSeverity.WARNING,
            summary: 'Container killed for lack of memory',
            description:
              'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} was OOM-killed in the last 10 minutes; raise its memory limit or find the leak.',
            runbook: CONTAINER_OOM_KILLED_RUNBOOK,
          }),
          alertRule(c, {
            alert: AlertName.KUBE_POD_CRASH_LOOPING,
            // Restarts catch a fast loop before the back-off grows; the waiting reason catches a slow one.
            expr: [
              `sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total[${c.crashLoopWindow}])) > ${c.crashLoopRestarts}`,
              'or sum by (namespace, pod, container) (kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}) > 0',
            ].join(' '),
            for: '5m',
            severity: AlertSeverity.CRITICAL,
            summary: 'Pod crash looping',
            description: `Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} restarted more than ${c.crashLoopRestarts} times in ${c.crashLoopWindow} or is waiting in CrashLoopBackOff.`,
            runbook: KUBE_POD_CRASH_LOOPING_RUNBOOK,
          }),
        ],
      },
    ],
    dashboards: [{ name: 'infrastructure', json: infrastructureDashboard() }],
  };
}
