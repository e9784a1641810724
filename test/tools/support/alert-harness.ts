import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { Testing } from 'cdk8s';
import { ObservabilityStack } from '../../../lib';
import { environmentProfile } from '../../../stacks/environments';
import {
  EnvironmentName,
  find,
  KubeObject,
  podTemplateOf,
  synthEnvironment,
} from '../../support/environments';

/**
 * An end-to-end alert path made of real processes, all on loopback (127.0.0.1 only):
 *
 *   test exporter --scrape--> Prometheus (generated rules) --> Alertmanager (generated
 *   routing) --> webhook receiver (stands in for PagerDuty and Slack)
 *
 * Used by test/tools/alert-delivery.tools.test.ts and bench/alert-delay.ts.
 */

const LOOPBACK = '127.0.0.1';

/**
 * The path of a tool installed by scripts/install-tools.sh in `<repo>/.cache/tools/bin`.
 * Unlike tools.ts's toolPath it searches upwards from this file and then from the working
 * directory, so it also works from the compiled bench (build/test/tools/support/).
 */
export function toolBinary(name: string): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const file = path.join(dir, '.cache', 'tools', 'bin', name);
      if (fs.existsSync(file)) return file;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(
    `${name} is not installed in .cache/tools/bin: run bash scripts/install-tools.sh`,
  );
}

/** Fails after `timeoutMs` or `maxTries` checks, whichever comes first; never loops forever. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  opts: { timeoutMs: number; intervalMs?: number; maxTries?: number },
): Promise<T> {
  const intervalMs = opts.intervalMs ?? 200;
  const maxTries = opts.maxTries ?? Math.ceil(opts.timeoutMs / intervalMs) + 1;
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (let i = 0; i < maxTries && Date.now() <= deadline; i++) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      lastError = e;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${opts.timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A free TCP port on loopback (closed again before the caller binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, LOOPBACK, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Listens on a free loopback port; resolves to the port. */
export function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve((server.address() as net.AddressInfo).port));
  });
}

/** Closes a server and its open connections. */
export function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/**
 * A stand-in application exposing one 5xx counter in the Prometheus text format:
 * `http_requests_total{service="checkout",method="GET",endpoint="/pay",status="500"}`.
 * The counter grows by `rate` per second of wall time and by explicit `add()` steps.
 */
export class TestExporter {
  public static readonly LABELS = {
    service: 'checkout',
    method: 'GET',
    endpoint: '/pay',
    status: '500',
  };

  public static async start(): Promise<TestExporter> {
    const exporter = new TestExporter();
    exporter.port = await listen(exporter.server);
    return exporter;
  }

  public port = 0;
  /** Every scrape's arrival time (ms since epoch), so a caller can wait for scrapes. */
  public readonly scrapes: number[] = [];
  private base = 0;
  private ratePerSecond = 0;
  private rateSince = Date.now();
  private serving = true;
  private readonly server: http.Server;

  private constructor() {
    this.server = http.createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.scrapes.push(Date.now());
      const lines = [
        '# HELP http_requests_total HTTP requests served.',
        '# TYPE http_requests_total counter',
      ];
      if (this.serving) {
        const labels = Object.entries(TestExporter.LABELS)
          .map(([k, v]) => `${k}="${v}"`)
          .join(',');
        lines.push(`http_requests_total{${labels}} ${this.value()}`);
      }
      res
        .writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' })
        .end(`${lines.join('\n')}\n`);
    });
  }

  public get url(): string {
    return `http://${LOOPBACK}:${this.port}/metrics`;
  }

  /** The counter's current value (whole requests). */
  public value(): number {
    return Math.floor(this.base + (this.ratePerSecond * (Date.now() - this.rateSince)) / 1000);
  }

  /** Grows the counter by `perSecond` from now on (0 stops it). */
  public setRate(perSecond: number): void {
    this.base = this.base + (this.ratePerSecond * (Date.now() - this.rateSince)) / 1000;
    this.rateSince = Date.now();
    this.ratePerSecond = perSecond;
  }

  /** Adds `n` requests at once; returns the time of the step (ms since epoch). */
  public add(n: number): number {
    this.base += n;
    return Date.now();
  }

  /** Stops (or resumes) exposing the series; Prometheus then writes a staleness marker. */
  public setServing(serving: boolean): void {
    this.serving = serving;
  }

  public stop(): Promise<void> {
    return close(this.server);
  }
}

