import { dashboardModel, statPanel, timeseriesPanel } from '../grafana/dashboard-panels';
import { podLogsLink } from './dashboard-links';

const ETCD = 'job="etcd"';

/**
 * The `etcd` dashboard (with the control-plane mixin's `etcd` option): members with a leader,
 * leader changes, database use of its quota, disk fsync and commit p99, and gRPC traffic and
 * failures; member panels link to the member pod's logs.
 */
export function etcdDashboard(): Record<string, unknown> {
  const logs = [podLogsLink('kube-system')];
  return dashboardModel(
    'etcd',
    'etcd',
    ['kubernetes', 'control-plane', 'etcd'],
    [],
    [
      statPanel(
        1,
        'Members with a leader',
        { x: 0, y: 0, w: 8, h: 6 },
        [{ expr: `sum(etcd_server_has_leader{${ETCD}}) or vector(0)`, legendFormat: 'members' }],
        {
          unit: 'short',
          thresholds: [
            [0, 'red'],
            [2, 'green'],
          ],
        },
      ),
      statPanel(
        2,
        'Leader changes (last hour)',
        { x: 8, y: 0, w: 8, h: 6 },
        [
          {
            expr: `max(increase(etcd_server_leader_changes_seen_total{${ETCD}}[1h])) or vector(0)`,
            legendFormat: 'changes',
          },
        ],
        {
          unit: 'short',
          thresholds: [
            [1, 'orange'],
            [4, 'red'],
          ],
        },
      ),
      timeseriesPanel(
        3,
        'Database use of its quota',
        { x: 16, y: 0, w: 8, h: 6 },
        [{ expr: 'instance:etcd_mvcc_db_quota_used:ratio', legendFormat: '{{instance}}' }],
        { unit: 'percentunit', min: 0, max: 1, thresholds: [[0.8, 'red']] },
      ),
      timeseriesPanel(
        4,
        'WAL fsync p99',
        { x: 0, y: 6, w: 12, h: 8 },
        [
          {
            expr: 'instance:etcd_disk_wal_fsync_duration_seconds:p99_rate5m',
            legendFormat: '{{instance}}',
          },
        ],
        { unit: 's', thresholds: [[0.5, 'red']] },
      ),
      timeseriesPanel(
        5,
        'Backend commit p99',
        { x: 12, y: 6, w: 12, h: 8 },
        [
          {
            expr: 'instance:etcd_disk_backend_commit_duration_seconds:p99_rate5m',
            legendFormat: '{{instance}}',
          },
        ],
        { unit: 's', thresholds: [[0.25, 'red']] },
      ),
      timeseriesPanel(
        6,
        'gRPC requests per member',
        { x: 0, y: 14, w: 12, h: 8 },
        [
          {
            expr: `sum by (pod) (rate(grpc_server_handled_total{${ETCD}}[$__rate_interval]))`,
            legendFormat: '{{pod}}',
          },
        ],
        { unit: 'reqps', links: logs },
      ),
      timeseriesPanel(
        7,
        'gRPC failure ratio per method',
        { x: 12, y: 14, w: 12, h: 8 },
        [
          {
            expr: 'grpc_method:etcd_grpc_requests_failed:ratio_rate5m > 0',
            legendFormat: '{{grpc_service}}/{{grpc_method}}',
          },
        ],
        { unit: 'percentunit', min: 0 },
      ),
    ],
  );
}
