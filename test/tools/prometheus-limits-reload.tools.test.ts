/**
 * Tier 4 (docs/architecture.md#7-verification-tiers): the scrape limits and the in-place
 * configuration reload of the generated Prometheus, on the real Prometheus binary of
 * .cache/tools/bin (the image's version), on 127.0.0.1 only.
 *
 * - Limits: scrape jobs rendered by this package (`renderScrapeConfig`, `renderScrapeLimits`)
 *   against local targets: a target over its `sample_limit` or `label_limit` is dropped
 *   (`up == 0`, the scrape error says why) and the counter the mixin's alert reads rises; a job
 *   over its `target_limit` scrapes nothing; and the mixin's alert rules (the prod rules.yml)
 *   fire on it. The prod configuration with its limits passes `promtool check config`.
 * - Reload: Prometheus started with the flags of the generated StatefulSet (the interval made
 *   short), its files in a directory laid out the way the kubelet mounts a ConfigMap (a `..data`
 *   symlink swapped atomically). A changed configuration and rules file are applied by the same
 *   process, without a restart and without a POST /-/reload; a broken one is refused and the
 *   last good one kept, with `prometheus_config_last_reload_successful` 0.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { renderScrapeConfig, renderScrapeLimits } from '../../lib/prometheus/prometheus-config';
import { find, podTemplateOf, synthEnvironment } from '../support/environments';
import {
  close,
  freePort,
  listen,
  processLogs,
  prometheusApi,
  RunningProcess,
  spawnTool,
  terminate,
  waitReady,
  waitUntil,
} from './support/alert-harness';
import { describeRun, PROMTOOL_ENV, removeTempDirs, run, tempDir } from './support/tools';

jest.setTimeout(120_000);

const LOOPBACK = '127.0.0.1';

afterAll(removeTempDirs);

/** A target exposing `series` gauges, each with `labels` labels. */
async function startTarget(series: number, labels = 1): Promise<http.Server & { port: number }> {
  const server = http.createServer((_req, res) => {
    const lines = ['# TYPE test_gauge gauge'];
    for (let i = 0; i < series; i++) {
      const set = Array.from({ length: labels }, (_, l) => `l${l}="v${i}"`).join(',');
      lines.push(`test_gauge{${set}} ${i}`);
    }
    res
      .writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' })
      .end(`${lines.join('\n')}\n`);
  });
  const port = await listen(server);
  return Object.assign(server, { port });
}

async function startPrometheus(
  dir: string,
  configFile: string,
  extraArgs: string[] = [],
): Promise<{ url: string; process: RunningProcess }> {
  const port = await freePort();
  const data = path.join(dir, 'data');
  fs.mkdirSync(data, { recursive: true });
  const proc = spawnTool(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${data}`,
      `--web.listen-address=${LOOPBACK}:${port}`,
      ...extraArgs,
    ],
    dir,
  );
  const url = `http://${LOOPBACK}:${port}`;
  await waitReady(proc, url);
  return { url, process: proc };
}

async function query(url: string, expr: string): Promise<any[]> {
  const body = await prometheusApi(url, '/api/v1/query', { query: expr });
  if (body.status !== 'success') throw new Error(`${expr}: ${JSON.stringify(body)}`);
  return body.data.result;
}

/** A metric without labels from Prometheus' own `/metrics` (this instance does not scrape itself). */
async function selfMetric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`${name} not in ${url}/metrics`);
  return Number(line.slice(name.length + 1));
}

/** The prod environment's ConfigMap prometheus-config and StatefulSet prometheus. */
function prodPrometheus() {
  const objects = synthEnvironment('prod').objects;
  const configMap = find(objects, 'ConfigMap', 'prometheus-config')!;
  const statefulSet = find(objects, 'StatefulSet', 'prometheus')!;
  return {
    data: configMap.data as Record<string, string>,
    template: podTemplateOf(statefulSet),
  };
}

