import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { ElasticsearchCertificates, TraceStorage, VirtualMemory } from '../lib';
import { environmentProfile } from '../stacks/environments';
import { find, KubeObject, podTemplateOf, synthEnvironment } from './support/environments';
import { setupCredentials } from './support/setup-credentials';
import { synthStack } from './support/objects';

const configFile = (
  objects: KubeObject[],
  configMap: string,
  key: string,
  namespace = 'observability',
) => parse(find(objects, 'ConfigMap', configMap, namespace)!.data[key]);

/** Every namespaced object comes after its Namespace, and every pod template after its namespace's default-deny. */
function expectNamespacesFirst(objects: KubeObject[]): void {
  const index = (kind: string, name: string, namespace?: string) =>
    objects.findIndex(
      (o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace,
    );
  const late = objects.flatMap((o, i) => {
    const namespace = o.metadata.namespace;
    if (namespace === undefined) return [];
    const problems =
      index('Namespace', namespace) < i
        ? []
        : [`${o.kind}/${o.metadata.name} before Namespace/${namespace}`];
    if (podTemplateOf(o) && !(index('NetworkPolicy', 'default-deny', namespace) < i))
      problems.push(`${o.kind}/${o.metadata.name} before ${namespace}'s default-deny`);
    return problems;
  });
  expect(objects[0].kind).toBe('Namespace');
  expect(late).toEqual([]);
}

describe('ObservabilityStack wiring (prod profile)', () => {
  const { stack, objects } = synthEnvironment('prod');

  test("Kibana connects to the stack's Elasticsearch over TLS with its CA", () => {
    const kibana = configFile(objects, 'kibana-config', 'kibana.yml');
    expect(kibana['elasticsearch.hosts']).toEqual([stack.elasticsearch.endpoint.url]);
    expect(stack.elasticsearch.endpoint.url).toMatch(/^https:/);
    expect(kibana['elasticsearch.ssl.verificationMode']).toBe('full');
  });

  test("the Kibana setup Job provisions the stack's Kibana with its own credentials", () => {
    const job = find(objects, 'Job', stack.kibanaSetup.jobName, 'observability')!;
    const container = job.spec.template.spec.containers[0];
    expect(container.env).toContainEqual({ name: 'API_URL', value: stack.kibana.endpoint.url });
    expect(setupCredentials(job.spec.template.spec, container).username).toEqual({
      name: 'kibana-setup-credentials',
      key: 'username',
    });
  });

  test("Filebeat, in the agents namespace, ships to Logstash's beats endpoint", () => {
    const filebeat = configFile(objects, 'filebeat-config', 'filebeat.yml', 'observability-agents');
    expect(filebeat['output.logstash'].hosts).toEqual([stack.logstash!.beatsEndpoint.hostPort]);
    expect(stack.logstash!.beatsEndpoint.hostPort).toBe('logstash.observability.svc:5044');
  });

  test("Logstash writes to the stack's Elasticsearch", () => {
    const pipeline = find(objects, 'ConfigMap', 'logstash-config', 'observability')!.data[
      'main.conf'
    ];
    expect(pipeline).toContain(`hosts => ["${stack.elasticsearch.endpoint.url}"]`);
  });

  test('Prometheus labels every series with env and region and sends alerts to Alertmanager', () => {
    const prometheus = configFile(objects, 'prometheus-config', 'prometheus.yml');
    expect(prometheus.global.external_labels).toMatchObject({ env: 'prod', region: 'eu-west-1' });
    const relabel = prometheus.alerting.alertmanagers[0].relabel_configs;
    expect(relabel.some((r: any) => r.regex === stack.alertmanager.endpoint.serviceName)).toBe(
      true,
    );
  });

  test('Grafana has Prometheus, Elasticsearch and Jaeger data sources at their endpoints', () => {
    const { datasources } = configFile(objects, 'grafana-config', 'datasources.yaml');
    const byUid = Object.fromEntries(datasources.map((d: any) => [d.uid, d.url]));
    expect(byUid).toEqual({
      prometheus: stack.prometheus.queryEndpoint.url,
      elasticsearch: stack.elasticsearch.endpoint.url,
      jaeger: stack.jaeger.queryEndpoint.url,
    });
  });

  test("Jaeger keeps spans in the stack's Elasticsearch", () => {
    const jaeger = configFile(objects, 'jaeger-collector-config', 'config.yaml');
    expect(
      jaeger.extensions.jaeger_storage.backends.trace_storage.elasticsearch.server_urls,
    ).toEqual([stack.elasticsearch.endpoint.url]);
  });

  test('the back-end namespace enforces the restricted Pod Security Standard, the agents namespace is privileged', () => {
    expect(
      find(objects, 'Namespace', 'observability')!.metadata.labels![
        'pod-security.kubernetes.io/enforce'
      ],
    ).toBe('restricted');
    expect(
      find(objects, 'Namespace', 'observability-agents')!.metadata.labels![
        'pod-security.kubernetes.io/enforce'
      ],
    ).toBe('privileged');
  });

  test('each namespace comes before what lives in it, and its default-deny before any pod, so one apply never runs a pod unguarded', () => {
    expectNamespacesFirst(objects);
  });
});

describe('ObservabilityStack options', () => {
  test('without Logstash, Filebeat ships straight to Elasticsearch', () => {
    const { stack, objects } = synthStack({ logstash: false });
    expect(stack.logstash).toBeUndefined();
    const filebeat = configFile(objects, 'filebeat-config', 'filebeat.yml', 'observability-agents');
    expect(filebeat['output.elasticsearch'].hosts).toEqual([stack.elasticsearch.endpoint.url]);
    expect(
      objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'logstash'),
    ).toEqual([]);
  });

  test("without Logstash in a secured stack, Filebeat's namespace needs its own copy of the CA Secret, and the stack says so", () => {
    const { stack, objects } = synthStack({ ...environmentProfile('prod'), logstash: false });
    const filebeat = find(objects, 'DaemonSet', 'filebeat', 'observability-agents')!;
    expect(filebeat.spec.template.spec.volumes).toContainEqual(
      expect.objectContaining({
        name: 'elasticsearch-ca',
        secret: expect.objectContaining({ secretName: 'elasticsearch-certs' }),
      }),
    );
    const declared = stack.externalSecrets
      .filter((s) => s.name === 'elasticsearch-certs')
      .map((s) => `${s.namespace}: ${s.keys.join(',')}`);
    expect(declared).toEqual([
      'observability: tls.crt,tls.key,ca.crt',
      'observability-agents: ca.crt',
    ]);
  });

  test("Kibana links a log's trace.id to the Jaeger UI at its public URL", () => {
    const dataView = (objects: KubeObject[]) =>
      JSON.parse(
        find(objects, 'ConfigMap', 'kibana-setup-config', 'observability')!.data[
          'saved-objects.ndjson'
        ].split('\n')[0],
      );
    const linked = synthStack({ jaeger: { publicBaseUrl: 'https://jaeger.example.com' } });
    expect(linked.stack.kibanaSetup.content.jaegerUiUrl).toBe('https://jaeger.example.com');
    expect(dataView(linked.objects).attributes.fieldFormatMap).toContain(
      'https://jaeger.example.com/trace/{{value}}',
    );
    const own = synthStack({
      jaeger: { publicBaseUrl: 'https://jaeger.example.com' },
      kibanaSetup: { content: { jaegerUiUrl: 'https://traces.example.com' } },
    });
    expect(own.stack.kibanaSetup.content.jaegerUiUrl).toBe('https://traces.example.com');
    expect(synthStack().stack.kibanaSetup.content.jaegerUiUrl).toBeUndefined();
    expect(() => synthStack({ jaeger: { publicBaseUrl: 'jaeger.example.com' } })).toThrow(
      /publicBaseUrl.*http\(s\) URL/,
    );
  });

  test('custom namespaces are used for every object', () => {
    const { objects } = synthStack({ namespace: 'o11y', agentsNamespace: 'o11y-agents' });
    const namespaces = new Set(objects.map((o) => o.metadata.namespace).filter(Boolean));
    expect([...namespaces].sort()).toEqual(['o11y', 'o11y-agents']);
  });

  test('memory trace storage gives one all-in-one Jaeger', () => {
    const { objects } = synthStack({ jaeger: { storage: TraceStorage.MEMORY } });
    expect(find(objects, 'Deployment', 'jaeger')).toBeDefined();
    expect(find(objects, 'Deployment', 'jaeger-collector')).toBeUndefined();
  });

  test('components stay reachable, so callers can add to them after construction', () => {
    const { stack } = synthStack();
    stack.grafana.addDashboard('team-dashboard', { title: 'Team' });
    const objects = Testing.synth(stack) as KubeObject[];
    const dashboards = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === stack.grafana.dashboardsConfigMapName,
    )!;
    expect(Object.keys(dashboards.data)).toContain('team-dashboard.json');
  });

  test('lists every Secret it reads with its namespace', () => {
    const { stack } = synthStack();
    expect(stack.externalSecrets.find((s) => s.name === 'elasticsearch-certs')).toMatchObject({
      namespace: 'observability',
      keys: ['tls.crt', 'tls.key', 'ca.crt'],
    });
  });

  test('fails on an invalid environment name', () => {
    expect(() => synthStack({ environment: 'Prod 1' })).toThrow(
      /'environment' must be a DNS-1123 label.*got 'Prod 1'/,
    );
  });

  test('fails on an invalid namespace', () => {
    expect(() => synthStack({ namespace: 'Observability' })).toThrow(
      /'namespace' must be a DNS-1123 label/,
    );
  });

  test('fails when Elasticsearch security is off outside dev without the opt-out', () => {
    expect(() =>
      synthStack({ environment: 'prod', elasticsearch: { security: { enabled: false } } }),
    ).toThrow(
      /'elasticsearch.security.enabled' turns TLS and authentication off outside 'dev' \(environment 'prod'\), got false \(.*allowInsecureElasticsearch: true/,
    );
  });

  test('turns Elasticsearch security off outside dev with the explicit opt-out', () => {
    const { stack } = synthStack({
      environment: 'staging',
      elasticsearch: { security: { enabled: false } },
      allowInsecureElasticsearch: true,
    });
    expect(stack.elasticsearch.securityEnabled).toBe(false);
  });

  test('turns Elasticsearch security off in dev without an opt-out', () => {
    const { stack } = synthStack({
      environment: 'dev',
      elasticsearch: { security: { enabled: false } },
    });
    expect(stack.elasticsearch.securityEnabled).toBe(false);
  });

  test('fails on an opt-out from Elasticsearch security that is on', () => {
    expect(() => synthStack({ allowInsecureElasticsearch: true })).toThrow(
      /'allowInsecureElasticsearch' has no effect while elasticsearch.security is on/,
    );
  });

  test('fails on an unknown environment profile', () => {
    expect(() => environmentProfile('qa')).toThrow(
      /'environment' must be one of dev, staging, prod, got 'qa'/,
    );
  });
});

