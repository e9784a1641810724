import { IConstruct } from 'constructs';
import { Duration, renderSeconds, validateDurationSeconds } from '../core/duration';
import { catchAllFirst, LogClass } from '../core/log-classes';
import { indexLifecyclePolicyName } from './index-lifecycle';

/**
 * Priority of the stack's templates. Elasticsearch's built-in `logs` template matches
 * `logs-*-*` at priority 100; a higher priority makes ours win for `logs-<class>-*`.
 */
export const LOG_TEMPLATE_PRIORITY = 200;

/** The index template name of a log class. */
export function indexTemplateName(indexClass: string): string {
  return `logs-${indexClass}`;
}

/** The data streams a log class's template applies to (`logs-<class>-<namespace>`). */
export function indexTemplatePattern(indexClass: string): string {
  return `logs-${indexClass}-*`;
}

const keyword = { type: 'keyword', ignore_above: 1024 };
const constantKeyword = { type: 'constant_keyword' };

/** A field mapping, or an object of fields (ECS's nesting, written flat into the template). */
type FieldTree = {
  readonly [name: string]:
    FieldTree | { readonly type: string; readonly [setting: string]: unknown };
};

/**
 * The ECS fields of the log shape the applications write (docs/architecture.md#52-log-shape), with their
 * types, nested as ECS documents them. The template maps them flat (see {@link ecsLogMappings}).
 */
const ECS_LOG_FIELDS: FieldTree = {
  '@timestamp': { type: 'date' },
  message: { type: 'match_only_text' },
  log: { level: keyword, logger: keyword },
  ecs: { version: keyword },
  service: { name: keyword, version: keyword, environment: keyword },
  trace: { id: keyword },
  span: { id: keyword },
  error: {
    type: keyword,
    message: { type: 'match_only_text' },
    // `wildcard` keeps long stack traces searchable by any substring.
    stack_trace: { type: 'wildcard' },
  },
  // Read by the Kibana dashboards: API latency (nanoseconds, as ECS) and status.
  // `event.original`: the line as written, masked, kept when the event had to be reshaped to
  // fit this mapping; stored, not indexed (searches use the fields).
  event: {
    duration: { type: 'long' },
    dataset: keyword,
    original: { type: 'keyword', index: false, doc_values: false },
  },
  http: { request: { method: keyword }, response: { status_code: { type: 'long' } } },
  url: { path: keyword },
  // Token counts are summed by the AI cost dashboard: numbers even when a service logs "12".
  labels: { prompt_tokens: { type: 'long' }, completion_tokens: { type: 'long' } },
  client: { ip: { type: 'ip' } },
  data_stream: { type: constantKeyword, dataset: constantKeyword, namespace: constantKeyword },
};

function isMapping(node: FieldTree[string]): node is { readonly type: string } {
  return typeof (node as { type?: unknown }).type === 'string';
}

/** Every field of a tree as `[dotted path, mapping]`, and every object path. */
function walkFields(
  tree: FieldTree,
  prefix = '',
): { leaves: [string, object][]; objects: string[] } {
  const leaves: [string, object][] = [];
  const objects: string[] = [];
  for (const [name, node] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (isMapping(node)) {
      leaves.push([path, node]);
    } else {
      objects.push(path);
      const inner = walkFields(node, path);
      leaves.push(...inner.leaves);
      objects.push(...inner.objects);
    }
  }
  return { leaves, objects };
}

/**
 * Where the mapped fields are objects and where they are values, for the log processing on
 * the node: a line that gives a value where the mapping has an object (`"error": "boom"`),
 * or an object where it has a value (`"message": {...}`), has that field moved aside there.
 */
export function ecsFieldShapes(): { objects: string[]; leaves: string[] } {
  const { leaves, objects } = walkFields(ECS_LOG_FIELDS);
  return { objects, leaves: leaves.map(([path]) => path) };
}

/**
 * The log data streams' mappings. Built so that no shape of JSON can make Elasticsearch
 * reject a document:
 * - `subobjects: false`: every field is a dotted leaf (`log.level`, `log.file.path`), so a
 *   service that writes `user` as a string and another that writes `user.id` do not
 *   conflict, in one backing index or across them;
 * - `index.mapping.ignore_malformed` (in the settings): a value that does not parse as its
 *   field's type (`client.ip: "n/a"`) is kept in `_source` and listed in `_ignored`;
 * - `date_detection: false` and strings as `keyword`: no field's type depends on which line
 *   came first; numbers stay numbers (the node makes an array of mixed types all strings).
 * The ECS fields are mapped explicitly, flat; other fields dynamically.
 */
export function ecsLogMappings(): object {
  const properties: Record<string, object> = {};
  for (const [path, mapping] of walkFields(ECS_LOG_FIELDS).leaves) properties[path] = mapping;
  return {
    subobjects: false,
    date_detection: false,
    dynamic_templates: [
      {
        labels_as_keyword: {
          path_match: 'labels.*',
          match_mapping_type: 'string',
          mapping: keyword,
        },
      },
      { strings_as_keyword: { match_mapping_type: 'string', mapping: keyword } },
    ],
    properties,
  };
}

/**
 * `index.refresh_interval` of the log data streams, in seconds: Elasticsearch's default
 * value, but set explicitly. Left unset, a shard nobody has searched for
 * `index.search.idle.after` (30 s) stops refreshing in the background, and the first
 * search after a quiet spell pays for the refresh; an explicit value keeps every shard
 * refreshing on schedule, so a new line is searchable within this interval of arriving.
 * One refresh a second per shard is what Elasticsearch does anyway while anyone searches.
 */
