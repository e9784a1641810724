import { isIP } from 'net';
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { ConfigError } from './errors';

/**
 * Who talks to whom, declared once where a construct takes another (`this.connectTo(...)`):
 * at synthesis, every `ObservabilityNamespace` of the App renders both the client's egress
 * and the server's ingress NetworkPolicy from it.
 */

/** A port a flow uses. */
export interface FlowPort {
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/** Pods chosen by the labels of their namespace and their own labels (`matchLabels`; `{}` is every one). */
export interface PodsSelector {
  readonly namespaceSelector: Record<string, string>;
  /** @default - every pod of the selected namespaces */
  readonly podSelector?: Record<string, string>;
}

/**
 * A party outside the stack's pods, declared by the component that talks to it (the alert
 * receivers by Alertmanager, the OIDC provider by the sign-in proxy). Core knows no party:
 * where one is comes at synthesis from the option of the stack's `networkPolicies` its
 * `address` names, or the address's default.
 */
export interface ExternalPeer {
  /** The party in the flow table: `alert-receivers`. */
  readonly name: string;
  /** How its address is supplied. */
  readonly address: ExternalPeerAddress;
}

/** How an external party's address is supplied: an IP range, or pods chosen by labels. */
export type ExternalPeerAddress = ExternalCidrAddress | ExternalPodsAddress;

/** An IP range in a `networkPolicies` option, for parties NetworkPolicy cannot select by label. */
export interface ExternalCidrAddress {
  /** An IP range, rendered as an `ipBlock`. */
  readonly kind: 'cidr';
  /** The `NetworkPolicyOptions` key holding the CIDR: `alertReceiversCidr`. */
  readonly option: string;
  /** The range while the option is unset. @default '0.0.0.0/0' */
  readonly default?: string;
  /**
   * The `NetworkPolicyOptions` key holding the party's port numbers, which, when set,
   * replace the ports of every flow to it: `kubernetesApiPorts`.
   * @default - the flows' own ports
   */
  readonly portsOption?: string;
}

/** Pods chosen by a `networkPolicies` option holding a {@link PodsSelector}, or `false` for nobody. */
export interface ExternalPodsAddress {
  /** Pods, rendered as a namespace and pod selector. */
  readonly kind: 'pods';
  /** The `NetworkPolicyOptions` key holding the selector: `uiClients`. */
  readonly option: string;
  /** The pods while the option is unset. */
  readonly default: PodsSelector;
}

/**
 * One side of a flow: pods (which get rules when their namespace is managed), a whole
 * namespace, a range of addresses, or an external party (none of which get rules).
 */
export type FlowPeer =
  | {
      readonly kind: 'pods';
      readonly name: string;
      readonly namespace: string;
      readonly podSelector: Record<string, string>;
    }
  | { readonly kind: 'namespace'; readonly name: string; readonly namespace: string }
  | {
      readonly kind: 'ip-block';
      readonly name: string;
      readonly cidr: string;
      readonly except?: readonly string[];
    }
  | { readonly kind: 'external'; readonly name: string; readonly peer: ExternalPeer };

/** Builds {@link FlowPeer}s. */
export class NetworkPeer {
  /**
   * Pods of this stack in `namespace` matching `podSelector` (standard labels); their
   * policy is named after the selector's instance and component.
   */
  public static pods(namespace: string, podSelector: Record<string, string>): FlowPeer {
    const name = ['app.kubernetes.io/instance', 'app.kubernetes.io/component']
      .map((label) => podSelector[label])
      .filter((v) => v !== undefined)
      .join('-');
    return { kind: 'pods', name, namespace, podSelector };
  }

  /** Every pod of a namespace whose pods we do not know (a Service we did not render). */
  public static namespace(namespace: string): FlowPeer {
    return { kind: 'namespace', name: namespace, namespace };
  }

  /** A party outside the stack's pods. */
  public static external(peer: ExternalPeer): FlowPeer {
    return { kind: 'external', name: peer.name, peer };
  }

