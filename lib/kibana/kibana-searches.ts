import {
  EVENT_DOMAIN_FIELD,
  isCatchAll,
  LogClass,
  LogClassMatch,
  logClassSearch,
  SEVERITY_CLASS_FIELD,
} from '../core/log-classes';
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

/** A KQL quoted string. */
function quoted(value: string | number): string {
  return `"${String(value).replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function anyOf(field: string, values: readonly (string | number)[]): string {
  return `${field}: (${values.map(quoted).join(' or ')})`;
}

/** The KQL queries the searches, visualizations and dashboards share. */
export const LOG_QUERIES = {
  /** ERROR or CRITICAL logs, and whatever Filebeat classified as an error (e.g. a set `error.type`). */
  errors: `${anyOf('log.level', [...LOG_LEVEL_SPELLINGS.error, ...LOG_LEVEL_SPELLINGS.critical])} or labels.severity_class: "error"`,
  warnings: `${anyOf('log.level', LOG_LEVEL_SPELLINGS.warning)} or labels.severity_class: "warning"`,
  trading: `${EVENT_DOMAIN_FIELD}: "trading"`,
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
  return savedObject(
    SavedObjectType.SEARCH,
    search.id,
    {
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
    },
    [{ name: INDEX_REF, type: SavedObjectType.INDEX_PATTERN, id: dataViewId }],
  );
}

/**
 * A class's match as KQL over the `logs-*` data view. A severity also matches the
 * `log.level` spellings, so the search finds those events whether or not Filebeat
 * classified them (log processing may be off). `undefined` for the catch-all.
 */
export function logClassMatchQuery(match: LogClassMatch): string | undefined {
  if (match.field === undefined) return undefined;
  const values = match.values ?? [];
  if (match.field === SEVERITY_CLASS_FIELD) {
    const bySeverity: Record<string, string> = {
      error: LOG_QUERIES.errors,
      warning: LOG_QUERIES.warnings,
    };
    if (values.length === 1 && bySeverity[String(values[0])]) return bySeverity[String(values[0])];
  }
  return values.length === 1 ? `${match.field}: ${quoted(values[0])}` : anyOf(match.field, values);
}

/** The saved search of every log class but the catch-all, in the table's order. */
export function logClassSearches(classes: readonly LogClass[]): SavedSearch[] {
  return classes
    .filter((c) => !isCatchAll(c.match))
    .map((c) => {
      const search = logClassSearch(c);
      return {
        id: search.id,
        title: search.title,
        description: search.description,
        query: search.query ?? logClassMatchQuery(c.match)!,
        columns: search.columns,
      };
    });
}

/** Errors with a stack trace: the search the errors dashboard shows. */
export const STACK_TRACES_SEARCH: SavedSearch = {
  id: 'observability-recent-stack-traces',
  title: 'Recent stack traces',
  description: 'Errors that carry a stack trace, newest first.',
  query: `(${LOG_QUERIES.errors}) and error.stack_trace: *`,
  columns: ['service.name', 'error.type', 'error.message', 'error.stack_trace', 'trace.id'],
};

/** Every saved search: one per log class but the catch-all, then the stack traces. */
export function logSearches(classes: readonly LogClass[]): SavedSearch[] {
  return [...logClassSearches(classes), STACK_TRACES_SEARCH];
}
