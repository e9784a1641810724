import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { Alertmanager } from '../lib/alertmanager';
import { Prometheus, PrometheusProps, renderPrometheusRules } from '../lib/prometheus';
import { KUBERNETES_VERSIONS, KubeSchema } from './support/kube-schema';

function synth(props: PrometheusProps = {}, configure?: (p: Prometheus, chart: Chart) => void) {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: 'observability' });
  const prometheus = new Prometheus(chart, 'prometheus', props);
  configure?.(prometheus, chart);
  const objs = Testing.synth(chart);
  const find = (kind: string, name?: string) =>
    objs.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  const configMap = find('ConfigMap', 'prometheus-config');
  const config = parse(configMap.data['prometheus.yml']);
  const rules = parse(configMap.data['rules.yml']);
  const sts = find('StatefulSet', 'prometheus');
  const container = sts.spec.template.spec.containers[0];
  return { prometheus, objs, find, config, rules, sts, container, configMap };
}

const job = (config: any, name: string) =>
  config.scrape_configs.find((j: any) => j.job_name === name);

describe('Prometheus', () => {
  test('runs a StatefulSet with a data volume claim and a headless governing Service', () => {
    const { sts, find } = synth({ storage: { size: '100Gi', storageClassName: 'fast' } });
    expect(sts.spec.serviceName).toBe('prometheus-headless');
    expect(find('Service', 'prometheus-headless').spec.clusterIP).toBe('None');
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('100Gi');
    expect(sts.spec.volumeClaimTemplates[0].spec.storageClassName).toBe('fast');
  });

  test('passes retention, lifecycle and exemplar flags', () => {
    const { container } = synth({ retention: { time: '30d', size: '40GB' } });
    expect(container.args).toEqual(
      expect.arrayContaining([
        '--config.file=/etc/prometheus/prometheus.yml',
        '--storage.tsdb.path=/prometheus',
        '--storage.tsdb.retention.time=30d',
        '--storage.tsdb.retention.size=40GB',
        '--web.enable-lifecycle',
        '--enable-feature=exemplar-storage',
      ]),
    );
  });

  test('probes /-/ready and /-/healthy on the http port 9090', () => {
    const { container } = synth();
    expect(container.ports).toEqual([{ name: 'http', containerPort: 9090, protocol: 'TCP' }]);
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/-/ready', port: 'http' });
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/-/healthy', port: 'http' });
  });

  test('runs as nobody with a read-only root filesystem and an API token', () => {
    const { sts, container } = synth();
    expect(sts.spec.template.spec.securityContext.runAsUser).toBe(65534);
    expect(container.securityContext).toMatchObject({
      runAsUser: 65534,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(container.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'config', mountPath: '/etc/prometheus', readOnly: true },
        { name: 'data', mountPath: '/prometheus' },
      ]),
    );
  });

  test('exposes its endpoint on the Service port 9090', () => {
    const { prometheus, find } = synth();
    expect(prometheus.endpoint.url).toBe('http://prometheus.observability.svc:9090');
    expect(find('Service', 'prometheus').spec.ports[0]).toMatchObject({ name: 'http', port: 9090 });
  });

  test('renders global intervals and external labels', () => {
    const { config } = synth({
      externalLabels: { env: 'prod', region: 'eu-west-1' },
      scrapeInterval: '30s',
    });
    expect(config.global).toEqual({
      scrape_interval: '30s',
      evaluation_interval: '5s',
      external_labels: { env: 'prod', region: 'eu-west-1' },
      label_limit: 64,
    });
  });

  test('the detection bound is the longest scrape interval plus the evaluation interval', () => {
    expect(synth().prometheus.detectionBoundSeconds).toBe(15 + 5);
    const { prometheus } = synth({ scrapeInterval: '10s', evaluationInterval: '1m' });
    prometheus.addScrapeJob({
      jobName: 'slow',
      staticTargets: ['slow:9100'],
      scrapeInterval: '1m30s',
    });
    expect(prometheus.detectionBoundSeconds).toBe(90 + 60);
  });

  test('escapes $ in external labels, which Prometheus 3 expands', () => {
    const { config } = synth({ externalLabels: { team: 'a$b' } });
    expect(config.global.external_labels.team).toBe('a$$b');
  });

  test('labels each HA replica by pod name and drops the label from alerts', () => {
    const { config, container, sts } = synth({ replicas: 2 }, (p, chart) =>
      p.addAlertmanager(new Alertmanager(chart, 'alertmanager')),
    );
    expect(config.global.external_labels.replica).toBe('${POD_NAME}');
    expect(container.env).toEqual([
      {
        name: 'POD_NAME',
        valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
      },
    ]);
    expect(config.alerting.alert_relabel_configs).toEqual([
      { regex: 'replica', action: 'labeldrop' },
    ]);
    expect(sts.spec.template.spec.affinity.podAntiAffinity).toBeDefined();
  });

  test('has no replica label and no env with one replica', () => {
    const { config, container } = synth({ externalLabels: { env: 'dev' } });
    expect(config.global.external_labels).toEqual({ env: 'dev' });
    expect(container.env).toBeUndefined();
  });

  test('has the default scrape jobs', () => {
    const { config } = synth();
    expect(config.scrape_configs.map((j: any) => j.job_name)).toEqual([
      'prometheus',
      'kubernetes-pods',
      'kubernetes-service-endpoints',
      'kubernetes-nodes-kubelet',
      'kubernetes-nodes-cadvisor',
    ]);
    expect(job(config, 'prometheus').static_configs).toEqual([{ targets: ['localhost:9090'] }]);
  });

  test('scrapes pods by the prometheus.io annotations', () => {
    const { config } = synth();
    const pods = job(config, 'kubernetes-pods');
    expect(pods.kubernetes_sd_configs).toEqual([{ role: 'pod' }]);
    expect(pods.relabel_configs).toEqual(
      expect.arrayContaining([
        {
          source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'],
          regex: 'true',
          action: 'keep',
        },
        {
          source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scheme'],
          regex: '(https?)',
          target_label: '__scheme__',
        },
        {
          source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'],
          regex: '(.+)',
          target_label: '__metrics_path__',
        },
        {
          source_labels: ['__address__', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
          regex: '(.+?)(?::\\d+)?;(\\d+)',
          replacement: '$1:$2',
          target_label: '__address__',
        },
      ]),
    );
  });

  test('scrapes annotated Services through their endpoint slices', () => {
    const { config } = synth();
    const endpoints = job(config, 'kubernetes-service-endpoints');
    expect(endpoints.kubernetes_sd_configs).toEqual([{ role: 'endpointslice' }]);
    expect(endpoints.relabel_configs[0]).toEqual({
      source_labels: ['__meta_kubernetes_service_annotation_prometheus_io_scrape'],
      regex: 'true',
      action: 'keep',
    });
  });

  test('scrapes kubelet and cAdvisor over https with the service account token', () => {
    const { config } = synth();
    for (const [name, path] of [
      ['kubernetes-nodes-kubelet', '/metrics'],
      ['kubernetes-nodes-cadvisor', '/metrics/cadvisor'],
    ]) {
      const j = job(config, name);
      expect(j).toMatchObject({
        scheme: 'https',
        metrics_path: path,
        kubernetes_sd_configs: [{ role: 'node' }],
        authorization: { credentials_file: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
        tls_config: { ca_file: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' },
      });
    }
  });

  test('can skip kubelet certificate verification for laptop clusters', () => {
    const { config } = synth({ kubeletInsecureSkipVerify: true });
    expect(job(config, 'kubernetes-nodes-cadvisor').tls_config.insecure_skip_verify).toBe(true);
  });

  test('sends alerts to every pod of the Alertmanager Service', () => {
    const { config } = synth({}, (p, chart) =>
      p.addAlertmanager(new Alertmanager(chart, 'alertmanager')),
    );
    expect(config.alerting.alertmanagers).toEqual([
      {
        api_version: 'v2',
        kubernetes_sd_configs: [
          { role: 'endpointslice', namespaces: { names: ['observability'] } },
        ],
        relabel_configs: [
          {
            source_labels: ['__meta_kubernetes_service_name'],
            regex: 'alertmanager',
            action: 'keep',
          },
          {
            source_labels: ['__meta_kubernetes_endpointslice_port'],
            regex: '9093',
            action: 'keep',
          },
        ],
      },
    ]);
    expect(config.alerting.alert_relabel_configs).toBeUndefined();
  });

  test('renders rule groups added after construction into rules.yml', () => {
    const { config, rules } = synth({}, (p) =>
      p.addRuleGroup({
        name: 'http',
        rules: [
          {
            alert: 'HighErrorRate',
            expr: 'sum(rate(http_errors_total[5m])) > 1',
            for: '5m',
            labels: { severity: 'critical' },
            annotations: { summary: 'errors' },
          },
        ],
      }),
    );
    expect(config.rule_files).toEqual(['/etc/prometheus/rules.yml']);
    expect(rules.groups).toEqual([
      {
        name: 'http',
        rules: [
          {
            alert: 'HighErrorRate',
            expr: 'sum(rate(http_errors_total[5m])) > 1',
            for: '5m',
            labels: { severity: 'critical' },
            annotations: { summary: 'errors' },
          },
        ],
      },
    ]);
  });

  test('renders scrape jobs added after construction', () => {
    const { config } = synth({}, (p) =>
      p.addScrapeJob({
        jobName: 'extra',
        staticTargets: ['svc.ns.svc:8080'],
        scrapeInterval: '5s',
      }),
    );
    expect(job(config, 'extra')).toEqual({
      job_name: 'extra',
      scrape_interval: '5s',
      static_configs: [{ targets: ['svc.ns.svc:8080'] }],
    });
  });

  test('reloads a changed config in place: the pod template stays the same, even for a late change', () => {
    const before = synth();
    const after = synth({}, (p) =>
      p.addRuleGroup({ name: 'g', rules: [{ record: 'x:sum', expr: 'sum(x)' }] }),
    );
    expect(after.configMap.data['rules.yml']).not.toBe(before.configMap.data['rules.yml']);
    expect(after.sts.spec.template).toEqual(before.sts.spec.template);
    expect(before.sts.spec.template.metadata.annotations?.['checksum/config']).toBeUndefined();
    const args: string[] = before.sts.spec.template.spec.containers[0].args;
    expect(args).toEqual(
      expect.arrayContaining(['--config.auto-reload', '--config.auto-reload-interval=30s']),
    );
    // The whole ConfigMap is mounted (a subPath mount would never see an update).
    expect(before.sts.spec.template.spec.containers[0].volumeMounts).toContainEqual({
      name: 'config',
      mountPath: '/etc/prometheus',
      readOnly: true,
    });
  });

  describe('scrape limits', () => {
    test('by default: label_limit 64 globally, sample and target limits on the annotated pods only', () => {
      const { config } = synth();
      expect(config.global).toEqual({
        scrape_interval: '15s',
        evaluation_interval: '5s',
        label_limit: 64,
      });
      expect(job(config, 'kubernetes-pods')).toMatchObject({
        sample_limit: 50000,
        target_limit: 2000,
      });
      // The kubelet's cAdvisor and the self-scrape have no sample limit of their own.
      expect(job(config, 'kubernetes-nodes-cadvisor').sample_limit).toBeUndefined();
      expect(job(config, 'prometheus').sample_limit).toBeUndefined();
    });

    test('renders global, pod-job and per-job limits with their Prometheus names', () => {
      const { config } = synth(
        {
          scrapeLimits: {
            sampleLimit: 200000,
            labelLimit: 40,
            labelNameLengthLimit: 128,
            labelValueLengthLimit: 2048,
            targetLimit: 5000,
          },
          podScrapeLimits: { sampleLimit: 10000 },
        },
        (p) =>
          p.addScrapeJob({
            jobName: 'extra',
            staticTargets: ['svc.ns.svc:8080'],
            sampleLimit: 500,
            labelLimit: 20,
            labelNameLengthLimit: 64,
            labelValueLengthLimit: 256,
            targetLimit: 1,
          }),
      );
      expect(config.global).toMatchObject({
        sample_limit: 200000,
        label_limit: 40,
        label_name_length_limit: 128,
        label_value_length_limit: 2048,
        target_limit: 5000,
      });
      const pods = job(config, 'kubernetes-pods');
      expect(pods.sample_limit).toBe(10000);
      expect(pods.target_limit).toBeUndefined();
      expect(job(config, 'extra')).toEqual({
        job_name: 'extra',
        sample_limit: 500,
        label_limit: 20,
        label_name_length_limit: 64,
        label_value_length_limit: 256,
        target_limit: 1,
        static_configs: [{ targets: ['svc.ns.svc:8080'] }],
      });
    });

    test('{} sets no limit', () => {
      const { config } = synth({ scrapeLimits: {}, podScrapeLimits: {} });
      expect(Object.keys(config.global)).toEqual(['scrape_interval', 'evaluation_interval']);
      expect(job(config, 'kubernetes-pods').sample_limit).toBeUndefined();
    });

    test.each([
      [
        { scrapeLimits: { sampleLimit: 0 } },
        /scrapeLimits\.sampleLimit' is not a positive integer \(sample_limit\), got 0/,
      ],
      [{ scrapeLimits: { labelLimit: 1.5 } }, /scrapeLimits\.labelLimit.*1\.5/],
      [{ podScrapeLimits: { targetLimit: -1 } }, /podScrapeLimits\.targetLimit.*-1/],
    ])('rejects %j', (props, message) => {
      expect(() => synth(props as PrometheusProps)).toThrow(message);
    });

    test('rejects a job limit that is not a positive integer, naming the job', () => {
      expect(() =>
        synth({}, (p) =>
          p.addScrapeJob({ jobName: 'extra', staticTargets: ['a:1'], labelValueLengthLimit: 0 }),
        ),
      ).toThrow(/scrapeJobs\[extra\]\.labelValueLengthLimit.*leave it out/);
    });
  });

  test('discovers targets with a read-only ClusterRole without Secrets or wildcards', () => {
    const { find } = synth();
    const role = find('ClusterRole');
    expect(role.metadata.name).toBe('observability-prometheus');
    expect(role.metadata.namespace).toBeUndefined();
    expect(role.rules).toEqual([
      {
        apiGroups: [''],
        resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'],
        verbs: ['get', 'list', 'watch'],
      },
      {
        apiGroups: ['discovery.k8s.io'],
        resources: ['endpointslices'],
        verbs: ['get', 'list', 'watch'],
      },
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    ]);
    const text = JSON.stringify(role.rules);
    expect(text).not.toMatch(/secrets|\*/);
    const binding = find('ClusterRoleBinding');
    expect(binding.roleRef.name).toBe('observability-prometheus');
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'prometheus', namespace: 'observability' },
    ]);
  });

  test('adds a disruption budget with several replicas only', () => {
    expect(synth().find('PodDisruptionBudget')).toBeUndefined();
    expect(synth({ replicas: 2 }).find('PodDisruptionBudget')).toBeDefined();
  });

  test.each(KUBERNETES_VERSIONS)('passes the strict schema of Kubernetes %s', (version) => {
    const schema = new KubeSchema(version);
    const { objs } = synth({ replicas: 2 });
    expect(objs.flatMap((o) => schema.errors(o))).toEqual([]);
  });

  test('renders a rule file without optional fields', () => {
    expect(renderPrometheusRules([{ name: 'g', rules: [{ record: 'a', expr: 'b' }] }])).toEqual({
      groups: [{ name: 'g', rules: [{ record: 'a', expr: 'b' }] }],
    });
  });

  describe('fails', () => {
    test('when replicas is zero', () => expect(() => synth({ replicas: 0 })).toThrow(/replicas/));
    test('when retention.time is zero', () =>
      expect(() => synth({ retention: { time: '0d' } })).toThrow(/retention.time/));
    test('when retention.time is not a duration', () =>
      expect(() => synth({ retention: { time: '15 days' } })).toThrow(/retention.time/));
    test('when retention.size has no unit Prometheus knows', () =>
      expect(() => synth({ retention: { time: '15d', size: '40Gi' } })).toThrow(/retention.size/));
    test('when scrapeInterval is not a duration', () =>
      expect(() => synth({ scrapeInterval: '15' })).toThrow(/scrapeInterval/));
    test('when storage.size is not a quantity', () =>
      expect(() => synth({ storage: { size: 'big' } })).toThrow(/storage.size/));
    test('when an external label name is invalid', () =>
      expect(() => synth({ externalLabels: { 'my-env': 'x' } })).toThrow(/externalLabels/));
    test('when replica is set by hand with several replicas', () =>
      expect(() => synth({ replicas: 2, externalLabels: { replica: 'a' } })).toThrow(
        /externalLabels/,
      ));
    test('when a scrape job name is taken', () =>
      expect(() =>
        synth({ scrapeJobs: [{ jobName: 'kubernetes-pods', staticTargets: ['a:1'] }] }),
      ).toThrow(/jobName/));
    test('when a scrape job has no targets', () =>
      expect(() => synth({ scrapeJobs: [{ jobName: 'x' }] })).toThrow(/scrapeJobs/));
    test('when a rule is both alert and record', () =>
      expect(() =>
        synth({ rules: [{ name: 'g', rules: [{ alert: 'A', record: 'b', expr: '1' }] }] }),
      ).toThrow(/rules\[g\]/));
    test('when a rule group name repeats', () =>
      expect(() =>
        synth({
          rules: [
            { name: 'g', rules: [] },
            { name: 'g', rules: [] },
          ],
        }),
      ).toThrow(/rules\[g\].name/));
    test('when for is not a duration', () =>
      expect(() =>
        synth({ rules: [{ name: 'g', rules: [{ alert: 'A', expr: '1', for: 'five' }] }] }),
      ).toThrow(/for/));
  });
});
