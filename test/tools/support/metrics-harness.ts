import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { EnvironmentName, find, synthEnvironment } from '../../support/environments';
import {
  bootOrStop,
  close,
  durationSeconds,
  externalUrlArgs,
  listen,
  mkdirIn,
  processLogs,
  prometheusApi,
  RunningProcess,
  startPrometheus,
  terminate,
  waitReady,
} from './alert-harness';

/**
 * The metrics path made of real processes on loopback: a gauge exporter scraped by the
 * real Prometheus with the generated global section, rules and scrape timing of one
 * environment. Used by bench/metrics-delay.ts.
 */

/** The job of the generated prometheus.yml that scrapes annotated application pods. */
export const APPLICATION_JOB = 'kubernetes-pods';

/** Prometheus's own default of `global.scrape_timeout` (config/config.go, DefaultGlobalConfig). */
const DEFAULT_SCRAPE_TIMEOUT = '10s';

/** One scrape as the exporter answered it. */
export interface GaugeScrape {
  /** When the request arrived, ms since epoch. */
  readonly at: number;
  /** The value it was served. */
  readonly value: number;
}

/**
 * A stand-in application exposing one gauge in the Prometheus text format. It records every
 * scrape with the value served, so a caller knows which scrape first saw a change.
 */
export class GaugeExporter {
  public static async start(metric = 'metrics_delay_probe'): Promise<GaugeExporter> {
    const exporter = new GaugeExporter(metric);
    exporter.port = await listen(exporter.server);
    return exporter;
  }

  public port = 0;
  public readonly scrapes: GaugeScrape[] = [];
  private current = 0;
  private readonly server: http.Server;

  private constructor(public readonly metric: string) {
    this.server = http.createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.scrapes.push({ at: Date.now(), value: this.current });
      const text = `# HELP ${metric} A value the benchmark changes.\n# TYPE ${metric} gauge\n${metric} ${this.current}\n`;
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(text);
    });
  }

  /** The value served now. */
  public get value(): number {
    return this.current;
  }

  /** Serves `value` from now on; returns the time of the change (ms since epoch). */
  public set(value: number): number {
    this.current = value;
    return Date.now();
  }

  /** The first scrape that was served `value`. */
  public firstScrapeOf(value: number): GaugeScrape | undefined {
    return this.scrapes.find((s) => s.value === value);
  }

  public stop(): Promise<void> {
    return close(this.server);
  }
}

/** The scrape timing an application's metrics get from the generated prometheus.yml. */
export interface GeneratedScrapeTiming {
  /** The job it was read from. */
  readonly jobName: string;
  /** The job's `scrape_interval`, else `global.scrape_interval`, else Prometheus's 1m. */
  readonly scrapeInterval: string;
  /**
   * The job's `scrape_timeout`, else the global one, else Prometheus's 10s; never longer
   * than the interval (Prometheus takes the smaller of the two when it is not set).
   */
  readonly scrapeTimeout: string;
}

/** The parsed prometheus.yml and its rule files (the other keys of its ConfigMap) of one environment. */
function generatedPrometheusFiles(env: EnvironmentName): {
  config: any;
  rules: Record<string, string>;
} {
  const configMap = find(synthEnvironment(env).objects, 'ConfigMap', 'prometheus-config');
  if (!configMap?.data)
    throw new Error(`ConfigMap prometheus-config is not in the synthesized ${env} objects`);
  const { ['prometheus.yml']: config, ...rules } = configMap.data as Record<string, string>;
  return { config: parse(config), rules };
}

/** Applies Prometheus's defaulting of `scrape_timeout`: the smaller of the inherited timeout and the interval. */
function effectiveTimeout(
  timeout: string | undefined,
  inherited: string,
  interval: string,
): string {
  if (timeout) return timeout;
  return durationSeconds(inherited) > durationSeconds(interval) ? interval : inherited;
}

/** The scrape interval and timeout of `jobName` in the generated prometheus.yml of `env`. */
export function generatedScrapeTiming(
  env: EnvironmentName = 'prod',
  jobName = APPLICATION_JOB,
): GeneratedScrapeTiming {
  return scrapeTimingOf(generatedPrometheusFiles(env).config, jobName);
}

function scrapeTimingOf(config: any, jobName: string): GeneratedScrapeTiming {
  const job = (config.scrape_configs ?? []).find((j: any) => j.job_name === jobName);
  if (!job) throw new Error(`no scrape job ${jobName} in the generated prometheus.yml`);
  const globalInterval = config.global?.scrape_interval ?? '1m';
  const globalTimeout = effectiveTimeout(
    config.global?.scrape_timeout,
    DEFAULT_SCRAPE_TIMEOUT,
    globalInterval,
  );
  const scrapeInterval = job.scrape_interval ?? globalInterval;
  return {
    jobName,
    scrapeInterval,
    scrapeTimeout: effectiveTimeout(job.scrape_timeout, globalTimeout, scrapeInterval),
  };
}

