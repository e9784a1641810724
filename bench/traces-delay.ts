/**
 * Measures "traces < 100 ms" end to end through the real programs: a span is sent over
 * OTLP/HTTP to the real Jaeger v2 collector and the clock runs until the real Jaeger query's
 * API (`GET /api/traces/<id>`) returns it. Both run the GENERATED staging configs (collector
 * and query, two processes as the two Deployments) and store into a real, secured
 * Elasticsearch 8.19 (test/tools/support/jaeger-on-elasticsearch.ts lists every rewrite:
 * addresses, ports, the CA, the password file and the sampling file, nothing on the path).
 *
 *   npm run bench:traces           # 10 runs
 *   npm run bench:traces -- 20     # 20 runs
 *
 * Each run waits a random moment (so the batch timer, the bulk flush ticker and the index
 * refresh are met at random phases), sends one span with a fresh trace id, and polls the
 * query API and the collector's own counters every POLL_INTERVAL_MS. The counters split the
 * delay: the span left the batch processor (`otelcol_exporter_sent_spans_total`), then
 * Elasticsearch answered the bulk request holding it (`jaeger_storage_bulk_index_inserts_total`).
 *
 * A second pass runs the same with a VARIANT timing (batch timeout, bulk flush interval and
 * the indices' refresh interval rewritten, not the generated config): it shows what would meet
 * the target and goes only to docs/traces-delay.md. docs/traces-delay.json holds the
 * generated pass alone; `npm run budget` prints it.
 */
import { readFileSync, writeFileSync } from 'fs';
import { cpus, loadavg } from 'os';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { randomBytes } from 'crypto';
import { parse } from 'yaml';
import { sleep, toolBinary, waitUntil } from '../test/tools/support/alert-harness';
import {
  JaegerLatencyTuning,
  JaegerOnElasticsearch,
} from '../test/tools/support/jaeger-on-elasticsearch';
import { DelaySummary, MeasuredDelay, repositoryPath, summarize, toMillis } from './measured-delay';

/** How often the query API (and the collector's metrics) are polled while a span is awaited. */
const POLL_INTERVAL_MS = 15;
const TARGET_SECONDS = 0.1;
const RUN_TIMEOUT_MS = 15_000;
export const TRACES_DELAY_RESULTS = join('docs', 'traces-delay.json');
const TRACES_DELAY_PAGE = join('docs', 'traces-delay.md');
/** One service and operation for every span: Jaeger writes its service index once, so each bulk holds only the span. */
const SERVICE = 'latency-probe';
const OPERATION = 'GET /probe';

/** The variant that aims at the target; see "What would meet it" in the page. */
const VARIANT: Required<JaegerLatencyTuning> = {
  batchTimeout: '0s',
  bulkFlushInterval: '10ms',
  refreshInterval: '50ms',
};

/** One span, in seconds from the moment it was sent. */
export interface TracesRun {
  /** The collector answered the OTLP/HTTP request (200). */
  readonly accepted: number;
  /** The span left the batch processor for the storage exporter (counter seen; a poll's resolution). */
  readonly batched: number;
  /** Elasticsearch answered the bulk request with the span (counter seen; a poll's resolution). */
  readonly bulkIndexed: number;
  /** The bulk request's own duration, Jaeger's `jaeger_storage_bulk_index_latency_ok_seconds` (mean when several). */
  readonly bulkRequest: number;
  /** The query that returned the span, sent -> answered: the lookup's own share of `total`. */
  readonly query: number;
  /** The query API returned the trace with the span: the headline. */
  readonly total: number;
  /** The trace became queryable in the last `resolution` of `total` (after the last miss was sent). */
  readonly resolution: number;
}

/** The timing the pass ran with, as read from the config and from Elasticsearch. */
export interface TracesTiming {
  /** `processors.batch.timeout` of the collector. */
  readonly batchTimeout: string;
  /** `bulk_processing.flush_interval` of the Elasticsearch backend. */
  readonly bulkFlushInterval: string;
  /** `index.refresh_interval` of the span index, with defaults (`_settings?include_defaults`). */
  readonly refreshInterval: string;
}

export interface TracesDelayResults extends MeasuredDelay<TracesRun> {
  readonly environment: string;
  readonly targetSeconds: number;
  readonly jaegerVersion: string;
  readonly elasticsearchVersion: string;
  readonly timing: TracesTiming;
  readonly pollIntervalMs: number;
  readonly elapsedSeconds: number;
  readonly machine: string;
  readonly loadAverage: readonly [number, number];
}

