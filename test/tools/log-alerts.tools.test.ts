/**
 * Tier 4: the log alerts reach on-call through the same Alertmanager routing as the metric
 * alerts, with real processes on 127.0.0.1:
 *
 *   log documents --> Elasticsearch 8.19 (secured; the generated setup Job's templates, the
 *   generated users Job's users) --> ElastAlert 2 (the GENERATED config.yaml and rule files of
 *   prod's `log-alerting-config`, its Deployment's commands, its user) --> Alertmanager (prod's
 *   generated routing, alert-harness.ts) --> webhook receiver (PagerDuty and Slack stand-in)
 *
 * - more than the threshold of ERROR logs of one service: a warning, to Slack, with the labels
 *   (`severity`, `service`, `namespace`, `env`, `region`) and annotations (`summary`,
 *   `description`, `runbook_url`) the rule generates;
 * - exactly the threshold for another service: silent;
 * - one CRITICAL log (of a log without Kubernetes metadata): critical, to PagerDuty and Slack,
 *   without a `namespace` label;
 * - ElastAlert's user reads the logs and its own indices, and is refused writing the logs,
 *   creating other indices and reading users; its peak memory fits its request.
 *
 * Made faster than production, and only here (each rewrite is listed in `rewrites`): the rules'
 * and config's `run_every` is 2 s instead of the generated check interval; Elasticsearch and
 * Alertmanager are at their loopback addresses instead of the Services'; the CA and the rules
 * folder are at temp paths. Thresholds, windows, filters, labels and annotations are unchanged.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { LogAlert, LogAlerting } from '../../lib';
import { podTemplateOf, synthEnvironment } from '../support/environments';
import {
  AlertHarness,
  freePort,
  terminate,
  waitUntil,
  WebhookRequest,
} from './support/alert-harness';
import { ElasticsearchServer } from './support/elasticsearch';
import { rewriteForDistribution } from './support/logs-pipeline';
import { drawUsersJobSecrets } from './support/users-job-secrets';
import { runSetupJob } from './support/setup-job-run';
import { removeTempDirs, tempDir, toolPath } from './support/tools';

jest.setTimeout(600_000);

const ENV = 'prod';
const RUN_EVERY = { seconds: 2 };
const CONFIG_MAP = 'log-alerting-config';

const { stack, objects } = synthEnvironment(ENV);
const logAlerting = stack.logAlerting as LogAlerting;

function configMapData(name: string): Record<string, string> {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
  if (!cm) throw new Error(`no ConfigMap ${name} in ${ENV}`);
  return cm.data;
}

/** The generated command of a container of the log-alerting Deployment. */
function deploymentCommand(container: string): string[] {
  const deployment = objects.find(
    (o) => o.kind === 'Deployment' && o.metadata.name === logAlerting.name,
  )!;
  const spec = podTemplateOf(deployment).spec;
  const c = [...(spec.initContainers ?? []), ...spec.containers].find(
    (x: any) => x.name === container,
  );
  return c.command;
}

interface Rewrite {
  readonly key: string;
  readonly from: unknown;
  readonly to: unknown;
  readonly why: string;
}

let es: ElasticsearchServer;
let harness: AlertHarness;
let elastalert: ChildProcess | undefined;
let dir: string;
let elastalertLog: string;
const rewrites: Rewrite[] = [];
const credentials = { username: '', password: '' };

function logs(): string {
  const text = fs.existsSync(elastalertLog)
    ? fs.readFileSync(elastalertLog, 'utf8').trimEnd().split('\n').slice(-40).join('\n')
    : '';
  return `--- elastalert\n${text}\n${harness?.logs() ?? ''}\n${es?.logs(10) ?? ''}`;
}

/** Rewrites `key` of a parsed file, recording it. */
function rewrite(file: string, doc: any, key: string, to: unknown, why: string): void {
  rewrites.push({ key: `${file} ${key}`, from: doc[key], to, why });
  doc[key] = to;
}

