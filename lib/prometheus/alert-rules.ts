import { IConstruct } from 'constructs';
import { ErrorScope, invalidProp } from '../core/errors';
import { validateDuration } from '../core/duration';
import { AlertRunbook } from './alert-runbook';
import { PrometheusRule } from './prometheus-config';

/**
 * Severity label of an alert, which Alertmanager routes on: critical pages
 * (PagerDuty, then Slack), warning goes to chat, none is never delivered.
 */
export enum AlertSeverity {
  CRITICAL = 'critical',
  WARNING = 'warning',
  NONE = 'none',
}

/** Names of the alerts this package defines, for routes and silences. */
export enum AlertName {
  HTTP_5XX_ERROR_BURST = 'Http5xxErrorBurst',
  HTTP_LATENCY_P95_HIGH = 'HttpLatencyP95High',
  NODE_CPU_HIGH = 'NodeCpuHigh',
  NODE_DISK_ALMOST_FULL = 'NodeDiskAlmostFull',
  NODE_MEMORY_PRESSURE = 'NodeMemoryPressure',
  CONTAINER_OOM_KILLED = 'ContainerOomKilled',
  TARGET_DOWN = 'TargetDown',
  KUBE_POD_CRASH_LOOPING = 'KubePodCrashLooping',
  OBSERVABILITY_COMPONENT_DOWN = 'ObservabilityComponentDown',
  ELASTICSEARCH_CLUSTER_RED = 'ElasticsearchClusterRed',
  ELASTICSEARCH_CLUSTER_YELLOW = 'ElasticsearchClusterYellow',
  ELASTICSEARCH_DISK_WATERMARK_LOW = 'ElasticsearchDiskWatermarkLow',
  ELASTICSEARCH_DISK_WATERMARK_HIGH = 'ElasticsearchDiskWatermarkHigh',
  LOGSTASH_PIPELINE_STALLED = 'LogstashPipelineStalled',
  LOGSTASH_DEAD_LETTERS = 'LogstashDeadLetters',
  LOGSTASH_DEAD_LETTER_QUEUE_DROPPING = 'LogstashDeadLetterQueueDropping',
  LOGS_DEAD_LETTERED = 'LogsDeadLettered',
  ELASTICSEARCH_SNAPSHOT_STALE = 'ElasticsearchSnapshotStale',
  FILEBEAT_OUTPUT_STALLED = 'FilebeatOutputStalled',
  FILEBEAT_DROPPING_EVENTS = 'FilebeatDroppingEvents',
  JAEGER_DROPPING_SPANS = 'JaegerDroppingSpans',
  PROMETHEUS_RULE_EVALUATION_FAILURES = 'PrometheusRuleEvaluationFailures',
  ALERTMANAGER_NOTIFICATIONS_FAILING = 'AlertmanagerNotificationsFailing',
  WATCHDOG = 'Watchdog',
}