interface Pass {
  readonly label: string;
  readonly runs: TracesRun[];
  readonly timing: TracesTiming;
  readonly rewrites: string[];
  readonly tuning: string[];
  readonly elasticsearchVersion: string;
  readonly elapsedSeconds: number;
  /** 1-minute load average of the machine when the pass started and ended (other work shares it). */
  readonly loadAverage: readonly [number, number];
}

/** The sum of a counter's series whose labels contain `labels`. */
function counter(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))) {
    if ((m[1] ?? '').includes(labels)) sum += Number(m[2]);
  }
  return sum;
}
const SENT = ['otelcol_exporter_sent_spans_total', 'exporter="jaeger_storage_exporter"'] as const;
const INSERTED = ['jaeger_storage_bulk_index_inserts_total', ''] as const;
const BULK_SECONDS = ['jaeger_storage_bulk_index_latency_ok_seconds_sum', ''] as const;
const BULK_COUNT = ['jaeger_storage_bulk_index_latency_ok_seconds_count', ''] as const;

async function oneRun(jaeger: JaegerOnElasticsearch): Promise<TracesRun> {
  const before = await jaeger.collectorMetrics();
  const sentBefore = counter(before, ...SENT);
  const insertedBefore = counter(before, ...INSERTED);
  const bulkSeconds = (text: string) => ({
    sum: counter(text, ...BULK_SECONDS),
    count: counter(text, ...BULK_COUNT),
  });
  const bulkBefore = bulkSeconds(before);
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');

  const sentAt = performance.now();
  const answer = await jaeger.sendSpan({ service: SERVICE, traceId, spanId, name: OPERATION });
  const acceptedAt = performance.now();
  if (answer.status !== 200) throw new Error(`OTLP/HTTP answered ${answer.status}: ${answer.text}`);

  // One query at a time, as a client polling would (overlapping queries on this 2-CPU machine
  // slow every answer down): the next is sent POLL_INTERVAL_MS after the last was sent, or
  // when it answers if it took longer. The collector's counters are read beside each query.
  let batchedAt: number | undefined;
  let bulkAt: number | undefined;
  let lastMissSentAt = sentAt;
  const timed = <T>(p: Promise<T>) => p.then((value) => ({ value, at: performance.now() }));
  for (;;) {
    const pollAt = performance.now();
    const [trace, metrics] = await Promise.all([
      timed(jaeger.getTrace(traceId)),
      timed(jaeger.collectorMetrics()),
    ]);
    if (batchedAt === undefined && counter(metrics.value, ...SENT) > sentBefore)
      batchedAt = metrics.at;
    if (bulkAt === undefined && counter(metrics.value, ...INSERTED) > insertedBefore)
      bulkAt = metrics.at;
    if (trace.value?.spans?.some((span: any) => span.spanID === spanId)) {
      // A counter first seen with the hit is bounded by the hit.
      const s = (at: number | undefined) => (Math.min(at ?? trace.at, trace.at) - sentAt) / 1000;
      const bulkAfter = bulkSeconds(await jaeger.collectorMetrics());
      const bulks = bulkAfter.count - bulkBefore.count;
      if (bulks < 1)
        throw new Error(`trace ${traceId} is queryable, but the collector counted no bulk request`);
      return {
        accepted: s(acceptedAt),
        batched: s(batchedAt),
        bulkIndexed: s(bulkAt),
        bulkRequest: (bulkAfter.sum - bulkBefore.sum) / bulks,
        query: (trace.at - pollAt) / 1000,
        total: s(trace.at),
        resolution: (trace.at - lastMissSentAt) / 1000,
      };
    }
    if (performance.now() - sentAt > RUN_TIMEOUT_MS)
      throw new Error(
        `trace ${traceId} not returned by the query API ${RUN_TIMEOUT_MS / 1000} s after it was sent`,
      );
    lastMissSentAt = pollAt;
    await sleep(Math.max(0, pollAt + POLL_INTERVAL_MS - performance.now()));
  }
}

