import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { ObservabilityStack } from '../lib';
import { environmentProfile } from '../stacks/environments';
import { timeseriesPanel } from '../lib/grafana/dashboard-panels';
import {
  KubernetesAlert,
  kubernetesMixin,
  KubernetesRecords,
  MixinContext,
} from '../lib/monitoring';
import { podLogsLink } from '../lib/monitoring/dashboard-links';
import { KUBERNETES_RUNBOOKS } from '../lib/monitoring/kubernetes-runbooks';

const context: MixinContext = { namespace: 'observability' };

const groups = (options = {}) => kubernetesMixin(context, options).ruleGroups;
const alerts = (options = {}) => groups(options).find((g) => g.name === 'kubernetes-alerts')!.rules;
const alert = (name: string, options = {}) => {
  const found = alerts(options).filter((r) => r.alert === name);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('kubernetesMixin', () => {
  test('has every KubernetesAlert once, beside ContainerOomKilled and KubePodCrashLooping, each with a runbook', () => {
    const names = alerts().map((r) => r.alert);
    expect(names.sort()).toEqual(
      ['ContainerOomKilled', 'KubePodCrashLooping', ...Object.values(KubernetesAlert)].sort(),
    );
    expect(Object.values(KubernetesAlert).length).toBeGreaterThanOrEqual(40);
    for (const r of alerts()) {
      expect(r.runbook?.meaning).toMatch(/\S/);
      expect(r.runbook?.check.length).toBeGreaterThan(0);
      expect(r.runbook?.fix.length).toBeGreaterThan(0);
    }
  });

  test('its runbook table holds a runbook for each KubernetesAlert and nothing else', () => {
    expect(Object.keys(KUBERNETES_RUNBOOKS).sort()).toEqual(
      [...Object.values(KubernetesAlert)].sort(),
    );
  });

  test("KubeJobFailed names the stack's setup Jobs and the Jaeger index-cleaner in its runbook", () => {
    const meaning = alert(KubernetesAlert.KUBE_JOB_FAILED).runbook!.meaning;
    for (const job of [
      'elasticsearch-setup-',
      'elasticsearch-users-',
      'kibana-setup-',
      'jaeger-index-cleaner',
    ])
      expect(meaning).toContain(job);
  });

  test('records at least 30 series in kubernetes-rules, before the alerts, every name of KubernetesRecords', () => {
    const [rules, alertGroup] = groups();
    expect([rules.name, alertGroup.name]).toEqual(['kubernetes-rules', 'kubernetes-alerts']);
    expect(rules.rules.every((r) => r.record && !r.alert)).toBe(true);
    const recorded = new Set(rules.rules.map((r) => r.record));
    expect(recorded.size).toBeGreaterThanOrEqual(30);
    expect([...recorded].sort()).toEqual([...new Set(Object.values(KubernetesRecords))].sort());
    // Follows level:metric:operations.
    for (const name of recorded) expect(name).toMatch(/^[a-z_]+:[a-z_]+(:[a-z0-9_]+)?$/);
  });

  test('a recording rule only reads the series recorded before it in the group', () => {
    const rules = groups()[0].rules;
    const records = new Set(rules.map((r) => r.record!));
    const seen = new Set<string>();
    for (const r of rules) {
      for (const name of records) {
        if (name !== r.record && r.expr.includes(name))
          expect({ [r.record!]: seen.has(name) }).toEqual({ [r.record!]: true });
      }
      seen.add(r.record!);
    }
  });

  test('the pod-to-workload mapping is one rule per kind, told apart by workload_type', () => {
    const owners = groups()[0].rules.filter((r) => r.record === KubernetesRecords.podOwner);
    expect(owners.map((r) => r.labels?.workload_type)).toEqual([
      'deployment',
      'replicaset',
      'statefulset',
      'daemonset',
      'cronjob',
      'job',
    ]);
  });

  test('KubeStateMetricsDown watches the given kube-state-metrics job', () => {
    expect(alert(KubernetesAlert.KUBE_STATE_METRICS_DOWN).expr).toBe(
      'absent(up{job="kube-state-metrics"} == 1)',
    );
    const custom = alert(KubernetesAlert.KUBE_STATE_METRICS_DOWN, { kubeStateMetricsJob: 'ksm' });
    expect(custom.expr).toBe('absent(up{job="ksm"} == 1)');
    expect(custom.annotations?.description).toContain('(job ksm)');
  });

  test('a job name that is not one is refused, naming the prop and the value', () => {
    expect(() => kubernetesMixin(context, { kubeStateMetricsJob: 'ksm"} or vector(1) #' })).toThrow(
      /kubeStateMetricsJob.*is not a scrape job name.*ksm"} or vector\(1\) #/s,
    );
    expect(() => kubernetesMixin(context, { kubeStateMetricsJob: '' })).toThrow(
      /kubeStateMetricsJob/,
    );
  });

  test('KubeletDown and the volume alerts read the kubelet job of the default scrape jobs', () => {
    expect(alert(KubernetesAlert.KUBELET_DOWN).expr).toBe(
      'absent(up{job="kubernetes-nodes-kubelet"} == 1)',
    );
    expect(alert(KubernetesAlert.KUBE_PERSISTENT_VOLUME_FILLING_UP).expr).toContain(
      'kubelet_volume_stats_available_bytes{job="kubernetes-nodes-kubelet"}',
    );
  });

  test('pages only for what loses data or leaves the cluster unwatched', () => {
    const critical = alerts()
      .filter((r) => r.labels?.severity === 'critical')
      .map((r) => r.alert)
      .sort();
    expect(critical).toEqual(
      [
        'KubePodCrashLooping',
        KubernetesAlert.KUBE_PERSISTENT_VOLUME_ALMOST_FULL,
        KubernetesAlert.KUBE_PERSISTENT_VOLUME_INODES_ALMOST_FULL,
        KubernetesAlert.KUBE_PERSISTENT_VOLUME_CLAIM_LOST,
        KubernetesAlert.KUBELET_DOWN,
        KubernetesAlert.KUBE_STATE_METRICS_DOWN,
      ].sort(),
    );
  });

  test('brings the infrastructure dashboard and five Kubernetes dashboards, each uid its name', () => {
    const dashboards = kubernetesMixin(context).dashboards!;
    expect(dashboards.map((d) => d.name)).toEqual([
      'infrastructure',
      'kubernetes-cluster',
      'kubernetes-namespace',
      'kubernetes-workload',
      'kubernetes-pod',
      'kubernetes-volumes',
    ]);
    for (const d of dashboards) expect(d.json.uid).toBe(d.name);
  });

  test("pod panels link to the pod's logs; panels without pods do not", () => {
    const panels = (name: string) =>
      kubernetesMixin(context).dashboards!.find((d) => d.name === name)!.json.panels as any[];
    const linked = (name: string) =>
      panels(name)
        .filter((p) => p.fieldConfig.defaults.links)
        .map((p) => p.title);
    expect(linked('kubernetes-pod')).toHaveLength(panels('kubernetes-pod').length);
    expect(linked('kubernetes-namespace')).toEqual([
      'CPU usage per pod',
      'CPU usage / requests per pod',
      'Memory (working set) per pod',
      'Memory usage / limits per pod',
    ]);
    expect(linked('kubernetes-workload')).toEqual([
      'CPU usage per pod',
      'Memory (working set) per pod',
    ]);
    expect(linked('kubernetes-cluster')).toEqual([]);
    expect(linked('kubernetes-volumes')).toEqual([]);
  });
});

describe('podLogsLink', () => {
  test("opens Explore on the elasticsearch data source, filtered by the series' namespace and pod", () => {
    const link = podLogsLink();
    const url = new URL(link.url, 'https://grafana.example.com');
    expect(url.pathname).toBe('/explore');
    // Grafana fills the variables in before the browser decodes the URL.
    const filled = link.url
      .replace('${__field.labels.namespace}', 'shop')
      .replace('${__field.labels.pod}', 'api-1')
      .replace('${__from}', '1000')
      .replace('${__to}', '2000');
    const panes = JSON.parse(
      new URL(filled, 'https://grafana.example.com').searchParams.get('panes')!,
    );
    expect(panes.a.datasource).toBe('elasticsearch');
    expect(panes.a.queries[0]).toMatchObject({
      datasource: { type: 'elasticsearch', uid: 'elasticsearch' },
      query: 'kubernetes.namespace:"shop" AND kubernetes.pod.name:"api-1"',
      metrics: [{ type: 'logs' }],
    });
    expect(panes.a.range).toEqual({ from: '1000', to: '2000' });
  });

  test('timeseriesPanel carries links only when given', () => {
    const with_ = timeseriesPanel(1, 't', { x: 0, y: 0, w: 1, h: 1 }, [], {
      unit: 'short',
      links: [{ title: 'a', url: '/b' }],
    }) as any;
    expect(with_.fieldConfig.defaults.links).toEqual([
      { title: 'a', url: '/b', targetBlank: false },
    ]);
    const without = timeseriesPanel(1, 't', { x: 0, y: 0, w: 1, h: 1 }, [], {
      unit: 'short',
    }) as any;
    expect('links' in without.fieldConfig.defaults).toBe(false);
  });
});

describe('in the stack', () => {
  test('KubeStateMetricsDown watches the job of a renamed kube-state-metrics, and its telemetry is scraped', () => {
    const stack = new ObservabilityStack(Testing.app(), 'observability', {
      ...environmentProfile('dev'),
      kubeStateMetrics: { name: 'ksm' },
    });
    const config = Testing.synth(stack).find(
      (o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config',
    );
    const rules = parse(config.data['rules.yml']).groups.flatMap((g: any) => g.rules);
    expect(rules.find((r: any) => r.alert === 'KubeStateMetricsDown').expr).toBe(
      'absent(up{job="ksm"} == 1)',
    );
    const jobs = parse(config.data['prometheus.yml']).scrape_configs.map((j: any) => j.job_name);
    expect(jobs).toEqual(expect.arrayContaining(['ksm', 'ksm-telemetry']));
  });
});