/** One POST the webhook receiver got. */
export interface WebhookRequest {
  /** `/pagerduty` or `/slack`. */
  readonly path: string;
  /** Arrival time, ms since epoch. */
  readonly receivedAt: number;
  readonly body: any;
}

/** Records every POST (PagerDuty Events v2 and Slack webhook calls) with its arrival time. */
export class WebhookReceiver {
  public static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.port = await listen(receiver.server);
    return receiver;
  }

  public port = 0;
  public readonly requests: WebhookRequest[] = [];
  private readonly server: http.Server;

  private constructor() {
    this.server = http.createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        text += chunk;
      });
      req.on('end', () => {
        const receivedAt = Date.now();
        let body: any = text;
        try {
          body = JSON.parse(text);
        } catch {
          // keep the raw text
        }
        if (req.method === 'POST') this.requests.push({ path: req.url ?? '', receivedAt, body });
        if (req.url === '/pagerduty') {
          // What the PagerDuty Events API v2 answers to an accepted event.
          res.writeHead(202, { 'Content-Type': 'application/json' }).end(
            JSON.stringify({
              status: 'success',
              message: 'Event processed',
              dedup_key: body?.dedup_key ?? '',
            }),
          );
        } else {
          res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
        }
      });
    });
  }

  public url(p: string): string {
    return `http://${LOOPBACK}:${this.port}${p}`;
  }

  public stop(): Promise<void> {
    return close(this.server);
  }
}

/** What the generated configs say about timing and labels (nothing here is made up). */
export interface GeneratedAlertConfig {
  readonly scrapeInterval: string;
  readonly evaluationInterval: string;
  readonly externalLabels: Record<string, string>;
  readonly groupWait: string;
  readonly groupInterval: string;
  /** The `Http5xxErrorBurst` rule as rendered. */
  readonly burstRule: { expr: string; for?: string; labels: Record<string, string> };
  /** The threshold of the burst rule, read from its expression. */
  readonly burstThreshold: number;
}

export interface AlertHarnessOptions {
  /** @default 'prod' */
  readonly env?: EnvironmentName;
  /**
   * Replaces global scrape_interval AND evaluation_interval in the harness-written
   * prometheus.yml, to make a test fast. The rules are never changed.
   * @default - the generated intervals
   */
  readonly interval?: string;
  /**
   * Replaces the root route's group_interval. Alertmanager sends a resolved notice only
   * when a group is flushed again, group_interval after its previous notification, so a
   * test of `send_resolved` within seconds must shorten it. Routing, grouping, group_wait
   * and inhibition stay as generated.
   * @default - the generated group_interval
   */
  readonly groupInterval?: string;
  /** Starts Prometheus with `--web.enable-admin-api` so a test can delete series. @default false */
  readonly adminApi?: boolean;
  /** Labels of the `app` target, standing in for what Kubernetes discovery adds. @default { namespace: 'shop' } */
  readonly targetLabels?: Record<string, string>;
  /**
   * Changes the environment's stack before it is synthesized (adds receivers and routes, say):
   * the processes then run the configs generated from the changed stack.
   * @default - the bundled environment as it is
   */
  readonly configure?: (stack: ObservabilityStack) => void;
}

/** A tool process started by `spawnTool`. */
export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
}

/** Creates (if need be) the directory `name` in `dir`; returns its path. */
export function mkdirIn(dir: string, name: string): string {
  const sub = path.join(dir, name);
  fs.mkdirSync(sub, { recursive: true });
  return sub;
}