/** The timing in effect: the collector's config as it runs, and the span index's settings. */
async function timingOf(jaeger: JaegerOnElasticsearch): Promise<TracesTiming> {
  const collector = jaeger.processes.find((p) => p.deployment === 'jaeger-collector')!;
  const config = parse(readFileSync(collector.configFile, 'utf8'));
  const backend = config.extensions.jaeger_storage.backends.trace_storage.elasticsearch;
  const settings = await jaeger.es.ok(
    'GET',
    `/${jaeger.spanIndexPattern}/_settings/index.refresh_interval?include_defaults=true&flat_settings=true`,
  );
  const index = Object.values<any>(settings)[0];
  return {
    batchTimeout: config.processors?.batch?.timeout ?? 'unset: 200ms (batch processor default)',
    bulkFlushInterval: backend.bulk_processing?.flush_interval ?? 'unset: 200ms (Jaeger default)',
    refreshInterval:
      index?.settings?.['index.refresh_interval'] ??
      `${index?.defaults?.['index.refresh_interval']} (Elasticsearch default: Jaeger's template sets none)`,
  };
}

async function onePass(label: string, runs: number, tuning?: JaegerLatencyTuning): Promise<Pass> {
  const startedAt = Date.now();
  const loadAtStart = loadavg()[0];
  const jaeger = await JaegerOnElasticsearch.start({ tuning });
  const results: TracesRun[] = [];
  try {
    // The first span creates the daily indices and Jaeger's service entry; not measured.
    const warmUp = randomBytes(16).toString('hex');
    const answer = await jaeger.sendSpan({
      service: SERVICE,
      traceId: warmUp,
      spanId: randomBytes(8).toString('hex'),
      name: OPERATION,
    });
    if (answer.status !== 200)
      throw new Error(`the warm-up span was refused: ${answer.status} ${answer.text}`);
    await waitUntil('the warm-up span in the query API', () => jaeger.getTrace(warmUp), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const timing = await timingOf(jaeger);
    console.log(
      `${label}: batch timeout ${timing.batchTimeout}; bulk flush_interval ${timing.bulkFlushInterval}; refresh_interval ${timing.refreshInterval}`,
    );
    for (let i = 1; i <= runs; i++) {
      await sleep(500 + Math.random() * 2000);
      const r = await oneRun(jaeger);
      results.push(r);
      console.log(
        `  run ${i}/${runs}: accepted ${ms(r.accepted)}, batched ${ms(r.batched)}, bulk indexed ${ms(r.bulkIndexed)} (request ${ms(r.bulkRequest)}),` +
          ` queryable ${ms(r.total)} (resolution ${ms(r.resolution)})`,
      );
    }
    return {
      label,
      runs: results.map(rounded),
      timing,
      rewrites: jaeger.rewrites.map((r) => r.key),
      tuning: jaeger.tuning.map(
        (r) => `${r.key}: ${JSON.stringify(r.from)} -> ${JSON.stringify(r.to)}`,
      ),
      elasticsearchVersion: jaeger.es.version,
      elapsedSeconds: (Date.now() - startedAt) / 1000,
      loadAverage: [Number(loadAtStart.toFixed(2)), Number(loadavg()[0].toFixed(2))],
    };
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : e}\n${jaeger.logs()}`, { cause: e });
  } finally {
    await jaeger.stop();
  }
}

const rounded = (r: TracesRun): TracesRun => ({
  accepted: toMillis(r.accepted),
  batched: toMillis(r.batched),
  bulkIndexed: toMillis(r.bulkIndexed),
  bulkRequest: toMillis(r.bulkRequest),
  query: toMillis(r.query),
  total: toMillis(r.total),
  resolution: toMillis(r.resolution),
});
const ms = (s: number) => (Math.abs(s) < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`);
const verdict = (d: DelaySummary) => (d.max < TARGET_SECONDS ? 'PASS' : 'FAIL');
const FIGURES: { key: keyof TracesRun; name: string }[] = [
  { key: 'accepted', name: 'sent -> OTLP accepted' },
  { key: 'batched', name: 'sent -> out of the batch processor' },
  { key: 'bulkIndexed', name: 'sent -> bulk indexed' },
  { key: 'bulkRequest', name: "bulk request (Jaeger's own timing)" },
  { key: 'query', name: 'the query that found it' },
  { key: 'total', name: 'sent -> queryable' },
];
const summaryOf = (pass: Pass, key: keyof TracesRun) => summarize(pass.runs.map((r) => r[key]));

function printSummary(pass: Pass): void {
  console.log(
    `  ${pass.label}: ${'figure'.padEnd(36)} ${'min'.padStart(7)} ${'median'.padStart(7)} ${'max'.padStart(7)}`,
  );
  for (const f of FIGURES) {
    const d = summaryOf(pass, f.key);
    const target = f.key === 'total' ? `  target < 100 ms: ${verdict(d)}` : '';
    console.log(
      `  ${' '.repeat(pass.label.length)}  ${f.name.padEnd(36)} ${ms(d.min).padStart(7)} ${ms(d.median).padStart(7)} ${ms(d.max).padStart(7)}${target}`,
    );
  }
}

function summaryTable(pass: Pass): string {
  return [
    '| figure | min | median | max | target |',
    '|---|---|---|---|---|',
    ...FIGURES.map((f) => {
      const d = summaryOf(pass, f.key);
      return `| ${f.name} | ${ms(d.min)} | ${ms(d.median)} | ${ms(d.max)} | ${f.key === 'total' ? `< 100 ms: **${verdict(d)}**` : '-'} |`;
    }),
  ].join('\n');
}

function runsTable(pass: Pass): string {
  return [
    '| run | OTLP accepted | out of batch | bulk indexed | bulk request | query | queryable | resolution |',
    '|---|---|---|---|---|---|---|---|',
    ...pass.runs.map(
      (r, i) =>
        `| ${i + 1} | ${ms(r.accepted)} | ${ms(r.batched)} | ${ms(r.bulkIndexed)} | ${ms(r.bulkRequest)} | ${ms(r.query)} | ${ms(r.total)} | ${ms(r.resolution)} |`,
    ),
  ].join('\n');
}

/** Seconds of a Go duration as these configs write them (`0s`, `10ms`, `1s`). */
function goSeconds(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)\b/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) / (m[2] === 'ms' ? 1000 : 1);
}

