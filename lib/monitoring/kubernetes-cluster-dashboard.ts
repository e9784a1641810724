import { dashboardModel, statPanel, timeseriesPanel } from '../grafana/dashboard-panels';
import { KubernetesRecords as R } from './kubernetes-recording-rules';

const COMMITMENT_THRESHOLDS: ReadonlyArray<readonly [number, string]> = [
  [0.8, 'orange'],
  [1, 'red'],
];

/**
 * The `kubernetes-cluster` dashboard: the cluster's CPU and memory use and commitment (requests
 * and limits against what the nodes can allocate), per namespace and per node, from the
 * `kubernetes-rules` recording rules.
 */
export function kubernetesClusterDashboard(): Record<string, unknown> {
  const stat = (id: number, title: string, x: number, y: number, expr: string) =>
    statPanel(id, title, { x, y, w: 4, h: 4 }, [{ expr, legendFormat: title }], {
      unit: 'percentunit',
      thresholds: COMMITMENT_THRESHOLDS,
    });
  return dashboardModel(
    'kubernetes-cluster',
    'Kubernetes / Cluster compute resources',
    ['kubernetes', 'resources'],
    [],
    [
      stat(1, 'CPU used', 0, 0, `${R.clusterCpu} / ${R.clusterCpuAllocatable}`),
      stat(2, 'CPU requested', 4, 0, `${R.clusterCpuRequests} / ${R.clusterCpuAllocatable}`),
      stat(3, 'CPU limits', 8, 0, `${R.clusterCpuLimits} / ${R.clusterCpuAllocatable}`),
      stat(4, 'Memory used', 12, 0, `${R.clusterWorkingSet} / ${R.clusterMemoryAllocatable}`),
      stat(
        5,
        'Memory requested',
        16,
        0,
        `${R.clusterMemoryRequests} / ${R.clusterMemoryAllocatable}`,
      ),
      stat(6, 'Memory limits', 20, 0, `${R.clusterMemoryLimits} / ${R.clusterMemoryAllocatable}`),
      timeseriesPanel(
        7,
        'CPU usage per namespace',
        { x: 0, y: 4, w: 12, h: 8 },
        [{ expr: R.namespaceCpu, legendFormat: '{{namespace}}' }],
        { unit: 'short', stacked: true },
      ),
      timeseriesPanel(
        8,
        'CPU usage / requests per namespace',
        { x: 12, y: 4, w: 12, h: 8 },
        [
          {
            expr: `${R.namespaceCpu} / on (namespace) (${R.namespaceCpuRequests} > 0)`,
            legendFormat: '{{namespace}}',
          },
        ],
        { unit: 'percentunit', thresholds: [[1, 'orange']] },
      ),
      timeseriesPanel(
        9,
        'Memory (working set) per namespace',
        { x: 0, y: 12, w: 12, h: 8 },
        [{ expr: R.namespaceWorkingSet, legendFormat: '{{namespace}}' }],
        { unit: 'bytes', stacked: true },
      ),
      timeseriesPanel(
        10,
        'Memory usage / requests per namespace',
        { x: 12, y: 12, w: 12, h: 8 },
        [
          {
            expr: `${R.namespaceWorkingSet} / on (namespace) (${R.namespaceMemoryRequests} > 0)`,
            legendFormat: '{{namespace}}',
          },
        ],
        { unit: 'percentunit', thresholds: [[1, 'orange']] },
      ),
      timeseriesPanel(
        11,
        'CPU requested / allocatable per node',
        { x: 0, y: 20, w: 12, h: 8 },
        [
          {
            expr: `${R.nodeCpuRequests} / on (node) max by (node) (kube_node_status_allocatable{resource="cpu"})`,
            legendFormat: '{{node}}',
          },
        ],
        { unit: 'percentunit', min: 0, thresholds: COMMITMENT_THRESHOLDS },
      ),
      timeseriesPanel(
        12,
        'Memory requested / allocatable per node',
        { x: 12, y: 20, w: 12, h: 8 },
        [
          {
            expr: `${R.nodeMemoryRequests} / on (node) max by (node) (kube_node_status_allocatable{resource="memory"})`,
            legendFormat: '{{node}}',
          },
        ],
        { unit: 'percentunit', min: 0, thresholds: COMMITMENT_THRESHOLDS },
      ),
    ],
  );
}
