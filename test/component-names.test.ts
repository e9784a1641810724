import { Chart, Testing } from 'cdk8s';
import {
  Alertmanager,
  ElasticsearchCluster,
  ElasticsearchSetup,
  Filebeat,
  Grafana,
  Jaeger,
  JaegerStorage,
  KubeStateMetrics,
  Kibana,
  KibanaSetup,
  Logstash,
  NodeExporter,
  Prometheus,
} from '../lib';
import { COMPONENT_NAME_MAX_LENGTH } from '../lib/core/component';
import { CONTROLLER_NAME_MAX_LENGTH, DNS_LABEL_MAX_LENGTH } from '../lib/core/names';

// docs/architecture.md section 6: stable names. Every object name a component derives from
// its `name` must be valid for its kind at the longest `name` the component accepts.
// Other kinds' names are DNS subdomains.
const DNS_SUBDOMAIN_MAX_LENGTH = 253;
const LIMITS: Record<string, number> = {
  Service: DNS_LABEL_MAX_LENGTH,
  Job: DNS_LABEL_MAX_LENGTH,
  StatefulSet: CONTROLLER_NAME_MAX_LENGTH,
  CronJob: CONTROLLER_NAME_MAX_LENGTH,
};

const es = (c: Chart) => new ElasticsearchCluster(c, 'es', {});
const COMPONENTS: [string, (c: Chart, name: string) => unknown][] = [
  ['ElasticsearchCluster', (c, name) => new ElasticsearchCluster(c, 'x', { name })],
  [
    'ElasticsearchCluster with masters',
    (c, name) =>
      new ElasticsearchCluster(c, 'x', { name, masters: { replicas: 3 }, data: { replicas: 3 } }),
  ],
  [
    'ElasticsearchSetup',
    (c, name) => new ElasticsearchSetup(c, 'x', { name, elasticsearch: es(c) }),
  ],
  ['Kibana', (c, name) => new Kibana(c, 'x', { name, elasticsearch: es(c) })],
  [
    'KibanaSetup',
    (c, name) =>
      new KibanaSetup(c, 'x', { name, kibana: new Kibana(c, 'k', { elasticsearch: es(c) }) }),
  ],
  ['Logstash', (c, name) => new Logstash(c, 'x', { name, elasticsearch: es(c) })],
  ['Filebeat', (c, name) => new Filebeat(c, 'x', { name, elasticsearch: es(c) })],
  ['Prometheus', (c, name) => new Prometheus(c, 'x', { name })],
  ['NodeExporter', (c, name) => new NodeExporter(c, 'x', { name })],
  ['KubeStateMetrics', (c, name) => new KubeStateMetrics(c, 'x', { name })],
  ['Alertmanager', (c, name) => new Alertmanager(c, 'x', { name })],
  ['Grafana', (c, name) => new Grafana(c, 'x', { name })],
  ['Jaeger in memory', (c, name) => new Jaeger(c, 'x', { name })],
  [
    'Jaeger on Elasticsearch',
    (c, name) => new Jaeger(c, 'x', { name, storage: JaegerStorage.elasticsearch(es(c)) }),
  ],
];

describe('component names', () => {
  test('the longest name is a controller name less the longest suffix: 52 - 14', () => {
    expect(COMPONENT_NAME_MAX_LENGTH).toBe(38);
  });

  test.each(COMPONENTS)('%s at the longest name derives only valid names', (_label, create) => {
    const chart = new Chart(Testing.app(), 'names', { namespace: 'obs' });
    const name = 'n'.repeat(COMPONENT_NAME_MAX_LENGTH);
    create(chart, name);
    const derived = Testing.synth(chart).filter((o) => o.metadata.name.startsWith(name));
    expect(derived.length).toBeGreaterThan(0);
    const tooLong = derived
      .filter((o) => o.metadata.name.length > (LIMITS[o.kind] ?? DNS_SUBDOMAIN_MAX_LENGTH))
      .map((o) => `${o.kind} ${o.metadata.name}`);
    expect(tooLong).toEqual([]);
  });

  test('a name one character longer fails, naming the prop and the limit', () => {
    const chart = new Chart(Testing.app(), 'names');
    expect(
      () => new Prometheus(chart, 'x', { name: 'n'.repeat(COMPONENT_NAME_MAX_LENGTH + 1) }),
    ).toThrow(/'name'.*at most 38 characters/);
  });
});
