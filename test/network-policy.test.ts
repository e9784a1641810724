import { App, Chart, Testing } from 'cdk8s';
import { readFileSync } from 'fs';
import { join } from 'path';
import { parse, parseAllDocuments } from 'yaml';
import {
  ALERT_RECEIVERS_PEER,
  Alertmanager,
  APPLICATIONS_PEER,
  DATABASES_PEER,
  ExternalPeer,
  Grafana,
  IDENTITY_PROVIDER_PEER,
  KUBERNETES_API_PEER,
  NetworkPeer,
  NetworkPolicyOptions,
  NODES_PEER,
  NodeExporter,
  REMOTE_WRITE_PEER,
  ObservabilityNamespace,
  ObservabilityStack,
  Prometheus,
  UI_CLIENTS_PEER,
} from '../lib';
import { renderNetworkFlowTable, renderNetworkPolicies } from '../lib/stack/network-policies';
import { ENVIRONMENTS, KubeObject, podTemplateOf, synthEnvironment } from './support/environments';
import { synthStack } from './support/objects';

/** A pod as NetworkPolicies see it: its namespace and labels. */
interface Pod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly hostNetwork?: boolean;
}

const matches = (
  selector: { matchLabels?: Record<string, string> } | undefined,
  labels: Record<string, string>,
) => Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

/**
 * Answers "may pod A reach pod B on port P" from rendered NetworkPolicies, as the API
 * specifies them: a pod selected by no policy of a direction is open in it; a selected pod
 * allows what any rule of any selecting policy allows. ipBlock peers never match pods.
 */
class PolicyEvaluator {
  private readonly policies: KubeObject[];

  constructor(objects: KubeObject[]) {
    this.policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  }

  public canReach(from: Pod, to: Pod, port: number, protocol = 'TCP'): boolean {
    return (
      this.allows('Egress', from, to, port, protocol) &&
      this.allows('Ingress', to, from, port, protocol)
    );
  }

  /** Whether `pod` may send to an address outside the cluster's pods in `cidr` on `port`. */
  public canReachCidr(pod: Pod, cidr: string, port: number): boolean {
    return (
      this.rules('Egress', pod)?.some(
        (rule) =>
          this.portMatches(rule, port, 'TCP') &&
          (rule.to ?? []).some((peer: any) => peer.ipBlock?.cidr === cidr),
      ) ?? true
    );
  }

  private rules(type: 'Ingress' | 'Egress', pod: Pod): any[] | undefined {
    const selecting = this.policies.filter(
      (p) =>
        p.metadata.namespace === pod.namespace &&
        p.spec.policyTypes.includes(type) &&
        matches(p.spec.podSelector, pod.labels),
    );
    if (selecting.length === 0) return undefined;
    return selecting.flatMap((p) => (type === 'Egress' ? p.spec.egress : p.spec.ingress) ?? []);
  }

  private allows(
    type: 'Ingress' | 'Egress',
    pod: Pod,
    peer: Pod,
    port: number,
    protocol: string,
  ): boolean {
    const rules = this.rules(type, pod);
    if (!rules) return true;
    return rules.some(
      (rule) =>
        this.portMatches(rule, port, protocol) &&
        ((type === 'Egress' ? rule.to : rule.from) ?? [{ namespaceSelector: {} }]).some((p: any) =>
          this.peerMatches(p, peer),
        ),
    );
  }

  private portMatches(rule: any, port: number, protocol: string): boolean {
    return (
      !rule.ports ||
      rule.ports.some((p: any) => p.port === port && (p.protocol ?? 'TCP') === protocol)
    );
  }

  private peerMatches(peer: any, pod: Pod): boolean {
    if (peer.ipBlock) return false;
    const namespaceLabels = { 'kubernetes.io/metadata.name': pod.namespace };
    const namespaceOk = peer.namespaceSelector
      ? matches(peer.namespaceSelector, namespaceLabels)
      : false;
    // Without a namespaceSelector a podSelector means the policy's own namespace, which the
    // rendered policies never use: they always name the namespace.
    return namespaceOk && matches(peer.podSelector, pod.labels);
  }
}

/** Every pod of the stack's workloads, named `<instance>-<component>`. */
function podsOf(objects: KubeObject[]): Pod[] {
  return objects.flatMap((o) => {
    const template = podTemplateOf(o);
    if (!template) return [];
    const labels = template.metadata.labels;
    return [
      {
        name: `${labels['app.kubernetes.io/instance']}-${labels['app.kubernetes.io/component']}`,
        namespace: o.metadata.namespace!,
        labels,
        hostNetwork: template.spec.hostNetwork,
        containerPorts: template.spec.containers.flatMap((c: any) =>
          (c.ports ?? []).map((port: any) => port.containerPort),
        ),
        annotations: template.metadata.annotations ?? {},
      },
    ];
  });
}

