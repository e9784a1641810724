import { ConfigError, ErrorScope, invalidProp } from './errors';
import { Duration, durationToSeconds, DurationRange, validateDays } from './duration';
import { validateInteger } from './names';

/**
 * Which events a log class takes: data that Filebeat's log processing script reads
 * (never code), and from which the Kibana search of the class is written. An event is in
 * a class when the value at `field` (a dotted path, read after masking and after the
 * script has set `labels.severity_class` and `labels.event_domain`) is one of `values`;
 * for a list field, when one of its items is. Without `field` the class takes every event:
 * the catch-all. Build one with the static functions of `LogClassMatch`.
 */
export interface LogClassMatch {
  /** Dotted field path. @default - none: every event (the catch-all) */
  readonly field?: string;
  /** Values, compared as text. @default - none: every event (the catch-all) */
  readonly values?: readonly (string | number)[];
}

/** The severities the script writes to `labels.severity_class`. */
export type SeverityClass = 'error' | 'warning' | 'info';
export const SEVERITY_CLASSES: readonly SeverityClass[] = ['error', 'warning', 'info'];

/** Where the script writes the severity and the domain of each event. */
export const SEVERITY_CLASS_FIELD = 'labels.severity_class';
export const EVENT_DOMAIN_FIELD = 'labels.event_domain';
/** Where the script writes the class of each event; Filebeat routes by it. */
export const INDEX_CLASS_FIELD = 'labels.index_class';
/** The domain of an event no domain's evidence was found for. */
export const NO_DOMAIN = 'other';

// One value namespace beside the interface: `LogClassMatch.severity('error')`.
export const LogClassMatch = {
  /** Events of this severity (`labels.severity_class`): `error` for error levels and a set `error.type`. */
  severity(...severities: SeverityClass[]): LogClassMatch {
    return { field: SEVERITY_CLASS_FIELD, values: severities };
  },
  /** Events of these domains (`labels.event_domain`), as the script detects them from `LogProcessingProps.domains`. */
  domain(...domains: string[]): LogClassMatch {
    return { field: EVENT_DOMAIN_FIELD, values: domains };
  },
  /** Events whose `field` holds one of `values` (for a list such as ECS `event.category`, one of its items). */
  fieldEquals(field: string, values: readonly (string | number)[]): LogClassMatch {
    return { field, values: [...values] };
  },
  /** Every event: the catch-all class, which must be the last. */
  everything(): LogClassMatch {
    return {};
  },
};

/** The saved Discover search Kibana gets for a class (every class but the catch-all has one). */
export interface LogClassSearch {
  /** Saved object id. @default - `observability-logs-<name>` */
  readonly id?: string;
  /** @default - `Logs: <name>` */
  readonly title?: string;
  /** KQL. @default - the class's match as KQL (a severity also matches the `log.level` spellings) */
  readonly query?: string;
  /** Discover columns, in order. @default ['service.name', 'log.level', 'message', 'trace.id'] */
  readonly columns?: readonly string[];
}

/**
 * One log class: a data stream `logs-<name>-default` with its own index template
 * (`logs-<name>`) and ILM policy (`logs-<name>-retention`). The classes are an ordered
 * list: the first whose match takes an event gets it; the last is the catch-all.
 */
export interface LogClass {
  /** Data stream dataset: lower-case letters, digits and `_`, starting with a letter; `deadletter` is taken. */
  readonly name: string;
  /** Which events the class takes (`LogClassMatch.everything()` for the catch-all). */
  readonly match: LogClassMatch;
  /**
   * How long an index is kept after it rolled over, in whole days from `1d` to `3650d`
   * (`90d`, `1y`, `2w`).
   */
  readonly retention: Duration;
  /** `index.number_of_shards` of the class's backing indices. @default - Elasticsearch's default (1) */
  readonly shards?: number;
  /**
   * Share of the log ingest in this class, for `sizing` (0 to 1).
   * @default - DEFAULT_INGEST_SHARE for a class, the rest for the catch-all
   */
  readonly ingestShare?: number;
  /** What the class holds, the description of its Kibana search. @default - `Logs of the '<name>' log class.` */
  readonly description?: string;
  /** Its Kibana search. @default - see LogClassSearch */
  readonly search?: LogClassSearch;
}

