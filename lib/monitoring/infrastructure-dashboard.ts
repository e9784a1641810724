import {
  dashboardModel,
  labelValuesVariable,
  statPanel,
  timeseriesPanel,
} from '../grafana/dashboard-panels';

/** Same filesystems as the disk alert leaves out: in memory, container layers, snaps, namespaces. */
const REAL_DISK = 'fstype!~"tmpfs|overlay|squashfs|nsfs",mountpoint!=""';
/** Loopback and the virtual ends of pod network interfaces would count pod traffic twice. */
const PHYSICAL_NIC =
  'device!~"lo|veth.*|cali.*|cilium.*|lxc.*|flannel.*|cni.*|docker.*|vxlan.*|tunl.*|kube-ipvs.*"';
const NODE = 'node=~"$node"';
const NAMESPACE = 'namespace=~"$namespace"';
/** Per-container cgroups only: without `container` the series are pod or node totals, without `image` the pause container. */
const CONTAINERS = `container!="",container!="POD",image!="",${NAMESPACE},${NODE}`;

/**
 * The built-in `infrastructure` dashboard: node CPU, memory, disk and network
 * from node-exporter, container restarts from kube-state-metrics, and container
 * CPU and memory per namespace from the kubelet's cAdvisor. The `node` label
 * comes from the scrape relabelling (node-exporter pods and kubelet targets),
 * `namespace` from the objects themselves.
 */
export function infrastructureDashboard(): Record<string, unknown> {
  return dashboardModel(
    'infrastructure',
    'Infrastructure',
    ['infrastructure', 'kubernetes', 'nodes'],
    [
      labelValuesVariable('node', 'Node', 'node_uname_info'),
      labelValuesVariable('namespace', 'Namespace', 'kube_pod_info'),
    ],
    [
      timeseriesPanel(
        1,
        'Node CPU utilisation',
        { x: 0, y: 0, w: 12, h: 8 },
        [
          {
            expr: `1 - avg by (node, instance) (rate(node_cpu_seconds_total{mode="idle",${NODE}}[$__rate_interval]))`,
            legendFormat: '{{node}}',
          },
        ],
        {
          unit: 'percentunit',
          min: 0,
          max: 1,
          thresholds: [
            [0.8, 'orange'],
            [0.9, 'red'],
          ],
        },
      ),
      timeseriesPanel(
        2,
        'Node memory utilisation',
        { x: 12, y: 0, w: 12, h: 8 },
        [
          {
            expr: `1 - node_memory_MemAvailable_bytes{${NODE}} / node_memory_MemTotal_bytes{${NODE}}`,
            legendFormat: '{{node}}',
          },
        ],
        {
          unit: 'percentunit',
          min: 0,
          max: 1,
          thresholds: [
            [0.8, 'orange'],
            [0.9, 'red'],
          ],
        },
      ),
      timeseriesPanel(
        3,
        'Disk utilisation per mountpoint',
        { x: 0, y: 8, w: 12, h: 8 },
        [
          {
            expr: `1 - node_filesystem_avail_bytes{${REAL_DISK},${NODE}} / node_filesystem_size_bytes{${REAL_DISK},${NODE}}`,
            legendFormat: '{{node}} {{mountpoint}}',
          },
        ],
        {
          unit: 'percentunit',
          min: 0,
          max: 1,
          thresholds: [
            [0.8, 'orange'],
            [0.9, 'red'],
          ],
        },
      ),
      timeseriesPanel(
        4,
        'Network receive / transmit',
        { x: 12, y: 8, w: 12, h: 8 },
        [
          {
            expr: `sum by (node) (rate(node_network_receive_bytes_total{${PHYSICAL_NIC},${NODE}}[$__rate_interval]))`,
            legendFormat: '{{node}} rx',
          },
          {
            // Drawn below the axis so receive and transmit of one node do not overlap.
            expr: `-sum by (node) (rate(node_network_transmit_bytes_total{${PHYSICAL_NIC},${NODE}}[$__rate_interval]))`,
            legendFormat: '{{node}} tx',
          },
        ],
        { unit: 'Bps' },
      ),
      statPanel(
        5,
        'Container restarts (last hour)',
        { x: 0, y: 16, w: 6, h: 8 },
        [
          {
            expr: `sum(increase(kube_pod_container_status_restarts_total{${NAMESPACE}}[1h])) or vector(0)`,
            legendFormat: 'restarts',
          },
        ],
        {
          unit: 'short',
          thresholds: [
            [1, 'orange'],
            [10, 'red'],
          ],
        },
      ),
      timeseriesPanel(
        6,
        'Container restarts per pod',
        { x: 6, y: 16, w: 18, h: 8 },
        [
          {
            expr: `sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total{${NAMESPACE}}[$__rate_interval])) > 0`,
            legendFormat: '{{namespace}}/{{pod}}',
          },
        ],
        { unit: 'short' },
      ),
      timeseriesPanel(
        7,
        'Container CPU per namespace',
        { x: 0, y: 24, w: 12, h: 8 },
        [
          {
            expr: `sum by (namespace) (rate(container_cpu_usage_seconds_total{${CONTAINERS}}[$__rate_interval]))`,
            legendFormat: '{{namespace}}',
          },
        ],
        { unit: 'short', stacked: true },
      ),
      timeseriesPanel(
        8,
        'Container memory (working set) per namespace',
        { x: 12, y: 24, w: 12, h: 8 },
        [
          {
            expr: `sum by (namespace) (container_memory_working_set_bytes{${CONTAINERS}})`,
            legendFormat: '{{namespace}}',
          },
        ],
        { unit: 'bytes', stacked: true },
      ),
    ],
  );
}
