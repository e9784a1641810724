import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  AlertName,
  AlertRulesProps,
  AlertSeverity,
  DEFAULT_RUNBOOK_BASE_URL,
  ObservabilityStack,
  PrometheusRule,
  PrometheusRuleGroup,
} from '../lib';
import {
  alertmanagerMixin,
  applicationsMixin,
  ElasticsearchAlert,
  elasticsearchMixin,
  ElasticsearchRecord,
  FilebeatAlert,
  filebeatMixin,
  FilebeatRecord,
  JaegerAlert,
  jaegerMixin,
  KubernetesAlert,
  JaegerRecord,
  kubernetesMixin,
  LogstashAlert,
  logstashMixin,
  LogstashRecord,
  MixinContext,
  MonitoringMixin,
  NodeAlert,
  nodeMixin,
  prometheusMixin,
  AlertmanagerAlert,
  PrometheusAlert,
  SnapshotAlertOptions,
  stackMixin,
} from '../lib/monitoring';
import { environmentProfile } from '../stacks/environments';

/** The one pane of an Explore link's URL (`/explore?...&panes=`), decoded. */
const explorePane = (url: string): any =>
  JSON.parse(new URL(url, 'https://grafana.example.com').searchParams.get('panes')!).a;

const STACK = {
  namespace: 'observability',
  agentsNamespace: 'observability-agents',
  snapshots: { repository: 'logs-snapshots', policies: ['logs-all-snapshots'], staleAfter: '27h' },
};

/** The mixins' alerting rules as one group. */
const groupOf = (...mixins: MonitoringMixin[]): PrometheusRuleGroup => ({
  name: 'test',
  rules: mixins.flatMap((m) => m.ruleGroups.flatMap((g) => g.rules.filter((r) => r.alert))),
});

const context = (
  props: AlertRulesProps,
  namespace: string,
  agentsNamespace?: string,
): MixinContext => ({
  alerts: props,
  namespace,
  agentsNamespace,
});

/** The rules on the applications and the cluster they run on. */
function applicationAlertRules(props: AlertRulesProps = {}): PrometheusRuleGroup {
  const c = context(props, 'observability');
  return groupOf(applicationsMixin(c), nodeMixin(c), kubernetesMixin(c));
}

/** The rules on the stack's own components, all of them deployed unless `logstash: false`. */
function stackAlertRules(
  props: AlertRulesProps,
  options: {
    namespace: string;
    agentsNamespace?: string;
    logstash?: boolean;
    snapshots?: SnapshotAlertOptions;
  },
): PrometheusRuleGroup {
  const c = context(props, options.namespace, options.agentsNamespace);
  return groupOf(
    stackMixin(c),
    elasticsearchMixin(c, { snapshots: options.snapshots, nodes: 6, ilm: true }),
    ...(options.logstash === false
      ? []
      : [logstashMixin(c, { deadLetterQueue: true, persistentQueue: true })]),
    filebeatMixin(c),
    jaegerMixin(c),
    prometheusMixin(c),
    alertmanagerMixin(c),
  );
}

function rule(group: PrometheusRuleGroup, alert: AlertName | string): PrometheusRule {
  const found = group.rules.filter((r) => r.alert === alert);
  expect(found).toHaveLength(1);
  return found[0];
}

/** Every alerting rule (the recording rules left out). */
const allRules = (props: AlertRulesProps = {}) =>
  [...applicationAlertRules(props).rules, ...stackAlertRules(props, STACK).rules].filter(
    (r) => r.alert !== undefined,
  );

describe('every alert rule', () => {
  test.each(allRules().map((r) => [r.alert, r] as const))(
    '%s has a severity, a summary, a description and a runbook',
    (name, r) => {
      expect(Object.values(AlertSeverity)).toContain(r.labels?.severity);
      expect(r.annotations?.summary).toMatch(/\S/);
      expect(r.annotations?.description).toMatch(/\S/);
      expect(r.annotations?.runbook_url).toBe(`${DEFAULT_RUNBOOK_BASE_URL}${name}.md`);
      expect(r.runbook?.check.length).toBeGreaterThan(0);
    },
  );

  test("covers every AlertName and every mixin's alert enum, each exactly once", () => {
    expect(
      allRules()
        .map((r) => r.alert)
        .sort(),
    ).toEqual(
      [
        ...Object.values(AlertName),
        ...Object.values(KubernetesAlert),
        ...Object.values(PrometheusAlert),
        ...Object.values(AlertmanagerAlert),
        ...Object.values(NodeAlert),
        ...Object.values(ElasticsearchAlert),
        ...Object.values(LogstashAlert),
        ...Object.values(FilebeatAlert),
        ...Object.values(JaegerAlert),
      ].sort(),
    );
  });

  test('runbookBaseUrl is honoured with or without a trailing slash', () => {
    for (const base of [
      'https://runbooks.example.com/alerts',
      'https://runbooks.example.com/alerts/',
    ]) {
      for (const r of allRules({ runbookBaseUrl: base })) {
        expect(r.annotations?.runbook_url).toBe(
          `https://runbooks.example.com/alerts/${r.alert}.md`,
        );
      }
    }
  });

  test('descriptions template the labels they talk about', () => {
    const app = applicationAlertRules();
    expect(rule(app, AlertName.HTTP_5XX_ERROR_BURST).annotations?.description).toContain(
      '{{ $labels.service }}',
    );
    expect(rule(app, AlertName.HTTP_5XX_ERROR_BURST).annotations?.description).toContain(
      '{{ $value | humanize }}',
    );
    expect(rule(app, AlertName.KUBE_POD_CRASH_LOOPING).annotations?.description).toContain(
      '{{ $labels.pod }}',
    );
  });
});

