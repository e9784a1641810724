import { dashboardModel, labelValuesVariable, timeseriesPanel } from '../grafana/dashboard-panels';
import { podLogsLink } from './dashboard-links';
import { CADVISOR_JOB, KubernetesRecords as R } from './kubernetes-recording-rules';

const POD = 'namespace=~"$namespace",pod=~"$pod"';

/**
 * The `kubernetes-pod` dashboard: CPU (against requests and limits, and throttling), memory
 * (working set, RSS, cache against the limit), restarts and network of the chosen pods, per
 * container. Every series links to the pod's logs in Explore.
 */
export function kubernetesPodDashboard(): Record<string, unknown> {
  const logs = [podLogsLink()];
  const resource = (metric: string, name: string) =>
    `max by (namespace, pod, container) (${metric}{resource="${name}",${POD}})`;
  return dashboardModel(
    'kubernetes-pod',
    'Kubernetes / Pod compute resources',
    ['kubernetes', 'resources'],
    [
      labelValuesVariable('namespace', 'Namespace', 'kube_namespace_status_phase'),
      labelValuesVariable('pod', 'Pod', 'kube_pod_info{namespace=~"$namespace"}'),
    ],
    [
      timeseriesPanel(
        1,
        'CPU usage per container, with requests and limits',
        { x: 0, y: 0, w: 12, h: 8 },
        [
          { expr: `${R.containerCpu}{${POD}}`, legendFormat: '{{pod}} {{container}}' },
          {
            expr: resource('kube_pod_container_resource_requests', 'cpu'),
            legendFormat: '{{pod}} {{container}} request',
          },
          {
            expr: resource('kube_pod_container_resource_limits', 'cpu'),
            legendFormat: '{{pod}} {{container}} limit',
          },
        ],
        { unit: 'short', links: logs },
      ),
      timeseriesPanel(
        2,
        'CPU throttled periods per container',
        { x: 12, y: 0, w: 12, h: 8 },
        [{ expr: `${R.containerThrottled}{${POD}}`, legendFormat: '{{pod}} {{container}}' }],
        {
          unit: 'percentunit',
          min: 0,
          max: 1,
          thresholds: [[0.25, 'orange']],
          links: logs,
        },
      ),
      timeseriesPanel(
        3,
        'Memory per container, with the limit',
        { x: 0, y: 8, w: 12, h: 8 },
        [
          {
            expr: `${R.containerWorkingSet}{${POD}}`,
            legendFormat: '{{pod}} {{container}} working set',
          },
          { expr: `${R.containerRss}{${POD}}`, legendFormat: '{{pod}} {{container}} rss' },
          { expr: `${R.containerCache}{${POD}}`, legendFormat: '{{pod}} {{container}} cache' },
          {
            expr: resource('kube_pod_container_resource_limits', 'memory'),
            legendFormat: '{{pod}} {{container}} limit',
          },
        ],
        { unit: 'bytes', links: logs },
      ),
      timeseriesPanel(
        4,
        'Container restarts',
        { x: 12, y: 8, w: 12, h: 8 },
        [
          {
            expr: `max by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{${POD}}[$__rate_interval]))`,
            legendFormat: '{{pod}} {{container}}',
          },
        ],
        { unit: 'short', links: logs },
      ),
      timeseriesPanel(
        5,
        'Network receive / transmit',
        { x: 0, y: 16, w: 24, h: 8 },
        [
          {
            expr: `sum by (namespace, pod) (rate(container_network_receive_bytes_total{job="${CADVISOR_JOB}",${POD}}[$__rate_interval]))`,
            legendFormat: '{{pod}} rx',
          },
          {
            expr: `-sum by (namespace, pod) (rate(container_network_transmit_bytes_total{job="${CADVISOR_JOB}",${POD}}[$__rate_interval]))`,
            legendFormat: '{{pod}} tx',
          },
        ],
        { unit: 'Bps', links: logs },
      ),
    ],
  );
}
