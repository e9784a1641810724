import { AlertName, AlertSeverity, alertRule, percent } from '../prometheus/alert-rules';
import { PrometheusRule } from '../prometheus/prometheus-config';
import { alertsOf, MixinContext, MonitoringMixin, stackNamespaces } from './mixin';
import { nodeClusterUseDashboard } from './node-cluster-use-dashboard';
import {
  NODE_BONDING_DEGRADED_RUNBOOK,
  NODE_CLOCK_NOT_SYNCHRONISING_RUNBOOK,
  NODE_CLOCK_SKEW_RUNBOOK,
  NODE_CONNTRACK_ENTRIES_HIGH_RUNBOOK,
  NODE_CPU_HIGH_RUNBOOK,
  NODE_DISK_ALMOST_FULL_RUNBOOK,
  NODE_DISK_IO_SATURATION_RUNBOOK,
  NODE_EXPORTER_DOWN_RUNBOOK,
  NODE_EXPORTER_TARGET_MISSING_RUNBOOK,
  NODE_FILESYSTEM_ALMOST_OUT_OF_FILES_RUNBOOK,
  NODE_FILESYSTEM_ALMOST_OUT_OF_SPACE_RUNBOOK,
  NODE_FILESYSTEM_FILES_FILLING_UP_FAST_RUNBOOK,
  NODE_FILESYSTEM_FILES_FILLING_UP_RUNBOOK,
  NODE_FILESYSTEM_OUT_OF_FILES_RUNBOOK,
  NODE_FILESYSTEM_OUT_OF_SPACE_RUNBOOK,
  NODE_FILESYSTEM_SPACE_FILLING_UP_FAST_RUNBOOK,
  NODE_FILESYSTEM_SPACE_FILLING_UP_RUNBOOK,
  NODE_FILE_DESCRIPTORS_EXHAUSTED_RUNBOOK,
  NODE_FILE_DESCRIPTOR_LIMIT_RUNBOOK,
  NODE_MEMORY_MAJOR_PAGE_FAULTS_RUNBOOK,
  NODE_MEMORY_PRESSURE_RUNBOOK,
  NODE_NETWORK_INTERFACE_FLAPPING_RUNBOOK,
  NODE_NETWORK_RECEIVE_ERRORS_RUNBOOK,
  NODE_NETWORK_TRANSMIT_ERRORS_RUNBOOK,
  NODE_RAID_DEGRADED_RUNBOOK,
  NODE_RAID_DISK_FAILURE_RUNBOOK,
  NODE_SYSTEM_SATURATION_RUNBOOK,
} from './node-runbooks';
import { nodesDashboard } from './nodes-dashboard';

/** File systems that are not disks: in memory, container layers, snaps, namespaces. */
export const NOT_A_DISK = 'fstype!~"tmpfs|overlay|squashfs|nsfs",mountpoint!=""';

/**
 * Network interfaces that are not the node's own: loopback and the virtual ends of pod, bridge
 * and tunnel interfaces, which would count pod traffic twice.
 */
export const NOT_A_PHYSICAL_NIC =
  'device!~"lo|veth.*|cali.*|cilium.*|lxc.*|flannel.*|cni.*|docker.*|vxlan.*|tunl.*|kube-ipvs.*|genev.*"';

/**
 * Names of the alerts of {@link nodeMixin} beyond the three of `AlertName` (`NodeCpuHigh`,
 * `NodeDiskAlmostFull`, `NodeMemoryPressure`), for routes and silences. A warning and a
 * critical alert on one signal have two names: each name has one runbook page and one severity.
 */
