/**
 * Measures the target of docs/architecture.md#51-targets, "metrics collection < 1 s behind scrape" with the real
 * Prometheus: a gauge changes at the source, and the clock runs until an instant query
 * (`/api/v1/query`) returns the new value. Prometheus runs on 127.0.0.1 with the GENERATED
 * prod global section, rules and the scrape_interval and scrape_timeout of the job that
 * scrapes applications (test/tools/support/metrics-harness.ts); nothing is shortened unless
 * `--interval` is given.
 *
 *   npm run bench:metrics                 # 10 runs
 *   npm run bench:metrics -- 20           # 20 runs
 *   npm run bench:metrics -- 3 --interval=1s   # quick smoke run, scrape interval lowered
 *
 * One Prometheus serves every run of a pass, as a deployed one does: unlike an Alertmanager
 * group, nothing on this path keeps state from one change to the next. Each run waits a
 * random part of a scrape interval, sets the gauge to a value it never had, and polls the
 * query every POLL_INTERVAL_MS. The exporter records each scrape with the value it served,
 * so the delay splits into the wait for the scrape (change -> scrape) and what the target's
 * target speaks of, the time behind it (scrape -> queryable).
 *
 * A run with the generated timing writes docs/metrics-delay.json (every run, min, median,
 * max, date, command), which `npm run budget` prints beside the computed bound, and
 * docs/metrics-delay.md. A run with `--interval` writes nothing: it is not the deployed
 * configuration.
 */
import { writeFileSync } from 'fs';
import { cpus } from 'os';
import { join } from 'path';
import { METRICS_BEHIND_SCRAPE_TARGET_SECONDS } from '../lib/stack/latency-budget';
import { durationSeconds, sleep } from '../test/tools/support/alert-harness';
import { generatedScrapeTiming, MetricsHarness } from '../test/tools/support/metrics-harness';
import { DelaySummary, MeasuredDelay, repositoryPath, summarize, toMillis } from './measured-delay';

/** How often the instant query is sent while a change is awaited (20 to 50 ms). */
const POLL_INTERVAL_MS = 25;

/** Where the results are kept, relative to the repository root. */
export const METRICS_DELAY_RESULTS = join('docs', 'metrics-delay.json');
const METRICS_DELAY_PAGE = join('docs', 'metrics-delay.md');

/** One change of the gauge, in seconds. */
export interface MetricsDelayRun {
  /** Change -> an instant query returned the new value. */
  readonly total: number;
  /** Change -> the first scrape that was served the new value (the exporter's arrival time). */
  readonly scrapeWait: number;
  /** That scrape -> the first query answer holding the new value: the "behind scrape" figure. */
  readonly behindScrape: number;
  /**
   * How finely the polls place the moment the sample became queryable: it lies in the last
   * `resolution` seconds of `behindScrape` (after the last poll that missed it was sent).
   */
  readonly resolution: number;
  /** `scrape_duration_seconds` Prometheus recorded for that scrape. */
  readonly scrapeDuration: number;
}

/** docs/metrics-delay.json: min, median and max are of `behindScrape`. */
export interface MetricsDelayResults extends MeasuredDelay<MetricsDelayRun> {
  readonly environment: string;
  readonly figure: string;
  readonly figures: NonNullable<MeasuredDelay['figures']>;
  readonly targetSeconds: number;
  readonly prometheusVersion: string;
  /** The generated job whose timing the exporter's job copied. */
  readonly job: string;
  readonly scrapeInterval: string;
  readonly scrapeTimeout: string;
  readonly pollIntervalMs: number;
  /** Wall time of the pass, Prometheus's start included. */
  readonly elapsedSeconds: number;
  readonly machine: string;
}

const FIGURE = 'scrape -> queryable';

