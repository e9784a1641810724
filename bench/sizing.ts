/**
 * Prints a capacity plan (lib/sizing) for the load given as arguments, or, without
 * arguments, the worked examples of docs/sizing.md.
 *
 *   npm run sizing
 *   npm run sizing -- --gb-per-day 1000 --replicas 1
 *   npm run sizing -- --gb-per-day 50 --shares errors=0.1,trades=0.02,ai=0.05 \
 *     --retention all=30d,errors=90d,trades=1y,ai=30d --peak-eps 5000 --series 200000
 *
 * Options: --gb-per-day N (required), --replicas N, --shares class=share,...,
 * --retention class=DURATION,... (classes of DEFAULT_LOG_CLASSES, whole days such as 30d), --peak-eps N, --event-bytes N, --dedicated-masters,
 * --series N, --scrape-interval DURATION (such as 15s), --prometheus-retention DURATION (such as 15d).
 */
import {
  CapacityPlan,
  DEFAULT_LOG_CLASSES,
  LogClass,
  planCapacity,
  SizingInput,
  withLogRetention,
} from '../lib';

/** The worked examples of docs/sizing.md and test/sizing.test.ts. */
export const WORKED_EXAMPLES: { name: string; input: SizingInput }[] = [
  {
    name: 'dev: 100 MB/day, no replica, dev retention',
    input: {
      ingestGbPerDay: 0.1,
      replicas: 0,
      logClasses: withLogRetention(DEFAULT_LOG_CLASSES, {
        all: '2d',
        errors: '7d',
        trades: '7d',
        ai: '2d',
      }),
      prometheus: { activeSeries: 20_000, scrapeInterval: '15s', retention: '2d' },
    },
  },
  {
    name: '50 GB/day, one replica, default retention',
    input: {
      ingestGbPerDay: 50,
      replicas: 1,
      prometheus: { activeSeries: 200_000, scrapeInterval: '15s', retention: '15d' },
    },
  },
  {
    name: '1 TB/day, one replica, default retention, dedicated masters',
    input: {
      ingestGbPerDay: 1000,
      replicas: 1,
      dedicatedMasters: true,
      prometheus: { activeSeries: 1_000_000, scrapeInterval: '15s', retention: '15d' },
    },
  },
];

const fixed = (value: number, digits = 1) => value.toFixed(digits);

/** The plan as Markdown: what to deploy, then the index classes. */
export function renderPlan(name: string, plan: CapacityPlan): string {
  const es = plan.elasticsearch;
  const ls = plan.logstash;
  const lines = [
    `### ${name}`,
    '',
    '| component | plan |',
    '|---|---|',
    `| Elasticsearch data nodes | ${es.dataNodes} x (${es.memoryGiB} GiB memory, heap ${es.heapMiB} MiB, ${es.cpuMillis}m CPU, ${es.diskGiB} GiB disk); ${es.replicas} replica(s); ${fixed(es.storedGb)} GB stored; ~${es.shardsPerNode} shards per node |`,
    `| Logstash | ${ls.replicas} replica(s) x ${ls.pipelineWorkers} worker(s), ${ls.cpuMillis}m CPU; ${fixed(ls.averageEventsPerSecond)} events/s average, ${fixed(ls.peakEventsPerSecond)} peak |`,
  ];
  if (plan.prometheus) {
    const p = plan.prometheus;
    lines.push(
      `| Prometheus | ${p.activeSeries} series / ${p.scrapeIntervalSeconds} s = ${fixed(p.samplesPerSecond)} samples/s; retention ${p.retentionDays}d / ${p.retentionSizeGiB}GB; volume ${p.volumeGiB} GiB |`,
    );
  }
  lines.push(
    '',
    '| index class | share | retention (days) | primary GB/day | primary shards per daily index | stored GB |',
    '|---|---|---|---|---|---|',
  );
  for (const [c, ic] of Object.entries(es.indexClasses)) {
    lines.push(
      `| ${c} | ${fixed(ic.share, 2)} | ${ic.retentionDays} | ${fixed(ic.primaryGbPerDay, 3)} | ${ic.primaryShardsPerDailyIndex} | ${fixed(ic.storedGb, 2)} |`,
    );
  }
  return lines.join('\n');
}

function pairs(value: string, option: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of value.split(',')) {
    const [key, text] = pair.split('=');
    if (!key || text === undefined)
      throw new Error(`${option} takes class=value pairs separated by commas, got '${value}'`);
    result[key.trim()] = text.trim();
  }
  return result;
}

function numbers(values: Record<string, string>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([key, text]) => [key, Number(text)]));
}

/** The default classes with the shares and retention of `--shares` and `--retention`. */
function logClassesOf(
  shares: Record<string, number> | undefined,
  retention: Record<string, string> | undefined,
): LogClass[] | undefined {
  if (!shares && !retention) return undefined;
  const names = DEFAULT_LOG_CLASSES.map((c) => c.name);
  const unknown = Object.keys(shares ?? {}).find((name) => !names.includes(name));
  if (unknown)
    throw new Error(
      `--shares names '${unknown}', which is no class of DEFAULT_LOG_CLASSES (${names.join(', ')})`,
    );
  return withLogRetention(DEFAULT_LOG_CLASSES, retention ?? {}).map((c) =>
    shares?.[c.name] === undefined ? c : { ...c, ingestShare: shares[c.name] },
  );
}

/** Turns command-line arguments into a SizingInput. */
export function parseSizingArgs(args: string[]): SizingInput {
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--'))
      throw new Error(`unexpected argument '${arg}' (options start with --)`);
    const [name, inline] = arg.slice(2).split('=', 2);
    if (name === 'dedicated-masters') options.set(name, 'true');
    else options.set(name, inline ?? args[++i] ?? '');
  }
  const known = [
    'gb-per-day',
    'replicas',
    'shares',
    'retention',
    'peak-eps',
    'event-bytes',
    'dedicated-masters',
    'series',
    'scrape-interval',
    'prometheus-retention',
  ];
  for (const name of options.keys())
    if (!known.includes(name))
      throw new Error(`unknown option --${name} (known: ${known.map((k) => `--${k}`).join(', ')})`);
  const num = (name: string) => (options.has(name) ? Number(options.get(name)) : undefined);
  if (!options.has('gb-per-day')) throw new Error('--gb-per-day is required');
  return {
    ingestGbPerDay: num('gb-per-day')!,
    replicas: num('replicas'),
    logClasses: logClassesOf(
      options.has('shares') ? numbers(pairs(options.get('shares')!, '--shares')) : undefined,
      options.has('retention') ? pairs(options.get('retention')!, '--retention') : undefined,
    ),
    peakEventsPerSecond: num('peak-eps'),
    averageEventBytes: num('event-bytes'),
    dedicatedMasters: options.has('dedicated-masters') || undefined,
    prometheus: options.has('series')
      ? {
          activeSeries: num('series')!,
          scrapeInterval: options.get('scrape-interval'),
          retention: options.get('prometheus-retention'),
        }
      : undefined,
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const examples =
    args.length === 0
      ? WORKED_EXAMPLES
      : [{ name: `plan for ${args.join(' ')}`, input: parseSizingArgs(args) }];
  console.log(
    examples.map(({ name, input }) => renderPlan(name, planCapacity(input))).join('\n\n'),
  );
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
