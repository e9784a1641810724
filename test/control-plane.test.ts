import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  CLUSTER_DNS_PEER,
  ControlPlaneAlert,
  controlPlaneMixin,
  ControlPlaneMixinOptions,
  controlPlaneSecretFiles,
  KUBERNETES_API_PEER,
  NODES_PEER,
  Prometheus,
  PROMETHEUS_SECRETS_DIR,
} from '../lib';
import { KubeObject } from './support/environments';
import { named, synthStack } from './support/objects';

const ETCD: ControlPlaneMixinOptions['etcd'] = {
  clientCertificate: { secretName: 'etcd-client' },
};

function prometheusConfig(objects: KubeObject[]): { yml: any; rules: any } {
  const data = named(objects, 'ConfigMap', 'prometheus-config').data;
  return { yml: parse(data['prometheus.yml']), rules: parse(data['rules.yml']) };
}

function job(objects: KubeObject[], name: string): any {
  return prometheusConfig(objects).yml.scrape_configs.find((j: any) => j.job_name === name);
}

/** The Prometheus pods' egress rules. */
function prometheusEgress(objects: KubeObject[]): any[] {
  return named(objects, 'NetworkPolicy', 'allow-prometheus-server').spec.egress;
}

describe('the control-plane mixin in the stack, by default', () => {
  const { stack, objects } = synthStack();
  const { rules } = prometheusConfig(objects);
  const groups = Object.fromEntries(rules.groups.map((g: any) => [g.name, g.rules]));

  test('scrapes the API server through the kubernetes Service with the token and cluster CA', () => {
    expect(job(objects, 'apiserver')).toMatchSnapshot();
    expect(job(objects, 'apiserver')).toMatchObject({
      scheme: 'https',
      kubernetes_sd_configs: [{ role: 'endpointslice', namespaces: { names: ['default'] } }],
      authorization: { credentials_file: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
      tls_config: {
        ca_file: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
        server_name: 'kubernetes',
      },
      relabel_configs: [
        {
          action: 'keep',
          regex: 'kubernetes;https',
          source_labels: [
            '__meta_kubernetes_service_name',
            '__meta_kubernetes_endpointslice_port_name',
          ],
        },
      ],
    });
  });

  test("scrapes CoreDNS' pods in kube-system on 9153 by their k8s-app label", () => {
    const coredns = job(objects, 'coredns');
    expect(coredns).toMatchSnapshot();
    expect(coredns.kubernetes_sd_configs).toEqual([
      { role: 'pod', namespaces: { names: ['kube-system'] } },
    ]);
    const keeps = coredns.relabel_configs.filter((r: any) => r.action === 'keep');
    expect(keeps).toEqual([
      { action: 'keep', regex: 'kube-dns', source_labels: ['__meta_kubernetes_pod_label_k8s_app'] },
      {
        action: 'keep',
        regex: '9153',
        source_labels: ['__meta_kubernetes_pod_container_port_number'],
      },
    ]);
  });

  test('no opt-in job, Secret volume or rule without the opt-ins', () => {
    for (const name of ['etcd', 'kube-scheduler', 'kube-controller-manager'])
      expect(job(objects, name)).toBeUndefined();
    const pod = named(objects, 'StatefulSet', 'prometheus').spec.template.spec;
    expect(pod.volumes.map((v: any) => v.name)).toEqual(['config']);
    expect(groups['control-plane-etcd-rules']).toBeUndefined();
    const alerts = groups['control-plane-alerts'].map((r: any) => r.alert);
    expect(alerts).not.toContain(ControlPlaneAlert.ETCD_NO_LEADER);
    expect(alerts).not.toContain(ControlPlaneAlert.KUBE_SCHEDULER_DOWN);
  });

  test('at least 14 alerts and 30 recording rules, each alert with a runbook', () => {
    expect(groups['control-plane-alerts'].length).toBeGreaterThanOrEqual(14);
    expect(groups['control-plane-rules'].length).toBeGreaterThanOrEqual(30);
    expect(groups['control-plane-rules'].every((r: any) => /^\w+:\w+:\w+$/.test(r.record))).toBe(
      true,
    );
    const mixin = stack.monitoring.find((m) => m.name === 'control-plane')!;
    const alertRules = mixin.ruleGroups.flatMap((g) => g.rules).filter((r) => r.alert);
    expect(alertRules.filter((r) => !r.runbook || r.runbook.check.length === 0)).toEqual([]);
    expect(alertRules.map((r) => r.alert).sort()).toEqual(
      groups['control-plane-alerts'].map((r: any) => r.alert).sort(),
    );
  });

  test('the burn-rate alerts read the recorded ratios at 14.4, 6, 3 and 1 times the 1% budget', () => {
    const expr = (name: string) =>
      groups['control-plane-alerts'].find((r: any) => r.alert === name).expr;
    expect(expr(ControlPlaneAlert.API_SERVER_ERROR_BUDGET_BURN_FAST)).toBe(
      '(verb_class:apiserver_request_errors:ratio_rate1h > 0.144 and verb_class:apiserver_request_errors:ratio_rate5m > 0.144) or (verb_class:apiserver_request_errors:ratio_rate6h > 0.06 and verb_class:apiserver_request_errors:ratio_rate30m > 0.06)',
    );
    expect(expr(ControlPlaneAlert.API_SERVER_ERROR_BUDGET_BURN_SLOW)).toBe(
      '(verb_class:apiserver_request_errors:ratio_rate1d > 0.03 and verb_class:apiserver_request_errors:ratio_rate2h > 0.03) or (verb_class:apiserver_request_errors:ratio_rate3d > 0.01 and verb_class:apiserver_request_errors:ratio_rate6h > 0.01)',
    );
    const records = groups['control-plane-rules'].map((r: any) => r.record);
    for (const w of ['5m', '30m', '1h', '2h', '6h', '1d', '3d'])
      expect(records).toContain(`verb_class:apiserver_request_errors:ratio_rate${w}`);
  });

  test('the apiserver and coredns dashboards', () => {
    const dashboards = named(objects, 'ConfigMap', stack.grafana.dashboardsConfigMapName).data;
    expect(Object.keys(dashboards)).toEqual(
      expect.arrayContaining(['apiserver.json', 'coredns.json']),
    );
    expect(Object.keys(dashboards)).not.toContain('etcd.json');
    // CoreDNS' per-pod panels link to the pod's logs in Explore.
    const coredns = JSON.parse(dashboards['coredns.json']);
    const links = coredns.panels.flatMap((p: any) => p.fieldConfig.defaults.links ?? []);
    expect(links.length).toBeGreaterThan(0);
    expect(links[0].url).toContain('${__field.labels.pod}');
    expect(decodeURIComponent(links[0].url)).toContain('"uid":"elasticsearch"');
  });

  test("Prometheus may reach the API server (443, 6443) and CoreDNS' metrics port", () => {
    const flows = stack.prometheus.networkFlows;
    expect(flows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          to: { kind: 'external', name: 'kubernetes-api', peer: KUBERNETES_API_PEER },
          ports: [{ port: 443 }, { port: 6443 }],
          purpose: 'scrapes (job apiserver)',
        }),
        expect.objectContaining({
          to: { kind: 'external', name: 'cluster-dns', peer: CLUSTER_DNS_PEER },
          ports: [{ port: 9153 }],
          purpose: 'scrapes (job coredns)',
        }),
      ]),
    );
    expect(prometheusEgress(objects)).toContainEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        },
      ],
      ports: [{ port: 9153, protocol: 'TCP' }],
    });
  });

  test('the ClusterRole lets Prometheus get /metrics of the API server', () => {
    const role = named(objects, 'ClusterRole', stack.prometheus.clusterRoleName);
    expect(role.rules).toContainEqual({ nonResourceURLs: ['/metrics'], verbs: ['get'] });
  });
});

