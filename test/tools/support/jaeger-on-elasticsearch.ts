import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseDocument } from 'yaml';
import { JAEGER_HEALTH_PATH, JaegerPorts } from '../../../lib/jaeger/jaeger-config';
import { jaegerElasticsearchPrivileges } from '../../../lib/jaeger/jaeger-storage';
import { KubeObject, podTemplateOf, synthEnvironment } from '../../support/environments';
import { freePort, sleep, toolBinary, waitUntil } from './alert-harness';
import { ElasticsearchServer, TestRole } from './elasticsearch';
import { ConfigRewrite } from './filebeat';

/**
 * Real Jaeger v2 (2.13, built by scripts/install-tools.sh) on a real, secured Elasticsearch
 * 8.19 (test/tools/support/elasticsearch.ts), both on loopback, running the GENERATED staging
 * configs: staging splits Jaeger into the `jaeger-collector` and `jaeger-query` Deployments,
 * each with its own ConfigMap, so two Jaeger processes run, as in the cluster. Used by
 * test/tools/jaeger-elasticsearch.tools.test.ts and bench/traces-delay.ts.
 *
 * Each config is the exact ConfigMap text, edited in place: only listen addresses and ports,
 * the Elasticsearch URL, the CA file, the password file and the sampling strategies file (a
 * file of the mounted ConfigMap) change, each listed in {@link JaegerOnElasticsearch.rewrites}.
 * The user name stays `${env:ES_USERNAME}`, set in the processes' environment as the
 * Deployments set it from the Secret. A run that changes timing (a variant, never the
 * generated config) lists those changes apart, in {@link JaegerOnElasticsearch.tuning}.
 */

const LOOPBACK = '127.0.0.1';
const JAEGER_IMAGE = /^docker\.io\/jaegertracing\/jaeger:/;
/** The user of the `jaeger-elasticsearch-credentials` Secret. */
export const JAEGER_ES_USER = 'jaeger';
const BACKENDS = ['extensions', 'jaeger_storage', 'backends'];

/**
 * The role of the Jaeger user. `indices` is what the `jaeger-elasticsearch-credentials` row of
 * the README documents (all on jaeger-* indices). `cluster` is what Jaeger 2.13 also needs to
 * start, found by starting it without (jaeger-elasticsearch.tools.test.ts keeps that check):
 * `create_mappings` (on by default; the generated config leaves it) makes the collector and
 * the query PUT their composable index templates (`_index_template/jaeger-span`, ...) at
 * start, which takes `manage_index_templates`; without it the collector exits with
 * `action [indices:admin/index_template/put] is unauthorized for user [jaeger]`. `monitor` is
 * not needed: with `manage_index_templates` alone both start, write and read.
 */
export function jaegerRole(indexPrefix?: string): TestRole {
  // The role the stack's elasticsearch-users Job gives Jaeger, as the stack defines it.
  return jaegerElasticsearchPrivileges(indexPrefix);
}

/** One Jaeger Deployment of the generated environment: its config and sampling file as mounted. */
export interface GeneratedJaegerConfig {
  readonly deployment: string;
  readonly configText: string;
  readonly samplingText?: string;
}

/** Every Jaeger Deployment's config of an environment, from its ConfigMap. */
export function generatedJaegerConfigs(
  env: 'staging' | 'prod' = 'staging',
): GeneratedJaegerConfig[] {
  const { objects } = synthEnvironment(env);
  const found: GeneratedJaegerConfig[] = [];
  for (const object of objects) {
    const spec = podTemplateOf(object)?.spec;
    const container = (spec?.containers ?? []).find((c: any) => JAEGER_IMAGE.test(c.image ?? ''));
    if (!container) continue;
    const arg = (container.args ?? []).find((a: string) => a.startsWith('--config='));
    if (!arg) throw new Error(`${object.metadata.name}: no --config= argument`);
    const configText = mountedFile(objects, spec, container, arg.slice('--config='.length));
    const samplingPath: string | undefined =
      parse(configText)?.extensions?.remote_sampling?.file?.path;
    found.push({
      deployment: object.metadata.name,
      configText,
      samplingText: samplingPath ? mountedFile(objects, spec, container, samplingPath) : undefined,
    });
  }
  return found;
}

function mountedFile(objects: KubeObject[], spec: any, container: any, file: string): string {
  const mount = (container.volumeMounts ?? []).find(
    (m: any) => !m.subPath && m.mountPath === path.posix.dirname(file),
  );
  const volume = mount && (spec.volumes ?? []).find((v: any) => v.name === mount.name);
  const configMap =
    volume?.configMap?.name &&
    objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name);
  const text = configMap?.data?.[path.posix.basename(file)];
  if (typeof text !== 'string') throw new Error(`no ConfigMap key is mounted at ${file}`);
  return text;
}

