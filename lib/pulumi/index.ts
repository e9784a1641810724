/**
 * The observability stack as a Pulumi component (`ObservabilityStackResource`). Needs
 * `@pulumi/pulumi` and `@pulumi/kubernetes`, optional peer dependencies of the package.
 *
 * @module @observability/k8s-stack/pulumi
 */
// The `./pulumi` entry point; the main entry never re-exports it. Every name here is recorded in
// api/k8s-stack-pulumi.api.md.
export { ObservabilityStackResource } from './observability-stack-resource';
export type {
  DeepPartial,
  EnvironmentStackArgs,
  ObservabilityStackArgs,
  ObservabilityStackOverrides,
  StackEndpoints,
  StackUiUrls,
} from './observability-stack-resource';
export type { KubernetesObject } from './deployment-order';
