import { DEAD_LETTER_DATA_STREAM } from '../elasticsearch/index-templates';
import { catchAllClass, catchAllFirst, DEFAULT_LOG_CLASSES, LogClass } from '../core/log-classes';
import { LogstashPipeline, LogstashStatement, LogstashValue } from './logstash-pipeline';

/** Where the image keeps its config, pipelines and data. */
export const LOGSTASH_HOME = '/usr/share/logstash';
export const LOGSTASH_DATA_PATH = `${LOGSTASH_HOME}/data`;
export const LOGSTASH_PIPELINE_PATH = `${LOGSTASH_HOME}/pipeline`;
export const LOGSTASH_API_PORT = 9600;
export const LOGSTASH_BEATS_PORT = 5044;

/** `pipeline.id` of the pipeline that reads Filebeat and writes the class data streams. */
export const MAIN_PIPELINE_ID = 'main';
/** `pipeline.id` of the pipeline that reads the main pipeline's dead-letter queue. */
export const DEAD_LETTER_PIPELINE_ID = 'dead-letters';
/**
 * Logstash's default `path.dead_letter_queue` (`<path.data>/dead_letter_queue`), which holds
 * one directory per pipeline; the `dead_letter_queue` input reads it.
 */
export const LOGSTASH_DEAD_LETTER_QUEUE_PATH = `${LOGSTASH_DATA_PATH}/dead_letter_queue`;
/** Days a dead letter is kept when nothing has read it (`dead_letter_queue.retain.age`). */
export const DEFAULT_DEAD_LETTER_QUEUE_RETAIN_DAYS = 7;

/** The pipeline config file of each pipeline, in the mounted pipeline directory. */
export function pipelineConfigFile(pipelineId: string): string {
  return `${pipelineId}.conf`;
}

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
   * `dead_letter_queue.retain.age`, in days; only with the dead-letter queue.
   * @default DEFAULT_DEAD_LETTER_QUEUE_RETAIN_DAYS
   */
  readonly deadLetterQueueRetainDays?: number;
  /**
   * `pipeline.batch.delay`, in milliseconds: how long a worker waits for more events
   * before it runs an undersized batch through the filters and outputs.
   * @default DEFAULT_BATCH_DELAY_MILLIS
   */
  readonly batchDelayMillis?: number;
}

/**
 * Logstash's own default for `pipeline.batch.delay`, written out so the latency budget
 * reads what is deployed. 50 ms is 1 % of the 5 s target; the Elasticsearch output sends
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
  if (opts.queueType === 'persisted' && opts.queueMaxBytes)
    settings['queue.max_bytes'] = opts.queueMaxBytes;
  settings['dead_letter_queue.enable'] = opts.deadLetterQueue;
  if (opts.deadLetterQueue) {
    if (opts.deadLetterQueueMaxBytes)
      settings['dead_letter_queue.max_bytes'] = opts.deadLetterQueueMaxBytes;
    // Both bound the queue when its reader is stuck: `retain.age` (Logstash >= 8.4) deletes
    // segments older than the age, checked on writes and on the writer's periodic flush;
    // `storage_policy` (>= 8.3) `drop_older` deletes the oldest segments when `max_bytes`
    // is reached, keeping the dead letters that say what fails now. The stack runs 9.4.1
    // or 8.19.21. drop_older counts nothing in the `dropped_events` metric, so the
    // LogstashDeadLetterQueueDropping alert also watches how full the queue is.
    settings['dead_letter_queue.retain.age'] =
      `${opts.deadLetterQueueRetainDays ?? DEFAULT_DEAD_LETTER_QUEUE_RETAIN_DAYS}d`;
    settings['dead_letter_queue.storage_policy'] = 'drop_older';
  }
  return settings;
}

/** Options of pipelines.yml. */
export interface PipelinesConfigOptions {
  /** `pipeline.workers` of the main pipeline. @default - Logstash default, the number of CPU cores */
  readonly pipelineWorkers?: number;
  /** Add the {@link DEAD_LETTER_PIPELINE_ID} pipeline that reads the main pipeline's dead-letter queue. @default false */
  readonly deadLetterQueue?: boolean;
}

/**
 * Renders pipelines.yml: the `main` pipeline and, with the dead-letter queue, the
 * `dead-letters` pipeline, each read from its own file in the mounted pipeline directory.
 */
export function renderPipelinesConfig(opts: PipelinesConfigOptions = {}): object {
  const main: Record<string, unknown> = {
    'pipeline.id': MAIN_PIPELINE_ID,
    'path.config': `${LOGSTASH_PIPELINE_PATH}/${pipelineConfigFile(MAIN_PIPELINE_ID)}`,
  };
  if (opts.pipelineWorkers !== undefined) main['pipeline.workers'] = opts.pipelineWorkers;
  if (!opts.deadLetterQueue) return [main];
  return [
    main,
    {
      'pipeline.id': DEAD_LETTER_PIPELINE_ID,
      'path.config': `${LOGSTASH_PIPELINE_PATH}/${pipelineConfigFile(DEAD_LETTER_PIPELINE_ID)}`,
      // A trickle of events: one worker is plenty.
      'pipeline.workers': 1,
      // Its input is already on disk; a second persisted queue would claim as much of the
      // data volume again as the main one.
      'queue.type': 'memory',
      // Logstash never re-queues what the dead_letter_queue input emits, so a queue of its
      // own would stay empty.
      'dead_letter_queue.enable': false,
    },
  ];
}