/** One change: waits a random part of the interval, sets `value`, polls until the query returns it. */
async function oneRun(harness: MetricsHarness, value: number): Promise<MetricsDelayRun> {
  const intervalS = durationSeconds(harness.timing.scrapeInterval);
  const { metric } = harness.exporter;
  const expr = `${metric}{job="app"}`;
  // Random phase against the scrape schedule.
  await sleep(Math.random() * intervalS * 1000);
  const changedAt = harness.exporter.set(value);

  const deadline =
    changedAt + (intervalS + durationSeconds(harness.timing.scrapeTimeout) + 10) * 1000;
  let lastMissSentAt = changedAt;
  for (;;) {
    const sentAt = Date.now();
    const result = await harness.query(expr);
    const receivedAt = Date.now();
    if (result.length > 0 && Number(result[0].value[1]) === value) {
      const scrape = harness.exporter.firstScrapeOf(value);
      if (!scrape)
        throw new Error(`Prometheus returned ${value}, which no scrape of the exporter was served`);
      // The sample must be that scrape's: Prometheus stamps it with the scrape's start.
      const stamped = Number((await harness.query(`timestamp(${expr})`))[0].value[1]) * 1000;
      if (Math.abs(stamped - scrape.at) > 1000) {
        throw new Error(
          `the sample is stamped ${new Date(stamped).toISOString()}, the exporter saw the scrape at ${new Date(scrape.at).toISOString()}`,
        );
      }
      const duration = await harness.query('scrape_duration_seconds{job="app"}');
      return {
        total: (receivedAt - changedAt) / 1000,
        scrapeWait: (scrape.at - changedAt) / 1000,
        behindScrape: (receivedAt - scrape.at) / 1000,
        resolution: (receivedAt - Math.max(lastMissSentAt, scrape.at)) / 1000,
        scrapeDuration: Number(duration[0]?.value[1] ?? NaN),
      };
    }
    if (receivedAt > deadline)
      throw new Error(
        `${expr} did not return ${value} within ${(deadline - changedAt) / 1000} s of the change`,
      );
    lastMissSentAt = sentAt;
    await sleep(Math.max(0, sentAt + POLL_INTERVAL_MS - Date.now()));
  }
}

const sec = (n: number) => `${n.toFixed(3)} s`;
/** Sub-second delays in milliseconds, longer ones in seconds. */
const delay = (n: number) => (Math.abs(n) < 1 ? `${Math.round(n * 1000)} ms` : `${n.toFixed(1)} s`);
const line = (d: DelaySummary) =>
  `min ${delay(d.min)}, median ${delay(d.median)}, max ${delay(d.max)}`;

/** Scrape intervals to project the end-to-end delay for, beside the generated one. */
const SHORTER_INTERVALS = ['5s', '2s', '1s', '500ms'];

/** The end-to-end delay a scrape interval gives, with this pass's behind-scrape figures. */
function projection(intervalS: number, behind: DelaySummary): { worst: number; mean: number } {
  return { worst: intervalS + behind.max, mean: intervalS / 2 + behind.median };
}

