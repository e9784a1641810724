import { IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import {
  appPodTemplates,
  ExternalPeer,
  FlowPeer,
  FlowPort,
  NetworkFlow,
  NetworkPeer,
  PodsSelector,
  podTemplatePeer,
} from '../core/network-flow';

import {
  CLUSTER_DNS_PEER,
  CLUSTER_DNS_PODS,
  KUBERNETES_API_PEER,
} from '../prometheus/prometheus-config';

export type { PodsSelector } from '../core/network-flow';
export { CLUSTER_DNS_PEER, KUBERNETES_API_PEER };

/**
 * Where the parties outside the stack's pods are. NetworkPolicy cannot select nodes or
 * the API server by label, so those are IP ranges; narrow them to your nodes' and
 * control plane's CIDRs where you know them. Each party is declared by the component that
 * talks to it (an `ExternalPeer`), whose address names its option here.
 */
export interface NetworkPolicyOptions {
  /** The cluster DNS, reached on UDP and TCP 53 by every pod. @default - pods `k8s-app: kube-dns` in `kube-system` */
  readonly dns?: PodsSelector;
  /** Addresses of the Kubernetes API server. @default '0.0.0.0/0' */
  readonly kubernetesApiCidr?: string;
  /** Ports of the API server: 443 is the `kubernetes` Service, 6443 the usual port behind it. @default [443, 6443] */
  readonly kubernetesApiPorts?: number[];
  /** Node addresses: kubelet (10250) and node-exporter (hostNetwork) scrapes. @default '0.0.0.0/0' */
  readonly nodesCidr?: string;
  /** Addresses of Alertmanager's receivers (Slack, PagerDuty, SMTP). @default '0.0.0.0/0' */
  readonly alertReceiversCidr?: string;
  /**
   * Addresses of Prometheus' remote-write receivers (`prometheus.remoteWrite`, and their OAuth 2.0
   * token URLs), reached on each URL's port. @default '0.0.0.0/0'
   */
  readonly remoteWriteCidr?: string;
  /** Addresses of external databases (Grafana's `database`). @default '0.0.0.0/0' */
  readonly databasesCidr?: string;
  /**
   * Addresses of the object store of Elasticsearch's `snapshotRepository` (S3, GCS, Azure),
   * reached on 443. @default '0.0.0.0/0'
   */
  readonly snapshotStorageCidr?: string;
  /** Addresses of the OIDC provider the UI sign-in proxies use (`access.oidc`). @default '0.0.0.0/0' */
  readonly identityProviderCidr?: string;
  /**
   * The ingress controller's pods, through which browsers reach the UIs (Kibana, Grafana,
   * Jaeger query, Prometheus, Alertmanager). With the stack's `access`, they reach the
   * sign-in proxies only, and each UI admits its own proxy alone. Without `access`, the UIs
   * admit nobody from outside the stack (port-forward still works) unless this is set:
   * setting it without `access` states that your ingress authenticates users itself.
   * `false` opens the UIs to nobody in either case.
   * @default - every pod of namespace `ingress-nginx` with `access`; nobody without
   */
  readonly uiClients?: PodsSelector | false;
  /**
   * Application pods, which send spans to the Jaeger collector and which Prometheus
   * scrapes on any port; `false` for neither. Their own namespaces' policies are theirs.
   * @default - every namespace
   */
  readonly applications?: PodsSelector | false;
}

/** The label every namespace carries with its name. */
export const NAMESPACE_NAME = 'kubernetes.io/metadata.name';
const ALL = '0.0.0.0/0';

/** What an external party resolves to: the peers, and the ports that replace the flow's, if any. */
interface ResolvedPeer {
  readonly peers: k8s.NetworkPolicyPeer[];
  readonly ports?: FlowPort[];
}

/**
 * A label selector; no labels is `{}` (everything), never `matchLabels: {}`, which the API
 * server drops, so every server-side apply would see a change.
 */
function labelSelector(labels: Record<string, string>): k8s.LabelSelector {
  return Object.keys(labels).length > 0 ? { matchLabels: labels } : {};
}

function selectorPeer(selector: PodsSelector): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: labelSelector(selector.namespaceSelector),
    podSelector: selector.podSelector ? labelSelector(selector.podSelector) : undefined,
  };
}

/** The value of the option an external party's address names. */
function optionValue(options: NetworkPolicyOptions, option: string): unknown {
  return (options as Readonly<Record<string, unknown>>)[option];
}

/** Where an external party is: its address's option, else the address's default; nobody for `false`. */
function resolveExternal(
  peer: ExternalPeer,
  options: NetworkPolicyOptions,
): ResolvedPeer | undefined {
  const address = peer.address;
  switch (address.kind) {
    case 'cidr': {
      const cidr = optionValue(options, address.option) as string | undefined;
      const ports = address.portsOption
        ? (optionValue(options, address.portsOption) as number[] | undefined)
        : undefined;
      return {
        peers: [{ ipBlock: { cidr: cidr ?? address.default ?? ALL } }],
        ports: ports?.map((port) => ({ port })),
      };
    }
    case 'pods': {
      const selector = optionValue(options, address.option) as PodsSelector | false | undefined;
      return selector === false
        ? undefined
        : { peers: [selectorPeer(selector ?? address.default)] };
    }
  }
}