const pod = (pods: Pod[], name: string): Pod => {
  const found = pods.find((p) => p.name === name);
  if (!found) throw new Error(`no pod ${name} among ${pods.map((p) => p.name).join(', ')}`);
  return found;
};
const DNS: Pod = { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
const APP: Pod = { name: 'shop', namespace: 'shop', labels: { app: 'shop' } };
const INGRESS: Pod = {
  name: 'ingress-nginx-controller',
  namespace: 'ingress-nginx',
  labels: { app: 'ingress-nginx' },
};

describe.each(ENVIRONMENTS)('network policies of %s', (env) => {
  const { stack, objects } = synthEnvironment(env);
  const evaluator = new PolicyEvaluator(objects);
  const pods = podsOf(objects);
  const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);

  test('every namespace of the stack denies all ingress and egress by default', () => {
    expect(namespaces).toEqual([stack.namespace, stack.agentsNamespace]);
    for (const namespace of namespaces) {
      const deny = objects.find(
        (o) =>
          o.kind === 'NetworkPolicy' &&
          o.metadata.namespace === namespace &&
          o.metadata.name === 'default-deny',
      );
      expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    }
  });

  test('"every" is an empty selector, never an empty matchLabels, which the API server drops (and SSA would re-apply)', () => {
    const text = JSON.stringify(objects.filter((o) => o.kind === 'NetworkPolicy'));
    expect(text).not.toContain('"matchLabels":{}');
    expect(text).toContain('"namespaceSelector":{}');
  });

  test('every pod reaches the cluster DNS on UDP and TCP 53', () => {
    for (const p of pods) {
      expect([
        p.name,
        evaluator.canReach(p, DNS, 53, 'UDP'),
        evaluator.canReach(p, DNS, 53, 'TCP'),
      ]).toEqual([p.name, true, true]);
    }
  });

  test('every declared flow between pods is allowed on the client and the server', () => {
    const flows = stack.networkFlows.filter((f) => f.from.kind === 'pods' && f.to.kind === 'pods');
    expect(flows.length).toBeGreaterThan(10);
    for (const flow of flows) {
      const clients = pods.filter(
        (p) =>
          flow.from.kind === 'pods' &&
          p.namespace === flow.from.namespace &&
          matches({ matchLabels: flow.from.podSelector }, p.labels),
      );
      const servers = pods.filter(
        (p) =>
          flow.to.kind === 'pods' &&
          p.namespace === flow.to.namespace &&
          matches({ matchLabels: flow.to.podSelector }, p.labels),
      );
      expect([flow.purpose, clients.length > 0, servers.length > 0]).toEqual([
        flow.purpose,
        true,
        true,
      ]);
      for (const client of clients) {
        for (const server of servers) {
          for (const port of flow.ports!) {
            // The Services expose each container port under its own number: the policy's port is the pod's.
            expect([server.name, (server as any).containerPorts]).toEqual([
              server.name,
              expect.arrayContaining([port.port]),
            ]);
            expect([
              client.name,
              server.name,
              port.port,
              evaluator.canReach(client, server, port.port, port.protocol),
            ]).toEqual([client.name, server.name, port.port, true]);
          }
        }
      }
    }
  });

  test('Prometheus reaches every annotated scrape port: pods directly, host-network pods through the node range', () => {
    const prometheus = pod(pods, 'prometheus-server');
    const scraped = pods.filter((p: any) => p.annotations['prometheus.io/scrape'] === 'true');
    expect(scraped.length).toBeGreaterThan(3);
    for (const target of scraped as any[]) {
      const port = Number(target.annotations['prometheus.io/port']);
      const allowed = target.hostNetwork
        ? evaluator.canReachCidr(prometheus, '0.0.0.0/0', port)
        : evaluator.canReach(prometheus, target, port);
      expect([target.name, port, allowed]).toEqual([target.name, port, true]);
    }
    expect(evaluator.canReach(prometheus, pod(pods, 'kube-state-metrics-exporter'), 8080)).toBe(
      true,
    );
    expect(evaluator.canReachCidr(prometheus, '0.0.0.0/0', 10250)).toBe(true);
  });

  test('the clients reach their back ends', () => {
    const es = pods.filter(
      (p) =>
        p.labels['app.kubernetes.io/name'] === 'elasticsearch' &&
        p.labels['app.kubernetes.io/instance'] === 'elasticsearch',
    );
    const esHttp = es[es.length - 1];
    expect(evaluator.canReach(pod(pods, 'kibana-server'), esHttp, 9200)).toBe(true);
    // Grafana queries the Thanos querier where there is one (prod), else Prometheus.
    const metrics = pod(
      pods,
      stack.prometheus.thanosQuery ? 'prometheus-query' : 'prometheus-server',
    );
    expect(
      evaluator.canReach(pod(pods, 'grafana-server'), metrics, stack.prometheus.queryEndpoint.port),
    ).toBe(true);
    if (stack.prometheus.thanosQuery)
      expect(evaluator.canReach(metrics, pod(pods, 'prometheus-server'), 10901)).toBe(true);
    const query = pods.find((p) => p.name === 'jaeger-query' || p.name === 'jaeger-all-in-one')!;
    expect(evaluator.canReach(pod(pods, 'grafana-server'), query, 16686)).toBe(true);
    expect(
      evaluator.canReach(pod(pods, 'prometheus-server'), pod(pods, 'alertmanager-server'), 9093),
    ).toBe(true);
    if (stack.logstash) {
      expect(
        evaluator.canReach(pod(pods, 'filebeat-agent'), pod(pods, 'logstash-pipeline'), 5044),
      ).toBe(true);
      expect(evaluator.canReach(pod(pods, 'logstash-pipeline'), esHttp, 9200)).toBe(true);
      expect(evaluator.canReach(pod(pods, 'filebeat-agent'), esHttp, 9200)).toBe(false);
    }
    if (pods.some((p) => p.name === 'jaeger-collector')) {
      expect(evaluator.canReach(pod(pods, 'grafana-server'), esHttp, 9200)).toBe(true);
      expect(evaluator.canReach(pod(pods, 'jaeger-collector'), esHttp, 9200)).toBe(true);
    }
    for (const a of es) for (const b of es) expect(evaluator.canReach(a, b, 9300)).toBe(true);
  });

  test('nothing else is allowed between the components', () => {
    const es = pods.find((p) => p.labels['app.kubernetes.io/instance'] === 'elasticsearch')!;
    if (stack.logstash)
      expect(
        evaluator.canReach(pod(pods, 'kibana-server'), pod(pods, 'logstash-pipeline'), 5044),
      ).toBe(false);
    expect(evaluator.canReach(es, pod(pods, 'kibana-server'), 5601)).toBe(false);
    expect(evaluator.canReach(APP, es, 9200)).toBe(false);
    expect(evaluator.canReach(INGRESS, es, 9200)).toBe(false);
    expect(
      evaluator.canReach(pod(pods, 'kibana-server'), pod(pods, 'prometheus-server'), 9090),
    ).toBe(false);
    expect(evaluator.canReach(pod(pods, 'grafana-server'), es, 9300)).toBe(false);
    expect(evaluator.canReachCidr(pod(pods, 'kibana-server'), '0.0.0.0/0', 443)).toBe(false);
  });

  test('browsers reach the UIs only through their sign-in proxies (none without access); applications reach the collector', () => {
    const uiPorts: Record<string, number> = {
      'kibana-server': 5601,
      'grafana-server': 3000,
      'prometheus-server': 9090,
      'alertmanager-server': 9093,
    };
    for (const [ui, port] of Object.entries(uiPorts)) {
      const instance = pod(pods, ui).labels['app.kubernetes.io/instance'];
      const proxy = pods.find((p) => p.name === `${instance}-auth-proxy`);
      expect([ui, evaluator.canReach(INGRESS, pod(pods, ui), port)]).toEqual([ui, false]);
      expect([ui, evaluator.canReach(APP, pod(pods, ui), port)]).toEqual([ui, false]);
      expect([ui, proxy !== undefined]).toEqual([ui, stack.access !== undefined]);
      if (proxy) {
        expect([
          ui,
          evaluator.canReach(INGRESS, proxy, 4180),
          evaluator.canReach(proxy, pod(pods, ui), port),
        ]).toEqual([ui, true, true]);
        expect([ui, evaluator.canReach(APP, proxy, 4180)]).toEqual([ui, false]);
        // A proxy opens its own UI only.
        for (const other of Object.keys(uiPorts).filter((o) => o !== ui))
          expect([ui, other, evaluator.canReach(proxy, pod(pods, other), uiPorts[other])]).toEqual([
            ui,
            other,
            false,
          ]);
      }
    }
    const collector = pods.find(
      (p) => p.name === 'jaeger-collector' || p.name === 'jaeger-all-in-one',
    )!;
    for (const port of [4317, 4318, 9411])
      expect(evaluator.canReach(APP, collector, port)).toBe(true);
    expect(evaluator.canReach(pod(pods, 'prometheus-server'), APP, 8080)).toBe(true);
  });

  test('the agents that watch the API reach the API server', () => {
    for (const name of ['filebeat-agent', 'prometheus-server', 'kube-state-metrics-exporter']) {
      expect([name, evaluator.canReachCidr(pod(pods, name), '0.0.0.0/0', 443)]).toEqual([
        name,
        true,
      ]);
    }
  });
});

