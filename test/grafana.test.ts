import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { ServiceEndpoint } from '../lib/core/endpoint';
import {
  escapeProvisioningValue,
  Grafana,
  GrafanaProps,
  renderGrafanaDatasources,
  renderIni,
} from '../lib/grafana';
import { infrastructureDashboard } from '../lib/monitoring/infrastructure-dashboard';
import { stackHealthDashboard } from '../lib/monitoring/stack-health-dashboard';
import { IJaeger } from '../lib/jaeger/jaeger-reference';
import { IPrometheus } from '../lib/prometheus/prometheus-reference';
import { ENVIRONMENTS, synthEnvironment } from './support/environments';
import { FakeElasticsearchCluster } from './support/fake-elasticsearch';
import { secretKeyAt } from './support/setup-credentials';
import {
  allPanels,
  datasourceUses,
  missingDatasources,
  provisionedDashboards,
  provisionedDatasources,
} from './support/grafana-dashboards';
import { named } from './support/objects';

class FakePrometheus extends Construct implements IPrometheus {
  public readonly endpoint = new ServiceEndpoint('prometheus', 'observability', 9090);
}
class FakeJaeger extends Construct implements IJaeger {
  public readonly queryEndpoint = new ServiceEndpoint('jaeger-query', 'observability', 16686);
  public readonly otlpGrpcEndpoint = new ServiceEndpoint(
    'jaeger-collector',
    'observability',
    4317,
    'grpc',
  );
  public readonly otlpHttpEndpoint = new ServiceEndpoint('jaeger-collector', 'observability', 4318);
}

const DATABASE = {
  type: 'postgres' as const,
  host: 'grafana-db.observability.svc:5432',
  name: 'grafana',
  credentials: { secretName: 'grafana-db' },
};

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
  elasticsearch: {
    cluster: new FakeElasticsearchCluster(chart, { id: 'es', clusterName: 'logs' }),
  },
  jaeger: new FakeJaeger(chart, 'jaeger'),
});
const podSpec = (objects: any[]) => named(objects, 'Deployment', 'grafana').spec.template.spec;
const datasources = (objects: any[]) =>
  parse(named(objects, 'ConfigMap', 'grafana-config').data['datasources.yaml']);
const byUid = (objects: any[], uid: string) =>
  datasources(objects).datasources.find((d: any) => d.uid === uid);
const envValue = (container: any, name: string) =>
  (container.env ?? []).find((e: any) => e.name === name)?.value;
/** The Secret key behind the file a `GF_*__FILE` variable names. */
const secretOfFileEnv = (objects: any[], name: string) => {
  const spec = podSpec(objects);
  const path = envValue(spec.containers[0], name);
  return path === undefined ? undefined : secretKeyAt(spec, spec.containers[0], path);
};
/** The path inside `$__file{...}`, the whole of a provisioned value. */
const fileOf = (value: string) => /^\$__file\{([^}]+)\}$/.exec(value)?.[1];

/** What Grafana makes of a provisioned value: `$$` is a literal `$`, `${VAR}` an env var. */
function interpolate(value: string, env: Record<string, string>): string {
  return value
    .split('$$')
    .map((part) => part.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a, b) => env[a ?? b] ?? ''))
    .join('$');
}