describe('applicationAlertRules', () => {
  const app = applicationAlertRules();

  test("each mixin's alerts are one group named after it, its recording rules another", () => {
    const c = context({}, 'observability');
    for (const mixin of [applicationsMixin(c), nodeMixin(c), kubernetesMixin(c)]) {
      const alerts = mixin.ruleGroups.filter((g) => g.rules.every((r) => r.alert));
      const records = mixin.ruleGroups.filter((g) => g.rules.every((r) => r.record));
      expect(alerts.map((g) => g.name)).toEqual([`${mixin.name}-alerts`]);
      expect(records.map((g) => g.name)).toEqual(records.length ? [`${mixin.name}-rules`] : []);
      expect(alerts.length + records.length).toBe(mixin.ruleGroups.length);
    }
  });

  test('Http5xxErrorBurst: more than 100 5xx of one service in 5 minutes, critical, at once', () => {
    const r = rule(app, AlertName.HTTP_5XX_ERROR_BURST);
    expect(r.expr).toBe(
      'sum by (namespace, service) (increase(http_requests_total{status=~"5.."}[5m])) > 100',
    );
    expect(r.for).toBeUndefined();
    expect(r.labels).toEqual({ severity: 'critical' });
    expect(
      rule(applicationAlertRules({ http5xxPerFiveMinutes: 250 }), AlertName.HTTP_5XX_ERROR_BURST)
        .expr,
    ).toMatch(/\) > 250$/);
  });

  test('HttpLatencyP95High: p95 of the duration histogram by service above the threshold', () => {
    const r = rule(app, AlertName.HTTP_LATENCY_P95_HIGH);
    expect(r.expr).toBe(
      'histogram_quantile(0.95, sum by (namespace, service, le) (rate(http_request_duration_seconds_bucket[5m]))) > 1',
    );
    expect(r).toMatchObject({ for: '10m', labels: { severity: 'warning' } });
    const custom = rule(
      applicationAlertRules({ p95LatencySeconds: 0.25, latencyFor: '3m' }),
      AlertName.HTTP_LATENCY_P95_HIGH,
    );
    expect(custom.expr).toMatch(/\) > 0.25$/);
    expect(custom.for).toBe('3m');
  });

  test('NodeCpuHigh: non-idle CPU share from node-exporter above 80% for 15m', () => {
    const r = rule(app, AlertName.NODE_CPU_HIGH);
    expect(r.expr).toBe(
      '(1 - avg by (node, instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))) > 0.8',
    );
    expect(r).toMatchObject({ for: '15m', labels: { severity: 'warning' } });
    expect(r.annotations?.description).toContain('above 80%');
    expect(
      rule(applicationAlertRules({ cpuUtilisation: 0.95 }), AlertName.NODE_CPU_HIGH).expr,
    ).toMatch(/> 0.95$/);
  });

  test('NodeDiskAlmostFull: above 90%, tmpfs and overlay excluded on both sides of the ratio', () => {
    const r = rule(app, AlertName.NODE_DISK_ALMOST_FULL);
    expect(r.expr).toMatch(
      /^\(1 - node_filesystem_avail_bytes\{[^}]*\} \/ node_filesystem_size_bytes\{[^}]*\}\) > 0.9$/,
    );
    expect(r.expr.match(/fstype!~"tmpfs\|overlay/g)).toHaveLength(2);
    expect(r.labels?.severity).toBe('warning');
    expect(
      rule(applicationAlertRules({ diskUtilisation: 0.75 }), AlertName.NODE_DISK_ALMOST_FULL).expr,
    ).toMatch(/> 0.75$/);
  });

  test('NodeMemoryPressure and ContainerOomKilled: memory from node-exporter and kube-state-metrics', () => {
    const memory = rule(
      applicationAlertRules({ memoryUtilisation: 0.85, memoryFor: '2m' }),
      AlertName.NODE_MEMORY_PRESSURE,
    );
    expect(memory.expr).toBe(
      '(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > 0.85',
    );
    expect(memory).toMatchObject({ for: '2m', labels: { severity: 'warning' } });
    const oom = rule(app, AlertName.CONTAINER_OOM_KILLED);
    expect(oom.expr).toContain(
      'kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} == 1',
    );
    expect(oom.expr).toContain('increase(kube_pod_container_status_restarts_total[10m]) > 0');
  });

  test('TargetDown: down targets counted by job after targetDownFor', () => {
    const r = rule(applicationAlertRules({ targetDownFor: '3m' }), AlertName.TARGET_DOWN);
    expect(r).toMatchObject({
      expr: 'count by (job, namespace) (up == 0)',
      for: '3m',
      labels: { severity: 'warning' },
    });
  });

  test('KubePodCrashLooping: restarts in the window above the limit, or CrashLoopBackOff, critical', () => {
    const r = rule(
      applicationAlertRules({ crashLoopRestarts: 5, crashLoopWindow: '30m' }),
      AlertName.KUBE_POD_CRASH_LOOPING,
    );
    expect(r.expr).toContain('increase(kube_pod_container_status_restarts_total[30m])) > 5');
    expect(r.expr).toContain('kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}');
    expect(r.labels?.severity).toBe('critical');
  });
});