/**
 * Timing settings changed for a variant run. Not the generated configuration: what each
 * value does is in docs/traces-delay.md.
 */
export interface JaegerLatencyTuning {
  /** `processors.batch.timeout` of the collector (generated: `batch: {}`, 200 ms). */
  readonly batchTimeout?: string;
  /** `...elasticsearch.bulk_processing.flush_interval` (generated: unset, 200 ms). */
  readonly bulkFlushInterval?: string;
  /**
   * `index.refresh_interval` added to Jaeger's span and service index templates after Jaeger
   * created them (Jaeger's templates set none, so Elasticsearch's 1 s applies).
   */
  readonly refreshInterval?: string;
}

export interface JaegerOnElasticsearchOptions {
  /** A variant's timing changes. @default - none: the generated timing */
  readonly tuning?: JaegerLatencyTuning;
  /** The Jaeger user's role, to find out what Jaeger needs. @default jaegerRole(<the config's index_prefix>) */
  readonly role?: TestRole;
}

/** A running Jaeger process and the loopback port standing in for each generated port. */
export interface JaegerProcess {
  readonly deployment: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly configFile: string;
  /** Loopback port by generated port (4318 -> 40123). */
  readonly ports: ReadonlyMap<number, number>;
}

export class JaegerOnElasticsearch {
  public static async start(
    options: JaegerOnElasticsearchOptions = {},
  ): Promise<JaegerOnElasticsearch> {
    const configs = generatedJaegerConfigs('staging');
    const deployments = configs.map((c) => c.deployment).sort();
    if (deployments.join() !== 'jaeger-collector,jaeger-query') {
      throw new Error(
        `staging's Jaeger Deployments are ${deployments.join(', ')}; this harness runs jaeger-collector and jaeger-query`,
      );
    }
    const prefix: string | undefined = parse(configs[0].configText)?.extensions?.jaeger_storage
      ?.backends?.trace_storage?.elasticsearch?.indices?.index_prefix;
    const es = await ElasticsearchServer.start({
      users: { [JAEGER_ES_USER]: options.role ?? jaegerRole(prefix) },
    });
    const harness = new JaegerOnElasticsearch(es, prefix);
    try {
      harness.esUrl = harness.es.url;
      // The collector first: it creates the index templates the query then finds.
      for (const name of ['jaeger-collector', 'jaeger-query'])
        await harness.startProcess(
          configs.find((c) => c.deployment === name)!,
          options.tuning ?? {},
        );
      if (options.tuning?.refreshInterval)
        await harness.setTemplateRefreshInterval(options.tuning.refreshInterval);
    } catch (e) {
      const logs = harness.logs();
      await harness.stop();
      throw new Error(`${e instanceof Error ? e.message : e}\n${logs}`, { cause: e });
    }
    return harness;
  }

  /** Every change made to the generated configs for this machine: addresses, ports, files. */
  public readonly rewrites: ConfigRewrite[] = [];
  /** The timing changes of a variant run (empty for the generated configuration). */
  public readonly tuning: ConfigRewrite[] = [];
  /** The processes' environment beyond the inherited one, as the Deployments set it. */
  public readonly environment: Record<string, string> = { ES_USERNAME: JAEGER_ES_USER };
  public readonly processes: JaegerProcess[] = [];
  /** What Jaeger is given as `server_urls`: the test cluster's proxy (ElasticsearchServer.url). */
  public esUrl = '';
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jaeger-es-'));

  private constructor(
    public readonly es: ElasticsearchServer,
    public readonly indexPrefix: string | undefined,
  ) {}

  /** `<prefix>-jaeger-span-*`, the daily span indices. */
  public get spanIndexPattern(): string {
    return `${this.indexPrefix ? `${this.indexPrefix}-` : ''}jaeger-span-*`;
  }

  /** The collector's OTLP/HTTP traces URL. */
  public get otlpHttpUrl(): string {
    return this.url('jaeger-collector', JaegerPorts.otlpHttp, '/v1/traces');
  }

  /** A URL of a generated port of one process, on its loopback stand-in. */
  public url(deployment: string, generatedPort: number, urlPath: string): string {
    const proc = this.processes.find((p) => p.deployment === deployment);
    const port = proc?.ports.get(generatedPort);
    if (port === undefined)
      throw new Error(`${deployment} does not listen on generated port ${generatedPort}`);
    return `http://${LOOPBACK}:${port}${urlPath}`;
  }

