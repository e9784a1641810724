import { Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { ServiceEndpoint } from './endpoint';
import { validateImage, imageVersion } from './images';
import { ComponentIdentity, selectorLabels, standardLabels } from './labels';
import { validateDnsLabel } from './names';
import { ExternalPeer, FlowPeer, FlowPort, NetworkFlow, NetworkPeer, NetworkTarget } from './network-flow';
import { BasicAuthSecretRef, basicAuthKeys, envFromSecret, ExternalSecret, SecretKeyRef } from './secrets';

/** Props every component shares. */
export interface ComponentProps {
  /**
   * Base name of the component's Kubernetes objects. It becomes Service and
   * StatefulSet names, which are immutable: choose once.
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
  /** Secrets this component reads and the user must create. */
  public readonly externalSecrets: ExternalSecret[] = [];
  /** Connections this component's pods open, from which the stack renders network policies. */
  public readonly networkFlows: NetworkFlow[] = [];

  protected constructor(scope: Construct, id: string, props: ComponentProps, private readonly app: string, defaultImage: string) {
    super(scope, id);
    this.name = validateDnsLabel(this, 'name', props.name ?? id, 47);
    this.namespace = validateDnsLabel(this, 'namespace', props.namespace ?? Chart.of(this).namespace ?? 'default');
    this.image = validateImage(this, 'image', props.image ?? defaultImage);
    this.version = imageVersion(this.image);
  }

  /**
   * Environment variables `usernameEnv` and `passwordEnv` read from a basic-auth
   * Secret, which is recorded in `externalSecrets` with its purpose. The one way a
   * component reads a username and password.
   */
  protected basicAuthEnv(prop: string, ref: BasicAuthSecretRef, usernameEnv: string, passwordEnv: string, purpose: string): k8s.EnvVar[] {
    const keys = this.basicAuthRefs(prop, ref, purpose);
    return [envFromSecret(usernameEnv, keys.username), envFromSecret(passwordEnv, keys.password)];
  }

  /** The two key references of a basic-auth Secret, recorded in `externalSecrets` with its purpose. */
  protected basicAuthRefs(prop: string, ref: BasicAuthSecretRef, purpose: string): { username: SecretKeyRef; password: SecretKeyRef } {
    const keys = basicAuthKeys(this, prop, ref);
    this.externalSecrets.push({ name: ref.secretName, keys: [keys.username.key, keys.password.key], purpose });
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
   * another construct, pods with ports, or an external party. The one way a component
   * declares a connection; the stack's network policies come from these records.
   */
  protected connectTo(component: string, target: ServiceEndpoint | NetworkTarget | ExternalPeer, purpose: string, ports?: FlowPort[]): void {
    const resolved: NetworkTarget = target instanceof ServiceEndpoint ? target.target
      : typeof target === 'string' ? { peer: NetworkPeer.external(target) } : target;
    this.networkFlows.push({ from: this.podPeer(component), to: resolved.peer, ports: ports ?? resolved.ports, purpose });
  }

  /** Object metadata: name, namespace, standard labels. */
  protected metadata(name: string, component: string, annotations?: Record<string, string>): k8s.ObjectMeta {
    return { name, namespace: this.namespace, labels: standardLabels(this.identity(component)), annotations };
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
  protected addService(id: string, name: string, component: string, ports: ServicePortSpec[], options: { headless?: boolean; publishNotReadyAddresses?: boolean } = {}): ServiceEndpoint[] {
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
    return ports.map((p) => new ServiceEndpoint(name, this.namespace, p.port, p.scheme ?? 'http', podSelector));
  }

  /** A PodDisruptionBudget that keeps all but one replica of a role up. */
  protected addDisruptionBudget(id: string, name: string, component: string, replicas: number): void {
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
  protected addClusterRole(component: string, serviceAccountName: string, rules: k8s.PolicyRule[]): string {
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
      for (const object of [role, binding]) object.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    }
    return name;
  }

  /** A ConfigMap of rendered config files. */
  protected addConfigMap(id: string, name: string, component: string, data: Record<string, string>): string {
    new k8s.KubeConfigMap(this, id, { metadata: this.metadata(name, component), data });
    return name;
  }
}
