import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { validateInteger } from '../core/names';
import { LOGS_INDEX_PATTERN } from './kibana-data-view';
import { LOG_LEVEL_SPELLINGS } from './kibana-searches';

/** Units of Kibana rule durations (`timeWindowUnit`, `schedule.interval`). */
export enum RuleTimeUnit {
  SECONDS = 's',
  MINUTES = 'm',
  HOURS = 'h',
  DAYS = 'd',
}

const SECONDS_PER_UNIT: { readonly [U in RuleTimeUnit]: number } = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

/** A rule time window or check interval: `RuleDuration.minutes(5)`. */
export class RuleDuration {
  public static seconds(amount: number): RuleDuration {
    return new RuleDuration(amount, RuleTimeUnit.SECONDS);
  }
  public static minutes(amount: number): RuleDuration {
    return new RuleDuration(amount, RuleTimeUnit.MINUTES);
  }
  public static hours(amount: number): RuleDuration {
    return new RuleDuration(amount, RuleTimeUnit.HOURS);
  }
  public static days(amount: number): RuleDuration {
    return new RuleDuration(amount, RuleTimeUnit.DAYS);
  }

  private constructor(
    public readonly amount: number,
    public readonly unit: RuleTimeUnit,
  ) {}

  /** The Kibana duration string, e.g. `5m`. */
  public toString(): string {
    return `${this.amount}${this.unit}`;
  }

  public toSeconds(): number {
    return this.amount * SECONDS_PER_UNIT[this.unit];
  }
}

/** The error burst rule: too many ERROR logs of one service. */
export interface ErrorBurstRuleOptions {
  /** Alert when one service logs more than this many ERROR logs in the window. @default 10 */
  readonly threshold?: number;
  /** @default RuleDuration.minutes(5) */
  readonly window?: RuleDuration;
  /** How often the rule runs; at most the window, or logs between runs go unseen. @default RuleDuration.minutes(1) */
  readonly checkInterval?: RuleDuration;
  /** Services checked per run, those with the most errors first (`termSize`, 1 to 1000). @default 100 */
  readonly maxServices?: number;
}

/** The critical log rule: any CRITICAL log. */
export interface CriticalLogRuleOptions {
  /** Alert when more than this many CRITICAL logs arrive in the window. @default 0 */
  readonly threshold?: number;
  /** @default RuleDuration.minutes(1) */
  readonly window?: RuleDuration;
  /** @default RuleDuration.minutes(1) */
  readonly checkInterval?: RuleDuration;
}

/** Options of the log alert rules. */
export interface KibanaAlertRuleOptions {
  /** @default - more than 10 ERROR logs of one service in 5 minutes, checked every minute */
  readonly errorBurst?: ErrorBurstRuleOptions;
  /** @default - any CRITICAL log within 1 minute, checked every minute */
  readonly criticalLog?: CriticalLogRuleOptions;
  /** Run the rules. @default true */
  readonly enabled?: boolean;
  /** @default ['observability', 'logs'] */
  readonly tags?: string[];
}

/** {@link KibanaAlertRuleOptions} after defaults and validation. */
export interface ResolvedKibanaAlertRuleOptions {
  readonly errorBurst: Required<ErrorBurstRuleOptions>;
  readonly criticalLog: Required<CriticalLogRuleOptions>;
  readonly enabled: boolean;
  readonly tags: string[];
}

/** `params` of an Elasticsearch query rule (`.es-query`) with a query DSL search. */
export interface EsQueryRuleParams {
  readonly searchType: 'esQuery';
  /** The query DSL as a JSON string; only `query` (and `fields`, `_source`, `runtime_mappings`) is used. */
  readonly esQuery: string;
  readonly index: readonly string[];
  readonly timeField: string;
  readonly threshold: readonly number[];
  readonly thresholdComparator: '>';
  readonly timeWindowSize: number;
  readonly timeWindowUnit: RuleTimeUnit;
  /** Documents passed to actions (per group when grouped). */
  readonly size: number;
  readonly aggType: 'count';
  readonly groupBy: 'all' | 'top';
  readonly termField?: string;
  readonly termSize?: number;
  /** Count only documents newer than the previous run's latest hit. */
  readonly excludeHitsFromPreviousRun: boolean;
}

/** Body of `PUT /api/alerting/rule/<id>`: what the update API accepts. */
export interface KibanaRuleUpdateBody {
  readonly name: string;
  readonly tags: readonly string[];
  readonly schedule: { readonly interval: string };
  readonly params: EsQueryRuleParams;
  readonly actions: readonly object[];
}

/** Body of `POST /api/alerting/rule/<id>`; `rule_type_id`, `consumer` and `enabled` are fixed at creation. */
export interface KibanaRuleCreateBody extends KibanaRuleUpdateBody {
  readonly rule_type_id: '.es-query';
  readonly consumer: 'stackAlerts';
  readonly enabled: boolean;
}

/** One rule, created or updated by its stable id. */
export interface KibanaAlertRule {
  readonly id: string;
  readonly create: KibanaRuleCreateBody;
  readonly update: KibanaRuleUpdateBody;
}

/** Stable rule ids: `GET /api/alerting/rule/<id>` finds them on the next run. */
export const KIBANA_RULE_IDS = {
  errorBurst: 'observability-error-burst',
  criticalLog: 'observability-critical-log',
} as const;

/** Highest `termSize` Kibana accepts for a grouped Elasticsearch query rule. */
const MAX_GROUPS = 1000;
/** Documents each alert carries to its actions. */
const HITS_PER_ALERT = 10;

