/**
 * Measures how long a 5xx burst takes to reach the pager: from the moment the
 * Http5xxErrorBurst condition becomes true at the source to the moment the (local
 * stand-in for) PagerDuty receives the firing notification. Real Prometheus and
 * Alertmanager on 127.0.0.1, with the GENERATED prod rules, intervals and routing
 * (test/tools/support/alert-harness.ts); nothing is shortened unless `--interval` is given.
 *
 *   npm run bench:alerts              # 5 runs
 *   npm run bench:alerts -- 10        # 10 runs
 *   npm run bench:alerts -- 3 --interval=1s   # quick smoke run, intervals lowered
 *
 * Each run starts a fresh harness, so the alert opens a NEW Alertmanager group and waits
 * group_wait (an alert joining a group that is already notifying waits for group_interval
 * instead). The counter steps from 0 to threshold + 50 at a random moment: the condition
 * `increase(...[5m]) > threshold` is true from that instant, and true at the first scrape after it.
 *
 * A run with the generated intervals also writes docs/alert-delay.json (every run, min,
 * median, max, date, command), which `npm run budget` prints beside the computed bound.
 * A run with `--interval` lowered writes nothing: it is not the deployed configuration.
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import {
  AlertHarness,
  durationSeconds,
  generatedAlertConfig,
  sleep,
  waitUntil,
} from '../test/tools/support/alert-harness';
import { repositoryPath } from './measured-delay';

export interface Run {
  /** Step -> first scrape that saw it. */
  readonly scrape: number;
  /** That scrape -> the evaluation that made the alert active (Prometheus's activeAt). */
  readonly evaluate: number;
  /** activeAt -> PagerDuty webhook received the firing notice (send + group_wait + notify). */
  readonly deliver: number;
  /** Step -> PagerDuty webhook. */
  readonly total: number;
}

async function oneRun(interval: string | undefined): Promise<Run> {
  const harness = await AlertHarness.start({ env: 'prod', interval });
  try {
    const g = harness.generated;
    const scrapeS = durationSeconds(interval ?? g.scrapeInterval);
    const evalS = durationSeconds(interval ?? g.evaluationInterval);
    const worstS =
      scrapeS + evalS + durationSeconds(g.burstRule.for) + durationSeconds(g.groupWait);

    // One baseline sample at 0 is enough: [0, step] already gives an increase above the threshold.
    await harness.waitForSamples(1, (10 + 3 * scrapeS) * 1000);
    // Random phase against the scrape and evaluation schedules.
    await sleep(Math.random() * scrapeS * 1000);
    const stepAt = harness.exporter.add(g.burstThreshold + 50);

    const notice = await waitUntil(
      'the firing notice on /pagerduty',
      () =>
        harness.webhook.requests.find(
          (r) =>
            r.path === '/pagerduty' &&
            r.body?.event_action === 'trigger' &&
            String(r.body?.payload?.summary).includes(' Http5xxErrorBurst '),
        ),
      { timeoutMs: (worstS + 30) * 1000, intervalMs: 100 },
    );

    const scrapedAt = harness.exporter.scrapes.find((t) => t >= stepAt) ?? NaN;
    const res = await fetch(`${harness.prometheusUrl}/api/v1/alerts`);
    const alerts: any[] = ((await res.json()) as any).data.alerts;
    const active = alerts.find((a) => a.labels.alertname === 'Http5xxErrorBurst');
    const activeAt = active ? Date.parse(active.activeAt) : NaN;
    return {
      scrape: (scrapedAt - stepAt) / 1000,
      evaluate: (activeAt - scrapedAt) / 1000,
      deliver: (notice.receivedAt - activeAt) / 1000,
      total: (notice.receivedAt - stepAt) / 1000,
    };
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : e}\n${harness.logs()}`, { cause: e });
  } finally {
    await harness.stop();
  }
}

function stats(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1] };
}

const s = (n: number) => `${n.toFixed(1)} s`;

/** Where the measured delays are kept for `npm run budget`, relative to the repository root. */
export const ALERT_DELAY_RESULTS = join('docs', 'alert-delay.json');

/** What docs/alert-delay.json holds: the measured delays of one benchmark pass, in seconds. */
export interface AlertDelayResults {
  readonly alert: string;
  readonly environment: string;
  readonly command: string;
  readonly date: string;
  /** Where the numbers come from when they were not written by the benchmark itself. @default - this benchmark */
  readonly source?: string;
  /** The bound the configuration allows: scrape_interval + evaluation_interval + for + group_wait. */
  readonly boundSeconds: number;
  readonly runs: readonly Run[];
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 5);
  const interval = args.find((a) => a.startsWith('--interval='))?.split('=')[1];
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`runs must be a positive integer, got ${runs}`);

  // The bounds, from the generated configs.
  const g = generatedAlertConfig('prod');
  const scrapeS = durationSeconds(interval ?? g.scrapeInterval);
  const evalS = durationSeconds(interval ?? g.evaluationInterval);
  const forS = durationSeconds(g.burstRule.for);
  const groupWaitS = durationSeconds(g.groupWait);

  console.log(
    `Http5xxErrorBurst delivery delay, prod config, ${runs} run(s)${interval ? ` (intervals LOWERED to ${interval})` : ''}`,
  );
  console.log(
    `  scrape_interval ${s(scrapeS)}, evaluation_interval ${s(evalS)}, for ${s(forS)}, group_wait ${s(groupWaitS)}`,
  );
  console.log(
    `  worst case = scrape_interval + evaluation_interval + for + group_wait = ${s(scrapeS + evalS + forS + groupWaitS)} (plus HTTP latency)`,
  );
  console.log(
    `  expected mean = (scrape_interval + evaluation_interval) / 2 + for + group_wait = ${s((scrapeS + evalS) / 2 + forS + groupWaitS)}`,
  );

  const results: Run[] = [];
  for (let i = 1; i <= runs; i++) {
    const r = await oneRun(interval);
    results.push(r);
    console.log(
      `  run ${i}: total ${s(r.total)}  (scrape ${s(r.scrape)}, evaluate ${s(r.evaluate)}, send + group_wait ${s(r.deliver)})`,
    );
  }
  const t = stats(results.map((r) => r.total));
  console.log(`  min ${s(t.min)}  median ${s(t.median)}  max ${s(t.max)}`);

  if (interval) {
    console.log(`  (intervals lowered: ${ALERT_DELAY_RESULTS} left as it was)`);
    return;
  }
  const saved: AlertDelayResults = {
    alert: 'Http5xxErrorBurst',
    environment: 'prod',
    command: `npm run bench:alerts -- ${runs}`,
    date: new Date().toISOString(),
    boundSeconds: scrapeS + evalS + forS + groupWaitS,
    runs: results.map((r) => ({
      total: round(r.total),
      scrape: round(r.scrape),
      evaluate: round(r.evaluate),
      deliver: round(r.deliver),
    })),
    min: round(t.min),
    median: round(t.median),
    max: round(t.max),
  };
  writeFileSync(repositoryPath(ALERT_DELAY_RESULTS), JSON.stringify(saved, null, 2) + '\n');
  console.log(`  written to ${ALERT_DELAY_RESULTS}`);
}

// Only when run, not when `npm run budget` imports the results' shape.
if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  });
}