describe('Grafana', () => {
  test('runs one replica as uid 472 with the admin user from a Secret', () => {
    const { grafana, objects } = synth();
    const deployment = named(objects, 'Deployment', 'grafana');
    expect(deployment.spec.replicas).toBe(1);
    const spec = podSpec(objects);
    expect(spec.securityContext.runAsUser).toBe(472);
    const container = spec.containers[0];
    expect(container.securityContext).toMatchObject({
      runAsUser: 472,
      readOnlyRootFilesystem: true,
    });
    expect(grafana.externalSecrets).toEqual([
      expect.objectContaining({ name: 'grafana-admin', keys: ['username', 'password'] }),
    ]);
  });

  test('reads the admin user and password from files of a read-only Secret volume, never from the environment', () => {
    const { objects } = synth();
    const spec = podSpec(objects);
    const container = spec.containers[0];
    expect(envValue(container, 'GF_SECURITY_ADMIN_USER__FILE')).toBe(
      '/etc/grafana/secrets/admin-user',
    );
    expect(envValue(container, 'GF_SECURITY_ADMIN_PASSWORD__FILE')).toBe(
      '/etc/grafana/secrets/admin-password',
    );
    expect(secretOfFileEnv(objects, 'GF_SECURITY_ADMIN_USER__FILE')).toEqual({
      name: 'grafana-admin',
      key: 'username',
    });
    expect(secretOfFileEnv(objects, 'GF_SECURITY_ADMIN_PASSWORD__FILE')).toEqual({
      name: 'grafana-admin',
      key: 'password',
    });
    expect(container.env.filter((e: any) => e.valueFrom?.secretKeyRef)).toEqual([]);
    expect(container.env.map((e: any) => e.name)).not.toContain('GF_SECURITY_ADMIN_PASSWORD');
    // Owner root, group the pod's fsGroup (Grafana's 472): readable by Grafana only.
    expect(spec.volumes.find((v: any) => v.name === 'secrets').projected.defaultMode).toBe(0o440);
    expect(spec.securityContext.fsGroup).toBe(472);
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
    const writable = spec.containers[0].volumeMounts
      .filter((m: any) => !m.readOnly)
      .map((m: any) => m.mountPath)
      .sort();
    expect(writable).toEqual(['/tmp', '/var/lib/grafana', '/var/log/grafana']);
    expect(spec.volumes).toContainEqual({ name: 'data', emptyDir: {} });
  });

  test('a Service named after the instance exposes http on 3000, annotated for scraping', () => {
    const { grafana, objects } = synth();
    const service = named(objects, 'Service', 'grafana');
    expect(service.spec.ports).toEqual([
      expect.objectContaining({ name: 'http', port: 3000, targetPort: 'http' }),
    ]);
    expect(grafana.endpoint.url).toBe('http://grafana.observability.svc:3000');
    const annotations = named(objects, 'Deployment', 'grafana').spec.template.metadata.annotations;
    expect(annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '3000',
      'prometheus.io/path': '/metrics',
    });
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
    expect(podSpec(objects).containers[0].volumeMounts).toContainEqual({
      name: 'config',
      mountPath: '/etc/grafana/grafana.ini',
      subPath: 'grafana.ini',
      readOnly: true,
    });
  });

  test('more than one replica without a database fails', () => {
    expect(() => build(() => ({ replicas: 2 }))).toThrow(/'replicas'.*external database/);
  });

  test('a database is passed through GF_DATABASE_* env vars, its credentials and the secret key as Secret files', () => {
    const { grafana, objects } = synth(() => ({ replicas: 2, database: DATABASE }));
    const env = podSpec(objects).containers[0].env;
    expect(env).toContainEqual({ name: 'GF_DATABASE_TYPE', value: 'postgres' });
    expect(env).toContainEqual({
      name: 'GF_DATABASE_HOST',
      value: 'grafana-db.observability.svc:5432',
    });
    expect(env).toContainEqual({ name: 'GF_DATABASE_NAME', value: 'grafana' });
    expect(secretOfFileEnv(objects, 'GF_DATABASE_USER__FILE')).toEqual({
      name: 'grafana-db',
      key: 'username',
    });
    expect(secretOfFileEnv(objects, 'GF_DATABASE_PASSWORD__FILE')).toEqual({
      name: 'grafana-db',
      key: 'password',
    });
    expect(secretOfFileEnv(objects, 'GF_SECURITY_SECRET_KEY__FILE')).toEqual({
      name: 'grafana-secret-key',
      key: 'secret-key',
    });
    expect(env.filter((e: any) => e.valueFrom?.secretKeyRef)).toEqual([]);
    expect(grafana.externalSecrets.map((s) => s.name)).toEqual([
      'grafana-admin',
      'grafana-db',
      'grafana-secret-key',
    ]);
    expect(named(objects, 'PodDisruptionBudget', 'grafana')).toBeDefined();
  });

  test('a bad database host fails', () => {
    expect(() => build(() => ({ database: { ...DATABASE, host: 'postgres://x' } }))).toThrow(
      /database\.host/,
    );
  });

  test('storage makes a PersistentVolumeClaim and a Recreate rollout', () => {
    const { objects } = synth(() => ({ storage: { size: '5Gi', storageClassName: 'fast' } }));
    const claim = named(objects, 'PersistentVolumeClaim', 'grafana-data');
    expect(claim.spec).toMatchObject({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast',
      resources: { requests: { storage: '5Gi' } },
    });
    expect(podSpec(objects).volumes).toContainEqual({
      name: 'data',
      persistentVolumeClaim: { claimName: 'grafana-data' },
    });
    expect(named(objects, 'Deployment', 'grafana').spec.strategy).toEqual({ type: 'Recreate' });
  });

  test.each(['5G', '5Gi', '5e9', '1.5Gi'])(
    'storage takes any volume size Kubernetes accepts, such as %s, as written',
    (size) => {
      const { objects } = synth(() => ({ storage: { size } }));
      const claim = named(objects, 'PersistentVolumeClaim', 'grafana-data');
      expect(claim.spec.resources.requests.storage).toBe(size);
    },
  );

  test('storage with more than one replica fails', () => {
    expect(() =>
      build(() => ({ replicas: 2, database: DATABASE, storage: { size: '5Gi' } })),
    ).toThrow(/'storage'/);
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
    expect(byUid(objects, 'prometheus').jsonData.exemplarTraceIdDestinations).toEqual([
      { name: 'trace_id', datasourceUid: 'jaeger' },
    ]);
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

  test('Elasticsearch credentials and CA come from mounted files ($__file{}), never inline or from the environment', () => {
    const { grafana, objects } = synth(wired);
    const es = byUid(objects, 'elasticsearch');
    expect(es.basicAuth).toBe(true);
    const spec = podSpec(objects);
    const container = spec.containers[0];
    expect(secretKeyAt(spec, container, fileOf(es.basicAuthUser)!)).toEqual({
      name: 'grafana-elasticsearch-credentials',
      key: 'username',
    });
    expect(secretKeyAt(spec, container, fileOf(es.secureJsonData.basicAuthPassword)!)).toEqual({
      name: 'grafana-elasticsearch-credentials',
      key: 'password',
    });
    expect(es.jsonData.tlsAuthWithCACert).toBe(true);
    expect(es.secureJsonData.tlsCACert).toBe('$__file{/etc/grafana/elasticsearch-ca/ca.crt}');
    expect(container.env.filter((e: any) => e.valueFrom?.secretKeyRef)).toEqual([]);
    expect(container.volumeMounts).toContainEqual({
      name: 'elasticsearch-ca',
      mountPath: '/etc/grafana/elasticsearch-ca',
      readOnly: true,
    });
    expect(grafana.externalSecrets.map((s) => s.name)).toContain(
      'grafana-elasticsearch-credentials',
    );
  });

  test('links are only rendered when their target exists', () => {
    const file: any = renderGrafanaDatasources({ prometheus: { url: 'http://p:9090' } });
    expect(file.datasources).toHaveLength(1);
    expect(file.datasources[0].jsonData.exemplarTraceIdDestinations).toBeUndefined();
  });

  test('a custom index pattern is used; a list of patterns fails', () => {
    const { objects } = synth((chart) => ({
      elasticsearch: {
        cluster: new FakeElasticsearchCluster(chart, { id: 'es', clusterName: 'logs' }),
        index: 'app-logs-*',
      },
    }));
    expect(byUid(objects, 'elasticsearch').jsonData.index).toBe('app-logs-*');
    expect(() =>
      build((chart) => ({
        elasticsearch: {
          cluster: new FakeElasticsearchCluster(chart, { id: 'es', clusterName: 'logs' }),
          index: 'a-*, b-*',
        },
      })),
    ).toThrow(/elasticsearch\.index/);
  });
});

describe('Grafana dashboards', () => {
  test('a file provider reads /var/lib/grafana/dashboards, mounted from the dashboards ConfigMap', () => {
    const { objects } = synth();
    const providers = parse(named(objects, 'ConfigMap', 'grafana-config').data['dashboards.yaml']);
    expect(providers.providers[0]).toMatchObject({
      type: 'file',
      options: { path: '/var/lib/grafana/dashboards' },
    });
    expect(podSpec(objects).volumes).toContainEqual({
      name: 'dashboards',
      configMap: { name: 'grafana-dashboards' },
    });
  });

  test("the applications' service overview shows rate, errors and p95 per service", () => {
    const { objects } = synthEnvironment('prod');
    const dashboard = JSON.parse(
      named(objects, 'ConfigMap', 'grafana-dashboards').data['service-overview.json'],
    );
    expect(dashboard.uid).toBe('service-overview');
    const exprs = dashboard.panels.map((p: any) => p.targets[0].expr).join('\n');
    expect(exprs).toContain('rate(http_requests_total{service=~"$service"}');
    expect(exprs).toContain('status=~"5.."');
    expect(exprs).toContain(
      'histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket',
    );
    expect(dashboard.panels.every((p: any) => p.datasource.uid === 'prometheus')).toBe(true);
  });

  test('addDashboard after construction lands in the ConfigMap and rolls the pods', () => {
    const before = synth().objects;
    const { chart, grafana } = build();
    grafana.addDashboard('checkout', { title: 'Checkout', panels: [] });
    const after = Testing.synth(chart) as any[];
    const json = JSON.parse(named(after, 'ConfigMap', 'grafana-dashboards').data['checkout.json']);
    expect(json).toEqual({ title: 'Checkout', panels: [], uid: 'checkout' });
    const checksum = (objects: any[]) =>
      named(objects, 'Deployment', 'grafana').spec.template.metadata.annotations['checksum/config'];
    expect(checksum(after)).toMatch(/^[0-9a-f]{16}$/);
    expect(checksum(after)).not.toBe(checksum(before));
  });

  test('dashboards can be passed as props, and must have unique valid names', () => {
    const { grafana } = build(() => ({
      dashboards: { orders: { title: 'Orders' } },
    }));
    expect(grafana.dashboardNames).toEqual(['orders']);
    expect(() => grafana.addDashboard('orders', {})).toThrow(/already provisioned/);
    expect(() => grafana.addDashboard('Bad Name', {})).toThrow(/'dashboards'/);
  });
});

describe('the infrastructure and stack health dashboards of the mixins', () => {
  const dashboardFile = (objects: any[], name: string) =>
    JSON.parse(named(objects, 'ConfigMap', 'grafana-dashboards').data[`${name}.json`]);
  const exprs = (dashboard: any): string =>
    dashboard.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr)).join('\n');
  const cases: Array<[string, () => any]> = [
    ['infrastructure', infrastructureDashboard],
    ['stack-health', stackHealthDashboard],
  ];

  test('are provisioned by the stack next to the service overview, with their fixed uids', () => {
    const { objects } = synthEnvironment('prod');
    expect(dashboardFile(objects, 'infrastructure').uid).toBe('infrastructure');
    expect(dashboardFile(objects, 'stack-health').uid).toBe('stack-health');
    expect(dashboardFile(objects, 'service-overview').uid).toBe('service-overview');
  });

  test('a Grafana on its own provisions none: dashboards come with the mixins', () => {
    const { grafana, objects } = synth();
    expect(grafana.dashboardNames).toEqual([]);
    expect(named(objects, 'ConfigMap', 'grafana-dashboards').data ?? {}).toEqual({});
  });

  test.each(cases)(
    '%s: every panel queries Prometheus with a non-empty expr, a refId and a legend',
    (_name, render) => {
      const dashboard = render();
      expect(dashboard.panels.length).toBeGreaterThan(0);
      for (const panel of dashboard.panels) {
        expect(['timeseries', 'stat']).toContain(panel.type);
        expect(panel.datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
        expect(panel.targets.length).toBeGreaterThan(0);
        const refIds = panel.targets.map((t: any) => t.refId);
        expect(new Set(refIds).size).toBe(refIds.length);
        for (const target of panel.targets) {
          expect(target.datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
          expect(target.expr.trim()).not.toBe('');
          expect(target.refId).toMatch(/^[A-Z]$/);
          expect(typeof target.legendFormat).toBe('string');
        }
      }
    },
  );

  test.each(cases)(
    '%s: panel ids are unique and every panel sits on the 24-column grid without overlapping',
    (_name, render) => {
      const panels = render().panels;
      const ids = panels.map((p: any) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      const cells = new Set<string>();
      for (const { gridPos: g } of panels) {
        expect(g).toEqual({
          x: expect.any(Number),
          y: expect.any(Number),
          w: expect.any(Number),
          h: expect.any(Number),
        });
        expect(g.x + g.w).toBeLessThanOrEqual(24);
        for (let x = g.x; x < g.x + g.w; x++) {
          for (let y = g.y; y < g.y + g.h; y++) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
      }
    },
  );

  test.each(cases)(
    '%s: refreshes every 30s by default and offers refresh down to 1s',
    (_name, render) => {
      const dashboard = render();
      expect(dashboard.refresh).toBe('30s');
      expect(dashboard.timepicker.refresh_intervals).toContain('1s');
      expect(dashboard.editable).toBe(false);
    },
  );

  test.each(cases)('%s: expressions have balanced brackets and quotes', (_name, render) => {
    for (const expr of exprs(render()).split('\n')) {
      for (const [open, close] of [
        ['(', ')'],
        ['{', '}'],
        ['[', ']'],
      ]) {
        expect(expr.split(open).length).toBe(expr.split(close).length);
      }
      expect((expr.match(/"/g) ?? []).length % 2).toBe(0);
    }
  });

  test('infrastructure covers nodes, restarts and containers, filtered by node and namespace variables', () => {
    const dashboard = infrastructureDashboard() as any;
    const variables = dashboard.templating.list;
    expect(variables.map((v: any) => [v.name, v.definition])).toEqual([
      ['node', 'label_values(node_uname_info, node)'],
      ['namespace', 'label_values(kube_pod_info, namespace)'],
    ]);
    expect(variables.every((v: any) => v.datasource.uid === 'prometheus')).toBe(true);
    const all = exprs(dashboard);
    expect(all).toContain(
      '1 - avg by (node, instance) (rate(node_cpu_seconds_total{mode="idle",node=~"$node"}',
    );
    expect(all).toContain(
      '1 - node_memory_MemAvailable_bytes{node=~"$node"} / node_memory_MemTotal_bytes{node=~"$node"}',
    );
    expect(all).toContain('node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs|nsfs"');
    expect(all).toContain('node_network_receive_bytes_total');
    expect(all).toContain('node_network_transmit_bytes_total');
    expect(all).toContain('kube_pod_container_status_restarts_total{namespace=~"$namespace"}');
    expect(all).toMatch(
      /sum by \(namespace\) \(rate\(container_cpu_usage_seconds_total\{[^}]*namespace=~"\$namespace"/,
    );
    expect(all).toMatch(
      /sum by \(namespace\) \(container_memory_working_set_bytes\{[^}]*container!=""/,
    );
  });

  test('stack health covers every component of the stack', () => {
    const all = exprs(stackHealthDashboard());
    for (const metric of [
      'up',
      'elasticsearch_cluster_health_status{color="red"}',
      'elasticsearch_filesystem_data_available_bytes',
      'logstash_stats_pipeline_events_in',
      'logstash_stats_pipeline_events_out',
      'otelcol_receiver_accepted_spans_total',
      'otelcol_receiver_refused_spans_total',
      'otelcol_exporter_send_failed_spans_total',
      'prometheus_rule_evaluation_failures_total',
      'prometheus_tsdb_head_series',
      'alertmanager_notifications_total',
      'alertmanager_notifications_failed_total',
      'ALERTS{alertstate="firing"',
    ])
      expect(all).toContain(metric);
  });

  test('the Elasticsearch health stat maps 0, 1, 2 to green, yellow, red', () => {
    const panel = (stackHealthDashboard() as any).panels.find(
      (p: any) => p.title === 'Elasticsearch cluster health',
    );
    expect(panel.type).toBe('stat');
    expect(panel.fieldConfig.defaults.mappings[0].options).toEqual({
      0: { text: 'green', color: 'green' },
      1: { text: 'yellow', color: 'yellow' },
      2: { text: 'red', color: 'red' },
    });
  });
});

describe('dashboard data sources', () => {
  test.each(ENVIRONMENTS)(
    'the %s environment: every panel, target and variable uses a provisioned data source',
    (env) => {
      const { stack, objects } = synthEnvironment(env);
      const datasources = provisionedDatasources(objects);
      const dashboards = Object.values(
        provisionedDashboards(objects, stack.grafana.dashboardsConfigMapName),
      );
      // Every dashboard of the stack's mixins, and nothing else.
      expect(dashboards.map((d) => d.uid).sort()).toEqual(
        stack.monitoring.flatMap((m) => (m.dashboards ?? []).map((d) => d.name)).sort(),
      );
      expect(dashboards.map((d) => d.uid)).toEqual(
        expect.arrayContaining(['infrastructure', 'service-overview', 'stack-health']),
      );
      // Panels, their targets and the query variables all name one: none is left to the default.
      const uses = dashboards.flatMap(datasourceUses);
      expect(uses.length).toBeGreaterThan(dashboards.length);
      expect(uses.filter((u) => u.ref === undefined)).toEqual([]);
      expect(dashboards.flatMap((d) => missingDatasources(d, datasources))).toEqual([]);
    },
  );

  test('an unknown uid, a type mismatch, an unknown name and a missing default are reported, in nested rows too', () => {
    const provisioned = [{ uid: 'prometheus', type: 'prometheus', name: 'Prometheus' }];
    const target = (refId: string, datasource?: unknown) => ({ refId, expr: 'up', datasource });
    const dashboard = {
      uid: 'd',
      panels: [
        {
          type: 'timeseries',
          title: 'Loki',
          datasource: { type: 'loki', uid: 'loki' },
          targets: [target('A')],
        },
        {
          type: 'row',
          title: 'Row',
          collapsed: true,
          panels: [
            {
              type: 'stat',
              title: 'Nested',
              datasource: { type: 'prometheus', uid: 'prometheus' },
              targets: [target('A', { type: 'elasticsearch', uid: 'prometheus' })],
            },
            { type: 'stat', title: 'By name', datasource: 'Thanos', targets: [target('A')] },
            { type: 'stat', title: 'Default', targets: [target('A')] },
          ],
        },
      ],
      templating: {
        list: [{ name: 'job', type: 'query', datasource: { type: 'prometheus', uid: 'mimir' } }],
      },
    };
    expect(allPanels(dashboard).map((p) => p.title)).toEqual([
      'Loki',
      'Row',
      'Nested',
      'By name',
      'Default',
    ]);
    expect(missingDatasources(dashboard, provisioned)).toEqual([
      "d: panel 'Loki' uses data source uid 'loki', which is not provisioned",
      "d: panel 'Nested' target A expects a data source of type elasticsearch, uid 'prometheus' is prometheus",
      "d: panel 'By name' names data source 'Thanos', which is not provisioned",
      "d: panel 'Default' uses the default data source, and none is provisioned",
      "d: variable $job uses data source uid 'mimir', which is not provisioned",
    ]);
    expect(
      missingDatasources(
        dashboard,
        provisioned.map((d) => ({ ...d, isDefault: true })),
      ),
    ).toHaveLength(4);
  });
});

describe('renderIni', () => {
  test('renders sections in order and leaves out undefined values and empty sections', () => {
    expect(renderIni({ a: { x: 1, y: undefined }, empty: {}, b: { z: true } })).toBe(
      '[a]\nx = 1\n\n[b]\nz = true\n',
    );
  });

  test('escapeProvisioningValue doubles every dollar', () => {
    expect(escapeProvisioningValue('${a} $b')).toBe('$${a} $$b');
  });
});