/** Thresholds and windows of the alert rules (docs/architecture.md#55-metrics-and-alerts). */
export interface AlertRulesProps {
  /**
   * Base of every rule's `runbook_url` annotation; the alert name and `.md` are appended.
   * The default is this package's runbook pages, `docs/runbooks/` of its repository; a team
   * that hosts its own copy of the pages (a wiki, an internal Git server) points here.
   * @default 'https://github.com/observability-stack/k8s-stack/blob/main/docs/runbooks/'
   */
  readonly runbookBaseUrl?: string;
  /** HTTP 5xx responses of one service within 5 minutes above which `Http5xxErrorBurst` fires. @default 100 */
  readonly http5xxPerFiveMinutes?: number;
  /** p95 request latency of one service, in seconds, above which `HttpLatencyP95High` fires. @default 1 */
  readonly p95LatencySeconds?: number;
  /** How long the p95 latency must stay too high. @default '10m' */
  readonly latencyFor?: string;
  /** Busy fraction of a node's CPUs above which `NodeCpuHigh` fires, in (0, 1]. @default 0.8 */
  readonly cpuUtilisation?: number;
  /** How long CPU must stay above `cpuUtilisation`. @default '15m' */
  readonly cpuFor?: string;
  /** Used fraction of a node file system above which `NodeDiskAlmostFull` fires, in (0, 1]. @default 0.9 */
  readonly diskUtilisation?: number;
  /** How long the disk must stay above `diskUtilisation`. @default '5m' */
  readonly diskFor?: string;
  /**
   * Used fraction of a node's memory (1 - MemAvailable / MemTotal) above which
   * `NodeMemoryPressure` fires, in (0, 1].
   * @default 0.9
   */
  readonly memoryUtilisation?: number;
  /** How long memory must stay above `memoryUtilisation`. @default '10m' */
  readonly memoryFor?: string;
  /** How long a scrape target must be down before `TargetDown` / `ObservabilityComponentDown` fire. @default '5m' */
  readonly targetDownFor?: string;
  /** Container restarts within `crashLoopWindow` above which `KubePodCrashLooping` fires. @default 3 */
  readonly crashLoopRestarts?: number;
  /** Window over which restarts are counted. @default '15m' */
  readonly crashLoopWindow?: string;
  /**
   * Used fraction of an Elasticsearch data path above which `ElasticsearchDiskWatermarkLow`
   * fires: Elasticsearch's own low watermark (85%), past which it allocates no new shards to the node.
   * @default 0.85
   */
  readonly elasticsearchDiskLowWatermark?: number;
  /**
   * Used fraction above which `ElasticsearchDiskWatermarkHigh` fires: Elasticsearch's high
   * watermark (90%), past which it moves shards away; at 95% (flood stage) indices turn read-only.
   * @default 0.9
   */
  readonly elasticsearchDiskHighWatermark?: number;
  /** How long a Logstash pipeline may take events in without sending any out. @default '10m' */
  readonly logstashStalledFor?: string;
  /** How long Filebeat may hold events without its output acknowledging any. @default '10m' */
  readonly filebeatStalledFor?: string;
}

/** Who is validating: errors name this construct and prefix prop names with `propPrefix`. */
export interface AlertRuleOptions {
  /** @default - a standalone scope named 'alert-rules' */
  readonly scope?: IConstruct;
  /** Prefix of prop names in errors, such as `alerts.`. @default '' */
  readonly propPrefix?: string;
}

/** {@link AlertRulesProps} with every default applied and checked. */
export interface ResolvedAlertRules {
  readonly runbookBaseUrl: string;
  readonly http5xxPerFiveMinutes: number;
  readonly p95LatencySeconds: number;
  readonly latencyFor: string;
  readonly cpuUtilisation: number;
  readonly cpuFor: string;
  readonly diskUtilisation: number;
  readonly diskFor: string;
  readonly memoryUtilisation: number;
  readonly memoryFor: string;
  readonly targetDownFor: string;
  readonly crashLoopRestarts: number;
  readonly crashLoopWindow: string;
  readonly elasticsearchDiskLowWatermark: number;
  readonly elasticsearchDiskHighWatermark: number;
  readonly logstashStalledFor: string;
  readonly filebeatStalledFor: string;
}

/**
 * The runbook pages in this package's repository (package.json `repository`), rendered there by
 * `npm run docs:runbooks` as `docs/runbooks/<alert>.md`.
 */
export const DEFAULT_RUNBOOK_BASE_URL =
  'https://github.com/observability-stack/k8s-stack/blob/main/docs/runbooks/';

