import { ErrorScope, invalidProp } from './errors';

/**
 * Renders a number of seconds as a duration both Go's `time.ParseDuration` (Beats) and
 * Elasticsearch's time units read: whole seconds as `2s`, anything finer as `500ms`.
 */
export function renderSeconds(seconds: number): string {
  const millis = Math.round(seconds * 1000);
  return millis % 1000 === 0 ? `${millis / 1000}s` : `${millis}ms`;
}

/** The range a duration prop given in seconds must fall in. */
export interface SecondsRange {
  /** The smallest value accepted. */
  readonly min: number;
  /** Reject `min` itself (for durations that must be longer than zero). @default false */
  readonly minExclusive?: boolean;
  /** The largest value accepted. @default - no upper bound */
  readonly max?: number;
  /** What to do instead, for the error message. */
  readonly fix: string;
}

/**
 * Checks a duration prop given in seconds: a finite number, a whole number of
 * milliseconds (the finest unit the configs are written in), within `range`. Returns it.
 */
export function validateSeconds(
  scope: ErrorScope,
  prop: string,
  value: number,
  range: SecondsRange,
): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    Math.abs(value * 1000 - Math.round(value * 1000)) > 1e-6
  ) {
    invalidProp(
      scope,
      prop,
      value,
      'must be a number of seconds with at most millisecond precision',
      range.fix,
    );
  }
  const tooLow = range.minExclusive ? value <= range.min : value < range.min;
  if (tooLow || (range.max !== undefined && value > range.max)) {
    const lower = `${range.minExclusive ? 'above' : 'at least'} ${range.min} s`;
    const bounds = range.max === undefined ? lower : `${lower} and at most ${range.max} s`;
    invalidProp(scope, prop, value, `must be ${bounds}`, range.fix);
  }
  return value;
}
