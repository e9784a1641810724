import { AI_COST_FIELD } from './kibana-data-view';
import { DashboardPanel, KibanaDashboard } from './kibana-dashboards';
import { LensMetric, LensTerms, XySeriesType } from './kibana-lens';
import { LOG_QUERIES, STACK_TRACES_SEARCH } from './kibana-searches';

const logs: LensMetric = { operation: 'count', label: 'Logs' };
const errors: LensMetric = { operation: 'count', label: 'Errors' };
const topServices = (size: number): LensTerms => ({
  operation: 'terms',
  field: 'service.name',
  size,
  label: 'Service',
});
const p95Latency: LensMetric = {
  operation: 'percentile',
  field: 'event.duration',
  percentile: 95,
  label: 'p95 response time',
};
const aiCost: LensMetric = {
  operation: 'sum',
  field: AI_COST_FIELD,
  label: 'AI cost (USD)',
  decimals: 2,
};
const tokenTotal = (kind: 'prompt' | 'completion', label: string, x: number): DashboardPanel => ({
  grid: { x, y: 0, w: 16, h: 8 },
  lens: {
    id: `observability-ai-${kind}-tokens`,
    title: label,
    query: LOG_QUERIES.aiTokens,
    chart: {
      type: 'metric',
      metric: { operation: 'sum', field: `labels.${kind}_tokens`, label, decimals: 0 },
    },
  },
});

/** Totals, error and warning counts, level distribution, logs per service, error timeline. */
export const OVERVIEW_DASHBOARD: KibanaDashboard = {
  id: 'observability-overview',
  title: 'Logs overview',
  description: 'How much every service logs, and how much of it is errors and warnings.',
  timeFrom: 'now-24h',
  refreshSeconds: 30,
  panels: [
    {
      grid: { x: 0, y: 0, w: 16, h: 6 },
      lens: {
        id: 'observability-total-logs',
        title: 'Total logs',
        chart: { type: 'metric', metric: logs },
      },
    },
    {
      grid: { x: 16, y: 0, w: 16, h: 6 },
      lens: {
        id: 'observability-error-count',
        title: 'Errors',
        chart: {
          type: 'metric',
          metric: { operation: 'count', label: 'Errors', filter: LOG_QUERIES.errors },
        },
      },
    },
    {
      grid: { x: 32, y: 0, w: 16, h: 6 },
      lens: {
        id: 'observability-warning-count',
        title: 'Warnings',
        chart: {
          type: 'metric',
          metric: { operation: 'count', label: 'Warnings', filter: LOG_QUERIES.warnings },
        },
      },
    },
    {
      grid: { x: 0, y: 6, w: 16, h: 14 },
      lens: {
        id: 'observability-level-distribution',
        title: 'Log levels',
        chart: {
          type: 'donut',
          slices: { operation: 'terms', field: 'log.level', size: 10, label: 'Level' },
          metric: logs,
        },
      },
    },
    {
      grid: { x: 16, y: 6, w: 32, h: 14 },
      lens: {
        id: 'observability-logs-per-service',
        title: 'Logs per service',
        chart: { type: 'xy', series: XySeriesType.BAR_HORIZONTAL, x: topServices(20), y: [logs] },
      },
    },
    {
      grid: { x: 0, y: 20, w: 48, h: 12 },
      lens: {
        id: 'observability-error-timeline',
        title: 'Errors over time',
        query: LOG_QUERIES.errors,
        chart: {
          type: 'xy',
          series: XySeriesType.BAR_STACKED,
          x: { operation: 'date_histogram' },
          y: [errors],
          breakdown: topServices(10),
        },
      },
    },
  ],
};

/** Top error types by service, their trend and the latest stack traces. */
export const ERROR_ANALYSIS_DASHBOARD: KibanaDashboard = {
  id: 'observability-error-analysis',
  title: 'Error analysis',
  description: 'Which services fail, with which error types, and the stack traces behind them.',
  timeFrom: 'now-24h',
  refreshSeconds: 30,
  panels: [
    {
      grid: { x: 0, y: 0, w: 24, h: 15 },
      lens: {
        id: 'observability-top-error-types',
        title: 'Top error types by service',
        query: LOG_QUERIES.errors,
        chart: {
          type: 'table',
          rows: [
            topServices(10),
            { operation: 'terms', field: 'error.type', size: 10, label: 'Error type' },
          ],
          metrics: [errors],
        },
      },
    },
    {
      grid: { x: 24, y: 0, w: 24, h: 15 },
      lens: {
        id: 'observability-error-types-over-time',
        title: 'Error types over time',
        query: LOG_QUERIES.errors,
        chart: {
          type: 'xy',
          series: XySeriesType.BAR_STACKED,
          x: { operation: 'date_histogram' },
          y: [errors],
          breakdown: { operation: 'terms', field: 'error.type', size: 10, label: 'Error type' },
        },
      },
    },
    { grid: { x: 0, y: 15, w: 48, h: 20 }, search: STACK_TRACES_SEARCH },
  ],
};

