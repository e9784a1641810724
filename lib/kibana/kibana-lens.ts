import { KibanaSavedObject, savedObject, SavedObjectType } from './kibana-ndjson';

/** A value per bucket: the number a chart draws. */
export type LensMetric =
  | {
      readonly operation: 'count';
      readonly label: string;
      /** KQL that only this column counts, e.g. the errors among all logs. @default - every document */
      readonly filter?: string;
    }
  | {
      readonly operation: 'sum';
      readonly field: string;
      readonly label: string;
      /** Decimals shown. @default - the field's format */
      readonly decimals?: number;
    }
  | {
      readonly operation: 'percentile';
      readonly field: string;
      /** 1 to 99, e.g. 95. */
      readonly percentile: number;
      readonly label: string;
    };

/** The top values of a field. */
export interface LensTerms {
  readonly operation: 'terms';
  readonly field: string;
  /** How many values; the rest is left out. */
  readonly size: number;
  /** @default 'Top <size> values of <field>' */
  readonly label?: string;
}

/** Buckets over `@timestamp`. */
export interface LensDateHistogram {
  readonly operation: 'date_histogram';
  /** A fixed interval such as `1d`. @default 'auto' */
  readonly interval?: string;
}

export type LensBucket = LensTerms | LensDateHistogram;

/** Lens `seriesType` of an XY chart. */
export enum XySeriesType {
  BAR = 'bar',
  BAR_STACKED = 'bar_stacked',
  BAR_HORIZONTAL = 'bar_horizontal',
  LINE = 'line',
  AREA = 'area',
}

/** What is drawn, by visualization type. */
export type LensChart =
  /** One big number (`lnsMetric`). */
  | { readonly type: 'metric'; readonly metric: LensMetric }
  /** Bars, lines or areas (`lnsXY`); `breakdown` splits each series by the top values of a field. */
  | {
      readonly type: 'xy';
      readonly series: XySeriesType;
      readonly x: LensBucket;
      readonly y: readonly LensMetric[];
      readonly breakdown?: LensTerms;
    }
  /** A donut (`lnsPie` with shape `donut`). */
  | { readonly type: 'donut'; readonly slices: LensTerms; readonly metric: LensMetric }
  /** A table (`lnsDatatable`): one row per combination of `rows`, one column per metric. */
  | {
      readonly type: 'table';
      readonly rows: readonly LensTerms[];
      readonly metrics: readonly LensMetric[];
    };

/** A saved Lens visualization on the logs data view. */
export interface LensPanel {
  /** Saved object id. */
  readonly id: string;
  readonly title: string;
  /** @default '' */
  readonly description?: string;
  /** KQL that applies to the whole visualization. @default - every log */
  readonly query?: string;
  readonly chart: LensChart;
}

/** The one datasource layer of every generated visualization. */
export const LENS_LAYER_ID = 'layer-0';

/** Name of the reference that binds a formBased layer to its data view. */
export function lensLayerReferenceName(layerId: string): string {
  return `indexpattern-datasource-layer-${layerId}`;
}

const visualizationTypes: { readonly [T in LensChart['type']]: string } = {
  metric: 'lnsMetric',
  xy: 'lnsXY',
  donut: 'lnsPie',
  table: 'lnsDatatable',
};

function metricColumn(metric: LensMetric): object {
  const base = {
    label: metric.label,
    customLabel: true,
    dataType: 'number',
    isBucketed: false,
    scale: 'ratio',
  };
  switch (metric.operation) {
    case 'count':
      return {
        ...base,
        operationType: 'count',
        sourceField: '___records___',
        ...(metric.filter !== undefined
          ? { filter: { query: metric.filter, language: 'kuery' } }
          : {}),
        // A count is 0, not empty, when nothing matched.
        params: { emptyAsNull: false },
      };
    case 'sum':
      return {
        ...base,
        operationType: 'sum',
        sourceField: metric.field,
        params: {
          emptyAsNull: true,
          ...(metric.decimals !== undefined
            ? { format: { id: 'number', params: { decimals: metric.decimals } } }
            : {}),
        },
      };
    case 'percentile':
      return {
        ...base,
        operationType: 'percentile',
        sourceField: metric.field,
        params: { percentile: metric.percentile },
      };
  }
}

