import { ConfigError } from '../lib/core/errors';
import { quantityValue, validateStorageSize } from '../lib/core/storage';

// The volume size of every component (docs/architecture.md#32-the-core-blocks): the Kubernetes
// quantity grammar, decimal and binary suffixes, above zero.

describe('quantityValue', () => {
  test.each([
    ['5Gi', 5 * 2 ** 30],
    ['5G', 5e9],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['.5Ki', 512],
    ['5e9', 5e9],
    ['5E', 5e18],
    ['2Ei', 2 * 2 ** 60],
    ['+10M', 1e7],
    ['1024', 1024],
    ['500m', 0.5],
    ['-1Gi', -(2 ** 30)],
  ])('%s is %d', (quantity, value) => {
    expect(quantityValue(quantity)).toBe(value);
  });

  test.each(['big', '5 GB', '5GB', '5gi', 'Gi', '', '5Gi ', '1.2.3G', '5Kb'])(
    '%j is not a quantity',
    (quantity) => {
      expect(quantityValue(quantity)).toBeUndefined();
    },
  );
});

describe('validateStorageSize', () => {
  const rule = { example: '50Gi' };
  const errorOf = (size: string, minimum?: string): ConfigError => {
    try {
      validateStorageSize('test', 'storage.size', size, { ...rule, minimum });
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error(`'${size}' was accepted`);
  };

  test.each([
    ['big', /is not a Kubernetes quantity/],
    ['5 GB', /is not a Kubernetes quantity.+no space/],
    ['-1Gi', /must be larger than zero/],
    ['0', /must be larger than zero/],
    ['0Gi', /must be larger than zero/],
    ['500m', /less than one byte.+'m' is milli/],
  ])('%j is rejected: %s', (size, problem) => {
    const error = errorOf(size);
    expect(error.prop).toBe('storage.size');
    expect(error.value).toBe(size);
    expect(error.message).toMatch(problem);
    expect(error.message).toMatch(/use a size such as '50Gi'/);
  });

  test('a size below the minimum is rejected with the minimum', () => {
    expect(errorOf('1G', '1Gi').message).toMatch(/must be at least 1Gi/);
  });

  test.each([
    ['5G', 5e9],
    ['5Gi', 5 * 2 ** 30],
    ['1Gi', 2 ** 30],
  ])('%s is accepted and is %d bytes', (size, bytes) => {
    expect(validateStorageSize('test', 'storage.size', size, { ...rule, minimum: '1Gi' })).toBe(
      bytes,
    );
  });
});