export enum NodeAlert {
  FILESYSTEM_SPACE_FILLING_UP = 'NodeFilesystemSpaceFillingUp',
  FILESYSTEM_SPACE_FILLING_UP_FAST = 'NodeFilesystemSpaceFillingUpFast',
  FILESYSTEM_ALMOST_OUT_OF_SPACE = 'NodeFilesystemAlmostOutOfSpace',
  FILESYSTEM_OUT_OF_SPACE = 'NodeFilesystemOutOfSpace',
  FILESYSTEM_FILES_FILLING_UP = 'NodeFilesystemFilesFillingUp',
  FILESYSTEM_FILES_FILLING_UP_FAST = 'NodeFilesystemFilesFillingUpFast',
  FILESYSTEM_ALMOST_OUT_OF_FILES = 'NodeFilesystemAlmostOutOfFiles',
  FILESYSTEM_OUT_OF_FILES = 'NodeFilesystemOutOfFiles',
  NETWORK_RECEIVE_ERRORS = 'NodeNetworkReceiveErrors',
  NETWORK_TRANSMIT_ERRORS = 'NodeNetworkTransmitErrors',
  NETWORK_INTERFACE_FLAPPING = 'NodeNetworkInterfaceFlapping',
  BONDING_DEGRADED = 'NodeBondingDegraded',
  CONNTRACK_ENTRIES_HIGH = 'NodeConntrackEntriesHigh',
  CLOCK_SKEW_DETECTED = 'NodeClockSkewDetected',
  CLOCK_NOT_SYNCHRONISING = 'NodeClockNotSynchronising',
  RAID_DEGRADED = 'NodeRaidDegraded',
  RAID_DISK_FAILURE = 'NodeRaidDiskFailure',
  FILE_DESCRIPTOR_LIMIT = 'NodeFileDescriptorLimit',
  FILE_DESCRIPTORS_EXHAUSTED = 'NodeFileDescriptorsExhausted',
  SYSTEM_SATURATION = 'NodeSystemSaturation',
  MEMORY_MAJOR_PAGE_FAULTS = 'NodeMemoryMajorPageFaults',
  DISK_IO_SATURATION = 'NodeDiskIoSaturation',
  EXPORTER_DOWN = 'NodeExporterDown',
  EXPORTER_TARGET_MISSING = 'NodeExporterTargetMissing',
}

/**
 * The fixed thresholds of the node alerts beyond `AlertRulesProps` (the conventions of
 * node-exporter's own mixin); each alert's description states the one it uses.
 */
const T = {
  /** Free space (or inodes) below which a prediction to run out counts, warning / critical. */
  fillingUpFree: 0.4,
  fillingUpFastFree: 0.2,
  /** Hours ahead the linear prediction over the last 6 hours looks, warning / critical. */
  fillingUpHours: 24,
  fillingUpFastHours: 4,
  /** Free space (or inodes) left, warning / critical. */
  almostOutFree: 0.05,
  outFree: 0.03,
  /** Share of packets with errors on one interface. */
  networkErrors: 0.01,
  /** Link state changes of one interface within 10 minutes. */
  carrierChanges: 4,
  conntrackUsed: 0.75,
  /** Seconds of clock offset. */
  clockOffsetSeconds: 0.05,
  fileDescriptorsUsed: 0.7,
  fileDescriptorsExhausted: 0.9,
  /** 1-minute load average per CPU. */
  loadPerCpu: 2,
  majorPageFaultsPerSecond: 500,
  /** Average number of IOs in flight on one device (weighted IO time per second). */
  diskIoQueue: 10,
} as const;

const BY_INSTANCE = 'node, instance';
const FS_LABELS = 'node, instance, device, mountpoint';
const IDLE_CPU = 'node_cpu_seconds_total{mode="idle"}';

