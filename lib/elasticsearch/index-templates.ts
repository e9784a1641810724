import { IConstruct } from 'constructs';
import { renderSeconds, validateSeconds } from '../core/seconds';
import { INDEX_CLASSES, IndexClass, indexLifecyclePolicyName } from './index-lifecycle';

/**
 * Priority of the stack's templates. Elasticsearch's built-in `logs` template matches
 * `logs-*-*` at priority 100; a higher priority makes ours win for `logs-<class>-*`.
 */
export const LOG_TEMPLATE_PRIORITY = 200;

/** The index template name of an index class. */
export function indexTemplateName(indexClass: IndexClass): string {
  return `logs-${indexClass}`;
}

/** The data streams an index class's template applies to (`logs-<class>-<namespace>`). */
export function indexTemplatePattern(indexClass: IndexClass): string {
  return `logs-${indexClass}-*`;
}

const keyword = { type: 'keyword', ignore_above: 1024 };
const constantKeyword = { type: 'constant_keyword' };

/**
 * ECS mappings of the log shape the applications write (DESIGN section 5). Fields not
 * listed are mapped dynamically; strings become `keyword`, as ECS does, so that every
 * field can be filtered and aggregated. Numbers under `labels` stay numbers; the token
 * counts the AI cost dashboard sums are mapped as `long` explicitly.
 */
export function ecsLogMappings(): object {
  return {
    dynamic_templates: [
      { labels_as_keyword: { path_match: 'labels.*', match_mapping_type: 'string', mapping: keyword } },
      { strings_as_keyword: { match_mapping_type: 'string', mapping: keyword } },
    ],
    properties: {
      '@timestamp': { type: 'date' },
      'message': { type: 'match_only_text' },
      'log': { properties: { level: keyword, logger: keyword } },
      'ecs': { properties: { version: keyword } },
      'service': { properties: { name: keyword, version: keyword, environment: keyword } },
      'trace': { properties: { id: keyword } },
      'span': { properties: { id: keyword } },
      'error': {
        properties: {
          type: keyword,
          message: { type: 'match_only_text' },
          // `wildcard` keeps long stack traces searchable by any substring.
          stack_trace: { type: 'wildcard' },
        },
      },
      // Read by the Kibana dashboards: API latency (nanoseconds, as ECS) and status.
      'event': { properties: { duration: { type: 'long' }, dataset: keyword } },
      'http': { properties: { request: { properties: { method: keyword } }, response: { properties: { status_code: { type: 'long' } } } } },
      'url': { properties: { path: keyword } },
      // Token counts are summed by the AI cost dashboard: numbers even when a service logs "12".
      'labels': { type: 'object', properties: { prompt_tokens: { type: 'long' }, completion_tokens: { type: 'long' } } },
      'client': { properties: { ip: { type: 'ip' } } },
      'data_stream': { properties: { type: constantKeyword, dataset: constantKeyword, namespace: constantKeyword } },
    },
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

/** Checks a refresh interval in seconds: positive (a data stream that never refreshes is never searchable), at most 5 minutes. */
export function validateRefreshInterval(scope: IConstruct, prop: string, seconds: number): number {
  return validateSeconds(scope, prop, seconds, {
    min: 0,
    minExclusive: true,
    max: 300,
    fix: `give seconds such as ${DEFAULT_LOG_REFRESH_INTERVAL_SECONDS}: logs become searchable at most that long after they arrive`,
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
 * `logs-<class>-*` data streams with the ECS mappings and the class's ILM policy.
 */
export function renderIndexTemplate(indexClass: IndexClass, options: IndexTemplateOptions): object {
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
        'index.number_of_replicas': options.replicas,
        'index.refresh_interval': renderSeconds(options.refreshIntervalSeconds ?? DEFAULT_LOG_REFRESH_INTERVAL_SECONDS),
        // One malformed value (a `client.ip` that is no address) drops that field,
        // not the whole log line.
        'index.mapping.ignore_malformed': true,
      },
      mappings: ecsLogMappings(),
    },
  };
}

/** Every index template of the stack, keyed by template name. */
export function indexTemplates(options: IndexTemplateOptions): Record<string, object> {
  const templates: Record<string, object> = {};
  for (const indexClass of INDEX_CLASSES) templates[indexTemplateName(indexClass)] = renderIndexTemplate(indexClass, options);
  return templates;
}
