import { canonicalJson, KibanaSavedObject, savedObject, SavedObjectType } from './kibana-ndjson';

/**
 * The spellings of a level in `log.level`. `keyword` fields match case-sensitively and
 * services write both: Python's logging `ERROR`, ecs-logging `error`. Filebeat's
 * classification (`labels.severity_class`) does not depend on the spelling.
 */
export const LOG_LEVEL_SPELLINGS = {
  error: ['ERROR', 'error'],
  critical: ['CRITICAL', 'critical'],
  warning: ['WARNING', 'warning', 'WARN', 'warn'],
} as const;

function anyOf(field: string, values: readonly string[]): string {
  return `${field}: (${values.map((v) => `"${v}"`).join(' or ')})`;
}

/** The KQL queries the searches, visualizations and dashboards share. */
export const LOG_QUERIES = {
  /** ERROR or CRITICAL logs, and whatever Filebeat classified as an error (e.g. a set `error.type`). */
  errors: `${anyOf('log.level', [...LOG_LEVEL_SPELLINGS.error, ...LOG_LEVEL_SPELLINGS.critical])} or labels.severity_class: "error"`,
  warnings: `${anyOf('log.level', LOG_LEVEL_SPELLINGS.warning)} or labels.severity_class: "warning"`,
  trading: 'labels.event_domain: "trading"',
  api: 'labels.event_domain: "api"',
  /** Logs that carry token counts: the AI requests the cost dashboard prices. */
  aiTokens: 'labels.prompt_tokens: * or labels.completion_tokens: *',
} as const;

/** A saved Discover search over the logs data view, newest first. */
export interface SavedSearch {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** KQL. */
  readonly query: string;
  /** The columns Discover shows, in order. */
  readonly columns: readonly string[];
}

const INDEX_REF = 'kibanaSavedObjectMeta.searchSourceJSON.index';

/** The `search` saved object of a {@link SavedSearch}, on the data view `dataViewId`. */
export function renderSavedSearch(search: SavedSearch, dataViewId: string): KibanaSavedObject {
  return savedObject(SavedObjectType.SEARCH, search.id, {
    title: search.title,
    description: search.description,
    columns: [...search.columns],
    sort: [['@timestamp', 'desc']],
    grid: {},
    hideChart: false,
    isTextBasedQuery: false,
    kibanaSavedObjectMeta: {
      searchSourceJSON: canonicalJson({
        query: { query: search.query, language: 'kuery' },
        filter: [],
        indexRefName: INDEX_REF,
      }),
    },
  }, [{ name: INDEX_REF, type: SavedObjectType.INDEX_PATTERN, id: dataViewId }]);
}

/** The built-in saved searches. */
export const LOG_SEARCHES = {
  errors: {
    id: 'observability-errors',
    title: 'Errors',
    description: 'ERROR and CRITICAL logs of every service, and events classified as errors.',
    query: LOG_QUERIES.errors,
    columns: ['service.name', 'log.level', 'error.type', 'message', 'trace.id'],
  },
  trading: {
    id: 'observability-trading-activity',
    title: 'Trading activity',
    description: 'Logs of the trading domain (orders, trades, executions).',
    query: LOG_QUERIES.trading,
    columns: ['service.name', 'log.level', 'message', 'trace.id'],
  },
  stackTraces: {
    id: 'observability-recent-stack-traces',
    title: 'Recent stack traces',
    description: 'Errors that carry a stack trace, newest first.',
    query: `(${LOG_QUERIES.errors}) and error.stack_trace: *`,
    columns: ['service.name', 'error.type', 'error.message', 'error.stack_trace', 'trace.id'],
  },
} as const satisfies Record<string, SavedSearch>;