/** The recording rules: `instance:` per node-exporter, `node:` per node, `cluster:` over all. */
export function nodeRecordingRules(): PrometheusRule[] {
  const perInstance = (metric: string, selector = '') =>
    `sum by (${BY_INSTANCE}) (rate(${metric}${selector}[5m]))`;
  return [
    { record: 'instance:node_num_cpu:sum', expr: `count by (${BY_INSTANCE}) (${IDLE_CPU})` },
    {
      record: 'instance:node_cpu_utilisation:rate5m',
      expr: `1 - avg by (${BY_INSTANCE}) (rate(${IDLE_CPU}[5m]))`,
    },
    {
      record: 'instance:node_load1_per_cpu:ratio',
      expr: `sum by (${BY_INSTANCE}) (node_load1) / instance:node_num_cpu:sum`,
    },
    {
      record: 'instance:node_memory_utilisation:ratio',
      expr: `1 - sum by (${BY_INSTANCE}) (node_memory_MemAvailable_bytes) / sum by (${BY_INSTANCE}) (node_memory_MemTotal_bytes)`,
    },
    {
      record: 'instance:node_vmstat_pgmajfault:rate5m',
      expr: perInstance('node_vmstat_pgmajfault'),
    },
    {
      record: 'instance_device:node_disk_io_time_seconds:rate5m',
      expr: `sum by (${BY_INSTANCE}, device) (rate(node_disk_io_time_seconds_total[5m]))`,
    },
    {
      record: 'instance_device:node_disk_io_time_weighted_seconds:rate5m',
      expr: `sum by (${BY_INSTANCE}, device) (rate(node_disk_io_time_weighted_seconds_total[5m]))`,
    },
    ...(['receive', 'transmit'] as const).flatMap((direction) => [
      {
        record: `instance:node_network_${direction}_bytes_excluding_virtual:rate5m`,
        expr: perInstance(`node_network_${direction}_bytes_total`, `{${NOT_A_PHYSICAL_NIC}}`),
      },
      {
        record: `instance:node_network_${direction}_drop_excluding_virtual:rate5m`,
        expr: perInstance(`node_network_${direction}_drop_total`, `{${NOT_A_PHYSICAL_NIC}}`),
      },
    ]),
    {
      record: 'instance_mountpoint:node_filesystem_usage:ratio',
      expr: `1 - max by (${FS_LABELS}) (node_filesystem_avail_bytes{${NOT_A_DISK}}) / max by (${FS_LABELS}) (node_filesystem_size_bytes{${NOT_A_DISK}})`,
    },
    {
      record: 'node:node_filesystem_usage:max_ratio',
      expr: 'max by (node) (instance_mountpoint:node_filesystem_usage:ratio)',
    },
    { record: 'cluster:node_num_cpu:sum', expr: 'sum(instance:node_num_cpu:sum)' },
    {
      record: 'cluster:node_cpu_utilisation:ratio',
      // Weighted by CPUs: a busy 64-core node counts more than a busy 2-core one.
      expr: 'sum(instance:node_cpu_utilisation:rate5m * instance:node_num_cpu:sum) / sum(instance:node_num_cpu:sum)',
    },
    {
      record: 'cluster:node_load1_per_cpu:ratio',
      expr: 'sum(node_load1) / sum(instance:node_num_cpu:sum)',
    },
    {
      record: 'cluster:node_memory_utilisation:ratio',
      expr: '1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes)',
    },
    {
      record: 'cluster:node_disk_io_time_seconds:avg_rate5m',
      expr: 'avg(instance_device:node_disk_io_time_seconds:rate5m)',
    },
    {
      record: 'cluster:node_disk_io_time_weighted_seconds:avg_rate5m',
      expr: 'avg(instance_device:node_disk_io_time_weighted_seconds:rate5m)',
    },
    ...(['receive', 'transmit'] as const).map((direction) => ({
      record: `cluster:node_network_${direction}_bytes_excluding_virtual:rate5m`,
      expr: `sum(instance:node_network_${direction}_bytes_excluding_virtual:rate5m)`,
    })),
  ];
}