describe('stackAlertRules', () => {
  const stack = stackAlertRules({}, STACK);

  test("each mixin's alerts are one group named after it, its recording rules another before it", () => {
    const c = context({}, 'observability');
    expect(stackMixin(c).ruleGroups.map((g) => g.name)).toEqual(['observability-stack-alerts']);
    for (const mixin of [
      elasticsearchMixin(c),
      logstashMixin(c),
      filebeatMixin(c),
      jaegerMixin(c),
    ]) {
      expect(mixin.ruleGroups.map((g) => g.name)).toEqual([
        `${mixin.name}-rules`,
        `${mixin.name}-alerts`,
      ]);
      expect(mixin.ruleGroups[0].rules.every((r) => r.record && !r.alert)).toBe(true);
      expect(mixin.ruleGroups[1].rules.every((r) => r.alert && !r.record)).toBe(true);
    }
  });

  test('ObservabilityComponentDown watches both stack namespaces, critical', () => {
    const r = rule(stack, AlertName.OBSERVABILITY_COMPONENT_DOWN);
    expect(r).toMatchObject({
      expr: 'up{namespace=~"observability|observability-agents"} == 0',
      for: '5m',
      labels: { severity: 'critical' },
    });
    expect(
      rule(stackAlertRules({}, { namespace: 'obs' }), AlertName.OBSERVABILITY_COMPONENT_DOWN).expr,
    ).toBe('up{namespace=~"obs"} == 0');
  });

  test('Elasticsearch: red is critical, yellow a warning, from elasticsearch_exporter', () => {
    expect(rule(stack, AlertName.ELASTICSEARCH_CLUSTER_RED)).toMatchObject({
      expr: 'elasticsearch_cluster_health_status{color="red"} == 1',
      labels: { severity: 'critical' },
    });
    expect(rule(stack, AlertName.ELASTICSEARCH_CLUSTER_YELLOW)).toMatchObject({
      expr: 'elasticsearch_cluster_health_status{color="yellow"} == 1',
      for: '15m',
      labels: { severity: 'warning' },
    });
  });

  test('Elasticsearch disk watermarks at 85% (warning) and 90% (critical), configurable', () => {
    const used =
      '(1 - elasticsearch_filesystem_data_available_bytes / elasticsearch_filesystem_data_size_bytes)';
    expect(rule(stack, AlertName.ELASTICSEARCH_DISK_WATERMARK_LOW)).toMatchObject({
      expr: `${used} > 0.85`,
      labels: { severity: 'warning' },
    });
    expect(rule(stack, AlertName.ELASTICSEARCH_DISK_WATERMARK_HIGH)).toMatchObject({
      expr: `${used} > 0.9`,
      labels: { severity: 'critical' },
    });
    const custom = stackAlertRules(
      { elasticsearchDiskLowWatermark: 0.7, elasticsearchDiskHighWatermark: 0.8 },
      STACK,
    );
    expect(rule(custom, AlertName.ELASTICSEARCH_DISK_WATERMARK_LOW).expr).toMatch(/> 0.7$/);
    expect(rule(custom, AlertName.ELASTICSEARCH_DISK_WATERMARK_HIGH).expr).toMatch(/> 0.8$/);
  });

  test('LogstashPipelineStalled: events in but none out over logstashStalledFor', () => {
    const r = rule(
      stackAlertRules({ logstashStalledFor: '20m' }, STACK),
      AlertName.LOGSTASH_PIPELINE_STALLED,
    );
    expect(r.expr).toContain('increase(logstash_stats_pipeline_events_in[20m])) > 0');
    expect(r.expr).toContain(
      'and sum by (namespace, pod, pipeline) (increase(logstash_stats_pipeline_events_out[20m])) == 0',
    );
    expect(r.labels?.severity).toBe('warning');
  });

  test("LogsDeadLettered: the dead-letter data stream grew, per backing index, from the exporter's --es.indices counts", () => {
    const r = rule(stack, 'LogsDeadLettered');
    const docs = (offset = '') =>
      `max by (cluster, index) (elasticsearch_indices_docs_primary{index=~"\\\\.ds-logs-deadletter-.*"}${offset})`;
    expect(r.expr).toBe(
      `sum by (cluster) ((${docs()} - ${docs(' offset 10m')}) ` +
        `or (${docs()} and on () count(elasticsearch_cluster_health_status offset 10m))) > 0`,
    );
    expect(r.for).toBeUndefined();
    expect(r.labels?.severity).toBe('warning');
    expect(r.annotations?.description).toContain('{{ $labels.cluster }}');
  });

  test("LogstashDeadLetters: documents Elasticsearch refused, from the outputs and from the dead-letters pipeline's input", () => {
    const r = rule(stack, 'LogstashDeadLetters');
    expect(r.expr).toBe(
      'sum by (namespace, pod) (increase(logstash_stats_pipeline_plugin_documents_non_retryable_failures{plugin_type="output"}[5m])) > 0 ' +
        'or sum by (namespace, pod) (increase(logstash_stats_pipeline_events_in{pipeline="dead-letters"}[5m])) > 0',
    );
    expect(r.labels?.severity).toBe('warning');
    expect(r.annotations?.description).toContain('logs-deadletter-default');
  });

  test('LogstashDeadLetterQueueDropping: dead letters dropped, or the queue full (drop_older counts nothing), critical', () => {
    const r = rule(stack, 'LogstashDeadLetterQueueDropping');
    expect(r.expr).toBe(
      'sum by (namespace, pod, pipeline) (increase(logstash_stats_pipeline_dead_letter_queue_dropped_events[5m])) > 0 ' +
        'or max by (namespace, pod, pipeline) (logstash_stats_pipeline_dead_letter_queue_size_in_bytes ' +
        '/ logstash_stats_pipeline_dead_letter_queue_max_size_in_bytes) > 0.95',
    );
    expect(r.labels?.severity).toBe('critical');
  });

  test('without Logstash its rules are left out; the dead-letter data stream is still watched', () => {
    const alerts = stackAlertRules({}, { ...STACK, logstash: false }).rules.map((r) => r.alert);
    expect(alerts).not.toContain(AlertName.LOGSTASH_PIPELINE_STALLED);
    expect(alerts).not.toContain('LogstashDeadLetters');
    expect(alerts).not.toContain('LogstashDeadLetterQueueDropping');
    expect(alerts).toContain('LogsDeadLettered');
    expect(alerts).toContain(AlertName.FILEBEAT_OUTPUT_STALLED);
  });

  test('FilebeatOutputStalled: events held all of filebeatStalledFor while none is acknowledged', () => {
    const r = rule(
      stackAlertRules({ filebeatStalledFor: '15m' }, STACK),
      AlertName.FILEBEAT_OUTPUT_STALLED,
    );
    expect(r.expr).toContain(
      'min_over_time(filebeat_libbeat_pipeline_events{type="active"}[15m])) > 0',
    );
    expect(r.expr).toContain(
      'and sum by (namespace, pod) (increase(filebeat_libbeat_output_events{type="acked"}[15m])) == 0',
    );
    expect(r.labels?.severity).toBe('warning');
    expect(() => stackAlertRules({ filebeatStalledFor: '15' }, STACK)).toThrow(
      /filebeatStalledFor/,
    );
  });

  test('FilebeatDroppingEvents: events dropped by the output or the pipeline', () => {
    const r = rule(stack, AlertName.FILEBEAT_DROPPING_EVENTS);
    expect(r.expr).toContain('filebeat_libbeat_output_events{type="dropped"}');
    expect(r.expr).toContain('filebeat_libbeat_pipeline_events{type="dropped"}');
    expect(r.labels?.severity).toBe('warning');
  });

  test('JaegerDroppingSpans: failed exports or refused spans of the stack namespace (collector v2 names, _total)', () => {
    const r = rule(stack, AlertName.JAEGER_DROPPING_SPANS);
    expect(r.expr).toContain('otelcol_exporter_send_failed_spans_total{namespace="observability"}');
    expect(r.expr).toContain('otelcol_receiver_refused_spans_total{namespace="observability"}');
    expect(r.labels?.severity).toBe('warning');
  });

  test('self-monitoring: rule evaluation and notification failures are critical; the Watchdog always fires with severity none', () => {
    expect(rule(stack, AlertName.PROMETHEUS_RULE_EVALUATION_FAILURES)).toMatchObject({
      expr: 'increase(prometheus_rule_evaluation_failures_total[5m]) > 0',
      labels: { severity: 'critical' },
    });
    const am = rule(stack, AlertName.ALERTMANAGER_NOTIFICATIONS_FAILING);
    expect(am.expr).toContain('alertmanager_notifications_failed_total{namespace="observability"}');
    expect(am.labels?.severity).toBe('critical');
    expect(rule(stack, AlertName.WATCHDOG)).toMatchObject({
      expr: 'vector(1)',
      labels: { severity: 'none' },
    });
  });
});