/** p95 of ECS `event.duration` of API logs, overall, over time and per endpoint. */
export const API_LATENCY_DASHBOARD: KibanaDashboard = {
  id: 'observability-api-response-time',
  title: 'API response time',
  description: 'p95 of event.duration of API logs (labels.event_domain: api).',
  timeFrom: 'now-24h',
  refreshSeconds: 30,
  panels: [
    {
      grid: { x: 0, y: 0, w: 12, h: 12 },
      lens: {
        id: 'observability-api-p95',
        title: 'p95 response time',
        query: LOG_QUERIES.api,
        chart: { type: 'metric', metric: p95Latency },
      },
    },
    {
      grid: { x: 12, y: 0, w: 36, h: 12 },
      lens: {
        id: 'observability-api-p95-over-time',
        title: 'p95 response time by service',
        query: LOG_QUERIES.api,
        chart: {
          type: 'xy',
          series: XySeriesType.LINE,
          x: { operation: 'date_histogram' },
          y: [p95Latency],
          breakdown: topServices(10),
        },
      },
    },
    {
      grid: { x: 0, y: 12, w: 48, h: 15 },
      lens: {
        id: 'observability-api-p95-by-endpoint',
        title: 'Slowest endpoints',
        query: LOG_QUERIES.api,
        chart: {
          type: 'table',
          rows: [
            topServices(10),
            { operation: 'terms', field: 'url.path', size: 20, label: 'Endpoint' },
          ],
          metrics: [p95Latency, { operation: 'count', label: 'Requests' }],
        },
      },
    },
  ],
};

/** Daily cost of AI requests from their token counts and the configured prices. */
export const AI_COST_DASHBOARD: KibanaDashboard = {
  id: 'observability-ai-cost',
  title: 'AI cost per day',
  description: `Cost of AI requests: token counts times the prices of the data view's ${AI_COST_FIELD} runtime field.`,
  timeFrom: 'now-30d',
  refreshSeconds: 300,
  panels: [
    {
      grid: { x: 0, y: 0, w: 16, h: 8 },
      lens: {
        id: 'observability-ai-cost-total',
        title: 'AI cost',
        query: LOG_QUERIES.aiTokens,
        chart: { type: 'metric', metric: aiCost },
      },
    },
    tokenTotal('prompt', 'Prompt tokens', 16),
    tokenTotal('completion', 'Completion tokens', 32),
    {
      grid: { x: 0, y: 8, w: 48, h: 14 },
      lens: {
        id: 'observability-ai-cost-per-day',
        title: 'AI cost per day',
        query: LOG_QUERIES.aiTokens,
        chart: {
          type: 'xy',
          series: XySeriesType.BAR_STACKED,
          x: { operation: 'date_histogram', interval: '1d' },
          y: [aiCost],
          breakdown: topServices(10),
        },
      },
    },
    {
      grid: { x: 0, y: 22, w: 48, h: 12 },
      lens: {
        id: 'observability-ai-cost-by-service',
        title: 'AI cost by service',
        query: LOG_QUERIES.aiTokens,
        chart: {
          type: 'table',
          rows: [topServices(20)],
          metrics: [
            aiCost,
            {
              operation: 'sum',
              field: 'labels.prompt_tokens',
              label: 'Prompt tokens',
              decimals: 0,
            },
            {
              operation: 'sum',
              field: 'labels.completion_tokens',
              label: 'Completion tokens',
              decimals: 0,
            },
          ],
        },
      },
    },
  ],
};

/** The dashboards docs/architecture.md#54-kibana asks for, in menu order. */
export const LOG_DASHBOARDS: readonly KibanaDashboard[] = [
  OVERVIEW_DASHBOARD,
  ERROR_ANALYSIS_DASHBOARD,
  API_LATENCY_DASHBOARD,
  AI_COST_DASHBOARD,
];
