import { Testing } from 'cdk8s';
import { ObservabilityStack } from '../../lib';
import { ENVIRONMENTS, EnvironmentName, environmentProfile } from '../../stacks/environments';

export { ENVIRONMENTS };
export type { EnvironmentName };

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: any;
}

const cache = new Map<EnvironmentName, { stack: ObservabilityStack; objects: KubeObject[] }>();

/** The stack and the objects of one bundled environment, synthesized once per test file. */
export function synthEnvironment(env: EnvironmentName): {
  stack: ObservabilityStack;
  objects: KubeObject[];
} {
  let result = cache.get(env);
  if (!result) {
    const stack = new ObservabilityStack(Testing.app(), 'observability', environmentProfile(env));
    result = { stack, objects: Testing.synth(stack) as KubeObject[] };
    cache.set(env, result);
  }
  return result;
}

/** The pod template of a workload object, if it is one. */
export function podTemplateOf(object: KubeObject): any | undefined {
  switch (object.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
      return object.spec.template;
    case 'Job':
      return object.spec.template;
    case 'CronJob':
      return object.spec.jobTemplate.spec.template;
    default:
      return undefined;
  }
}

export function find(
  objects: KubeObject[],
  kind: string,
  name: string,
  namespace?: string,
): KubeObject | undefined {
  return objects.find(
    (o) =>
      o.kind === kind &&
      o.metadata.name === name &&
      (namespace === undefined || o.metadata.namespace === namespace),
  );
}
