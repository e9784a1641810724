import { RuleDuration, ResolvedKibanaAlertRuleOptions } from '../kibana/kibana-alert-rules';
import { LOGS_INDEX_PATTERN } from '../kibana/kibana-data-view';
import { LOG_LEVEL_SPELLINGS } from '../kibana/kibana-searches';
import { AlertSeverity } from '../prometheus/alert-rules';
import { AlertRunbook } from '../prometheus/alert-runbook';
import { CRITICAL_LOG_RUNBOOK, ERROR_LOG_BURST_RUNBOOK } from '../monitoring/log-alerts-runbooks';

/** Names of the log alerts (`alertname` in Alertmanager), for routes and silences. */
export enum LogAlert {
  /** More than `errorBurst.threshold` ERROR logs of one service within `errorBurst.window`. */
  ERROR_LOG_BURST = 'ServiceErrorLogBurst',
  /** More than `criticalLog.threshold` (by default: any) CRITICAL logs within `criticalLog.window`. */
  CRITICAL_LOG = 'ServiceCriticalLog',
}

/** The rule group the log alerts' runbook pages list them under. */
export const LOG_ALERTS_GROUP = 'log-alerts';

/** The ECS fields a log alert reads from the log that fired it. */
export const LOG_ALERT_FIELDS = {
  timestamp: '@timestamp',
  level: 'log.level',
  service: 'service.name',
  /** Added by Filebeat's Kubernetes metadata; absent for logs from elsewhere. */
  namespace: 'kubernetes.namespace',
  message: 'message',
} as const;

/**
 * What an ElastAlert 2 rule selects and when it fires: the part of a rule file that does not
 * depend on where alerts go (`type`, `index`, `filter`, counts and windows).
 */
export interface ElastAlertQuery {
  readonly type: 'frequency' | 'any';
  readonly index: string;
  readonly timestamp_field: string;
  readonly filter: readonly object[];
  /** Counted per value of this field (`frequency` only). */
  readonly query_key?: string;
  /** Fires at this many matching logs within `timeframe`, inclusive (`frequency` only). */
  readonly num_events?: number;
  readonly timeframe?: ElastAlertDuration;
  readonly run_every: ElastAlertDuration;
  /** How far back each run searches: the whole window, so late logs still count. */
  readonly buffer_time: ElastAlertDuration;
  readonly is_enabled: boolean;
}

/** An ElastAlert duration (Python `timedelta` keyword arguments). */
export interface ElastAlertDuration {
  readonly seconds: number;
}

/** One log alert: its Alertmanager identity, its text, its runbook and its query. */
export interface LogAlertSpec {
  readonly alert: LogAlert;
  readonly severity: AlertSeverity;
  /** The `summary` annotation: the same everywhere. */
  readonly summary: string;
  /**
   * The `description` annotation, a Python format string over `descriptionFields` (ElastAlert's
   * `alert_text` and `alert_text_args`); a field the log lacks reads `unknown`.
   */
  readonly description: string;
  readonly descriptionFields: readonly string[];
  /** The condition in words, with the thresholds (the runbook page shows it). */
  readonly condition: string;
  readonly runbook: AlertRunbook;
  readonly query: ElastAlertQuery;
  /** How long after its last firing the alert resolves in Alertmanager (`endsAt`). */
  readonly resolveAfter: RuleDuration;
}

function duration(d: RuleDuration): ElastAlertDuration {
  return { seconds: d.toSeconds() };
}

function levelFilter(levels: readonly string[]): object[] {
  return [{ terms: { [LOG_ALERT_FIELDS.level]: [...levels] } }];
}

/**
 * The log alerts of the Kibana rules' options (docs/architecture.md#54-kibana): the same
 * thresholds, windows, check intervals and `enabled`, over the same `logs-*` data streams and
 * the same level spellings, as ElastAlert 2 `frequency` rules. Kibana's rule fires when the count
 * is above the threshold; ElastAlert's `num_events` is inclusive, hence `threshold + 1`.
 * Both count per `service.name` (Kibana's critical rule counts all services together: the same
 * for the default threshold 0). `errorBurst.maxServices` limits only Kibana's grouped query:
 * ElastAlert counts every service.
 */
