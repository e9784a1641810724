import { ApiObject } from 'cdk8s';
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
  /** postStart and preStop hooks. */
  readonly lifecycle?: k8s.Lifecycle;
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
    lifecycle: options.lifecycle,
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
  /**
   * Require different nodes and an even spread over zones (`whenUnsatisfiable:
   * DoNotSchedule`): a pod that would put one zone two ahead of another stays Pending, in a
   * zone outage or with too few nodes in a zone too. For clusters whose zones can always take
   * their share.
   */
  REQUIRED_ZONES = 'required-zones',
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
        spread === Spread.REQUIRED || spread === Spread.REQUIRED_ZONES
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
        whenUnsatisfiable: spread === Spread.REQUIRED_ZONES ? 'DoNotSchedule' : 'ScheduleAnyway',
        labelSelector,
      },
    ],
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

/** What every workload spec has: the pods it runs, selected by their identity labels. */
interface WorkloadSpecBase {
  /** The pods; the selector matches {@link selectorLabels} of `pod.identity`. */
  readonly pod: PodTemplateOptions;
}

/** A Deployment: interchangeable replicas. */
export interface DeploymentSpecOptions extends WorkloadSpecBase {
  readonly kind: 'Deployment';
  readonly replicas: number;
  /** @default - the API server's rolling update (25% surge, 25% unavailable) */
  readonly strategy?: k8s.DeploymentStrategy;
}

/** A StatefulSet: replicas with stable names behind a headless Service, each with its own claims. */
export interface StatefulSetSpecOptions extends WorkloadSpecBase {
  readonly kind: 'StatefulSet';
  readonly replicas: number;
  /** The headless Service that gives each pod its DNS name. */
  readonly serviceName: string;
  /** @default 'OrderedReady' (the API server's default) */
  readonly podManagementPolicy?: 'OrderedReady' | 'Parallel';
  /** @default - the API server's rolling update */
  readonly updateStrategy?: k8s.StatefulSetUpdateStrategy;
  /** @default - no claims */
  readonly volumeClaimTemplates?: k8s.KubePersistentVolumeClaimProps[];
}

/** A DaemonSet (node agents): one pod per node, rolled `maxUnavailable` nodes at a time. */
export interface DaemonSetSpecOptions extends WorkloadSpecBase {
  readonly kind: 'DaemonSet';
  readonly maxUnavailable: k8s.IntOrString;
}

/** The spec of a Deployment, StatefulSet or DaemonSet: its kind-specific settings and its pods. */
export type WorkloadSpecOptions =
  DeploymentSpecOptions | StatefulSetSpecOptions | DaemonSetSpecOptions;

/**
 * Renders the spec of a workload of one role: the selector of its identity, the pod
 * template ({@link renderPodTemplate}) and the settings of its kind.
 */
export function renderWorkloadSpec(spec: DeploymentSpecOptions): k8s.DeploymentSpec;
export function renderWorkloadSpec(spec: StatefulSetSpecOptions): k8s.StatefulSetSpec;
export function renderWorkloadSpec(spec: DaemonSetSpecOptions): k8s.DaemonSetSpec;
export function renderWorkloadSpec(
  spec: WorkloadSpecOptions,
): k8s.DeploymentSpec | k8s.StatefulSetSpec | k8s.DaemonSetSpec {
  const selector = { matchLabels: selectorLabels(spec.pod.identity) };
  const template = renderPodTemplate(spec.pod);
  switch (spec.kind) {
    case 'Deployment':
      return { replicas: spec.replicas, strategy: spec.strategy, selector, template };
    case 'StatefulSet':
      return {
        serviceName: spec.serviceName,
        replicas: spec.replicas,
        podManagementPolicy: spec.podManagementPolicy,
        updateStrategy: spec.updateStrategy,
        selector,
        template,
        volumeClaimTemplates: spec.volumeClaimTemplates,
      };
    case 'DaemonSet':
      return {
        selector,
        updateStrategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: spec.maxUnavailable },
        },
        template,
      };
  }
}

/** A workload object: its metadata and spec. */
export interface WorkloadProps {
  readonly metadata: k8s.ObjectMeta;
  readonly spec: WorkloadSpecOptions;
}

/**
 * Adds the Deployment, StatefulSet (claim templates as the API server stores them, see
 * above) or DaemonSet that `props.spec.kind` names, its spec from {@link renderWorkloadSpec}.
 */
export function addWorkload(scope: Construct, id: string, props: WorkloadProps): ApiObject {
  const { metadata, spec } = props;
  switch (spec.kind) {
    case 'Deployment':
      return new k8s.KubeDeployment(scope, id, { metadata, spec: renderWorkloadSpec(spec) });
    case 'StatefulSet':
      return new StatefulSetWithClaimDefaults(scope, id, {
        metadata,
        spec: renderWorkloadSpec(spec),
      });
    case 'DaemonSet':
      return new k8s.KubeDaemonSet(scope, id, { metadata, spec: renderWorkloadSpec(spec) });
  }
}