/** The waits of a pass's timing, each up to its whole interval. */
function waitsBound(t: TracesTiming): number {
  return (
    goSeconds(t.batchTimeout.replace(/^unset: /, '')) +
    goSeconds(t.bulkFlushInterval.replace(/^unset: /, '')) +
    goSeconds(t.refreshInterval)
  );
}

const line = (d: DelaySummary) => `min ${ms(d.min)}, median ${ms(d.median)}, max ${ms(d.max)}`;

export function renderTracesDelayPage(
  saved: TracesDelayResults,
  generated: Pass,
  variant: Pass | undefined,
): string {
  const total = summaryOf(generated, 'total');
  const work = (p: Pass) =>
    summaryOf(p, 'accepted').median +
    summaryOf(p, 'bulkRequest').median +
    summaryOf(p, 'query').median;
  const variantSection = !variant
    ? ''
    : `## The variant: the waits shortened (NOT the generated configuration)

The same bench with the three waits shortened (\`VARIANT\` in \`bench/traces-delay.ts\`). These
changes are not in the generated config, and this pass is not in \`docs/traces-delay.json\`:

${variant.tuning.map((t) => `- \`${t}\``).join('\n')}

Read back: batch \`timeout\` ${variant.timing.batchTimeout}, \`flush_interval\` ${variant.timing.bulkFlushInterval},
span index \`index.refresh_interval\` ${variant.timing.refreshInterval}. Load average ${variant.loadAverage[0]} at the start,
${variant.loadAverage[1]} at the end (${Math.round(variant.elapsedSeconds)} s).

${summaryTable(variant)}

${runsTable(variant)}

**Variant sent -> queryable: ${line(summaryOf(variant, 'total'))} against 100 ms: ${verdict(summaryOf(variant, 'total'))}.**

The waits now add up to at most ${ms(waitsBound(variant.timing))}; what is left is work: the OTLP request, the bulk
request (median ${ms(summaryOf(variant, 'bulkRequest').median)}; Elasticsearch's own \`took\` for a one-span bulk is 0 ms, the rest is
the translog fsync every bulk request waits for, \`index.translog.durability: request\`, TLS, and scheduling on this
shared machine) and the lookup itself (median ${ms(summaryOf(variant, 'query').median)}): ${ms(work(variant))} of medians together.
The target held in ${variant.runs.filter((r) => r.total < TARGET_SECONDS).length} of ${variant.runs.length} runs. A cluster on faster disks and
CPUs spends less on that work, but no setting of Jaeger or Elasticsearch removes it, so 100 ms has
no margin even with the waits gone.
`;
  return `# Span sent to queryable in Jaeger: measured

<!-- Written by bench/traces-delay.ts (${saved.command}); edit the bench, not this page. -->

The target measured here: **a span is queryable < 100 ms after it is sent** (docs/architecture.md#51-targets).

## What is measured

\`bench/traces-delay.ts\` runs, on 127.0.0.1 (\`test/tools/support/jaeger-on-elasticsearch.ts\`),
real Jaeger ${saved.jaegerVersion} (built from its Go module by \`scripts/install-tools.sh\`) as the two
staging Deployments, \`jaeger-collector\` and \`jaeger-query\`, each with its **generated**
config.yaml from its ConfigMap, storing into a real Elasticsearch ${saved.elasticsearchVersion}
with TLS under a test CA and the file-realm user \`jaeger\` (all on \`jaeger-*\`, plus the cluster
privilege \`manage_index_templates\`, without which Jaeger does not start: it PUTs its index
templates at start). Only these keys of the generated configs change, all addresses, ports and
mounted files (the user name stays \`\${env:ES_USERNAME}\`, set in the environment as the
Deployments set it):

${generated.rewrites.map((k) => `- \`${k}\``).join('\n')}

