import { Construct, IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { invalidProp } from './errors';
import { ComponentIdentity, selectorLabels, standardLabels } from './labels';
import { ContainerResources, renderResources } from './resources';
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  DEFAULT_UID,
} from './security';

/** A port a container listens on. */
export interface ContainerPort {
  readonly name: string;
  readonly containerPort: number;
  readonly protocol?: 'TCP' | 'UDP';
}

/** What differs between the containers of this package; everything else is hardened the same way. */
export interface ContainerOptions {
  readonly name: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: k8s.EnvVar[];
  readonly ports?: ContainerPort[];
  readonly resources: ContainerResources;
  readonly readinessProbe?: k8s.Probe;
  readonly livenessProbe?: k8s.Probe;
  readonly startupProbe?: k8s.Probe;
  readonly volumeMounts?: k8s.VolumeMount[];
  /** @default true */
  readonly readOnlyRootFilesystem?: boolean;
  /** @default 1000 */
  readonly runAsUser?: number;
  /** Replace the restricted security context (node agents only; document why). */
  readonly securityContext?: k8s.SecurityContext;
}

/**
 * Renders a container with the package's defaults: restricted security context,
 * validated resources, pull policy `IfNotPresent`.
 * `resourcesProp` names the prop the resources came from, for error messages.
 */
export function renderContainer(
  scope: IConstruct,
  resourcesProp: string,
  options: ContainerOptions,
): k8s.Container {
  const ports = options.ports ?? [];
  for (const port of ports) {
    if (
      !Number.isInteger(port.containerPort) ||
      port.containerPort < 1 ||
      port.containerPort > 65535
    ) {
      invalidProp(
        scope,
        `port ${port.name}`,
        port.containerPort,
        'must be a TCP/UDP port number',
        'use a port between 1 and 65535',
      );
    }
  }
  return {
    name: options.name,
    image: options.image,
    imagePullPolicy: 'IfNotPresent',
    command: options.command,
    args: options.args,
    env: options.env && options.env.length > 0 ? options.env : undefined,
    ports:
      ports.length > 0
        ? ports.map((p) => ({
            name: p.name,
            containerPort: p.containerPort,
            protocol: p.protocol ?? 'TCP',
          }))
        : undefined,
    resources: renderResources(scope, resourcesProp, options.resources),
    readinessProbe: options.readinessProbe,
    livenessProbe: options.livenessProbe,
    startupProbe: options.startupProbe,
    volumeMounts:
      options.volumeMounts && options.volumeMounts.length > 0 ? options.volumeMounts : undefined,
    securityContext:
      options.securityContext ??
      restrictedContainerSecurityContext({
        readOnlyRootFilesystem: options.readOnlyRootFilesystem,
        runAsUser: options.runAsUser,
      }),
  };
}

/** Pod-level settings of a workload. */
export interface PodTemplateOptions {
  readonly identity: ComponentIdentity;
  readonly serviceAccountName: string;
  /** Mount an API token only for pods that call the Kubernetes API. */
  readonly automountServiceAccountToken: boolean;
  readonly containers: k8s.Container[];
  readonly initContainers?: k8s.Container[];
  readonly volumes?: k8s.Volume[];
  readonly annotations?: Record<string, string>;
  /** @default 1000 */
  readonly uid?: number;
  /** Replace the restricted pod security context (node agents only). */
  readonly securityContext?: k8s.PodSecurityContext;
  readonly affinity?: k8s.Affinity;
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  readonly tolerations?: k8s.Toleration[];
  readonly nodeSelector?: Record<string, string>;
  readonly priorityClassName?: string;
  readonly terminationGracePeriodSeconds?: number;
  readonly hostNetwork?: boolean;
  readonly hostPid?: boolean;
}

/** Renders a pod template whose labels match {@link selectorLabels} of the identity. */
export function renderPodTemplate(options: PodTemplateOptions): k8s.PodTemplateSpec {
  const annotations =
    options.annotations && Object.keys(options.annotations).length > 0
      ? options.annotations
      : undefined;
  return {
    metadata: { labels: standardLabels(options.identity), annotations },
    spec: {
      serviceAccountName: options.serviceAccountName,
      automountServiceAccountToken: options.automountServiceAccountToken,
      securityContext:
        options.securityContext ?? restrictedPodSecurityContext(options.uid ?? DEFAULT_UID),
      initContainers:
        options.initContainers && options.initContainers.length > 0
          ? options.initContainers
          : undefined,
      containers: options.containers,
      volumes: options.volumes && options.volumes.length > 0 ? options.volumes : undefined,
      affinity: options.affinity,
      topologySpreadConstraints: options.topologySpreadConstraints,
      tolerations: options.tolerations,
      nodeSelector: options.nodeSelector,
      priorityClassName: options.priorityClassName,
      terminationGracePeriodSeconds: options.terminationGracePeriodSeconds,
      hostNetwork: options.hostNetwork,
      hostPid: options.hostPid,
      enableServiceLinks: false,
    },
  };
}

