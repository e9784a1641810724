import { IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { invalidProp } from './errors';
import { quantityValue } from './storage';

/**
 * CPU and memory for one container. Memory always has a limit (the kernel
 * enforces it and heap sizes derive from it); CPU has a request and, by
 * default, no limit, so a busy node does not throttle a healthy process.
 */
export interface ContainerResources {
  /** CPU request, a Kubernetes quantity such as `500m` or `2`. */
  readonly cpuRequest: string;
  /** CPU limit. @default - none (no CFS throttling) */
  readonly cpuLimit?: string;
  /** Memory request, such as `2Gi`. */
  readonly memoryRequest: string;
  /** Memory limit, such as `2Gi`. Must be at least the request. */
  readonly memoryLimit: string;
}

const CPU = /^([0-9]+m|[0-9]+(\.[0-9]+)?)$/;

/**
 * Bytes in a memory quantity (`512Mi`, `2Gi`, `1G`, `1Pi`, `1e9`): the Kubernetes quantity
 * grammar of `quantityValue`, not negative, and zero or at least one byte.
 */
export function memoryBytes(quantity: string): number {
  const bytes = quantityValue(quantity);
  if (bytes === undefined || bytes < 0 || (bytes > 0 && bytes < 1))
    throw new Error(`not a memory quantity: ${quantity}`);
  return bytes;
}

/** Millicores in a CPU quantity (`500m`, `2`). */
export function cpuMillis(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
}

/** Validates `resources` and renders it as Kubernetes `ResourceRequirements`. */
export function renderResources(
  scope: IConstruct,
  prop: string,
  resources: ContainerResources,
): k8s.ResourceRequirements {
  const check = (field: keyof ContainerResources, pattern: RegExp, example: string) => {
    const value = resources[field];
    if (value !== undefined && !pattern.test(value)) {
      invalidProp(
        scope,
        `${prop}.${field}`,
        value,
        'is not a Kubernetes quantity',
        `use a value such as '${example}'`,
      );
    }
  };
  const checkMemory = (field: 'memoryRequest' | 'memoryLimit', example: string) => {
    const value = resources[field];
    const bytes = quantityValue(value);
    const fix = `use a value such as '${example}'`;
    if (bytes === undefined) {
      invalidProp(
        scope,
        `${prop}.${field}`,
        value,
        'is not a Kubernetes quantity',
        `${fix}: a number, then a decimal (k, M, G, T, P, E) or binary (Ki, Mi, Gi, Ti, Pi, Ei) suffix, no space`,
      );
    }
    if (bytes < 0) invalidProp(scope, `${prop}.${field}`, value, 'must not be negative', fix);
    if (bytes > 0 && bytes < 1) {
      invalidProp(
        scope,
        `${prop}.${field}`,
        value,
        'is less than one byte',
        `${fix} ('m' is milli, 'M' is mega)`,
      );
    }
  };
  check('cpuRequest', CPU, '500m');
  check('cpuLimit', CPU, '2');
  checkMemory('memoryRequest', '512Mi');
  checkMemory('memoryLimit', '1Gi');
  if (memoryBytes(resources.memoryLimit) < memoryBytes(resources.memoryRequest)) {
    invalidProp(
      scope,
      `${prop}.memoryLimit`,
      resources.memoryLimit,
      `is below the memory request ${resources.memoryRequest}`,
      'raise the limit or lower the request',
    );
  }
  if (resources.cpuLimit && cpuMillis(resources.cpuLimit) < cpuMillis(resources.cpuRequest)) {
    invalidProp(
      scope,
      `${prop}.cpuLimit`,
      resources.cpuLimit,
      `is below the CPU request ${resources.cpuRequest}`,
      'raise the limit or lower the request',
    );
  }
  const limits: Record<string, k8s.Quantity> = {
    memory: k8s.Quantity.fromString(resources.memoryLimit),
  };
  if (resources.cpuLimit) limits.cpu = k8s.Quantity.fromString(resources.cpuLimit);
  return {
    requests: {
      cpu: k8s.Quantity.fromString(resources.cpuRequest),
      memory: k8s.Quantity.fromString(resources.memoryRequest),
    },
    limits,
  };
}