function bucketColumn(bucket: LensBucket, orderByColumn: string): object {
  if (bucket.operation === 'date_histogram') {
    return {
      label: '@timestamp',
      dataType: 'date',
      operationType: 'date_histogram',
      sourceField: '@timestamp',
      isBucketed: true,
      scale: 'interval',
      params: { interval: bucket.interval ?? 'auto', includeEmptyRows: true, dropPartials: false },
    };
  }
  return {
    label: bucket.label ?? `Top ${bucket.size} values of ${bucket.field}`,
    customLabel: bucket.label !== undefined,
    dataType: 'string',
    operationType: 'terms',
    sourceField: bucket.field,
    isBucketed: true,
    scale: 'ordinal',
    params: {
      size: bucket.size,
      orderBy: { type: 'column', columnId: orderByColumn },
      orderDirection: 'desc',
      otherBucket: false,
      missingBucket: false,
      parentFormat: { id: 'terms' },
    },
  };
}

interface LayerColumns {
  /** Column id -> bucket, in column order (Lens puts bucketed columns first). */
  readonly buckets: ReadonlyArray<readonly [string, LensBucket]>;
  readonly metrics: ReadonlyArray<readonly [string, LensMetric]>;
}

const metricIds = (metrics: readonly LensMetric[]) =>
  metrics.map((m, i) => [`metric-${i}`, m] as const);

function chartColumns(chart: LensChart): LayerColumns {
  switch (chart.type) {
    case 'metric':
      return { buckets: [], metrics: metricIds([chart.metric]) };
    case 'xy':
      return {
        buckets: [
          ['x', chart.x],
          ...(chart.breakdown ? [['breakdown', chart.breakdown] as const] : []),
        ],
        metrics: metricIds(chart.y),
      };
    case 'donut':
      return { buckets: [['slices', chart.slices]], metrics: metricIds([chart.metric]) };
    case 'table':
      return {
        buckets: chart.rows.map((r, i) => [`row-${i}`, r] as const),
        metrics: metricIds(chart.metrics),
      };
  }
}

function visualizationState(chart: LensChart, columns: LayerColumns): object {
  const layer = { layerId: LENS_LAYER_ID, layerType: 'data' };
  const metricAccessors = columns.metrics.map(([id]) => id);
  switch (chart.type) {
    case 'metric':
      return { ...layer, metricAccessor: metricAccessors[0] };
    case 'xy':
      return {
        legend: { isVisible: true, position: 'right' },
        valueLabels: 'hide',
        preferredSeriesType: chart.series,
        layers: [
          {
            ...layer,
            seriesType: chart.series,
            xAccessor: 'x',
            accessors: metricAccessors,
            ...(chart.breakdown ? { splitAccessor: 'breakdown' } : {}),
          },
        ],
      };
    case 'donut':
      return {
        shape: 'donut',
        layers: [
          {
            ...layer,
            primaryGroups: ['slices'],
            metrics: metricAccessors,
            numberDisplay: 'percent',
            categoryDisplay: 'default',
            legendDisplay: 'default',
            nestedLegend: false,
          },
        ],
      };
    case 'table':
      return {
        ...layer,
        columns: [...columns.buckets, ...columns.metrics].map(([columnId]) => ({ columnId })),
      };
  }
}

/**
 * The `lens` saved object of a panel: a `formBased` datasource with one layer on the
 * data view `dataViewId`, bound through the reference `indexpattern-datasource-layer-<layerId>`.
 * Terms are ordered by the first metric, descending.
 */
export function renderLens(panel: LensPanel, dataViewId: string): KibanaSavedObject {
  const columns = chartColumns(panel.chart);
  if (columns.metrics.length === 0)
    throw new Error(`Lens panel '${panel.id}' has no metric to draw`);
  const orderBy = columns.metrics[0][0];
  const layerColumns: Record<string, object> = {};
  for (const [id, bucket] of columns.buckets) layerColumns[id] = bucketColumn(bucket, orderBy);
  for (const [id, metric] of columns.metrics) layerColumns[id] = metricColumn(metric);
  return savedObject(
    SavedObjectType.LENS,
    panel.id,
    {
      title: panel.title,
      description: panel.description ?? '',
      visualizationType: visualizationTypes[panel.chart.type],
      state: {
        datasourceStates: {
          formBased: {
            layers: {
              [LENS_LAYER_ID]: {
                columns: layerColumns,
                columnOrder: [...columns.buckets, ...columns.metrics].map(([id]) => id),
                incompleteColumns: {},
              },
            },
          },
        },
        visualization: visualizationState(panel.chart, columns),
        query: { query: panel.query ?? '', language: 'kuery' },
        filters: [],
        internalReferences: [],
        adHocDataViews: {},
      },
    },
    [
      {
        name: lensLayerReferenceName(LENS_LAYER_ID),
        type: SavedObjectType.INDEX_PATTERN,
        id: dataViewId,
      },
    ],
  );
}