describe('ObservabilityStack scrape jobs', () => {
  test('scrapes kube-state-metrics with its own job that honors its labels', () => {
    const { objects } = synthEnvironment('staging');
    const prometheus = configFile(objects, 'prometheus-config', 'prometheus.yml');
    const job = prometheus.scrape_configs.find((j: any) => j.job_name === 'kube-state-metrics');
    expect(job.honor_labels).toBe(true);
  });
});

const podSecurity = (objects: KubeObject[], namespace: string) =>
  Object.fromEntries(
    Object.entries(find(objects, 'Namespace', namespace)!.metadata.labels!)
      .filter(([k]) => k.startsWith('pod-security.kubernetes.io/'))
      .map(([k, v]) => [k.slice('pod-security.kubernetes.io/'.length), v]),
  );
const containersOf = (objects: KubeObject[]) =>
  objects.flatMap((o) => {
    const spec = podTemplateOf(o)?.spec;
    return spec
      ? [...(spec.initContainers ?? []), ...spec.containers].map((c: any) => ({
          where: `${o.kind}/${o.metadata.namespace}/${o.metadata.name}/${c.name}`,
          container: c,
        }))
      : [];
  });

describe('ObservabilityStack vm.max_map_count choices', () => {
  test.each([VirtualMemory.NO_MMAP, VirtualMemory.PRECONFIGURED])(
    '%s keeps both namespaces as they are and deploys no tuning',
    (virtualMemory) => {
      const { stack, objects } = synthStack({ elasticsearch: { virtualMemory } });
      expect(podSecurity(objects, 'observability')).toEqual({
        enforce: 'restricted',
        'enforce-version': 'latest',
        warn: 'restricted',
        audit: 'restricted',
      });
      expect(podSecurity(objects, 'observability-agents')).toMatchObject({ enforce: 'privileged' });
      expect(stack.elasticsearchNodeTuning).toBeUndefined();
      expect(
        containersOf(objects).filter(({ container }) => container.securityContext?.privileged),
      ).toEqual([]);
    },
  );

  describe('INIT_CONTAINER', () => {
    const { objects } = synthStack({
      elasticsearch: { virtualMemory: VirtualMemory.INIT_CONTAINER },
    });

    test('lowers only the enforce level of the back-end namespace, so warnings and audit still report the privileged pods', () => {
      expect(podSecurity(objects, 'observability')).toEqual({
        enforce: 'privileged',
        'enforce-version': 'latest',
        warn: 'restricted',
        audit: 'restricted',
      });
    });

    test('the sysctl init containers of Elasticsearch are the only privileged containers of the stack', () => {
      const privileged = containersOf(objects)
        .filter(({ container }) => container.securityContext?.privileged)
        .map(({ where }) => where);
      expect(privileged).toEqual(['StatefulSet/observability/elasticsearch-node/sysctl']);
    });

    test('the namespaces still come first', () => {
      expectNamespacesFirst(objects);
    });
  });

  describe('NODE_TUNING', () => {
    const nodeSelector = { 'example.com/pool': 'search' };
    const tolerations = [
      { key: 'dedicated', operator: 'Equal', value: 'search', effect: 'NoSchedule' },
    ];
    const { stack, objects } = synthStack({
      elasticsearch: { virtualMemory: VirtualMemory.NODE_TUNING },
      elasticsearchNodeTuning: { nodeSelector, tolerations },
    });

    test('tunes the nodes from a DaemonSet in the agents namespace, on the nodes asked for', () => {
      const daemonSet = find(
        objects,
        'DaemonSet',
        'elasticsearch-node-tuning',
        'observability-agents',
      )!;
      expect(daemonSet.spec.template.spec.initContainers[0].command[2]).toContain(
        'sysctl -w vm.max_map_count=1048576',
      );
      expect(daemonSet.spec.template.spec.nodeSelector).toEqual(nodeSelector);
      expect(daemonSet.spec.template.spec.tolerations).toEqual(tolerations);
      expect(stack.elasticsearchNodeTuning!.namespace).toBe('observability-agents');
    });

    test('keeps the back-end namespace restricted, Elasticsearch assuming tuned nodes', () => {
      expect(podSecurity(objects, 'observability')).toMatchObject({ enforce: 'restricted' });
      const privileged = containersOf(objects)
        .filter(({ container }) => container.securityContext?.privileged)
        .map(({ where }) => where);
      expect(privileged).toEqual([
        'DaemonSet/observability-agents/elasticsearch-node-tuning/sysctl',
      ]);
      expect(
        configFile(objects, 'elasticsearch-node-config', 'elasticsearch.yml')[
          'node.store.allow_mmap'
        ],
      ).toBe(true);
    });
  });

  test('fails when node tuning options are given without VirtualMemory.NODE_TUNING', () => {
    expect(() => synthStack({ elasticsearchNodeTuning: { nodeSelector: { a: 'b' } } })).toThrow(
      /'elasticsearchNodeTuning' is only used with VirtualMemory.NODE_TUNING, but elasticsearch.virtualMemory is 'no-mmap'/,
    );
  });
});

