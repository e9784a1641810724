import { dashboardModel, labelValuesVariable, timeseriesPanel } from '../grafana/dashboard-panels';
import { podLogsLink } from './dashboard-links';
import { KubernetesRecords as R } from './kubernetes-recording-rules';

const NS = 'namespace=~"$namespace"';

/**
 * The `kubernetes-namespace` dashboard: CPU and memory of the pods of the chosen namespaces,
 * against their requests and limits, and the namespaces' quotas. Pod series link to the pod's
 * logs in Explore.
 */
export function kubernetesNamespaceDashboard(): Record<string, unknown> {
  const logs = [podLogsLink()];
  return dashboardModel(
    'kubernetes-namespace',
    'Kubernetes / Namespace compute resources (pods)',
    ['kubernetes', 'resources'],
    [labelValuesVariable('namespace', 'Namespace', 'kube_namespace_status_phase')],
    [
      timeseriesPanel(
        1,
        'CPU usage, requests and limits of the namespace',
        { x: 0, y: 0, w: 12, h: 8 },
        [
          { expr: `sum (${R.namespaceCpu}{${NS}})`, legendFormat: 'usage' },
          { expr: `sum (${R.namespaceCpuRequests}{${NS}})`, legendFormat: 'requests' },
          { expr: `sum (${R.namespaceCpuLimits}{${NS}})`, legendFormat: 'limits' },
        ],
        { unit: 'short' },
      ),
      timeseriesPanel(
        2,
        'Memory usage, requests and limits of the namespace',
        { x: 12, y: 0, w: 12, h: 8 },
        [
          { expr: `sum (${R.namespaceWorkingSet}{${NS}})`, legendFormat: 'working set' },
          { expr: `sum (${R.namespaceMemoryRequests}{${NS}})`, legendFormat: 'requests' },
          { expr: `sum (${R.namespaceMemoryLimits}{${NS}})`, legendFormat: 'limits' },
        ],
        { unit: 'bytes' },
      ),
      timeseriesPanel(
        3,
        'CPU usage per pod',
        { x: 0, y: 8, w: 12, h: 8 },
        [{ expr: `${R.podCpu}{${NS}}`, legendFormat: '{{namespace}}/{{pod}}' }],
        { unit: 'short', stacked: true, links: logs },
      ),
      timeseriesPanel(
        4,
        'CPU usage / requests per pod',
        { x: 12, y: 8, w: 12, h: 8 },
        [
          {
            expr: `${R.podCpu}{${NS}} / on (namespace, pod) (${R.podCpuRequests}{${NS}} > 0)`,
            legendFormat: '{{namespace}}/{{pod}}',
          },
        ],
        { unit: 'percentunit', thresholds: [[1, 'orange']], links: logs },
      ),
      timeseriesPanel(
        5,
        'Memory (working set) per pod',
        { x: 0, y: 16, w: 12, h: 8 },
        [{ expr: `${R.podWorkingSet}{${NS}}`, legendFormat: '{{namespace}}/{{pod}}' }],
        { unit: 'bytes', stacked: true, links: logs },
      ),
      timeseriesPanel(
        6,
        'Memory usage / limits per pod',
        { x: 12, y: 16, w: 12, h: 8 },
        [
          {
            expr: `${R.podWorkingSet}{${NS}} / on (namespace, pod) (${R.podMemoryLimits}{${NS}} > 0)`,
            legendFormat: '{{namespace}}/{{pod}}',
          },
        ],
        {
          unit: 'percentunit',
          max: 1,
          thresholds: [
            [0.8, 'orange'],
            [0.9, 'red'],
          ],
          links: logs,
        },
      ),
      timeseriesPanel(
        7,
        'Quota used / hard',
        { x: 0, y: 24, w: 24, h: 8 },
        [
          {
            expr: `max by (namespace, resourcequota, resource) (kube_resourcequota{type="used",${NS}}) / on (namespace, resourcequota, resource) (max by (namespace, resourcequota, resource) (kube_resourcequota{type="hard",${NS}}) > 0)`,
            legendFormat: '{{namespace}} {{resourcequota}} {{resource}}',
          },
        ],
        {
          unit: 'percentunit',
          thresholds: [
            [0.9, 'orange'],
            [1, 'red'],
          ],
        },
      ),
    ],
  );
}