test('CoreDNS is scraped where networkPolicies.dns says the cluster DNS is', () => {
  const dns = { namespaceSelector: { name: 'dns' }, podSelector: { app: 'coredns' } };
  const { objects } = synthStack({ networkPolicies: { dns } });
  expect(prometheusEgress(objects)).toContainEqual({
    to: [
      {
        namespaceSelector: { matchLabels: dns.namespaceSelector },
        podSelector: { matchLabels: dns.podSelector },
      },
    ],
    ports: [{ port: 9153, protocol: 'TCP' }],
  });
});

test('controlPlane: false leaves the control plane unwatched', () => {
  const { stack, objects } = synthStack({ controlPlane: false });
  expect(stack.monitoring.map((m) => m.name)).not.toContain('control-plane');
  expect(job(objects, 'apiserver')).toBeUndefined();
  expect(job(objects, 'coredns')).toBeUndefined();
  expect(
    prometheusConfig(objects)
      .rules.groups.map((g: any) => g.name)
      .filter((n: string) => n.startsWith('control-plane')),
  ).toEqual([]);
});

test('coredns: false leaves CoreDNS out (a cluster DNS that is not CoreDNS)', () => {
  const { stack, objects } = synthStack({ controlPlane: { coredns: false } });
  expect(job(objects, 'apiserver')).toBeDefined();
  expect(job(objects, 'coredns')).toBeUndefined();
  const rules = prometheusConfig(objects)
    .rules.groups.filter((g: any) => g.name.startsWith('control-plane'))
    .flatMap((g: any) => g.rules);
  expect(rules.filter((r: any) => /coredns|CoreDns/.test(r.alert ?? r.record))).toEqual([]);
  expect(rules.map((r: any) => r.alert)).toContain(ControlPlaneAlert.API_SERVER_DOWN);
  expect(
    stack.prometheus.networkFlows.filter((f) => f.purpose === 'scrapes (job coredns)'),
  ).toEqual([]);
  const dashboards = named(objects, 'ConfigMap', stack.grafana.dashboardsConfigMapName).data;
  expect(Object.keys(dashboards)).not.toContain('coredns.json');
});

