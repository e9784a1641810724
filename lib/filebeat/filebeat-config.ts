import { renderSeconds } from '../core/duration';
import {
  catchAllClass,
  DEFAULT_LOG_CLASSES,
  INDEX_CLASS_FIELD,
  LogClass,
} from '../core/log-classes';
import { DEAD_LETTER_DATA_STREAM } from '../elasticsearch/index-templates';
import {
  DECODED_LINE_FIELD,
  LogProcessingProps,
  renderLogProcessingProcessor,
} from './log-processing';

/** Where the image keeps Filebeat's files. */
export const FILEBEAT_HOME = '/usr/share/filebeat';
export const FILEBEAT_DATA_PATH = `${FILEBEAT_HOME}/data`;
export const FILEBEAT_HTTP_PORT = 5066;
/** Where the kubelet links every container's log file (into /var/log/pods). */
export const CONTAINER_LOGS_PATH = '/var/log/containers';

/** Ship to Logstash's Beats input. */
export interface FilebeatLogstashOutput {
  readonly kind: 'logstash';
  /** `host:port` of the Beats input. */
  readonly hostPort: string;
}

/** Ship straight to Elasticsearch. */
export interface FilebeatElasticsearchOutput {
  readonly kind: 'elasticsearch';
  readonly url: string;
  /** CA file to verify the cluster; undefined when TLS is off. */
  readonly caFile?: string;
  /** Log in with `${ES_USERNAME}` / `${ES_PASSWORD}`. */
  readonly authenticate: boolean;
}

/**
 * The settings that bound how long a line waits on the node, in seconds. Each is one
 * key of filebeat.yml (named in its comment), written out explicitly even where it
 * equals Filebeat's default, so the latency budget reads what is deployed.
 */
export interface FilebeatTimings {
  /** `backoff.init` of the filestream input: the first wait after a harvester reaches the end of a file. */
  readonly backoffInitSeconds: number;
  /** `backoff.max`: the longest wait before an open, quiet file is read again. */
  readonly backoffMaxSeconds: number;
  /** `prospector.scanner.check_interval`: how often the paths are scanned for new (or closed and changed) files. */
  readonly scanIntervalSeconds: number;
  /** `queue.mem.flush.timeout`: how long the queue waits to fill an output batch before sending a partial one. */
  readonly queueFlushTimeoutSeconds: number;
}

/**
 * Filebeat 9's defaults are backoff 2 s doubling to 10 s, a 10 s scan and a 10 s queue
 * flush timeout: up to 20 s before a line of a quiet file even leaves the node, four
 * times the 5 s target. These keep a quiet file's line on the node for at most 1 s + 1 s
 * (2 s for a new file's first line) at a cost that stays small: one read per open file
 * per second, one directory scan every 2 s (the container log directory holds a few
 * hundred links at most), and a bulk request at most once a second while logs trickle
 * in; under load the queue fills its batch (`flush.min_events`, 1600) and sends sooner,
 * so throughput is unchanged. The same 1 s flush timeout is what Filebeat's own
 * `latency` preset of the Elasticsearch output uses.
 */
/** A new file is read once it holds this many bytes (one CRI line); see FilebeatProps.fingerprintLengthBytes. */
export const DEFAULT_FINGERPRINT_LENGTH_BYTES = 64;

export const DEFAULT_FILEBEAT_TIMINGS: FilebeatTimings = {
  backoffInitSeconds: 1,
  backoffMaxSeconds: 1,
  scanIntervalSeconds: 2,
  queueFlushTimeoutSeconds: 1,
};

/** Options of filebeat.yml. */
export interface FilebeatConfigOptions {
  readonly output: FilebeatLogstashOutput | FilebeatElasticsearchOutput;
  /** Masking and classification on the node. @default - on, with the default key fragments */
  readonly logProcessing?: LogProcessingProps;
  /** The log classes the script classifies into and the events are routed by. @default DEFAULT_LOG_CLASSES */
  readonly logClasses?: readonly LogClass[];
  /** Backoff, scan and queue flush. @default DEFAULT_FILEBEAT_TIMINGS */
  readonly timings?: FilebeatTimings;
  /** `prospector.scanner.fingerprint.length`. @default DEFAULT_FINGERPRINT_LENGTH_BYTES */
  readonly fingerprintLengthBytes?: number;
}

/**
 * Renders filebeat.yml: every container log of the node, with Kubernetes metadata, JSON
 * lines decoded and merged to fit the index templates, secrets, card numbers and IP
 * addresses masked and the event classified and routed, before anything leaves the node.
 */