describe('component mixins: options decide the rules', () => {
  const c = context({}, 'observability', 'observability-agents');
  const alertsOfMixin = (m: MonitoringMixin) =>
    m.ruleGroups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
  const recordsOf = (m: MonitoringMixin) =>
    m.ruleGroups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : [])));

  test('Elasticsearch: ElasticsearchNodesMissing only with nodes, against that count', () => {
    expect(alertsOfMixin(elasticsearchMixin(c))).not.toContain(ElasticsearchAlert.NODES_MISSING);
    const r = rule(groupOf(elasticsearchMixin(c, { nodes: 6 })), ElasticsearchAlert.NODES_MISSING);
    expect(r.expr).toBe('max by (cluster) (elasticsearch_cluster_health_number_of_nodes) < 6');
    expect(r.annotations?.description).toContain('fewer than the 6 it runs');
  });

  test.each([0, 2.5, -1])('Elasticsearch: nodes %p is refused with the prop named', (nodes) => {
    expect(() => elasticsearchMixin({ ...c, propPrefix: 'alerts.' }, { nodes })).toThrow(
      /'alerts\.nodes'.*is not a node count/,
    );
  });

  test('Elasticsearch: ElasticsearchIlmErrors only when the exporter reads ILM', () => {
    expect(alertsOfMixin(elasticsearchMixin(c))).not.toContain(ElasticsearchAlert.ILM_ERRORS);
    expect(
      rule(groupOf(elasticsearchMixin(c, { ilm: true })), ElasticsearchAlert.ILM_ERRORS).expr,
    ).toContain('elasticsearch_ilm_index_status{step="ERROR"}');
  });

  test('Elasticsearch: the exporter guards watch the stack namespace, NoMaster is critical', () => {
    const g = groupOf(elasticsearchMixin(c));
    expect(rule(g, ElasticsearchAlert.EXPORTER_DOWN).expr).toBe(
      'absent(elasticsearch_node_stats_up{namespace="observability"})',
    );
    expect(rule(g, ElasticsearchAlert.NO_MASTER).labels).toEqual({ severity: 'critical' });
  });

  test('Logstash: the persistent and dead-letter queue rules only with those queues', () => {
    const plain = alertsOfMixin(logstashMixin(c));
    expect(plain).not.toContain(LogstashAlert.PERSISTENT_QUEUE_FILLING);
    expect(plain).not.toContain(LogstashAlert.DEAD_LETTER_QUEUE_GROWING);
    expect(plain).toContain(LogstashAlert.HEAP_HIGH);
    const full = alertsOfMixin(logstashMixin(c, { persistentQueue: true, deadLetterQueue: true }));
    expect(full).toEqual(
      expect.arrayContaining([
        LogstashAlert.PERSISTENT_QUEUE_FILLING,
        LogstashAlert.DEAD_LETTER_QUEUE_GROWING,
        AlertName.LOGSTASH_DEAD_LETTER_QUEUE_DROPPING,
      ]),
    );
  });

  test('Filebeat: its absent() guard watches the agents namespace', () => {
    expect(rule(groupOf(filebeatMixin(c)), FilebeatAlert.DOWN).expr).toBe(
      'absent(filebeat_up{namespace="observability-agents"})',
    );
    expect(rule(groupOf(filebeatMixin(context({}, 'obs'))), FilebeatAlert.DOWN).expr).toBe(
      'absent(filebeat_up{namespace="obs"})',
    );
  });

  test('Jaeger: storage failing for most spans is critical, the other new alerts warnings', () => {
    const g = groupOf(jaegerMixin(c));
    expect(rule(g, JaegerAlert.STORAGE_WRITES_FAILING).labels).toEqual({ severity: 'critical' });
    for (const a of [
      JaegerAlert.RECEIVER_FAILING,
      JaegerAlert.SPANS_NOT_ACCEPTED,
      JaegerAlert.DOWN,
    ])
      expect(rule(g, a).labels).toEqual({ severity: 'warning' });
  });

  test('each records the series of its enum, and brings the dashboard named after it', () => {
    const cases: [MonitoringMixin, Record<string, string>][] = [
      [elasticsearchMixin(c), ElasticsearchRecord],
      [logstashMixin(c), LogstashRecord],
      [filebeatMixin(c), FilebeatRecord],
      [jaegerMixin(c), JaegerRecord],
    ];
    for (const [mixin, records] of cases) {
      expect(recordsOf(mixin).sort()).toEqual(Object.values(records).sort());
      expect(mixin.dashboards?.map((d) => d.name)).toEqual([mixin.name]);
      expect((mixin.dashboards![0].json as any).uid).toBe(mixin.name);
    }
  });

  test('the Logstash dashboard draws the queues Logstash runs, and no other', () => {
    const titles = (m: MonitoringMixin) =>
      ((m.dashboards![0].json as any).panels as any[]).map((p) => p.title);
    expect(titles(logstashMixin(c))).not.toContain('Persistent queue used');
    expect(titles(logstashMixin(c))).not.toContain('Dead-letter queue size');
    expect(titles(logstashMixin(c, { persistentQueue: true, deadLetterQueue: true }))).toEqual(
      expect.arrayContaining(['Persistent queue used', 'Dead-letter queue size']),
    );
  });

  test('dashboard panels link to the logs of their pod, and Jaeger panels to traces', () => {
    const links = (m: MonitoringMixin) =>
      ((m.dashboards![0].json as any).panels as any[]).flatMap(
        (p) => p.fieldConfig.defaults.links ?? [],
      );
    const es = links(elasticsearchMixin(c));
    expect(es.length).toBeGreaterThan(0);
    const left = explorePane(es[0].url);
    expect(left.datasource).toBe('elasticsearch');
    expect(left.queries[0].query).toBe(
      'kubernetes.namespace:"observability" AND kubernetes.pod.name:"${__field.labels.name}"',
    );
    // Grafana fills the variables in: they stay unencoded in the URL.
    expect(es[0].url).toContain('${__field.labels.name}');
    expect(es[0].url).toContain('${__from}');
    const filebeat = links(filebeatMixin(c)).map((l) => l.url as string);
    expect(explorePane(filebeat[0]).queries[0].query).toBe(
      'kubernetes.namespace:"observability-agents" AND kubernetes.pod.name:"${__field.labels.pod}"',
    );
    const jaeger = links(jaegerMixin(c)).map((l) => l.title);
    expect(jaeger).toEqual(
      expect.arrayContaining(['Search traces', 'Logs of pod observability/${__field.labels.pod}']),
    );
  });
});

