import { Chart, Testing } from 'cdk8s';
import { DEFAULT_LOG_CLASSES, withLogRetention } from '../lib/core/log-classes';
import { StackUi, UiAccessProps } from '../lib/access';
import { Alertmanager, AlertmanagerProps } from '../lib/alertmanager';
import { ConfigError } from '../lib/core/errors';
import {
  ElasticsearchCluster,
  ElasticsearchClusterProps,
  ElasticsearchExporter,
  ElasticsearchExporterProps,
  ElasticsearchSetup,
  ElasticsearchSetupProps,
  VirtualMemory,
} from '../lib/elasticsearch';
import { LogAlerting, LogAlertingProps } from '../lib/elastalert';
import { Filebeat, FilebeatProps, ValueMask } from '../lib/filebeat';
import { Grafana, GrafanaProps } from '../lib/grafana';
import { Jaeger, JaegerProps, JaegerStorage } from '../lib/jaeger';
import { Kibana, KibanaProps, KibanaSetup, KibanaSetupProps } from '../lib/kibana';
import { Logstash, LogstashProps } from '../lib/logstash';
import {
  KubeStateMetrics,
  KubeStateMetricsProps,
  KubernetesSdRole,
  NodeExporter,
  NodeExporterProps,
  Prometheus,
  PrometheusProps,
} from '../lib/prometheus';
import {
  ObservabilityStack,
  ObservabilityStackProps,
  TraceStorage,
} from '../lib/stack/observability-stack';
import { FakeElasticsearchCluster } from './support/fake-elasticsearch';

// Bad input (docs/architecture.md#36-how-errors-are-reported): every invalid prop fails the synth with a ConfigError whose
// message names the prop, shows the value it got and says the way out.

const chart = () => new Chart(Testing.app(), 'test', { namespace: 'observability' });

/** Runs `create` in a fresh chart that holds a fake Elasticsearch cluster to wire against. */
function withElasticsearch(create: (c: Chart, es: FakeElasticsearchCluster) => unknown) {
  const c = chart();
  return create(c, new FakeElasticsearchCluster(c));
}

const elasticsearch = (props: ElasticsearchClusterProps) =>
  new ElasticsearchCluster(chart(), 'elasticsearch', props);
const elasticsearchSetup = (props: Partial<ElasticsearchSetupProps>) =>
  withElasticsearch(
    (c, es) => new ElasticsearchSetup(c, 'elasticsearch-setup', { elasticsearch: es, ...props }),
  );
const elasticsearchExporter = (props: Partial<ElasticsearchExporterProps>) =>
  withElasticsearch(
    (c, es) =>
      new ElasticsearchExporter(c, 'elasticsearch-exporter', { elasticsearch: es, ...props }),
  );
const kibana = (props: Partial<KibanaProps>) =>
  withElasticsearch((c, es) => new Kibana(c, 'kibana', { elasticsearch: es, ...props }));
const kibanaSetup = (props: Partial<KibanaSetupProps>) =>
  withElasticsearch(
    (c, es) =>
      new KibanaSetup(c, 'kibana-setup', {
        kibana: new Kibana(c, 'kibana', { elasticsearch: es }),
        ...props,
      }),
  );
const logAlerting = (props: Partial<LogAlertingProps>) =>
  withElasticsearch(
    (c, es) =>
      new LogAlerting(c, 'log-alerting', {
        elasticsearch: es,
        alertmanager: new Alertmanager(c, 'alertmanager', {}),
        ...props,
      }),
  );
const logstash = (props: Partial<LogstashProps>) =>
  withElasticsearch((c, es) => new Logstash(c, 'logstash', { elasticsearch: es, ...props }));
const filebeat = (props: Partial<FilebeatProps>) =>
  withElasticsearch((c, es) => new Filebeat(c, 'filebeat', { elasticsearch: es, ...props }));
const prometheus = (props: PrometheusProps) => new Prometheus(chart(), 'prometheus', props);
const alertmanager = (props: AlertmanagerProps) => new Alertmanager(chart(), 'alertmanager', props);
const grafana = (props: GrafanaProps) => new Grafana(chart(), 'grafana', props);
const jaeger = (props: (c: Chart) => JaegerProps) => {
  const c = chart();
  return new Jaeger(c, 'jaeger', props(c));
};
const esTraces =
  (options: Parameters<typeof JaegerStorage.elasticsearch>[1] = {}) =>
  (c: Chart): JaegerProps => ({
    storage: JaegerStorage.elasticsearch(new FakeElasticsearchCluster(c), options),
  });
