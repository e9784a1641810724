import { Chart, JsonPatch, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component } from '../core/component';
import { ConfigError } from '../core/errors';
import { PART_OF } from '../core/labels';
import { validateDnsLabel } from '../core/names';
import { NetworkFlow, withAppPodTemplates } from '../core/network-flow';
import { POD_SECURITY_LEVELS, PodSecurityLevel } from '../core/security';
import { apiServerFlows, NetworkPolicyOptions, renderNetworkPolicies } from './network-policies';

export interface ObservabilityNamespaceProps {
  /** The namespace's name, a DNS-1123 label. @default - the construct id */
  readonly name?: string;
  /**
   * The Pod Security Standard level the namespace warns and audits at
   * (`pod-security.kubernetes.io/warn|audit`). It is enforced too, unless a component in the
   * namespace needs a less strict level (`Component.podSecurityLevel`: node-exporter,
   * Filebeat, Elasticsearch with `VirtualMemory.INIT_CONTAINER`): then that level is enforced
   * and every apply and the audit log still show the exception.
   * @default - the least strict level the components in the namespace need: `restricted` unless one needs more
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * NetworkPolicies: deny all ingress and egress by default, allow DNS, and per group of
   * pods in the namespace exactly the flows recorded in the App (by its components, in
   * any chart, and with `recordFlow`). `false` for none (a CNI without NetworkPolicy
   * support, or policies of your own).
   * @default true, with the defaults of NetworkPolicyOptions
   */
  readonly networkPolicies?: boolean | NetworkPolicyOptions;
}

/** The Pod Security labels of a namespace. */
export interface PodSecurityLabels {
  /** `pod-security.kubernetes.io/enforce`. */
  readonly enforce: PodSecurityLevel;
  /** `pod-security.kubernetes.io/warn` and `audit`. */
  readonly warn: PodSecurityLevel;
}

const LEVEL_LABELS = ['enforce', 'warn', 'audit'] as const;

/** The App roots whose validation renders their namespaces (`ObservabilityNamespace.synthesizeApp`). */
const SYNTHESIZED_APPS = new WeakSet<IConstruct>();

function leastStrict(levels: PodSecurityLevel[]): PodSecurityLevel {
  return POD_SECURITY_LEVELS[
    Math.max(0, ...levels.map((level) => POD_SECURITY_LEVELS.indexOf(level)))
  ];
}

/**
 * A namespace this package manages: the Namespace, with Pod Security labels that admit the
 * components in it, and its NetworkPolicies. Use one per namespace your constructs live in,
 * in any chart of the App: the policies cover the flows of every chart.
 *
 * Why the policies are made in a validation hook: which policies exist (one per group of
 * pods with a flow) is known only when every chart of the App has recorded its flows, also
 * those added after construction (`addScrapeJob`). cdk8s runs every construct's validations
 * across the whole App before it renders any object, in `App.synth()`, `App.synthYaml()` and
 * `Chart.toJson()` (so `Testing.synth` and the Pulumi resource, which call it) alike. One
 * hook on the App's root (the first construct cdk8s validates) renders every namespace of the
 * App from one collection of the App's flows: collecting them resolves every workload. It
 * creates a policy object the first time its name appears, removes one whose pods no longer
 * have flows, and keeps the spec Lazy over its latest render, so running it again
 * (`Chart.toJson()` validates once more per chart) leaves the same objects with the same content.
 */
export class ObservabilityNamespace extends Construct {
  /** Every ObservabilityNamespace of the App `scope` belongs to. */
  public static of(scope: IConstruct): ObservabilityNamespace[] {
    return scope.node.root.node
      .findAll()
      .filter((c): c is ObservabilityNamespace => c instanceof ObservabilityNamespace);
  }

  /**
   * Every flow recorded in the App `scope` belongs to: by its components (where they were
   * wired, and what they discover at synthesis), on its namespaces with `recordFlow`, and by
   * the pod templates that mount an API token. Complete only at synthesis.
   */
  public static appFlows(scope: IConstruct): NetworkFlow[] {
    const all = scope.node.root.node.findAll();
    // Prometheus's discovered targets and the API token mounts read the same pod templates.
    return withAppPodTemplates(scope, () => [
      ...all.filter((c): c is Component => c instanceof Component).flatMap((c) => c.networkFlows),
      ...all
        .filter((c): c is ObservabilityNamespace => c instanceof ObservabilityNamespace)
        .flatMap((n) => n.recorded),
      ...apiServerFlows(scope),
    ]);
  }

  /**
   * The validation hook of an App's root: sets the Pod Security labels and renders the
   * NetworkPolicies of every namespace of the App, from the App's flows collected once. A
   * namespace defined twice is skipped; its own validation reports it.
   */
  private static synthesizeApp(root: IConstruct): string[] {
    const namespaces = ObservabilityNamespace.of(root).filter((n) => !n.twin());
    let flows: NetworkFlow[] | undefined;
    for (const namespace of namespaces) {
      if (namespace.networkPolicyOptions) flows ??= ObservabilityNamespace.appFlows(root);
      namespace.synthesize(flows ?? []);
    }
    return [];
  }

