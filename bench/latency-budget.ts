/**
 * Prints, per environment, the latency budgets of docs/architecture.md#51-targets, computed from the
 * generated configuration (`ObservabilityStack.latencyBudget`): a log line written to it
 * being searchable (target 5 s), an alert condition to the notice sent (target 30 s), each
 * with its parts and the setting behind each part, and a metric changed to it being
 * queryable (target: 1 s behind the scrape). Beside the computed bounds it prints what the
 * end-to-end benchmarks measured, read from docs/<signal>-delay.json (`npm run bench:alerts`,
 * `npm run bench:metrics`), all of one shape (bench/measured-delay.ts).
 *
 *   npm run budget
 */
import { existsSync, readFileSync } from 'fs';
import { Testing } from 'cdk8s';
import { LatencyBreakdown, ObservabilityStack } from '../lib';
import { durationToSeconds } from '../lib/core/duration';
import { METRICS_BEHIND_SCRAPE_TARGET_SECONDS } from '../lib/stack/latency-budget';
import { ENVIRONMENTS, environmentProfile } from '../stacks/environments';
import { ALERT_DELAY_RESULTS } from './alert-delay';
import { DelaySummary, MeasuredDelay, repositoryPath } from './measured-delay';
import { METRICS_DELAY_RESULTS } from './metrics-delay';
import { TRACES_DELAY_RESULTS } from './traces-delay';
import { LOGS_DELAY_RESULTS } from './logs-delay';

const num = (n: number) => `${Number(n.toFixed(3))} s`;
/** Measured delays: sub-second ones in milliseconds, longer ones to the tenth of a second the benchmarks print. */
const measuredDelay = (n: number) =>
  Math.abs(n) < 1 ? `${Math.round(n * 1000)} ms` : `${n.toFixed(1)} s`;
const summary = (d: DelaySummary) =>
  `min ${measuredDelay(d.min)}, median ${measuredDelay(d.median)}, max ${measuredDelay(d.max)}`;

/** Wide enough for every part's name, so the three tables line up. */
const NAME_WIDTH = 50;

function printBreakdown(title: string, b: LatencyBreakdown): void {
  const verdict = b.withinTarget ? 'within' : 'OVER';
  console.log(`  ${title}: ${num(b.totalSeconds)} (target ${num(b.targetSeconds)}, ${verdict})`);
  const width = Math.max(NAME_WIDTH, ...b.parts.map((p) => p.name.length));
  for (const p of b.parts)
    console.log(`    ${p.name.padEnd(width)}  ${num(p.seconds).padStart(7)}   ${p.source}`);
}

/** How a measurement is put beside the budget of one environment. */
export interface MeasuredDelayOptions {
  /** The environment being printed; a measurement of another one is only pointed at. */
  readonly environment: string;
  /** The computed figure it is compared with, e.g. `computed bound 25 s`. */
  readonly beside: string;
  /** The command that writes the file, named when it is missing, e.g. `npm run bench:metrics`. */
  readonly measureWith: string;
}

/**
 * The lines `npm run budget` prints for one benchmark's results file (`docs/<signal>-delay.json`,
 * relative to the repository root, or absolute), labelled `label`: the headline figure, the
 * target verdict when the file has one, the other figures, or that it is not measured yet.
 */