/** The generated config.yaml and rule files, with the rewrites of the file comment, in `dir`. */
function writeElastAlertFiles(esUrl: URL, alertmanagerUrl: string): string {
  const data = configMapData(CONFIG_MAP);
  const rulesDir = path.join(dir, 'rules');
  fs.mkdirSync(rulesDir);
  const config = parse(data['config.yaml']);
  rewrite('config.yaml', config, 'rules_folder', rulesDir, 'the ConfigMap is in a temp directory');
  rewrite('config.yaml', config, 'es_host', esUrl.hostname, 'the test cluster on loopback');
  rewrite('config.yaml', config, 'es_port', Number(esUrl.port), 'the test cluster on loopback');
  rewrite('config.yaml', config, 'ca_certs', es.certificates.caFile, "the test cluster's CA");
  rewrite('config.yaml', config, 'run_every', RUN_EVERY, 'fast');
  const configFile = path.join(dir, 'config.yaml');
  fs.writeFileSync(configFile, stringify(config));
  for (const [key, text] of Object.entries(data)) {
    if (key === 'config.yaml') continue;
    const rule = parse(text);
    rewrite(key, rule, 'run_every', RUN_EVERY, 'fast');
    rewrite(
      key,
      rule,
      'alertmanager_hosts',
      [alertmanagerUrl],
      'the test Alertmanager on loopback',
    );
    fs.writeFileSync(path.join(rulesDir, key), stringify(rule));
  }
  return configFile;
}

/** Runs the generated users Job so ElastAlert logs in as the user it would have in the cluster. */
async function createUsers(): Promise<void> {
  const secretsDir = path.join(dir, 'secrets');
  // One username and one random password per Secret, as `npm run dev-secrets` would draw them.
  const values = drawUsersJobSecrets(objects, secretsDir);
  const mine = values.get(logAlerting.credentials!.secretName);
  if (!mine)
    throw new Error(`the users Job reads no Secret ${logAlerting.credentials!.secretName}`);
  credentials.username = mine.username;
  credentials.password = mine.password;
  const usernameFile = path.join(dir, 'elastic-username');
  fs.writeFileSync(usernameFile, 'elastic');
  for (const [configMap, secrets] of [
    // The log templates first, as in a cluster: the data streams come from them.
    ['elasticsearch-setup-config', undefined],
    ['elasticsearch-users-config', secretsDir],
  ] as const) {
    const r = await runSetupJob({
      objects,
      configMap,
      dir,
      apiUrl: es.url,
      caFile: es.certificates.caFile,
      usernameFile,
      passwordFile: es.elasticPasswordFile,
      secretsDir: secrets,
      dropSteps: {
        pattern: /\/_(ilm|slm)\/policy\/|\/_snapshot\//,
        why: 'no ILM, SLM or repository-s3 module in this distribution',
      },
      rewriteFile: rewriteForDistribution,
    });
    if (r.status !== 0) throw new Error(`${configMap} failed:\n${r.stdout}\n${r.stderr}`);
  }
}

/** A tool of the Deployment's command, from the tools tier (`elastalert`, `elastalert-create-index`). */
function localCommand(command: string[]): { file: string; args: string[] } {
  const [tool, ...args] = command;
  return { file: path.join(path.dirname(toolPath('elastalert')), tool), args };
}

