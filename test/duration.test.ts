import {
  durationToMillis,
  durationToSeconds,
  isPrometheusDuration,
  renderSeconds,
  validateDurationSeconds,
} from '../lib/core/duration';
import { ConfigError } from '../lib/core/errors';

// The one format of duration props (docs/architecture.md#32-the-core-blocks): Prometheus'
// `model.Duration`, converted to a number only where a component computes with it.

describe('Duration', () => {
  test.each([
    ['15s', 15],
    ['1m30s', 90],
    ['250ms', 0.25],
    ['1h', 3600],
    ['30d', 2592000],
    ['1w', 604800],
    ['0', 0],
  ])('%s is %d s', (duration, seconds) => {
    expect(isPrometheusDuration(duration)).toBe(true);
    expect(durationToSeconds(duration)).toBe(seconds);
  });

  test.each(['15', '1.5s', '-1s', '30s1m', '1 s', 's', ''])('%j is not a duration', (value) => {
    expect(isPrometheusDuration(value)).toBe(false);
  });

  test('durationToMillis and renderSeconds round-trip what Beats and Elasticsearch read', () => {
    expect(durationToMillis('1s250ms')).toBe(1250);
    expect(renderSeconds(durationToSeconds('500ms'))).toBe('500ms');
    expect(renderSeconds(durationToSeconds('2s'))).toBe('2s');
  });

  describe('validateDurationSeconds', () => {
    const range = { min: '1s', max: '5m', fix: "give a duration such as '1s'" };
    const errorOf = (value: string, minExclusive = false): ConfigError => {
      try {
        validateDurationSeconds('test', 'interval', value, { ...range, minExclusive });
      } catch (error) {
        if (error instanceof ConfigError) return error;
        throw error;
      }
      throw new Error(`'${value}' was accepted`);
    };

    test.each([
      ['1s', 1],
      ['5m', 300],
      ['2m30s', 150],
    ])('%s is accepted as %d s', (value, seconds) => {
      expect(validateDurationSeconds('test', 'interval', value, range)).toBe(seconds);
    });

    test.each([
      ['500ms', false, /must be at least 1s and at most 5m/],
      ['1s', true, /must be longer than 1s and at most 5m/],
      ['6m', false, /must be at least 1s and at most 5m/],
      ['30', false, /is not a duration.+such as '500ms', '2s' or '1m30s'/],
    ])('%s (minExclusive %s) is rejected: %s', (value, minExclusive, problem) => {
      const error = errorOf(value, minExclusive);
      expect(error.prop).toBe('interval');
      expect(error.value).toBe(value);
      expect(error.message).toMatch(problem);
      expect(error.message).toMatch(/give a duration such as '1s'/);
    });
  });
});
