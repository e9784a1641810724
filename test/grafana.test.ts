import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { ServiceEndpoint } from '../lib/core/endpoint';
import { escapeProvisioningValue, Grafana, GrafanaProps, renderGrafanaDatasources, renderIni } from '../lib/grafana';
import { IJaeger } from '../lib/jaeger/jaeger-reference';
import { IPrometheus } from '../lib/prometheus/prometheus-reference';
import { FakeElasticsearchCluster } from './support/fake-elasticsearch';

class FakePrometheus extends Construct implements IPrometheus {
  public readonly endpoint = new ServiceEndpoint('prometheus', 'observability', 9090);
}
class FakeJaeger extends Construct implements IJaeger {
  public readonly queryEndpoint = new ServiceEndpoint('jaeger-query', 'observability', 16686);
  public readonly otlpGrpcEndpoint = new ServiceEndpoint('jaeger-collector', 'observability', 4317, 'grpc');
  public readonly otlpHttpEndpoint = new ServiceEndpoint('jaeger-collector', 'observability', 4318);
}

const DATABASE = { type: 'postgres' as const, host: 'grafana-db.observability.svc:5432', name: 'grafana', credentials: { secretName: 'grafana-db' } };

function build(props: (chart: Chart) => GrafanaProps = () => ({})) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const grafana = new Grafana(chart, 'grafana', props(chart));
  return { chart, grafana };
}
function synth(props?: (chart: Chart) => GrafanaProps) {
  const { chart, grafana } = build(props);
  return { grafana, objects: Testing.synth(chart) as any[] };
}
const wired = (chart: Chart): GrafanaProps => ({
  prometheus: new FakePrometheus(chart, 'prometheus'),
  elasticsearch: { cluster: new FakeElasticsearchCluster(chart, { id: 'es', clusterName: 'logs' }) },
  jaeger: new FakeJaeger(chart, 'jaeger'),
});
const named = (objects: any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const podSpec = (objects: any[]) => named(objects, 'Deployment', 'grafana').spec.template.spec;
const datasources = (objects: any[]) => parse(named(objects, 'ConfigMap', 'grafana-config').data['datasources.yaml']);
const byUid = (objects: any[], uid: string) => datasources(objects).datasources.find((d: any) => d.uid === uid);

/** What Grafana makes of a provisioned value: `$$` is a literal `$`, `${VAR}` an env var. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.split('$$').map((part) => part.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a, b) => env[a ?? b] ?? '')).join('$');
}

describe('Grafana', () => {
  test('runs one replica as uid 472 with the admin user from a Secret', () => {
    const { grafana, objects } = synth();
    const deployment = named(objects, 'Deployment', 'grafana');
    expect(deployment.spec.replicas).toBe(1);
    const spec = podSpec(objects);
    expect(spec.securityContext.runAsUser).toBe(472);
    const container = spec.containers[0];
    expect(container.securityContext).toMatchObject({ runAsUser: 472, readOnlyRootFilesystem: true });
    expect(container.env).toContainEqual({ name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'username' } } });
    expect(container.env).toContainEqual({ name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'password' } } });
    expect(grafana.externalSecrets).toEqual([expect.objectContaining({ name: 'grafana-admin', keys: ['username', 'password'] })]);
  });

  test('is ready on /api/health and alive while port 3000 accepts connections', () => {
    const { objects } = synth();
    const container = podSpec(objects).containers[0];
    expect(container.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/api/health', port: 'http' });
    expect(container.livenessProbe.tcpSocket).toEqual({ port: 'http' });
  });

  test('writes only to /var/lib/grafana, /tmp and the log directory', () => {
    const { objects } = synth();
    const spec = podSpec(objects);
    const writable = spec.containers[0].volumeMounts.filter((m: any) => !m.readOnly).map((m: any) => m.mountPath).sort();
    expect(writable).toEqual(['/tmp', '/var/lib/grafana', '/var/log/grafana']);
    expect(spec.volumes).toContainEqual({ name: 'data', emptyDir: {} });
  });

  test('a Service named after the instance exposes http on 3000, annotated for scraping', () => {
    const { grafana, objects } = synth();
    const service = named(objects, 'Service', 'grafana');
    expect(service.spec.ports).toEqual([expect.objectContaining({ name: 'http', port: 3000, targetPort: 'http' })]);
    expect(grafana.endpoint.url).toBe('http://grafana.observability.svc:3000');
    const annotations = named(objects, 'Deployment', 'grafana').spec.template.metadata.annotations;
    expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '3000', 'prometheus.io/path': '/metrics' });
  });

  test('grafana.ini turns off telemetry, gravatar, anonymous access and sign-up', () => {
    const { objects } = synth();
    const ini = named(objects, 'ConfigMap', 'grafana-config').data['grafana.ini'];
    expect(ini).toContain('[security]\ncookie_secure = true');
    expect(ini).toContain('disable_gravatar = true');
    expect(ini).toContain('[analytics]\nreporting_enabled = false');
    expect(ini).toContain('[auth.anonymous]\nenabled = false');
    expect(ini).toContain('allow_sign_up = false');
    expect(ini).toContain('min_refresh_interval = 1s');
    expect(ini).toContain('http_port = 3000');
    expect(podSpec(objects).containers[0].volumeMounts).toContainEqual(
      { name: 'config', mountPath: '/etc/grafana/grafana.ini', subPath: 'grafana.ini', readOnly: true });
  });

  test('more than one replica without a database fails', () => {
    expect(() => build(() => ({ replicas: 2 }))).toThrow(/'replicas'.*external database/);
  });

  test('a database is passed through GF_DATABASE_* env vars from a Secret', () => {
    const { grafana, objects } = synth(() => ({ replicas: 2, database: DATABASE }));
    const env = podSpec(objects).containers[0].env;
    expect(env).toContainEqual({ name: 'GF_DATABASE_TYPE', value: 'postgres' });
    expect(env).toContainEqual({ name: 'GF_DATABASE_HOST', value: 'grafana-db.observability.svc:5432' });
    expect(env).toContainEqual({ name: 'GF_DATABASE_NAME', value: 'grafana' });
    expect(env).toContainEqual({ name: 'GF_DATABASE_USER', valueFrom: { secretKeyRef: { name: 'grafana-db', key: 'username' } } });
    expect(env).toContainEqual({ name: 'GF_DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'grafana-db', key: 'password' } } });
    expect(env).toContainEqual({ name: 'GF_SECURITY_SECRET_KEY', valueFrom: { secretKeyRef: { name: 'grafana-secret-key', key: 'secret-key' } } });
    expect(grafana.externalSecrets.map((s) => s.name)).toEqual(['grafana-admin', 'grafana-db', 'grafana-secret-key']);
    expect(named(objects, 'PodDisruptionBudget', 'grafana')).toBeDefined();
  });

  test('a bad database host fails', () => {
    expect(() => build(() => ({ database: { ...DATABASE, host: 'postgres://x' } }))).toThrow(/database\.host/);
  });

  test('storage makes a PersistentVolumeClaim and a Recreate rollout', () => {
    const { objects } = synth(() => ({ storage: { size: '5Gi', storageClassName: 'fast' } }));
    const claim = named(objects, 'PersistentVolumeClaim', 'grafana-data');
    expect(claim.spec).toMatchObject({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } });
    expect(podSpec(objects).volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'grafana-data' } });
    expect(named(objects, 'Deployment', 'grafana').spec.strategy).toEqual({ type: 'Recreate' });
  });

  test('storage with more than one replica fails', () => {
    expect(() => build(() => ({ replicas: 2, database: DATABASE, storage: { size: '5Gi' } }))).toThrow(/'storage'/);
  });
});

describe('Grafana data sources', () => {
  test('have fixed uids and point at the wired services', () => {
    const { objects } = synth(wired);
    const file = datasources(objects);
    expect(file.apiVersion).toBe(1);
    expect(file.datasources.map((d: any) => [d.uid, d.type, d.url])).toEqual([
      ['prometheus', 'prometheus', 'http://prometheus.observability.svc:9090'],
      ['elasticsearch', 'elasticsearch', 'https://elasticsearch-http.observability.svc:9200'],
      ['jaeger', 'jaeger', 'http://jaeger-query.observability.svc:16686'],
    ]);
  });

  test('Prometheus exemplars link to Jaeger', () => {
    const { objects } = synth(wired);
    expect(byUid(objects, 'prometheus').jsonData.exemplarTraceIdDestinations).toEqual([{ name: 'trace_id', datasourceUid: 'jaeger' }]);
  });

  test('log lines link to their trace, escaped so that Grafana keeps the template variable', () => {
    const { objects } = synth(wired);
    const es = byUid(objects, 'elasticsearch');
    expect(es.jsonData).toMatchObject({ timeField: '@timestamp', index: 'logs-*' });
    const [link] = es.jsonData.dataLinks;
    expect(link).toMatchObject({ field: 'trace.id', datasourceUid: 'jaeger' });
    expect(interpolate(link.url, {})).toBe('${__value.raw}');
  });

  test('spans link to their logs by trace.id', () => {
    const { objects } = synth(wired);
    const links = byUid(objects, 'jaeger').jsonData.tracesToLogsV2;
    expect(links).toMatchObject({ datasourceUid: 'elasticsearch', customQuery: true });
    expect(interpolate(links.query, {})).toBe('trace.id:"${__trace.traceId}"');
  });

  test('Elasticsearch credentials and CA come from env vars and a file, never inline', () => {
    const { grafana, objects } = synth(wired);
    const es = byUid(objects, 'elasticsearch');
    expect(es.basicAuth).toBe(true);
    expect(interpolate(es.basicAuthUser, { ES_USERNAME: 'grafana' })).toBe('grafana');
    expect(interpolate(es.secureJsonData.basicAuthPassword, { ES_PASSWORD: 's3cret' })).toBe('s3cret');
    expect(es.jsonData.tlsAuthWithCACert).toBe(true);
    expect(es.secureJsonData.tlsCACert).toBe('$__file{/etc/grafana/elasticsearch-ca/ca.crt}');
    const spec = podSpec(objects);
    expect(spec.containers[0].env).toContainEqual({ name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: 'grafana-elasticsearch-credentials', key: 'password' } } });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'elasticsearch-ca', mountPath: '/etc/grafana/elasticsearch-ca', readOnly: true });
    expect(grafana.externalSecrets.map((s) => s.name)).toContain('grafana-elasticsearch-credentials');
  });

  test('links are only rendered when their target exists', () => {
    const file: any = renderGrafanaDatasources({ prometheus: { url: 'http://p:9090' } });
    expect(file.datasources).toHaveLength(1);
    expect(file.datasources[0].jsonData.exemplarTraceIdDestinations).toBeUndefined();
  });

  test('a custom index pattern is used; a list of patterns fails', () => {
    const { objects } = synth((chart) => ({ elasticsearch: { cluster: new FakeElasticsearchCluster(chart, { id: 'es', clusterName: 'logs' }), index: 'app-logs-*' } }));
    expect(byUid(objects, 'elasticsearch').jsonData.index).toBe('app-logs-*');
    expect(() => build((chart) => ({ elasticsearch: { cluster: new FakeElasticsearchCluster(chart, { id: 'es', clusterName: 'logs' }), index: 'a-*, b-*' } }))).toThrow(/elasticsearch\.index/);
  });
});

describe('Grafana dashboards', () => {
  test('a file provider reads /var/lib/grafana/dashboards, mounted from the dashboards ConfigMap', () => {
    const { objects } = synth();
    const providers = parse(named(objects, 'ConfigMap', 'grafana-config').data['dashboards.yaml']);
    expect(providers.providers[0]).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards' } });
    expect(podSpec(objects).volumes).toContainEqual({ name: 'dashboards', configMap: { name: 'grafana-dashboards' } });
  });

  test('the built-in service overview shows rate, errors and p95 per service', () => {
    const { objects } = synth();
    const dashboard = JSON.parse(named(objects, 'ConfigMap', 'grafana-dashboards').data['service-overview.json']);
    expect(dashboard.uid).toBe('service-overview');
    const exprs = dashboard.panels.map((p: any) => p.targets[0].expr).join('\n');
    expect(exprs).toContain('rate(http_requests_total{service=~"$service"}');
    expect(exprs).toContain('status=~"5.."');
    expect(exprs).toContain('histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket');
    expect(dashboard.panels.every((p: any) => p.datasource.uid === 'prometheus')).toBe(true);
  });

  test('addDashboard after construction lands in the ConfigMap and rolls the pods', () => {
    const before = synth().objects;
    const { chart, grafana } = build();
    grafana.addDashboard('checkout', { title: 'Checkout', panels: [] });
    const after = Testing.synth(chart) as any[];
    const json = JSON.parse(named(after, 'ConfigMap', 'grafana-dashboards').data['checkout.json']);
    expect(json).toEqual({ title: 'Checkout', panels: [], uid: 'checkout' });
    const checksum = (objects: any[]) => named(objects, 'Deployment', 'grafana').spec.template.metadata.annotations['checksum/config'];
    expect(checksum(after)).toMatch(/^[0-9a-f]{16}$/);
    expect(checksum(after)).not.toBe(checksum(before));
  });

  test('dashboards can be turned off, passed as props, and must have unique valid names', () => {
    const { grafana } = build(() => ({ builtInDashboards: false, dashboards: { orders: { title: 'Orders' } } }));
    expect(grafana.dashboardNames).toEqual(['orders']);
    expect(() => grafana.addDashboard('orders', {})).toThrow(/already provisioned/);
    expect(() => grafana.addDashboard('Bad Name', {})).toThrow(/'dashboards'/);
  });
});

describe('renderIni', () => {
  test('renders sections in order and leaves out undefined values and empty sections', () => {
    expect(renderIni({ a: { x: 1, y: undefined }, empty: {}, b: { z: true } })).toBe('[a]\nx = 1\n\n[b]\nz = true\n');
  });

  test('escapeProvisioningValue doubles every dollar', () => {
    expect(escapeProvisioningValue('${a} $b')).toBe('$${a} $$b');
  });
});