Each run waits 0.5 to 2.5 s (a random phase against every timer below), sends one span with
a fresh trace id over OTLP/HTTP (JSON), then polls \`GET /api/traces/<id>\` of the query
process, one query at a time, every ${saved.pollIntervalMs} ms (or as soon as the last one answered,
when it took longer), and reads the collector's \`/metrics\` beside each query. The counters
split the path: \`otelcol_exporter_sent_spans_total\` (the span left the batch processor) and
\`jaeger_storage_bulk_index_inserts_total\` (Elasticsearch answered the bulk request with it);
those two are upper bounds at the poll's resolution. "bulk request" is Jaeger's own timing of
that request (\`jaeger_storage_bulk_index_latency_ok_seconds\`), "query" the duration of the
query that found the span; "queryable" is when that query's answer arrived, and the span
became visible within the last "resolution" of it.

## Result (the generated staging configuration)

Command (${saved.machine}, shared with other work: load average ${generated.loadAverage[0]} at the start,
${generated.loadAverage[1]} at the end; ${Math.round(saved.elapsedSeconds)} s, ${saved.date}):

\`\`\`sh
${saved.command}
\`\`\`

Timing in effect, read back: batch \`timeout\` ${saved.timing.batchTimeout}; \`bulk_processing.flush_interval\`
${saved.timing.bulkFlushInterval}; span index \`index.refresh_interval\` ${saved.timing.refreshInterval}.

${summaryTable(generated)}

${runsTable(generated)}

**sent -> queryable: ${line(total)} against 100 ms: ${verdict(total)}.**

## Why 100 ms cannot hold as configured

Three waits sit on the path, each up to its whole interval at a random phase, and none of
them is a setting of \`lib/jaeger\`:

| wait | setting (Jaeger / Elasticsearch key) | what the stack sets | value in effect | up to |
|---|---|---|---|---|
| batch processor | \`processors.batch.timeout\` of the collector | \`batch: {}\` (\`renderJaegerConfig\`, lib/jaeger/jaeger-config.ts; no prop) | 200 ms, the batch processor's default | 200 ms |
| bulk flush | \`extensions.jaeger_storage.backends.trace_storage.elasticsearch.bulk_processing.flush_interval\` | nothing (\`renderElasticsearchBackend\`, lib/jaeger/jaeger-config.ts, writes no \`bulk_processing\`) | 200 ms, Jaeger's default (\`max_actions\` 1000 and \`max_bytes\` 5 MB flush sooner only under load) | 200 ms |
| index refresh | \`index.refresh_interval\` of the \`jaeger-span-*\` (and \`jaeger-service-*\`) indices | nothing: Jaeger creates its own index templates (\`create_mappings\`, on by default), which set no refresh interval, and the stack's Elasticsearch setup Job has no template for \`jaeger-*\` | 1 s, Elasticsearch's default | 1 s |

The generated configuration allows up to ${ms(waitsBound(saved.timing))} of waiting (0.2 + 0.2 + 1 s), about half
of it on average, plus the work (medians here: bulk request ${ms(summaryOf(generated, 'bulkRequest').median)}, query
${ms(summaryOf(generated, 'query').median)}). The refresh is the largest part: between the medians of bulk indexed
and queryable lie ${ms(total.median - summaryOf(generated, 'bulkIndexed').median)} of the ${ms(total.median)}. Two more things, outside this
measurement, make it longer in a cluster:

- Without an explicit \`index.refresh_interval\`, a shard nobody has searched for 30 s
  (\`index.search.idle.after\`) stops refreshing in the background, and the first lookup after a
  quiet spell waits for a refresh too. This bench polls without pause, so its shards never go idle.
- Applications' OpenTelemetry SDKs batch before they send (\`BatchSpanProcessor\`,
  \`OTEL_BSP_SCHEDULE_DELAY\`, 5 s by default): a span reaches the collector up to 5 s after it
  ended. That is the application's setting, not the stack's; this bench starts the clock at the send.

**What would meet 100 ms**, as far as configuration can (it can remove the waits, not the work): the batch processor sending at once
(\`processors.batch.timeout: 0s\`), a bulk \`flush_interval\` of about 10 ms, and a refresh interval
of about 50 ms on the span indices. For the last, Jaeger's templates would need
\`index.refresh_interval\`: either \`create_mappings: false\` and the stack installing Jaeger's
templates with it (the setup Job already applies index templates for the log indices), or a
step after Jaeger's start that adds it (Jaeger writes its templates again at every start).
None of these is a prop of \`Jaeger\` or \`JaegerStorage.elasticsearch\` today; they would be new
props rendered into config.yaml and the setup script. They cost: a bulk request per span burst
instead of one per 200 ms, one exporter call per OTLP request, and a refresh (a new Lucene
segment, more merging) 20 times a second on every span shard. The variant below measures them.
Keeping the generated timing and stating the traces target as "queryable within
${Math.ceil((waitsBound(saved.timing) + 0.1) * 10) / 10} s" (the waits plus 100 ms of work) matches what is measured instead.

${variantSection}
## Rerun

\`npm run bench:traces\` (10 runs of each pass; a number
sets the runs) rewrites this page and \`docs/traces-delay.json\` (the generated pass only), which
\`npm run budget\` prints. Both passes took ${Math.round(generated.elapsedSeconds + (variant?.elapsedSeconds ?? 0))} s this time.
`;
}