/** The largest scrape interval, in 100 ms steps, whose worst case stays under `targetS` end to end. */
function intervalFor(targetS: number, behind: DelaySummary): string {
  const ms = Math.floor(((targetS - behind.max) * 1000 - 1) / 100) * 100;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** How many times the samples per second of a job at `interval` instead of `fromS` seconds. */
function costFactor(fromS: number, interval: string): string {
  return `${Number((fromS / durationSeconds(interval)).toFixed(1))}x`;
}

/** docs/metrics-delay.md, from a pass's results. */
export function renderMetricsDelayPage(r: MetricsDelayResults): string {
  const intervalS = durationSeconds(r.scrapeInterval);
  const behind = { min: r.min, median: r.median, max: r.max };
  const figure = (name: string) => r.figures.find((f) => f.name === name)!;
  const total = figure('change -> queryable');
  const wait = figure('change -> scrape');
  const verdict = r.max < r.targetSeconds ? 'PASS' : 'FAIL';
  const oneSecond = intervalFor(1, behind);
  const pollBound = r.runs.every((run) => run.resolution === run.behindScrape);
  const durations = summarize(r.runs.map((run) => run.scrapeDuration));
  const rows = r.runs.map(
    (run, i) =>
      `| ${i + 1} | ${sec(run.total)} | ${sec(run.scrapeWait)} | ${delay(run.behindScrape)} | ${delay(run.resolution)} | ${delay(run.scrapeDuration)} |`,
  );
  const projections = [r.scrapeInterval, ...SHORTER_INTERVALS].map((i) => {
    const p = projection(durationSeconds(i), behind);
    return `| ${i}${i === r.scrapeInterval ? ' (generated)' : ''} | ${sec(p.mean)} | ${sec(p.worst)} | ${costFactor(intervalS, i)} |`;
  });
  return `# How far metrics lag behind the scrape

<!-- Written by bench/metrics-delay.ts (${r.command}); edit the bench, not this page. -->

The target of docs/architecture.md#51-targets: **metrics collection < 1 s behind scrape**. This page has the
delay measured with the real Prometheus ${r.prometheusVersion} and the generated ${r.environment}
configuration, and what the scrape interval adds in front of it.

## What is measured

\`bench/metrics-delay.ts\` starts, on 127.0.0.1 (\`test/tools/support/metrics-harness.ts\`), a
gauge exporter and Prometheus ${r.prometheusVersion} (built from its Go module by
\`scripts/install-tools.sh\`) with the **generated** ${r.environment} global section and rules,
scraping the exporter in one static job with the \`scrape_interval\` (${r.scrapeInterval}) and
\`scrape_timeout\` (${r.scrapeTimeout}) of the generated job that scrapes applications,
\`${r.job}\`. One Prometheus serves all runs, as a deployed one does. Each run waits a random
part of a scrape interval, sets the gauge to a value it never had, and sends the instant
query \`/api/v1/query\` every ${r.pollIntervalMs} ms until it returns the new value. The exporter
records each scrape and the value it served, which splits the delay in two:

- **change -> scrape**: the wait for the next scrape, up to one \`scrape_interval\`;
- **scrape -> queryable**: from the scrape's request reaching the exporter to the first query
  answer holding the value (the answer's arrival, so the query's round trip is included).
  This is the figure the target speaks of. The sample became queryable in the last
  "resolution" of it (after the last poll that missed it was sent).

Each run also checks that the sample Prometheus holds is stamped with that scrape's time.

## Result

Command (${r.machine}, ${Math.round(r.elapsedSeconds)} s for ${r.runs.length} runs, ${r.date}):

\`\`\`sh
${r.command}
\`\`\`

| run | change -> queryable | change -> scrape | scrape -> queryable | resolution | scrape_duration_seconds |
|---|---|---|---|---|---|
${rows.join('\n')}

| figure | min | median | max | target |
|---|---|---|---|---|
| scrape -> queryable | ${delay(r.min)} | ${delay(r.median)} | ${delay(r.max)} | < ${r.targetSeconds} s: **${verdict}** |
| change -> scrape | ${delay(wait.min)} | ${delay(wait.median)} | ${delay(wait.max)} | up to \`scrape_interval\` (${r.scrapeInterval}) |
| change -> queryable | ${delay(total.min)} | ${delay(total.median)} | ${delay(total.max)} | - |

**${r.figure}: ${line(behind)} against the 1 s target: ${verdict}.**
${
  pollBound
    ? `
In every run the last poll that missed the value was sent before the scrape, so the
resolution is the whole figure: these are upper bounds, set by the ${r.pollIntervalMs} ms polling and
the query's round trip. Prometheus's own \`scrape_duration_seconds\` (request, read of the
answer, append of its samples) was ${delay(durations.min)} to ${delay(durations.max)}; the commit follows at once.
`
    : ''
}
## The scrape interval dominates

End to end, a change is queryable ${line(total)} after it happens. Of the median
${delay(total.median)}, ${delay(wait.median)} is the wait for the scrape and ${delay(r.median)} what follows it: the
${r.scrapeInterval} \`scrape_interval\`, not Prometheus, sets how stale a value can be, up to ${r.scrapeInterval} and
${delay(intervalS / 2)} on average (the runs change the gauge at random phases, so the wait is
uniform over the interval; ${r.runs.length} draws of it give the median above). Behind the scrape nothing in
the configuration waits: in one scrape Prometheus reads the answer, appends its samples and
commits them, and a query sees them from the commit on (\`scrapeAndReport\` in
\`scrape/scrape.go\` of the Prometheus module); \`scrape_timeout\` (${r.scrapeTimeout}) only cuts off a
target that answers slowly.

With this pass's behind-scrape figures (median ${delay(r.median)}, max ${delay(r.max)}), a shorter
interval gives (samples per second of the jobs concerned grow by the factor in the last column):

| scrape_interval | change -> queryable, mean | change -> queryable, worst | samples per second |
|---|---|---|---|
${projections.join('\n')}

A value queryable within 1 s of the change, always, needs \`scrape_interval\` <= ${oneSecond}
(${oneSecond} + ${delay(r.max)} < 1 s); 1s gives a mean of ${sec(projection(1, behind).mean)} and a worst case of
${sec(projection(1, behind).worst)}. The settings:

- for every job, \`prometheus: { scrapeInterval: '${oneSecond}' }\` in the stack's props
  (\`global.scrape_interval\`; with \`sizing.prometheus\`, the plan also sizes the TSDB for the
  samples it adds). The kubelet and cAdvisor jobs follow, so every
  series costs ${costFactor(intervalS, oneSecond)} the samples; it also shortens the alert budget's scrape part;
- for some targets only, a scrape job with its own \`scrapeInterval\` (\`scrape_interval\` of
  that \`scrape_config\`): \`prometheus: { scrapeJobs: [...] }\` or \`stack.prometheus.addScrapeJob({
  jobName, kubernetesSd, relabelConfigs, scrapeInterval: '${oneSecond}' })\`. Pods the \`${r.job}\` job
  already scrapes (annotation \`prometheus.io/scrape: "true"\`) would then be scraped twice:
  the fast job must select pods by something else (a label kept by its \`relabelConfigs\`).

## Rerun

\`npm run bench:metrics\` (10 runs, about ${Math.round(r.elapsedSeconds / r.runs.length)} s each) rewrites this page and
\`docs/metrics-delay.json\`, which \`npm run budget\` prints beside the computed bound. A smoke run
with a lowered interval, \`npm run bench:metrics -- 3 --interval=1s\`, writes nothing.
`;
}