  /** The namespace's name. */
  public readonly name: string;
  /** The Pod Security level asked for, if one was. */
  public readonly podSecurity?: PodSecurityLevel;
  /** The options the NetworkPolicies resolve external parties with; undefined when `networkPolicies` is `false`. */
  public readonly networkPolicyOptions?: NetworkPolicyOptions;

  private readonly resource: k8s.KubeNamespace;
  private readonly recorded: NetworkFlow[] = [];
  /** The latest render of the policies, by name; their objects read their spec from it. */
  private readonly policies = new Map<string, k8s.KubeNetworkPolicyProps>();

  constructor(scope: Construct, id: string, props: ObservabilityNamespaceProps = {}) {
    super(scope, id);
    this.name = validateDnsLabel(this, 'name', props.name ?? id);
    if (props.podSecurity !== undefined && !POD_SECURITY_LEVELS.includes(props.podSecurity)) {
      throw new ConfigError(
        this.node.path,
        'podSecurity',
        props.podSecurity,
        'is not a Pod Security Standard level',
        `use one of ${POD_SECURITY_LEVELS.join(', ')}`,
      );
    }
    this.podSecurity = props.podSecurity;
    if (props.networkPolicies !== false)
      this.networkPolicyOptions =
        props.networkPolicies === true || props.networkPolicies === undefined
          ? {}
          : props.networkPolicies;

    const level = props.podSecurity ?? 'restricted';
    this.resource = new k8s.KubeNamespace(this, 'resource', {
      metadata: {
        name: this.name,
        labels: {
          'app.kubernetes.io/part-of': PART_OF,
          'app.kubernetes.io/managed-by': 'cdk8s',
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': level,
          'pod-security.kubernetes.io/audit': level,
        },
      },
    });
    // A chart stamps its namespace on every object; a Namespace is cluster-scoped.
    if (Chart.of(this).namespace !== undefined)
      this.resource.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    this.node.addValidation({ validate: () => this.validateUnique() });
    const root = this.node.root;
    if (!SYNTHESIZED_APPS.has(root)) {
      SYNTHESIZED_APPS.add(root);
      root.node.addValidation({ validate: () => ObservabilityNamespace.synthesizeApp(root) });
    }
  }

  /** The components of the App whose objects live in this namespace. */
  public get components(): Component[] {
    return this.node.root.node
      .findAll()
      .filter((c): c is Component => c instanceof Component && c.namespace === this.name);
  }

  /** The Pod Security labels as rendered: enforce admits every component in the namespace. */
  public get podSecurityLabels(): PodSecurityLabels {
    const needed = leastStrict(this.components.map((c) => c.podSecurityLevel));
    const asked = this.podSecurity ?? needed;
    return { enforce: leastStrict([asked, needed]), warn: asked };
  }

  /**
   * Every flow of the App with a group of pods of this namespace on either side: what its
   * NetworkPolicies allow (when it has them). Complete only at synthesis.
   */
  public get flows(): NetworkFlow[] {
    return ObservabilityNamespace.appFlows(this).filter((f) =>
      [f.from, f.to].some((p) => p.kind === 'pods' && p.namespace === this.name),
    );
  }

  /**
   * Records a flow no component records: from parties outside the App's components (your
   * ingress to a UI, your application to Elasticsearch) to pods of this package, or from its
   * pods out. Like every flow, it opens the egress and ingress of whichever side is managed.
   */
  public recordFlow(flow: NetworkFlow): void {
    this.recorded.push(flow);
  }

  /** Another ObservabilityNamespace of the App with this one's name, if there is one. */
  private twin(): ObservabilityNamespace | undefined {
    return ObservabilityNamespace.of(this).find((n) => n !== this && n.name === this.name);
  }

  private validateUnique(): string[] {
    const twin = this.twin();
    if (!twin) return [];
    return [
      new ConfigError(
        this.node.path,
        'name',
        this.name,
        `is also the namespace of ${twin.node.path}`,
        'define each namespace once and use its name in both places',
      ).message,
    ];
  }

  /** Sets the Pod Security labels and (re)renders the NetworkPolicies from `appFlows`; idempotent. */
  private synthesize(appFlows: NetworkFlow[]): void {
    const labels = this.podSecurityLabels;
    for (const label of LEVEL_LABELS) {
      this.resource.metadata.addLabel(
        `pod-security.kubernetes.io/${label}`,
        label === 'enforce' ? labels.enforce : labels.warn,
      );
    }
    if (!this.networkPolicyOptions) return;

    const rendered = renderNetworkPolicies(appFlows, [this.name], this.networkPolicyOptions);
    const names = new Set(rendered.map((p) => p.metadata!.name!));
    for (const name of this.policies.keys()) {
      if (!names.has(name)) {
        this.node.tryRemoveChild(name);
        this.policies.delete(name);
      }
    }
    for (const policy of rendered) {
      const name = policy.metadata!.name!;
      const created = this.policies.has(name);
      this.policies.set(name, policy);
      if (!created) {
        new k8s.KubeNetworkPolicy(this, name, {
          metadata: policy.metadata,
          // Lazy so that a later validation pass updates the content of the same object.
          spec: Lazy.any({
            produce: () => this.policies.get(name)!.spec,
          }) as unknown as k8s.NetworkPolicySpec,
        });
      }
    }
  }
}
