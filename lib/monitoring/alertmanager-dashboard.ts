import { dashboardModel, statPanel, timeseriesPanel } from '../grafana/dashboard-panels';
import { podLogsLink } from './dashboard-links';

/**
 * The built-in `alertmanager` dashboard: alerts held, notifications sent and failed per
 * integration, and the gossip cluster, for the Alertmanager pods of `namespace`, on the
 * recording rules of the Alertmanager mixin (`alertmanager-rules`) and Alertmanager's metrics.
 */
export function alertmanagerDashboard(namespace: string): Record<string, unknown> {
  const am = `namespace="${namespace}"`;
  const pods = `${am},app_kubernetes_io_name="alertmanager"`;
  return dashboardModel(
    'alertmanager',
    'Alertmanager',
    ['alertmanager', 'observability-stack'],
    [],
    [
      statPanel(
        1,
        'Pods up',
        { x: 0, y: 0, w: 6, h: 4 },
        [{ expr: `sum(up{${pods}})`, legendFormat: 'up' }],
        { unit: 'short', thresholds: [[0, 'red']] },
      ),
      statPanel(
        2,
        'Alerts active',
        { x: 6, y: 0, w: 6, h: 4 },
        [
          {
            expr: `sum(namespace_state:alertmanager_alerts:max{${am},state="active"})`,
            legendFormat: 'active',
          },
        ],
        { unit: 'short' },
      ),
      statPanel(
        3,
        'Silences active',
        { x: 12, y: 0, w: 6, h: 4 },
        [{ expr: `max(alertmanager_silences{${am},state="active"})`, legendFormat: 'silences' }],
        { unit: 'short' },
      ),
      statPanel(
        4,
        'Configurations in use',
        { x: 18, y: 0, w: 6, h: 4 },
        [
          {
            expr: `count(count_values("config_hash", alertmanager_config_hash{${am}}))`,
            legendFormat: 'configurations',
          },
        ],
        { unit: 'short', thresholds: [[2, 'orange']] },
      ),
      timeseriesPanel(
        5,
        'Alerts by state',
        { x: 0, y: 4, w: 12, h: 8 },
        [
          {
            expr: `namespace_state:alertmanager_alerts:max{${am}}`,
            legendFormat: '{{state}}',
          },
        ],
        { unit: 'short', min: 0, stacked: true },
      ),
      timeseriesPanel(
        6,
        'Alerts received per pod',
        { x: 12, y: 4, w: 12, h: 8 },
        [
          {
            expr: `sum by (pod) (rate(alertmanager_alerts_received_total{${am}}[$__rate_interval]))`,
            legendFormat: '{{pod}}',
          },
        ],
        { unit: 'ops', min: 0, links: [podLogsLink(namespace)] },
      ),
      timeseriesPanel(
        7,
        'Notifications per integration',
        { x: 0, y: 12, w: 12, h: 8 },
        [
          {
            expr: `namespace_integration:alertmanager_notifications:rate5m{${am}} > 0`,
            legendFormat: '{{integration}}',
          },
        ],
        { unit: 'ops', min: 0 },
      ),
      timeseriesPanel(
        8,
        'Failed notifications per integration',
        { x: 12, y: 12, w: 12, h: 8 },
        [
          {
            expr: `namespace_integration:alertmanager_notifications_failed:rate5m{${am}} > 0`,
            legendFormat: '{{integration}}',
          },
        ],
        { unit: 'ops', min: 0, thresholds: [[0.001, 'red']] },
      ),
      timeseriesPanel(
        9,
        'Notification latency p99 per integration',
        { x: 0, y: 20, w: 12, h: 8 },
        [
          {
            expr: `histogram_quantile(0.99, sum by (integration, le) (rate(alertmanager_notification_latency_seconds_bucket{${am}}[$__rate_interval])))`,
            legendFormat: '{{integration}}',
          },
        ],
        { unit: 's', min: 0 },
      ),
      timeseriesPanel(
        10,
        'Cluster members seen per pod',
        { x: 12, y: 20, w: 12, h: 8 },
        [
          { expr: `alertmanager_cluster_members{${am}}`, legendFormat: 'members {{pod}}' },
          {
            expr: `alertmanager_cluster_failed_peers{${am}}`,
            legendFormat: 'failed peers {{pod}}',
          },
        ],
        { unit: 'short', min: 0, links: [podLogsLink(namespace)] },
      ),
    ],
  );
}
