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
}

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

/** The flat log shape's fields and their ECS names (older services log `level`, `service`, ...). */
export const FLAT_TO_ECS_FIELDS: readonly { readonly from: string; readonly to: readonly string[] }[] = [
  { from: 'level', to: ['log', 'level'] },
  { from: 'service', to: ['service', 'name'] },
  { from: 'trace_id', to: ['trace', 'id'] },
  { from: 'span_id', to: ['span', 'id'] },
];

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
 * The pipeline: Beats in, ECS normalisation and any extra filters, Elasticsearch out.
 * Events go to the `logs-generic-default` data stream; a filter that sets
 * `[data_stream][dataset]` routes an event to another `logs-*` data stream
 * (`data_stream_auto_routing` is on by default).
 */
export function logstashPipeline(output: ElasticsearchOutputOptions, extraFilters: readonly LogstashStatement[] = []): LogstashPipeline {
  const settings: Record<string, string | boolean | string[]> = {
    hosts: [output.url],
    data_stream: 'true',
    data_stream_type: 'logs',
    data_stream_dataset: 'generic',
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
    filter: [...ecsNormalisationFilters(), ...extraFilters],
    output: [{ plugin: 'elasticsearch', settings }],
  };
}