/**
 * The nodes' mixin, on node-exporter's metrics (job `kubernetes-pods`, the `node` label from the
 * scrape relabelling): CPU, memory, file systems, disks, network, clock, RAID and file
 * descriptors of each node, node-exporter itself missing (from the agents namespace, and
 * against kube-state-metrics' `kube_node_info`), the recording rules of `node-rules` and the
 * `nodes` and `node-cluster-use` dashboards. Critical: what loses data soon (a file system or
 * its inodes running out, a RAID without redundancy, file descriptors exhausted) or leaves the
 * nodes unwatched; warning: capacity and faults a person should look at in working hours.
 */
export function nodeMixin(context: MixinContext): MonitoringMixin {
  const c = alertsOf(context);
  // The last of the stack's namespaces is its agents' (the only one when they are the same).
  const agentsNamespace = stackNamespaces(context).at(-1)!;
  const exporterTargets = `up{job="kubernetes-pods",namespace="${agentsNamespace}",app_kubernetes_io_name="node-exporter"}`;
  const fs = NOT_A_DISK;
  const writable = `unless on (${FS_LABELS}) node_filesystem_readonly{${fs}} == 1`;
  const free = (avail: string, size: string) =>
    `node_filesystem_${avail}{${fs}} / node_filesystem_${size}{${fs}}`;
  const filling = (avail: string, size: string, ratio: number, hours: number) =>
    `(${free(avail, size)} < ${ratio} and predict_linear(node_filesystem_${avail}{${fs}}[6h], ${hours} * 3600) < 0) ${writable}`;
  const almostOut = (avail: string, size: string, ratio: number) =>
    `(${free(avail, size)} < ${ratio}) ${writable}`;
  const where =
    'file system {{ $labels.mountpoint }} ({{ $labels.device }}) of node {{ $labels.node }}';
  const networkErrors = (direction: 'receive' | 'transmit') =>
    `sum by (${BY_INSTANCE}, device) (rate(node_network_${direction}_errs_total[5m])) / sum by (${BY_INSTANCE}, device) (rate(node_network_${direction}_packets_total[5m])) > ${T.networkErrors}`;
  const fileDescriptors = (ratio: number) =>
    `node_filefd_allocated / node_filefd_maximum > ${ratio}`;
  const fdDescription = (ratio: number, cost: string) =>
    `Node {{ $labels.node }} ({{ $labels.instance }}) has {{ $value | humanizePercentage }} of the kernel's file descriptors allocated, above ${percent(ratio)} for 15m; ${cost}.`;

  return {
    name: 'node',
    ruleGroups: [
      { name: 'node-rules', rules: nodeRecordingRules() },
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
          alertRule(c, {
            alert: NodeAlert.FILESYSTEM_SPACE_FILLING_UP,
            expr: filling('avail_bytes', 'size_bytes', T.fillingUpFree, T.fillingUpHours),
            for: '1h',
            severity: AlertSeverity.WARNING,
            summary: 'Node file system filling up',
            description: `The ${where} has {{ $value | humanizePercentage }} space left (below ${percent(T.fillingUpFree)}) and, at the rate of the last 6 hours, will be full within ${T.fillingUpHours} hours.`,
            runbook: NODE_FILESYSTEM_SPACE_FILLING_UP_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.FILESYSTEM_SPACE_FILLING_UP_FAST,
            expr: filling('avail_bytes', 'size_bytes', T.fillingUpFastFree, T.fillingUpFastHours),
            for: '1h',
            severity: AlertSeverity.CRITICAL,
            summary: 'Node file system will be full within hours',
            description: `The ${where} has {{ $value | humanizePercentage }} space left (below ${percent(T.fillingUpFastFree)}) and, at the rate of the last 6 hours, will be full within ${T.fillingUpFastHours} hours; writes to it will then fail.`,
            runbook: NODE_FILESYSTEM_SPACE_FILLING_UP_FAST_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.FILESYSTEM_ALMOST_OUT_OF_SPACE,
            expr: almostOut('avail_bytes', 'size_bytes', T.almostOutFree),
            for: '30m',
            severity: AlertSeverity.WARNING,
            summary: 'Node file system almost out of space',
            description: `The ${where} has {{ $value | humanizePercentage }} space left, below ${percent(T.almostOutFree)} for 30m.`,
            runbook: NODE_FILESYSTEM_ALMOST_OUT_OF_SPACE_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.FILESYSTEM_OUT_OF_SPACE,
            expr: almostOut('avail_bytes', 'size_bytes', T.outFree),
            for: '30m',
            severity: AlertSeverity.CRITICAL,
            summary: 'Node file system out of space',
            description: `The ${where} has {{ $value | humanizePercentage }} space left, below ${percent(T.outFree)} for 30m; writes to it fail or are about to.`,
            runbook: NODE_FILESYSTEM_OUT_OF_SPACE_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.FILESYSTEM_FILES_FILLING_UP,
            expr: filling('files_free', 'files', T.fillingUpFree, T.fillingUpHours),
            for: '1h',
            severity: AlertSeverity.WARNING,
            summary: 'Node file system running out of inodes',
            description: `The ${where} has {{ $value | humanizePercentage }} of its inodes free (below ${percent(T.fillingUpFree)}) and, at the rate of the last 6 hours, will have none within ${T.fillingUpHours} hours.`,
            runbook: NODE_FILESYSTEM_FILES_FILLING_UP_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.FILESYSTEM_FILES_FILLING_UP_FAST,
            expr: filling('files_free', 'files', T.fillingUpFastFree, T.fillingUpFastHours),
            for: '1h',
            severity: AlertSeverity.CRITICAL,
            summary: 'Node file system will run out of inodes within hours',
            description: `The ${where} has {{ $value | humanizePercentage }} of its inodes free (below ${percent(T.fillingUpFastFree)}) and, at the rate of the last 6 hours, will have none within ${T.fillingUpFastHours} hours; creating files on it will then fail.`,
            runbook: NODE_FILESYSTEM_FILES_FILLING_UP_FAST_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.FILESYSTEM_ALMOST_OUT_OF_FILES,
            expr: almostOut('files_free', 'files', T.almostOutFree),
            for: '1h',
            severity: AlertSeverity.WARNING,
            summary: 'Node file system almost out of inodes',
            description: `The ${where} has {{ $value | humanizePercentage }} of its inodes free, below ${percent(T.almostOutFree)} for 1h.`,
            runbook: NODE_FILESYSTEM_ALMOST_OUT_OF_FILES_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.FILESYSTEM_OUT_OF_FILES,
            expr: almostOut('files_free', 'files', T.outFree),
            for: '1h',
            severity: AlertSeverity.CRITICAL,
            summary: 'Node file system out of inodes',
            description: `The ${where} has {{ $value | humanizePercentage }} of its inodes free, below ${percent(T.outFree)} for 1h; creating files on it fails or is about to.`,
            runbook: NODE_FILESYSTEM_OUT_OF_FILES_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.NETWORK_RECEIVE_ERRORS,
            expr: networkErrors('receive'),
            for: '1h',
            severity: AlertSeverity.WARNING,
            summary: 'Node network interface receiving with errors',
            description: `Interface {{ $labels.device }} of node {{ $labels.node }} ({{ $labels.instance }}) has had receive errors on {{ $value | humanizePercentage }} of its packets, above ${percent(T.networkErrors)}, for 1h.`,
            runbook: NODE_NETWORK_RECEIVE_ERRORS_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.NETWORK_TRANSMIT_ERRORS,
            expr: networkErrors('transmit'),
            for: '1h',
            severity: AlertSeverity.WARNING,
            summary: 'Node network interface transmitting with errors',
            description: `Interface {{ $labels.device }} of node {{ $labels.node }} ({{ $labels.instance }}) has had transmit errors on {{ $value | humanizePercentage }} of its packets, above ${percent(T.networkErrors)}, for 1h.`,
            runbook: NODE_NETWORK_TRANSMIT_ERRORS_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.NETWORK_INTERFACE_FLAPPING,
            expr: `increase(node_network_carrier_changes_total{${NOT_A_PHYSICAL_NIC}}[10m]) >= ${T.carrierChanges}`,
            for: '5m',
            severity: AlertSeverity.WARNING,
            summary: 'Node network interface flapping',
            description: `The link of interface {{ $labels.device }} of node {{ $labels.node }} ({{ $labels.instance }}) has changed state {{ $value | humanize }} times in 10 minutes (at least ${T.carrierChanges}), for 5m.`,
            runbook: NODE_NETWORK_INTERFACE_FLAPPING_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.BONDING_DEGRADED,
            expr: 'node_bonding_slaves - node_bonding_active > 0',
            for: '5m',
            severity: AlertSeverity.WARNING,
            summary: 'Node network bond degraded',
            description: `Bond {{ $labels.master }} of node {{ $labels.node }} ({{ $labels.instance }}) has {{ $value }} of its member interfaces down for 5m.`,
            runbook: NODE_BONDING_DEGRADED_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.CONNTRACK_ENTRIES_HIGH,
            expr: `node_nf_conntrack_entries / node_nf_conntrack_entries_limit > ${T.conntrackUsed}`,
            for: '15m',
            severity: AlertSeverity.WARNING,
            summary: 'Node connection tracking table filling up',
            description: `Node {{ $labels.node }} ({{ $labels.instance }}) uses {{ $value | humanizePercentage }} of its conntrack entries, above ${percent(T.conntrackUsed)} for 15m; when the table is full, new connections are dropped.`,
            runbook: NODE_CONNTRACK_ENTRIES_HIGH_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.CLOCK_SKEW_DETECTED,
            expr: `abs(node_timex_offset_seconds) > ${T.clockOffsetSeconds}`,
            for: '10m',
            severity: AlertSeverity.WARNING,
            summary: 'Node clock skewed',
            description: `The clock of node {{ $labels.node }} ({{ $labels.instance }}) is {{ $value | humanizeDuration }} off its time source, more than ${T.clockOffsetSeconds * 1000} ms for 10m.`,
            runbook: NODE_CLOCK_SKEW_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.CLOCK_NOT_SYNCHRONISING,
            // The kernel caps the maximum error at 16 s when nothing synchronises the clock.
            expr: 'node_timex_sync_status == 0 and on (node, instance) node_timex_maxerror_seconds >= 16',
            for: '10m',
            severity: AlertSeverity.WARNING,
            summary: 'Node clock not synchronising',
            description:
              'The clock of node {{ $labels.node }} ({{ $labels.instance }}) has not been synchronised to a time source for 10m (the kernel reports it unsynchronised, with its maximum error at 16 s).',
            runbook: NODE_CLOCK_NOT_SYNCHRONISING_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.RAID_DEGRADED,
            expr: 'node_md_disks_required - on (node, instance, device) node_md_disks{state="active"} > 0',
            for: '15m',
            severity: AlertSeverity.CRITICAL,
            summary: 'Node RAID array degraded',
            description:
              'RAID array {{ $labels.device }} of node {{ $labels.node }} ({{ $labels.instance }}) has been missing {{ $value }} of its active disks for 15m; one more failure may lose its data.',
            runbook: NODE_RAID_DEGRADED_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.RAID_DISK_FAILURE,
            expr: 'node_md_disks{state="failed"} > 0',
            severity: AlertSeverity.WARNING,
            summary: 'Node RAID disk failed',
            description:
              'RAID array {{ $labels.device }} of node {{ $labels.node }} ({{ $labels.instance }}) counts {{ $value }} failed disk(s).',
            runbook: NODE_RAID_DISK_FAILURE_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.FILE_DESCRIPTOR_LIMIT,
            expr: fileDescriptors(T.fileDescriptorsUsed),
            for: '15m',
            severity: AlertSeverity.WARNING,
            summary: 'Node running out of file descriptors',
            description: fdDescription(
              T.fileDescriptorsUsed,
              'at the limit, programs fail to open files and sockets',
            ),
            runbook: NODE_FILE_DESCRIPTOR_LIMIT_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.FILE_DESCRIPTORS_EXHAUSTED,
            expr: fileDescriptors(T.fileDescriptorsExhausted),
            for: '15m',
            severity: AlertSeverity.CRITICAL,
            summary: 'Node almost out of file descriptors',
            description: fdDescription(
              T.fileDescriptorsExhausted,
              'programs are about to fail to open files and sockets',
            ),
            runbook: NODE_FILE_DESCRIPTORS_EXHAUSTED_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.SYSTEM_SATURATION,
            expr: `sum by (${BY_INSTANCE}) (node_load1) / count by (${BY_INSTANCE}) (${IDLE_CPU}) > ${T.loadPerCpu}`,
            for: '15m',
            severity: AlertSeverity.WARNING,
            summary: 'Node saturated: more runnable tasks than CPUs',
            description: `The 1-minute load of node {{ $labels.node }} ({{ $labels.instance }}) is {{ $value | humanize }} per CPU, above ${T.loadPerCpu} for 15m: tasks wait for CPU or for IO.`,
            runbook: NODE_SYSTEM_SATURATION_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.MEMORY_MAJOR_PAGE_FAULTS,
            expr: `sum by (${BY_INSTANCE}) (rate(node_vmstat_pgmajfault[5m])) > ${T.majorPageFaultsPerSecond}`,
            for: '15m',
            severity: AlertSeverity.WARNING,
            summary: 'Node reading memory pages back from disk',
            description: `Node {{ $labels.node }} ({{ $labels.instance }}) has had {{ $value | humanize }} major page faults per second, above ${T.majorPageFaultsPerSecond}, for 15m: its programs wait for pages read from disk.`,
            runbook: NODE_MEMORY_MAJOR_PAGE_FAULTS_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.DISK_IO_SATURATION,
            expr: `sum by (${BY_INSTANCE}, device) (rate(node_disk_io_time_weighted_seconds_total[5m])) > ${T.diskIoQueue}`,
            for: '30m',
            severity: AlertSeverity.WARNING,
            summary: 'Node disk saturated',
            description: `Disk {{ $labels.device }} of node {{ $labels.node }} ({{ $labels.instance }}) has had {{ $value | humanize }} IOs in flight on average, above ${T.diskIoQueue}, for 30m: reads and writes queue.`,
            runbook: NODE_DISK_IO_SATURATION_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.EXPORTER_DOWN,
            expr: `absent(${exporterTargets} == 1)`,
            for: c.targetDownFor,
            severity: AlertSeverity.CRITICAL,
            summary: 'No node-exporter is scraped',
            description: `Prometheus has had no node-exporter target up (job kubernetes-pods, namespace ${agentsNamespace}) for ${c.targetDownFor}: no node metrics are collected and no other node alert can fire.`,
            runbook: NODE_EXPORTER_DOWN_RUNBOOK,
          }),
          alertRule(c, {
            alert: NodeAlert.EXPORTER_TARGET_MISSING,
            expr: `kube_node_info unless on (node) ${exporterTargets}`,
            for: '15m',
            severity: AlertSeverity.WARNING,
            summary: 'Node without node-exporter',
            description: `Node {{ $labels.node }} has had no node-exporter target (namespace ${agentsNamespace}) for 15m: its CPU, memory, disks and network are not watched.`,
            runbook: NODE_EXPORTER_TARGET_MISSING_RUNBOOK,
          }),
        ],
      },
    ],
    dashboards: [
      { name: 'nodes', json: nodesDashboard() },
      { name: 'node-cluster-use', json: nodeClusterUseDashboard() },
    ],
  };
}
