import { dashboardModel, statPanel, timeseriesPanel } from '../grafana/dashboard-panels';

/** Prometheus' self-scrape job: each server's own metrics. */
const SELF = 'job="prometheus"';

/**
 * The built-in `prometheus` dashboard: targets up per job, samples ingested, head series,
 * rule evaluations and their failures, alert notifications and remote write, on the
 * recording rules of the Prometheus mixin (`prometheus-rules`) and Prometheus' own metrics.
 */
export function prometheusDashboard(): Record<string, unknown> {
  return dashboardModel(
    'prometheus',
    'Prometheus',
    ['prometheus', 'observability-stack'],
    [],
    [
      statPanel(
        1,
        'Targets up',
        { x: 0, y: 0, w: 6, h: 4 },
        [{ expr: 'sum(job:up:sum) / sum(job:up:count)', legendFormat: 'up' }],
        {
          unit: 'percentunit',
          min: 0,
          max: 1,
          thresholds: [
            [0, 'red'],
            [0.9, 'orange'],
            [0.99, 'green'],
          ],
        },
      ),
      statPanel(
        2,
        'Head series',
        { x: 6, y: 0, w: 6, h: 4 },
        [{ expr: `max(prometheus_tsdb_head_series{${SELF}})`, legendFormat: 'series' }],
        { unit: 'short' },
      ),
      statPanel(
        3,
        'Configuration loaded',
        { x: 12, y: 0, w: 6, h: 4 },
        [
          {
            expr: `min(prometheus_config_last_reload_successful{${SELF}})`,
            legendFormat: 'config',
          },
        ],
        {
          unit: 'none',
          valueMappings: {
            '0': { text: 'failed', color: 'red' },
            '1': { text: 'ok', color: 'green' },
          },
        },
      ),
      statPanel(
        4,
        'Alertmanagers discovered',
        { x: 18, y: 0, w: 6, h: 4 },
        [
          {
            expr: `min(prometheus_notifications_alertmanagers_discovered{${SELF}})`,
            legendFormat: 'alertmanagers',
          },
        ],
        { unit: 'short', thresholds: [[0, 'red']] },
      ),
      timeseriesPanel(
        5,
        'Targets down per job',
        { x: 0, y: 4, w: 12, h: 8 },
        [{ expr: 'job:up:count - job:up:sum', legendFormat: '{{job}}' }],
        { unit: 'short', min: 0, stacked: true },
      ),
      timeseriesPanel(
        6,
        'Samples ingested',
        { x: 12, y: 4, w: 12, h: 8 },
        [
          {
            expr: 'instance:prometheus_tsdb_head_samples_appended:rate5m',
            legendFormat: '{{instance}}',
          },
        ],
        { unit: 'short', min: 0 },
      ),
      timeseriesPanel(
        7,
        'Head series and chunks',
        { x: 0, y: 12, w: 12, h: 8 },
        [
          { expr: `prometheus_tsdb_head_series{${SELF}}`, legendFormat: 'series {{instance}}' },
          { expr: `prometheus_tsdb_head_chunks{${SELF}}`, legendFormat: 'chunks {{instance}}' },
        ],
        { unit: 'short', min: 0 },
      ),
      timeseriesPanel(
        8,
        'Rule evaluations and failures',
        { x: 12, y: 12, w: 12, h: 8 },
        [
          {
            expr: 'instance:prometheus_rule_evaluations:rate5m',
            legendFormat: 'evaluations {{instance}}',
          },
          {
            expr: 'instance:prometheus_rule_evaluation_failures:rate5m',
            legendFormat: 'failures {{instance}}',
          },
        ],
        { unit: 'ops', min: 0 },
      ),
      timeseriesPanel(
        9,
        'Rule group duration / interval',
        { x: 0, y: 20, w: 12, h: 8 },
        [
          {
            expr: `prometheus_rule_group_last_duration_seconds{${SELF}} / prometheus_rule_group_interval_seconds{${SELF}}`,
            legendFormat: '{{rule_group}}',
          },
        ],
        {
          unit: 'percentunit',
          min: 0,
          thresholds: [
            [0.8, 'orange'],
            [1, 'red'],
          ],
        },
      ),
      timeseriesPanel(
        10,
        'Alert notifications',
        { x: 12, y: 20, w: 12, h: 8 },
        [
          {
            expr: 'instance:prometheus_notifications_sent:rate5m',
            legendFormat: 'sent {{instance}}',
          },
          {
            expr: 'instance:prometheus_notifications_errors:rate5m',
            legendFormat: 'errors {{instance}}',
          },
          {
            expr: `sum by (instance) (rate(prometheus_notifications_dropped_total{${SELF}}[$__rate_interval]))`,
            legendFormat: 'dropped {{instance}}',
          },
        ],
        { unit: 'ops', min: 0 },
      ),
      timeseriesPanel(
        11,
        'Remote write samples sent',
        { x: 0, y: 28, w: 12, h: 8 },
        [
          {
            expr: 'instance_remote_name:prometheus_remote_storage_samples:rate5m',
            legendFormat: '{{remote_name}} {{instance}}',
          },
        ],
        { unit: 'short', min: 0 },
      ),
      timeseriesPanel(
        12,
        'Remote write lag',
        { x: 12, y: 28, w: 12, h: 8 },
        [
          {
            expr: 'instance_remote_name:prometheus_remote_storage_lag_seconds:max5m',
            legendFormat: '{{remote_name}} {{instance}}',
          },
        ],
        {
          unit: 's',
          min: 0,
          thresholds: [
            [60, 'orange'],
            [120, 'red'],
          ],
        },
      ),
    ],
  );
}