/** The retention a log class may have. */
const RETENTION_RANGE: DurationRange = {
  min: '1d',
  max: '3650d',
  fix: "give whole days from '1d' to '3650d', such as '90d' or '1y'",
};

/** Share of the ingest `sizing` assumes for a class that gives no `ingestShare`. */
export const DEFAULT_INGEST_SHARE = 0.05;

/**
 * The default classes: errors 90 days, trading 365 days, AI requests 30 days, the rest 30
 * days. A trading or AI error is an error: errors come first.
 */
export const DEFAULT_LOG_CLASSES: readonly LogClass[] = [
  {
    name: 'errors',
    match: LogClassMatch.severity('error'),
    retention: '90d',
    ingestShare: 0.05,
    description: 'ERROR and CRITICAL logs of every service, and events classified as errors.',
    search: {
      id: 'observability-errors',
      title: 'Errors',
      columns: ['service.name', 'log.level', 'error.type', 'message', 'trace.id'],
    },
  },
  {
    name: 'trades',
    match: LogClassMatch.domain('trading'),
    retention: '365d',
    ingestShare: 0.05,
    description: 'Logs of the trading domain (orders, trades, executions).',
    search: { id: 'observability-trading-activity', title: 'Trading activity' },
  },
  {
    name: 'ai',
    match: LogClassMatch.domain('ai'),
    retention: '30d',
    ingestShare: 0.05,
    description: 'Logs of the AI domain (LLM requests, token counts).',
    search: { id: 'observability-ai-requests', title: 'AI requests' },
  },
  { name: 'all', match: LogClassMatch.everything(), retention: '30d' },
];

/**
 * A domain the script detects (`labels.event_domain`): evidence is looked for in key names
 * first (any depth; compared lower-cased with `-` read as `_`), then in the words of the
 * logger name, then of the service name (split at every character that is not a lower-case
 * letter or digit). The first domain in list order whose evidence is found wins.
 */
export interface LogDomain {
  /** Lower-case letters, digits and `_`; `other` is what an event without evidence gets. */
  readonly name: string;
  /** Key names that show the domain, e.g. `order_id`. */
  readonly keys: readonly string[];
  /** Words of logger and service names that show the domain, e.g. `trading`. */
  readonly words: readonly string[];
}

/** The default domains, in the order they are tried. */
export const DEFAULT_LOG_DOMAINS: readonly LogDomain[] = [
  {
    name: 'ai',
    keys: [
      'prompt_tokens',
      'completion_tokens',
      'total_tokens',
      'input_tokens',
      'output_tokens',
      'gen_ai',
      'llm',
    ],
    words: ['ai', 'llm', 'genai', 'openai', 'anthropic', 'gpt'],
  },
  {
    name: 'trading',
    keys: ['trade_id', 'order_id', 'trade', 'fill_id', 'execution_id'],
    words: ['trade', 'trades', 'trading', 'trader', 'order', 'orders', 'execution', 'portfolio'],
  },
  {
    name: 'database',
    keys: ['db', 'sql'],
    words: [
      'db',
      'database',
      'sql',
      'sqlalchemy',
      'postgres',
      'postgresql',
      'psycopg',
      'psycopg2',
      'asyncpg',
      'mysql',
      'mongo',
      'mongodb',
      'alembic',
    ],
  },
  {
    name: 'cache',
    keys: ['cache', 'cache_hit', 'cache_key', 'redis'],
    words: ['cache', 'redis', 'memcached', 'valkey'],
  },
  {
    name: 'api',
    keys: ['http', 'url', 'status_code', 'http_method', 'endpoint', 'user_agent'],
    words: ['api', 'http', 'uvicorn', 'fastapi', 'starlette', 'gunicorn', 'access', 'gateway'],
  },
];

/** The dataset of the dead-letter data stream: no class may take its name. */
export const RESERVED_LOG_CLASS_NAMES: readonly string[] = ['deadletter'];

