import { catchAllFirst, LogClass, retentionDays } from '../core/log-classes';

/** When the write index of a data stream rolls over (`rollover` action of the hot phase). */
export interface RolloverOptions {
  /** `max_primary_shard_size`. @default '50gb' */
  readonly maxPrimaryShardSize?: string;
  /** `max_age`. @default '1d' */
  readonly maxAge?: string;
}

/** The ILM policy name of a log class. */
export function indexLifecyclePolicyName(logClass: string): string {
  return `logs-${logClass}-retention`;
}

/**
 * The body of `PUT _ilm/policy/<name>`: roll over daily (or at 50gb per primary shard)
 * in the hot phase, delete `retentionDays` after rollover. Daily rollover keeps the
 * deletion granular: data lives at most one day longer than its retention.
 */
export function renderIndexLifecyclePolicy(
  logClass: string,
  retentionDays: number,
  rollover: RolloverOptions = {},
): object {
  return {
    policy: {
      _meta: {
        description: `Logs of index class '${logClass}': deleted ${retentionDays} days after rollover`,
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

/** The ILM policy of every log class, keyed by policy name, the catch-all first. */
export function indexLifecyclePolicies(
  classes: readonly LogClass[],
  rollover: RolloverOptions = {},
): Record<string, object> {
  const policies: Record<string, object> = {};
  for (const c of catchAllFirst(classes))
    policies[indexLifecyclePolicyName(c.name)] = renderIndexLifecyclePolicy(
      c.name,
      retentionDays(c),
      rollover,
    );
  return policies;
}
