import { Testing } from 'cdk8s';
import { ObservabilityStack, ObservabilityStackProps } from '../../lib';
import { KubeObject } from './environments';

/**
 * Small helpers over synthesized objects (`Testing.synth(chart)`), typed loosely (`any`) so
 * that a test can reach into the spec it asserts on without casts.
 */

/** The object of `kind` named `name`, or undefined. */
export function named(objects: any[], kind: string, name: string): any {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

/** Every object of `kind`, in synthesis order. */
export function ofKind(objects: any[], kind: string): any[] {
  return objects.filter((o) => o.kind === kind);
}

/** An `ObservabilityStack` of environment `test` in region `r1`, with its synthesized objects. */
export function synthStack(props: Partial<ObservabilityStackProps> = {}): {
  stack: ObservabilityStack;
  objects: KubeObject[];
} {
  const stack = new ObservabilityStack(Testing.app(), 'observability', {
    environment: 'test',
    region: 'r1',
    ...props,
  });
  return { stack, objects: Testing.synth(stack) as KubeObject[] };
}
