import { ErrorScope, invalidProp } from './errors';

/**
 * A duration as Prometheus and Alertmanager write it (`model.Duration`), the one format of
 * every duration prop: `500ms`, `15s`, `1h30m`, `30d`. Components that need a number convert
 * it with `durationToSeconds` or `durationToMillis`.
 */
export type Duration = string;

// The duration format of Prometheus and Alertmanager (`model.Duration`): units from
// years to milliseconds, largest first, each at most once.
const DURATION =
  /^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$/;

/** True when `value` is a Prometheus duration such as `15s`, `1h30m` or `30d`. */
export function isPrometheusDuration(value: string): boolean {
  return value === '0' || (value !== '' && DURATION.test(value));
}

/** Checks a Prometheus/Alertmanager duration; `allowZero` admits `0s`. Returns it. */
export function validateDuration(
  scope: ErrorScope,
  prop: string,
  value: string,
  allowZero = false,
): string {
  if (typeof value !== 'string' || !isPrometheusDuration(value)) {
    invalidProp(
      scope,
      prop,
      value,
      'is not a Prometheus duration',
      "use units y, w, d, h, m, s, ms largest first, such as '15s', '1h30m' or '15d'",
    );
  }
  if (!allowZero && !/[1-9]/.test(value)) {
    invalidProp(
      scope,
      prop,
      value,
      'must be longer than zero',
      "use a positive duration such as '15s' or '15d'",
    );
  }
  return value;
}

const SECONDS_PER_UNIT: Record<string, number> = {
  y: 31536000,
  w: 604800,
  d: 86400,
  h: 3600,
  m: 60,
  s: 1,
  ms: 0.001,
};

/** The seconds of a valid Prometheus duration (`1m30s` is 90). */
export function durationToSeconds(value: Duration): number {
  if (!isPrometheusDuration(value)) throw new Error(`'${value}' is not a Prometheus duration`);
  let seconds = 0;
  for (const [, amount, unit] of value.matchAll(/([0-9]+)(ms|y|w|d|h|m|s)/g))
    seconds += Number(amount) * SECONDS_PER_UNIT[unit];
  return seconds;
}

/** The milliseconds of a valid Prometheus duration (`1m30s` is 90000). */
export function durationToMillis(value: Duration): number {
  return Math.round(durationToSeconds(value) * 1000);
}

/**
 * Renders a number of seconds as a duration both Go's `time.ParseDuration` (Beats) and
 * Elasticsearch's time units read: whole seconds as `2s`, anything finer as `500ms`.
 */
export function renderSeconds(seconds: number): string {
  const millis = Math.round(seconds * 1000);
  return millis % 1000 === 0 ? `${millis / 1000}s` : `${millis}ms`;
}

/** The range a duration prop must fall in. */
export interface DurationRange {
  /** The shortest duration accepted, such as `0s` or `1s`. */
  readonly min: Duration;
  /** Reject `min` itself (for durations that must be longer than zero). @default false */
  readonly minExclusive?: boolean;
  /** The longest duration accepted. @default - no upper bound */
  readonly max?: Duration;
  /** What to do instead, for the error message. */
  readonly fix: string;
}

/**
 * Checks a duration prop (a Prometheus duration such as `1s` or `500ms`) against `range`
 * and returns its seconds, for the components that compute with it.
 */
export function validateDurationSeconds(
  scope: ErrorScope,
  prop: string,
  value: Duration,
  range: DurationRange,
): number {
  if (typeof value !== 'string' || !isPrometheusDuration(value)) {
    invalidProp(
      scope,
      prop,
      value,
      'is not a duration',
      `${range.fix}; write units y, w, d, h, m, s, ms largest first, such as '500ms', '2s' or '1m30s'`,
    );
  }
  const seconds = durationToSeconds(value);
  const min = durationToSeconds(range.min);
  const tooShort = range.minExclusive ? seconds <= min : seconds < min;
  if (tooShort || (range.max !== undefined && seconds > durationToSeconds(range.max))) {
    const lower = range.minExclusive ? `longer than ${range.min}` : `at least ${range.min}`;
    const bounds = range.max === undefined ? lower : `${lower} and at most ${range.max}`;
    invalidProp(scope, prop, value, `must be ${bounds}`, range.fix);
  }
  return seconds;
}

const SECONDS_PER_DAY = 86400;

/**
 * Checks a duration prop that the component it configures counts in whole days (ILM's
 * `min_age`, Logstash's `retain.age`, Jaeger's index cleaner): `365d`, `1y` or `2w`, within
 * `range`. Returns the days.
 */
export function validateDays(
  scope: ErrorScope,
  prop: string,
  value: Duration,
  range: DurationRange,
): number {
  const seconds = validateDurationSeconds(scope, prop, value, range);
  if (seconds % SECONDS_PER_DAY !== 0) {
    const days = Math.max(1, Math.round(seconds / SECONDS_PER_DAY));
    invalidProp(
      scope,
      prop,
      value,
      'is not a whole number of days',
      `write whole days, such as '${days}d'`,
    );
  }
  return seconds / SECONDS_PER_DAY;
}

/** Days as a duration (`30d`), the way the defaults of day-counted props are written. */
export function renderDays(days: number): Duration {
  return `${days}d`;
}
