import { ChildProcess, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { bootOrStop, freePort, terminate, toolBinary, waitUntil } from './alert-harness';

/**
 * Real Filebeat (7.17, built by scripts/install-tools.sh) running the GENERATED filebeat.yml
 * on container log files of a temp directory that stands in for the node's
 * /var/log/containers. Only paths, addresses and the output's endpoints are rewritten, each
 * by key and listed in {@link FilebeatRun.rewrites}, so a test can print and check them.
 */

/** One change made to the generated configuration, and why. */
export interface ConfigRewrite {
  readonly key: string;
  readonly from: unknown;
  readonly to: unknown;
  readonly why: string;
}

/**
 * Keys of the generated filebeat.yml that Filebeat 7.17 reads differently from the deployed
 * 9.x. Nothing else in the generated file is version-specific.
 */
export const KEYS_7_17_READS_DIFFERENTLY: readonly { key: string; how: string }[] = [
  {
    key: 'filebeat.inputs[0].prospector.scanner.fingerprint.length',
    how:
      '7.17 parses it, but fingerprint file identity is off before 9.0 (`fingerprint.enabled: false`, identity by inode and device), ' +
      'so a new file is read at once instead of once it holds this many bytes',
  },
];

export interface FilebeatOutputTarget {
  readonly url: string;
  readonly caFile: string;
  readonly username: string;
  readonly password: string;
}

export interface FilebeatRunOptions {
  /** filebeat.yml as the Filebeat ConfigMap holds it. */
  readonly generatedConfig: string;
  /** Where Elasticsearch is and how to log in (`logstash: false`). */
  readonly elasticsearch: FilebeatOutputTarget;
  /** An existing log directory to read; a new one when absent. */
  readonly logsDir?: string;
  /**
   * A real API server for add_kubernetes_metadata (its kubeconfig). Its `logs_path` matcher
   * finds the container id only under /var/log/containers/, so `logsDir` must be there.
   * @default - add_kubernetes_metadata removed
   */
  readonly kubeconfig?: string;
}

export class FilebeatRun {
  public static async start(options: FilebeatRunOptions): Promise<FilebeatRun> {
    const run = new FilebeatRun(
      fs.mkdtempSync(path.join(os.tmpdir(), 'filebeat-')),
      options.logsDir,
    );
    return bootOrStop(run, () => run.boot(options));
  }

  /** The directory standing in for /var/log/containers. */
  public readonly logsDir: string;
  public readonly rewrites: ConfigRewrite[] = [];
  /** The configuration Filebeat runs, after the rewrites. */
  public config: any;
  /** Filebeat's stats endpoint (`http.*`), rewritten to a free loopback port. */
  public statsUrl = '';
  private child?: ChildProcess;
  private readonly logFile: string;

  private constructor(
    public readonly dir: string,
    logsDir: string | undefined,
  ) {
    this.logsDir = logsDir ?? path.join(dir, 'containers');
    fs.mkdirSync(this.logsDir, { recursive: true });
    this.logFile = path.join(dir, 'filebeat.out');
  }

  private async boot(options: FilebeatRunOptions): Promise<void> {
    const config = parse(options.generatedConfig);
    const input = config['filebeat.inputs'][0];
    const es = options.elasticsearch;
    const port = await freePort();
    this.rewrite(
      input,
      'paths',
      `filebeat.inputs[0].paths`,
      [path.join(this.logsDir, '*.log')],
      "the node's /var/log/containers is a temp directory",
    );
    const processors: any[] = config.processors;
    const k8sIndex = processors.findIndex((p) => p.add_kubernetes_metadata !== undefined);
    if (k8sIndex >= 0 && options.kubeconfig) {
      const k8s = processors[k8sIndex].add_kubernetes_metadata;
      const key = `processors[${k8sIndex}].add_kubernetes_metadata`;
      this.rewrite(
        k8s,
        'kube_config',
        `${key}.kube_config`,
        options.kubeconfig,
        "the test's API server instead of the in-cluster service account",
      );
      const matcher = k8s.matchers[0].logs_path;
      this.rewrite(
        matcher,
        'logs_path',
        `${key}.matchers[0].logs_path.logs_path`,
        `${this.logsDir}/`,
        'the log directory of this run, under /var/log/containers/',
      );
    } else if (k8sIndex >= 0) {
      this.rewrites.push({
        key: `processors[${k8sIndex}].add_kubernetes_metadata`,
        from: processors[k8sIndex].add_kubernetes_metadata,
        to: undefined,
        why: 'no API server in this run (the test runs one when it may write under /var/log/containers, as root)',
      });
      processors.splice(k8sIndex, 1);
    }
    this.rewrite(
      config,
      'filebeat.registry.path',
      'filebeat.registry.path',
      path.join(this.dir, 'data', 'registry'),
      'the hostPath registry is a temp directory',
    );
    this.rewrite(config, 'http.host', 'http.host', '127.0.0.1', 'loopback only');
    this.rewrite(config, 'http.port', 'http.port', port, 'a free port');
    const output = config['output.elasticsearch'];
    if (!output)
      throw new Error(
        'the generated filebeat.yml has no output.elasticsearch: synthesize with logstash: false',
      );
    this.rewrite(output, 'hosts', 'output.elasticsearch.hosts', [es.url], 'the test cluster');
    if (output['ssl.certificate_authorities'] !== undefined) {
      this.rewrite(
        output,
        'ssl.certificate_authorities',
        'output.elasticsearch.ssl.certificate_authorities',
        [es.caFile],
        'the test CA',
      );
    }
    this.config = config;
    const configFile = path.join(this.dir, 'filebeat.yml');
    fs.writeFileSync(configFile, stringify(config, { lineWidth: 0 }), { mode: 0o600 });
    this.statsUrl = `http://127.0.0.1:${port}`;
    const log = fs.openSync(this.logFile, 'a');
    this.child = spawn(
      toolBinary('filebeat'),
      [
        '-e',
        '-c',
        configFile,
        '--path.home',
        this.dir,
        '--path.data',
        path.join(this.dir, 'data'),
        '--path.logs',
        path.join(this.dir, 'logs'),
      ],
      {
        cwd: this.dir,
        // As the DaemonSet's env: credentials from the Secret, the node's name from the downward API.
        env: {
          ...process.env,
          NODE_NAME: 'node-1',
          ES_USERNAME: es.username,
          ES_PASSWORD: es.password,
        },
        stdio: ['ignore', log, log],
      },
    );
    fs.closeSync(log);
    await waitUntil(
      "Filebeat's stats endpoint",
      async () => {
        if (this.child?.exitCode !== null)
          throw new Error(`filebeat exited with ${this.child?.exitCode}`);
        const res = await fetch(`${this.statsUrl}/stats`, { signal: AbortSignal.timeout(2000) });
        return res.ok ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    if (options.kubeconfig) {
      // add_kubernetes_metadata connects in the background: lines read before it has listed
      // the node's pods go out without metadata, as they would in the first seconds of a pod.
      await waitUntil(
        'add_kubernetes_metadata to reach the API server',
        () => (/kubernetes env detected/.test(this.output()) ? true : undefined),
        { timeoutMs: 30_000, intervalMs: 100 },
      );
    }
  }

  private rewrite(parent: any, field: string, key: string, to: unknown, why: string): void {
    this.rewrites.push({ key, from: parent[field], to, why });
    parent[field] = to;
  }

  /** Filebeat's own counters (`/stats`): libbeat.output.events.*, libbeat.pipeline.events.* */
  public async stats(): Promise<any> {
    const res = await fetch(`${this.statsUrl}/stats`, { signal: AbortSignal.timeout(5000) });
    return res.json();
  }

  /** Events Elasticsearch acknowledged, dropped or failed so far. */
  public async handled(): Promise<number> {
    const out = (await this.stats()).libbeat.output.events;
    return out.acked + out.dropped + out.failed;
  }

  /** Waits until Elasticsearch acknowledged at least `n` events (or fails with Filebeat's log). */
  public async waitForAcked(n: number, timeoutMs = 60_000): Promise<any> {
    return waitUntil(
      `Filebeat to have ${n} events acknowledged`,
      async () => {
        if (this.child?.exitCode !== null)
          throw new Error(`filebeat exited with ${this.child?.exitCode}`);
        const stats = await this.stats();
        const out = stats.libbeat.output.events;
        return out.acked + out.dropped + out.failed >= n ? stats : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  /** The whole console output of Filebeat. */
  public output(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  public logs(lines = 40): string {
    return `--- filebeat (${this.logFile})\n${this.output().trimEnd().split('\n').slice(-lines).join('\n')}`;
  }

  public async stop(): Promise<void> {
    if (this.child) await terminate(this.child);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One CRI log line: `<RFC 3339 nano time> <stream> <F|P> <text>`. */
export function criLine(
  text: string | Buffer,
  opts: { stream?: 'stdout' | 'stderr'; partial?: boolean; time?: Date } = {},
): Buffer {
  const time = (opts.time ?? new Date()).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
  return concatBytes([
    Buffer.from(`${time} ${opts.stream ?? 'stdout'} ${opts.partial ? 'P' : 'F'} `),
    typeof text === 'string' ? Buffer.from(text) : text,
    Buffer.from('\n'),
  ]);
}

/** Buffer.concat, typed for the Buffers this Node's types and TypeScript 5.9 disagree on. */
export function concatBytes(parts: readonly Buffer[]): Buffer {
  return Buffer.concat(parts as unknown as Uint8Array[]);
}

/** A container's log file name as the kubelet links it: `<pod>_<namespace>_<container>-<id>.log`. */
export function containerLogName(pod: string, namespace: string, container: string): string {
  return `${pod}_${namespace}_${container}-${containerId(pod, namespace, container)}.log`;
}

/** A stable 64-hex container id for a pod's container. */
export function containerId(pod: string, namespace: string, container: string): string {
  return createHash('sha256').update(`${pod}/${namespace}/${container}`).digest('hex');
}
