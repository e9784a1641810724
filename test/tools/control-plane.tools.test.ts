/**
 * Tier 4 (docs/architecture.md#7-verification-tiers): the control-plane mixin's rules on a real
 * kube-apiserver and etcd (test/tools/support/apiserver.ts, the versions
 * scripts/install-apiserver.sh installs), scraped by the real Prometheus. promtool's unit tests
 * (test/tools/rules/control-plane-*.test.yml) prove the expressions on made-up series; this
 * proves the metric and label names, and the `le` values as Prometheus 3 ingests them, are
 * those the binaries export: every API server and etcd recording rule records a series, and
 * no control-plane alert is pending on a healthy control plane.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { find, KubeObject, synthEveryOptIn } from '../support/environments';
import {
  processLogs,
  prometheusApi,
  RunningProcess,
  startPrometheus,
  terminate,
  waitReady,
  waitUntil,
} from './support/alert-harness';
import { ControlPlane } from './support/apiserver';
import { removeTempDirs, tempDir } from './support/tools';

const ADMIN_TOKEN = 'observability-stack-admin-token';

let plane: ControlPlane | undefined;
let prometheus: { url: string; process: RunningProcess } | undefined;
let records: string[] = [];

function generated(objects: KubeObject[]): { config: any; rules: any } {
  const data = find(objects, 'ConfigMap', 'prometheus-config')!.data;
  return { config: parse(data['prometheus.yml']), rules: parse(data['rules.yml']) };
}

async function query(
  q: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const answer = await prometheusApi(prometheus!.url, '/api/v1/query', { query: q });
  if (answer.status !== 'success') throw new Error(`${q}: ${answer.error}`);
  return answer.data.result;
}

beforeAll(async () => {
  plane = await ControlPlane.start();
  const dir = tempDir('control-plane-prometheus-');
  fs.writeFileSync(path.join(dir, 'token'), ADMIN_TOKEN);
  fs.writeFileSync(path.join(dir, 'ca.crt'), plane.caCertificate);

  const { config, rules } = generated(synthEveryOptIn().objects);
  // The control-plane groups as generated, evaluated every 5s instead of every minute so the
  // test is quick; their rules are unchanged.
  const groups = rules.groups
    .filter((g: any) => g.name.startsWith('control-plane'))
    .map((g: any) => ({ ...g, interval: '5s' }));
  records = groups
    .flatMap((g: any) => g.rules)
    .map((r: any) => r.record)
    .filter((r: string | undefined) => r && /apiserver|etcd/.test(r));
  fs.writeFileSync(path.join(dir, 'rules.yml'), stringify({ groups }));

  // The generated apiserver job's scheme and credentials, on the test API server's address: its
  // serving certificate names 127.0.0.1 only, so no `server_name`. etcd here speaks plain HTTP.
  const apiserver = config.scrape_configs.find((j: any) => j.job_name === 'apiserver');
  const { kubernetes_sd_configs: _sd, relabel_configs: _relabel, ...settings } = apiserver;
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '2s', evaluation_interval: '5s' },
      rule_files: [path.join(dir, 'rules.yml')],
      scrape_configs: [
        {
          ...settings,
          authorization: { credentials_file: path.join(dir, 'token') },
          tls_config: { ca_file: path.join(dir, 'ca.crt') },
          static_configs: [{ targets: [new URL(plane.apiserverUrl).host] }],
        },
        { job_name: 'etcd', static_configs: [{ targets: [new URL(plane.etcdUrl).host] }] },
      ],
    }),
  );
  prometheus = await startPrometheus(dir, path.join(dir, 'prometheus.yml'));
  await waitReady(prometheus.process, prometheus.url);

  // One request of each kind first, so that each series exists before the scrapes below and
  // the rates see the traffic after them (a series born between two scrapes shows no increase).
  const traffic = (i: number) => {
    plane!.kubectlOk(['create', 'configmap', `probe-${i}`, '--from-literal=a=b']);
    plane!.kubectlOk(['get', 'configmap', `probe-${i}`]);
    plane!.kubectlOk(['get', 'pods', '-A']);
    plane!.kubectl(['get', 'configmap', 'missing']);
  };
  traffic(0);
  // Scraped before the traffic, so that the rates see it.
  await waitUntil(
    'two scrapes of the API server',
    async () =>
      (await query('count_over_time(up{job="apiserver"}[1m]) >= 2')).length > 0 ? true : undefined,
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  // Reads, writes and a 404 of real clients.
  for (let i = 1; i <= 5; i++) traffic(i);
  await waitUntil(
    'every API server and etcd record to have a series',
    async () => {
      for (const record of records) if ((await query(record)).length === 0) return undefined;
      // The 404s come last: once the rates see them, they see all of it.
      const notFound =
        'verb_class_code_class:apiserver_requests:rate5m{verb_class="read",code_class="4xx"} > 0';
      return (await query(notFound)).length > 0 ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 1000 },
  ).catch(async (e) => {
    const missing = [];
    for (const record of records) if ((await query(record)).length === 0) missing.push(record);
    throw new Error(
      `${e.message}: ${missing.join(', ')}\n${processLogs([prometheus!.process])}\n${plane!.logs()}`,
    );
  });
}, 240_000);

afterAll(async () => {
  if (prometheus) await terminate(prometheus.process.child);
  await plane?.stop();
  removeTempDirs();
}, 60_000);

test('every API server and etcd recording rule records a series from the real binaries', async () => {
  expect(records.length).toBeGreaterThanOrEqual(27);
  for (const record of records)
    expect({ record, series: (await query(record)).length > 0 }).toEqual({ record, series: true });
  // Reads and writes are told apart, the 404s counted as 4xx, none as 5xx.
  const rates = await query('verb_class_code_class:apiserver_requests:rate5m > 0');
  expect(rates.map((s) => `${s.metric.verb_class} ${s.metric.code_class}`).sort()).toEqual(
    expect.arrayContaining(['read 2xx', 'read 4xx', 'write 2xx']),
  );
  const errors = await query('verb_class:apiserver_request_errors:ratio_rate5m');
  expect(errors.map((s) => [s.metric.verb_class, s.value[1]]).sort()).toEqual([
    ['read', '0'],
    ['write', '0'],
  ]);
  // The slow ratio reads le="1.0", the bucket as Prometheus 3 stores it.
  expect(
    (await query('apiserver_request_duration_seconds_bucket{le="1.0"}')).length,
  ).toBeGreaterThan(0);
  expect(await query('apiserver_request_duration_seconds_bucket{le="1"}')).toEqual([]);
}, 60_000);

test('the series the alerts read exist in the real scrapes', async () => {
  for (const metric of [
    'apiserver_client_certificate_expiration_seconds_bucket',
    'aggregator_unavailable_apiservice',
    'rest_client_requests_total',
    'etcd_server_has_leader',
    'etcd_server_leader_changes_seen_total',
    'grpc_server_handled_total',
    'etcd_disk_wal_fsync_duration_seconds_bucket',
    'etcd_disk_backend_commit_duration_seconds_bucket',
    'etcd_mvcc_db_total_size_in_bytes',
    'etcd_server_quota_backend_bytes',
  ])
    expect({ metric, series: (await query(`count(${metric})`)).length > 0 }).toEqual({
      metric,
      series: true,
    });
}, 60_000);

test('no API server or etcd alert is pending or firing on a healthy control plane', async () => {
  // The scheduler and controller manager are not scraped here: once their down alerts are
  // pending, the alert group has been evaluated.
  await waitUntil(
    'KubeSchedulerDown and KubeControllerManagerDown pending',
    async () =>
      (await query('ALERTS{alertname=~"KubeSchedulerDown|KubeControllerManagerDown"}')).length === 2
        ? true
        : undefined,
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  const alerts = await query(
    'ALERTS{alertname=~"ApiServer.*|Aggregated.*|KubeClientErrors|Etcd.*"}',
  );
  expect(alerts.map((a) => `${a.metric.alertname} ${a.metric.alertstate}`)).toEqual([]);
}, 60_000);
