import { Alertmanager } from '../alertmanager';
import { durationToSeconds } from '../core/duration';
import { ElasticsearchSetup } from '../elasticsearch';
import { Filebeat } from '../filebeat';
import { Logstash } from '../logstash';
import { Prometheus } from '../prometheus';

/** docs/architecture.md#51-targets: logs searchable less than 5 s after being written. */
export const LOG_SEARCHABLE_TARGET_SECONDS = 5;
/** docs/architecture.md#51-targets: an alert delivered less than 30 s after its condition is met. */
export const ALERT_DELIVERY_TARGET_SECONDS = 30;
/**
 * docs/architecture.md#51-targets: metrics collection less than 1 s behind scrape: a scraped sample
 * queryable within 1 s of the scrape. No setting adds a wait there (the scrape's own
 * duration is only cut off by scrape_timeout), so it is measured, by bench/metrics-delay.ts.
 */
export const METRICS_BEHIND_SCRAPE_TARGET_SECONDS = 1;

/** One wait on a path, as the generated configuration bounds it. */
export interface LatencyPart {
  /** What waits, e.g. `harvester backoff`. */
  readonly name: string;
  /** The longest it can wait, in seconds. */
  readonly seconds: number;
  /** The setting that bounds it, as `file: key = value`. */
  readonly source: string;
}

/** The worst case of one path: its waits, their sum and the target it is held to. */
export interface LatencyBreakdown {
  readonly parts: LatencyPart[];
  readonly totalSeconds: number;
  readonly targetSeconds: number;
  readonly withinTarget: boolean;
}

/** Both budgets of a stack. Processing and network time come on top of every total. */
export interface LatencyBudget {
  /** A line appended to a log file Filebeat has open (a running container) to it being searchable. */
  readonly logs: LatencyBreakdown;
  /**
   * A line in a file Filebeat has not opened yet (a new container, or a file silent for
   * 5 minutes) to it being searchable. Held to the same 5 s target, reported apart
   * because the scan interval replaces the backoff.
   */
  readonly logsNewFile: LatencyBreakdown;
  /** An alert condition becoming true to Alertmanager sending the notice, for the rule with the shortest `for:`. */
  readonly alerts: LatencyBreakdown;
}

/** What the budget reads: the constructs that render the settings. */
export interface LatencyBudgetSources {
  readonly filebeat: Filebeat;
  /** Absent when Filebeat ships straight to Elasticsearch. */
  readonly logstash?: Logstash;
  readonly elasticsearchSetup: ElasticsearchSetup;
  readonly prometheus: Prometheus;
  readonly alertmanager: Alertmanager;
}

function breakdown(parts: LatencyPart[], targetSeconds: number): LatencyBreakdown {
  // Sum in milliseconds: 1 + 0.05 + 1 must print as 2.05, not 2.0500000000000003.
  const totalSeconds = parts.reduce((sum, p) => sum + Math.round(p.seconds * 1000), 0) / 1000;
  return { parts, totalSeconds, targetSeconds, withinTarget: totalSeconds <= targetSeconds };
}

const s = (seconds: number) => `${seconds} s`;

/**
 * The worst case from a log line being written to it being searchable, summed from the
 * settings each construct rendered: Filebeat picks the line up (backoff, or the scan
 * for a file it has not opened), its memory queue waits for a batch, Logstash (when
 * present) waits for its own batch, and Elasticsearch makes the line searchable at the
 * next refresh of the data stream's shard.
 */
export function logSearchableBudget(
  sources: LatencyBudgetSources,
  file: 'open' | 'new' = 'open',
): LatencyBreakdown {
  const { filebeat, logstash, elasticsearchSetup } = sources;
  const pickup: LatencyPart =
    file === 'open'
      ? {
          name: 'harvester backoff (line appended to an open file)',
          seconds: filebeat.logPickupBoundSeconds,
          source: `filebeat.yml: backoff.max = ${s(filebeat.logPickupBoundSeconds)}`,
        }
      : {
          name: 'scan for new files (first lines of a new file)',
          seconds: filebeat.newFilePickupBoundSeconds,
          source: `filebeat.yml: prospector.scanner.check_interval = ${s(filebeat.newFilePickupBoundSeconds)}`,
        };
  const parts: LatencyPart[] = [
    pickup,
    {
      name: 'Filebeat queue flush',
      seconds: filebeat.queueFlushBoundSeconds,
      source: `filebeat.yml: queue.mem.flush.timeout = ${s(filebeat.queueFlushBoundSeconds)}`,
    },
  ];
  if (logstash) {
    parts.push({
      name: 'Logstash batch delay',
      seconds: logstash.batchDelaySeconds,
      source: `logstash.yml: pipeline.batch.delay = ${logstash.batchDelayMillis} ms`,
    });
  }
  parts.push({
    name: 'Elasticsearch refresh',
    seconds: elasticsearchSetup.refreshIntervalSeconds,
    source: `index templates logs-*: index.refresh_interval = ${s(elasticsearchSetup.refreshIntervalSeconds)}`,
  });
  return breakdown(parts, LOG_SEARCHABLE_TARGET_SECONDS);
}

/**
 * The worst case from an alert condition becoming true to the notice leaving
 * Alertmanager: the next scrape, the next evaluation, the `for:` of the fastest rule,
 * and `group_wait` of a new group. The first, second and fourth are what
 * `ObservabilityStack.alertDeliveryBoundSeconds` sums.
 */
export function alertDeliveryBudget(
  prometheus: Prometheus,
  alertmanager: Alertmanager,
): LatencyBreakdown {
  const evaluation = durationToSeconds(prometheus.evaluationInterval);
  return breakdown(
    [
      {
        name: 'scrape',
        seconds: prometheus.longestScrapeIntervalSeconds,
        source: `prometheus.yml: longest scrape_interval = ${s(prometheus.longestScrapeIntervalSeconds)}`,
      },
      {
        name: 'rule evaluation',
        seconds: evaluation,
        source: `prometheus.yml: evaluation_interval = ${s(evaluation)}`,
      },
      {
        name: '`for` of the fastest rule',
        seconds: prometheus.shortestAlertForSeconds,
        source: `rules.yml: shortest for = ${s(prometheus.shortestAlertForSeconds)}`,
      },
      {
        name: 'group wait',
        seconds: alertmanager.longestGroupWaitSeconds,
        source: `alertmanager.yml: longest group_wait = ${s(alertmanager.longestGroupWaitSeconds)}`,
      },
    ],
    ALERT_DELIVERY_TARGET_SECONDS,
  );
}

/** Both budgets, from the constructs of a stack. */
export function latencyBudget(sources: LatencyBudgetSources): LatencyBudget {
  return {
    logs: logSearchableBudget(sources, 'open'),
    logsNewFile: logSearchableBudget(sources, 'new'),
    alerts: alertDeliveryBudget(sources.prometheus, sources.alertmanager),
  };
}