/** Starts an installed tool in `dir`, its stdout and stderr appended to `<dir>/<tool>.log`. */
export function spawnTool(tool: string, args: string[], dir: string): RunningProcess {
  const logFile = path.join(dir, `${tool}.log`);
  const log = fs.openSync(logFile, 'a');
  const child = spawn(toolBinary(tool), args, {
    cwd: dir,
    env: { ...process.env, POD_NAME: 'prometheus-0' },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  return { name: tool, child, logFile };
}

/** Waits until `<url>/-/ready` answers 2xx; fails at once when the process exits. */
export async function waitReady(proc: RunningProcess, url: string): Promise<void> {
  await waitUntil(
    `${proc.name} /-/ready`,
    async () => {
      if (proc.child.exitCode !== null)
        throw new Error(`${proc.name} exited with ${proc.child.exitCode}`);
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) });
      return res.ok ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

/** The last lines of each process's log, for error messages. */
export function processLogs(processes: readonly RunningProcess[], lines = 30): string {
  return processes
    .map((p) => {
      const text = fs.existsSync(p.logFile)
        ? fs.readFileSync(p.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
        : '';
      return `--- ${p.name} (${p.logFile})\n${text}`;
    })
    .join('\n');
}

/**
 * Starts Prometheus in `dir` with `configFile` on a free loopback port, its TSDB in
 * `<dir>/prometheus-data`. Does not wait: call `waitReady(process, url)`.
 */
export async function startPrometheus(
  dir: string,
  configFile: string,
  extraArgs: string[] = [],
): Promise<{ url: string; process: RunningProcess }> {
  const port = await freePort();
  const dataDir = path.join(dir, 'prometheus-data');
  fs.mkdirSync(dataDir, { recursive: true });
  const proc = spawnTool(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=${LOOPBACK}:${port}`,
      ...extraArgs,
    ],
    dir,
  );
  return { url: `http://${LOOPBACK}:${port}`, process: proc };
}

/** Prometheus's JSON answer to `GET <path>?<params>` (`/api/v1/query`, ...), whatever its status. */
export async function prometheusApi(
  prometheusUrl: string,
  apiPath: string,
  params: Record<string, string>,
): Promise<any> {
  const res = await fetch(`${prometheusUrl}${apiPath}?${new URLSearchParams(params)}`, {
    signal: AbortSignal.timeout(5000),
  });
  return res.json();
}

/**
 * Runs `boot` on a harness of processes; when it fails, stops the harness (every process it
 * started) and fails with the processes' logs. Returns the harness.
 */
export async function bootOrStop<T extends { logs(): string; stop(): Promise<void> }>(
  harness: T,
  boot: () => Promise<void>,
): Promise<T> {
  try {
    await boot();
  } catch (e) {
    const logs = harness.logs();
    await harness.stop();
    throw new Error(`${e instanceof Error ? e.message : e}\n${logs}`, { cause: e });
  }
  return harness;
}

/**
 * Starts the exporter, the webhook receiver, Alertmanager and Prometheus with the generated
 * configs of one environment. Always call `stop()` (in afterAll / finally).
 */
export class AlertHarness {
  public static async start(options: AlertHarnessOptions = {}): Promise<AlertHarness> {
    const harness = new AlertHarness(options);
    return bootOrStop(harness, () => harness.boot());
  }

  public readonly dir: string;
  public readonly generated: GeneratedAlertConfig;
  public exporter!: TestExporter;
  public webhook!: WebhookReceiver;
  public prometheusUrl = '';
  public alertmanagerUrl = '';
  /** The files the processes were started with, for debugging and docs. */
  public readonly files = { prometheusConfig: '', alertmanagerConfig: '' };
  private readonly processes: RunningProcess[] = [];
  private readonly env: EnvironmentName;
  private readonly generatedPrometheus: any;
  private readonly generatedAlertmanager: any;
  private readonly rules: Record<string, string>;
  private stopped = false;

  private constructor(private readonly options: AlertHarnessOptions) {
    this.env = options.env ?? 'prod';
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `alert-harness-${this.env}-`));
    const files = generatedFiles(this.env, options.configure);
    this.generatedPrometheus = files.prometheus;
    this.generatedAlertmanager = files.alertmanager;
    this.rules = files.rules;
    this.generated = generatedAlertConfig(this.env, options.configure);
  }

  private async boot(): Promise<void> {
    this.exporter = await TestExporter.start();
    this.webhook = await WebhookReceiver.start();

    const amPort = await freePort();
    this.alertmanagerUrl = `http://${LOOPBACK}:${amPort}`;
    this.files.alertmanagerConfig = this.writeAlertmanagerConfig();
    const alertmanager = spawnTool(
      'alertmanager',
      [
        `--config.file=${this.files.alertmanagerConfig}`,
        `--storage.path=${this.mkdir('alertmanager-data')}`,
        `--web.listen-address=${LOOPBACK}:${amPort}`,
        // An empty address disables clustering (no gossip port, no peers).
        '--cluster.listen-address=',
        // As generated: the public URL the notices link to.
        ...externalUrlArgs(this.env, 'alertmanager'),
      ],
      this.dir,
    );
    this.processes.push(alertmanager);
    // Alertmanager first: Prometheus sends an alert when it starts firing and then only every
    // resend delay (1 m), so the Watchdog, firing from the first evaluation, would otherwise
    // be lost to a slow Alertmanager start until long after the test is over.
    await waitReady(alertmanager, this.alertmanagerUrl);

    this.files.prometheusConfig = this.writePrometheusConfig(amPort);
    const prometheus = await startPrometheus(this.dir, this.files.prometheusConfig, [
      ...externalUrlArgs(this.env, 'prometheus'),
      ...(this.options.adminApi ? ['--web.enable-admin-api'] : []),
    ]);
    this.prometheusUrl = prometheus.url;
    this.processes.push(prometheus.process);
    await waitReady(prometheus.process, this.prometheusUrl);
  }

  /**
   * alertmanager.yml as generated, except where notifications go. In a pod the receivers
   * read Secret files; here:
   * - Slack `api_url_file` points at a temp file holding `http://127.0.0.1:<port>/slack`
   *   (the file, not an inline `api_url`, so the generated `*_file` mechanism is exercised);
   * - PagerDuty `routing_key_file` points at a temp file with a dummy key, and `url`
   *   (pagerduty_config's Events API endpoint, default global.pagerduty_url) is set to
   *   `http://127.0.0.1:<port>/pagerduty`;
   * - webhook `url_file` (the dead-man's switch) points at a temp file holding
   *   `http://127.0.0.1:<port>/<receiver name>`;
   * - `group_interval` only when `options.groupInterval` is given (see there).
   * The routing tree, group_by, group_wait, repeat_interval, continue flags, inhibit_rules
   * and send_resolved are untouched.
   */
  private writeAlertmanagerConfig(): string {
    const config = structuredClone(this.generatedAlertmanager);
    const secrets = this.mkdir('secrets');
    const slackUrlFile = path.join(secrets, 'slack-api-url');
    fs.writeFileSync(slackUrlFile, this.webhook.url('/slack'));
    const routingKeyFile = path.join(secrets, 'pagerduty-routing-key');
    fs.writeFileSync(routingKeyFile, 'test-routing-key-0123456789abcdef');
    for (const receiver of config.receivers ?? []) {
      for (const slack of receiver.slack_configs ?? []) slack.api_url_file = slackUrlFile;
      for (const pd of receiver.pagerduty_configs ?? []) {
        pd.routing_key_file = routingKeyFile;
        pd.url = this.webhook.url('/pagerduty');
      }
      for (const hook of receiver.webhook_configs ?? []) {
        const urlFile = path.join(secrets, `${receiver.name}-url`);
        fs.writeFileSync(urlFile, this.webhook.url(`/${receiver.name}`));
        hook.url_file = urlFile;
      }
      if (receiver.email_configs)
        throw new Error('the harness has no SMTP stand-in; this environment configures e-mail');
    }
    if (this.options.groupInterval) config.route.group_interval = this.options.groupInterval;
    const file = path.join(this.dir, 'alertmanager.yml');
    fs.writeFileSync(file, stringify(config));
    return file;
  }

  /**
   * prometheus.yml written by the harness: the generated global section (intervals and
   * external_labels, `replica: ${POD_NAME}` expanded from the env) and the generated
   * alert_relabel_configs, the generated rule files, ONE static job `app` on the test
   * exporter (its labels stand in for what kubernetes_sd relabeling adds, namely
   * `namespace`), and the local Alertmanager instead of Kubernetes discovery.
   */
  private writePrometheusConfig(amPort: number): string {
    const generated = this.generatedPrometheus;
    const global = structuredClone(generated.global ?? {});
    if (this.options.interval) {
      global.scrape_interval = this.options.interval;
      global.evaluation_interval = this.options.interval;
    }
    const rulesDir = this.mkdir('rules');
    const ruleFiles = Object.entries(this.rules).map(([key, text]) => {
      const file = path.join(rulesDir, key);
      fs.writeFileSync(file, text);
      return file;
    });
    const alerting: Record<string, unknown> = {
      alertmanagers: [
        { api_version: 'v2', static_configs: [{ targets: [`${LOOPBACK}:${amPort}`] }] },
      ],
    };
    if (generated.alerting?.alert_relabel_configs)
      alerting.alert_relabel_configs = generated.alerting.alert_relabel_configs;
    const config = {
      global,
      rule_files: ruleFiles,
      alerting,
      scrape_configs: [
        {
          job_name: 'app',
          static_configs: [
            {
              targets: [`${LOOPBACK}:${this.exporter.port}`],
              labels: this.options.targetLabels ?? { namespace: 'shop' },
            },
          ],
        },
      ],
    };
    const file = path.join(this.dir, 'prometheus.yml');
    fs.writeFileSync(file, stringify(config));
    return file;
  }

  private mkdir(name: string): string {
    return mkdirIn(this.dir, name);
  }

  /** The last lines of each process's log, for error messages. */
  public logs(lines = 30): string {
    return processLogs(this.processes, lines);
  }

  /** Runs an instant PromQL query; returns the result vector. */
  public async query(expr: string): Promise<any[]> {
    const json = await prometheusApi(this.prometheusUrl, '/api/v1/query', { query: expr });
    if (json.status !== 'success') throw new Error(`query ${expr} failed: ${JSON.stringify(json)}`);
    return json.data.result;
  }

  /** The alerts Alertmanager holds (API v2), with their labels. */
  public async alertmanagerAlerts(): Promise<any[]> {
    const res = await fetch(`${this.alertmanagerUrl}/api/v2/alerts`, {
      signal: AbortSignal.timeout(5000),
    });
    return (await res.json()) as any[];
  }

  /**
   * Waits until Prometheus holds at least `n` samples of the exporter's counter, so an
   * increase() has a baseline (Prometheus's first scrape comes about 5 s after start).
   */
  public async waitForSamples(n: number, timeoutMs: number): Promise<void> {
    await waitUntil(
      `${n} samples of http_requests_total`,
      async () => {
        const result = await this.query('count_over_time(http_requests_total[5m])');
        return result.length > 0 && Number(result[0].value[1]) >= n ? true : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    );
  }

  /** Deletes series from Prometheus's TSDB (needs `adminApi`). */
  public async deleteSeries(match: string): Promise<void> {
    const res = await fetch(
      `${this.prometheusUrl}/api/v1/admin/tsdb/delete_series?match[]=${encodeURIComponent(match)}`,
      {
        method: 'POST',
        signal: AbortSignal.timeout(5000),
      },
    );
    if (res.status !== 204)
      throw new Error(`delete_series ${match} answered ${res.status}: ${await res.text()}`);
  }

  /** Kills every process (SIGTERM, then SIGKILL after 5 s), closes the servers, removes the temp dir. */
  public async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.processes.map((p) => terminate(p.child)));
    await Promise.all([this.exporter?.stop(), this.webhook?.stop()]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
export function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The parsed prometheus.yml and alertmanager.yml and the rule files' text of one environment. */
/** The generated `--web.external-url` argument of a StatefulSet's first container, if any. */
export function externalUrlArgs(env: EnvironmentName, statefulSet: string): string[] {
  const object = find(synthEnvironment(env).objects, 'StatefulSet', statefulSet);
  if (!object) throw new Error(`no StatefulSet ${statefulSet} in ${env}`);
  return (podTemplateOf(object).spec.containers[0].args as string[]).filter((a) =>
    a.startsWith('--web.external-url='),
  );
}

function generatedFiles(
  env: EnvironmentName,
  configure?: (stack: ObservabilityStack) => void,
): { prometheus: any; alertmanager: any; rules: Record<string, string> } {
  const objects = configure ? configuredObjects(env, configure) : synthEnvironment(env).objects;
  const promData = configMapData(objects, 'prometheus-config');
  const amData = configMapData(objects, 'alertmanager-config');
  return {
    prometheus: parse(promData['prometheus.yml']),
    alertmanager: parse(amData['alertmanager.yml']),
    rules: Object.fromEntries(Object.entries(promData).filter(([k]) => k !== 'prometheus.yml')),
  };
}

/** Timing, labels and the burst rule of one environment's generated configs (no processes). */
export function generatedAlertConfig(
  env: EnvironmentName = 'prod',
  configure?: (stack: ObservabilityStack) => void,
): GeneratedAlertConfig {
  const files = generatedFiles(env, configure);
  const global = files.prometheus.global ?? {};
  const route = files.alertmanager.route ?? {};
  let burstRule: GeneratedAlertConfig['burstRule'] | undefined;
  for (const text of Object.values(files.rules)) {
    for (const group of parse(text)?.groups ?? []) {
      const rule = (group.rules ?? []).find((r: any) => r.alert === 'Http5xxErrorBurst');
      if (rule) burstRule = rule;
    }
  }
  if (!burstRule) throw new Error(`no Http5xxErrorBurst rule in the ${env} prometheus-config`);
  const threshold = /\)\s*>\s*([0-9.]+)\s*$/.exec(burstRule.expr);
  if (!threshold) throw new Error(`cannot read the threshold of ${burstRule.expr}`);
  // Prometheus's and Alertmanager's own defaults where the generated file leaves a key out.
  return {
    scrapeInterval: global.scrape_interval ?? '1m',
    evaluationInterval: global.evaluation_interval ?? '1m',
    externalLabels: global.external_labels ?? {},
    groupWait: route.group_wait ?? '30s',
    groupInterval: route.group_interval ?? '5m',
    burstRule,
    burstThreshold: Number(threshold[1]),
  };
}

function configuredObjects(
  env: EnvironmentName,
  configure: (stack: ObservabilityStack) => void,
): KubeObject[] {
  const stack = new ObservabilityStack(Testing.app(), 'observability', environmentProfile(env));
  configure(stack);
  return Testing.synth(stack) as KubeObject[];
}

function configMapData(objects: KubeObject[], name: string): Record<string, string> {
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
  if (!configMap?.data) throw new Error(`ConfigMap ${name} is not in the synthesized objects`);
  return configMap.data;
}

/** Go duration strings as used in these configs (`15s`, `5m`, `1h30m`) in seconds. */
export function durationSeconds(text: string | undefined): number {
  if (!text) return 0;
  const units: Record<string, number> = {
    ms: 0.001,
    s: 1,
    m: 60,
    h: 3600,
    d: 86400,
    w: 604800,
    y: 31536000,
  };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g;
  let consumed = '';
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]];
    consumed += m[0];
  }
  if (consumed !== text) throw new Error(`not a duration: ${text}`);
  return total;
}