/** What was typed: the npm script when run through it, else the node command. */
function commandLine(args: readonly string[]): string {
  if (process.env.npm_lifecycle_event === 'bench:metrics')
    return ['npm run bench:metrics', ...(args.length ? ['--', ...args] : [])].join(' ');
  return ['node -r ./scripts/register-ts.js bench/metrics-delay.ts', ...args].join(' ');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 10);
  const interval = args.find((a) => a.startsWith('--interval='))?.split('=')[1];
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`runs must be a positive integer, got ${runs}`);
  if (interval !== undefined && !(durationSeconds(interval) > 0))
    throw new Error(`--interval must be a duration such as 1s, got '${interval}'`);

  const generated = generatedScrapeTiming('prod');
  const startedAt = Date.now();
  const harness = await MetricsHarness.start({ env: 'prod', interval });
  const { scrapeInterval, scrapeTimeout } = harness.timing;
  const results: MetricsDelayRun[] = [];
  let prometheusVersion: string;
  try {
    prometheusVersion = await harness.prometheusVersion();
    console.log(
      `Metrics delay behind scrape, Prometheus ${prometheusVersion}, prod config, ${runs} run(s)${interval ? ` (scrape interval LOWERED to ${interval})` : ''}`,
    );
    console.log(
      `  job ${generated.jobName}: scrape_interval ${scrapeInterval}, scrape_timeout ${scrapeTimeout}; query polled every ${POLL_INTERVAL_MS} ms`,
    );
    console.log(
      `  target: scrape -> queryable < ${METRICS_BEHIND_SCRAPE_TARGET_SECONDS} s; change -> scrape is up to scrape_interval`,
    );

    // A first value, queryable before the first measured change.
    let value = 1000 + Math.floor(Math.random() * 1000);
    harness.exporter.set(value);
    const intervalS = durationSeconds(scrapeInterval);
    const firstBy = Date.now() + (10 + 3 * intervalS) * 1000;
    while (
      !(await harness.query(harness.exporter.metric)).some((s) => Number(s.value[1]) === value)
    ) {
      if (Date.now() > firstBy)
        throw new Error(
          `no sample of ${harness.exporter.metric} within ${10 + 3 * intervalS} s of the start`,
        );
      await sleep(250);
    }
    for (let i = 1; i <= runs; i++) {
      value += 1 + Math.floor(Math.random() * 1000);
      const r = await oneRun(harness, value);
      results.push(r);
      console.log(
        `  run ${i}: change -> queryable ${sec(r.total)} = change -> scrape ${sec(r.scrapeWait)} + scrape -> queryable ${delay(r.behindScrape)}` +
          ` (resolution ${delay(r.resolution)}, scrape_duration ${delay(r.scrapeDuration)})`,
      );
    }
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : e}\n${harness.logs()}`, { cause: e });
  } finally {
    await harness.stop();
  }
  const elapsedSeconds = (Date.now() - startedAt) / 1000;

  const behind = summarize(results.map((r) => r.behindScrape));
  const wait = summarize(results.map((r) => r.scrapeWait));
  const total = summarize(results.map((r) => r.total));
  const verdict = behind.max < METRICS_BEHIND_SCRAPE_TARGET_SECONDS ? 'PASS' : 'FAIL';
  console.log(
    `  ${'figure'.padEnd(20)}  ${'min'.padStart(8)}  ${'median'.padStart(8)}  ${'max'.padStart(8)}  target`,
  );
  const row = (name: string, d: DelaySummary, target: string) =>
    console.log(
      `  ${name.padEnd(20)}  ${delay(d.min).padStart(8)}  ${delay(d.median).padStart(8)}  ${delay(d.max).padStart(8)}  ${target}`,
    );
  row(FIGURE, behind, `< ${METRICS_BEHIND_SCRAPE_TARGET_SECONDS} s: ${verdict}`);
  row('change -> scrape', wait, `up to scrape_interval ${scrapeInterval}`);
  row('change -> queryable', total, '-');
  console.log(`  ${runs} run(s) in ${elapsedSeconds.toFixed(0)} s`);

  if (interval) {
    console.log(
      `  (scrape interval lowered: ${METRICS_DELAY_RESULTS} and ${METRICS_DELAY_PAGE} left as they were)`,
    );
    return;
  }
  const round = (d: DelaySummary): DelaySummary => ({
    min: toMillis(d.min),
    median: toMillis(d.median),
    max: toMillis(d.max),
  });
  const saved: MetricsDelayResults = {
    environment: 'prod',
    command: commandLine(args),
    date: new Date().toISOString(),
    figure: FIGURE,
    ...round(behind),
    targetSeconds: METRICS_BEHIND_SCRAPE_TARGET_SECONDS,
    figures: [
      { name: 'change -> scrape', ...round(wait) },
      { name: 'change -> queryable', ...round(total) },
    ],
    prometheusVersion,
    job: generated.jobName,
    scrapeInterval,
    scrapeTimeout,
    pollIntervalMs: POLL_INTERVAL_MS,
    elapsedSeconds: Math.round(elapsedSeconds),
    machine: `${cpus().length} CPUs, ${process.platform}/${process.arch}`,
    runs: results.map((r) => ({
      total: toMillis(r.total),
      scrapeWait: toMillis(r.scrapeWait),
      behindScrape: toMillis(r.behindScrape),
      resolution: toMillis(r.resolution),
      scrapeDuration: toMillis(r.scrapeDuration),
    })),
  };
  writeFileSync(repositoryPath(METRICS_DELAY_RESULTS), JSON.stringify(saved, null, 2) + '\n');
  writeFileSync(repositoryPath(METRICS_DELAY_PAGE), renderMetricsDelayPage(saved));
  console.log(`  written to ${METRICS_DELAY_RESULTS} and ${METRICS_DELAY_PAGE}`);
}

// Only when run, not when `npm run budget` imports the results' shape.
if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  });
}