const CLASS_NAME = /^[a-z][a-z0-9_]{0,49}$/;
const DOMAIN_NAME = /^[a-z][a-z0-9_]{0,49}$/;
const FIELD_PATH = /^[A-Za-z0-9_@][A-Za-z0-9_@/.-]*$/;
const SEARCH_ID = /^[a-z0-9][a-z0-9-]*$/;
// Filebeat expands `$` + `{...}` in its config file, where the script's params live.
const EXPANDS = '$' + '{';

/** Whether a match is the catch-all. */
export function isCatchAll(match: LogClassMatch): boolean {
  return match.field === undefined;
}

/** The catch-all class of a validated table: the last. */
export function catchAllClass(classes: readonly LogClass[]): LogClass {
  return classes[classes.length - 1];
}

/**
 * Checks a class table: at least one class, names that are data stream datasets, unique
 * and not reserved, whole-day retention, matchers that are data the script can evaluate,
 * exactly one catch-all and it last. With `domains`, a `LogClassMatch.domain` must name
 * one of them. `prop` names the table in errors (e.g. `logClasses`).
 */
export function validateLogClasses(
  scope: ErrorScope,
  prop: string,
  classes: readonly LogClass[],
  domains?: readonly LogDomain[],
): readonly LogClass[] {
  if (!Array.isArray(classes) || classes.length === 0) {
    invalidProp(
      scope,
      prop,
      classes,
      'must list at least the catch-all class',
      "give e.g. [{ name: 'all', match: LogClassMatch.everything(), retention: '30d' }], or leave it out for DEFAULT_LOG_CLASSES",
    );
  }
  const seen = new Set<string>();
  const ids = new Set<string>();
  classes.forEach((c, i) => {
    const at = `${prop}[${i}]`;
    if (typeof c?.name !== 'string' || !CLASS_NAME.test(c.name)) {
      invalidProp(
        scope,
        `${at}.name`,
        c?.name,
        'must be a data stream dataset: lower-case letters, digits and _, starting with a letter, at most 50 characters',
        "use a name such as 'audit' (the data stream becomes logs-audit-default)",
      );
    }
    if (RESERVED_LOG_CLASS_NAMES.includes(c.name)) {
      invalidProp(
        scope,
        `${at}.name`,
        c.name,
        'is the dead-letter data stream (logs-deadletter-default), which the stack manages',
        'give the class another name',
      );
    }
    if (seen.has(c.name)) {
      invalidProp(
        scope,
        `${at}.name`,
        c.name,
        'is the name of an earlier class as well',
        'give every class its own name',
      );
    }
    seen.add(c.name);
    validateDays(scope, `${at}.retention`, c.retention, RETENTION_RANGE);
    if (c.shards !== undefined) validateInteger(scope, `${at}.shards`, c.shards, 1, 1024);
    if (
      c.ingestShare !== undefined &&
      !(typeof c.ingestShare === 'number' && c.ingestShare >= 0 && c.ingestShare <= 1)
    ) {
      invalidProp(
        scope,
        `${at}.ingestShare`,
        c.ingestShare,
        'must be a share between 0 and 1',
        'give a fraction such as 0.05 for 5%',
      );
    }
    validateMatch(scope, `${at}.match`, c.match, domains);
    const last = i === classes.length - 1;
    if (isCatchAll(c.match) && !last) {
      invalidProp(
        scope,
        `${at}.match`,
        'LogClassMatch.everything()',
        `makes '${c.name}' the catch-all, but it is not the last class: the classes after it would never get an event`,
        'move the catch-all class to the end of the list, or give it a match',
      );
    }
    if (last && !isCatchAll(c.match)) {
      invalidProp(
        scope,
        `${prop}[${i}].match`,
        c.match,
        `leaves events that no class takes (the last class '${c.name}' is not a catch-all)`,
        "end the list with a catch-all class, e.g. { name: 'all', match: LogClassMatch.everything(), retention: '30d' }",
      );
    }
    if (!isCatchAll(c.match)) {
      const id = logClassSearch(c).id;
      if (!SEARCH_ID.test(id)) {
        invalidProp(
          scope,
          `${at}.search.id`,
          id,
          'must be a saved object id: lower-case letters, digits and -',
          "use an id such as 'observability-audit'",
        );
      }
      if (ids.has(id))
        invalidProp(
          scope,
          `${at}.search.id`,
          id,
          'is the search id of an earlier class as well',
          'give every class its own search id',
        );
      ids.add(id);
    }
    for (const [key, text] of [
      ['description', c.description],
      ['search.title', c.search?.title],
      ['search.query', c.search?.query],
    ] as const) {
      if (text !== undefined && (typeof text !== 'string' || text.trim() === '')) {
        invalidProp(
          scope,
          `${at}.${key}`,
          text,
          'must be text',
          `give a non-empty string, or leave ${key} out`,
        );
      }
    }
  });
  return classes;
}

