import { IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { invalidProp } from './errors';

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
const MEMORY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const MEMORY_FACTORS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** Bytes in a memory quantity (`512Mi`, `2Gi`, `1G`). */
export function memoryBytes(quantity: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)([A-Za-z]*)$/.exec(quantity);
  if (!match || !(match[2] in MEMORY_FACTORS))
    throw new Error(`not a memory quantity: ${quantity}`);
  return Number(match[1]) * MEMORY_FACTORS[match[2]];
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
  check('cpuRequest', CPU, '500m');
  check('cpuLimit', CPU, '2');
  check('memoryRequest', MEMORY, '512Mi');
  check('memoryLimit', MEMORY, '1Gi');
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