export function logAlertSpecs(rules: ResolvedKibanaAlertRuleOptions): LogAlertSpec[] {
  const burst = rules.errorBurst;
  const critical = rules.criticalLog;
  const common = {
    type: 'frequency',
    index: LOGS_INDEX_PATTERN,
    timestamp_field: LOG_ALERT_FIELDS.timestamp,
    is_enabled: rules.enabled,
  } as const;
  return [
    {
      alert: LogAlert.ERROR_LOG_BURST,
      severity: AlertSeverity.WARNING,
      summary: 'A service logs a burst of ERROR lines',
      description: `Service {0} (namespace {1}) logged more than ${burst.threshold} ERROR logs within ${burst.window}. The latest: {2}`,
      descriptionFields: [
        LOG_ALERT_FIELDS.service,
        LOG_ALERT_FIELDS.namespace,
        LOG_ALERT_FIELDS.message,
      ],
      condition: `more than ${burst.threshold} ERROR logs of one \`${LOG_ALERT_FIELDS.service}\` within ${burst.window}, checked every ${burst.checkInterval}`,
      runbook: ERROR_LOG_BURST_RUNBOOK,
      resolveAfter: burst.window,
      query: {
        ...common,
        filter: levelFilter(LOG_LEVEL_SPELLINGS.error),
        query_key: LOG_ALERT_FIELDS.service,
        num_events: burst.threshold + 1,
        timeframe: duration(burst.window),
        run_every: duration(burst.checkInterval),
        buffer_time: duration(burst.window),
      },
    },
    {
      alert: LogAlert.CRITICAL_LOG,
      severity: AlertSeverity.CRITICAL,
      summary: 'A service logged a CRITICAL line',
      description:
        critical.threshold === 0
          ? 'Service {0} (namespace {1}) logged a CRITICAL line: {2}'
          : `Service {0} (namespace {1}) logged more than ${critical.threshold} CRITICAL lines within ${critical.window}. The latest: {2}`,
      descriptionFields: [
        LOG_ALERT_FIELDS.service,
        LOG_ALERT_FIELDS.namespace,
        LOG_ALERT_FIELDS.message,
      ],
      condition:
        critical.threshold === 0
          ? `any CRITICAL log, checked every ${critical.checkInterval} over the last ${critical.window}; one alert per \`${LOG_ALERT_FIELDS.service}\``
          : `more than ${critical.threshold} CRITICAL logs of one \`${LOG_ALERT_FIELDS.service}\` within ${critical.window}, checked every ${critical.checkInterval}`,
      runbook: CRITICAL_LOG_RUNBOOK,
      resolveAfter: critical.window,
      query: {
        ...common,
        filter: levelFilter(LOG_LEVEL_SPELLINGS.critical),
        // Per service, so that one service's CRITICAL log does not hide another's for `realert`.
        query_key: LOG_ALERT_FIELDS.service,
        num_events: critical.threshold + 1,
        timeframe: duration(critical.window),
        run_every: duration(critical.checkInterval),
        buffer_time: duration(critical.window),
      },
    },
  ];
}

/** Where a log alert goes and what it carries besides the query. */
export interface LogAlertDelivery {
  /** Alertmanager base URLs (`http://alertmanager.observability.svc:9093`). */
  readonly alertmanagerUrls: readonly string[];
  /** Labels every alert carries (the stack's `env` and `region`, as Prometheus' external labels). */
  readonly labels: Readonly<Record<string, string>>;
  /** Base of the `runbook_url` annotation; `<alert>.md` is appended. */
  readonly runbookBaseUrl: string;
}