function validateWindowAndInterval(
  scope: IConstruct,
  prop: string,
  window: RuleDuration,
  checkInterval: RuleDuration,
): void {
  validateInteger(scope, `${prop}.window`, window.amount, 1);
  validateInteger(scope, `${prop}.checkInterval`, checkInterval.amount, 1);
  if (checkInterval.toSeconds() > window.toSeconds()) {
    invalidProp(
      scope,
      `${prop}.checkInterval`,
      checkInterval.toString(),
      `must not be longer than the window (${window}), or logs between two runs are never counted`,
      `check at least every ${window}`,
    );
  }
}

/**
 * Applies the defaults and validates the options; errors name `<prefix>.<option>`. The
 * construct that provisions the rules (the Kibana setup Job) calls it with `this`.
 */
export function resolveKibanaAlertRuleOptions(
  scope: IConstruct,
  options: KibanaAlertRuleOptions = {},
  prefix?: string,
): ResolvedKibanaAlertRuleOptions {
  const name = (option: string) => (prefix ? `${prefix}.${option}` : option);
  const burst = options.errorBurst ?? {};
  const errorBurst: Required<ErrorBurstRuleOptions> = {
    threshold: validateInteger(scope, name('errorBurst.threshold'), burst.threshold ?? 10, 0),
    window: burst.window ?? RuleDuration.minutes(5),
    checkInterval: burst.checkInterval ?? RuleDuration.minutes(1),
    maxServices: validateInteger(
      scope,
      name('errorBurst.maxServices'),
      burst.maxServices ?? 100,
      1,
      MAX_GROUPS,
    ),
  };
  validateWindowAndInterval(scope, name('errorBurst'), errorBurst.window, errorBurst.checkInterval);
  const critical = options.criticalLog ?? {};
  const criticalLog: Required<CriticalLogRuleOptions> = {
    threshold: validateInteger(scope, name('criticalLog.threshold'), critical.threshold ?? 0, 0),
    window: critical.window ?? RuleDuration.minutes(1),
    checkInterval: critical.checkInterval ?? RuleDuration.minutes(1),
  };
  validateWindowAndInterval(
    scope,
    name('criticalLog'),
    criticalLog.window,
    criticalLog.checkInterval,
  );
  const tags = options.tags ?? ['observability', 'logs'];
  const badTag = tags.find((t) => typeof t !== 'string' || t.trim() === '');
  if (badTag !== undefined) {
    invalidProp(
      scope,
      name('tags'),
      tags,
      'must not contain empty tags',
      'remove the empty entries',
    );
  }
  return { errorBurst, criticalLog, enabled: options.enabled ?? true, tags: [...tags] };
}

function levelQuery(levels: readonly string[]): string {
  return JSON.stringify({ query: { bool: { filter: [{ terms: { 'log.level': levels } }] } } });
}

function rule(
  id: string,
  name: string,
  checkInterval: RuleDuration,
  params: EsQueryRuleParams,
  options: ResolvedKibanaAlertRuleOptions,
): KibanaAlertRule {
  // No actions: the rules raise alerts in Kibana's Alerts view only. Notifications come from the
  // same options run by ElastAlert 2 (lib/elastalert/), through Alertmanager; a connector here
  // would notify twice.
  const update: KibanaRuleUpdateBody = {
    name,
    tags: options.tags,
    schedule: { interval: checkInterval.toString() },
    params,
    actions: [],
  };
  return {
    id,
    create: {
      ...update,
      rule_type_id: '.es-query',
      consumer: 'stackAlerts',
      enabled: options.enabled,
    },
    update,
  };
}

/**
 * The log alert rules of docs/architecture.md#54-kibana, as Elasticsearch query rules over `logs-*` on
 * `@timestamp`: an error burst per service (count of ERROR logs, grouped by the top
 * `service.name` values) and any CRITICAL log.
 */
export function kibanaAlertRules(options: ResolvedKibanaAlertRuleOptions): KibanaAlertRule[] {
  const common = {
    searchType: 'esQuery',
    index: [LOGS_INDEX_PATTERN],
    timeField: '@timestamp',
    thresholdComparator: '>',
    aggType: 'count',
    size: HITS_PER_ALERT,
  } as const;
  const burst = options.errorBurst;
  const critical = options.criticalLog;
  return [
    rule(
      KIBANA_RULE_IDS.errorBurst,
      `Error burst: more than ${burst.threshold} ERROR logs of one service in ${burst.window}`,
      burst.checkInterval,
      {
        ...common,
        esQuery: levelQuery(LOG_LEVEL_SPELLINGS.error),
        threshold: [burst.threshold],
        timeWindowSize: burst.window.amount,
        timeWindowUnit: burst.window.unit,
        groupBy: 'top',
        termField: 'service.name',
        termSize: burst.maxServices,
        // The count is over the whole window on every run, not only what arrived since the last one.
        excludeHitsFromPreviousRun: false,
      },
      options,
    ),
    rule(
      KIBANA_RULE_IDS.criticalLog,
      critical.threshold === 0
        ? `Critical log: any CRITICAL log within ${critical.window}`
        : `Critical logs: more than ${critical.threshold} CRITICAL logs within ${critical.window}`,
      critical.checkInterval,
      {
        ...common,
        esQuery: levelQuery(LOG_LEVEL_SPELLINGS.critical),
        threshold: [critical.threshold],
        timeWindowSize: critical.window.amount,
        timeWindowUnit: critical.window.unit,
        groupBy: 'all',
        // Each CRITICAL log alerts once; the alert recovers when no new one arrives.
        excludeHitsFromPreviousRun: true,
      },
      options,
    ),
  ];
}