function validateMatch(
  scope: ErrorScope,
  prop: string,
  match: LogClassMatch,
  domains: readonly LogDomain[] | undefined,
): void {
  if (match === null || typeof match !== 'object') {
    invalidProp(
      scope,
      prop,
      match,
      'must be a LogClassMatch',
      'use LogClassMatch.severity, .domain, .fieldEquals or .everything',
    );
  }
  if (match.field === undefined) {
    if (match.values !== undefined) {
      invalidProp(
        scope,
        `${prop}.values`,
        match.values,
        'has no field to compare with',
        'use LogClassMatch.fieldEquals(field, values), or LogClassMatch.everything()',
      );
    }
    return;
  }
  if (
    typeof match.field !== 'string' ||
    !FIELD_PATH.test(match.field) ||
    match.field.includes('..') ||
    match.field.endsWith('.')
  ) {
    invalidProp(
      scope,
      `${prop}.field`,
      match.field,
      'must be a dotted field path',
      "use a path such as 'event.category'",
    );
  }
  if (match.field === INDEX_CLASS_FIELD) {
    invalidProp(
      scope,
      `${prop}.field`,
      match.field,
      'is where the class itself is written, so no event has it when classes are matched',
      'match on the field that decides the class',
    );
  }
  const values = match.values;
  if (!Array.isArray(values) || values.length === 0) {
    invalidProp(
      scope,
      `${prop}.values`,
      values,
      'must list at least one value',
      'give the values that put an event in the class',
    );
  }
  for (const v of values) {
    if (
      !((typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v))) ||
      String(v).includes(EXPANDS)
    ) {
      invalidProp(
        scope,
        `${prop}.values`,
        values,
        `has ${JSON.stringify(v)}, which is not a non-empty string or a number, or holds '$' followed by '{' (Filebeat would expand it)`,
        'give plain strings or numbers',
      );
    }
  }
  if (match.field === SEVERITY_CLASS_FIELD) {
    const bad = values.find((v) => !SEVERITY_CLASSES.includes(v as SeverityClass));
    if (bad !== undefined) {
      invalidProp(
        scope,
        `${prop}.values`,
        values,
        `has '${bad}', which is no severity the script writes`,
        `use ${SEVERITY_CLASSES.join(', ')}`,
      );
    }
  }
  if (match.field === EVENT_DOMAIN_FIELD && domains) {
    const known = [...domains.map((d) => d.name), NO_DOMAIN];
    const bad = values.find((v) => !known.includes(String(v)));
    if (bad !== undefined) {
      invalidProp(
        scope,
        `${prop}.values`,
        values,
        `has '${bad}', which is not one of the domains the script detects (${known.join(', ')})`,
        'add the domain to the log processing domains (logProcessing.domains), or match one of those',
      );
    }
  }
}