  /**
   * Addresses outside the cluster's pods, such as a scrape target on a VM: rendered as a
   * NetworkPolicy `ipBlock`. `cidr` is an IPv4 or IPv6 range without host bits
   * (`203.0.113.0/24`); `except` lists ranges inside it that stay closed.
   */
  public static ipBlock(cidr: string, except: string[] = []): FlowPeer {
    const range = parseCidr('cidr', cidr);
    for (const inner of except) {
      const excluded = parseCidr('except', inner);
      if (
        excluded.family !== range.family ||
        excluded.prefix <= range.prefix ||
        excluded.base >> range.shift !== range.base >> range.shift
      ) {
        throw new ConfigError(
          'NetworkPeer.ipBlock',
          'except',
          inner,
          `is not a range strictly inside ${cidr}`,
          `list only smaller ranges of ${cidr}, or widen cidr`,
        );
      }
    }
    return {
      kind: 'ip-block',
      name: except.length > 0 ? `${cidr} except ${except.join(', ')}` : cidr,
      cidr,
      except: except.length > 0 ? [...except] : undefined,
    };
  }
}

interface ParsedCidr {
  readonly family: 4 | 6;
  readonly prefix: number;
  /** The address as a number. */
  readonly base: bigint;
  /** Bits after the prefix. */
  readonly shift: bigint;
}

/** An IPv4 or IPv6 CIDR, or a ConfigError naming `prop` and the fix. */
function parseCidr(prop: string, cidr: string): ParsedCidr {
  const fail = (problem: string, fix: string): never => {
    throw new ConfigError('NetworkPeer.ipBlock', prop, cidr, problem, fix);
  };
  const match = typeof cidr === 'string' ? /^([^/]+)\/(\d{1,3})$/.exec(cidr) : null;
  const family = match ? isIP(match[1]) : 0;
  if (!match || (family !== 4 && family !== 6)) {
    return fail(
      'is not an IPv4 or IPv6 CIDR',
      "give an address and a prefix length, such as '203.0.113.0/24' or '2001:db8::/32'",
    );
  }
  const bits = family === 4 ? 32 : 128;
  const prefix = Number(match[2]);
  if (prefix > bits)
    fail(`has a prefix length over ${bits}`, `use a prefix length from 0 to ${bits}`);
  const base = family === 4 ? ipv4ToNumber(match[1]) : ipv6ToNumber(match[1]);
  const shift = BigInt(bits - prefix);
  if ((base >> shift) << shift !== base) {
    fail(
      'has bits set after the prefix length',
      `use the range's first address, ${formatAddress(family, (base >> shift) << shift)}/${prefix}`,
    );
  }
  return { family, prefix, base, shift };
}

function ipv4ToNumber(address: string): bigint {
  return address.split('.').reduce((n, octet) => (n << 8n) + BigInt(Number(octet)), 0n);
}

function ipv6ToNumber(address: string): bigint {
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  const text = v4
    ? address.slice(0, -v4[1].length) +
      ((n) => `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`)(ipv4ToNumber(v4[1]))
    : address;
  const [head, tail] = text.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all =
    tail === undefined
      ? groups(head)
      : [...groups(head), ...Array(missing).fill('0'), ...groups(tail)];
  return all.reduce((n, group) => (n << 16n) + BigInt(parseInt(group, 16)), 0n);
}

function formatAddress(family: 4 | 6, value: bigint): string {
  if (family === 4)
    return [24n, 16n, 8n, 0n].map((s) => ((value >> s) & 0xffn).toString()).join('.');
  return [...Array(8).keys()]
    .map((i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16))
    .join(':');
}

/** Where a client connects: the server's pods and the ports they listen on. */
export interface NetworkTarget {
  readonly peer: FlowPeer;
  /** Ports on the server's pods. @default - every port */
  readonly ports?: FlowPort[];
}

/** Traffic `from` opens to `to`, on `ports`. */
export interface NetworkFlow {
  readonly from: FlowPeer;
  readonly to: FlowPeer;
  /** Ports on the `to` side. @default - every port */
  readonly ports?: FlowPort[];
  /** Why it exists, shown in the README table. */
  readonly purpose: string;
}

/** A workload's pod template, with its namespace. */
export interface AppPodTemplate {
  readonly namespace: string;
  readonly template: k8s.PodTemplateSpec;
}

/** The pod template of a workload object, with its namespace; undefined for other kinds. */
export function podTemplateOf(object: ApiObject): AppPodTemplate | undefined {
  // Kind first: toJson resolves the object, and a ConfigMap's lazy data renders whole config files.
  if (!['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'].includes(object.kind))
    return undefined;
  const json = object.toJson();
  const spec = json.spec ?? {};
  const template = object.kind === 'CronJob' ? spec.jobTemplate?.spec?.template : spec.template;
  if (!template) return undefined;
  return { namespace: json.metadata?.namespace ?? 'default', template };
}

/**
 * The pod templates of an App while `withAppPodTemplates` runs, by the App's root: rendered at
 * most once for every reader inside it. Outside, every call renders them anew.
 */
const SHARED_POD_TEMPLATES = new WeakMap<IConstruct, { templates?: AppPodTemplate[] }>();

function renderAppPodTemplates(root: IConstruct): AppPodTemplate[] {
  return root.node
    .findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject)
    .flatMap((object) => podTemplateOf(object) ?? []);
}

/** Every pod template of the App `scope` belongs to, as rendered now (call it at synthesis). */
export function appPodTemplates(scope: IConstruct): AppPodTemplate[] {
  const root = scope.node.root;
  const shared = SHARED_POD_TEMPLATES.get(root);
  if (!shared) return renderAppPodTemplates(root);
  return (shared.templates ??= renderAppPodTemplates(root));
}

/**
 * Runs `read` with the pod templates of the App `scope` belongs to rendered once for every
 * `appPodTemplates` inside it. Rendering resolves every workload (its config checksums render
 * whole config files), so what reads them several times in one go wraps itself in this; `read`
 * must not change the App's workloads.
 */
export function withAppPodTemplates<T>(scope: IConstruct, read: () => T): T {
  const root = scope.node.root;
  if (SHARED_POD_TEMPLATES.has(root)) return read();
  SHARED_POD_TEMPLATES.set(root, {});
  try {
    return read();
  } finally {
    SHARED_POD_TEMPLATES.delete(root);
  }
}

const SELECTOR_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
];

/** The pods of a pod template, as a flow peer selected by their standard labels. */
export function podTemplatePeer(namespace: string, template: k8s.PodTemplateSpec): FlowPeer {
  const labels = template.metadata?.labels ?? {};
  return NetworkPeer.pods(
    namespace,
    Object.fromEntries(
      SELECTOR_LABELS.filter((l) => labels[l] !== undefined).map((l) => [l, labels[l]]),
    ),
  );
}
