import { dashboardModel, statPanel, timeseriesPanel } from '../grafana/dashboard-panels';

const API = 'job="apiserver"';
const P99 = 'verb_resource_scope:apiserver_request_duration_seconds:p99_rate5m';

/**
 * The `apiserver` dashboard, on the control-plane mixin's recording rules: availability and
 * error budget of the 99 % objective, request rates and error ratios per verb class, slow
 * requests, the slowest verbs and resources, terminated requests, aggregated APIs and the
 * API clients that fail.
 */
export function apiServerDashboard(): Record<string, unknown> {
  return dashboardModel(
    'apiserver',
    'Kubernetes API server',
    ['kubernetes', 'control-plane', 'apiserver'],
    [],
    [
      statPanel(
        1,
        'Availability (30 days)',
        { x: 0, y: 0, w: 6, h: 6 },
        [
          {
            expr: 'verb_class:apiserver_request_availability:ratio_30d',
            legendFormat: '{{verb_class}}',
          },
        ],
        {
          unit: 'percentunit',
          thresholds: [
            [0, 'red'],
            [0.99, 'green'],
          ],
        },
      ),
      statPanel(
        2,
        'Error budget left (30 days)',
        { x: 6, y: 0, w: 6, h: 6 },
        [
          {
            expr: '1 - (1 - verb_class:apiserver_request_availability:ratio_30d) / 0.01',
            legendFormat: '{{verb_class}}',
          },
        ],
        {
          unit: 'percentunit',
          thresholds: [
            [0, 'red'],
            [0.25, 'orange'],
            [0.5, 'green'],
          ],
        },
      ),
      timeseriesPanel(
        3,
        'Requests per verb class and code class',
        { x: 12, y: 0, w: 12, h: 6 },
        [
          {
            expr: 'verb_class_code_class:apiserver_requests:rate5m',
            legendFormat: '{{verb_class}} {{code_class}}',
          },
        ],
        { unit: 'reqps', stacked: true },
      ),
      timeseriesPanel(
        4,
        'Error ratio (5xx) over 5m, 1h and 6h',
        { x: 0, y: 6, w: 12, h: 8 },
        ['5m', '1h', '6h'].map((w) => ({
          expr: `verb_class:apiserver_request_errors:ratio_rate${w}`,
          legendFormat: `{{verb_class}} ${w}`,
        })),
        { unit: 'percentunit', min: 0, thresholds: [[0.01, 'orange']] },
      ),
      timeseriesPanel(
        5,
        'Single-object requests slower than 1s',
        { x: 12, y: 6, w: 12, h: 8 },
        [
          {
            expr: 'verb_class:apiserver_request_slow:ratio_rate5m',
            legendFormat: '{{verb_class}}',
          },
        ],
        { unit: 'percentunit', min: 0 },
      ),
      timeseriesPanel(
        6,
        'Slowest requests (p99, top 10)',
        { x: 0, y: 14, w: 12, h: 8 },
        [{ expr: `topk(10, ${P99})`, legendFormat: '{{verb}} {{resource}} ({{scope}})' }],
        { unit: 's', thresholds: [[1, 'orange']] },
      ),
      timeseriesPanel(
        7,
        'Terminated requests',
        { x: 12, y: 14, w: 12, h: 8 },
        [
          {
            expr: `sum by (code) (rate(apiserver_request_terminations_total{${API}}[$__rate_interval]))`,
            legendFormat: '{{code}}',
          },
        ],
        { unit: 'reqps' },
      ),
      timeseriesPanel(
        8,
        'Requests in flight',
        { x: 0, y: 22, w: 8, h: 8 },
        [
          {
            expr: `sum by (request_kind) (apiserver_current_inflight_requests{${API}})`,
            legendFormat: '{{request_kind}}',
          },
        ],
        { unit: 'short' },
      ),
      timeseriesPanel(
        9,
        'Aggregated APIs unavailable',
        { x: 8, y: 22, w: 8, h: 8 },
        [
          {
            expr: `max by (name) (aggregator_unavailable_apiservice{${API}})`,
            legendFormat: '{{name}}',
          },
        ],
        { unit: 'short', min: 0, max: 1 },
      ),
      timeseriesPanel(
        10,
        'API clients failing (5xx or not sent)',
        { x: 16, y: 22, w: 8, h: 8 },
        [
          {
            expr: 'sum by (job, instance) (rate(rest_client_requests_total{code=~"5..|<error>"}[$__rate_interval])) > 0',
            legendFormat: '{{job}} {{instance}}',
          },
        ],
        { unit: 'reqps' },
      ),
    ],
  );
}