/** Applies defaults and validates; throws a ConfigError naming the prop, the value and the fix. */
export function resolveAlertRules(
  props: AlertRulesProps = {},
  options: AlertRuleOptions = {},
): ResolvedAlertRules {
  const scope = alertRulesScope(options);
  const p = (name: string) => `${options.propPrefix ?? ''}${name}`;
  const ratio = (name: string, value: number) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1) {
      invalidProp(
        scope,
        p(name),
        value,
        'must be a fraction in (0, 1]',
        'give a ratio such as 0.8 for 80%',
      );
    }
    return value;
  };
  const positive = (name: string, value: number, integer = false) => {
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value <= 0 ||
      (integer && !Number.isInteger(value))
    ) {
      invalidProp(
        scope,
        p(name),
        value,
        `must be a positive ${integer ? 'integer' : 'number'}`,
        `give a value above zero${integer ? ' without a fraction' : ''}`,
      );
    }
    return value;
  };
  const duration = (name: string, value: string) => validateDuration(scope, p(name), value);

  const runbookBaseUrl = props.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL;
  if (typeof runbookBaseUrl !== 'string' || !/^https?:\/\/[^\s{}]+$/.test(runbookBaseUrl)) {
    invalidProp(
      scope,
      p('runbookBaseUrl'),
      runbookBaseUrl,
      'is not an http(s) URL',
      `use a base such as '${DEFAULT_RUNBOOK_BASE_URL}'`,
    );
  }
  const resolved: ResolvedAlertRules = {
    runbookBaseUrl: runbookBaseUrl.endsWith('/') ? runbookBaseUrl : `${runbookBaseUrl}/`,
    http5xxPerFiveMinutes: positive(
      'http5xxPerFiveMinutes',
      props.http5xxPerFiveMinutes ?? 100,
      true,
    ),
    p95LatencySeconds: positive('p95LatencySeconds', props.p95LatencySeconds ?? 1),
    latencyFor: duration('latencyFor', props.latencyFor ?? '10m'),
    cpuUtilisation: ratio('cpuUtilisation', props.cpuUtilisation ?? 0.8),
    cpuFor: duration('cpuFor', props.cpuFor ?? '15m'),
    diskUtilisation: ratio('diskUtilisation', props.diskUtilisation ?? 0.9),
    diskFor: duration('diskFor', props.diskFor ?? '5m'),
    memoryUtilisation: ratio('memoryUtilisation', props.memoryUtilisation ?? 0.9),
    memoryFor: duration('memoryFor', props.memoryFor ?? '10m'),
    targetDownFor: duration('targetDownFor', props.targetDownFor ?? '5m'),
    crashLoopRestarts: positive('crashLoopRestarts', props.crashLoopRestarts ?? 3, true),
    crashLoopWindow: duration('crashLoopWindow', props.crashLoopWindow ?? '15m'),
    elasticsearchDiskLowWatermark: ratio(
      'elasticsearchDiskLowWatermark',
      props.elasticsearchDiskLowWatermark ?? 0.85,
    ),
    elasticsearchDiskHighWatermark: ratio(
      'elasticsearchDiskHighWatermark',
      props.elasticsearchDiskHighWatermark ?? 0.9,
    ),
    logstashStalledFor: duration('logstashStalledFor', props.logstashStalledFor ?? '10m'),
    filebeatStalledFor: duration('filebeatStalledFor', props.filebeatStalledFor ?? '10m'),
  };
  if (resolved.elasticsearchDiskHighWatermark <= resolved.elasticsearchDiskLowWatermark) {
    invalidProp(
      scope,
      p('elasticsearchDiskHighWatermark'),
      resolved.elasticsearchDiskHighWatermark,
      `must be above elasticsearchDiskLowWatermark (${resolved.elasticsearchDiskLowWatermark})`,
      'raise the high watermark or lower the low one',
    );
  }
  return resolved;
}

/** What every alert of this package carries. */
export interface AlertSpec {
  /** The alert name: one of a mixin's enum of names, such as `AlertName`. */
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly severity: AlertSeverity;
  /** One line, for notification titles. */
  readonly summary: string;
  /** Details, with `{{ $labels.x }}` and `{{ $value }}` templating. */
  readonly description: string;
  /**
   * What it means, how to check, how to fix: the page `runbook_url` points at. It must not
   * depend on the environment or the thresholds (the description carries those): one page
   * serves every environment.
   */
  readonly runbook: AlertRunbook;
}

/**
 * An alerting rule with `severity`, `summary`, `description` and `runbook_url`, carrying its
 * runbook for `npm run docs:runbooks`.
 */
export function alertRule(config: ResolvedAlertRules, spec: AlertSpec): PrometheusRule {
  return {
    alert: spec.alert,
    expr: spec.expr,
    for: spec.for,
    labels: { severity: spec.severity },
    annotations: {
      summary: spec.summary,
      description: spec.description,
      runbook_url: `${config.runbookBaseUrl}${spec.alert}.md`,
    },
    runbook: spec.runbook,
  };
}

/** The construct errors are reported against. */
export function alertRulesScope(options: AlertRuleOptions): ErrorScope {
  return options.scope ?? 'alert-rules';
}

/** 0.8 -> '80%'. */
export function percent(ratio: number): string {
  return `${Math.round(ratio * 10000) / 100}%`;
}