/**
 * Annotations that put a pod under the `kubernetes-pods` scrape job of the
 * Prometheus construct (`prometheus.io/scrape|port|path|scheme`).
 */
export function scrapeAnnotations(
  port: number,
  path = '/metrics',
  scheme: 'http' | 'https' = 'http',
): Record<string, string> {
  return {
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': String(port),
    'prometheus.io/path': path,
    'prometheus.io/scheme': scheme,
  };
}

/** How strongly replicas are kept apart. */
export enum Spread {
  /** No constraint (dev). */
  NONE = 'none',
  /** Prefer different nodes and zones. */
  PREFERRED = 'preferred',
  /** Require different nodes; prefer different zones (prod). */
  REQUIRED = 'required',
}

/** Anti-affinity and topology spread for the pods of one identity. */
export function spreadPods(
  identity: ComponentIdentity,
  spread: Spread,
): Pick<PodTemplateOptions, 'affinity' | 'topologySpreadConstraints'> {
  if (spread === Spread.NONE) return {};
  const labelSelector = { matchLabels: selectorLabels(identity) };
  const nodeTerm = { labelSelector, topologyKey: 'kubernetes.io/hostname' };
  return {
    affinity: {
      podAntiAffinity:
        spread === Spread.REQUIRED
          ? { requiredDuringSchedulingIgnoredDuringExecution: [nodeTerm] }
          : {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: nodeTerm },
              ],
            },
    },
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector,
      },
    ],
  };
}

/**
 * The spec of a DaemonSet of one role (node agents): its selector, a rolling update that
 * replaces at most `maxUnavailable` pods at a time, and the pod template.
 */
export function renderDaemonSetSpec(
  options: PodTemplateOptions,
  maxUnavailable: k8s.IntOrString,
): k8s.DaemonSetSpec {
  return {
    selector: { matchLabels: selectorLabels(options.identity) },
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable } },
    template: renderPodTemplate(options),
  };
}

/**
 * An environment variable from a field of the pod (`metadata.name`, `status.podIP`,
 * `spec.nodeName`). `apiVersion` is written out: the API server defaults it inside
 * `fieldRef`, which server-side apply treats as one unit, so leaving it out makes a
 * second applier (kubectl's client-side apply, then `pulumi up`) conflict with the first.
 */
export function fieldRefEnv(name: string, fieldPath: string): k8s.EnvVar {
  return { name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } };
}

/**
 * A StatefulSet whose claim templates carry what the API server defaults in them
 * (`apiVersion`, `kind`, `spec.volumeMode`, `status`). `volumeClaimTemplates` is an atomic
 * list to server-side apply: a template missing a defaulted field differs from the stored
 * one, so moving the object from one applier to another conflicts on the whole list.
 * cdk8s-plus's typed claim props have no `apiVersion` or `kind` (its `toJson` drops them,
 * JSON patches included), so they are written into the rendered object.
 */
class StatefulSetWithClaimDefaults extends k8s.KubeStatefulSet {
  // ApiObject.toJson() is typed `any` by cdk8s; the override keeps its signature.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  public toJson(): any {
    const json = super.toJson();
    if (json.spec?.volumeClaimTemplates) {
      json.spec.volumeClaimTemplates = json.spec.volumeClaimTemplates.map(
        (claim: k8s.KubePersistentVolumeClaimProps & { status?: object }) => ({
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          ...claim,
          spec: { ...claim.spec, volumeMode: claim.spec?.volumeMode ?? 'Filesystem' },
          status: { phase: 'Pending', ...claim.status },
        }),
      );
    }
    return json;
  }
}

/** A StatefulSet, its claim templates as the API server stores them (see above). */
export function addStatefulSet(
  scope: Construct,
  id: string,
  props: k8s.KubeStatefulSetProps,
): k8s.KubeStatefulSet {
  return new StatefulSetWithClaimDefaults(scope, id, props);
}