function commandLine(args: readonly string[]): string {
  if (process.env.npm_lifecycle_event === 'bench:traces')
    return ['npm run bench:traces', ...(args.length ? ['--', ...args] : [])].join(' ');
  return ['node -r ./scripts/register-ts.js bench/traces-delay.ts', ...args].join(' ');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 10);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`runs must be a positive integer, got ${runs}`);
  const jaegerVersion = readFileSync(join(toolBinary('jaeger'), '..', '..', 'jaeger.stamp'), 'utf8')
    .trim()
    .split(' ')[1];
  console.log(
    `Span sent -> queryable, Jaeger ${jaegerVersion} (staging collector + query) on Elasticsearch, ${runs} run(s) per pass, polled every ${POLL_INTERVAL_MS} ms`,
  );
  const generated = await onePass('generated', runs);
  printSummary(generated);
  const variant = await onePass('VARIANT (not the generated config)', runs, VARIANT);
  printSummary(variant);

  const total = summaryOf(generated, 'total');
  const saved: TracesDelayResults = {
    runs: generated.runs,
    ...total,
    figure: 'sent -> queryable',
    figures: FIGURES.filter((f) => f.key !== 'total').map((f) => ({
      name: f.name,
      ...summaryOf(generated, f.key),
    })),
    date: new Date().toISOString(),
    command: commandLine(args),
    environment: 'staging',
    targetSeconds: TARGET_SECONDS,
    jaegerVersion,
    elasticsearchVersion: generated.elasticsearchVersion,
    timing: generated.timing,
    pollIntervalMs: POLL_INTERVAL_MS,
    elapsedSeconds: Math.round(generated.elapsedSeconds),
    machine: `${cpus().length} CPUs, ${process.platform}/${process.arch}`,
    loadAverage: generated.loadAverage,
  };
  writeFileSync(repositoryPath(TRACES_DELAY_RESULTS), JSON.stringify(saved, null, 2) + '\n');
  writeFileSync(
    repositoryPath(TRACES_DELAY_PAGE),
    renderTracesDelayPage(saved, generated, variant),
  );
  console.log(
    `\nsent -> queryable (generated staging config): min ${ms(total.min)}, median ${ms(total.median)}, max ${ms(total.max)}` +
      ` | target < 100 ms: ${verdict(total)}`,
  );
  const v = summaryOf(variant, 'total');
  console.log(
    `sent -> queryable (VARIANT, not generated: ${JSON.stringify(VARIANT)}): min ${ms(v.min)}, median ${ms(v.median)}, max ${ms(v.max)} | target < 100 ms: ${verdict(v)}`,
  );
  console.log(`written to ${TRACES_DELAY_RESULTS} (generated pass only) and ${TRACES_DELAY_PAGE}`);
}

// Only when run, not when `npm run budget` imports the results' path.
if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  });
}