export const DEFAULT_LOG_REFRESH_INTERVAL_SECONDS = 1;

/**
 * Checks a refresh interval: positive (a data stream that never refreshes is never
 * searchable), at most 5 minutes. Returns its seconds.
 */
export function validateRefreshInterval(
  scope: IConstruct,
  prop: string,
  interval: Duration,
): number {
  return validateDurationSeconds(scope, prop, interval, {
    min: '0s',
    minExclusive: true,
    max: '5m',
    fix: `give a duration such as '${renderSeconds(DEFAULT_LOG_REFRESH_INTERVAL_SECONDS)}': logs become searchable at most that long after they arrive`,
  });
}

/** Options of the index templates. */
export interface IndexTemplateOptions {
  /** `index.number_of_replicas`: 0 on a one-node cluster, else at least 1. */
  readonly replicas: number;
  /** `index.refresh_interval`, in seconds. @default DEFAULT_LOG_REFRESH_INTERVAL_SECONDS */
  readonly refreshIntervalSeconds?: number;
}

/**
 * The body of `PUT _index_template/<name>`: a composable template that makes
 * `logs-<class>-*` data streams with the ECS mappings and the class's ILM policy
 * (and `index.number_of_shards` when the class sets `shards`).
 */
export function renderIndexTemplate(
  logClass: string | LogClass,
  options: IndexTemplateOptions,
): object {
  const indexClass = typeof logClass === 'string' ? logClass : logClass.name;
  const shards = typeof logClass === 'string' ? undefined : logClass.shards;
  return {
    index_patterns: [indexTemplatePattern(indexClass)],
    data_stream: {},
    priority: LOG_TEMPLATE_PRIORITY,
    _meta: {
      description: `ECS logs of index class '${indexClass}'`,
      managed_by: 'observability-stack',
    },
    template: {
      settings: {
        'index.lifecycle.name': indexLifecyclePolicyName(indexClass),
        ...(shards === undefined ? {} : { 'index.number_of_shards': shards }),
        'index.number_of_replicas': options.replicas,
        'index.refresh_interval': renderSeconds(
          options.refreshIntervalSeconds ?? DEFAULT_LOG_REFRESH_INTERVAL_SECONDS,
        ),
        // One malformed value (a `client.ip` that is no address) is not indexed, not the
        // whole log line: it stays in _source and its field is listed in _ignored.
        'index.mapping.ignore_malformed': true,
        // A service that logs a new key per request (ids as keys) cannot hit the field limit
        // and have its lines rejected: fields past the limit are stored, not indexed.
        'index.mapping.total_fields.ignore_dynamic_beyond_limit': true,
      },
      mappings: ecsLogMappings(),
    },
  };
}

/**
 * The data stream an event goes to when Elasticsearch refused it in its class's data stream
 * (Filebeat's `non_indexable_policy.dead_letter_index`, Logstash's dead-letter queue reader).
 */
export const DEAD_LETTER_DATA_STREAM = 'logs-deadletter-default';
/** The dead-letter data stream's index template and ILM policy. */
export const DEAD_LETTER_TEMPLATE = 'logs-deadletter';
export const DEAD_LETTER_POLICY = 'logs-deadletter-retention';

/**
 * The body of `PUT _index_template/logs-deadletter`: a template that cannot refuse a
 * document, for the events the class data streams refused. `dynamic: false` indexes only
 * the fields below and keeps the rest in `_source`, so no field of any shape conflicts.
 * Filebeat's dead letters carry the whole event as JSON text in `message`, the HTTP status
 * in `error.type` and Elasticsearch's reason in `error.message`.
 */
export function renderDeadLetterTemplate(options: IndexTemplateOptions): object {
  return {
    index_patterns: ['logs-deadletter-*'],
    data_stream: {},
    priority: LOG_TEMPLATE_PRIORITY,
    _meta: {
      description: 'Log events the class data streams refused, kept for inspection and replay',
      managed_by: 'observability-stack',
    },
    template: {
      settings: {
        'index.lifecycle.name': DEAD_LETTER_POLICY,
        'index.number_of_replicas': options.replicas,
        'index.refresh_interval': renderSeconds(
          options.refreshIntervalSeconds ?? DEFAULT_LOG_REFRESH_INTERVAL_SECONDS,
        ),
      },
      mappings: {
        dynamic: false,
        properties: {
          '@timestamp': { type: 'date' },
          message: { type: 'match_only_text' },
          error: { properties: { type: keyword, message: { type: 'match_only_text' } } },
          tags: keyword,
          data_stream: {
            properties: {
              type: constantKeyword,
              dataset: constantKeyword,
              namespace: constantKeyword,
            },
          },
        },
      },
    },
  };
}

/** Every index template of the stack (one per log class, the catch-all first, and the dead-letter one), keyed by template name. */
export function indexTemplates(
  classes: readonly LogClass[],
  options: IndexTemplateOptions,
): Record<string, object> {
  const templates: Record<string, object> = {};
  for (const c of catchAllFirst(classes))
    templates[indexTemplateName(c.name)] = renderIndexTemplate(c, options);
  templates[DEAD_LETTER_TEMPLATE] = renderDeadLetterTemplate(options);
  return templates;
}
