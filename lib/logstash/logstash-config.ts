import { FLAT_TO_ECS_FIELDS } from '../core/log-shape';
import { INDEX_CLASSES } from '../elasticsearch/index-lifecycle';
import { LogstashPipeline, LogstashStatement } from './logstash-pipeline';

/** Where the image keeps its config, pipelines and data. */
export const LOGSTASH_HOME = '/usr/share/logstash';
export const LOGSTASH_DATA_PATH = `${LOGSTASH_HOME}/data`;
export const LOGSTASH_PIPELINE_PATH = `${LOGSTASH_HOME}/pipeline`;
export const LOGSTASH_API_PORT = 9600;
export const LOGSTASH_BEATS_PORT = 5044;

/** Options of logstash.yml. */
export interface LogstashSettingsOptions {
  /** `queue.type`. */
  readonly queueType: 'memory' | 'persisted';
  /** `queue.max_bytes`, e.g. `6144mb`; only for a persisted queue. @default - Logstash default */
  readonly queueMaxBytes?: string;
  /** `dead_letter_queue.enable`. */
  readonly deadLetterQueue: boolean;
  /** `dead_letter_queue.max_bytes`. @default - Logstash default */
  readonly deadLetterQueueMaxBytes?: string;
  /**
   * `pipeline.batch.delay`, in milliseconds: how long a worker waits for more events
   * before it runs an undersized batch through the filters and outputs.
   * @default DEFAULT_BATCH_DELAY_MILLIS
   */
  readonly batchDelayMillis?: number;
}

/**
 * Logstash's own default for `pipeline.batch.delay`, written out so the latency budget
 * reads what is deployed. 50 ms is 1 % of DESIGN's 5 s; the Elasticsearch output sends
 * each batch as it comes, so there is no second wait behind it.
 */
export const DEFAULT_BATCH_DELAY_MILLIS = 50;

/**
 * Renders logstash.yml. `api.http.*` replaces the `http.*` names, which Logstash 9
 * no longer accepts; `config.support_escapes` lets the pipeline renderer escape quotes.
 */
export function renderLogstashSettings(opts: LogstashSettingsOptions): object {
  const settings: Record<string, unknown> = {
    'node.name': '${POD_NAME}',
    'api.enabled': true,
    'api.http.host': '0.0.0.0',
    'api.http.port': LOGSTASH_API_PORT,
    'path.data': LOGSTASH_DATA_PATH,
    'pipeline.ecs_compatibility': 'v8',
    'config.support_escapes': true,
    // Inherited by every pipeline of pipelines.yml that does not set its own.
    'pipeline.batch.delay': opts.batchDelayMillis ?? DEFAULT_BATCH_DELAY_MILLIS,
    'queue.type': opts.queueType,
  };
  if (opts.queueType === 'persisted' && opts.queueMaxBytes) settings['queue.max_bytes'] = opts.queueMaxBytes;
  settings['dead_letter_queue.enable'] = opts.deadLetterQueue;
  if (opts.deadLetterQueue && opts.deadLetterQueueMaxBytes) settings['dead_letter_queue.max_bytes'] = opts.deadLetterQueueMaxBytes;
  return settings;
}

/** Options of pipelines.yml. */
export interface PipelinesConfigOptions {
  /** `pipeline.workers`. @default - Logstash default, the number of CPU cores */
  readonly pipelineWorkers?: number;
}

/** Renders pipelines.yml: one `main` pipeline read from the mounted pipeline directory. */
export function renderPipelinesConfig(opts: PipelinesConfigOptions = {}): object {
  const main: Record<string, unknown> = {
    'pipeline.id': 'main',
    'path.config': `${LOGSTASH_PIPELINE_PATH}/main.conf`,
  };
  if (opts.pipelineWorkers !== undefined) main['pipeline.workers'] = opts.pipelineWorkers;
  return [main];
}


/**
 * Filters that bring the flat log shape to ECS, so both shapes are queried by the same
 * names: `timestamp` becomes `@timestamp`, `level` becomes `log.level`, and so on.
 */