describe('every opt-in on', () => {
  const { stack, objects } = synthStack({
    controlPlane: {
      etcd: { clientCertificate: { secretName: 'etcd-client', caKey: 'ca.pem' }, port: 2381 },
      scheduler: true,
      controllerManager: { insecureSkipVerify: true },
    },
  });

  test('etcd over TLS with the client certificate mounted from its Secret, never in the manifest', () => {
    const etcd = job(objects, 'etcd');
    expect(etcd).toMatchSnapshot();
    expect(etcd.tls_config).toEqual({
      ca_file: `${PROMETHEUS_SECRETS_DIR}/etcd-ca.crt`,
      cert_file: `${PROMETHEUS_SECRETS_DIR}/etcd-client.crt`,
      key_file: `${PROMETHEUS_SECRETS_DIR}/etcd-client.key`,
    });
    expect(etcd.relabel_configs).toContainEqual({
      regex: '(.+)',
      replacement: '$1:2381',
      source_labels: ['__meta_kubernetes_pod_ip'],
      target_label: '__address__',
    });
    const pod = named(objects, 'StatefulSet', 'prometheus').spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: 'secrets',
      projected: {
        defaultMode: 0o440,
        sources: [
          {
            secret: {
              name: 'etcd-client',
              items: [
                { key: 'ca.pem', path: 'etcd-ca.crt' },
                { key: 'tls.crt', path: 'etcd-client.crt' },
                { key: 'tls.key', path: 'etcd-client.key' },
              ],
            },
          },
        ],
      },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: 'secrets',
      mountPath: PROMETHEUS_SECRETS_DIR,
      readOnly: true,
    });
    expect(stack.externalSecrets).toContainEqual({
      name: 'etcd-client',
      namespace: 'observability',
      keys: ['ca.pem', 'tls.crt', 'tls.key'],
      purpose: 'client certificate Prometheus scrapes etcd with',
    });
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  test('kube-scheduler and kube-controller-manager on their secure ports with the token', () => {
    const scheduler = job(objects, 'kube-scheduler');
    const manager = job(objects, 'kube-controller-manager');
    expect(scheduler.tls_config).toEqual({
      ca_file: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
    });
    expect(manager.tls_config).toEqual({
      ca_file: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
      insecure_skip_verify: true,
    });
    expect(scheduler.relabel_configs).toContainEqual(
      expect.objectContaining({ replacement: '$1:10259' }),
    );
    expect(manager.relabel_configs).toContainEqual(
      expect.objectContaining({ replacement: '$1:10257' }),
    );
  });

  test('Prometheus may reach the control-plane nodes on 2381, 10259 and 10257', () => {
    const toNodes = stack.prometheus.networkFlows.filter(
      (f) => f.to.kind === 'external' && f.to.peer === NODES_PEER,
    );
    expect(toNodes.map((f) => [f.ports, f.purpose])).toEqual(
      expect.arrayContaining([
        [[{ port: 2381 }], 'scrapes (job etcd)'],
        [[{ port: 10259 }], 'scrapes (job kube-scheduler)'],
        [[{ port: 10257 }], 'scrapes (job kube-controller-manager)'],
      ]),
    );
  });

  test('the etcd rules, the down alerts and a dashboard per opt-in', () => {
    const { rules } = prometheusConfig(objects);
    const names = rules.groups.map((g: any) => g.name);
    expect(names).toEqual(expect.arrayContaining(['control-plane-etcd-rules']));
    const alerts = rules.groups.flatMap((g: any) => g.rules).map((r: any) => r.alert);
    for (const alert of [
      ControlPlaneAlert.ETCD_MEMBERS_DOWN,
      ControlPlaneAlert.ETCD_NO_LEADER,
      ControlPlaneAlert.ETCD_FREQUENT_LEADER_CHANGES,
      ControlPlaneAlert.ETCD_GRPC_REQUESTS_FAILING,
      ControlPlaneAlert.ETCD_GRPC_REQUESTS_SLOW,
      ControlPlaneAlert.ETCD_FSYNC_DURATION_HIGH,
      ControlPlaneAlert.ETCD_COMMIT_DURATION_HIGH,
      ControlPlaneAlert.ETCD_DATABASE_QUOTA_LOW,
      ControlPlaneAlert.KUBE_SCHEDULER_DOWN,
      ControlPlaneAlert.KUBE_CONTROLLER_MANAGER_DOWN,
    ])
      expect(alerts).toContain(alert);
    const dashboards = named(objects, 'ConfigMap', stack.grafana.dashboardsConfigMapName).data;
    expect(Object.keys(dashboards)).toEqual(
      expect.arrayContaining(['etcd.json', 'kube-scheduler.json', 'kube-controller-manager.json']),
    );
  });
});

