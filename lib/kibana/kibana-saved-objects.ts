import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { DEFAULT_LOG_CLASSES, LogClass, validateLogClasses } from '../core/log-classes';
import { validateBaseUrl } from '../core/names';
import { renderDashboard } from './kibana-dashboards';
import { AiTokenPricing, LOGS_DATA_VIEW_ID, renderLogsDataView } from './kibana-data-view';
import { LensPanel, renderLens } from './kibana-lens';
import { LOG_DASHBOARDS } from './kibana-log-dashboards';
import { KibanaSavedObject } from './kibana-ndjson';
import { logSearches, renderSavedSearch } from './kibana-searches';

/** What the generated Kibana content can be tuned with. */
export interface KibanaContentOptions {
  /**
   * Base URL of the Jaeger UI (`http(s)://host[/path]`, no trailing slash). When set, the
   * data view shows `trace.id` as a link to `<jaegerUiUrl>/trace/<id>`.
   * @default - `trace.id` is plain text
   */
  readonly jaegerUiUrl?: string;
  /**
   * Token prices of the AI cost dashboard, in USD per million tokens.
   * @default - 3 (prompt) and 15 (completion): illustrative list prices, set your provider's
   */
  readonly aiPricing?: Partial<AiTokenPricing>;
  /**
   * The log classes: each but the catch-all gets a saved search (`LogClass.search`).
   * @default DEFAULT_LOG_CLASSES
   */
  readonly logClasses?: readonly LogClass[];
}

/** {@link KibanaContentOptions} after defaults and validation. */
export interface ResolvedKibanaContentOptions {
  readonly jaegerUiUrl?: string;
  readonly aiPricing: AiTokenPricing;
  readonly logClasses: readonly LogClass[];
}

/** Illustrative defaults, not any provider's price list: set `aiPricing` to what you pay. */
export const DEFAULT_AI_PRICING: AiTokenPricing = {
  promptUsdPerMillion: 3,
  completionUsdPerMillion: 15,
};

/** Prices above this (USD per million tokens) are taken for a unit mistake. */
const MAX_PRICE_PER_MILLION = 10_000;

function validatePrice(scope: IConstruct, prop: string, value: number): number {
  // Six decimals is what the cost script writes; more would be rounded away silently.
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value > 0 &&
    value <= MAX_PRICE_PER_MILLION &&
    Number(value.toFixed(6)) === value;
  if (!ok) {
    invalidProp(
      scope,
      prop,
      value,
      `must be a price in USD per million tokens, greater than 0 and at most ${MAX_PRICE_PER_MILLION}, with at most 6 decimals`,
      'use e.g. 0.15 for $0.15 per million tokens',
    );
  }
  return value;
}

/**
 * Applies the defaults and validates the options; errors name `<prefix>.<option>`. The
 * construct that provisions the content (the Kibana setup Job) calls it with `this`.
 */
export function resolveKibanaContentOptions(
  scope: IConstruct,
  options: KibanaContentOptions = {},
  prefix?: string,
): ResolvedKibanaContentOptions {
  const name = (option: string) => (prefix ? `${prefix}.${option}` : option);
  const url =
    options.jaegerUiUrl === undefined
      ? undefined
      : validateBaseUrl(
          scope,
          name('jaegerUiUrl'),
          options.jaegerUiUrl,
          'https://jaeger.example.com',
        );
  return {
    jaegerUiUrl: url,
    aiPricing: {
      promptUsdPerMillion: validatePrice(
        scope,
        name('aiPricing.promptUsdPerMillion'),
        options.aiPricing?.promptUsdPerMillion ?? DEFAULT_AI_PRICING.promptUsdPerMillion,
      ),
      completionUsdPerMillion: validatePrice(
        scope,
        name('aiPricing.completionUsdPerMillion'),
        options.aiPricing?.completionUsdPerMillion ?? DEFAULT_AI_PRICING.completionUsdPerMillion,
      ),
    },
    logClasses: validateLogClasses(
      scope,
      name('logClasses'),
      options.logClasses ?? DEFAULT_LOG_CLASSES,
    ),
  };
}

/** The ids of the generated objects for a class table, for links and for the provisioning Job's log. */
export function kibanaObjectIds(classes: readonly LogClass[] = DEFAULT_LOG_CLASSES): {
  dataView: string;
  searches: string[];
  dashboards: string[];
} {
  return {
    dataView: LOGS_DATA_VIEW_ID,
    searches: logSearches(classes).map((s) => s.id),
    dashboards: LOG_DASHBOARDS.map((d) => d.id),
  };
}

/**
 * Every saved object of the log content, dependencies first: the `logs-*` data view, the
 * saved searches, the Lens visualizations of the dashboards, the dashboards. Render with
 * {@link renderNdjson} and import with `POST /api/saved_objects/_import?overwrite=true`.
 */
export function kibanaSavedObjects(options: ResolvedKibanaContentOptions): KibanaSavedObject[] {
  const lensPanels = new Map<string, LensPanel>();
  for (const dashboard of LOG_DASHBOARDS) {
    for (const panel of dashboard.panels) {
      if ('lens' in panel) lensPanels.set(panel.lens.id, panel.lens);
    }
  }
  return [
    renderLogsDataView(options),
    ...logSearches(options.logClasses).map((s) => renderSavedSearch(s, LOGS_DATA_VIEW_ID)),
    ...[...lensPanels.values()].map((l) => renderLens(l, LOGS_DATA_VIEW_ID)),
    ...LOG_DASHBOARDS.map(renderDashboard),
  ];
}