describe('scrape limits on the real Prometheus', () => {
  let dir: string;
  let prometheus: { url: string; process: RunningProcess } | undefined;
  const targets: (http.Server & { port: number })[] = [];

  beforeAll(async () => {
    dir = tempDir('prometheus-limits-');
    const promPort = await freePort();
    const [big, small, wide, a, b, c] = await Promise.all([
      startTarget(200),
      startTarget(20),
      startTarget(5, 6),
      startTarget(1),
      startTarget(1),
      startTarget(1),
    ]);
    targets.push(big, small, wide, a, b, c);
    const at = (t: { port: number }) => `${LOOPBACK}:${t.port}`;
    const config = {
      global: {
        scrape_interval: '1s',
        scrape_timeout: '1s',
        evaluation_interval: '1s',
        // The global default of this package: 64 labels per series.
        ...renderScrapeLimits({ labelLimit: 64 }),
      },
      rule_files: ['rules.yml'],
      scrape_configs: [
        // The self-scrape job the mixin's alerts read, as the default jobs render it.
        renderScrapeConfig({ jobName: 'prometheus', staticTargets: [`${LOOPBACK}:${promPort}`] }),
        renderScrapeConfig({ jobName: 'big', staticTargets: [at(big)], sampleLimit: 100 }),
        renderScrapeConfig({ jobName: 'small', staticTargets: [at(small)], sampleLimit: 100 }),
        renderScrapeConfig({ jobName: 'wide', staticTargets: [at(wide)], labelLimit: 5 }),
        renderScrapeConfig({
          jobName: 'many',
          staticTargets: [at(a), at(b), at(c)],
          targetLimit: 2,
        }),
      ],
    };
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
    fs.writeFileSync(path.join(dir, 'rules.yml'), prodPrometheus().data['rules.yml']);
    const data = path.join(dir, 'data');
    fs.mkdirSync(data, { recursive: true });
    const proc = spawnTool(
      'prometheus',
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${data}`,
        `--web.listen-address=${LOOPBACK}:${promPort}`,
      ],
      dir,
    );
    prometheus = { url: `http://${LOOPBACK}:${promPort}`, process: proc };
    await waitReady(proc, prometheus.url);
  });

  afterAll(async () => {
    if (prometheus) await terminate(prometheus.process.child);
    await Promise.all(targets.map((t) => close(t)));
  });

  const logs = () => (prometheus ? processLogs([prometheus.process]) : '');

  test('a target over its sample_limit is down with "sample limit exceeded", one under it is up', async () => {
    const url = prometheus!.url;
    const ups = await waitUntil(
      'both sample-limit jobs scraped',
      async () => {
        const r = await query(url, 'up{job=~"big|small"}');
        return r.length === 2 ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    ).catch((e) => {
      throw new Error(`${e}\n${logs()}`);
    });
    const byJob = Object.fromEntries(ups.map((s: any) => [s.metric.job, s.value[1]]));
    expect(byJob).toEqual({ big: '0', small: '1' });
    const body = await prometheusApi(url, '/api/v1/targets', { scrapePool: 'big' });
    expect(body.data.activeTargets[0].lastError).toMatch(/sample limit exceeded/);
    // None of the big target's samples were stored.
    expect(await query(url, 'test_gauge{job="big"}')).toEqual([]);
    expect((await query(url, 'count(test_gauge{job="small"})'))[0].value[1]).toBe('20');
  });

  test('the sample, label and target limit counters rise, and the mixin alerts fire on them', async () => {
    const url = prometheus!.url;
    for (const metric of [
      'prometheus_target_scrapes_exceeded_sample_limit_total',
      'prometheus_target_scrape_pool_exceeded_label_limits_total',
      'prometheus_target_scrape_pool_exceeded_target_limit_total',
    ]) {
      await waitUntil(
        `${metric} > 0`,
        async () => {
          const r = await query(url, `${metric}{job="prometheus"} > 0`);
          return r.length === 1 ? r : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
    }
    // The label limit drops the wide target; the target limit drops the whole job.
    expect((await query(url, 'up{job="wide"}'))[0].value[1]).toBe('0');
    const wide = await prometheusApi(url, '/api/v1/targets', { scrapePool: 'wide' });
    expect(wide.data.activeTargets[0].lastError).toMatch(/label_limit exceeded/);
    // Each target of the job over its limit fails with the limit error once its loop has run; none is up.
    const many = await waitUntil(
      'a target of the job over its target_limit scraped',
      async () => {
        const body = await prometheusApi(url, '/api/v1/targets', { scrapePool: 'many' });
        const t = body.data.activeTargets;
        return t.some((x: any) => x.health !== 'unknown') ? t : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    expect(many).toHaveLength(3);
    for (const t of many.filter((x: any) => x.health !== 'unknown'))
      expect({ health: t.health, lastError: t.lastError }).toEqual({
        health: 'down',
        lastError: 'target_limit exceeded (number of targets: 3, limit: 2)',
      });
    // The pool's gauges, which PrometheusTargetLimitHit compares.
    expect(
      (await query(url, 'prometheus_target_scrape_pool_targets{scrape_job="many"}'))[0].value[1],
    ).toBe('3');
    expect(
      (await query(url, 'prometheus_target_scrape_pool_target_limit{scrape_job="many"}'))[0]
        .value[1],
    ).toBe('2');

    const firing = await waitUntil(
      'the limit alerts firing',
      async () => {
        const r = await query(
          url,
          'ALERTS{alertname=~"PrometheusSampleLimitHit|PrometheusLabelLimitHit|PrometheusTargetLimitHit",alertstate="firing"}',
        );
        return r.length === 3 ? r : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 1000 },
    ).catch((e) => {
      throw new Error(`${e}\n${logs()}`);
    });
    expect(firing.map((s: any) => s.metric.alertname).sort()).toEqual([
      'PrometheusLabelLimitHit',
      'PrometheusSampleLimitHit',
      'PrometheusTargetLimitHit',
    ]);
  });

  test('the prod configuration with its limits passes promtool check config', () => {
    const { data } = prodPrometheus();
    const config = parse(data['prometheus.yml']);
    expect(config.global.label_limit).toBe(64);
    const pods = config.scrape_configs.find((j: any) => j.job_name === 'kubernetes-pods');
    expect(pods).toMatchObject({ sample_limit: 50000, target_limit: 2000 });
    const checkDir = tempDir('prometheus-limits-check-');
    const file = path.join(checkDir, 'prometheus.yml');
    fs.writeFileSync(file, data['prometheus.yml']);
    const args = ['check', 'config', '--syntax-only', file];
    const result = run('promtool', args, { env: PROMTOOL_ENV });
    expect({ status: result.status, text: describeRun('promtool', args, result) }).toEqual({
      status: 0,
      text: expect.stringContaining('SUCCESS'),
    });
  });
});

describe('a configuration change reloads in place on the real Prometheus', () => {
  let dir: string;
  let mount: string;
  let prometheus: { url: string; process: RunningProcess } | undefined;
  let generation = 0;

  /** Writes the files as the kubelet updates a ConfigMap volume: a new directory, then one atomic `..data` swap. */
  function writeConfigMap(files: Record<string, string>): void {
    generation++;
    const target = `..${generation}`;
    fs.mkdirSync(path.join(mount, target));
    for (const [name, text] of Object.entries(files))
      fs.writeFileSync(path.join(mount, target, name), text);
    fs.symlinkSync(target, path.join(mount, '..data_tmp'));
    fs.renameSync(path.join(mount, '..data_tmp'), path.join(mount, '..data'));
    for (const name of Object.keys(files)) {
      const link = path.join(mount, name);
      if (!fs.existsSync(link)) fs.symlinkSync(path.join('..data', name), link);
    }
  }

  const config = (jobs: string[]) =>
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [path.join(mount, 'rules.yml')],
      scrape_configs: jobs.map((j) =>
        renderScrapeConfig({ jobName: j, staticTargets: [`${LOOPBACK}:1`] }),
      ),
    });
  const rules = (group: string) =>
    stringify({ groups: [{ name: group, rules: [{ record: 'x:up:sum', expr: 'sum(up)' }] }] });

  /** The flags of the generated StatefulSet that make it reload, the interval made short. */
  function reloadFlags(): string[] {
    const args: string[] = prodPrometheus().template.spec.containers[0].args;
    const flags = args.filter((a) => a.startsWith('--config.auto-reload'));
    expect(flags).toEqual(['--config.auto-reload', '--config.auto-reload-interval=30s']);
    return flags.map((f) =>
      f.startsWith('--config.auto-reload-interval=') ? '--config.auto-reload-interval=1s' : f,
    );
  }

  async function loaded(): Promise<{ jobs: string[]; groups: string[]; reloadedAt: number }> {
    const url = prometheus!.url;
    const status = await prometheusApi(url, '/api/v1/status/config', {});
    const jobs = parse(status.data.yaml).scrape_configs.map((j: any) => j.job_name);
    const ruleBody = await prometheusApi(url, '/api/v1/rules', {});
    const groups = ruleBody.data.groups.map((g: any) => g.name);
    return {
      jobs,
      groups,
      reloadedAt: await selfMetric(url, 'prometheus_config_last_reload_success_timestamp_seconds'),
    };
  }

  beforeAll(async () => {
    dir = tempDir('prometheus-reload-');
    mount = path.join(dir, 'etc-prometheus');
    fs.mkdirSync(mount);
    writeConfigMap({ 'prometheus.yml': config(['first']), 'rules.yml': rules('first-rules') });
    prometheus = await startPrometheus(dir, path.join(mount, 'prometheus.yml'), reloadFlags());
  });

  afterAll(async () => {
    if (prometheus) await terminate(prometheus.process.child);
  });

  test('the pod template carries no config checksum, so a ConfigMap change does not roll the pods', () => {
    const { template } = prodPrometheus();
    expect(template.metadata?.annotations?.['checksum/config']).toBeUndefined();
    const mountOf = template.spec.containers[0].volumeMounts.find((m: any) => m.name === 'config');
    expect(mountOf).toEqual({ name: 'config', mountPath: '/etc/prometheus', readOnly: true });
  });

  test('a new scrape job and rule group are applied by the same process, without /-/reload', async () => {
    const before = await loaded();
    expect(before.jobs).toEqual(['first']);
    expect(before.groups).toEqual(['first-rules']);
    const pid = prometheus!.process.child.pid;

    writeConfigMap({
      'prometheus.yml': config(['first', 'second']),
      'rules.yml': rules('second-rules'),
    });
    const after = await waitUntil(
      'the changed configuration loaded',
      async () => {
        const now = await loaded();
        return now.jobs.includes('second') && now.groups.includes('second-rules') ? now : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    ).catch((e) => {
      throw new Error(`${e}\n${processLogs([prometheus!.process])}`);
    });
    expect(after.jobs).toEqual(['first', 'second']);
    expect(after.groups).toEqual(['second-rules']);
    expect(after.reloadedAt).toBeGreaterThan(before.reloadedAt);
    expect(prometheus!.process.child.pid).toBe(pid);
    expect(prometheus!.process.child.exitCode).toBeNull();
  });

  test('a broken configuration is refused: the last good one stays, and the reload metric says so', async () => {
    writeConfigMap({
      'prometheus.yml': 'scrape_configs: [{ job_name: broken, static_configs: 7 }]\n',
      'rules.yml': rules('third-rules'),
    });
    await waitUntil(
      'prometheus_config_last_reload_successful == 0',
      async () => {
        const ok = await selfMetric(prometheus!.url, 'prometheus_config_last_reload_successful');
        return ok === 0 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const now = await loaded();
    expect(now.jobs).toEqual(['first', 'second']);
    expect(now.groups).toEqual(['second-rules']);
    expect(prometheus!.process.child.exitCode).toBeNull();
  });
});
