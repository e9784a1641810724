import { dashboardModel, statPanel, timeseriesPanel } from '../grafana/dashboard-panels';
import { elasticsearchHealthPanel } from './elasticsearch-dashboard';

/** Which optional components the stack runs: panels on the metrics of one it does not are left out. */
export interface StackHealthDashboardOptions {
  /** The Elasticsearch exporter (cluster health, data disk panels). @default true */
  readonly elasticsearchExporter?: boolean;
  /** Logstash with its exporter sidecar (pipeline throughput panel). @default true */
  readonly logstash?: boolean;
}

const ES_PANELS = [3, 6];
const LOGSTASH_PANELS = [7];

/**
 * The built-in `stack-health` dashboard: the observability stack watching
 * itself, on the same metrics as the stack alert rules. Scrape targets up per
 * job, Elasticsearch health and data disk (elasticsearch_exporter), Logstash
 * pipeline throughput (logstash-exporter), spans accepted, refused and failed
 * by the Jaeger v2 collector (OpenTelemetry Collector telemetry), Prometheus
 * rule evaluation and ingestion, Alertmanager notifications, and the alerts
 * firing now.
 */
export function stackHealthDashboard(
  options: StackHealthDashboardOptions = {},
): Record<string, unknown> {
  const es = options.elasticsearchExporter ?? true;
  const logstash = options.logstash ?? true;
  // Panel ids stay those of the full dashboard, so links to a panel survive a component going.
  const panels = [
    statPanel(
      1,
      'Targets down',
      { x: 0, y: 0, w: 4, h: 6 },
      [
        {
          expr: 'count(up == 0) or vector(0)',
          legendFormat: 'down',
        },
      ],
      { unit: 'short', thresholds: [[1, 'red']] },
    ),
    statPanel(
      2,
      'Alerts firing',
      { x: 4, y: 0, w: 4, h: 6 },
      [
        {
          expr: 'count(ALERTS{alertstate="firing",alertname!="Watchdog"}) or vector(0)',
          legendFormat: 'firing',
        },
      ],
      { unit: 'short', thresholds: [[1, 'red']] },
    ),
    elasticsearchHealthPanel(3, 'Elasticsearch cluster health', { x: 8, y: 0, w: 6, h: 6 }),
    timeseriesPanel(
      4,
      'Targets up per job',
      { x: 14, y: 0, w: 10, h: 6 },
      [
        {
          expr: 'sum by (job) (up)',
          legendFormat: '{{job}} up',
        },
        {
          expr: 'count by (job) (up == 0)',
          legendFormat: '{{job}} down',
        },
      ],
      { unit: 'short' },
    ),
    timeseriesPanel(
      5,
      'Firing alerts',
      { x: 0, y: 6, w: 12, h: 8 },
      [
        {
          expr: 'count by (alertname, severity) (ALERTS{alertstate="firing"})',
          legendFormat: '{{alertname}} ({{severity}})',
        },
      ],
      { unit: 'short' },
    ),
    timeseriesPanel(
      6,
      'Elasticsearch data disk used',
      { x: 12, y: 6, w: 12, h: 8 },
      [
        {
          expr: '1 - elasticsearch_filesystem_data_available_bytes / elasticsearch_filesystem_data_size_bytes',
          legendFormat: '{{name}} {{path}}',
        },
      ],
      {
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: [
          [0.85, 'orange'],
          [0.9, 'red'],
        ],
      },
    ),
    timeseriesPanel(
      7,
      'Logstash events in / out',
      { x: 0, y: 14, w: 12, h: 8 },
      [
        {
          expr: 'sum by (pipeline) (rate(logstash_stats_pipeline_events_in[$__rate_interval]))',
          legendFormat: '{{pipeline}} in',
        },
        {
          expr: 'sum by (pipeline) (rate(logstash_stats_pipeline_events_out[$__rate_interval]))',
          legendFormat: '{{pipeline}} out',
        },
      ],
      { unit: 'ops' },
    ),
    timeseriesPanel(
      8,
      'Jaeger spans received / refused / export failures',
      { x: 12, y: 14, w: 12, h: 8 },
      [
        {
          expr: 'sum by (receiver) (rate(otelcol_receiver_accepted_spans_total[$__rate_interval]))',
          legendFormat: '{{receiver}} accepted',
        },
        {
          expr: 'sum by (receiver) (rate(otelcol_receiver_refused_spans_total[$__rate_interval]))',
          legendFormat: '{{receiver}} refused',
        },
        {
          expr: 'sum by (exporter) (rate(otelcol_exporter_send_failed_spans_total[$__rate_interval]))',
          legendFormat: '{{exporter}} export failed',
        },
      ],
      { unit: 'ops' },
    ),
    timeseriesPanel(
      9,
      'Prometheus rule evaluation failures',
      { x: 0, y: 22, w: 8, h: 8 },
      [
        {
          expr: 'sum by (rule_group) (rate(prometheus_rule_evaluation_failures_total[$__rate_interval]))',
          legendFormat: '{{rule_group}}',
        },
      ],
      { unit: 'ops' },
    ),
    timeseriesPanel(
      10,
      'Prometheus ingestion (samples/s)',
      { x: 8, y: 22, w: 8, h: 8 },
      [
        {
          expr: 'sum by (job, instance) (rate(prometheus_tsdb_head_samples_appended_total[$__rate_interval]))',
          legendFormat: '{{job}} {{instance}}',
        },
      ],
      { unit: 'short' },
    ),
    timeseriesPanel(
      11,
      'Prometheus head series',
      { x: 16, y: 22, w: 8, h: 8 },
      [
        {
          expr: 'sum by (job, instance) (prometheus_tsdb_head_series)',
          legendFormat: '{{job}} {{instance}}',
        },
      ],
      { unit: 'short' },
    ),
    timeseriesPanel(
      12,
      'Alertmanager notifications / failures',
      { x: 0, y: 30, w: 24, h: 8 },
      [
        {
          expr: 'sum by (integration) (rate(alertmanager_notifications_total[$__rate_interval]))',
          legendFormat: '{{integration}} sent',
        },
        {
          expr: 'sum by (integration) (rate(alertmanager_notifications_failed_total[$__rate_interval]))',
          legendFormat: '{{integration}} failed',
        },
      ],
      { unit: 'ops' },
    ),
  ].filter((panel) => {
    const { id } = panel as { id: number };
    return (es || !ES_PANELS.includes(id)) && (logstash || !LOGSTASH_PANELS.includes(id));
  });
  return dashboardModel(
    'stack-health',
    'Observability stack health',
    ['observability', 'stack'],
    [],
    panels,
  );
}
