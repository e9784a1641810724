import { DatasourceUids } from './grafana-config';

/** The Prometheus data source reference every built-in panel and query uses. */
export const PROMETHEUS_DATASOURCE = {
  type: 'prometheus',
  uid: DatasourceUids.prometheus,
} as const;

/**
 * Refresh intervals offered by the time picker. Grafana drops the ones below
 * `dashboards.min_refresh_interval`, which grafana.ini sets to 1s.
 */
export const REFRESH_INTERVALS = ['1s', '5s', '10s', '30s', '1m', '5m', '15m', '30m', '1h'];

/** Position of a panel on the 24-column dashboard grid. */
export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** One PromQL query of a panel. */
export interface PanelQuery {
  readonly expr: string;
  /** Series name, e.g. `{{namespace}}`. */
  readonly legendFormat: string;
}

/** How a panel is drawn. */
export interface PanelOptions {
  /** Grafana unit id, e.g. `percentunit`, `bytes`, `ops`. */
  readonly unit: string;
  /** Fixed axis/gauge range, for ratios. @default - automatic */
  readonly min?: number;
  readonly max?: number;
  /** Colour steps: `[value, colour]`, ascending. @default - green only */
  readonly thresholds?: ReadonlyArray<readonly [number, string]>;
  /** Stat panels: value -> text and colour. @default - none */
  readonly valueMappings?: Readonly<
    Record<string, { readonly text: string; readonly color: string }>
  >;
  /** Timeseries panels: stack the series. @default false */
  readonly stacked?: boolean;
  /**
   * Data links of every value (`fieldConfig.defaults.links`), such as to the logs of the
   * series' pod in Explore; the URL may use `${__field.labels.<label>}`. @default - none
   */
  readonly links?: readonly PanelLink[];
}

/** A data link of a panel's values. */
export interface PanelLink {
  readonly title: string;
  /** Grafana-relative or absolute URL, with Grafana's data link variables. */
  readonly url: string;
  /** Open in a new tab. @default false */
  readonly targetBlank?: boolean;
}

/**
 * A data link to Grafana Explore (the `panes` URL of Grafana 10 and later) on one data source
 * with one query, over the panel's time range. `query` is the data source's query object without
 * `refId` and `datasource`, such as `{ query: 'kubernetes.pod.name:"${__field.labels.pod}"' }` for
 * Elasticsearch (Lucene) or `{ queryType: 'search', service: 'checkout' }` for Jaeger. Grafana's
 * `${...}` variables stay unencoded in the URL, so that Grafana fills them in.
 */
export function exploreLink(
  title: string,
  datasource: { readonly type: string; readonly uid: string },
  query: Readonly<Record<string, unknown>>,
): PanelLink {
  const panes = {
    a: {
      datasource: datasource.uid,
      queries: [{ refId: 'A', datasource, ...query }],
      range: { from: '${__from}', to: '${__to}' },
    },
  };
  const encoded = encodeURIComponent(JSON.stringify(panes)).replace(
    /%24%7B((?:[\w.]|%3A)+)%7D/g,
    (_, name: string) => `\${${decodeURIComponent(name)}}`,
  );
  return { title, url: `/explore?schemaVersion=1&orgId=1&panes=${encoded}` };
}

const REF_IDS = 'ABCDEFGHIJ';

function targets(queries: readonly PanelQuery[]): object[] {
  return queries.map((q, i) => ({
    refId: REF_IDS[i],
    datasource: PROMETHEUS_DATASOURCE,
    expr: q.expr,
    legendFormat: q.legendFormat,
    range: true,
  }));
}

function fieldDefaults(options: PanelOptions): Record<string, unknown> {
  const steps = [
    { color: 'green', value: null },
    ...(options.thresholds ?? []).map(([value, color]) => ({ color, value })),
  ];
  return {
    unit: options.unit,
    min: options.min,
    max: options.max,
    thresholds: { mode: 'absolute', steps },
    mappings: options.valueMappings ? [{ type: 'value', options: options.valueMappings }] : [],
    ...(options.links
      ? {
          links: options.links.map((l) => ({
            title: l.title,
            url: l.url,
            targetBlank: l.targetBlank ?? false,
          })),
        }
      : {}),
  };
}

/** A time series panel on the Prometheus data source. */
export function timeseriesPanel(
  id: number,
  title: string,
  gridPos: GridPos,
  queries: readonly PanelQuery[],
  options: PanelOptions,
): object {
  const defaults = fieldDefaults(options);
  return {
    id,
    type: 'timeseries',
    title,
    datasource: PROMETHEUS_DATASOURCE,
    gridPos,
    fieldConfig: {
      defaults: {
        ...defaults,
        custom: {
          lineWidth: 1,
          fillOpacity: options.stacked ? 30 : 10,
          stacking: { mode: options.stacked ? 'normal' : 'none', group: 'A' },
          // Threshold lines show how close a ratio is to its alert.
          thresholdsStyle: { mode: options.thresholds ? 'line' : 'off' },
        },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', calcs: ['mean', 'max', 'lastNotNull'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    targets: targets(queries),
  };
}

/** A stat panel (last value) on the Prometheus data source. */
export function statPanel(
  id: number,
  title: string,
  gridPos: GridPos,
  queries: readonly PanelQuery[],
  options: PanelOptions,
): object {
  return {
    id,
    type: 'stat',
    title,
    datasource: PROMETHEUS_DATASOURCE,
    gridPos,
    fieldConfig: { defaults: fieldDefaults(options), overrides: [] },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'background',
      graphMode: 'none',
      textMode: 'value_and_name',
      justifyMode: 'auto',
      orientation: 'auto',
    },
    targets: targets(queries),
  };
}

/** A multi-value query variable filled from `label_values(<metric>, <label>)`. */
export function labelValuesVariable(name: string, label: string, metric: string): object {
  const definition = `label_values(${metric}, ${name})`;
  return {
    name,
    label,
    type: 'query',
    datasource: PROMETHEUS_DATASOURCE,
    query: { query: definition, refId: name },
    definition,
    // 2: refresh the values when the time range changes.
    refresh: 2,
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: { text: 'All', value: '$__all' },
    sort: 1,
  };
}

/** The dashboard envelope shared by the built-in dashboards. */
export function dashboardModel(
  uid: string,
  title: string,
  tags: string[],
  variables: object[],
  panels: object[],
): Record<string, unknown> {
  return {
    uid,
    title,
    tags,
    editable: false,
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    timepicker: { refresh_intervals: REFRESH_INTERVALS },
    timezone: 'browser',
    templating: { list: variables },
    panels,
  };
}
