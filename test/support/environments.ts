import { Testing } from 'cdk8s';
import { ObservabilityStack } from '../../lib';
import { ENVIRONMENTS, EnvironmentName, environmentProfile } from '../../stacks/environments';
import { OPT_INS } from '../../stacks/runbooks';

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

let everyOptIn: { stack: ObservabilityStack; objects: KubeObject[] } | undefined;

/**
 * The prod environment with every opt-in that adds scrape jobs and rules turned on (the control
 * plane's etcd, kube-scheduler and kube-controller-manager, off in every bundled environment),
 * synthesized once per test file.
 */
export function synthEveryOptIn(): { stack: ObservabilityStack; objects: KubeObject[] } {
  if (!everyOptIn) {
    const stack = new ObservabilityStack(Testing.app(), 'observability', {
      ...environmentProfile('prod'),
      ...OPT_INS,
    });
    everyOptIn = { stack, objects: Testing.synth(stack) as KubeObject[] };
  }
  return everyOptIn;
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
