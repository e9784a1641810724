import {
  dashboardModel,
  labelValuesVariable,
  statPanel,
  timeseriesPanel,
} from '../grafana/dashboard-panels';
import { nodeLogsLink } from './dashboard-links';

const NODE = 'node=~"$node"';

/**
 * The `nodes` dashboard: each node's CPU, load, memory, disk IO, file systems and network, on
 * the recording rules of `node-rules` (5-minute rates), for the nodes of the `node` variable.
 */
export function nodesDashboard(): Record<string, unknown> {
  const links = [nodeLogsLink()];
  const ratio = { unit: 'percentunit', min: 0, max: 1, links } as const;
  return dashboardModel(
    'nodes',
    'Nodes',
    ['nodes', 'node-exporter'],
    [labelValuesVariable('node', 'Node', 'node_uname_info')],
    [
      statPanel(
        1,
        'CPUs',
        { x: 0, y: 0, w: 6, h: 4 },
        [{ expr: `instance:node_num_cpu:sum{${NODE}}`, legendFormat: '{{node}}' }],
        { unit: 'short' },
      ),
      statPanel(
        2,
        'Fullest file system',
        { x: 6, y: 0, w: 18, h: 4 },
        [{ expr: `node:node_filesystem_usage:max_ratio{${NODE}}`, legendFormat: '{{node}}' }],
        {
          ...ratio,
          thresholds: [
            [0.8, 'orange'],
            [0.9, 'red'],
          ],
        },
      ),
      timeseriesPanel(
        3,
        'CPU utilisation',
        { x: 0, y: 4, w: 12, h: 8 },
        [{ expr: `instance:node_cpu_utilisation:rate5m{${NODE}}`, legendFormat: '{{node}}' }],
        {
          ...ratio,
          thresholds: [
            [0.8, 'orange'],
            [0.9, 'red'],
          ],
        },
      ),
      timeseriesPanel(
        4,
        'Load (1m) per CPU',
        { x: 12, y: 4, w: 12, h: 8 },
        [{ expr: `instance:node_load1_per_cpu:ratio{${NODE}}`, legendFormat: '{{node}}' }],
        { unit: 'short', min: 0, thresholds: [[2, 'red']], links },
      ),
      timeseriesPanel(
        5,
        'Memory utilisation',
        { x: 0, y: 12, w: 12, h: 8 },
        [{ expr: `instance:node_memory_utilisation:ratio{${NODE}}`, legendFormat: '{{node}}' }],
        {
          ...ratio,
          thresholds: [
            [0.8, 'orange'],
            [0.9, 'red'],
          ],
        },
      ),
      timeseriesPanel(
        6,
        'Major page faults',
        { x: 12, y: 12, w: 12, h: 8 },
        [{ expr: `instance:node_vmstat_pgmajfault:rate5m{${NODE}}`, legendFormat: '{{node}}' }],
        { unit: 'ops', min: 0, links },
      ),
      timeseriesPanel(
        7,
        'Disk IO busy time',
        { x: 0, y: 20, w: 12, h: 8 },
        [
          {
            expr: `instance_device:node_disk_io_time_seconds:rate5m{${NODE}}`,
            legendFormat: '{{node}} {{device}}',
          },
        ],
        ratio,
      ),
      timeseriesPanel(
        8,
        'Disk IO queue (weighted IO time)',
        { x: 12, y: 20, w: 12, h: 8 },
        [
          {
            expr: `instance_device:node_disk_io_time_weighted_seconds:rate5m{${NODE}}`,
            legendFormat: '{{node}} {{device}}',
          },
        ],
        { unit: 'short', min: 0, thresholds: [[10, 'red']], links },
      ),
      timeseriesPanel(
        9,
        'File system usage',
        { x: 0, y: 28, w: 24, h: 8 },
        [
          {
            expr: `instance_mountpoint:node_filesystem_usage:ratio{${NODE}}`,
            legendFormat: '{{node}} {{mountpoint}}',
          },
        ],
        {
          ...ratio,
          thresholds: [
            [0.8, 'orange'],
            [0.9, 'red'],
          ],
        },
      ),
      timeseriesPanel(
        10,
        'Network receive / transmit (without virtual interfaces)',
        { x: 0, y: 36, w: 12, h: 8 },
        [
          {
            expr: `instance:node_network_receive_bytes_excluding_virtual:rate5m{${NODE}}`,
            legendFormat: '{{node}} rx',
          },
          {
            // Below the axis, so receive and transmit of one node do not overlap.
            expr: `-instance:node_network_transmit_bytes_excluding_virtual:rate5m{${NODE}}`,
            legendFormat: '{{node}} tx',
          },
        ],
        { unit: 'Bps', links },
      ),
      timeseriesPanel(
        11,
        'Network drops (without virtual interfaces)',
        { x: 12, y: 36, w: 12, h: 8 },
        [
          {
            expr: `instance:node_network_receive_drop_excluding_virtual:rate5m{${NODE}}`,
            legendFormat: '{{node}} rx',
          },
          {
            expr: `-instance:node_network_transmit_drop_excluding_virtual:rate5m{${NODE}}`,
            legendFormat: '{{node}} tx',
          },
        ],
        { unit: 'pps', links },
      ),
    ],
  );
}
