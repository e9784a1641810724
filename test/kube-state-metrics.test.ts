import { Chart, Testing } from 'cdk8s';
import {
  KUBE_STATE_METRICS_RESOURCES,
  KubeStateMetrics,
  KubeStateMetricsProps,
} from '../lib/prometheus';
import { KUBERNETES_VERSIONS, KubeSchema } from './support/kube-schema';

function synth(props: KubeStateMetricsProps = {}) {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: 'observability' });
  const ksm = new KubeStateMetrics(chart, 'kube-state-metrics', props);
  const objs = Testing.synth(chart);
  const find = (kind: string) => objs.find((o) => o.kind === kind);
  const deployment = find('Deployment');
  return {
    ksm,
    objs,
    find,
    deployment,
    pod: deployment.spec.template.spec,
    container: deployment.spec.template.spec.containers[0],
  };
}

describe('KubeStateMetrics', () => {
  test('serves metrics on 8080 and telemetry on 8081', () => {
    const { container } = synth();
    expect(container.ports).toEqual([
      { name: 'http-metrics', containerPort: 8080, protocol: 'TCP' },
      { name: 'telemetry', containerPort: 8081, protocol: 'TCP' },
    ]);
    expect(container.args).toEqual(
      expect.arrayContaining(['--port=8080', '--telemetry-port=8081']),
    );
  });

  test('probes /livez on the metrics port and /readyz on the telemetry port', () => {
    const { container } = synth();
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/livez', port: 'http-metrics' });
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'telemetry' });
  });

  test('exports exactly the resources its ClusterRole can list, never Secrets', () => {
    const { container, find } = synth();
    const flag = container.args
      .find((a: string) => a.startsWith('--resources='))
      .slice('--resources='.length)
      .split(',');
    const role = find('ClusterRole');
    const listed = role.rules.flatMap((r: any) => r.resources);
    expect([...flag].sort()).toEqual([...listed].sort());
    expect(flag).not.toContain('secrets');
    expect(flag).not.toContain('configmaps');
    expect(flag).toEqual(
      expect.arrayContaining([
        'pods',
        'deployments',
        'cronjobs',
        'horizontalpodautoscalers',
        'poddisruptionbudgets',
      ]),
    );
    expect(role.rules.every((r: any) => JSON.stringify(r.verbs) === '["list","watch"]')).toBe(true);
    expect(JSON.stringify(role.rules)).not.toContain('*');
  });

  test('groups RBAC rules by API group', () => {
    const { find } = synth();
    const rules = find('ClusterRole').rules;
    expect(rules.find((r: any) => r.apiGroups[0] === 'apps').resources).toEqual([
      'deployments',
      'daemonsets',
      'statefulsets',
      'replicasets',
    ]);
    expect(rules.find((r: any) => r.apiGroups[0] === 'batch').resources).toEqual([
      'jobs',
      'cronjobs',
    ]);
    expect(rules).toHaveLength(new Set(KUBE_STATE_METRICS_RESOURCES.map((r) => r.apiGroup)).size);
  });

  test('binds a cluster-scoped role named after namespace and name', () => {
    const { find, ksm } = synth();
    expect(ksm.clusterRoleName).toBe('observability-kube-state-metrics');
    const binding = find('ClusterRoleBinding');
    expect(binding.metadata.namespace).toBeUndefined();
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'kube-state-metrics', namespace: 'observability' },
    ]);
  });

  test('calls the API as nobody and serves metrics on 8080', () => {
    const { pod, container, deployment } = synth();
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(container.securityContext).toMatchObject({
      runAsUser: 65534,
      readOnlyRootFilesystem: true,
    });
    expect(container.ports).toContainEqual({
      name: 'http-metrics',
      containerPort: 8080,
      protocol: 'TCP',
    });
    expect(deployment.spec.replicas).toBe(1);
  });

  test.each(KUBERNETES_VERSIONS)('passes the strict schema of Kubernetes %s', (version) => {
    const schema = new KubeSchema(version);
    expect(synth().objs.flatMap((o) => schema.errors(o))).toEqual([]);
  });

  test('fails when resources are not quantities', () => {
    expect(() =>
      synth({ resources: { cpuRequest: 'lots', memoryRequest: '1Gi', memoryLimit: '1Gi' } }),
    ).toThrow(/resources.cpuRequest/);
  });
});

describe('KubeStateMetrics scrape job', () => {
  test('keeps the labels of the objects it describes (honor_labels) and selects only its own metrics port', () => {
    const chart = new Chart(Testing.app(), 'ksm', { namespace: 'observability' });
    const ksm = new KubeStateMetrics(chart, 'kube-state-metrics');
    const objects = Testing.synth(chart) as any[];
    expect(ksm.scrapeJob.honorLabels).toBe(true);
    expect(ksm.scrapeJob.kubernetesSd).toEqual({ role: 'pod', namespaces: ['observability'] });
    expect(ksm.scrapeJob.relabelConfigs).toContainEqual({
      sourceLabels: ['__meta_kubernetes_pod_container_port_name'],
      regex: 'http-metrics',
      action: 'keep',
    });
    const pod = objects.find((o) => o.kind === 'Deployment').spec.template;
    expect(pod.metadata.annotations?.['prometheus.io/scrape']).toBeUndefined();
  });

  test("scrapes its telemetry port in a job of its own, labelled with the exporter's pod", () => {
    const chart = new Chart(Testing.app(), 'ksm', { namespace: 'observability' });
    const ksm = new KubeStateMetrics(chart, 'kube-state-metrics', { name: 'ksm' });
    const job = ksm.telemetryScrapeJob;
    expect(job.jobName).toBe('ksm-telemetry');
    // Its own metrics name no objects: the target labels stay.
    expect(job.honorLabels).toBeUndefined();
    expect(job.relabelConfigs).toContainEqual({
      sourceLabels: ['__meta_kubernetes_pod_container_port_name'],
      regex: 'telemetry',
      action: 'keep',
    });
    expect(job.relabelConfigs).toEqual(
      expect.arrayContaining([
        { sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace' },
        { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' },
      ]),
    );
    // The same pods as the metrics job, on the other port.
    expect(job.relabelConfigs!.slice(0, -3)).toEqual(ksm.scrapeJob.relabelConfigs!.slice(0, -1));
    expect(job.networkTargets).toEqual([
      { peer: ksm.scrapeJob.networkTargets![0].peer, ports: [{ port: 8081 }] },
    ]);
    expect(ksm.scrapeJob.networkTargets![0].ports).toEqual([{ port: 8080 }]);
  });
});