/**
 * The guard in front of the output: every event goes to exactly one managed data stream,
 * `logs-<class>-default`, whose index template sets its retention. Filebeat names the
 * data stream on the node (`data_stream.type|dataset|namespace`, from the class its
 * script gives the event); Logstash keeps that dataset when it is one of the log
 * classes and sends anything else (missing, misspelt, set by an application) to the
 * catch-all class, so
 * no input can create an unmanaged data stream. The type and namespace are always set.
 */
export function dataStreamGuardFilters(
  classes: readonly LogClass[] = DEFAULT_LOG_CLASSES,
  namespace = 'default',
): LogstashStatement[] {
  return [
    {
      plugin: 'mutate',
      settings: {
        replace: { '[data_stream][type]': 'logs', '[data_stream][namespace]': namespace },
      },
    },
    {
      if: {
        not: { field: ['data_stream', 'dataset'], in: catchAllFirst(classes).map((c) => c.name) },
      },
      then: [
        {
          plugin: 'mutate',
          settings: { replace: { '[data_stream][dataset]': catchAllClass(classes).name } },
        },
      ],
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

/** A data stream name split into the `data_stream_type|dataset|namespace` of the output. */
interface DataStreamName {
  readonly type: string;
  readonly dataset: string;
  readonly namespace: string;
}

function splitDataStreamName(name: string): DataStreamName {
  const match = /^([a-z]+)-([a-z0-9_.]+)-([a-z0-9_.]+)$/.exec(name);
  if (!match) throw new Error(`not a <type>-<dataset>-<namespace> data stream name: ${name}`);
  return { type: match[1], dataset: match[2], namespace: match[3] };
}

/**
 * One `elasticsearch` output writing to data streams. With `autoRouting` it writes each
 * event to the data stream its `[data_stream][type|dataset|namespace]` fields name, the
 * `data_stream_*` settings being only the fallback; without it, always to `fallback`.
 */
function elasticsearchOutput(
  output: ElasticsearchOutputOptions,
  fallback: DataStreamName,
  autoRouting: boolean,
): LogstashStatement {
  const settings: Record<string, LogstashValue> = {
    hosts: [output.url],
    data_stream: 'true',
    data_stream_auto_routing: autoRouting,
    data_stream_type: fallback.type,
    data_stream_dataset: fallback.dataset,
    data_stream_namespace: fallback.namespace,
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
  return { plugin: 'elasticsearch', settings };
}

/**
 * The main pipeline: Beats in, any extra filters, the data-stream guard, Elasticsearch
 * out. Filebeat has already renamed the flat log shape to ECS, set `@timestamp`, masked and
 * classified the event; it is Logstash's only input, so nothing here does it twice.
 */
export function logstashPipeline(
  output: ElasticsearchOutputOptions,
  extraFilters: readonly LogstashStatement[] = [],
  classes: readonly LogClass[] = DEFAULT_LOG_CLASSES,
): LogstashPipeline {
  return {
    input: [{ plugin: 'beats', settings: { port: LOGSTASH_BEATS_PORT } }],
    // The guard runs last: an extra filter may set [data_stream][dataset] to re-route an
    // event, and still cannot send it outside the log classes.
    filter: [...extraFilters, ...dataStreamGuardFilters(classes)],
    output: [
      elasticsearchOutput(
        output,
        { type: 'logs', dataset: catchAllClass(classes).name, namespace: 'default' },
        true,
      ),
    ],
  };
}

/**
 * The `dead-letters` pipeline: reads what Elasticsearch refused from the main pipeline
 * (the dead-letter queue keeps documents answered 400 or 404) and writes it to the
 * dead-letter data stream, whose template accepts any document. Offsets are committed and
 * read segments deleted (`clean_consumed`, Logstash >= 8.4), so the queue holds only what
 * is still unread. Each event keeps its fields, gets `error.type: dead_letter_queue` and
 * Elasticsearch's reason in `error.message` (the event's own `error.type` and
 * `error.message`, if any, give way), and the tag `dead_letter`. Its `data_stream.*`
 * fields are set to the dead-letter data stream, so they match the name the output writes
 * to (the template maps them as constant keywords).
 */
export function deadLetterPipeline(output: ElasticsearchOutputOptions): LogstashPipeline {
  const target = splitDataStreamName(DEAD_LETTER_DATA_STREAM);
  return {
    input: [
      {
        plugin: 'dead_letter_queue',
        settings: {
          path: LOGSTASH_DEAD_LETTER_QUEUE_PATH,
          pipeline_id: MAIN_PIPELINE_ID,
          commit_offsets: true,
          clean_consumed: true,
        },
      },
    ],
    filter: [
      {
        plugin: 'mutate',
        settings: {
          replace: {
            '[error][type]': 'dead_letter_queue',
            '[error][message]': '%{[@metadata][dead_letter_queue][reason]}',
            '[data_stream][type]': target.type,
            '[data_stream][dataset]': target.dataset,
            '[data_stream][namespace]': target.namespace,
          },
          add_tag: ['dead_letter'],
        },
      },
    ],
    output: [elasticsearchOutput(output, target, false)],
  };
}
