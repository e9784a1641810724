import { ErrorScope, invalidProp } from './errors';

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
export function durationToSeconds(value: string): number {
  if (!isPrometheusDuration(value)) throw new Error(`'${value}' is not a Prometheus duration`);
  let seconds = 0;
  for (const [, amount, unit] of value.matchAll(/([0-9]+)(ms|y|w|d|h|m|s)/g))
    seconds += Number(amount) * SECONDS_PER_UNIT[unit];
  return seconds;
}