describe('network policy options', () => {
  test('without Logstash, Filebeat reaches Elasticsearch', () => {
    const { objects } = synthStack({ logstash: false });
    const pods = podsOf(objects);
    expect(
      new PolicyEvaluator(objects).canReach(
        pod(pods, 'filebeat-agent'),
        pod(pods, 'elasticsearch-node'),
        9200,
      ),
    ).toBe(true);
  });

  test('without access, uiClients set explicitly (an ingress that authenticates) opens the UIs to it', () => {
    const { objects } = synthStack({
      networkPolicies: {
        uiClients: { namespaceSelector: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
      },
    });
    const pods = podsOf(objects);
    const evaluator = new PolicyEvaluator(objects);
    expect(evaluator.canReach(INGRESS, pod(pods, 'kibana-server'), 5601)).toBe(true);
    expect(evaluator.canReach(INGRESS, pod(pods, 'grafana-server'), 3000)).toBe(true);
    expect(evaluator.canReach(APP, pod(pods, 'grafana-server'), 3000)).toBe(false);
  });

  test('networkPolicies: false renders none', () => {
    const { objects } = synthStack({ networkPolicies: false });
    expect(objects.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
  });

  test('uiClients: false opens the UIs to nobody; a DNS selector and CIDRs replace the defaults', () => {
    const { objects } = synthStack({
      networkPolicies: {
        uiClients: false,
        dns: { namespaceSelector: {}, podSelector: { 'k8s-app': 'node-local-dns' } },
        alertReceiversCidr: '10.0.0.0/8',
      },
      alertmanager: { slack: { channel: '#alerts' } },
    });
    const pods = podsOf(objects);
    const evaluator = new PolicyEvaluator(objects);
    expect(evaluator.canReach(INGRESS, pod(pods, 'kibana-server'), 5601)).toBe(false);
    expect(
      evaluator.canReach(
        pod(pods, 'kibana-server'),
        { ...DNS, labels: { 'k8s-app': 'node-local-dns' } },
        53,
        'UDP',
      ),
    ).toBe(true);
    expect(evaluator.canReach(pod(pods, 'kibana-server'), DNS, 53, 'UDP')).toBe(false);
    expect(evaluator.canReachCidr(pod(pods, 'alertmanager-server'), '10.0.0.0/8', 443)).toBe(true);
  });
});

describe('remote write and Thanos', () => {
  test('Prometheus reaches remoteWriteCidr on the remote URL port only', () => {
    const { objects } = synthStack({
      networkPolicies: { remoteWriteCidr: '203.0.113.0/24' },
      prometheus: { remoteWrite: [{ url: 'https://metrics.example.com:8443/api/v1/write' }] },
    });
    const pods = podsOf(objects);
    const evaluator = new PolicyEvaluator(objects);
    const server = pod(pods, 'prometheus-server');
    expect(evaluator.canReachCidr(server, '203.0.113.0/24', 8443)).toBe(true);
    expect(evaluator.canReachCidr(server, '203.0.113.0/24', 443)).toBe(false);
    // Nobody else gets that egress.
    expect(evaluator.canReachCidr(pod(pods, 'grafana-server'), '203.0.113.0/24', 8443)).toBe(false);
  });

  test('with thanos: the querier reaches the sidecars on 10901, Grafana the querier on 10902', () => {
    const { objects } = synthStack({ prometheus: { replicas: 2, thanos: {} } });
    const pods = podsOf(objects);
    const evaluator = new PolicyEvaluator(objects);
    const server = pod(pods, 'prometheus-server');
    const querier = pod(pods, 'prometheus-query');
    const grafana = pod(pods, 'grafana-server');
    expect(evaluator.canReach(querier, server, 10901)).toBe(true);
    expect(evaluator.canReach(grafana, querier, 10902)).toBe(true);
    // Grafana goes through the querier, not to the StoreAPI nor (any more) to one replica.
    expect(evaluator.canReach(grafana, server, 10901)).toBe(false);
    expect(evaluator.canReach(grafana, server, 9090)).toBe(false);
    expect(evaluator.canReach(APP, querier, 10902)).toBe(false);
  });
});

describe('external parties, declared by their components', () => {
  const client = NetworkPeer.pods('obs', { 'app.kubernetes.io/instance': 'client' });
  /** The egress peers and ports of a flow from `client` to `peer`, with `options`. */
  const egressTo = (peer: ExternalPeer, options: NetworkPolicyOptions = {}) => {
    const flow = {
      from: client,
      to: NetworkPeer.external(peer),
      ports: [{ port: 1 }],
      purpose: 't',
    };
    const policy = renderNetworkPolicies([flow], ['obs'], options).find(
      (p) => p.metadata?.name === 'allow-client',
    );
    return (policy?.spec?.egress ?? []).map((rule) => ({
      to: rule.to,
      ports: rule.ports?.map((p) => ({ port: p.port?.value, protocol: p.protocol })),
    }));
  };
  const selector = (name: string) => ({
    namespaceSelector: { 'kubernetes.io/metadata.name': name },
  });
  // Every option an address may name, each with a value of its own.
  const options: NetworkPolicyOptions = {
    kubernetesApiCidr: '10.0.0.1/32',
    kubernetesApiPorts: [8443],
    nodesCidr: '10.0.0.2/32',
    alertReceiversCidr: '10.0.0.3/32',
    databasesCidr: '10.0.0.4/32',
    identityProviderCidr: '10.0.0.5/32',
    remoteWriteCidr: '10.0.0.6/32',
    uiClients: selector('ingress'),
    applications: selector('apps'),
  };
  const builtIn: [ExternalPeer, unknown][] = [
    [KUBERNETES_API_PEER, { ipBlock: { cidr: '10.0.0.1/32' } }],
    [NODES_PEER, { ipBlock: { cidr: '10.0.0.2/32' } }],
    [ALERT_RECEIVERS_PEER, { ipBlock: { cidr: '10.0.0.3/32' } }],
    [DATABASES_PEER, { ipBlock: { cidr: '10.0.0.4/32' } }],
    [IDENTITY_PROVIDER_PEER, { ipBlock: { cidr: '10.0.0.5/32' } }],
    [REMOTE_WRITE_PEER, { ipBlock: { cidr: '10.0.0.6/32' } }],
    [
      UI_CLIENTS_PEER,
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } } },
    ],
    [
      APPLICATIONS_PEER,
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } } },
    ],
  ];

  test.each(builtIn.map(([peer, expected]) => [peer.name, peer, expected] as const))(
    '%s is where the option its address names says',
    (_name, peer, expected) => {
      expect(Object.keys(options)).toContain(peer.address.option);
      expect(egressTo(peer, options)[0].to).toEqual([expected]);
    },
  );

  test('unset options give the defaults: every address, ingress-nginx, every namespace', () => {
    expect(egressTo(NODES_PEER)[0].to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0' } }]);
    expect(egressTo(UI_CLIENTS_PEER)[0].to).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
    ]);
    expect(egressTo(APPLICATIONS_PEER)[0].to).toEqual([{ namespaceSelector: {} }]);
  });

  test("a ports option replaces the flow's ports; false for a selected party opens nothing", () => {
    expect(egressTo(KUBERNETES_API_PEER, options)[0].ports).toEqual([
      { port: 8443, protocol: 'TCP' },
    ]);
    expect(egressTo(KUBERNETES_API_PEER)[0].ports).toEqual([{ port: 1, protocol: 'TCP' }]);
    expect(egressTo(NODES_PEER, options)[0].ports).toEqual([{ port: 1, protocol: 'TCP' }]);
    expect(egressTo(APPLICATIONS_PEER, { applications: false })).toEqual([]);
  });

  test('a party declared outside the package renders from its own address and default', () => {
    const vault: ExternalPeer = {
      name: 'vault',
      address: { kind: 'cidr', option: 'vaultCidr', default: '192.0.2.0/24' },
    };
    expect(egressTo(vault)[0].to).toEqual([{ ipBlock: { cidr: '192.0.2.0/24' } }]);
    expect(NetworkPeer.external(vault)).toEqual({ kind: 'external', name: 'vault', peer: vault });
  });
});