describe('bad control-plane input is an error naming the prop', () => {
  const cases: [string, ControlPlaneMixinOptions, RegExp][] = [
    [
      'etcd without a client certificate',
      { etcd: {} as any },
      /'controlPlane\.etcd\.clientCertificate' is required/,
    ],
    [
      'an invalid Secret name',
      { etcd: { clientCertificate: { secretName: 'Etcd_Client' } } },
      /'controlPlane\.etcd\.clientCertificate\.secretName'/,
    ],
    [
      'an empty key',
      { etcd: { clientCertificate: { secretName: 'etcd-client', keyKey: '' } } },
      /'controlPlane\.etcd\.clientCertificate\.keyKey' must name a key of the Secret, got '' \(give the key that holds it, or leave it out for 'tls\.key'\)/,
    ],
    [
      'port 0',
      { etcd: { ...ETCD!, port: 0 } },
      /'controlPlane\.etcd\.port' must be an integer between 1 and 65535, got 0/,
    ],
    ['coredns: 0', { coredns: 0 as any }, /'controlPlane\.coredns' must be a boolean, got 0/],
    [
      'a scheduler that is neither boolean nor object',
      { scheduler: 'yes' as any },
      /'controlPlane\.scheduler' must be a boolean or an object, got 'yes'/,
    ],
    [
      'a string insecureSkipVerify',
      { controllerManager: { insecureSkipVerify: 'true' as any } },
      /'controlPlane\.controllerManager\.insecureSkipVerify' must be a boolean/,
    ],
    [
      'a fractional port',
      { controllerManager: { port: 10257.5 } },
      /'controlPlane\.controllerManager\.port' must be an integer/,
    ],
  ];
  test.each(cases)('%s', (_, controlPlane, error) => {
    expect(() => synthStack({ controlPlane })).toThrow(error);
  });
});