/** A Jinja expression for a field of the log, or '' when the log lacks it (Alertmanager drops empty labels). */
function jinjaField(field: string): string {
  const [head, ...rest] = field.split('.');
  let expr = head;
  for (const part of rest) expr = `(${expr} | default({})).${part}`;
  return `{{ ${expr} | default('') }}`;
}

/** The fields a rule fetches of each matching log: what its labels and text read, no more. */
function includedFields(spec: LogAlertSpec): string[] {
  return [
    ...new Set([
      LOG_ALERT_FIELDS.timestamp,
      LOG_ALERT_FIELDS.service,
      LOG_ALERT_FIELDS.namespace,
      ...spec.descriptionFields,
    ]),
  ];
}

/**
 * One ElastAlert 2 rule file (as an object): the query, and the `alertmanager` alerter posting
 * to Alertmanager's API v2 with the labels `alertname`, `severity`, `service` and `namespace` of
 * the log (where it has them), the delivery's labels, and the annotations `summary`,
 * `description` and `runbook_url`. ElastAlert adds the label `elastalert_rule` (the rule's name,
 * here the alert's). The alert stays firing `resolveAfter` past its last match.
 */
export function renderElastAlertRule(
  spec: LogAlertSpec,
  delivery: LogAlertDelivery,
): Record<string, unknown> {
  return {
    name: spec.alert,
    ...spec.query,
    include: includedFields(spec),
    // One alert per query key (service) and check interval at most; Alertmanager groups the rest.
    realert: spec.query.run_every,
    alert: ['alertmanager'],
    alertmanager_api_version: 'v2',
    alertmanager_hosts: [...delivery.alertmanagerUrls],
    alertmanager_alertname: spec.alert,
    alertmanager_labels: {
      ...delivery.labels,
      severity: spec.severity,
      service: jinjaField(LOG_ALERT_FIELDS.service),
      namespace: jinjaField(LOG_ALERT_FIELDS.namespace),
    },
    alertmanager_annotations: {
      runbook_url: `${delivery.runbookBaseUrl}${spec.alert}.md`,
    },
    alertmanager_resolve_time: duration(spec.resolveAfter),
    alert_subject: spec.summary,
    alert_text: spec.description,
    alert_text_args: [...spec.descriptionFields],
    alert_text_type: 'alert_text_only',
    alert_missing_value: 'unknown',
  };
}

/** Where ElastAlert finds its cluster, rules and writeback index. */
export interface ElastAlertGlobalOptions {
  readonly rulesFolder: string;
  readonly esHost: string;
  readonly esPort: number;
  /** With TLS, the CA file the cluster's certificate is verified with; undefined for plain HTTP. */
  readonly caFile?: string;
  readonly writebackIndex: string;
  /** The shortest check interval of the rules (each rule sets its own `run_every`). */
  readonly runEvery: ElastAlertDuration;
  /** The longest window of the rules (each rule sets its own `buffer_time`). */
  readonly bufferTime: ElastAlertDuration;
}

/**
 * ElastAlert 2's config.yaml. The Elasticsearch user and password are not in it: ElastAlert reads
 * them from the environment (`ES_USERNAME`, `ES_PASSWORD`), filled from a Secret.
 */
export function renderElastAlertConfig(options: ElastAlertGlobalOptions): Record<string, unknown> {
  return {
    rules_folder: options.rulesFolder,
    run_every: options.runEvery,
    buffer_time: options.bufferTime,
    es_host: options.esHost,
    es_port: options.esPort,
    use_ssl: options.caFile !== undefined,
    ...(options.caFile !== undefined ? { verify_certs: true, ca_certs: options.caFile } : {}),
    writeback_index: options.writebackIndex,
    // Retry an alert that could not be posted (Alertmanager restarting) for up to 10 minutes.
    alert_time_limit: { minutes: 10 },
  };
}

/** The rule file name of a log alert in the rules folder. */
export function logAlertRuleFile(alert: LogAlert): string {
  return `${alert}.yaml`;
}
