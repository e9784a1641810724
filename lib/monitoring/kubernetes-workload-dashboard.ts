import { dashboardModel, labelValuesVariable, timeseriesPanel } from '../grafana/dashboard-panels';
import { podLogsLink } from './dashboard-links';
import { KubernetesRecords as R } from './kubernetes-recording-rules';

const SELECTED = 'namespace=~"$namespace",workload_type=~"$workload_type",workload=~"$workload"';
/** The selected workloads' pods, to join per-pod series on. */
const PODS = `${R.podOwner}{${SELECTED}}`;

/**
 * The `kubernetes-workload` dashboard: CPU and memory of Deployments, StatefulSets, DaemonSets,
 * CronJobs and Jobs (the `namespace_workload_pod:kube_pod_owner:relabel` mapping), against
 * their requests, and of each of their pods, which link to the pod's logs in Explore.
 */
export function kubernetesWorkloadDashboard(): Record<string, unknown> {
  const logs = [podLogsLink()];
  const perPod = (record: string) =>
    `${record}{namespace=~"$namespace"} * on (namespace, pod) group_left (workload, workload_type) ${PODS}`;
  return dashboardModel(
    'kubernetes-workload',
    'Kubernetes / Workload compute resources',
    ['kubernetes', 'resources'],
    [
      labelValuesVariable('namespace', 'Namespace', 'kube_namespace_status_phase'),
      labelValuesVariable('workload_type', 'Kind', `${R.podOwner}{namespace=~"$namespace"}`),
      labelValuesVariable(
        'workload',
        'Workload',
        `${R.podOwner}{namespace=~"$namespace",workload_type=~"$workload_type"}`,
      ),
    ],
    [
      timeseriesPanel(
        1,
        'CPU usage per workload',
        { x: 0, y: 0, w: 12, h: 8 },
        [
          {
            expr: `${R.workloadCpu}{${SELECTED}}`,
            legendFormat: '{{namespace}}/{{workload}} ({{workload_type}})',
          },
        ],
        { unit: 'short' },
      ),
      timeseriesPanel(
        2,
        'CPU usage / requests per workload',
        { x: 12, y: 0, w: 12, h: 8 },
        [
          {
            expr: `${R.workloadCpu}{${SELECTED}} / on (namespace, workload, workload_type) (${R.workloadCpuRequests}{${SELECTED}} > 0)`,
            legendFormat: '{{namespace}}/{{workload}} ({{workload_type}})',
          },
        ],
        { unit: 'percentunit', thresholds: [[1, 'orange']] },
      ),
      timeseriesPanel(
        3,
        'Memory (working set) per workload',
        { x: 0, y: 8, w: 12, h: 8 },
        [
          {
            expr: `${R.workloadWorkingSet}{${SELECTED}}`,
            legendFormat: '{{namespace}}/{{workload}} ({{workload_type}})',
          },
        ],
        { unit: 'bytes' },
      ),
      timeseriesPanel(
        4,
        'Memory usage / requests per workload',
        { x: 12, y: 8, w: 12, h: 8 },
        [
          {
            expr: `${R.workloadWorkingSet}{${SELECTED}} / on (namespace, workload, workload_type) (${R.workloadMemoryRequests}{${SELECTED}} > 0)`,
            legendFormat: '{{namespace}}/{{workload}} ({{workload_type}})',
          },
        ],
        { unit: 'percentunit', thresholds: [[1, 'orange']] },
      ),
      timeseriesPanel(
        5,
        'CPU usage per pod',
        { x: 0, y: 16, w: 12, h: 8 },
        [{ expr: perPod(R.podCpu), legendFormat: '{{workload}} {{pod}}' }],
        { unit: 'short', stacked: true, links: logs },
      ),
      timeseriesPanel(
        6,
        'Memory (working set) per pod',
        { x: 12, y: 16, w: 12, h: 8 },
        [{ expr: perPod(R.podWorkingSet), legendFormat: '{{workload}} {{pod}}' }],
        { unit: 'bytes', stacked: true, links: logs },
      ),
    ],
  );
}
