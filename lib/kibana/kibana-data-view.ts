import { canonicalJson, KibanaSavedObject, savedObject, SavedObjectType } from './kibana-ndjson';

/** Id of the `logs-*` data view every search and visualization reads. */
export const LOGS_DATA_VIEW_ID = 'observability-logs';

/** The index pattern of the data view: every `logs-<class>-<namespace>` data stream. */
export const LOGS_INDEX_PATTERN = 'logs-*';

/**
 * Runtime field of the data view: the USD cost of one AI request, from its token counts
 * and {@link AiTokenPricing}. A runtime field rather than a Lens formula, so Discover,
 * every visualization and ad-hoc questions price requests the same way.
 */
export const AI_COST_FIELD = 'ai_cost_usd';

/** Prices of the AI cost dashboard, in USD per million tokens. */
export interface AiTokenPricing {
  /** Price of `labels.prompt_tokens`. */
  readonly promptUsdPerMillion: number;
  /** Price of `labels.completion_tokens`. */
  readonly completionUsdPerMillion: number;
}

/** What the data view is rendered from. */
export interface LogsDataViewOptions {
  readonly aiPricing: AiTokenPricing;
  /**
   * Base URL of the Jaeger UI without a trailing slash. When set, `trace.id` is shown as a
   * link to `<jaegerUiUrl>/trace/<id>`.
   */
  readonly jaegerUiUrl?: string;
}

/** A price as a Painless double literal: plain decimal notation, never `1e-7`. */
function painlessDouble(value: number): string {
  return value.toFixed(6).replace(/0+$/, '0');
}

/**
 * The Painless source of {@link AI_COST_FIELD}. It emits nothing for logs without token
 * counts, so they do not count as free requests in averages.
 */
export function aiCostScript(pricing: AiTokenPricing): string {
  const term = (field: string, price: number) =>
    `if (doc.containsKey('${field}') && doc['${field}'].size() > 0) { cost += doc['${field}'].value * ${painlessDouble(price)}; priced = true; }`;
  return [
    'double cost = 0.0; boolean priced = false;',
    term('labels.prompt_tokens', pricing.promptUsdPerMillion),
    term('labels.completion_tokens', pricing.completionUsdPerMillion),
    'if (priced) { emit(cost / 1000000.0); }',
  ].join(' ');
}

/** The `fieldFormatMap` of the data view, by field name. */
export function logsFieldFormats(jaegerUiUrl?: string): Record<string, object> {
  const formats: Record<string, object> = {
    // ECS `event.duration` is in nanoseconds.
    'event.duration': {
      id: 'duration',
      params: {
        inputFormat: 'nanoseconds',
        outputFormat: 'humanizePrecise',
        outputPrecision: 2,
        useShortSuffix: true,
      },
    },
    [AI_COST_FIELD]: { id: 'number', params: { pattern: '$0,0.00[00]' } },
  };
  if (jaegerUiUrl !== undefined) {
    formats['trace.id'] = {
      id: 'url',
      params: {
        type: 'a',
        urlTemplate: `${jaegerUiUrl}/trace/{{value}}`,
        labelTemplate: '{{value}}',
      },
    };
  }
  return formats;
}

/** The `index-pattern` saved object of the `logs-*` data view on `@timestamp`. */
export function renderLogsDataView(options: LogsDataViewOptions): KibanaSavedObject {
  return savedObject(SavedObjectType.INDEX_PATTERN, LOGS_DATA_VIEW_ID, {
    title: LOGS_INDEX_PATTERN,
    name: 'Logs',
    timeFieldName: '@timestamp',
    // The data view exists before the first log does; a fresh cluster has no logs-* yet.
    allowNoIndex: true,
    fields: '[]',
    fieldFormatMap: canonicalJson(logsFieldFormats(options.jaegerUiUrl)),
    runtimeFieldMap: canonicalJson({
      [AI_COST_FIELD]: { type: 'double', script: { source: aiCostScript(options.aiPricing) } },
    }),
  });
}