describe('the mixin on its own', () => {
  test('names its groups, brings the API server and CoreDNS jobs, and no Secret files without etcd', () => {
    const mixin = controlPlaneMixin({ namespace: 'monitoring' });
    expect(mixin.name).toBe('control-plane');
    expect(mixin.ruleGroups.map((g) => g.name)).toEqual([
      'control-plane-rules',
      'control-plane-alerts',
    ]);
    expect(mixin.scrapeJobs!.map((j) => j.jobName)).toEqual(['apiserver', 'coredns']);
    expect(mixin.dashboards!.map((d) => d.name)).toEqual(['apiserver', 'coredns']);
    expect(controlPlaneSecretFiles({})).toEqual([]);
  });

  test('with etcd, its Secret files mounted by a Prometheus of its own', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'monitoring' });
    const files = controlPlaneSecretFiles({ etcd: ETCD });
    expect(files.map((f) => [f.ref.key, f.file])).toEqual([
      ['ca.crt', 'etcd-ca.crt'],
      ['tls.crt', 'etcd-client.crt'],
      ['tls.key', 'etcd-client.key'],
    ]);
    const prometheus = new Prometheus(chart, 'prometheus', { secretFiles: files });
    const mixin = controlPlaneMixin({ namespace: 'monitoring', scope: chart }, { etcd: ETCD });
    for (const j of mixin.scrapeJobs!) prometheus.addScrapeJob(j);
    expect(
      parse(prometheus.renderConfigData()['prometheus.yml']).scrape_configs.map(
        (j: any) => j.job_name,
      ),
    ).toContain('etcd');
    expect(prometheus.externalSecrets).toEqual([
      {
        name: 'etcd-client',
        keys: ['ca.crt', 'tls.crt', 'tls.key'],
        purpose: 'client certificate Prometheus scrapes etcd with',
      },
    ]);
  });
});

describe('Prometheus secretFiles', () => {
  const ref = { name: 'certs', key: 'tls.crt' };
  test.each([
    [
      'a file name with a slash',
      [{ ref, file: 'a/b', purpose: 'x' }],
      /'secretFiles\[0\]\.file' is not a file name/,
    ],
    [
      'two files of one name',
      [
        { ref, file: 'a.crt', purpose: 'x' },
        { ref: { name: 'certs', key: 'other' }, file: 'a.crt', purpose: 'x' },
      ],
      /'secretFiles\[1\]\.file' is the name of two secret files/,
    ],
    [
      'an invalid Secret name',
      [{ ref: { name: 'Certs', key: 'k' }, file: 'a', purpose: 'x' }],
      /'secretFiles\[0\]\.ref\.name'/,
    ],
  ])('%s is an error', (_, secretFiles, error) => {
    const chart = new Chart(Testing.app(), 'c');
    expect(() => new Prometheus(chart, 'prometheus', { secretFiles })).toThrow(error);
  });
});