export function renderFilebeatConfig(opts: FilebeatConfigOptions): object {
  const classes = opts.logClasses ?? DEFAULT_LOG_CLASSES;
  const logProcessing = renderLogProcessingProcessor(opts.logProcessing, classes);
  const timings = opts.timings ?? DEFAULT_FILEBEAT_TIMINGS;
  const config: Record<string, unknown> = {
    'filebeat.inputs': [
      {
        type: 'filestream',
        // A stable id: filestream keys its registry state by it, so changing it re-reads every file.
        id: 'kubernetes-container-logs',
        paths: [`${CONTAINER_LOGS_PATH}/*.log`],
        // The files in /var/log/containers are symlinks into /var/log/pods.
        'prospector.scanner.symlinks': true,
        // A new container's log file waits for the next scan; an open file's next line for the backoff.
        'prospector.scanner.check_interval': renderSeconds(timings.scanIntervalSeconds),
        // Files are told apart by a hash of their first bytes, and not read before they hold them.
        'prospector.scanner.fingerprint.length':
          opts.fingerprintLengthBytes ?? DEFAULT_FINGERPRINT_LENGTH_BYTES,
        'backoff.init': renderSeconds(timings.backoffInitSeconds),
        'backoff.max': renderSeconds(timings.backoffMaxSeconds),
        parsers: [{ container: { stream: 'all' } }],
      },
    ],
    // Top level, not under the input: filestream builds an input's processors once per file
    // it opens, so each new container's log would start its own API server watch (whose first
    // seconds of lines go out without Kubernetes metadata) and its own script engine. Built
    // here, each processor exists once; the order is the same.
    processors: [
      {
        add_kubernetes_metadata: {
          host: '${NODE_NAME}',
          matchers: [{ logs_path: { logs_path: `${CONTAINER_LOGS_PATH}/` } }],
        },
      },
      {
        // Into a field of its own: the script merges it so that nothing the line says
        // replaces what Filebeat wrote (log.file.path, log.offset) or breaks the mapping.
        decode_json_fields: {
          fields: ['message'],
          target: DECODED_LINE_FIELD,
          add_error_key: true,
          // ECS loggers write dotted keys (`log.level`); expanded, they match the flat shape's renamed fields.
          expand_keys: true,
          // Plain-text lines are not JSON; only they would otherwise all carry a decoding error.
          when: { regexp: { message: '^\\s*\\{' } },
        },
      },
      // After decoding, so masking sees the application's fields; plain-text lines too.
      logProcessing,
      flatTimestampProcessor(),
      // The data stream is named here for both outputs: Logstash only checks it, so the
      // routing that the real-tool tier runs is the routing of both paths.
      ...dataStreamRoutingProcessors(classes),
    ],
    'filebeat.registry.path': `${FILEBEAT_DATA_PATH}/registry`,
    // Top level, not under the output: Filebeat accepts the queue in one place only.
    'queue.mem.flush.timeout': renderSeconds(timings.queueFlushTimeoutSeconds),
    // Stats on :5066 (JSON, not Prometheus format) for the exporter sidecar and the
    // kubelet's probes; those come from the node to the pod IP, so not 127.0.0.1.
    'http.enabled': true,
    'http.host': '0.0.0.0',
    'http.port': FILEBEAT_HTTP_PORT,
  };
  const out = opts.output;
  if (out.kind === 'logstash') {
    config['output.logstash'] = { hosts: [out.hostPort] };
  } else {
    const es: Record<string, unknown> = {
      hosts: [out.url],
      index: DATA_STREAM_INDEX,
      // An event Elasticsearch refuses (a 4xx other than 429) is not dropped: it goes, as
      // JSON text in `message` with the status and reason in `error.*`, to the dead-letter
      // data stream, whose template accepts any document (LogsDeadLettered alerts on it).
      'non_indexable_policy.dead_letter_index.index': DEAD_LETTER_DATA_STREAM,
    };
    if (out.authenticate) {
      es.username = '${ES_USERNAME}';
      es.password = '${ES_PASSWORD}';
    }
    if (out.caFile) {
      es['ssl.certificate_authorities'] = [out.caFile];
      es['ssl.verification_mode'] = 'full';
    }
    config['output.elasticsearch'] = es;
    // The setup Job owns the templates and lifecycle policies; Filebeat must not install its own.
    config['setup.template.enabled'] = false;
    config['setup.ilm.enabled'] = false;
  }
  return config;
}

/**
 * Sets `@timestamp` from the flat shape's `timestamp` (ISO 8601, with or without a
 * zone; UTC when none), the way the Logstash pipeline's date filter does. Without it
 * `@timestamp` is the time the container runtime wrote the line, a few milliseconds
 * later. `timestamp` itself stays; other formats leave `@timestamp` as it was.
 */
export function flatTimestampProcessor(): object {
  return {
    timestamp: {
      field: 'timestamp',
      // Go layouts; fractional seconds are accepted after the seconds without being in the layout.
      layouts: [
        '2006-01-02T15:04:05Z07:00',
        '2006-01-02T15:04:05',
        '2006-01-02 15:04:05Z07:00',
        '2006-01-02 15:04:05',
      ],
      // Checked when Filebeat loads the processor: a layout that cannot parse these stops it.
      test: ['2024-01-15T10:30:45.123Z', '2024-01-15T10:30:45+01:00', '2024-01-15 10:30:45'],
      ignore_missing: true,
      ignore_failure: true,
    },
  };
}

/** The data stream an event is written to, from the fields the routing processors set. */
export const DATA_STREAM_INDEX = 'logs-%{[data_stream.dataset]}-%{[data_stream.namespace]}';

/**
 * Processors that name each event's data stream `logs-<log class>-default`, the same
 * routing Logstash applies: each class but the catch-all to its own data stream, every
 * other event (and any unknown or missing class, so no input can create an unmanaged
 * data stream) to the catch-all. `add_fields` overwrites whatever the application set.
 */
export function dataStreamRoutingProcessors(
  classes: readonly LogClass[] = DEFAULT_LOG_CLASSES,
  namespace = 'default',
): object[] {
  const dataStream = (dataset: string) => ({
    target: 'data_stream',
    fields: { type: 'logs', dataset, namespace },
  });
  const fallback = catchAllClass(classes).name;
  return [
    { add_fields: dataStream(fallback) },
    ...classes
      .filter((c) => c.name !== fallback)
      .map((c) => ({
        add_fields: { ...dataStream(c.name), when: { equals: { [INDEX_CLASS_FIELD]: c.name } } },
      })),
  ];
}