/** Runs a command to its end (at most 2 minutes) without blocking this process. */
function runToExit(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

async function startElastAlert(configFile: string): Promise<void> {
  // Without this machine's REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE, which the requests library
  // would put in place of the configured `ca_certs` (the image sets neither).
  const { REQUESTS_CA_BUNDLE: _r, CURL_CA_BUNDLE: _c, ...machineEnv } = process.env;
  const env = {
    ...machineEnv,
    ES_USERNAME: credentials.username,
    ES_PASSWORD: credentials.password,
    TZ: 'UTC',
  };
  const swapConfig = (args: string[]) =>
    args.map((a, i) => (args[i - 1] === '--config' ? configFile : a));
  const createIndex = localCommand(deploymentCommand('create-index'));
  // Not spawnSync: the cluster's proxy (support/elasticsearch.ts) runs in this process.
  const created = await runToExit(createIndex.file, swapConfig(createIndex.args), env);
  if (created.status !== 0) throw new Error(`elastalert-create-index failed:\n${created.output}`);

  const main = localCommand(deploymentCommand('elastalert'));
  const metricsPort = await freePort();
  const args = swapConfig(main.args).map((a, i, all) =>
    all[i - 1] === '--prometheus_port' ? String(metricsPort) : a,
  );
  elastalertLog = path.join(dir, 'elastalert.log');
  const log = fs.openSync(elastalertLog, 'a');
  elastalert = spawn(main.file, args, { env, cwd: dir, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  // Its metrics server answers once the rules are loaded.
  await waitUntil(
    'ElastAlert metrics',
    async () => {
      if (elastalert!.exitCode !== null) throw new Error(`elastalert exited\n${logs()}`);
      const res = await fetch(`http://127.0.0.1:${metricsPort}/`).catch(() => undefined);
      return res?.ok ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

/** Appends log documents, in the stack's log shape, to the data stream their class routes them to. */
async function writeLogs(stream: string, docs: object[]): Promise<void> {
  const body = docs.map((d) => `{"create":{}}\n${JSON.stringify(d)}\n`).join('');
  const res = await es.ok('POST', `/${stream}/_bulk?refresh=true`, body, { ndjson: true });
  if (res.errors) throw new Error(`bulk failed: ${JSON.stringify(res.items).slice(0, 2000)}`);
}

function logLine(service: string, level: string, message: string, namespace?: string): object {
  return {
    '@timestamp': new Date().toISOString(),
    message,
    log: { level, logger: 'app' },
    ecs: { version: '8.11.0' },
    service: { name: service, version: '1.4.2', environment: ENV },
    ...(namespace ? { kubernetes: { namespace, pod: { name: `${service}-7d9f-abcde` } } } : {}),
  };
}

/** The alerts Alertmanager holds, by name and service. */
async function alertsOf(alert: LogAlert, service: string): Promise<any[]> {
  return (await harness.alertmanagerAlerts()).filter(
    (a) => a.labels.alertname === alert && a.labels.service === service,
  );
}

function isSlack(r: WebhookRequest, alert: string): boolean {
  return (
    r.path === '/slack' &&
    String(r.body?.attachments?.[0]?.title ?? '').startsWith('[FIRING') &&
    String(r.body?.attachments?.[0]?.title ?? '').includes(` ${alert} `)
  );
}

const errorsStream = () => {
  const errors = stack.logClasses.find((c) => c.name === 'errors');
  if (!errors) throw new Error(`no log class 'errors' in ${ENV}`);
  return `logs-${errors.name}-default`;
};

beforeAll(async () => {
  dir = tempDir('log-alerts-');
  es = await ElasticsearchServer.start();
  await createUsers();
  harness = await AlertHarness.start({ env: ENV });
  const configFile = writeElastAlertFiles(new URL(es.url), harness.alertmanagerUrl);
  await startElastAlert(configFile);
}, 300_000);

afterAll(async () => {
  if (elastalert) await terminate(elastalert);
  await harness?.stop();
  await es?.stop();
  removeTempDirs();
}, 60_000);

test('the generated rules are what the tools run, with only the listed rewrites', () => {
  const keys = rewrites.map((r) => r.key).sort();
  expect(keys).toEqual(
    [
      'config.yaml ca_certs',
      'config.yaml es_host',
      'config.yaml es_port',
      'config.yaml rules_folder',
      'config.yaml run_every',
      ...logAlerting.alerts.flatMap((a) => [
        `${a.alert}.yaml alertmanager_hosts`,
        `${a.alert}.yaml run_every`,
      ]),
    ].sort(),
  );
  // ElastAlert logs in as the user the users Job made, not as `elastic`.
  expect(credentials.username).toBe('log-alerting');
});

test('its user may read the logs but not write them, nor touch what is not its own', async () => {
  const auth = `${credentials.username}:${credentials.password}`;
  const status = async (method: string, apiPath: string, body?: unknown) =>
    (await es.request(method, apiPath, body, { auth })).status;
  expect(await status('POST', '/logs-*/_search', { size: 0 })).toBe(200);
  expect(
    await status('POST', `/${errorsStream()}/_doc`, { '@timestamp': new Date().toISOString() }),
  ).toBe(403);
  expect(await status('PUT', '/not-elastalert')).toBe(403);
  expect(await status('GET', '/_security/user')).toBe(403);
  // Its writeback indices are its own: the init container created them.
  expect(await status('POST', `/${logAlerting.writebackIndex}_status/_search`, { size: 0 })).toBe(
    200,
  );
});

test('an ERROR burst of one service reaches Alertmanager and Slack as a warning; a service at the threshold stays silent', async () => {
  const threshold = logAlerting.rules.errorBurst.threshold;
  const stream = errorsStream();
  await writeLogs(stream, [
    ...Array.from({ length: threshold + 1 }, (_, i) =>
      logLine('checkout', 'ERROR', `payment provider timed out (${i})`, 'shop'),
    ),
    ...Array.from({ length: threshold }, (_, i) =>
      logLine('inventory', 'error', `stock lookup failed (${i})`, 'shop'),
    ),
  ]);

  const slack = await waitUntil(
    'a Slack notice of ServiceErrorLogBurst',
    () => harness.webhook.requests.find((r) => isSlack(r, LogAlert.ERROR_LOG_BURST)),
    { timeoutMs: 90_000, intervalMs: 500 },
  ).catch((e) => {
    throw new Error(`${e.message}\n${logs()}`);
  });
  const [alert] = await alertsOf(LogAlert.ERROR_LOG_BURST, 'checkout');
  expect(alert.labels).toEqual({
    alertname: LogAlert.ERROR_LOG_BURST,
    elastalert_rule: LogAlert.ERROR_LOG_BURST,
    severity: 'warning',
    service: 'checkout',
    namespace: 'shop',
    env: ENV,
    region: harness.generated.externalLabels.region,
  });
  expect(alert.annotations.summary).toBe('A service logs a burst of ERROR lines');
  expect(alert.annotations.description.trim()).toBe(
    `Service checkout (namespace shop) logged more than ${threshold} ERROR logs within ${logAlerting.rules.errorBurst.window}. The latest: payment provider timed out (${threshold})`,
  );
  expect(alert.annotations.runbook_url).toBe(
    'https://github.com/observability-stack/k8s-stack/blob/main/docs/runbooks/ServiceErrorLogBurst.md',
  );
  // Warnings go to chat only (the generated severity routing), not to PagerDuty.
  expect(slack.body.channel).toBe('#alerts-prod');
  expect(
    harness.webhook.requests.some(
      (r) => r.path === '/pagerduty' && JSON.stringify(r.body).includes(LogAlert.ERROR_LOG_BURST),
    ),
  ).toBe(false);

  // The same runs searched inventory's errors; three more runs later, still nothing for it.
  await new Promise((resolve) => setTimeout(resolve, 3 * RUN_EVERY.seconds * 1000 + 1000));
  expect(await alertsOf(LogAlert.ERROR_LOG_BURST, 'inventory')).toEqual([]);
});

test('one CRITICAL log pages on PagerDuty and Slack, without a namespace when the log has none', async () => {
  await writeLogs(errorsStream(), [
    logLine('payments', 'CRITICAL', 'ledger write failed, transaction not rolled back'),
  ]);
  const pd = await waitUntil(
    'a PagerDuty event of ServiceCriticalLog',
    () =>
      harness.webhook.requests.find(
        (r) =>
          r.path === '/pagerduty' &&
          r.body?.event_action === 'trigger' &&
          String(r.body?.payload?.summary ?? '').includes(` ${LogAlert.CRITICAL_LOG} `),
      ),
    { timeoutMs: 90_000, intervalMs: 500 },
  ).catch((e) => {
    throw new Error(`${e.message}\n${logs()}`);
  });
  const expectedLabels = {
    alertname: LogAlert.CRITICAL_LOG,
    elastalert_rule: LogAlert.CRITICAL_LOG,
    severity: 'critical',
    service: 'payments',
    env: ENV,
    region: harness.generated.externalLabels.region,
  };
  const firing = pd.body.payload.custom_details.firing;
  expect(firing.map((a: any) => a.labels)).toEqual([expectedLabels]);
  expect(firing[0].annotations.runbook_url).toBe(
    'https://github.com/observability-stack/k8s-stack/blob/main/docs/runbooks/ServiceCriticalLog.md',
  );
  expect(firing[0].annotations.summary).toBe('A service logged a CRITICAL line');
  expect(firing[0].annotations.description.trim()).toBe(
    'Service payments (namespace unknown) logged a CRITICAL line: ledger write failed, transaction not rolled back',
  );
  // Critical goes on to chat as well (continue: true).
  await waitUntil(
    'a Slack notice of ServiceCriticalLog',
    () => harness.webhook.requests.find((r) => isSlack(r, LogAlert.CRITICAL_LOG)),
    { timeoutMs: 30_000, intervalMs: 500 },
  );
});

test("ElastAlert's peak memory fits the Deployment's memory request", () => {
  const status = fs.readFileSync(`/proc/${elastalert!.pid}/status`, 'utf8');
  const peakKiB = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)![1]);
  const deployment = objects.find(
    (o) => o.kind === 'Deployment' && o.metadata.name === logAlerting.name,
  )!;
  const request = podTemplateOf(deployment).spec.containers[0].resources.requests.memory;
  process.stdout.write(`ElastAlert peak RSS: ${(peakKiB / 1024).toFixed(1)} MiB\n`);
  expect(request).toMatch(/^\d+Mi$/);
  expect(peakKiB / 1024).toBeLessThan(parseInt(request, 10));
});
