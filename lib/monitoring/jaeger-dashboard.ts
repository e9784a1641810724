import {
  dashboardModel,
  labelValuesVariable,
  statPanel,
  timeseriesPanel,
} from '../grafana/dashboard-panels';
import { podLogsLink, tracesLink } from './dashboard-links';

/**
 * The `jaeger` dashboard, on the OpenTelemetry Collector telemetry of the Jaeger pods and the
 * mixin's recording rules: spans received, refused and failed by the receivers, spans
 * written and failed by the storage exporter, batch sizes and memory. Panels link to a
 * trace search (`jaeger` data source) and to the logs of the pod of a series.
 */
export function jaegerDashboard(namespace: string): Record<string, unknown> {
  const links = [tracesLink(), podLogsLink(namespace)];
  // Other OpenTelemetry Collectors in the cluster export the same otelcol_ series.
  const POD = `namespace="${namespace}", pod=~"$pod"`;
  return dashboardModel(
    'jaeger',
    'Jaeger',
    ['observability-stack', 'jaeger'],
    [
      labelValuesVariable(
        'pod',
        'Pod',
        `otelcol_process_uptime_seconds_total{namespace="${namespace}"}`,
      ),
    ],
    [
      statPanel(
        1,
        'Spans accepted (per second)',
        { x: 0, y: 0, w: 8, h: 5 },
        [
          {
            expr: `sum(pod:jaeger_spans_accepted:rate5m{${POD}}) or vector(0)`,
            legendFormat: 'accepted',
          },
        ],
        { unit: 'ops', links: [tracesLink()] },
      ),
      statPanel(
        2,
        'Spans refused (per second)',
        { x: 8, y: 0, w: 8, h: 5 },
        [
          {
            expr: `sum(pod:jaeger_spans_refused:rate5m{${POD}}) or vector(0)`,
            legendFormat: 'refused',
          },
        ],
        { unit: 'ops', thresholds: [[0.001, 'red']] },
      ),
      statPanel(
        3,
        'Spans failed to store (per second)',
        { x: 16, y: 0, w: 8, h: 5 },
        [
          {
            expr: `sum(pod:jaeger_spans_export_failed:rate5m{${POD}}) or vector(0)`,
            legendFormat: 'failed',
          },
        ],
        { unit: 'ops', thresholds: [[0.001, 'red']] },
      ),
      timeseriesPanel(
        4,
        'Spans received per receiver',
        { x: 0, y: 5, w: 12, h: 8 },
        [
          {
            expr: `sum by (pod, receiver, transport) (rate(otelcol_receiver_accepted_spans_total{${POD}}[$__rate_interval]))`,
            legendFormat: '{{pod}} {{receiver}}/{{transport}}',
          },
        ],
        { unit: 'ops', links },
      ),
      timeseriesPanel(
        5,
        'Spans refused and failed by the receivers',
        { x: 12, y: 5, w: 12, h: 8 },
        [
          {
            expr: `sum by (pod, receiver) (rate(otelcol_receiver_refused_spans_total{${POD}}[$__rate_interval]))`,
            legendFormat: '{{pod}} {{receiver}} refused',
          },
          {
            expr: `sum by (pod, receiver) (rate(otelcol_receiver_failed_spans_total{${POD}}[$__rate_interval]))`,
            legendFormat: '{{pod}} {{receiver}} failed',
          },
        ],
        { unit: 'ops', links },
      ),
      timeseriesPanel(
        6,
        'Spans stored and failed per pod',
        { x: 0, y: 13, w: 12, h: 8 },
        [
          { expr: `pod:jaeger_spans_exported:rate5m{${POD}}`, legendFormat: '{{pod}} stored' },
          { expr: `pod:jaeger_spans_export_failed:rate5m{${POD}}`, legendFormat: '{{pod}} failed' },
        ],
        { unit: 'ops', links },
      ),
      timeseriesPanel(
        7,
        'Batch size (spans per batch, mean)',
        { x: 12, y: 13, w: 12, h: 8 },
        [
          {
            expr: `sum by (pod) (rate(otelcol_processor_batch_batch_send_size_sum{${POD}}[$__rate_interval])) / sum by (pod) (rate(otelcol_processor_batch_batch_send_size_count{${POD}}[$__rate_interval]))`,
            legendFormat: '{{pod}}',
          },
        ],
        { unit: 'short', links },
      ),
      timeseriesPanel(
        8,
        'Memory (RSS) per pod',
        { x: 0, y: 21, w: 24, h: 8 },
        [
          {
            expr: `max by (pod) (otelcol_process_memory_rss_bytes{${POD}})`,
            legendFormat: '{{pod}}',
          },
        ],
        { unit: 'bytes', links },
      ),
    ],
  );
}
