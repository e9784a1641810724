import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { ElasticsearchCluster, VirtualMemory } from '../lib/elasticsearch';

function synth(props: ConstructorParameters<typeof ElasticsearchCluster>[2] = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const cluster = new ElasticsearchCluster(chart, 'elasticsearch', props);
  return { cluster, objects: Testing.synth(chart) as any[] };
}
const byKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('ElasticsearchCluster', () => {
  test('a default cluster is one secured, master-eligible data node', () => {
    const { cluster, objects } = synth();
    const sts = named(objects, 'StatefulSet', 'elasticsearch-node');
    expect(sts.spec.replicas).toBe(1);
    const config = parse(named(objects, 'ConfigMap', 'elasticsearch-node-config').data['elasticsearch.yml']);
    expect(config['node.roles']).toEqual(['master', 'data', 'ingest']);
    expect(config['discovery.type']).toBe('single-node');
    expect(config['xpack.security.enabled']).toBe(true);
    expect(config['xpack.security.http.ssl'].enabled).toBe(true);
    expect(cluster.endpoint.url).toBe('https://elasticsearch-http.observability.svc:9200');
    expect(cluster.caCertificate).toEqual({ name: 'elasticsearch-certs', key: 'ca.crt' });
  });

  test('dedicated masters make a master group and a data group with their own roles', () => {
    const { cluster, objects } = synth({ masters: { replicas: 3 }, data: { replicas: 4 } });
    const masters = parse(named(objects, 'ConfigMap', 'elasticsearch-master-config').data['elasticsearch.yml']);
    const data = parse(named(objects, 'ConfigMap', 'elasticsearch-data-config').data['elasticsearch.yml']);
    expect(masters['node.roles']).toEqual(['master']);
    expect(data['node.roles']).toEqual(['data', 'ingest']);
    expect(data['cluster.initial_master_nodes']).toEqual(['elasticsearch-master-0', 'elasticsearch-master-1', 'elasticsearch-master-2']);
    expect(data['discovery.seed_hosts']).toEqual(['elasticsearch-transport']);
    expect(cluster.masterEligibleNodes).toBe(3);
    expect(cluster.dataNodes).toBe(4);
    expect(byKind(objects, 'PodDisruptionBudget').map((p) => p.metadata.name).sort()).toEqual(['elasticsearch-data', 'elasticsearch-master']);
  });

  test('the HTTP Service selects data nodes only, the transport Service every node', () => {
    const { objects } = synth({ masters: { replicas: 3 }, data: { replicas: 3 } });
    expect(named(objects, 'Service', 'elasticsearch-http').spec.selector['app.kubernetes.io/component']).toBe('data');
    const transport = named(objects, 'Service', 'elasticsearch-transport');
    expect(transport.spec.clusterIP).toBe('None');
    expect(transport.spec.publishNotReadyAddresses).toBe(true);
    expect(transport.spec.selector['app.kubernetes.io/component']).toBeUndefined();
  });

  test('the heap is half the memory limit by default, set through ES_JAVA_OPTS', () => {
    const { objects } = synth({ data: { replicas: 1, resources: { cpuRequest: '1', memoryRequest: '4Gi', memoryLimit: '4Gi' } } });
    const container = named(objects, 'StatefulSet', 'elasticsearch-node').spec.template.spec.containers[0];
    expect(container.env.find((e: any) => e.name === 'ES_JAVA_OPTS').value).toBe('-Xms2048m -Xmx2048m');
    expect(container.resources.limits.memory).toBe('4Gi');
  });

  test('the elastic password and certificates come from Secrets, never inline', () => {
    const { cluster, objects } = synth();
    const pod = named(objects, 'StatefulSet', 'elasticsearch-node').spec.template.spec;
    expect(pod.containers[0].env.find((e: any) => e.name === 'ELASTIC_PASSWORD').valueFrom.secretKeyRef)
      .toEqual({ name: 'elasticsearch-elastic-password', key: 'password' });
    expect(pod.volumes.find((v: any) => v.name === 'certs').secret.secretName).toBe('elasticsearch-certs');
    expect(cluster.externalSecrets.map((s) => s.name)).toEqual(['elasticsearch-certs', 'elasticsearch-elastic-password']);
  });

  test('readiness asks for local health, so nodes become ready while the cluster is yellow', () => {
    const { objects } = synth();
    const probe = named(objects, 'StatefulSet', 'elasticsearch-node').spec.template.spec.containers[0].readinessProbe;
    expect(probe.exec.command.join(' ')).toContain('_cluster/health?local=true');
    expect(probe.exec.command.join(' ')).not.toContain('wait_for_status=green');
  });

  test('data lives on a volume claim template per node', () => {
    const { objects } = synth({ data: { replicas: 1, storage: { size: '100Gi', storageClassName: 'fast' } } });
    const sts = named(objects, 'StatefulSet', 'elasticsearch-node');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('100Gi');
    expect(sts.spec.volumeClaimTemplates[0].spec.storageClassName).toBe('fast');
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
  });

  test('mmap is off by default and on for pre-tuned nodes', () => {
    const off = parse(named(synth().objects, 'ConfigMap', 'elasticsearch-node-config').data['elasticsearch.yml']);
    expect(off['node.store.allow_mmap']).toBe(false);
    const on = parse(named(synth({ virtualMemory: VirtualMemory.PRECONFIGURED }).objects, 'ConfigMap', 'elasticsearch-node-config').data['elasticsearch.yml']);
    expect(on['node.store.allow_mmap']).toBe(true);
  });

  test('security can be turned off explicitly, and then no Secret is read', () => {
    const { cluster, objects } = synth({ security: { enabled: false } });
    const config = parse(named(objects, 'ConfigMap', 'elasticsearch-node-config').data['elasticsearch.yml']);
    expect(config['xpack.security.enabled']).toBe(false);
    expect(cluster.endpoint.scheme).toBe('http');
    expect(cluster.externalSecrets).toEqual([]);
  });

  test('fails when the master-eligible count is even', () => {
    expect(() => synth({ masters: { replicas: 2 } })).toThrow(/'masters.replicas' must give an odd number.*got 2 \(use 1 or 3\)/);
    expect(() => synth({ data: { replicas: 2 } })).toThrow(/'data.replicas'/);
  });

  test('fails when the heap ratio would starve the filesystem cache', () => {
    expect(() => synth({ data: { replicas: 1, heapRatio: 0.9 } })).toThrow(/'data.heapRatio'.*got 0.9/);
  });

  test('fails when the memory limit is too small for a heap', () => {
    expect(() => synth({ data: { replicas: 1, resources: { cpuRequest: '1', memoryRequest: '256Mi', memoryLimit: '256Mi' } } }))
      .toThrow(/'data.resources.memoryLimit'/);
  });

  test('fails on an invalid name', () => {
    expect(() => synth({ name: 'Elastic_Search' })).toThrow(/'name' must be a DNS-1123 label/);
  });

  test('fails on an unpinned image', () => {
    expect(() => synth({ image: 'docker.elastic.co/elasticsearch/elasticsearch:latest' })).toThrow(/'image' must be pinned/);
  });
});
