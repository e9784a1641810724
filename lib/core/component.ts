import { Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { ServiceEndpoint } from './endpoint';
import { validateImage, imageVersion } from './images';
import { ComponentIdentity, selectorLabels, standardLabels } from './labels';
import { CONTROLLER_NAME_MAX_LENGTH, validateDnsLabel } from './names';
import {
  ExternalPeer,
  FlowPeer,
  FlowPort,
  NetworkFlow,
  NetworkPeer,
  NetworkTarget,
} from './network-flow';
import {
  BasicAuthSecretRef,
  basicAuthKeys,
  envFromSecret,
  ExternalSecret,
  SecretKeyRef,
} from './secrets';
import { PodSecurityLevel } from './security';

/**
 * The most characters a component appends to its `name` to name the objects it renders: a
 * budget every component keeps (test/component-names.test.ts holds each to it). The longest
 * today is `-index-cleaner`, of Jaeger's CronJob; Services add at most 10.
 */
export const NAME_SUFFIX_MAX_LENGTH = '-index-cleaner'.length;

/**
 * The longest `name` of a component: 38, so that a StatefulSet or CronJob named `name` plus
 * a suffix stays within the controllers' limit, and a Service within a DNS label.
 */
export const COMPONENT_NAME_MAX_LENGTH = CONTROLLER_NAME_MAX_LENGTH - NAME_SUFFIX_MAX_LENGTH;

/** Props every component shares. */
export interface ComponentProps {
  /**
   * Base name of the component's Kubernetes objects. It becomes Service and
   * StatefulSet names, which are immutable: choose once. At most 38 characters
   * (`COMPONENT_NAME_MAX_LENGTH`), so that every name derived from it is valid.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace of the component's objects.
   * @default - the chart's namespace, else `default`
   */
  readonly namespace?: string;
  /**
   * Container image, pinned to a tag or digest.
   * @default - the version pinned in `Images` for this component
   */
  readonly image?: string;
}

/** A port a Service exposes, targeting a named container port. */
export interface ServicePortSpec {
  readonly name: string;
  readonly port: number;
  /** Named container port. @default - same as `name` */
  readonly targetPort?: string;
  /** Scheme clients use on this port. @default 'http' */
  readonly scheme?: 'http' | 'https' | 'tcp' | 'grpc';
}

/**
 * The base of every component construct: resolved name, namespace and image,
 * labels, and the small objects every component has (ServiceAccount, Services,
 * PodDisruptionBudget), so that each component only writes what is its own.
 */
export abstract class Component extends Construct {
  /** Base name of the objects. */
  public readonly name: string;
  /** Namespace of the objects. */
  public readonly namespace: string;
  /** The image in use. */
  public readonly image: string;
  /** The image version, also `app.kubernetes.io/version`. */
  public readonly version: string;
  private readonly secrets: ExternalSecret[] = [];
  private readonly flows: NetworkFlow[] = [];

  protected constructor(
    scope: Construct,
    id: string,
    props: ComponentProps,
    private readonly app: string,
    defaultImage: string,
  ) {
    super(scope, id);
    this.name = validateDnsLabel(this, 'name', props.name ?? id, COMPONENT_NAME_MAX_LENGTH);
    this.namespace = validateDnsLabel(
      this,
      'namespace',
      props.namespace ?? Chart.of(this).namespace ?? 'default',
    );
    this.image = validateImage(this, 'image', props.image ?? defaultImage);
    this.version = imageVersion(this.image);
  }

  /** Secrets this component reads and the user must create (a copy; add with `recordExternalSecret`). */
  public get externalSecrets(): readonly ExternalSecret[] {
    return this.secrets.map((s) => ({ ...s, keys: [...s.keys] }));
  }

  /**
   * The connections of this component's pods, in and out: those recorded where it was
   * wired (`connectTo`, `recordFlow`) and those it discovers in the App at synthesis
   * (`discoveredFlows`). Every `ObservabilityNamespace` renders its NetworkPolicies from these.
   */
  public get networkFlows(): readonly NetworkFlow[] {
    return [...this.flows, ...this.discoveredFlows()];
  }

  /**
   * The Pod Security Standard level a namespace must enforce to admit this component's
   * pods; an `ObservabilityNamespace` enforces the least strict level its components need.
   */
  public get podSecurityLevel(): PodSecurityLevel {
    return 'restricted';
  }

  /**
   * Records a Secret this component reads and the user must create. A second record of the
   * same Secret adds its keys (and purpose) to the first: one Secret may hold several keys.
   */
  public recordExternalSecret(secret: ExternalSecret): void {
    const existing = this.secrets.findIndex((s) => s.name === secret.name);
    if (existing < 0) {
      this.secrets.push({ ...secret, keys: [...secret.keys] });
      return;
    }
    const known = this.secrets[existing];
    const added = secret.keys.filter((key) => !known.keys.includes(key));
    if (added.length === 0) return;
    this.secrets[existing] = {
      name: known.name,
      keys: [...known.keys, ...added],
      purpose: `${known.purpose}; ${secret.purpose}`,
    };
  }

  /**
   * Flows known only once the whole App is built, computed at synthesis (a Prometheus
   * finds the annotated pods of every chart). None by default.
   */
  protected discoveredFlows(): NetworkFlow[] {
    return [];
  }

  /**
   * Environment variables `usernameEnv` and `passwordEnv` read from a basic-auth
   * Secret, which is recorded in `externalSecrets` with its purpose. The one way a
   * component reads a username and password.
   */
  protected basicAuthEnv(
    prop: string,
    ref: BasicAuthSecretRef,
    usernameEnv: string,
    passwordEnv: string,
    purpose: string,
  ): k8s.EnvVar[] {
    const keys = this.basicAuthRefs(prop, ref, purpose);
    return [envFromSecret(usernameEnv, keys.username), envFromSecret(passwordEnv, keys.password)];
  }

  /** The two key references of a basic-auth Secret, recorded in `externalSecrets` with its purpose. */
  protected basicAuthRefs(
    prop: string,
    ref: BasicAuthSecretRef,
    purpose: string,
  ): { username: SecretKeyRef; password: SecretKeyRef } {
    const keys = basicAuthKeys(this, prop, ref);
    this.recordExternalSecret({
      name: ref.secretName,
      keys: [keys.username.key, keys.password.key],
      purpose,
    });
    return keys;
  }

  /** The labels identity of one role of this component. */
  public identity(component: string): ComponentIdentity {
    return { name: this.app, instance: this.name, component, version: this.version };
  }

  /** The pods of one role of this component, as a party of network flows. */
  public podPeer(component: string): FlowPeer {
    return NetworkPeer.pods(this.namespace, selectorLabels(this.identity(component)));
  }

  /**
   * Records that the pods of role `component` connect to `target`: a Service endpoint of
   * another construct, pods or addresses with ports, or an external party. The way a
   * component declares a connection it opens; the network policies come from these records.
   */
  protected connectTo(
    component: string,
    target: ServiceEndpoint | NetworkTarget | ExternalPeer,
    purpose: string,
    ports?: FlowPort[],
  ): void {
    const resolved: NetworkTarget =
      target instanceof ServiceEndpoint
        ? target.target
        : 'peer' in target
          ? target
          : { peer: NetworkPeer.external(target) };
    this.recordFlow({
      from: this.podPeer(component),
      to: resolved.peer,
      ports: ports ?? resolved.ports,
      purpose,
    });
  }

  /** Records a flow `connectTo` cannot say: one this component's pods serve, or one between its own pods. */
  protected recordFlow(flow: NetworkFlow): void {
    this.flows.push(flow);
  }

  /** Object metadata: name, namespace, standard labels. */
  protected metadata(
    name: string,
    component: string,
    annotations?: Record<string, string>,
  ): k8s.ObjectMeta {
    return {
      name,
      namespace: this.namespace,
      labels: standardLabels(this.identity(component)),
      annotations,
    };
  }

  /** A ServiceAccount for the component's pods; API tokens are mounted per pod, not here. */
  protected addServiceAccount(name: string = this.name): string {
    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: this.metadata(name, 'service-account'),
      automountServiceAccountToken: false,
    });
    return name;
  }

  /** A ClusterIP (or headless) Service over the pods of one role. */
  protected addService(
    id: string,
    name: string,
    component: string,
    ports: ServicePortSpec[],
    options: { headless?: boolean; publishNotReadyAddresses?: boolean } = {},
  ): ServiceEndpoint[] {
    const podSelector = selectorLabels(this.identity(component));
    new k8s.KubeService(this, id, {
      metadata: this.metadata(name, component),
      spec: {
        type: 'ClusterIP',
        clusterIp: options.headless ? 'None' : undefined,
        publishNotReadyAddresses: options.publishNotReadyAddresses,
        selector: podSelector,
        ports: ports.map((p) => ({
          name: p.name,
          port: p.port,
          targetPort: k8s.IntOrString.fromString(p.targetPort ?? p.name),
          protocol: 'TCP',
        })),
      },
    });
    return ports.map(
      (p) => new ServiceEndpoint(name, this.namespace, p.port, p.scheme ?? 'http', podSelector),
    );
  }

  /** A PodDisruptionBudget that keeps all but one replica of a role up. */
  protected addDisruptionBudget(
    id: string,
    name: string,
    component: string,
    replicas: number,
  ): void {
    if (replicas < 2) return;
    new k8s.KubePodDisruptionBudget(this, id, {
      metadata: this.metadata(name, component),
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: selectorLabels(this.identity(component)) },
      },
    });
  }

  /**
   * A ClusterRole with `rules`, bound to the component's ServiceAccount. Both are
   * named `<namespace>-<name>` so two instances in different namespaces never collide.
   * Returns the ClusterRole name.
   */
  protected addClusterRole(
    component: string,
    serviceAccountName: string,
    rules: k8s.PolicyRule[],
  ): string {
    const name = `${this.namespace}-${this.name}`;
    const metadata = { ...this.metadata(name, component), namespace: undefined };
    const role = new k8s.KubeClusterRole(this, 'cluster-role', { metadata, rules });
    const binding = new k8s.KubeClusterRoleBinding(this, 'cluster-role-binding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccountName, namespace: this.namespace }],
    });
    // cdk8s stamps a chart's namespace on every object; cluster-scoped ones must not carry it.
    if (Chart.of(this).namespace !== undefined) {
      for (const object of [role, binding])
        object.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    }
    return name;
  }

  /** A ConfigMap of rendered config files. */
  protected addConfigMap(
    id: string,
    name: string,
    component: string,
    data: Record<string, string>,
  ): string {
    new k8s.KubeConfigMap(this, id, { metadata: this.metadata(name, component), data });
    return name;
  }
}
