import { IConstruct } from 'constructs';
import { validateInteger } from '../core/names';

/**
 * The index classes logs are routed to. Filebeat's log processing writes one of them
 * to `labels.index_class`; Logstash routes each event to the `logs-<class>-default`
 * data stream. Every event is in exactly one class: `all` holds whatever is not an
 * error, a trade or an AI request.
 */
export const INDEX_CLASSES = ['all', 'errors', 'trades', 'ai'] as const;
export type IndexClass = typeof INDEX_CLASSES[number];

/** How long the logs of each index class are kept, in days after their backing index rolled over. */
export interface LogRetentionProps {
  /** Days to keep ordinary logs (`logs-all-*`). @default 30 */
  readonly all?: number;
  /** Days to keep error logs (`logs-errors-*`). @default 90 */
  readonly errors?: number;
  /** Days to keep trading logs (`logs-trades-*`). @default 365 */
  readonly trades?: number;
  /** Days to keep AI request logs (`logs-ai-*`). @default 30 */
  readonly ai?: number;
}

/** Retention in days per index class, after defaults. */
export type LogRetention = { readonly [C in IndexClass]: number };

/** The retention the design asks for in production. */
export const DEFAULT_LOG_RETENTION: LogRetention = { all: 30, errors: 90, trades: 365, ai: 30 };

/** Applies the defaults and validates every value (whole days, 1 to 3650). `prop` names the props object in errors. */
export function resolveLogRetention(scope: IConstruct, prop: string, props: LogRetentionProps = {}): LogRetention {
  const resolved = {} as Record<IndexClass, number>;
  for (const indexClass of INDEX_CLASSES) {
    resolved[indexClass] = validateInteger(scope, `${prop}.${indexClass}`, props[indexClass] ?? DEFAULT_LOG_RETENTION[indexClass], 1, 3650);
  }
  return resolved;
}

/** When the write index of a data stream rolls over (`rollover` action of the hot phase). */
export interface RolloverOptions {
  /** `max_primary_shard_size`. @default '50gb' */
  readonly maxPrimaryShardSize?: string;
  /** `max_age`. @default '1d' */
  readonly maxAge?: string;
}

/** The ILM policy name of an index class. */
export function indexLifecyclePolicyName(indexClass: IndexClass): string {
  return `logs-${indexClass}-retention`;
}

/**
 * The body of `PUT _ilm/policy/<name>`: roll over daily (or at 50gb per primary shard)
 * in the hot phase, delete `retentionDays` after rollover. Daily rollover keeps the
 * deletion granular: data lives at most one day longer than its retention.
 */
export function renderIndexLifecyclePolicy(indexClass: IndexClass | 'deadletter', retentionDays: number, rollover: RolloverOptions = {}): object {
  return {
    policy: {
      _meta: {
        description: `Logs of index class '${indexClass}': deleted ${retentionDays} days after rollover`,
        managed_by: 'observability-stack',
      },
      phases: {
        hot: {
          min_age: '0ms',
          actions: {
            rollover: {
              max_primary_shard_size: rollover.maxPrimaryShardSize ?? '50gb',
              max_age: rollover.maxAge ?? '1d',
            },
          },
        },
        delete: {
          min_age: `${retentionDays}d`,
          actions: { delete: {} },
        },
      },
    },
  };
}

/** Every ILM policy of the stack, keyed by policy name. */
export function indexLifecyclePolicies(retention: LogRetention, rollover: RolloverOptions = {}): Record<string, object> {
  const policies: Record<string, object> = {};
  for (const indexClass of INDEX_CLASSES) {
    policies[indexLifecyclePolicyName(indexClass)] = renderIndexLifecyclePolicy(indexClass, retention[indexClass], rollover);
  }
  return policies;
}
