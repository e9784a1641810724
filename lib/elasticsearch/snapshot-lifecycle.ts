import { Duration, durationToSeconds, validateDurationSeconds } from '../core/duration';
import { ErrorScope, invalidProp } from '../core/errors';
import { validateInteger } from '../core/names';
import { indexTemplatePattern } from './index-templates';

/** When the snapshot policies run and how many snapshots they keep beyond the retention. */
export interface SnapshotLifecycleProps {
  /** Hours between two snapshots of a log class: a divisor of 24 (1, 2, 3, 4, 6, 8, 12 or 24). @default 24 */
  readonly everyHours?: number;
  /** The hour (UTC) of the day's first snapshot, below `everyHours`. @default 1 */
  readonly startHour?: number;
  /** The minute past the hour. @default 30 */
  readonly minute?: number;
  /**
   * Snapshots a policy keeps whatever their age (`retention.min_count`), so that a schedule
   * that stopped never lets retention delete the last ones.
   * @default 5
   */
  readonly minCount?: number;
  /**
   * How long after a log class's last successful snapshot `ElasticsearchSnapshotStale` fires:
   * longer than `everyHours`, with room for a snapshot to finish.
   * @default - everyHours plus 3 hours
   */
  readonly staleAfter?: Duration;
}

/** One log class's data streams and how long their data is kept. */
export interface SnapshotSource {
  /** The log class (`errors`) or the dead-letter stream (`deadletter`). */
  readonly name: string;
  readonly retentionDays: number;
}

/** A snapshot lifecycle policy the setup Job creates. */
export interface SnapshotPolicy {
  /** `PUT _slm/policy/<id>`. */
  readonly id: string;
  /** The data streams it snapshots (`config.indices`). */
  readonly indices: string;
  readonly retentionDays: number;
  /** The body of `PUT _slm/policy/<id>`. */
  readonly body: SnapshotPolicyBody;
}

export interface SnapshotPolicyBody {
  readonly schedule: string;
  readonly name: string;
  readonly repository: string;
  readonly config: {
    readonly indices: string[];
    readonly include_global_state: boolean;
    readonly ignore_unavailable: boolean;
    readonly partial: boolean;
    readonly metadata: Record<string, string>;
  };
  readonly retention: {
    readonly expire_after: string;
    readonly min_count: number;
    readonly max_count: number;
  };
}

/** {@link SnapshotLifecycleProps} with its defaults, checked. */
export interface ResolvedSnapshotLifecycle {
  readonly everyHours: number;
  /** The SLM cron expression (seconds, minutes, hours, day of month, month, day of week). */
  readonly schedule: string;
  readonly minCount: number;
  readonly staleAfter: Duration;
  readonly staleAfterSeconds: number;
}

const HOUR_DIVISORS = [1, 2, 3, 4, 6, 8, 12, 24];

/** The SLM policy id of a log class. */
export function snapshotPolicyId(logClass: string): string {
  return `logs-${logClass}-snapshots`;
}

/** Applies the defaults and validates; errors name `prop` and the field. */
export function resolveSnapshotLifecycle(
  scope: ErrorScope,
  prop: string,
  props: SnapshotLifecycleProps = {},
): ResolvedSnapshotLifecycle {
  const everyHours = props.everyHours ?? 24;
  if (!HOUR_DIVISORS.includes(everyHours)) {
    invalidProp(
      scope,
      `${prop}.everyHours`,
      everyHours,
      'must divide the day into equal parts',
      `use one of ${HOUR_DIVISORS.join(', ')}`,
    );
  }
  const startHour = validateInteger(
    scope,
    `${prop}.startHour`,
    props.startHour ?? Math.min(1, everyHours - 1),
    0,
    everyHours - 1,
  );
  const minute = validateInteger(scope, `${prop}.minute`, props.minute ?? 30, 0, 59);
  const minCount = validateInteger(scope, `${prop}.minCount`, props.minCount ?? 5, 1, 1000);
  const staleAfter = props.staleAfter ?? `${everyHours + 3}h`;
  const staleAfterSeconds = validateDurationSeconds(scope, `${prop}.staleAfter`, staleAfter, {
    min: `${everyHours}h`,
    minExclusive: true,
    fix: `give a duration longer than everyHours (${everyHours}h), such as '${everyHours + 3}h'`,
  });
  const hours = everyHours === 24 ? `${startHour}` : `${startHour}/${everyHours}`;
  return {
    everyHours,
    schedule: `0 ${minute} ${hours} * * ?`,
    minCount,
    staleAfter,
    staleAfterSeconds,
  };
}

/**
 * One policy per log class (and the dead-letter stream): its data streams only, on the
 * schedule, kept as long as the class keeps its data (`expire_after` = `retentionDays`), so a
 * document deleted by mistake can be restored for as long as it would have been searchable.
 * `max_count` leaves room for every snapshot of that window plus `min_count`. No global state:
 * templates and ILM policies come from the setup Job of the cluster that restores.
 */
export function snapshotPolicies(
  sources: readonly SnapshotSource[],
  repository: string,
  lifecycle: ResolvedSnapshotLifecycle,
): SnapshotPolicy[] {
  const perDay = 24 / lifecycle.everyHours;
  return sources.map(({ name, retentionDays }) => {
    const indices = indexTemplatePattern(name);
    const maxCount = retentionDays * perDay + lifecycle.minCount;
    return {
      id: snapshotPolicyId(name),
      indices,
      retentionDays,
      body: {
        schedule: lifecycle.schedule,
        name: `<logs-${name}-{now/d}>`,
        repository,
        config: {
          indices: [indices],
          include_global_state: false,
          ignore_unavailable: true,
          partial: false,
          metadata: { log_class: name, managed_by: 'observability-stack' },
        },
        retention: {
          expire_after: `${retentionDays}d`,
          min_count: lifecycle.minCount,
          max_count: maxCount,
        },
      },
    };
  });
}

/** Seconds between two runs of a policy's schedule. */
export function snapshotIntervalSeconds(lifecycle: ResolvedSnapshotLifecycle): number {
  return durationToSeconds(`${lifecycle.everyHours}h`);
}