/** Checks a domain table: unique names, key names and words in the forms the script compares. */
export function validateLogDomains(
  scope: ErrorScope,
  prop: string,
  domains: readonly LogDomain[],
): readonly LogDomain[] {
  if (!Array.isArray(domains))
    invalidProp(
      scope,
      prop,
      domains,
      'must be a list of domains',
      'give a list, e.g. [...DEFAULT_LOG_DOMAINS, { name, keys, words }]',
    );
  const seen = new Set<string>();
  domains.forEach((d, i) => {
    const at = `${prop}[${i}]`;
    if (typeof d?.name !== 'string' || !DOMAIN_NAME.test(d.name) || d.name === NO_DOMAIN) {
      invalidProp(
        scope,
        `${at}.name`,
        d?.name,
        `must be lower-case letters, digits and _, starting with a letter, and not '${NO_DOMAIN}' (the domain of an event without evidence)`,
        "use a name such as 'payments'",
      );
    }
    if (seen.has(d.name))
      invalidProp(
        scope,
        `${at}.name`,
        d.name,
        'is the name of an earlier domain as well',
        'merge the two domains into one',
      );
    seen.add(d.name);
    const keys = d.keys ?? [];
    const words = d.words ?? [];
    if (!Array.isArray(keys) || !Array.isArray(words) || keys.length + words.length === 0) {
      invalidProp(
        scope,
        at,
        d,
        'has no key names and no words, so no event is ever in it',
        'give keys, words or both',
      );
    }
    const badKey = keys.find((k) => typeof k !== 'string' || !/^[a-z0-9_]+$/.test(k));
    if (badKey !== undefined) {
      invalidProp(
        scope,
        `${at}.keys`,
        keys,
        `has ${JSON.stringify(badKey)}; key names are compared lower-cased with '-' read as '_'`,
        "write them in lower case with '_', e.g. 'payment_id'",
      );
    }
    const badWord = words.find((w) => typeof w !== 'string' || !/^[a-z0-9]+$/.test(w));
    if (badWord !== undefined) {
      invalidProp(
        scope,
        `${at}.words`,
        words,
        `has ${JSON.stringify(badWord)}; names are split into words at every character that is not a lower-case letter or digit`,
        "give single lower-case words, e.g. 'payments'",
      );
    }
  });
  return domains;
}

/** The Kibana search of a class, after defaults. */
export function logClassSearch(
  c: LogClass,
): Required<Omit<LogClassSearch, 'query'>> & { query?: string; description: string } {
  return {
    id: c.search?.id ?? `observability-logs-${c.name}`,
    title: c.search?.title ?? `Logs: ${c.name}`,
    columns: c.search?.columns ?? ['service.name', 'log.level', 'message', 'trace.id'],
    query: c.search?.query,
    description: c.description ?? `Logs of the '${c.name}' log class.`,
  };
}

/** The data stream of a class (`logs-<name>-<namespace>`). */
export function logClassDataStream(name: string, namespace = 'default'): string {
  return `logs-${name}-${namespace}`;
}

/**
 * The classes with the catch-all first, then the others in table order: the order the
 * data streams, their templates and policies are listed and created in (the fallback
 * every event may end in comes first).
 */
export function catchAllFirst(classes: readonly LogClass[]): readonly LogClass[] {
  return [catchAllClass(classes), ...classes.slice(0, -1)];
}

/**
 * The table with other retention for some of its classes, e.g. a shorter-lived copy of the
 * defaults: `withLogRetention(DEFAULT_LOG_CLASSES, { all: '7d', errors: '30d' })`. A name that
 * is not in the table throws (the retention would otherwise apply to nothing); the durations
 * are checked where the table is used.
 */
export function withLogRetention(
  classes: readonly LogClass[],
  retention: { readonly [name: string]: Duration },
): LogClass[] {
  const names = classes.map((c) => c.name);
  for (const name of Object.keys(retention)) {
    if (!names.includes(name)) {
      throw new ConfigError(
        'withLogRetention',
        `retention.${name}`,
        retention[name],
        `names no class of the table (${names.join(', ')})`,
        'give the retention of classes the table has',
      );
    }
  }
  return classes.map((c) =>
    retention[c.name] === undefined ? c : { ...c, retention: retention[c.name] },
  );
}

/** The days a validated class keeps its indices after rollover. */
export function retentionDays(logClass: Pick<LogClass, 'retention'>): number {
  return durationToSeconds(logClass.retention) / 86400;
}
