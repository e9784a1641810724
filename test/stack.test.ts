import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { ObservabilityStack, ObservabilityStackProps, TraceStorage } from '../lib';
import { environmentProfile } from '../stacks/environments';
import { find, KubeObject, synthEnvironment } from './support/environments';

const configFile = (objects: KubeObject[], configMap: string, key: string, namespace = 'observability') =>
  parse(find(objects, 'ConfigMap', configMap, namespace)!.data[key]);

function synth(props: Partial<ObservabilityStackProps> = {}) {
  const stack = new ObservabilityStack(Testing.app(), 'observability', { environment: 'test', region: 'r1', ...props });
  return { stack, objects: Testing.synth(stack) as KubeObject[] };
}

describe('ObservabilityStack wiring (prod profile)', () => {
  const { stack, objects } = synthEnvironment('prod');

  test('Kibana connects to the stack\'s Elasticsearch over TLS with its CA', () => {
    const kibana = configFile(objects, 'kibana-config', 'kibana.yml');
    expect(kibana['elasticsearch.hosts']).toEqual([stack.elasticsearch.endpoint.url]);
    expect(stack.elasticsearch.endpoint.url).toMatch(/^https:/);
    expect(kibana['elasticsearch.ssl.verificationMode']).toBe('full');
  });

  test('Filebeat, in the agents namespace, ships to Logstash\'s beats endpoint', () => {
    const filebeat = configFile(objects, 'filebeat-config', 'filebeat.yml', 'observability-agents');
    expect(filebeat['output.logstash'].hosts).toEqual([stack.logstash!.beatsEndpoint.hostPort]);
    expect(stack.logstash!.beatsEndpoint.hostPort).toBe('logstash.observability.svc:5044');
  });

  test('Logstash writes to the stack\'s Elasticsearch', () => {
    const pipeline = find(objects, 'ConfigMap', 'logstash-config', 'observability')!.data['main.conf'];
    expect(pipeline).toContain(`hosts => ["${stack.elasticsearch.endpoint.url}"]`);
  });

  test('Prometheus labels every series with env and region and sends alerts to Alertmanager', () => {
    const prometheus = configFile(objects, 'prometheus-config', 'prometheus.yml');
    expect(prometheus.global.external_labels).toMatchObject({ env: 'prod', region: 'eu-west-1' });
    const relabel = prometheus.alerting.alertmanagers[0].relabel_configs;
    expect(relabel.some((r: any) => r.regex === stack.alertmanager.endpoint.serviceName)).toBe(true);
  });

  test('Grafana has Prometheus, Elasticsearch and Jaeger data sources at their endpoints', () => {
    const { datasources } = configFile(objects, 'grafana-config', 'datasources.yaml');
    const byUid = Object.fromEntries(datasources.map((d: any) => [d.uid, d.url]));
    expect(byUid).toEqual({
      prometheus: stack.prometheus.endpoint.url,
      elasticsearch: stack.elasticsearch.endpoint.url,
      jaeger: stack.jaeger.queryEndpoint.url,
    });
  });

  test('Jaeger keeps spans in the stack\'s Elasticsearch', () => {
    const jaeger = configFile(objects, 'jaeger-collector-config', 'config.yaml');
    expect(jaeger.extensions.jaeger_storage.backends.trace_storage.elasticsearch.server_urls).toEqual([stack.elasticsearch.endpoint.url]);
  });

  test('the back-end namespace enforces the restricted Pod Security Standard, the agents namespace is privileged', () => {
    expect(find(objects, 'Namespace', 'observability')!.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(find(objects, 'Namespace', 'observability-agents')!.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  test('the namespaces come first, so one apply creates them before what lives in them', () => {
    expect(objects.slice(0, 2).map((o) => o.kind)).toEqual(['Namespace', 'Namespace']);
  });
});

describe('ObservabilityStack options', () => {
  test('without Logstash, Filebeat ships straight to Elasticsearch', () => {
    const { stack, objects } = synth({ logstash: false });
    expect(stack.logstash).toBeUndefined();
    const filebeat = configFile(objects, 'filebeat-config', 'filebeat.yml', 'observability-agents');
    expect(filebeat['output.elasticsearch'].hosts).toEqual([stack.elasticsearch.endpoint.url]);
    expect(objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'logstash')).toEqual([]);
  });

  test('custom namespaces are used for every object', () => {
    const { objects } = synth({ namespace: 'o11y', agentsNamespace: 'o11y-agents' });
    const namespaces = new Set(objects.map((o) => o.metadata.namespace).filter(Boolean));
    expect([...namespaces].sort()).toEqual(['o11y', 'o11y-agents']);
  });

  test('memory trace storage gives one all-in-one Jaeger', () => {
    const { objects } = synth({ jaeger: { storage: TraceStorage.MEMORY } });
    expect(find(objects, 'Deployment', 'jaeger')).toBeDefined();
    expect(find(objects, 'Deployment', 'jaeger-collector')).toBeUndefined();
  });

  test('components stay reachable, so callers can add to them after construction', () => {
    const { stack } = synth();
    stack.grafana.addDashboard('team-dashboard', { title: 'Team' });
    const objects = Testing.synth(stack) as KubeObject[];
    const dashboards = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === stack.grafana.dashboardsConfigMapName)!;
    expect(Object.keys(dashboards.data)).toContain('team-dashboard.json');
  });

  test('lists every Secret it reads with its namespace', () => {
    const { stack } = synth();
    expect(stack.externalSecrets.find((s) => s.name === 'elasticsearch-certs')).toMatchObject({ namespace: 'observability', keys: ['tls.crt', 'tls.key', 'ca.crt'] });
  });

  test('fails on an invalid environment name', () => {
    expect(() => synth({ environment: 'Prod 1' })).toThrow(/'environment' must be a DNS-1123 label.*got 'Prod 1'/);
  });

  test('fails on an invalid namespace', () => {
    expect(() => synth({ namespace: 'Observability' })).toThrow(/'namespace' must be a DNS-1123 label/);
  });

  test('fails on an unknown environment profile', () => {
    expect(() => environmentProfile('qa')).toThrow(/'environment' must be one of dev, staging, prod, got 'qa'/);
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
