import { Chart, Testing } from 'cdk8s';
import { Images } from '../lib/core/images';
import {
  ElasticsearchCluster,
  ElasticsearchExporter,
  ElasticsearchExporterProps,
} from '../lib/elasticsearch';
import { FakeElasticsearchCluster } from './support/fake-elasticsearch';

function synth(props: Partial<ElasticsearchExporterProps> = {}, secure = true) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const exporter = new ElasticsearchExporter(chart, 'elasticsearch-exporter', {
    elasticsearch: new FakeElasticsearchCluster(chart, { securityEnabled: secure }),
    ...props,
  });
  return { exporter, objects: Testing.synth(chart) as any[] };
}
const deployment = (objects: any[]) =>
  objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'elasticsearch-exporter');
const container = (objects: any[]) => deployment(objects).spec.template.spec.containers[0];

describe('ElasticsearchExporter', () => {
  test('one replica of the pinned image queries the cluster HTTP Service, all nodes', () => {
    const { objects } = synth();
    const d = deployment(objects);
    expect(d.spec.replicas).toBe(1);
    const c = container(objects);
    expect(c.image).toBe(Images.elasticsearchExporter);
    expect(c.args).toContain('--es.uri=https://elasticsearch-http.observability.svc:9200');
    expect(c.args).toContain('--es.all');
    expect(c.args).toContain('--web.listen-address=:9114');
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9114, protocol: 'TCP' }]);
  });

  test('allNodes: false queries only the node the Service routes to', () => {
    expect(container(synth({ allNodes: false }).objects).args).not.toContain('--es.all');
  });

  test("exports per-index stats, so the dead-letter data stream's document count is a series", () => {
    const { exporter, objects } = synth();
    expect(container(objects).args).toContain('--es.indices');
    expect(exporter.indices).toBe(true);
    // Its user needs the index privilege too: the exporter sees only the indices it may monitor.
    expect(exporter.externalSecrets[0].purpose).toContain(
      'index privilege monitor on logs-deadletter-*',
    );
    expect(exporter.elasticsearchUser!.privileges.indices).toEqual([
      { names: ['logs-deadletter-*'], privileges: ['monitor'] },
      { names: ['logs-*', 'jaeger-*'], privileges: ['view_index_metadata'] },
    ]);
  });

  test('exports the lifecycle state of the log and trace indices, for ElasticsearchIlmErrors', () => {
    const { exporter, objects } = synth();
    expect(container(objects).args).toContain('--collector.ilm');
    expect(exporter.ilm).toBe(true);
    expect(exporter.externalSecrets[0].purpose).toContain(
      'view_index_metadata on logs-*, jaeger-*',
    );
  });

  test('ilm: false leaves the ILM collector and its index privilege out', () => {
    const { exporter, objects } = synth({ ilm: false });
    expect(container(objects).args).not.toContain('--collector.ilm');
    expect(exporter.ilm).toBe(false);
    expect(exporter.elasticsearchUser!.privileges.cluster).not.toContain('read_ilm');
    expect(exporter.elasticsearchUser!.privileges.indices).toEqual([
      { names: ['logs-deadletter-*'], privileges: ['monitor'] },
    ]);
  });

  test("indices: false leaves per-index stats out, and the index privilege out of the Secret's description", () => {
    const { exporter, objects } = synth({ indices: false, ilm: false });
    expect(container(objects).args).not.toContain('--es.indices');
    expect(exporter.indices).toBe(false);
    expect(exporter.externalSecrets[0].purpose).toBe(
      "Elasticsearch user exporter 'elasticsearch-exporter' reads cluster health and node stats as (cluster privilege monitor)",
    );
    expect(exporter.elasticsearchUser).toEqual({
      role: 'elasticsearch-exporter',
      client: "exporter 'elasticsearch-exporter'",
      privileges: { cluster: ['monitor'], indices: [] },
      credentials: { secretName: 'elasticsearch-exporter-credentials' },
      namespace: 'observability',
    });
  });

  test('the pod is scraped through annotations on the metrics port', () => {
    expect(deployment(synth().objects).spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9114',
      'prometheus.io/path': '/metrics',
    });
  });

  test('with security on, logs in from a basic-auth Secret and verifies TLS with the cluster CA', () => {
    const { exporter, objects } = synth();
    const c = container(objects);
    expect(c.env).toEqual([
      {
        name: 'ES_USERNAME',
        valueFrom: {
          secretKeyRef: { name: 'elasticsearch-exporter-credentials', key: 'username' },
        },
      },
      {
        name: 'ES_PASSWORD',
        valueFrom: {
          secretKeyRef: { name: 'elasticsearch-exporter-credentials', key: 'password' },
        },
      },
    ]);
    expect(c.args).toContain('--es.ca=/etc/elasticsearch-exporter/ca/ca.crt');
    expect(c.args.join(' ')).not.toContain('ssl-skip-verify');
    const spec = deployment(objects).spec.template.spec;
    expect(spec.volumes).toEqual([
      {
        name: 'elasticsearch-ca',
        secret: { secretName: 'elasticsearch-certs', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
      },
    ]);
    expect(c.volumeMounts).toEqual([
      { name: 'elasticsearch-ca', mountPath: '/etc/elasticsearch-exporter/ca', readOnly: true },
    ]);
    expect(exporter.externalSecrets).toEqual([
      expect.objectContaining({
        name: 'elasticsearch-exporter-credentials',
        keys: ['username', 'password'],
      }),
    ]);
  });

  test('credentials can name another Secret and keys', () => {
    const c = container(
      synth({ credentials: { secretName: 'es-monitor', usernameKey: 'user', passwordKey: 'pass' } })
        .objects,
    );
    expect(c.env[1]).toEqual({
      name: 'ES_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'es-monitor', key: 'pass' } },
    });
  });

  test('without security: plain HTTP, no Secret, no CA', () => {
    const { exporter, objects } = synth({}, false);
    const c = container(objects);
    expect(c.args).toContain('--es.uri=http://elasticsearch-http.observability.svc:9200');
    expect(c.env).toBeUndefined();
    expect(c.args.some((a: string) => a.startsWith('--es.ca'))).toBe(false);
    expect(deployment(objects).spec.template.spec.volumes).toBeUndefined();
    expect(exporter.externalSecrets).toEqual([]);
    expect(exporter.credentials).toBeUndefined();
  });

  test('hardened: restricted security context, no API token, resources, /healthz probes', () => {
    const { objects } = synth();
    const spec = deployment(objects).spec.template.spec;
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(objects.find((o) => o.kind === 'ServiceAccount').automountServiceAccountToken).toBe(
      false,
    );
    const c = container(objects);
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.resources.limits.memory).toBe('128Mi');
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'metrics' });
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'metrics' });
  });

  test("its pods are never selected by the cluster's transport Service", () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
    const es = new ElasticsearchCluster(chart, 'elasticsearch');
    new ElasticsearchExporter(chart, 'elasticsearch-exporter', { elasticsearch: es });
    const objects = Testing.synth(chart) as any[];
    const labels = deployment(objects).spec.template.metadata.labels;
    for (const service of objects.filter((o) => o.kind === 'Service')) {
      const selector: Record<string, string> = service.spec.selector;
      expect(Object.entries(selector).every(([k, v]) => labels[k] === v)).toBe(false);
    }
  });

  test('bad input is rejected', () => {
    expect(() =>
      synth({ resources: { cpuRequest: 'lots', memoryRequest: '64Mi', memoryLimit: '128Mi' } }),
    ).toThrow(/resources/);
    expect(() => synth({ image: 'quay.io/prometheuscommunity/elasticsearch-exporter' })).toThrow(
      /image/,
    );
    expect(() => synth({ credentials: { secretName: 'Bad_Name' } })).toThrow(/credentials/);
  });
});
