import {
  AlertName,
  AlertRuleOptions,
  AlertRulesProps,
  AlertSeverity,
  alertRule,
  percent,
  resolveAlertRules,
} from './alert-rules';
import {
  CONTAINER_OOM_KILLED_RUNBOOK,
  HTTP_5XX_ERROR_BURST_RUNBOOK,
  HTTP_LATENCY_P95_HIGH_RUNBOOK,
  KUBE_POD_CRASH_LOOPING_RUNBOOK,
  NODE_CPU_HIGH_RUNBOOK,
  NODE_DISK_ALMOST_FULL_RUNBOOK,
  NODE_MEMORY_PRESSURE_RUNBOOK,
  TARGET_DOWN_RUNBOOK,
} from './application-alert-runbooks';
import { PrometheusRuleGroup } from './prometheus-config';

/** Name of the rule group of {@link applicationAlertRules}. */
export const APPLICATION_ALERTS_GROUP = 'application-alerts';

// File systems that are not disks: in memory, container layers, snaps, namespaces.
const NOT_A_DISK = 'fstype!~"tmpfs|overlay|squashfs|nsfs",mountpoint!=""';

/**
 * Alerts on the applications and the cluster they run on (docs/architecture.md#55-metrics-and-alerts):
 * 5xx bursts and p95 latency from the applications' own metrics
 * (`http_requests_total`, `http_request_duration_seconds`), node CPU, disk and
 * memory from node-exporter, OOM kills and crash loops from kube-state-metrics,
 * and scrape targets that are down.
 *
 * Severities: `critical` (pages) for a 5xx burst and a crash-looping pod, which
 * are user-facing failures now; `warning` for the rest, which are trends or
 * capacity that a person should look at in working hours.
 */
export function applicationAlertRules(
  props: AlertRulesProps = {},
  options: AlertRuleOptions = {},
): PrometheusRuleGroup {
  const c = resolveAlertRules(props, options);
  return {
    name: APPLICATION_ALERTS_GROUP,
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
        alert: AlertName.NODE_CPU_HIGH,
        expr: `(1 - avg by (node, instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))) > ${c.cpuUtilisation}`,
        for: c.cpuFor,
        severity: AlertSeverity.WARNING,
        summary: 'Node CPU usage high',
        description: `CPU of node {{ $labels.node }} ({{ $labels.instance }}) is {{ $value | humanizePercentage }} busy, above ${percent(c.cpuUtilisation)} for ${c.cpuFor}.`,
        runbook: NODE_CPU_HIGH_RUNBOOK,
      }),
      alertRule(c, {
        alert: AlertName.NODE_DISK_ALMOST_FULL,
        expr: `(1 - node_filesystem_avail_bytes{${NOT_A_DISK}} / node_filesystem_size_bytes{${NOT_A_DISK}}) > ${c.diskUtilisation}`,
        for: c.diskFor,
        severity: AlertSeverity.WARNING,
        summary: 'Node disk almost full',
        description: `File system {{ $labels.mountpoint }} ({{ $labels.device }}) of node {{ $labels.node }} is {{ $value | humanizePercentage }} full, above ${percent(c.diskUtilisation)}.`,
        runbook: NODE_DISK_ALMOST_FULL_RUNBOOK,
      }),
      alertRule(c, {
        alert: AlertName.NODE_MEMORY_PRESSURE,
        expr: `(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > ${c.memoryUtilisation}`,
        for: c.memoryFor,
        severity: AlertSeverity.WARNING,
        summary: 'Node memory pressure',
        description: `Node {{ $labels.node }} ({{ $labels.instance }}) has used {{ $value | humanizePercentage }} of its memory for ${c.memoryFor} (threshold ${percent(c.memoryUtilisation)}); pods may be evicted or OOM-killed.`,
        runbook: NODE_MEMORY_PRESSURE_RUNBOOK,
      }),
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
        alert: AlertName.TARGET_DOWN,
        expr: 'count by (job, namespace) (up == 0)',
        for: c.targetDownFor,
        severity: AlertSeverity.WARNING,
        summary: 'Scrape targets down',
        description: `{{ $value }} target(s) of job {{ $labels.job }} in namespace {{ $labels.namespace }} have been unreachable for ${c.targetDownFor}.`,
        runbook: TARGET_DOWN_RUNBOOK,
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
  };
}
