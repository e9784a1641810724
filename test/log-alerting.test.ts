import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { Alertmanager } from '../lib/alertmanager';
import { Images } from '../lib/core/images';
import { LogAlert, LogAlerting, LogAlertingProps } from '../lib/elastalert';
import { RuleDuration } from '../lib/kibana';
import { ObservabilityStack } from '../lib';
import { environmentProfile } from '../stacks/environments';
import { FakeElasticsearchCluster } from './support/fake-elasticsearch';

function synth(props: Partial<LogAlertingProps> = {}, secure = true) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const logAlerting = new LogAlerting(chart, 'log-alerting', {
    elasticsearch: new FakeElasticsearchCluster(chart, { securityEnabled: secure }),
    alertmanager: new Alertmanager(chart, 'alertmanager', {}),
    ...props,
  });
  return { logAlerting, objects: Testing.synth(chart) as any[] };
}
const deployment = (objects: any[]) =>
  objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'log-alerting');
const files = (objects: any[]): Record<string, any> =>
  Object.fromEntries(
    Object.entries<string>(
      objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'log-alerting-config').data,
    ).map(([k, v]) => [k, parse(v)]),
  );

describe('LogAlerting', () => {
  test('one replica of the pinned ElastAlert 2 image, never two at once, with probes and resources', () => {
    const { objects } = synth();
    const d = deployment(objects);
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    const pod = d.spec.template.spec;
    const [c] = pod.containers;
    expect(c.image).toBe(Images.elastalert);
    expect(c.command).toEqual([
      'elastalert',
      '--config',
      '/opt/elastalert/config.yaml',
      '--verbose',
      '--prometheus_port',
      '9979',
    ]);
    expect(c.readinessProbe.httpGet.port).toBe('metrics');
    expect(c.resources).toEqual({
      requests: { cpu: '50m', memory: '96Mi' },
      limits: { memory: '256Mi' },
    });
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65534,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(pod.initContainers.map((i: any) => i.command)).toEqual([
      ['elastalert-create-index', '--config', '/opt/elastalert/config.yaml'],
    ]);
  });

  test('config.yaml: the cluster over TLS with its CA, credentials from the environment, never in the file', () => {
    const { objects } = synth();
    const config = files(objects)['config.yaml'];
    expect(config).toEqual({
      rules_folder: '/opt/elastalert/rules',
      run_every: { seconds: 60 },
      buffer_time: { seconds: 300 },
      es_host: 'elasticsearch-http.observability.svc',
      es_port: 9200,
      use_ssl: true,
      verify_certs: true,
      ca_certs: '/opt/elastalert/ca/ca.crt',
      writeback_index: 'elastalert',
      alert_time_limit: { minutes: 10 },
    });
    const env = deployment(objects).spec.template.spec.containers[0].env;
    expect(env.filter((e: any) => e.name.startsWith('ES_'))).toEqual([
      {
        name: 'ES_USERNAME',
        valueFrom: { secretKeyRef: { name: 'log-alerting-credentials', key: 'username' } },
      },
      {
        name: 'ES_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'log-alerting-credentials', key: 'password' } },
      },
    ]);
  });

  test('without security: plain HTTP, no user, no CA', () => {
    const { logAlerting, objects } = synth({}, false);
    const config = files(objects)['config.yaml'];
    expect(config.use_ssl).toBe(false);
    expect(config.ca_certs).toBeUndefined();
    expect(logAlerting.elasticsearchUser).toBeUndefined();
    expect(logAlerting.externalSecrets).toEqual([]);
  });

  test('its user reads the logs and manages its own writeback indices only', () => {
    const { logAlerting } = synth();
    expect(logAlerting.elasticsearchUser).toEqual({
      role: 'log-alerting',
      client: "ElastAlert 'log-alerting'",
      privileges: {
        cluster: ['monitor'],
        indices: [
          { names: ['logs-*'], privileges: ['read'] },
          {
            names: ['elastalert', 'elastalert_*'],
            privileges: ['create_index', 'read', 'view_index_metadata', 'write'],
          },
        ],
      },
      credentials: { secretName: 'log-alerting-credentials' },
      namespace: 'observability',
    });
  });

  test("one rule file per log alert rule, from the Kibana rules' options", () => {
    const { logAlerting, objects } = synth({
      rules: {
        errorBurst: { threshold: 25, window: RuleDuration.minutes(10) },
        criticalLog: { checkInterval: RuleDuration.seconds(30) },
      },
      labels: { env: 'prod' },
    });
    const f = files(objects);
    expect(Object.keys(f).sort()).toEqual([
      'ServiceCriticalLog.yaml',
      'ServiceErrorLogBurst.yaml',
      'config.yaml',
    ]);
    const burst = f['ServiceErrorLogBurst.yaml'];
    expect(burst).toMatchObject({
      name: 'ServiceErrorLogBurst',
      type: 'frequency',
      index: 'logs-*',
      filter: [{ terms: { 'log.level': ['ERROR', 'error'] } }],
      query_key: 'service.name',
      // Kibana's "more than 25" is ElastAlert's inclusive 26.
      num_events: 26,
      timeframe: { seconds: 600 },
      run_every: { seconds: 60 },
      alertmanager_api_version: 'v2',
      alertmanager_hosts: ['http://alertmanager.observability.svc:9093'],
      alertmanager_alertname: 'ServiceErrorLogBurst',
      alertmanager_annotations: {
        runbook_url:
          'https://github.com/observability-stack/k8s-stack/blob/main/docs/runbooks/ServiceErrorLogBurst.md',
      },
      alertmanager_resolve_time: { seconds: 600 },
    });
    expect(burst.alertmanager_labels).toEqual({
      env: 'prod',
      severity: 'warning',
      service: "{{ (service | default({})).name | default('') }}",
      namespace: "{{ (kubernetes | default({})).namespace | default('') }}",
    });
    expect(burst.alert_text).toBe(
      'Service {0} (namespace {1}) logged more than 25 ERROR logs within 10m. The latest: {2}',
    );
    const critical = f['ServiceCriticalLog.yaml'];
    expect(critical).toMatchObject({
      filter: [{ terms: { 'log.level': ['CRITICAL', 'critical'] } }],
      num_events: 1,
      timeframe: { seconds: 60 },
      run_every: { seconds: 30 },
    });
    expect(critical.alertmanager_labels.severity).toBe('critical');
    // The shortest check interval and the longest window are the global defaults.
    expect(f['config.yaml'].run_every).toEqual({ seconds: 30 });
    expect(f['config.yaml'].buffer_time).toEqual({ seconds: 600 });
    expect(logAlerting.alertNames).toEqual([LogAlert.ERROR_LOG_BURST, LogAlert.CRITICAL_LOG]);
  });

  test('enabled: false disables the rules', () => {
    const f = files(synth({ rules: { enabled: false } }).objects);
    expect(f['ServiceErrorLogBurst.yaml'].is_enabled).toBe(false);
    expect(f['ServiceCriticalLog.yaml'].is_enabled).toBe(false);
  });

  test('the flows: to Elasticsearch (9200) and to Alertmanager (9093)', () => {
    const { logAlerting } = synth();
    expect(logAlerting.networkFlows.map((f) => [f.purpose, f.ports])).toEqual([
      ['searches the logs, keeps its state', [{ port: 9200 }]],
      ['sends log alerts', [{ port: 9093 }]],
    ]);
  });

  test('bad input names the prop, the value and the fix', () => {
    expect(() => synth({ labels: { severity: 'page' } })).toThrow(
      /labels\.severity.*is set per alert/,
    );
    expect(() => synth({ labels: { 'bad-name': 'x' } })).toThrow(/labels\.bad-name/);
    expect(() => synth({ writebackIndex: 'logs-elastalert' })).toThrow(
      /writebackIndex.*searched by the rules themselves/,
    );
    expect(() => synth({ writebackIndex: 'Elast Alert' })).toThrow(/writebackIndex.*not a valid/);
    expect(() => synth({ runbookBaseUrl: 'wiki/runbooks' })).toThrow(/runbookBaseUrl.*http\(s\)/);
    expect(() =>
      synth({ rules: { errorBurst: { checkInterval: RuleDuration.minutes(10) } } }),
    ).toThrow(/rules\.errorBurst\.checkInterval/);
  });
});

describe('the stack', () => {
  const stack = new ObservabilityStack(Testing.app(), 'observability', environmentProfile('prod'));

  test('labels the log alerts with env and region like the metric alerts, and gives ElastAlert its user', () => {
    const f = parse(
      (Testing.synth(stack) as any[]).find((o) => o.metadata?.name === 'log-alerting-config').data[
        'ServiceCriticalLog.yaml'
      ],
    );
    expect(f.alertmanager_labels.env).toBe('prod');
    expect(f.alertmanager_labels.region).toBe(stack.region);
    expect(stack.elasticsearchUsers!.users.map((u) => u.role)).toContain('log-alerting');
  });

  test('the Kibana rules and the log alerts share their options', () => {
    expect(stack.logAlerting!.rules).toEqual(stack.kibanaSetup.alertRules);
  });

  test('logAlerting: false leaves ElastAlert out', () => {
    const without = new ObservabilityStack(Testing.app(), 'observability', {
      ...environmentProfile('dev'),
      logAlerting: false,
    });
    expect(without.logAlerting).toBeUndefined();
    expect((Testing.synth(without) as any[]).some((o) => o.metadata?.name === 'log-alerting')).toBe(
      false,
    );
  });
});