export function measuredDelayLines(
  file: string,
  label: string,
  options: MeasuredDelayOptions,
): string[] {
  const path = repositoryPath(file);
  if (!existsSync(path)) return [`measured ${label}: not measured yet (${options.measureWith})`];
  const m = JSON.parse(readFileSync(path, 'utf8')) as MeasuredDelay;
  if (!Array.isArray(m.runs) || ![m.min, m.median, m.max].every((n) => typeof n === 'number')) {
    throw new Error(
      `${file} is not a benchmark's results file ({ runs: [...], min, median, max, date, command }): rerun ${options.measureWith}`,
    );
  }
  if (m.environment !== undefined && m.environment !== options.environment)
    return [`measured ${label}: only for ${m.environment} (${file})`];
  const figure = m.figure ? `${m.figure} ` : '';
  const verdict =
    m.targetSeconds === undefined
      ? ''
      : `; target < ${num(m.targetSeconds)}: ${m.max < m.targetSeconds ? 'PASS' : 'FAIL'}`;
  return [
    `measured ${label} (${m.runs.length} runs, ${m.command}, ${m.date}): ${figure}${summary(m)}${verdict}; ${options.beside}`,
    ...(m.figures ?? []).map((f) => `  ${f.name}: ${summary(f)}`),
    ...(m.source ? [`source of the measurement: ${m.source}`] : []),
  ];
}

function printMeasured(file: string, label: string, options: MeasuredDelayOptions): void {
  for (const text of measuredDelayLines(file, label, options)) console.log(`    ${text}`);
}

function main(): void {
  console.log(
    'Latency budgets from the generated configuration (worst case; processing and network time come on top)',
  );
  for (const env of ENVIRONMENTS) {
    const stack = new ObservabilityStack(Testing.app(), 'observability', environmentProfile(env));
    const budget = stack.latencyBudget;
    console.log(
      `\n${env} (${stack.logstash ? 'Filebeat -> Logstash -> Elasticsearch' : 'Filebeat -> Elasticsearch'})`,
    );
    printBreakdown('log line searchable, running container', budget.logs);
    printBreakdown('log line searchable, new container', budget.logsNewFile);
    printMeasured(
      LOGS_DELAY_RESULTS,
      'log line searchable, running container, Filebeat -> Elasticsearch',
      {
        environment: env,
        beside: `computed bound ${num(budget.logs.totalSeconds)}${stack.logstash ? ' (with Logstash; 50 ms less without)' : ''}`,
        measureWith: 'npm run bench:logs -- 10, about 2 minutes',
      },
    );
    printBreakdown('alert delivered, fastest rule', budget.alerts);
    printMeasured(ALERT_DELAY_RESULTS, 'Http5xxErrorBurst', {
      environment: env,
      beside: `computed bound ${num(budget.alerts.totalSeconds)}`,
      measureWith: 'npm run bench:alerts -- 10, about 6 minutes',
    });
    // Annotated application pods are scraped by kubernetes-pods, at the global interval.
    const scrapeS = durationToSeconds(stack.prometheus.scrapeInterval);
    console.log(
      `  metric queryable: up to ${num(scrapeS)} until the scrape, then target ${num(METRICS_BEHIND_SCRAPE_TARGET_SECONDS)} behind it`,
    );
    console.log(
      `    ${'scrape'.padEnd(NAME_WIDTH)}  ${num(scrapeS).padStart(7)}   prometheus.yml: global.scrape_interval = ${num(scrapeS)} (job kubernetes-pods)`,
    );
    console.log(
      `    ${'behind the scrape'.padEnd(NAME_WIDTH)}  ${'-'.padStart(7)}   no setting waits; scrape_timeout only cuts a slow target off`,
    );
    printMeasured(METRICS_DELAY_RESULTS, 'metrics', {
      environment: env,
      beside: `computed: change -> scrape at most ${num(scrapeS)}`,
      measureWith: 'npm run bench:metrics',
    });
    // lib/stack/latency-budget.ts has no traces part yet: the measurement stands alone (its waits are in docs/traces-delay.md).
    console.log(
      `  span queryable (OTLP -> Jaeger collector -> ${stack.jaeger.storage.kind} -> query API): target 100 ms`,
    );
    printMeasured(TRACES_DELAY_RESULTS, 'traces', {
      environment: env,
      beside: 'no computed bound',
      measureWith: 'npm run bench:traces -- 10, about 3 minutes',
    });
  }
}

// Only when run, not when a test imports measuredDelayLines.
if (require.main === module) main();
