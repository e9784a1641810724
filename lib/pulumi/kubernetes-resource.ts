import * as pulumi from '@pulumi/pulumi';
import * as k8s from '@pulumi/kubernetes';
import { KubernetesObject } from './deployment-order';

type KubernetesResourceClass = new (
  name: string,
  args: object,
  opts?: pulumi.CustomResourceOptions,
) => pulumi.CustomResource;

/**
 * A Pulumi resource for one Kubernetes object: the typed class of `@pulumi/kubernetes`
 * for a built-in kind (`apps/v1` `Deployment` is `k8s.apps.v1.Deployment`, so Pulumi
 * awaits its rollout), else `k8s.apiextensions.CustomResource` (cert-manager's
 * `Certificate`...).
 */
export function kubernetesResource(
  name: string,
  object: KubernetesObject,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource {
  const Class = builtInClass(object.apiVersion, object.kind);
  return Class
    ? new Class(name, object, opts)
    : new k8s.apiextensions.CustomResource(name, object, opts);
}

/** The typed class of a built-in kind: module named after the API group's first label (`rbac.authorization.k8s.io` is `rbac`). */
function builtInClass(apiVersion: string, kind: string): KubernetesResourceClass | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  // Groups of the Kubernetes API are either one word (`apps`) or end in `.k8s.io`; others are CRDs.
  if (group.includes('.') && !group.endsWith('.k8s.io')) return undefined;
  const modules = k8s as unknown as Record<
    string,
    Record<string, Record<string, unknown>> | undefined
  >;
  const Class = modules[group.split('.')[0]]?.[version]?.[kind];
  return typeof Class === 'function' ? (Class as KubernetesResourceClass) : undefined;
}