export function ecsNormalisationFilters(): LogstashStatement[] {
  const renames: LogstashStatement[] = FLAT_TO_ECS_FIELDS.map(({ from, to }) => ({
    // Only when the ECS field is absent: an ECS event's own value wins. For `service`,
    // a string value is the flat shape; an object is already ECS.
    if: { and: [{ exists: [from] }, { not: { exists: to } }] },
    then: [{ plugin: 'mutate', settings: { rename: { [from]: `[${to.join('][')}]` } } }],
  }));
  return [
    {
      if: { exists: ['timestamp'] },
      then: [{
        plugin: 'date',
        settings: {
          match: ['timestamp', 'ISO8601', 'UNIX', 'UNIX_MS'],
          target: '@timestamp',
          // remove_field only runs when the date parsed, so a bad value stays visible.
          remove_field: ['timestamp'],
        },
      }],
    },
    ...renames,
  ];
}

/** Index classes with a data stream (and retention) of their own besides `all`. */
const ROUTED_INDEX_CLASSES = INDEX_CLASSES.filter((c) => c !== 'all');

/**
 * Filters that route each event to the data stream of its index class:
 * `logs-<labels.index_class>-<namespace>`, whose index template sets its retention.
 *
 * Every event goes to exactly one data stream: errors, trades and AI requests to
 * their own, everything else (and any unknown or missing class, so that no input can
 * create unmanaged data streams) to `logs-all-*`. "All logs (30 days)" is read as the
 * class of ordinary logs, not a copy of every event: a copy would keep errors and
 * trades twice, and the Kibana `logs-*` data view already searches all classes at once.
 * The fields are always overwritten, whatever the shipper set.
 */
export function indexClassRoutingFilters(namespace = 'default'): LogstashStatement[] {
  return [
    {
      plugin: 'mutate',
      settings: {
        replace: {
          '[data_stream][type]': 'logs',
          '[data_stream][dataset]': 'all',
          '[data_stream][namespace]': namespace,
        },
      },
    },
    {
      if: { field: ['labels', 'index_class'], in: ROUTED_INDEX_CLASSES },
      then: [{ plugin: 'mutate', settings: { replace: { '[data_stream][dataset]': '%{[labels][index_class]}' } } }],
    },
  ];
}

/** Options of the Elasticsearch output. */
export interface ElasticsearchOutputOptions {
  /** The cluster URL. */
  readonly url: string;
  /** CA file to verify the cluster's certificate; undefined when TLS is off. */
  readonly caFile?: string;
  /** Log in with `${ES_USERNAME}` / `${ES_PASSWORD}`. */
  readonly authenticate: boolean;
}

/**
 * The pipeline: Beats in, ECS normalisation, any extra filters, routing by index
 * class, Elasticsearch out. With `data_stream_auto_routing` the output writes each
 * event to the data stream its `[data_stream][type|dataset|namespace]` fields name;
 * the `data_stream_*` settings are only the fallback.
 */
export function logstashPipeline(output: ElasticsearchOutputOptions, extraFilters: readonly LogstashStatement[] = []): LogstashPipeline {
  const settings: Record<string, string | boolean | string[]> = {
    hosts: [output.url],
    data_stream: 'true',
    data_stream_auto_routing: true,
    data_stream_type: 'logs',
    data_stream_dataset: 'all',
    data_stream_namespace: 'default',
  };
  if (output.caFile) {
    settings.ssl_enabled = true;
    settings.ssl_certificate_authorities = [output.caFile];
    settings.ssl_verification_mode = 'full';
  }
  if (output.authenticate) {
    // Substituted by Logstash from the container environment, never written to the ConfigMap.
    settings.user = '${ES_USERNAME}';
    settings.password = '${ES_PASSWORD}';
  }
  return {
    input: [{ plugin: 'beats', settings: { port: LOGSTASH_BEATS_PORT } }],
    // Routing runs last, so extra filters can still classify events.
    filter: [...ecsNormalisationFilters(), ...extraFilters, ...indexClassRoutingFilters()],
    output: [{ plugin: 'elasticsearch', settings }],
  };
}