const kubeStateMetrics = (props: KubeStateMetricsProps) =>
  new KubeStateMetrics(chart(), 'kube-state-metrics', props);
const nodeExporter = (props: NodeExporterProps) =>
  new NodeExporter(chart(), 'node-exporter', props);
const stack = (props: Partial<ObservabilityStackProps>) =>
  new ObservabilityStack(Testing.app(), 'observability', {
    environment: 'prod',
    region: 'eu-west-1',
    ...props,
  });

const OIDC = { issuerUrl: 'https://sso.example.org', clientId: 'obs', secretName: 'ui-oidc' };
const access = (props: Partial<UiAccessProps>): UiAccessProps => ({
  domain: 'obs.example.org',
  tls: { clusterIssuer: 'letsencrypt' },
  oidc: OIDC,
  teams: [{ name: 'sre', groups: ['sre'], uis: [StackUi.KIBANA, StackUi.GRAFANA] }],
  ...props,
});

interface BadInput {
  /** The construct that rejects the input. */
  readonly construct: string;
  /** The prop the message must name. */
  readonly prop: string;
  /** The value the message must show. */
  readonly value: unknown;
  /** What the way out must say. */
  readonly fix: RegExp;
  readonly build: () => unknown;
}

const CASES: BadInput[] = [
  // Elasticsearch
  {
    construct: 'Elasticsearch',
    prop: 'data.storage.size',
    value: 'big',
    fix: /'30Gi'/,
    build: () => elasticsearch({ data: { replicas: 1, storage: { size: 'big' } } }),
  },
  {
    construct: 'Elasticsearch',
    prop: 'masters.storage.size',
    value: '0',
    fix: /'30Gi'/,
    build: () =>
      elasticsearch({ masters: { replicas: 3, storage: { size: '0' } }, data: { replicas: 2 } }),
  },
  {
    construct: 'Elasticsearch',
    prop: 'data.replicas',
    value: 2,
    fix: /use 1 or 3/,
    build: () => elasticsearch({ data: { replicas: 2 } }),
  },
  {
    construct: 'Elasticsearch',
    prop: 'masters.replicas',
    value: 4,
    fix: /use 3 or 5/,
    build: () => elasticsearch({ masters: { replicas: 4 }, data: { replicas: 2 } }),
  },
  {
    construct: 'Elasticsearch',
    prop: 'data.heapRatio',
    value: 0.9,
    fix: /at most 0\.75/,
    build: () => elasticsearch({ data: { replicas: 1, heapRatio: 0.9 } }),
  },
  {
    construct: 'Elasticsearch',
    prop: 'data.resources.memoryLimit',
    value: '256Mi',
    fix: /at least 1Gi/,
    build: () =>
      elasticsearch({
        data: {
          replicas: 1,
          resources: { cpuRequest: '1', memoryRequest: '256Mi', memoryLimit: '256Mi' },
        },
      }),
  },
  {
    construct: 'Elasticsearch',
    prop: 'name',
    value: 'Logs_Cluster',
    fix: /lower-case letters/,
    build: () => elasticsearch({ name: 'Logs_Cluster' }),
  },
  {
    construct: 'Elasticsearch',
    prop: 'security.elasticPassword.key',
    value: '',
    fix: /give the key/,
    build: () => elasticsearch({ security: { elasticPassword: { name: 'es-password', key: '' } } }),
  },
  {
    construct: 'Elasticsearch',
    prop: 'virtualMemory',
    value: 'swap',
    fix: /VirtualMemory\.NO_MMAP/,
    build: () => elasticsearch({ virtualMemory: 'swap' as VirtualMemory }),
  },
  {
    construct: 'Elasticsearch',
    prop: 'image',
    value: 'elasticsearch',
    fix: /repository:1\.2\.3/,
    build: () => elasticsearch({ image: 'elasticsearch' }),
  },
  // ElasticsearchSetup
  {
    construct: 'ElasticsearchSetup',
    prop: 'logClasses[3].retention',
    value: '0d',
    fix: /from '1d' to '3650d'/,
    build: () =>
      elasticsearchSetup({ logClasses: withLogRetention(DEFAULT_LOG_CLASSES, { all: '0d' }) }),
  },
  {
    construct: 'ElasticsearchSetup',
    prop: 'retryInterval',
    value: '1500ms',
    fix: /whole seconds, such as '2s'/,
    build: () => elasticsearchSetup({ retryInterval: '1500ms' }),
  },
  {
    construct: 'ElasticsearchSetup',
    prop: 'indexReplicas',
    value: 11,
    fix: /between 0 and 10/,
    build: () => elasticsearchSetup({ indexReplicas: 11 }),
  },
  {
    construct: 'ElasticsearchSetup',
    prop: 'credentials.key',
    value: '',
    fix: /give the key/,
    build: () => elasticsearchSetup({ credentials: { secretName: 'es-setup', passwordKey: '' } }),
  },
  // Kibana
  {
    construct: 'Kibana',
    prop: 'replicas',
    value: 0,
    fix: /at least 1/,
    build: () => kibana({ replicas: 0 }),
  },
  {
    construct: 'Kibana',
    prop: 'publicBaseUrl',
    value: 'https://kibana.example.com/',
    fix: /https:\/\/kibana\.example\.com'/,
    build: () => kibana({ publicBaseUrl: 'https://kibana.example.com/' }),
  },
  {
    construct: 'Kibana',
    prop: 'systemPassword.key',
    value: '',
    fix: /give the key/,
    build: () => kibana({ systemPassword: { name: 'kibana-system-password', key: '' } }),
  },
  // KibanaSetup
  {
    construct: 'KibanaSetup',
    prop: 'alertRules.errorBurst.maxServices',
    value: 5000,
    fix: /between 1 and 1000/,
    build: () => kibanaSetup({ alertRules: { errorBurst: { maxServices: 5000 } } }),
  },
  {
    construct: 'KibanaSetup',
    prop: 'maxAttempts',
    value: 0,
    fix: /between 1 and 1000/,
    build: () => kibanaSetup({ maxAttempts: 0 }),
  },
  // Logstash
  {
    construct: 'Logstash',
    prop: 'persistentQueue.size',
    value: 'big',
    fix: /'10Gi'.+binary \(Ki, Mi, Gi/,
    build: () => logstash({ persistentQueue: { size: 'big' } }),
  },
  {
    construct: 'Logstash',
    prop: 'heap',
    value: '4Gi',
    fix: /half of the limit/,
    build: () => logstash({ heap: '4Gi' }),
  },
  {
    construct: 'Logstash',
    prop: 'persistentQueue.size',
    value: '500Mi',
    fix: /'10Gi'/,
    build: () => logstash({ persistentQueue: { size: '500Mi' } }),
  },
  {
    construct: 'Logstash',
    prop: 'pipelineWorkers',
    value: 0,
    fix: /between 1 and 256/,
    build: () => logstash({ pipelineWorkers: 0 }),
  },
  // Filebeat
  {
    construct: 'Filebeat',
    prop: 'hostDataPath',
    value: 'filebeat-data',
    fix: /\/var\/lib\/filebeat-data/,
    build: () => filebeat({ hostDataPath: 'filebeat-data' }),
  },
  {
    construct: 'Filebeat',
    prop: 'resources.memoryLimit',
    value: '1 GB',
    fix: /'1Gi'/,
    build: () =>
      filebeat({ resources: { cpuRequest: '100m', memoryRequest: '100Mi', memoryLimit: '1 GB' } }),
  },
  {
    construct: 'Filebeat',
    prop: 'logProcessing.valueMasks[0]',
    value: 'ValueMask.pattern("iban", "(")',
    fix: /ValueMask\.pattern\('iban', /,
    build: () => filebeat({ logProcessing: { valueMasks: [ValueMask.pattern('iban', '(')] } }),
  },
  {
    construct: 'Filebeat',
    prop: 'logProcessing.valueMasks[0]',
    value: 'ValueMask.pattern("iban", "x*")',
    fix: /matches only the value/,
    build: () => filebeat({ logProcessing: { valueMasks: [ValueMask.pattern('iban', 'x*')] } }),
  },
  {
    // Filebeat would expand `$` + `{...}` in filebeat.yml and rewrite the pattern.
    construct: 'Filebeat',
    prop: 'logProcessing.valueMasks[0]',
    value: 'ValueMask.pattern("ref", "ref-$' + '{id}")',
    fix: /JavaScript regular expression/,
    build: () =>
      filebeat({ logProcessing: { valueMasks: [ValueMask.pattern('ref', 'ref-$' + '{id}')] } }),
  },
  {
    // The value shown is the whole mask: its name and its regex.
    construct: 'Filebeat',
    prop: 'logProcessing.valueMasks[1]',
    value: 'ValueMask.pattern("Bad Name", "\\\\bDE[0-9]{20}\\\\b")',
    fix: /lower-case letters/,
    build: () =>
      filebeat({
        logProcessing: {
          valueMasks: [ValueMask.PAYMENT_CARDS, ValueMask.pattern('Bad Name', '\\bDE[0-9]{20}\\b')],
        },
      }),
  },
  {
    construct: 'Filebeat',
    prop: 'logProcessing.valueMasks',
    value: [ValueMask.PAYMENT_CARDS],
    fix: /remove logProcessing\.valueMasks, or enable log processing/,
    build: () =>
      filebeat({ logProcessing: { enabled: false, valueMasks: [ValueMask.PAYMENT_CARDS] } }),
  },
  // Prometheus
  {
    construct: 'Prometheus',
    prop: 'retention.time',
    value: '0d',
    fix: /positive duration/,
    build: () => prometheus({ retention: { time: '0d' } }),
  },
  {
    construct: 'Prometheus',
    prop: 'scrapeJobs[kubernetes-pods].jobName',
    value: 'kubernetes-pods',
    fix: /choose a name other than/,
    build: () =>
      prometheus({
        scrapeJobs: [{ jobName: 'kubernetes-pods', kubernetesSd: { role: KubernetesSdRole.POD } }],
      }),
  },
  {
    construct: 'Prometheus',
    prop: 'externalLabels',
    value: '1team',
    fix: /not starting with a digit/,
    build: () => prometheus({ externalLabels: { '1team': 'payments' } }),
  },
  {
    construct: 'Prometheus',
    prop: 'storage.size',
    value: 'big',
    fix: /'50Gi'/,
    build: () => prometheus({ storage: { size: 'big' } }),
  },
  {
    construct: 'Prometheus',
    prop: 'storage.size',
    value: '500m',
    fix: /'m' is milli/,
    build: () => prometheus({ storage: { size: '500m' } }),
  },
  // Alertmanager
  {
    construct: 'Alertmanager',
    prop: 'storage.size',
    value: 'big',
    fix: /'2Gi'/,
    build: () => alertmanager({ storage: { size: 'big' } }),
  },
  {
    construct: 'Alertmanager',
    prop: 'storage.size',
    value: '-1Gi',
    fix: /'2Gi'/,
    build: () => alertmanager({ storage: { size: '-1Gi' } }),
  },
  {
    construct: 'Alertmanager',
    prop: 'groupBy',
    value: [],
    fix: /alertname/,
    build: () => alertmanager({ groupBy: [] }),
  },
  {
    construct: 'Alertmanager',
    prop: 'email.smarthost',
    value: 'smtp.example.com',
    fix: /smtp\.example\.com:587/,
    build: () =>
      alertmanager({
        email: {
          smarthost: 'smtp.example.com',
          from: 'alerts@example.com',
          to: 'oncall@example.com',
          username: 'alerts',
        },
      }),
  },
  {
    construct: 'Alertmanager',
    prop: 'slack.secret.key',
    value: '',
    fix: /give the key/,
    build: () =>
      alertmanager({
        slack: { channel: '#alerts', secret: { name: 'alertmanager-slack', key: '' } },
      }),
  },
  {
    construct: 'Alertmanager',
    prop: 'repeatInterval',
    value: '4 hours',
    fix: /such as '15s'/,
    build: () => alertmanager({ repeatInterval: '4 hours' }),
  },
  // Grafana
  {
    construct: 'Grafana',
    prop: 'storage.size',
    value: 'big',
    fix: /'5Gi'/,
    build: () => grafana({ storage: { size: 'big' } }),
  },
  {
    construct: 'Grafana',
    prop: 'storage.size',
    value: '5 GB',
    fix: /no space/,
    build: () => grafana({ storage: { size: '5 GB' } }),
  },
  {
    construct: 'Grafana',
    prop: 'replicas',
    value: 2,
    fix: /set 'database'/,
    build: () => grafana({ replicas: 2 }),
  },
  {
    construct: 'Grafana',
    prop: 'database.type',
    value: 'sqlite',
    fix: /'postgres'/,
    build: () =>
      grafana({
        database: {
          type: 'sqlite' as 'postgres',
          host: 'db.observability.svc:5432',
          name: 'grafana',
          credentials: { secretName: 'grafana-db' },
        },
      }),
  },
  {
    construct: 'Grafana',
    prop: 'secretKey.key',
    value: '',
    fix: /give the key/,
    build: () => grafana({ secretKey: { name: 'grafana-secret-key', key: '' } }),
  },
  // Jaeger
  {
    construct: 'Jaeger',
    prop: 'samplingRate',
    value: 1.5,
    fix: /0\.1 for 10%/,
    build: () => jaeger(() => ({ samplingRate: 1.5 })),
  },
  {
    construct: 'Jaeger',
    prop: 'serviceSamplingRates.checkout',
    value: -0.1,
    fix: /0\.1 for 10%/,
    build: () => jaeger(() => ({ serviceSamplingRates: { checkout: -0.1 } })),
  },
  {
    construct: 'Jaeger',
    prop: 'replicas',
    value: 2,
    fix: /JaegerStorage\.elasticsearch/,
    build: () => jaeger(() => ({ replicas: 2 })),
  },
  {
    construct: 'Jaeger',
    prop: 'storage.retention',
    value: '36h',
    fix: /whole days, such as '2d'/,
    build: () => jaeger(esTraces({ retention: '36h' })),
  },
  {
    construct: 'Jaeger',
    prop: 'storage.cleanupSchedule',
    value: 'daily',
    fix: /'15 0 \* \* \*'/,
    build: () => jaeger(esTraces({ cleanupSchedule: 'daily' })),
  },
  // KubeStateMetrics
  {
    construct: 'KubeStateMetrics',
    prop: 'namespace',
    value: 'Monitoring',
    fix: /lower-case letters/,
    build: () => kubeStateMetrics({ namespace: 'Monitoring' }),
  },
  {
    construct: 'KubeStateMetrics',
    prop: 'resources.memoryLimit',
    value: '64Mi',
    fix: /raise the limit/,
    build: () =>
      kubeStateMetrics({
        resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '64Mi' },
      }),
  },
  // NodeExporter
  {
    construct: 'NodeExporter',
    prop: 'port',
    value: 70000,
    fix: /between 1 and 65535/,
    build: () => nodeExporter({ port: 70000 }),
  },
  {
    construct: 'NodeExporter',
    prop: 'port',
    value: 10250,
    fix: /9100/,
    build: () => nodeExporter({ port: 10250 }),
  },
  // ElasticsearchExporter
  {
    construct: 'ElasticsearchExporter',
    prop: 'credentials.name',
    value: 'ES_Exporter',
    fix: /lower-case letters/,
    build: () => elasticsearchExporter({ credentials: { secretName: 'ES_Exporter' } }),
  },
  {
    construct: 'ElasticsearchExporter',
    prop: 'image',
    value: 'quay.io/prometheuscommunity/elasticsearch-exporter:latest',
    fix: /pinned|repository:1\.2\.3/,
    build: () =>
      elasticsearchExporter({ image: 'quay.io/prometheuscommunity/elasticsearch-exporter:latest' }),
  },
  // ObservabilityStack
  {
    construct: 'ObservabilityStack',
    prop: 'environment',
    value: 'Prod 1',
    fix: /lower-case letters/,
    build: () => stack({ environment: 'Prod 1' }),
  },
  {
    construct: 'ObservabilityStack',
    prop: 'agentsNamespace',
    value: 'agents.',
    fix: /lower-case letters/,
    build: () => stack({ agentsNamespace: 'agents.' }),
  },
  {
    construct: 'ObservabilityStack',
    prop: 'elasticsearch.security.enabled',
    value: false,
    fix: /allowInsecureElasticsearch: true/,
    build: () => stack({ elasticsearch: { security: { enabled: false } } }),
  },
  {
    construct: 'ObservabilityStack',
    prop: 'allowInsecureElasticsearch',
    value: true,
    fix: /remove allowInsecureElasticsearch/,
    build: () => stack({ allowInsecureElasticsearch: true }),
  },
  {
    construct: 'ObservabilityStack',
    prop: 'jaeger.retention',
    value: '3d',
    fix: /TraceStorage\.ELASTICSEARCH/,
    build: () => stack({ jaeger: { storage: TraceStorage.MEMORY, retention: '3d' } }),
  },
  {
    construct: 'ObservabilityStack',
    prop: 'logClasses[1].retention',
    value: '3651d',
    fix: /from '1d' to '3650d'/,
    build: () => stack({ logClasses: withLogRetention(DEFAULT_LOG_CLASSES, { trades: '3651d' }) }),
  },
  {
    construct: 'ObservabilityStack',
    prop: 'alerts.cpuUtilisation',
    value: 80,
    fix: /0\.8 for 80%/,
    build: () => stack({ alerts: { cpuUtilisation: 80 } }),
  },
  {
    construct: 'Prometheus',
    prop: 'externalUrl',
    value: 'https://example.com/prometheus',
    fix: /https:\/\/prometheus\.example\.com/,
    build: () => prometheus({ externalUrl: 'https://example.com/prometheus' }),
  },
  {
    construct: 'Alertmanager',
    prop: 'externalUrl',
    value: 'alertmanager.example.com',
    fix: /https:\/\/alertmanager\.example\.com/,
    build: () => alertmanager({ externalUrl: 'alertmanager.example.com' }),
  },
  {
    construct: 'Filebeat',
    prop: 'fingerprintLengthBytes',
    value: 32,
    fix: /between 64 and/,
    build: () => filebeat({ fingerprintLengthBytes: 32 }),
  },
  // Access to the UIs (the stack's `access`: UiAccess and its AuthProxy per UI)
  {
    construct: 'UiAccess',
    prop: 'access.domain',
    value: 'Obs_Example',
    fix: /observability\.example\.com/,
    build: () => stack({ access: access({ domain: 'Obs_Example' }) }),
  },
  {
    construct: 'UiAccess',
    prop: 'access.hosts.grafana',
    value: 'Grafana.example.org',
    fix: /observability\.example\.com/,
    build: () => stack({ access: access({ hosts: { grafana: 'Grafana.example.org' } }) }),
  },
  {
    construct: 'UiAccess',
    prop: 'access.teams',
    value: [],
    fix: /add a team/,
    build: () => stack({ access: access({ teams: [] }) }),
  },
  {
    construct: 'UiAccess',
    prop: 'access.teams[0].groups',
    value: [],
    fix: /group of the team's members/,
    build: () =>
      stack({ access: access({ teams: [{ name: 'sre', groups: [], uis: [StackUi.GRAFANA] }] }) }),
  },
  {
    construct: 'UiAccess',
    prop: 'access.teams[0].groups',
    value: 'sre,ops',
    fix: /exactly as the groups claim/,
    build: () =>
      stack({
        access: access({ teams: [{ name: 'sre', groups: ['sre,ops'], uis: [StackUi.GRAFANA] }] }),
      }),
  },
  {
    construct: 'UiAccess',
    prop: 'access.teams[1].name',
    value: 'sre',
    fix: /its own name/,
    build: () =>
      stack({
        access: access({
          teams: [
            { name: 'sre', groups: ['a'], uis: [StackUi.GRAFANA] },
            { name: 'sre', groups: ['b'], uis: [StackUi.KIBANA] },
          ],
        }),
      }),
  },
  {
    construct: 'UiAccess',
    prop: 'access.teams[0].uis',
    value: 'kibana-ui',
    fix: /one of kibana, grafana/,
    build: () =>
      stack({
        access: access({
          teams: [{ name: 'sre', groups: ['sre'], uis: ['kibana-ui' as StackUi] }],
        }),
      }),
  },
  {
    construct: 'UiAccess',
    prop: 'access.ingressAnnotations',
    value: 'cert-manager.io/cluster-issuer',
    fix: /set tls\.clusterIssuer/,
    build: () =>
      stack({
        access: access({ ingressAnnotations: { 'cert-manager.io/cluster-issuer': 'other' } }),
      }),
  },
  {
    construct: 'UiAccess',
    prop: 'access.tls',
    value: {},
    fix: /clusterIssuer: 'letsencrypt'/,
    build: () => stack({ access: access({ tls: {} }) }),
  },
  {
    construct: 'AuthProxy',
    prop: 'oidc.issuerUrl',
    value: 'http://sso.example.org',
    fix: /well-known\/openid-configuration/,
    build: () =>
      stack({ access: access({ oidc: { ...OIDC, issuerUrl: 'http://sso.example.org' } }) }),
  },
  {
    construct: 'AuthProxy',
    prop: 'oidc.scopes',
    value: ['email', 'groups'],
    fix: /add 'openid'/,
    build: () => stack({ access: access({ oidc: { ...OIDC, scopes: ['email', 'groups'] } }) }),
  },
  {
    construct: 'AuthProxy',
    prop: 'trustedProxyCidrs[0]',
    value: '10.0.0.0/33',
    fix: /pod range/,
    build: () => stack({ access: access({ trustedProxyCidrs: ['10.0.0.0/33'] }) }),
  },
  {
    construct: 'ObservabilityStack',
    prop: 'kibana.publicBaseUrl',
    value: 'https://logs.example.org',
    fix: /set access\.hosts\.kibana/,
    build: () =>
      stack({ kibana: { publicBaseUrl: 'https://logs.example.org' }, access: access({}) }),
  },
  {
    construct: 'Logstash',
    prop: 'deadLetterQueueRetention',
    value: '400d',
    fix: /from '1d' to '365d'/,
    build: () => logstash({ deadLetterQueue: true, deadLetterQueueRetention: '400d' }),
  },
  // LogAlerting
  {
    construct: 'LogAlerting',
    prop: 'labels.severity',
    value: 'page',
    fix: /remove it; labels may not be any of alertname, severity/,
    build: () => logAlerting({ labels: { severity: 'page' } }),
  },
  {
    construct: 'LogAlerting',
    prop: 'writebackIndex',
    value: 'logs-elastalert',
    fix: /outside logs-\*/,
    build: () => logAlerting({ writebackIndex: 'logs-elastalert' }),
  },
  {
    construct: 'LogAlerting',
    prop: 'rules.errorBurst.threshold',
    value: -1,
    fix: /set it to an integer/,
    build: () => logAlerting({ rules: { errorBurst: { threshold: -1 } } }),
  },
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** How ConfigError prints a value: strings quoted, everything else as JSON. */
const shown = (value: unknown) =>
  typeof value === 'string' ? `'${value}'` : JSON.stringify(value);

function configErrorOf(build: () => unknown): ConfigError {
  try {
    build();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('the input was accepted');
}

describe('bad input', () => {
  test.each([
    [
      'an invalid regular expression',
      ValueMask.pattern('iban', '('),
      /'iban' is not a valid regular expression: .+/,
    ],
    [
      'a pattern that matches the empty string',
      ValueMask.pattern('iban', 'x*'),
      /'iban' matches the empty string, so it would mask between every character/,
    ],
    [
      'a pattern with $ followed by {',
      ValueMask.pattern('ref', 'ref-$' + '{id}'),
      /'ref' has '\$' followed by '\{', which Filebeat would expand as a variable/,
    ],
    [
      'a name that is not lower-case',
      ValueMask.pattern('Bad Name', 'x'),
      /has name 'Bad Name', which is not lower-case letters, digits, '_' and '-'/,
    ],
  ])('a value mask with %s says what is wrong with it', (_what, mask, problem) => {
    expect(
      configErrorOf(() => filebeat({ logProcessing: { valueMasks: [mask] } })).message,
    ).toMatch(problem);
  });

  test('the table covers every construct with at least 30 distinct cases', () => {
    const constructs = new Set(CASES.map((c) => c.construct));
    expect([...constructs].sort()).toEqual([
      'Alertmanager',
      'AuthProxy',
      'Elasticsearch',
      'ElasticsearchExporter',
      'ElasticsearchSetup',
      'Filebeat',
      'Grafana',
      'Jaeger',
      'Kibana',
      'KibanaSetup',
      'KubeStateMetrics',
      'LogAlerting',
      'Logstash',
      'NodeExporter',
      'ObservabilityStack',
      'Prometheus',
      'UiAccess',
    ]);
    const keys = new Set(CASES.map((c) => `${c.construct} ${c.prop} ${shown(c.value)}`));
    expect(keys.size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  test.each(CASES)(
    '$construct rejects $prop = $value, naming the prop, the value and the fix',
    ({ prop, value, fix, build }) => {
      const error = configErrorOf(build);
      expect(error.prop).toBe(prop);
      expect(error.value).toEqual(value);
      // The message reads `<path>: '<prop>' <problem>, got <value> (<fix>)`.
      const got = `, got ${shown(value)} (`;
      expect(error.message).toMatch(
        new RegExp(`^\\S+: '${escape(prop)}' .+${escape(got)}.+\\)$`, 's'),
      );
      const messageFix = error.message.slice(error.message.lastIndexOf(got) + got.length, -1);
      expect(messageFix).toMatch(fix);
    },
  );
});
