import { dashboardModel, statPanel, timeseriesPanel } from '../grafana/dashboard-panels';
import { nodeLogsLink } from './dashboard-links';

const RATIO = { unit: 'percentunit', min: 0, max: 1 } as const;
const WARN_AT = [
  [0.8, 'orange'],
  [0.9, 'red'],
] as const;

/**
 * The `node-cluster-use` dashboard: Brendan Gregg's USE method (utilisation, saturation) for the
 * nodes' CPU, memory, disks and network across the cluster, on the `cluster:` and `instance:`
 * recording rules of `node-rules`: the cluster as a whole first, then each node.
 */
export function nodeClusterUseDashboard(): Record<string, unknown> {
  // Only on panels whose every series is one node's.
  const links = [nodeLogsLink()];
  return dashboardModel(
    'node-cluster-use',
    'Nodes: USE method (cluster)',
    ['nodes', 'node-exporter', 'use'],
    [],
    [
      statPanel(
        1,
        'CPUs',
        { x: 0, y: 0, w: 6, h: 4 },
        [{ expr: 'cluster:node_num_cpu:sum', legendFormat: 'CPUs' }],
        { unit: 'short' },
      ),
      statPanel(
        2,
        'CPU utilisation',
        { x: 6, y: 0, w: 6, h: 4 },
        [{ expr: 'cluster:node_cpu_utilisation:ratio', legendFormat: 'CPU' }],
        { ...RATIO, thresholds: WARN_AT },
      ),
      statPanel(
        3,
        'Memory utilisation',
        { x: 12, y: 0, w: 6, h: 4 },
        [{ expr: 'cluster:node_memory_utilisation:ratio', legendFormat: 'memory' }],
        { ...RATIO, thresholds: WARN_AT },
      ),
      statPanel(
        4,
        'Load (1m) per CPU',
        { x: 18, y: 0, w: 6, h: 4 },
        [{ expr: 'cluster:node_load1_per_cpu:ratio', legendFormat: 'load' }],
        { unit: 'short', thresholds: [[2, 'red']] },
      ),
      timeseriesPanel(
        5,
        'CPU utilisation per node',
        { x: 0, y: 4, w: 12, h: 8 },
        [
          { expr: 'instance:node_cpu_utilisation:rate5m', legendFormat: '{{node}}' },
          { expr: 'cluster:node_cpu_utilisation:ratio', legendFormat: 'cluster' },
        ],
        { ...RATIO, thresholds: WARN_AT },
      ),
      timeseriesPanel(
        6,
        'CPU saturation (load per CPU)',
        { x: 12, y: 4, w: 12, h: 8 },
        [
          { expr: 'instance:node_load1_per_cpu:ratio', legendFormat: '{{node}}' },
          { expr: 'cluster:node_load1_per_cpu:ratio', legendFormat: 'cluster' },
        ],
        { unit: 'short', min: 0, thresholds: [[2, 'red']] },
      ),
      timeseriesPanel(
        7,
        'Memory utilisation per node',
        { x: 0, y: 12, w: 12, h: 8 },
        [
          { expr: 'instance:node_memory_utilisation:ratio', legendFormat: '{{node}}' },
          { expr: 'cluster:node_memory_utilisation:ratio', legendFormat: 'cluster' },
        ],
        { ...RATIO, thresholds: WARN_AT },
      ),
      timeseriesPanel(
        8,
        'Memory saturation (major page faults)',
        { x: 12, y: 12, w: 12, h: 8 },
        [{ expr: 'instance:node_vmstat_pgmajfault:rate5m', legendFormat: '{{node}}' }],
        { unit: 'ops', min: 0, links },
      ),
      timeseriesPanel(
        9,
        'Disk utilisation (busiest device per node)',
        { x: 0, y: 20, w: 12, h: 8 },
        [
          {
            expr: 'max by (node) (instance_device:node_disk_io_time_seconds:rate5m)',
            legendFormat: '{{node}}',
          },
          { expr: 'cluster:node_disk_io_time_seconds:avg_rate5m', legendFormat: 'cluster average' },
        ],
        RATIO,
      ),
      timeseriesPanel(
        10,
        'Disk saturation (IO queue, longest per node)',
        { x: 12, y: 20, w: 12, h: 8 },
        [
          {
            expr: 'max by (node) (instance_device:node_disk_io_time_weighted_seconds:rate5m)',
            legendFormat: '{{node}}',
          },
          {
            expr: 'cluster:node_disk_io_time_weighted_seconds:avg_rate5m',
            legendFormat: 'cluster average',
          },
        ],
        { unit: 'short', min: 0, thresholds: [[10, 'red']] },
      ),
      timeseriesPanel(
        11,
        'Network utilisation (receive / transmit)',
        { x: 0, y: 28, w: 12, h: 8 },
        [
          {
            expr: 'cluster:node_network_receive_bytes_excluding_virtual:rate5m',
            legendFormat: 'cluster rx',
          },
          {
            // Below the axis, so receive and transmit do not overlap.
            expr: '-cluster:node_network_transmit_bytes_excluding_virtual:rate5m',
            legendFormat: 'cluster tx',
          },
        ],
        { unit: 'Bps' },
      ),
      timeseriesPanel(
        12,
        'Network saturation (drops per node)',
        { x: 12, y: 28, w: 12, h: 8 },
        [
          {
            expr: 'instance:node_network_receive_drop_excluding_virtual:rate5m + instance:node_network_transmit_drop_excluding_virtual:rate5m',
            legendFormat: '{{node}}',
          },
        ],
        { unit: 'pps', min: 0, links },
      ),
      timeseriesPanel(
        13,
        'File system utilisation (fullest per node)',
        { x: 0, y: 36, w: 24, h: 8 },
        [{ expr: 'node:node_filesystem_usage:max_ratio', legendFormat: '{{node}}' }],
        { ...RATIO, thresholds: WARN_AT, links },
      ),
    ],
  );
}