  /** Sends one span over OTLP/HTTP (JSON) to the collector; resolves with the HTTP answer. */
  public async sendSpan(span: {
    service: string;
    traceId: string;
    spanId: string;
    name: string;
  }): Promise<{ status: number; text: string }> {
    const startNs = BigInt(Date.now()) * 1_000_000n;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: span.service } }] },
          scopeSpans: [
            {
              scope: { name: 'jaeger-on-elasticsearch' },
              // kind 2: SERVER
              spans: [
                {
                  traceId: span.traceId,
                  spanId: span.spanId,
                  name: span.name,
                  kind: 2,
                  startTimeUnixNano: String(startNs),
                  endTimeUnixNano: String(startNs + 1_000_000n),
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(this.otlpHttpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    return { status: res.status, text: await res.text() };
  }

  /** `GET /api/traces/<id>` of the query process: the trace, or undefined while it answers 404. */
  public async getTrace(traceId: string): Promise<any | undefined> {
    const res = await fetch(this.url('jaeger-query', JaegerPorts.query, `/api/traces/${traceId}`), {
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    if (res.status === 404) return undefined;
    if (res.status !== 200)
      throw new Error(`GET /api/traces/${traceId} answered ${res.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text).data?.[0];
  }

  /** The collector's Prometheus metrics (`service.telemetry.metrics`). */
  public async collectorMetrics(): Promise<string> {
    const res = await fetch(this.url('jaeger-collector', JaegerPorts.metrics, '/metrics'), {
      signal: AbortSignal.timeout(5000),
    });
    return res.text();
  }

  /** The last lines of each process's output and of Elasticsearch's. */
  public logs(lines = 30): string {
    const own = this.processes.map((p) => {
      const text = fs.existsSync(p.logFile)
        ? fs.readFileSync(p.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
        : '';
      return `--- ${p.deployment} (${p.logFile})\n${text}`;
    });
    return [...own, this.es.logs(lines)].join('\n');
  }

  public async stop(): Promise<void> {
    for (const proc of [...this.processes].reverse()) {
      const child = proc.child;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        for (let i = 0; i < 50 && child.exitCode === null && child.signalCode === null; i++)
          await sleep(100);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    }
    await this.es.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Starts one Deployment's process and waits until it is healthy. On a shared machine another
   * program can take a port between freePort() and Jaeger's bind; then it starts again on new ports.
   */
  private async startProcess(
    generated: GeneratedJaegerConfig,
    tuning: JaegerLatencyTuning,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const rewrites: ConfigRewrite[] = [];
      const tuned: ConfigRewrite[] = [];
      try {
        await this.launch(generated, tuning, rewrites, tuned);
        this.rewrites.push(...rewrites);
        this.tuning.push(...tuned);
        return;
      } catch (e) {
        const failed = this.processes.findIndex((p) => p.deployment === generated.deployment);
        const log = failed >= 0 ? fs.readFileSync(this.processes[failed].logFile, 'utf8') : '';
        if (attempt >= 3 || !/bind: address already in use/.test(log)) throw e;
        this.processes.splice(failed, 1);
      }
    }
  }

  private async launch(
    generated: GeneratedJaegerConfig,
    tuning: JaegerLatencyTuning,
    rewrites: ConfigRewrite[],
    tuned: ConfigRewrite[],
  ): Promise<void> {
    const name = generated.deployment;
    const doc = parseDocument(generated.configText);
    const config = doc.toJS();
    const set = (
      list: ConfigRewrite[],
      at: (string | number)[],
      to: unknown,
      why: string,
    ): void => {
      const from = at.reduce<any>((node, key) => node?.[key], config);
      list.push({ key: `${name}: ${at.join('.')}`, from, to, why });
      doc.setIn(at, Array.isArray(to) ? doc.createNode(to) : to);
    };
    const ports = new Map<number, number>();
    for (const listener of listenEndpoints(config)) {
      const local = await freePort();
      ports.set(listener.port, local);
      if (listener.kind === 'endpoint') {
        set(
          rewrites,
          listener.path,
          `${LOOPBACK}:${local}`,
          'loopback only, on a free port (the pod listens on 0.0.0.0 and the fixed port)',
        );
      } else {
        set(rewrites, [...listener.path, 'host'], LOOPBACK, 'loopback only');
        set(rewrites, [...listener.path, 'port'], local, 'a free port');
      }
    }
    if (generated.samplingText !== undefined) {
      const file = path.join(this.dir, `${name}-sampling-strategies.json`);
      fs.writeFileSync(file, generated.samplingText);
      set(
        rewrites,
        ['extensions', 'remote_sampling', 'file', 'path'],
        file,
        'a copy of the generated sampling-strategies.json (a key of the same ConfigMap, mounted beside config.yaml)',
      );
    }
    const user = this.es.user(JAEGER_ES_USER);
    for (const backend of Object.keys(config.extensions?.jaeger_storage?.backends ?? {})) {
      const es = [...BACKENDS, backend, 'elasticsearch'];
      if (!config.extensions.jaeger_storage.backends[backend].elasticsearch) continue;
      set(
        rewrites,
        [...es, 'server_urls'],
        [this.esUrl],
        "the test cluster (TLS, this run's CA), in place of the elasticsearch-http Service, " +
          "through the harness's pass-through, which answers the client's HEAD / health check",
      );
      if (doc.getIn([...es, 'tls', 'ca_file']) !== undefined) {
        set(
          rewrites,
          [...es, 'tls', 'ca_file'],
          this.es.certificates.caFile,
          "this run's CA, in place of the elasticsearch-certs Secret's ca.crt",
        );
      }
      if (doc.getIn([...es, 'auth', 'basic', 'password_file']) !== undefined) {
        set(
          rewrites,
          [...es, 'auth', 'basic', 'password_file'],
          user.passwordFile,
          "the jaeger user's password (mode 0600), in place of the jaeger-elasticsearch-credentials Secret's file",
        );
      }
      if (name === 'jaeger-collector' && tuning.bulkFlushInterval) {
        set(
          tuned,
          [...es, 'bulk_processing', 'flush_interval'],
          tuning.bulkFlushInterval,
          'VARIANT: the bulk processor flushes this often (default 200 ms)',
        );
      }
    }
    if (name === 'jaeger-collector' && tuning.batchTimeout) {
      set(
        tuned,
        ['processors', 'batch', 'timeout'],
        tuning.batchTimeout,
        'VARIANT: the batch processor sends this often (default 200 ms; 0 sends at once)',
      );
    }
    const configFile = path.join(this.dir, `${name}.yaml`);
    fs.writeFileSync(configFile, doc.toString(), { mode: 0o600 });
    const logFile = path.join(this.dir, `${name}.log`);
    const log = fs.openSync(logFile, 'w');
    const child = spawn(toolBinary('jaeger'), [`--config=${configFile}`], {
      cwd: this.dir,
      env: { ...process.env, ...this.environment },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    const proc: JaegerProcess = { deployment: name, child, logFile, configFile, ports };
    this.processes.push(proc);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) =>
        reject(new Error(`${name} exited (${code ?? signal}) before it was healthy`)),
      ),
    );
    exited.catch(() => undefined);
    await Promise.race([
      waitUntil(
        `${name} ${JAEGER_HEALTH_PATH}`,
        async () => {
          // Ends the polling once the process is gone; `exited` has said why.
          if (child.exitCode !== null || child.signalCode !== null) return false;
          const res = await fetch(this.url(name, JaegerPorts.health, JAEGER_HEALTH_PATH), {
            signal: AbortSignal.timeout(2000),
          });
          return res.status === 200 ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      ),
      exited,
    ]);
  }

  /** Adds `index.refresh_interval` to the span and service templates Jaeger made at start. */
  private async setTemplateRefreshInterval(interval: string): Promise<void> {
    const p = this.indexPrefix ? `${this.indexPrefix}-` : '';
    for (const name of [`${p}jaeger-span`, `${p}jaeger-service`]) {
      const found = await this.es.ok('GET', `/_index_template/${name}`);
      const template = found.index_templates?.[0]?.index_template;
      if (!template) throw new Error(`Jaeger made no index template ${name}`);
      const settings = template.template.settings ?? (template.template.settings = {});
      this.tuning.push({
        key: `index template ${name}: template.settings.index.refresh_interval`,
        from: settings.index?.refresh_interval,
        to: interval,
        why: "VARIANT: new daily indices refresh this often (Jaeger's template sets none: Elasticsearch's default, 1 s)",
      });
      settings.index = { ...(settings.index ?? {}), refresh_interval: interval };
      await this.es.ok('PUT', `/_index_template/${name}`, template);
    }
  }
}

/** A listen address of a config: an `endpoint: host:port` value, or the Prometheus reader's host and port. */
export interface Listener {
  readonly kind: 'endpoint' | 'host-port';
  readonly path: (string | number)[];
  readonly port: number;
}

/** Every listen address in a Jaeger config: `*.endpoint` values and `prometheus: { host, port }`. */
export function listenEndpoints(node: any, at: (string | number)[] = []): Listener[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => listenEndpoints(item, [...at, i]));
  if (!node || typeof node !== 'object') return [];
  const found: Listener[] = [];
  for (const [key, value] of Object.entries<any>(node)) {
    const endpoint =
      key === 'endpoint' && typeof value === 'string' ? /^[^:]*:(\d+)$/.exec(value) : null;
    if (endpoint) found.push({ kind: 'endpoint', path: [...at, key], port: Number(endpoint[1]) });
    else if (key === 'prometheus' && value && typeof value.port === 'number')
      found.push({ kind: 'host-port', path: [...at, key], port: value.port });
    else found.push(...listenEndpoints(value, [...at, key]));
  }
  return found;
}