export interface MetricsHarnessOptions {
  /** @default 'prod' */
  readonly env?: EnvironmentName;
  /**
   * Replaces the scrape interval (and a longer timeout) of the exporter's job, to make a
   * run fast. A measurement with it is not of the deployed configuration.
   * @default - the generated timing of the application job
   */
  readonly interval?: string;
  /** Labels of the exporter's target, standing in for what Kubernetes discovery adds. @default { namespace: 'shop' } */
  readonly targetLabels?: Record<string, string>;
}

/**
 * Starts the gauge exporter and Prometheus. prometheus.yml is written by the harness: the
 * generated global section (`replica: ${POD_NAME}` expanded from the env) and rule files,
 * and ONE static job `app` on the exporter with the scrape_interval and scrape_timeout the
 * generated application job (`kubernetes-pods`) has. No Alertmanager: the metrics path
 * ends at the TSDB. Always call `stop()`.
 */
export class MetricsHarness {
  public static async start(options: MetricsHarnessOptions = {}): Promise<MetricsHarness> {
    const harness = new MetricsHarness(options);
    return bootOrStop(harness, () => harness.boot());
  }

  public readonly dir: string;
  /** The timing the exporter's job runs with (the generated one unless `interval` is given). */
  public readonly timing: GeneratedScrapeTiming;
  public exporter!: GaugeExporter;
  public prometheusUrl = '';
  public prometheusConfigFile = '';
  private readonly env: EnvironmentName;
  private readonly generated: { config: any; rules: Record<string, string> };
  private readonly processes: RunningProcess[] = [];
  private stopped = false;

  private constructor(private readonly options: MetricsHarnessOptions) {
    this.env = options.env ?? 'prod';
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `metrics-harness-${this.env}-`));
    this.generated = generatedPrometheusFiles(this.env);
    const timing = scrapeTimingOf(this.generated.config, APPLICATION_JOB);
    this.timing = options.interval
      ? {
          ...timing,
          scrapeInterval: options.interval,
          scrapeTimeout: effectiveTimeout(undefined, timing.scrapeTimeout, options.interval),
        }
      : timing;
  }

  private async boot(): Promise<void> {
    this.exporter = await GaugeExporter.start();
    this.prometheusConfigFile = this.writePrometheusConfig();
    const prometheus = await startPrometheus(
      this.dir,
      this.prometheusConfigFile,
      externalUrlArgs(this.env, 'prometheus'),
    );
    this.prometheusUrl = prometheus.url;
    this.processes.push(prometheus.process);
    await waitReady(prometheus.process, this.prometheusUrl);
  }

  private writePrometheusConfig(): string {
    const rulesDir = mkdirIn(this.dir, 'rules');
    const ruleFiles = Object.entries(this.generated.rules).map(([key, text]) => {
      const file = path.join(rulesDir, key);
      fs.writeFileSync(file, text);
      return file;
    });
    const config = {
      global: this.generated.config.global ?? {},
      rule_files: ruleFiles,
      scrape_configs: [
        {
          job_name: 'app',
          scrape_interval: this.timing.scrapeInterval,
          scrape_timeout: this.timing.scrapeTimeout,
          static_configs: [
            {
              targets: [`127.0.0.1:${this.exporter.port}`],
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

  /** Runs an instant PromQL query (`/api/v1/query`, evaluated at the server's now); returns the result vector. */
  public async query(expr: string): Promise<any[]> {
    const json = await prometheusApi(this.prometheusUrl, '/api/v1/query', { query: expr });
    if (json.status !== 'success') throw new Error(`query ${expr} failed: ${JSON.stringify(json)}`);
    return json.data.result;
  }

  /** The running server's version, from `/api/v1/status/buildinfo`. */
  public async prometheusVersion(): Promise<string> {
    const json = await prometheusApi(this.prometheusUrl, '/api/v1/status/buildinfo', {});
    return String(json.data?.version);
  }

  /** The last lines of Prometheus's log, for error messages. */
  public logs(lines = 30): string {
    return processLogs(this.processes, lines);
  }

  /** Kills Prometheus (SIGTERM, then SIGKILL after 5 s), closes the exporter, removes the temp dir. */
  public async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.processes.map((p) => terminate(p.child)));
    await this.exporter?.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
