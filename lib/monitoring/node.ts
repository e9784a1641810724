import { AlertName, AlertSeverity, alertRule, percent } from '../prometheus/alert-rules';
import { alertsOf, MixinContext, MonitoringMixin } from './mixin';
import {
  NODE_CPU_HIGH_RUNBOOK,
  NODE_DISK_ALMOST_FULL_RUNBOOK,
  NODE_MEMORY_PRESSURE_RUNBOOK,
} from './node-runbooks';

/** File systems that are not disks: in memory, container layers, snaps, namespaces. */
export const NOT_A_DISK = 'fstype!~"tmpfs|overlay|squashfs|nsfs",mountpoint!=""';

/**
 * The nodes' mixin, on node-exporter's metrics: CPU, disk and memory of each node. Warnings:
 * capacity a person should look at in working hours.
 */
export function nodeMixin(context: MixinContext): MonitoringMixin {
  const c = alertsOf(context);
  return {
    name: 'node',
    ruleGroups: [
      {
        name: 'node-alerts',
        rules: [
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
        ],
      },
    ],
  };
}
