import {
  dashboardModel,
  labelValuesVariable,
  statPanel,
  timeseriesPanel,
} from '../grafana/dashboard-panels';
import { KUBELET_JOB, KubernetesRecords as R } from './kubernetes-recording-rules';

const CLAIM = 'namespace=~"$namespace",persistentvolumeclaim=~"$persistentvolumeclaim"';
const KUBELET_CLAIM = `job="${KUBELET_JOB}",${CLAIM}`;

/**
 * The `kubernetes-volumes` dashboard: space and inodes of the persistent volume claims the
 * kubelet reports (`kubelet_volume_stats_*`), and the phases of claims and volumes.
 */
export function kubernetesVolumesDashboard(): Record<string, unknown> {
  const byClaim = (metric: string) =>
    `max by (namespace, persistentvolumeclaim) (${metric}{${KUBELET_CLAIM}})`;
  const fill = {
    unit: 'percentunit',
    min: 0,
    max: 1,
    thresholds: [
      [0.85, 'orange'],
      [0.97, 'red'],
    ] as const,
  };
  return dashboardModel(
    'kubernetes-volumes',
    'Kubernetes / Persistent volumes',
    ['kubernetes', 'storage'],
    [
      labelValuesVariable('namespace', 'Namespace', 'kube_namespace_status_phase'),
      labelValuesVariable(
        'persistentvolumeclaim',
        'Volume claim',
        'kube_persistentvolumeclaim_info{namespace=~"$namespace"}',
      ),
    ],
    [
      timeseriesPanel(
        1,
        'Space used',
        { x: 0, y: 0, w: 12, h: 8 },
        [
          {
            expr: `${R.volumeUsedRatio}{${CLAIM}}`,
            legendFormat: '{{namespace}}/{{persistentvolumeclaim}}',
          },
        ],
        fill,
      ),
      timeseriesPanel(
        2,
        'Inodes used',
        { x: 12, y: 0, w: 12, h: 8 },
        [
          {
            expr: `1 - ${byClaim('kubelet_volume_stats_inodes_free')} / on (namespace, persistentvolumeclaim) (${byClaim('kubelet_volume_stats_inodes')} > 0)`,
            legendFormat: '{{namespace}}/{{persistentvolumeclaim}}',
          },
        ],
        fill,
      ),
      timeseriesPanel(
        3,
        'Space used and capacity',
        { x: 0, y: 8, w: 12, h: 8 },
        [
          {
            expr: byClaim('kubelet_volume_stats_used_bytes'),
            legendFormat: '{{namespace}}/{{persistentvolumeclaim}} used',
          },
          {
            expr: byClaim('kubelet_volume_stats_capacity_bytes'),
            legendFormat: '{{namespace}}/{{persistentvolumeclaim}} capacity',
          },
        ],
        { unit: 'bytes' },
      ),
      statPanel(
        4,
        'Volume claims by phase',
        { x: 12, y: 8, w: 6, h: 8 },
        [
          {
            expr: 'count by (phase) (kube_persistentvolumeclaim_status_phase{namespace=~"$namespace"} == 1)',
            legendFormat: '{{phase}}',
          },
        ],
        { unit: 'short' },
      ),
      statPanel(
        5,
        'Persistent volumes by phase',
        { x: 18, y: 8, w: 6, h: 8 },
        [
          {
            expr: 'count by (phase) (kube_persistentvolume_status_phase == 1)',
            legendFormat: '{{phase}}',
          },
        ],
        { unit: 'short' },
      ),
    ],
  );
}