describe.each(Object.values(VirtualMemory))(
  'a stack with cert-manager certificates and virtualMemory %s',
  (virtualMemory) => {
    const prod = environmentProfile('prod');
    const { stack, objects } = synthStack({
      ...prod,
      elasticsearch: {
        ...prod.elasticsearch,
        virtualMemory,
        security: {
          certificates: ElasticsearchCertificates.certManager({
            issuer: { kind: 'ClusterIssuer', name: 'internal-ca' },
          }),
        },
      },
    });
    const defined = new Set(
      objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`),
    );
    const certificateSecrets = new Set(
      objects
        .filter((o) => o.kind === 'Certificate')
        .map((o) => `${o.metadata.namespace}/${o.spec.secretName}`),
    );
    const externalSecrets = new Set(stack.externalSecrets.map((s) => `${s.namespace}/${s.name}`));
    /** Every Secret a pod reads, as `namespace/name`. */
    const secretsRead = objects.flatMap((o) => {
      const spec = podTemplateOf(o)?.spec;
      if (!spec) return [];
      const ns = o.metadata.namespace;
      const fromVolumes = (spec.volumes ?? []).flatMap((v: any) => [
        v.secret?.secretName,
        ...(v.projected?.sources ?? []).map((p: any) => p.secret?.name),
      ]);
      const fromEnv = [...(spec.initContainers ?? []), ...spec.containers].flatMap((c: any) => [
        ...(c.env ?? []).map((e: any) => e.valueFrom?.secretKeyRef?.name),
        ...(c.envFrom ?? []).map((e: any) => e.secretRef?.name),
      ]);
      return [...fromVolumes, ...fromEnv].filter(Boolean).map((name: string) => `${ns}/${name}`);
    });

    test('emits one Certificate, and its Secret is no longer one the user creates', () => {
      expect([...certificateSecrets]).toEqual(['observability/elasticsearch-certs']);
      expect(externalSecrets.has('observability/elasticsearch-certs')).toBe(false);
      expect(stack.elasticsearch.certificatesIssuer).toEqual({
        kind: 'ClusterIssuer',
        name: 'internal-ca',
      });
    });

    test("every Secret a pod reads is external or written by the Certificate, in the pod's namespace", () => {
      expect(
        secretsRead.filter((s) => !externalSecrets.has(s) && !certificateSecrets.has(s)),
      ).toEqual([]);
      expect(secretsRead).toContain('observability/elasticsearch-certs');
    });

    test('every Secret declared external is read by some pod', () => {
      expect([...externalSecrets].filter((s) => !secretsRead.includes(s))).toEqual([]);
    });

    test('every ServiceAccount and ConfigMap a pod refers to is defined, and every mount is a volume of its pod', () => {
      const problems = objects.flatMap((o) => {
        const spec = podTemplateOf(o)?.spec;
        if (!spec) return [];
        const ns = o.metadata.namespace;
        const refs = [
          `ServiceAccount/${ns}/${spec.serviceAccountName}`,
          ...(spec.volumes ?? [])
            .filter((v: any) => v.configMap)
            .map((v: any) => `ConfigMap/${ns}/${v.configMap.name}`),
        ];
        const volumes = new Set([
          ...(spec.volumes ?? []).map((v: any) => v.name),
          ...(o.spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata.name),
        ]);
        const mounts = [...(spec.initContainers ?? []), ...spec.containers].flatMap((c: any) =>
          (c.volumeMounts ?? []).map((m: any) => m.name),
        );
        return [
          ...refs.filter((r) => !defined.has(r)).map((r) => `${o.metadata.name} -> ${r}`),
          ...mounts
            .filter((m: string) => !volumes.has(m))
            .map((m: string) => `${o.metadata.name} mounts missing volume ${m}`),
        ];
      });
      expect(problems).toEqual([]);
    });

    test('the Certificate lives in the namespace the stack creates', () => {
      const certificate = objects.find((o) => o.kind === 'Certificate')!;
      expect(find(objects, 'Namespace', certificate.metadata.namespace!)).toBeDefined();
    });
  },
);

describe('what components record', () => {
  test('flows and external secrets are read-only copies: changing them changes nothing recorded', () => {
    const { stack } = synthStack();
    const secrets = stack.elasticsearch.externalSecrets as any[];
    secrets.push({ name: 'smuggled', keys: ['x'], purpose: 'none' });
    secrets[0].keys.push('smuggled');
    (stack.kibana.networkFlows as any[]).length = 0;
    expect(stack.elasticsearch.externalSecrets.map((s) => s.name)).not.toContain('smuggled');
    expect(stack.elasticsearch.externalSecrets[0].keys).not.toContain('smuggled');
    expect(stack.kibana.networkFlows.map((f) => f.purpose)).toContain(
      'stores saved objects, reads logs',
    );
  });

  test('a second record of one Secret adds its keys to the first', () => {
    const { stack } = synthStack();
    stack.grafana.recordExternalSecret({ name: 'grafana-extra', keys: ['a'], purpose: 'first' });
    stack.grafana.recordExternalSecret({
      name: 'grafana-extra',
      keys: ['a', 'b'],
      purpose: 'second',
    });
    stack.grafana.recordExternalSecret({ name: 'grafana-extra', keys: ['b'], purpose: 'third' });
    expect(stack.grafana.externalSecrets.filter((s) => s.name === 'grafana-extra')).toEqual([
      { name: 'grafana-extra', keys: ['a', 'b'], purpose: 'first; second' },
    ]);
  });
});