describe('the stack passes what it runs to the component mixins', () => {
  const rulesOf = (env: 'dev' | 'staging' | 'prod') => {
    const stack = new ObservabilityStack(Testing.app(), 'observability', environmentProfile(env));
    const configMap = Testing.synth(stack).find(
      (o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config',
    );
    return parse(configMap.data['rules.yml']).groups.flatMap((g: any) => g.rules) as any[];
  };
  const find = (rules: any[], alert: string) => rules.find((r) => r.alert === alert);

  test('ElasticsearchNodesMissing counts every node group: 1 in dev, 3 in staging, 6 in prod', () => {
    expect(find(rulesOf('dev'), ElasticsearchAlert.NODES_MISSING).expr).toMatch(/ < 1$/);
    expect(find(rulesOf('staging'), ElasticsearchAlert.NODES_MISSING).expr).toMatch(/ < 3$/);
    expect(find(rulesOf('prod'), ElasticsearchAlert.NODES_MISSING).expr).toMatch(/ < 6$/);
  });

  test('the persistent queue rule only where Logstash persists its queue (staging, prod)', () => {
    expect(find(rulesOf('dev'), LogstashAlert.PERSISTENT_QUEUE_FILLING)).toBeUndefined();
    expect(find(rulesOf('staging'), LogstashAlert.PERSISTENT_QUEUE_FILLING)).toBeDefined();
    expect(find(rulesOf('staging'), LogstashAlert.DEAD_LETTER_QUEUE_GROWING)).toBeUndefined();
    expect(find(rulesOf('prod'), LogstashAlert.DEAD_LETTER_QUEUE_GROWING)).toBeDefined();
  });

  test('ElasticsearchIlmErrors in every environment: the exporter reads ILM by default', () => {
    for (const env of ['dev', 'staging', 'prod'] as const)
      expect(find(rulesOf(env), ElasticsearchAlert.ILM_ERRORS)).toBeDefined();
  });
});

describe('validation', () => {
  test.each([
    ['cpuUtilisation', 0],
    ['cpuUtilisation', 1.5],
    ['diskUtilisation', -0.1],
    ['memoryUtilisation', Number.NaN],
    ['elasticsearchDiskLowWatermark', 2],
    ['elasticsearchDiskHighWatermark', 0],
  ])('%s = %p is not a ratio in (0, 1]', (prop, value) => {
    expect(() => applicationAlertRules({ [prop]: value })).toThrow(
      new RegExp(`'${prop}' must be a fraction in \\(0, 1\\]`),
    );
  });

  test.each([
    ['http5xxPerFiveMinutes', 0],
    ['http5xxPerFiveMinutes', 10.5],
    ['crashLoopRestarts', -1],
    ['p95LatencySeconds', 0],
  ])('%s = %p is not a positive count or number', (prop, value) => {
    expect(() => applicationAlertRules({ [prop]: value })).toThrow(
      new RegExp(`'${prop}' must be a positive`),
    );
  });

  test('p95LatencySeconds may be fractional', () => {
    expect(() => applicationAlertRules({ p95LatencySeconds: 0.3 })).not.toThrow();
  });

  test.each([
    'latencyFor',
    'cpuFor',
    'diskFor',
    'memoryFor',
    'targetDownFor',
    'crashLoopWindow',
    'logstashStalledFor',
  ])('%s must be a positive Prometheus duration', (prop) => {
    expect(() => applicationAlertRules({ [prop]: '5 minutes' })).toThrow(
      new RegExp(`'${prop}' is not a Prometheus duration`),
    );
    expect(() => applicationAlertRules({ [prop]: '0s' })).toThrow(
      new RegExp(`'${prop}' must be longer than zero`),
    );
  });

  test('the high Elasticsearch watermark must be above the low one', () => {
    expect(() =>
      stackAlertRules(
        { elasticsearchDiskLowWatermark: 0.9, elasticsearchDiskHighWatermark: 0.9 },
        STACK,
      ),
    ).toThrow(
      /'elasticsearchDiskHighWatermark' must be above elasticsearchDiskLowWatermark \(0.9\)/,
    );
  });

  test('runbookBaseUrl must be an http(s) URL', () => {
    expect(() => applicationAlertRules({ runbookBaseUrl: 'runbooks/' })).toThrow(
      /'runbookBaseUrl' is not an http\(s\) URL, got 'runbooks\/'/,
    );
  });

  test('the stack namespace must be a DNS label', () => {
    expect(() => stackAlertRules({}, { namespace: 'Observability' })).toThrow(
      /'namespace' must be a DNS-1123 label/,
    );
  });

  test('errors name the value and the fix', () => {
    expect(() => applicationAlertRules({ cpuUtilisation: 80 })).toThrow(
      /got 80 \(give a ratio such as 0.8 for 80%\)/,
    );
  });
});

describe('ObservabilityStack', () => {
  const synthRules = (alerts?: AlertRulesProps) => {
    const stack = new ObservabilityStack(Testing.app(), 'observability', {
      environment: 'test',
      region: 'local',
      alerts,
    });
    const configMap = Testing.synth(stack).find(
      (o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config',
    );
    return parse(configMap.data['rules.yml']);
  };

  test("adds each deployed component's mixin groups to Prometheus with the given thresholds", () => {
    const rules = synthRules({ http5xxPerFiveMinutes: 42 });
    const groups = rules.groups.map((g: any) => g.name);
    expect(groups).toEqual(
      expect.arrayContaining([
        'applications-alerts',
        'observability-stack-alerts',
        'elasticsearch-alerts',
      ]),
    );
    const find = (alert: string) =>
      rules.groups.flatMap((g: any) => g.rules).find((r: any) => r.alert === alert);
    const burst = find('Http5xxErrorBurst');
    expect(burst.expr).toMatch(/> 42$/);
    const down = find('ObservabilityComponentDown');
    expect(down.expr).toBe('up{namespace=~"observability|observability-agents"} == 0');
  });

  test('reports invalid alert props under alerts.*', () => {
    expect(() => synthRules({ diskUtilisation: 90 })).toThrow(
      /^observability: 'alerts.diskUtilisation' must be a fraction/,
    );
  });
});

describe('the Prometheus and Alertmanager mixins', () => {
  const c = context({}, 'observability');
  const prometheus = prometheusMixin(c);
  const alertmanager = alertmanagerMixin(c);
  /** The mixin's alerting rules. */
  const alerts = (m: MonitoringMixin): PrometheusRuleGroup => ({
    name: m.name,
    rules: groupOf(m).rules.filter((r) => r.alert !== undefined),
  });

  test('put recording rules in <mixin>-rules and alerts in <mixin>-alerts, with a dashboard each', () => {
    for (const m of [prometheus, alertmanager]) {
      expect(m.ruleGroups.map((g) => g.name)).toEqual([`${m.name}-rules`, `${m.name}-alerts`]);
      expect(m.ruleGroups[0].rules.every((r) => r.record && !r.alert)).toBe(true);
      expect(m.ruleGroups[1].rules.every((r) => r.alert && !r.record)).toBe(true);
      expect(m.dashboards?.map((d) => d.name)).toEqual([m.name]);
    }
    const records = [...prometheus.ruleGroups[0].rules, ...alertmanager.ruleGroups[0].rules];
    expect(records.length).toBeGreaterThanOrEqual(8);
    for (const r of records) expect(r.record).toMatch(/^[a-z_]+:[a-z_]+:[a-z0-9_]+$/);
  });

  test("Prometheus' alerts read its self-scrape job only", () => {
    for (const r of alerts(prometheus).rules.filter(
      (r) => r.alert !== AlertName.PROMETHEUS_RULE_EVALUATION_FAILURES,
    ))
      expect({ alert: r.alert, expr: r.expr }).toEqual({
        alert: r.alert,
        expr: expect.stringContaining('job="prometheus"'),
      });
  });

  test('without Alertmanager, the notification alerts are left out', () => {
    const without = prometheusMixin(c, { alertmanager: false });
    const names = alerts(without).rules.map((r) => r.alert);
    for (const a of [
      PrometheusAlert.NOT_CONNECTED_TO_ALERTMANAGERS,
      PrometheusAlert.ERROR_SENDING_ALERTS_TO_ANY_ALERTMANAGER,
      PrometheusAlert.NOTIFICATION_QUEUE_RUNNING_FULL,
    ])
      expect(names).not.toContain(a);
    expect(names).toContain(PrometheusAlert.SAMPLE_LIMIT_HIT);
  });

  test('failures of the paging integrations are critical, of the others a warning', () => {
    const group = alerts(alertmanager);
    const critical = rule(group, AlertmanagerAlert.CLUSTER_FAILED_TO_SEND_ALERTS_CRITICAL);
    const other = rule(group, AlertmanagerAlert.CLUSTER_FAILED_TO_SEND_ALERTS);
    expect(critical.labels?.severity).toBe(AlertSeverity.CRITICAL);
    expect(critical.expr).toContain('integration=~"pagerduty|opsgenie"');
    expect(other.labels?.severity).toBe(AlertSeverity.WARNING);
    expect(other.expr).toContain('integration!~"pagerduty|opsgenie"');
  });

  test("Alertmanager's alerts are those of the stack's namespace", () => {
    const other = alerts(alertmanagerMixin(context({}, 'monitoring')));
    for (const r of other.rules) expect(r.expr).toContain('namespace="monitoring"');
    expect(rule(other, AlertmanagerAlert.ABSENT).annotations?.description).toContain(
      'in monitoring',
    );
  });

  test("the alertmanager dashboard's per-pod panels link to the pod's logs in Explore", () => {
    const json = alertmanager.dashboards![0].json as any;
    const linked = json.panels.filter((p: any) => p.fieldConfig.defaults.links);
    expect(linked.map((p: any) => p.title)).toEqual([
      'Alerts received per pod',
      'Cluster members seen per pod',
    ]);
    const [link] = linked[0].fieldConfig.defaults.links;
    expect(link.url).toMatch(/^\/explore\?schemaVersion=1&orgId=1&panes=%7B/);
    expect(explorePane(link.url)).toEqual({
      datasource: 'elasticsearch',
      queries: [
        {
          refId: 'A',
          datasource: { type: 'elasticsearch', uid: 'elasticsearch' },
          query:
            'kubernetes.namespace:"observability" AND kubernetes.pod.name:"${__field.labels.pod}"',
          metrics: [{ id: '1', type: 'logs' }],
          bucketAggs: [],
          timeField: '@timestamp',
        },
      ],
      range: { from: '${__from}', to: '${__to}' },
    });
    // Grafana's macros stay unencoded, so that Grafana fills them in.
    expect(link.url).toContain('${__field.labels.pod}');
  });
});
