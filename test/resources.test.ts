import { Chart, Testing } from 'cdk8s';
import { ConfigError } from '../lib/core/errors';
import { ContainerResources, memoryBytes, renderResources } from '../lib/core/resources';

// Memory requests and limits follow the one Kubernetes quantity grammar of storage sizes
// (lib/core/storage.ts `quantityValue`): decimal and binary suffixes up to E and Ei, exponents.

describe('memoryBytes', () => {
  test.each([
    ['512Mi', 512 * 2 ** 20],
    ['2Gi', 2 * 2 ** 30],
    ['1G', 1e9],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['1Pi', 2 ** 50],
    ['1Ei', 2 ** 60],
    ['2P', 2e15],
    ['1e9', 1e9],
    ['5E', 5e18],
    ['.5Gi', 2 ** 29],
    ['1024', 1024],
    ['0', 0],
  ])('%s is %d bytes', (quantity, bytes) => {
    expect(memoryBytes(quantity)).toBe(bytes);
  });

  test.each(['big', '1 GB', '1GB', '1gi', 'Gi', '', '-1Gi', '500m'])(
    '%j is not a memory quantity',
    (quantity) => {
      expect(() => memoryBytes(quantity)).toThrow(`not a memory quantity: ${quantity}`);
    },
  );
});

describe('renderResources memory', () => {
  const render = (memoryRequest: string, memoryLimit = '1Ei') =>
    renderResources(new Chart(Testing.app(), 'test'), 'resources', {
      cpuRequest: '100m',
      memoryRequest,
      memoryLimit,
    } satisfies ContainerResources);
  const errorOf = (memoryRequest: string): ConfigError => {
    try {
      render(memoryRequest);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error(`'${memoryRequest}' was accepted`);
  };

  test.each([
    ['big', /is not a Kubernetes quantity.+Pi, Ei\) suffix, no space/],
    ['1 GB', /is not a Kubernetes quantity/],
    ['-1Gi', /must not be negative/],
    ['500m', /is less than one byte.+'m' is milli, 'M' is mega/],
  ])('%j is rejected: %s', (memoryRequest, problem) => {
    const error = errorOf(memoryRequest);
    expect(error.prop).toBe('resources.memoryRequest');
    expect(error.value).toBe(memoryRequest);
    expect(error.message).toMatch(problem);
    expect(error.message).toMatch(/use a value such as '512Mi'/);
  });

  test.each(['1Pi', '2e9', '1E'])('%s is accepted and rendered as written', (memoryRequest) => {
    expect(render(memoryRequest).requests!.memory.value).toBe(memoryRequest);
  });

  test('a limit below the request is compared across the grammar', () => {
    expect(() => render('2e9', '1Gi')).toThrow(/is below the memory request 2e9/);
    expect(() => render('1Gi', '1.1e9')).not.toThrow();
  });
});
