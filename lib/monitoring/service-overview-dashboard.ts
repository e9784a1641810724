import { DatasourceUids } from '../grafana/grafana-config';

const PROMETHEUS = { type: 'prometheus', uid: DatasourceUids.prometheus };
const SELECTOR = 'service=~"$service"';

function timeseries(
  id: number,
  title: string,
  unit: string,
  expr: string,
  gridPos: { x: number; y: number; w: number; h: number },
  exemplar = false,
): object {
  return {
    id,
    type: 'timeseries',
    title,
    datasource: PROMETHEUS,
    gridPos,
    fieldConfig: { defaults: { unit, custom: { lineWidth: 1, fillOpacity: 10 } }, overrides: [] },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', calcs: ['mean', 'max', 'lastNotNull'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    targets: [
      {
        refId: 'A',
        datasource: PROMETHEUS,
        expr,
        legendFormat: '{{service}}',
        exemplar,
        range: true,
      },
    ],
  };
}

/**
 * The built-in `service-overview` dashboard: request rate, 5xx error ratio and
 * p95 latency per service, from `http_requests_total` and
 * `http_request_duration_seconds_bucket`. Latency shows exemplars, which link to
 * their traces in Jaeger through the Prometheus data source.
 */
export function serviceOverviewDashboard(): Record<string, unknown> {
  const rate = (selector: string) =>
    `sum by (service) (rate(http_requests_total{${selector}}[$__rate_interval]))`;
  return {
    uid: 'service-overview',
    title: 'Service overview',
    tags: ['services', 'red'],
    editable: false,
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    timezone: 'browser',
    templating: {
      list: [
        {
          name: 'service',
          label: 'Service',
          type: 'query',
          datasource: PROMETHEUS,
          query: { query: 'label_values(http_requests_total, service)', refId: 'service' },
          definition: 'label_values(http_requests_total, service)',
          refresh: 2,
          multi: true,
          includeAll: true,
          allValue: '.*',
          current: { text: 'All', value: '$__all' },
          sort: 1,
        },
      ],
    },
    panels: [
      timeseries(1, 'Request rate', 'reqps', rate(SELECTOR), { x: 0, y: 0, w: 12, h: 8 }),
      timeseries(
        2,
        'Error ratio (5xx)',
        'percentunit',
        `${rate(`${SELECTOR}, status=~"5.."`)} / ${rate(SELECTOR)}`,
        { x: 12, y: 0, w: 12, h: 8 },
      ),
      timeseries(
        3,
        'Latency p95',
        's',
        `histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket{${SELECTOR}}[$__rate_interval])))`,
        { x: 0, y: 8, w: 24, h: 9 },
        true,
      ),
    ],
  };
}