function resolvePeer(peer: FlowPeer, options: NetworkPolicyOptions): ResolvedPeer | undefined {
  switch (peer.kind) {
    case 'pods':
      return {
        peers: [
          {
            namespaceSelector: labelSelector({ [NAMESPACE_NAME]: peer.namespace }),
            podSelector: labelSelector(peer.podSelector),
          },
        ],
      };
    case 'namespace':
      return {
        peers: [{ namespaceSelector: labelSelector({ [NAMESPACE_NAME]: peer.namespace }) }],
      };
    case 'ip-block':
      return {
        peers: [
          { ipBlock: { cidr: peer.cidr, except: peer.except ? [...peer.except] : undefined } },
        ],
      };
    case 'external':
      return resolveExternal(peer.peer, options);
  }
}

function renderPorts(ports: FlowPort[] | undefined): k8s.NetworkPolicyPort[] | undefined {
  return ports?.map((p) => ({
    port: k8s.IntOrString.fromNumber(p.port),
    protocol: p.protocol ?? 'TCP',
  }));
}

/** The allow rules of one group of pods. */
interface PodRules {
  readonly namespace: string;
  readonly name: string;
  readonly podSelector: Record<string, string>;
  readonly ingress: Map<string, k8s.NetworkPolicyIngressRule>;
  readonly egress: Map<string, k8s.NetworkPolicyEgressRule>;
}

/**
 * The NetworkPolicies of `namespaces`: in each, a default deny of ingress and egress, DNS
 * egress, and per group of pods the egress of the flows it opens and the ingress of the
 * flows it serves. Flows of pods in other namespaces get no policy here: those are theirs.
 */
export function renderNetworkPolicies(
  flows: NetworkFlow[],
  namespaces: string[],
  options: NetworkPolicyOptions = {},
): k8s.KubeNetworkPolicyProps[] {
  const groups = new Map<string, PodRules>();
  const group = (peer: FlowPeer & { kind: 'pods' }): PodRules | undefined => {
    if (!namespaces.includes(peer.namespace)) return undefined;
    const key = `${peer.namespace}/${JSON.stringify(peer.podSelector)}`;
    if (!groups.has(key))
      groups.set(key, {
        namespace: peer.namespace,
        name: peer.name,
        podSelector: peer.podSelector,
        ingress: new Map(),
        egress: new Map(),
      });
    return groups.get(key);
  };
  for (const flow of flows) {
    const from = resolvePeer(flow.from, options);
    const to = resolvePeer(flow.to, options);
    if (!from || !to) continue;
    const ports = renderPorts(to.ports ?? flow.ports);
    if (flow.from.kind === 'pods') {
      const rule = { to: to.peers, ports };
      group(flow.from)?.egress.set(JSON.stringify(rule), rule);
    }
    if (flow.to.kind === 'pods') {
      const rule = { from: from.peers, ports };
      group(flow.to)?.ingress.set(JSON.stringify(rule), rule);
    }
  }

  const dns = selectorPeer(options.dns ?? CLUSTER_DNS_PODS);
  const policies: k8s.KubeNetworkPolicyProps[] = [];
  for (const namespace of namespaces) {
    policies.push(
      {
        metadata: { name: 'default-deny', namespace },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      },
      {
        metadata: { name: 'allow-dns', namespace },
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [
            {
              to: [dns],
              ports: renderPorts([
                { port: 53, protocol: 'UDP' },
                { port: 53, protocol: 'TCP' },
              ]),
            },
          ],
        },
      },
    );
    const own = [...groups.values()]
      .filter((g) => g.namespace === namespace)
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const g of own) {
      const ingress = [...g.ingress.values()];
      const egress = [...g.egress.values()];
      policies.push({
        metadata: { name: `allow-${g.name}`, namespace },
        spec: {
          podSelector: labelSelector(g.podSelector),
          policyTypes: [
            ...(ingress.length > 0 ? ['Ingress'] : []),
            ...(egress.length > 0 ? ['Egress'] : []),
          ],
          ingress: ingress.length > 0 ? ingress : undefined,
          egress: egress.length > 0 ? egress : undefined,
        },
      });
    }
  }
  return policies;
}

/**
 * Whether a pod template mounts an API token: automounted, or a projected
 * `serviceAccountToken` volume (a token for one container, such as Elasticsearch's zone lookup).
 */
function mountsApiToken(template: k8s.PodTemplateSpec): boolean {
  return (
    template.spec?.automountServiceAccountToken === true ||
    (template.spec?.volumes ?? []).some((v) =>
      (v.projected?.sources ?? []).some((source) => source.serviceAccountToken !== undefined),
    )
  );
}

/**
 * The flows the pod templates of the whole App declare themselves: every pod that mounts an
 * API token calls the Kubernetes API. Read at synthesis, when every chart is built.
 */
export function apiServerFlows(scope: IConstruct): NetworkFlow[] {
  return appPodTemplates(scope)
    .filter(({ template }) => mountsApiToken(template))
    .map(({ namespace, template }) => ({
      from: podTemplatePeer(namespace, template),
      to: NetworkPeer.external(KUBERNETES_API_PEER),
      ports: [{ port: 443 }, { port: 6443 }],
      purpose: 'calls the Kubernetes API',
    }));
}

function peerLabel(peer: FlowPeer): string {
  return peer.kind === 'external' || peer.kind === 'ip-block'
    ? peer.name
    : `${peer.name} (${peer.namespace})`;
}

/** The README table of flows: from, to, ports, purpose, one row per flow. */
export function renderNetworkFlowTable(flows: NetworkFlow[]): string {
  const rows = flows.map((f) => {
    const ports = f.ports
      ? f.ports.map((p) => `${p.port}${p.protocol === 'UDP' ? '/udp' : ''}`).join(', ')
      : 'any';
    return `| ${peerLabel(f.from)} | ${peerLabel(f.to)} | ${ports} | ${f.purpose} |`;
  });
  return [...new Set(rows)].join('\n');
}
