/**
 * Measures the target of docs/architecture.md#51-targets, "logs searchable < 5 s after being written" through the real
 * programs: a line is appended to a container's log file (CRI format, as the kubelet's
 * runtime writes it) and the clock runs until a search in Elasticsearch finds it. Real
 * Filebeat runs the GENERATED filebeat.yml (staging, `logstash: false`, the 8.19 line) and
 * ships to a real, secured Elasticsearch whose index templates the GENERATED setup Job
 * script applied (test/tools/support/logs-pipeline.ts lists every rewrite). The search
 * sends no refresh: a line is searchable when the index's own refresh made it so.
 *
 *   npm run bench:logs           # 10 runs
 *   npm run bench:logs -- 20     # 20 runs
 *
 * Each run appends one line with a token it never used at a random moment to a file
 * Filebeat already reads (a running container), and polls `_search` for the token every
 * POLL_INTERVAL_MS. Written to docs/logs-delay.json (every run, min, median, max, date,
 * command), which `npm run budget` prints beside the computed bound, and docs/logs-delay.md.
 *
 * Filebeat 7.17 stands in for the deployed 9.x (the newest Beats the registries serve): the
 * settings on this path (backoff, scan, queue flush) mean the same in both.
 */
import { randomBytes } from 'crypto';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { sleep } from '../test/tools/support/alert-harness';
import { LogsPipeline } from '../test/tools/support/logs-pipeline';
import { MeasuredDelay, repositoryPath, summarize, toMillis } from './measured-delay';

const POLL_INTERVAL_MS = 25;
const TARGET_SECONDS = 5;
export const LOGS_DELAY_RESULTS = join('docs', 'logs-delay.json');
const LOGS_DELAY_PAGE = join('docs', 'logs-delay.md');

interface LogsRun {
  /** Line written -> Elasticsearch acknowledged it (Filebeat's output counter). */
  readonly shipped: number;
  /** Line written -> a search finds it. */
  readonly total: number;
}

async function oneRun(pipeline: LogsPipeline, container: string): Promise<LogsRun> {
  const token = `bench${randomBytes(8).toString('hex')}`;
  const acked = (await pipeline.filebeat.stats()).libbeat.output.events.acked as number;
  const writtenAt = Date.now();
  pipeline.appendLines(container, [
    {
      text: JSON.stringify({
        'log.level': 'info',
        'service.name': container,
        message: `latency probe ${token}`,
      }),
    },
  ]);
  let shippedAt = NaN;
  for (let i = 0; i < 30_000 / POLL_INTERVAL_MS; i++) {
    if (
      Number.isNaN(shippedAt) &&
      (await pipeline.filebeat.stats()).libbeat.output.events.acked > acked
    )
      shippedAt = Date.now();
    const res = await pipeline.es.request('POST', '/logs-*/_search', {
      size: 1,
      query: { match: { message: token } },
    });
    if (res.status === 200 && res.body.hits.total.value > 0) {
      const foundAt = Date.now();
      return {
        shipped: toMillis(((Number.isNaN(shippedAt) ? foundAt : shippedAt) - writtenAt) / 1000),
        total: toMillis((foundAt - writtenAt) / 1000),
      };
    }
    await sleep(POLL_INTERVAL_MS);
  }
  throw new Error(`line ${token} not searchable after 30 s\n${pipeline.logs()}`);
}

function renderPage(saved: MeasuredDelay<LogsRun>): string {
  const rows = saved.runs
    .map((r, i) => `| ${i + 1} | ${r.shipped.toFixed(3)} | ${r.total.toFixed(3)} |`)
    .join('\n');
  return `# Log line to searchable: measured

Written by \`npm run bench:logs\` (${saved.date}); do not edit by hand. The computed bound is
in [latency-budget.md](latency-budget.md).

A JSON line appended to a running container's log file until a search in Elasticsearch
finds it, through real Filebeat (7.17.29, the newest the registries serve, running the
generated staging filebeat.yml with \`logstash: false\`) and a real, secured Elasticsearch
8.19.21 with the generated index templates. No refresh is forced: the index's
\`refresh_interval\` decides.

| | min | median | max | target |
|---|---|---|---|---|
| written -> searchable | ${saved.min.toFixed(3)} s | ${saved.median.toFixed(3)} s | ${saved.max.toFixed(3)} s | < ${TARGET_SECONDS} s |

| run | written -> acknowledged (s) | written -> searchable (s) |
|---|---|---|
${rows}

Not measured here: the Logstash hop (no Logstash can run here; its batch delay is 50 ms in
the budget) and a new container's first line (a new file waits for the next scan, 2 s at
most, which the budget counts).
`;
}

async function main(): Promise<void> {
  const runs = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 10);
  const started = Date.now();
  const container = 'latency-probe';
  const pipeline = await LogsPipeline.start({ containers: [container] });
  const results: LogsRun[] = [];
  try {
    // The file exists and is being read before the first measured line.
    pipeline.appendLines(container, [{ text: 'probe container started' }]);
    await pipeline.filebeat.waitForAcked(1, 60_000);
    for (let i = 0; i < runs; i++) {
      await sleep(500 + Math.random() * 2000);
      const run = await oneRun(pipeline, container);
      results.push(run);
      console.log(
        `run ${i + 1}/${runs}: acknowledged ${run.shipped.toFixed(3)} s, searchable ${run.total.toFixed(3)} s`,
      );
    }
  } finally {
    await pipeline.stop();
  }
  const total = summarize(results.map((r) => r.total));
  const shipped = summarize(results.map((r) => r.shipped));
  const saved: MeasuredDelay<LogsRun> = {
    runs: results,
    ...total,
    figure: 'written -> searchable',
    figures: [{ name: 'written -> acknowledged', ...shipped }],
    date: new Date().toISOString(),
    command: `npm run bench:logs -- ${runs}`,
    environment: 'staging',
    targetSeconds: TARGET_SECONDS,
  };
  writeFileSync(repositoryPath(LOGS_DELAY_RESULTS), JSON.stringify(saved, null, 2) + '\n');
  writeFileSync(repositoryPath(LOGS_DELAY_PAGE), renderPage(saved));
  console.log(
    `\nwritten -> searchable: min ${total.min.toFixed(3)} s, median ${total.median.toFixed(3)} s, max ${total.max.toFixed(3)} s` +
      ` | target < ${TARGET_SECONDS} s: ${total.max < TARGET_SECONDS ? 'PASS' : 'FAIL'} (${runs} runs in ${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