const policiesOf = (objects: KubeObject[]) => objects.filter((o) => o.kind === 'NetworkPolicy');
const policy = (objects: KubeObject[], namespace: string, name: string) => {
  const found = policiesOf(objects).find(
    (o) => o.metadata.namespace === namespace && o.metadata.name === name,
  );
  if (!found)
    throw new Error(
      `no NetworkPolicy ${namespace}/${name} among ${policiesOf(objects)
        .map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
        .join(', ')}`,
    );
  return found;
};

describe('policies rendered at synthesis from the whole App', () => {
  test("a scrape job with networkTargets added after the stack is constructed opens Prometheus' egress and the target's ingress", () => {
    const stack = new ObservabilityStack(Testing.app(), 'observability', {
      environment: 'test',
      region: 'r1',
    });
    stack.prometheus.addScrapeJob({
      jobName: 'grafana-extra',
      staticTargets: ['grafana.observability.svc:3001'],
      networkTargets: [{ peer: stack.grafana.podPeer('server'), ports: [{ port: 3001 }] }],
    });
    const objects = Testing.synth(stack) as KubeObject[];
    const pods = podsOf(objects);
    expect(
      parse(
        objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config')!
          .data['prometheus.yml'],
      ).scrape_configs.map((j: any) => j.job_name),
    ).toContain('grafana-extra');
    const evaluator = new PolicyEvaluator(objects);
    expect(
      evaluator.canReach(pod(pods, 'prometheus-server'), pod(pods, 'grafana-server'), 3001),
    ).toBe(true);
    expect(evaluator.canReach(pod(pods, 'kibana-server'), pod(pods, 'grafana-server'), 3001)).toBe(
      false,
    );
    expect(stack.networkFlows.map((f) => f.purpose)).toContain('scrapes (job grafana-extra)');
  });

  test("Grafana in a second chart of the App gets ingress rules on the first chart's Prometheus and Elasticsearch", () => {
    const app = Testing.app();
    const stack = new ObservabilityStack(app, 'observability', {
      environment: 'test',
      region: 'r1',
    });
    const dashboards = new Chart(app, 'dashboards');
    new ObservabilityNamespace(dashboards, 'dashboards');
    new Grafana(dashboards, 'grafana', {
      namespace: 'dashboards',
      prometheus: stack.prometheus,
      elasticsearch: { cluster: stack.elasticsearch },
    });
    const objects = [...Testing.synth(stack), ...Testing.synth(dashboards)] as KubeObject[];
    const pods = podsOf(objects);
    const grafana = pods.find((p) => p.namespace === 'dashboards' && p.name === 'grafana-server')!;
    const evaluator = new PolicyEvaluator(objects);
    expect(evaluator.canReach(grafana, pod(pods, 'prometheus-server'), 9090)).toBe(true);
    expect(evaluator.canReach(grafana, pod(pods, 'elasticsearch-node'), 9200)).toBe(true);
    const ingress = policy(objects, 'observability', 'allow-prometheus-server').spec.ingress;
    expect(ingress).toContainEqual(
      expect.objectContaining({
        from: [
          expect.objectContaining({
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dashboards' } },
          }),
        ],
      }),
    );
    // The stack's Prometheus discovers the second chart's annotated Grafana as well.
    expect(evaluator.canReach(pod(pods, 'prometheus-server'), grafana, 3000)).toBe(true);
    expect(policy(objects, 'dashboards', 'default-deny').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
    });
  });

  test('an IP-block scrape target renders an ipBlock egress rule, with its exceptions', () => {
    const stack = new ObservabilityStack(Testing.app(), 'observability', {
      environment: 'test',
      region: 'r1',
    });
    stack.prometheus.addScrapeJob({
      jobName: 'vms',
      staticTargets: ['203.0.113.10:9100'],
      networkTargets: [
        {
          peer: NetworkPeer.ipBlock('203.0.113.0/24', ['203.0.113.128/25']),
          ports: [{ port: 9100 }],
        },
      ],
    });
    const objects = Testing.synth(stack) as KubeObject[];
    expect(policy(objects, 'observability', 'allow-prometheus-server').spec.egress).toContainEqual({
      to: [{ ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.128/25'] } }],
      ports: [{ port: 9100, protocol: 'TCP' }],
    });
    expect(renderNetworkFlowTable(stack.networkFlows)).toContain(
      '| prometheus-server (observability) | 203.0.113.0/24 except 203.0.113.128/25 | 9100 | scrapes (job vms) |',
    );
    expect(NetworkPeer.ipBlock('2001:db8::/32')).toEqual({
      kind: 'ip-block',
      name: '2001:db8::/32',
      cidr: '2001:db8::/32',
      except: undefined,
    });
  });

  test.each([
    ['10.0.0.0/33', /'cidr' has a prefix length over 32, got '10.0.0.0\/33'/],
    [
      '10.0.0.1/8',
      /'cidr' has bits set after the prefix length, got '10.0.0.1\/8' \(use the range's first address, 10.0.0.0\/8\)/,
    ],
    [
      'vm-1.example.com',
      /'cidr' is not an IPv4 or IPv6 CIDR, got 'vm-1.example.com' \(give an address and a prefix length/,
    ],
    ['300.0.0.0/8', /'cidr' is not an IPv4 or IPv6 CIDR/],
    ['2001:db8::1/32', /has bits set after the prefix length.*2001:db8:0:0:0:0:0:0\/32/],
  ])(
    'a bad CIDR %s fails with an error naming the prop, the value and the fix',
    (cidr, message) => {
      expect(() => NetworkPeer.ipBlock(cidr)).toThrow(message);
    },
  );

  test('an exception outside the range fails', () => {
    expect(() => NetworkPeer.ipBlock('10.0.0.0/16', ['10.1.0.0/24'])).toThrow(
      /NetworkPeer.ipBlock: 'except' is not a range strictly inside 10.0.0.0\/16, got '10.1.0.0\/24'/,
    );
    expect(() => NetworkPeer.ipBlock('10.0.0.0/16', ['2001:db8::/64'])).toThrow(
      /'except' is not a range strictly inside/,
    );
  });

  describe('standalone Prometheus, Alertmanager and node-exporter in a user chart', () => {
    const chart = new Chart(Testing.app(), 'monitoring');
    const monitoring = new ObservabilityNamespace(chart, 'monitoring');
    const agents = new ObservabilityNamespace(chart, 'monitoring-agents');
    const alertmanager = new Alertmanager(chart, 'alertmanager', { namespace: 'monitoring' });
    new Prometheus(chart, 'prometheus', { namespace: 'monitoring', alertmanager });
    new NodeExporter(chart, 'node-exporter', { namespace: 'monitoring-agents' });
    const objects = Testing.synth(chart) as KubeObject[];
    const pods = podsOf(objects);
    const evaluator = new PolicyEvaluator(objects);

    test('each namespace is defined, denies by default and allows DNS', () => {
      expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual([
        'monitoring',
        'monitoring-agents',
      ]);
      for (const namespace of [monitoring.name, agents.name]) {
        expect(policy(objects, namespace, 'default-deny').spec).toEqual({
          podSelector: {},
          policyTypes: ['Ingress', 'Egress'],
        });
        expect(policy(objects, namespace, 'allow-dns').spec.policyTypes).toEqual(['Egress']);
      }
      for (const p of pods)
        expect([p.name, evaluator.canReach(p, DNS, 53, 'UDP')]).toEqual([p.name, true]);
    });

    test('Prometheus reaches the applications, Alertmanager, node-exporter on the nodes and the API server', () => {
      const prometheus = pod(pods, 'prometheus-server');
      expect(evaluator.canReach(prometheus, APP, 8080)).toBe(true);
      expect(evaluator.canReach(prometheus, pod(pods, 'alertmanager-server'), 9093)).toBe(true);
      expect(evaluator.canReachCidr(prometheus, '0.0.0.0/0', 9100)).toBe(true);
      expect(evaluator.canReachCidr(prometheus, '0.0.0.0/0', 443)).toBe(true);
      expect(evaluator.canReach(APP, pod(pods, 'alertmanager-server'), 9093)).toBe(false);
      expect(monitoring.flows.map((f) => f.purpose)).toEqual(
        expect.arrayContaining(['scrapes annotated application pods', 'sends alerts']),
      );
    });

    test('each namespace enforces the Pod Security level its components need', () => {
      const labels = (name: string) =>
        objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name)!.metadata.labels!;
      expect(labels('monitoring')).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      });
      expect(labels('monitoring-agents')).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'privileged',
        'pod-security.kubernetes.io/warn': 'privileged',
        'pod-security.kubernetes.io/audit': 'privileged',
      });
    });
  });

  test('a namespace asked to be restricted still admits node-exporter, and warns and audits at restricted', () => {
    const chart = new Chart(Testing.app(), 'monitoring');
    new ObservabilityNamespace(chart, 'monitoring', { podSecurity: 'restricted' });
    new NodeExporter(chart, 'node-exporter', { namespace: 'monitoring' });
    const namespace = (Testing.synth(chart) as KubeObject[]).find((o) => o.kind === 'Namespace')!;
    expect(namespace.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
  });

  test('pods of a namespace no ObservabilityNamespace manages get no policy', () => {
    const chart = new Chart(Testing.app(), 'monitoring');
    new ObservabilityNamespace(chart, 'monitoring');
    const alertmanager = new Alertmanager(chart, 'alertmanager', { namespace: 'elsewhere' });
    new Prometheus(chart, 'prometheus', { namespace: 'monitoring', alertmanager });
    const objects = Testing.synth(chart) as KubeObject[];
    expect(policiesOf(objects).map((o) => o.metadata.namespace)).not.toContain('elsewhere');
    expect(policy(objects, 'monitoring', 'allow-prometheus-server').spec.egress).toContainEqual(
      expect.objectContaining({
        to: [
          expect.objectContaining({
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'elsewhere' } },
          }),
        ],
      }),
    );
  });

  test('networkPolicies: false gives the Namespace alone; recordFlow adds a flow no component records', () => {
    const chart = new Chart(Testing.app(), 'monitoring');
    new ObservabilityNamespace(chart, 'plain', { networkPolicies: false });
    const monitoring = new ObservabilityNamespace(chart, 'monitoring');
    const prometheus = new Prometheus(chart, 'prometheus', { namespace: 'monitoring' });
    monitoring.recordFlow({
      from: NetworkPeer.external(UI_CLIENTS_PEER),
      to: prometheus.endpoint.target.peer,
      ports: prometheus.endpoint.target.ports,
      purpose: 'UI',
    });
    const objects = Testing.synth(chart) as KubeObject[];
    expect(policiesOf(objects).filter((o) => o.metadata.namespace === 'plain')).toEqual([]);
    const evaluator = new PolicyEvaluator(objects);
    expect(evaluator.canReach(INGRESS, pod(podsOf(objects), 'prometheus-server'), 9090)).toBe(true);
    expect(evaluator.canReach(APP, pod(podsOf(objects), 'prometheus-server'), 9090)).toBe(false);
    expect(policy(objects, 'monitoring', 'allow-prometheus-server').spec.ingress).toContainEqual({
      from: [
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      ],
      ports: [{ port: 9090, protocol: 'TCP' }],
    });
  });

  test('two ObservabilityNamespaces of one name fail at synthesis, naming both', () => {
    const app = Testing.app();
    new ObservabilityNamespace(new Chart(app, 'a'), 'shared');
    const b = new Chart(app, 'b');
    new ObservabilityNamespace(b, 'shared');
    expect(() => Testing.synth(b)).toThrow(
      /'name' is also the namespace of a\/shared, got 'shared' \(define each namespace once/,
    );
  });

  test('synthesizing twice yields the same policies: Testing.synth, app.synthYaml and a job added in between', () => {
    const app = new App({ outdir: Testing.app().outdir });
    const stack = new ObservabilityStack(app, 'observability', {
      environment: 'test',
      region: 'r1',
    });
    const first = policiesOf(Testing.synth(stack) as KubeObject[]);
    expect(policiesOf(Testing.synth(stack) as KubeObject[])).toEqual(first);
    const yaml = app.synthYaml();
    expect(app.synthYaml()).toEqual(yaml);
    expect(policiesOf(parseAllDocuments(yaml).map((d) => d.toJSON()))).toEqual(first);
    stack.prometheus.addScrapeJob({
      jobName: 'vms',
      staticTargets: ['198.51.100.7:9100'],
      networkTargets: [{ peer: NetworkPeer.ipBlock('198.51.100.7/32'), ports: [{ port: 9100 }] }],
    });
    const after = policiesOf(Testing.synth(stack) as KubeObject[]);
    expect(after.map((o) => o.metadata.name)).toEqual(first.map((o) => o.metadata.name));
    expect(JSON.stringify(after)).toContain('198.51.100.7/32');
    expect(
      stack.node.findAll().filter((c) => c.node.id === 'allow-prometheus-server'),
    ).toHaveLength(1);
  });
});

describe('README', () => {
  test('lists exactly the flows the prod environment allows', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const { stack } = synthEnvironment('prod');
    expect(readme).toContain(`|---|---|---|---|\n${renderNetworkFlowTable(stack.networkFlows)}\n`);
  });
});
