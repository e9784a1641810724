/**
 * Wall time and peak memory of synthesizing the stack, against a floor measured in the
 * same run. Every measurement is a fresh Node process (bench/synth-child.ts), so
 * the time includes loading the modules, as a user's `cdk8s synth` pays it, and the
 * memory is that process's peak RSS.
 *
 *   npm run bench                     # 5 runs per case
 *   npm run bench -- 10               # 10 runs per case
 *   npm run bench -- 5 --skip-jest    # without target (c), which runs the unit tier once
 *
 * It ends with the three targets of the inner loop, each against its floor measured in the same
 * run: (a) `npm run synth` against `tsc && cdk8s synth` of a generated one-chart TypeScript app
 * (in a temporary directory, on this repository's node_modules) at most 1.5x; (b) the three
 * environments in one process against the one-ConfigMap floor at most 2x; (c) `npx jest --ci`
 * under 30 s.
 *
 * Cases: two floors (cdk8s alone, and cdk8s with the libraries the stack loads, each
 * synthesizing one ConfigMap), each environment, all three as `cdk8s synth` does, and the
 * prod profile with 1, 10, 100 and 1000 application namespaces of user input: per namespace a
 * scrape job, a rule group, an Alertmanager route and a Grafana dashboard. Index classes
 * are a fixed set (all, errors, trades, ai) with no way to add one, so they do not grow.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { loadavg, tmpdir } from 'os';
import { join } from 'path';
import { performance } from 'perf_hooks';

interface Sample {
  readonly wallMs: number;
  readonly load: number;
  readonly construct: number;
  readonly synth: number;
  readonly cpuMs: number;
  readonly rssMb: number;
}

const ROOT = join(__dirname, '..');
const CHILD = join(__dirname, 'synth-child.ts');
// The child runs the TypeScript sources as `npm run synth` does.
const REGISTER_TS = join(ROOT, 'scripts', 'register-ts.js');
// 1000 is there for the linearity verdict: from 1 to 10 the difference drowns in noise.
const GROWTH = [1, 10, 100, 1000];

function measure(kind: string, n?: number): Sample {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-synth-'));
  try {
    const start = performance.now();
    const child = spawnSync(
      process.execPath,
      ['-r', REGISTER_TS, CHILD, kind, outdir, ...(n === undefined ? [] : [String(n)])],
      { encoding: 'utf8' },
    );
    const wallMs = performance.now() - start;
    if (child.status !== 0) throw new Error(`${kind} ${n ?? ''} failed:\n${child.stderr}`);
    const out = JSON.parse(child.stdout.trim().split('\n').pop()!);
    return {
      wallMs,
      load: out.load,
      construct: out.construct,
      synth: out.synth,
      cpuMs: out.cpuMs,
      rssMb: out.maxRssKb / 1024,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The floor of target (a): what `cdk8s init typescript-app` gives, one chart with one ConfigMap. */
const FLOOR_APP: Record<string, string> = {
  'package.json': JSON.stringify(
    {
      name: 'floor-app',
      private: true,
      scripts: { synth: 'tsc && cdk8s synth --check-upgrade=false' },
    },
    null,
    2,
  ),
  'cdk8s.yaml': 'language: typescript\napp: node main.js\noutput: dist\n',
  // This repository's compiler settings, so both sides type-check alike.
  'tsconfig.json': JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'commonjs',
        lib: ['ES2022'],
        strict: true,
        skipLibCheck: true,
        types: ['node'],
      },
      include: ['*.ts'],
    },
    null,
    2,
  ),
  'main.ts': `import { App, ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';

class FloorChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new ApiObject(this, 'config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'floor' },
      data: { key: 'value' },
    });
  }
}

const app = new App();
new FloorChart(app, 'floor');
app.synth();
`,
};

/** Writes the floor app of target (a) to a new temporary directory, on this repository's node_modules. */
function writeFloorApp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-floor-app-'));
  for (const [file, content] of Object.entries(FLOOR_APP)) writeFileSync(join(dir, file), content);
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Wall time of one command, in ms; throws with its output when it fails. */
function timeCommand(command: string, args: string[], cwd: string): number {
  const start = performance.now();
  const child = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallMs = performance.now() - start;
  if (child.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} in ${cwd} failed:\n${child.stdout}${child.stderr}`,
    );
  return wallMs;
}

/** Target (a): `npm run synth` here and in the floor app, interleaved, `runs` times each after a warm-up. */
function measureSynthCommand(runs: number): { ours: number[]; floor: number[] } {
  const floorApp = writeFloorApp();
  const outdir = mkdtempSync(join(tmpdir(), 'bench-synth-output-'));
  // Our synth writes to a temporary directory: dist/ stays as it is.
  const ours = () => timeCommand('npm', ['run', '-s', 'synth', '--', '--output', outdir], ROOT);
  const floor = () => timeCommand('npm', ['run', '-s', 'synth'], floorApp);
  try {
    // Warm the file cache, and the transpile cache of scripts/register-ts.js.
    ours();
    floor();
    const samples = { ours: [] as number[], floor: [] as number[] };
    for (let r = 0; r < runs; r++) {
      samples.ours.push(ours());
      samples.floor.push(floor());
    }
    return samples;
  } finally {
    rmSync(floorApp, { recursive: true, force: true });
    rmSync(outdir, { recursive: true, force: true });
  }
}

interface TargetRow {
  readonly name: string;
  readonly oursMs: number;
  /** undefined for an absolute target. */
  readonly floorMs?: number;
  /** The largest ratio to the floor that passes, or the absolute bound in ms. */
  readonly limit: number;
}

function targetLine(row: TargetRow): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const ratio = row.floorMs === undefined ? undefined : row.oursMs / row.floorMs;
  const pass = ratio === undefined ? row.oursMs < row.limit : ratio <= row.limit;
  return (
    `  ${row.name.padEnd(52)}${seconds(row.oursMs).padStart(9)}` +
    `${(row.floorMs === undefined ? '-' : seconds(row.floorMs)).padStart(9)}` +
    `${(ratio === undefined ? '-' : `${ratio.toFixed(2)}x`).padStart(8)}` +
    `${(ratio === undefined ? `< ${row.limit / 1000} s` : `<= ${row.limit}x`).padStart(9)}` +
    `  ${pass ? 'PASS' : 'FAIL'}`
  );
}

function main(): void {
  const args = process.argv.slice(2);
  const skipJest = args.includes('--skip-jest');
  const unknown = args.filter((a) => a.startsWith('-') && a !== '--skip-jest');
  if (unknown.length > 0)
    throw new Error(`unknown option ${unknown[0]}: the only one is --skip-jest`);
  const runsArg = args.find((a) => !a.startsWith('-'));
  const runs = Number(runsArg ?? 5);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`runs must be a positive integer, got '${runsArg}'`);
  const loadBefore = loadavg()[0];
  const cases: { name: string; kind: string; n?: number }[] = [
    { name: 'floor (cdk8s, 1 ConfigMap)', kind: 'floor' },
    { name: 'floor + libraries', kind: 'floor-libs' },
    { name: 'dev', kind: 'dev' },
    { name: 'staging', kind: 'staging' },
    { name: 'prod', kind: 'prod' },
    { name: 'all three', kind: 'all' },
    ...GROWTH.map((n) => ({ name: `prod + ${n} namespaces`, kind: 'growth', n })),
  ];
  const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
  // Interleaved rounds, so a slow spell of the machine spreads over every case.
  measure('floor'); // warm the file cache
  for (let r = 0; r < runs; r++)
    for (const c of cases) samples.get(c.name)!.push(measure(c.kind, c.n));

  const floorMs = median(samples.get(cases[0].name)!.map((s) => s.wallMs));
  const floorLibsMs = median(samples.get(cases[1].name)!.map((s) => s.wallMs));
  const col = (s: string | number, w: number) => String(s).padStart(w);
  console.log(
    `\n  ${runs} runs per case, fresh node process each; wall ms min/median/max; phases and cpu (user+sys) are medians (ms)`,
  );
  console.log(
    `  ${'case'.padEnd(28)}${col('min', 7)}${col('median', 8)}${col('max', 7)}${col('load', 7)}${col('constr', 8)}${col('synth', 7)}${col('cpu', 6)}${col('RSS MB', 8)}${col('/floor', 8)}${col('/floor+libs', 12)}`,
  );
  for (const c of cases) {
    const s = samples.get(c.name)!;
    const wall = s.map((x) => x.wallMs);
    const med = median(wall);
    console.log(
      `  ${c.name.padEnd(28)}${col(Math.min(...wall).toFixed(0), 7)}${col(med.toFixed(0), 8)}${col(Math.max(...wall).toFixed(0), 7)}` +
        `${col(median(s.map((x) => x.load)).toFixed(0), 7)}${col(median(s.map((x) => x.construct)).toFixed(0), 8)}${col(median(s.map((x) => x.synth)).toFixed(0), 7)}` +
        `${col(median(s.map((x) => x.cpuMs)).toFixed(0), 6)}${col(Math.max(...s.map((x) => x.rssMb)).toFixed(0), 8)}${col((med / floorMs).toFixed(2) + 'x', 8)}${col((med / floorLibsMs).toFixed(2) + 'x', 12)}`,
    );
  }

  // Growth: the in-process work (construct + synth) is what user input can change; load is fixed.
  const work = GROWTH.map((n) =>
    median(samples.get(`prod + ${n} namespaces`)!.map((s) => s.construct + s.synth)),
  );
  console.log(
    '\n  growth (construct + synth, medians; marginal = per added namespace since the previous N)',
  );
  GROWTH.forEach((n, i) =>
    console.log(
      `  ${String(n).padStart(5)} namespaces ${work[i].toFixed(0).padStart(7)} ms` +
        (i === 0
          ? ''
          : `   marginal ${((work[i] - work[i - 1]) / (n - GROWTH[i - 1])).toFixed(2)} ms`),
    ),
  );
  // Linear: each tenfold step costs about ten times the previous step's increase. From 1 to 10
  // the increase is within run-to-run noise, so the verdict uses the steps 10->100->1000.
  for (let i = 2; i < GROWTH.length; i++) {
    const step = work[i] - work[i - 1];
    const previous = 10 * (work[i - 1] - work[i - 2]);
    console.log(
      `  cost(${GROWTH[i]})-cost(${GROWTH[i - 1]}) = ${step.toFixed(0)} ms vs 10x(cost(${GROWTH[i - 1]})-cost(${GROWTH[i - 2]})) = ${previous.toFixed(0)} ms`,
    );
  }
  const last = GROWTH.length - 1;
  const ratio = (work[last] - work[last - 1]) / (10 * (work[last - 1] - work[last - 2]));
  const verdict = !(ratio > 0)
    ? 'inconclusive (a step shrank: noise; run more)'
    : ratio <= 1.5
      ? 'linear or better'
      : 'superlinear';
  console.log(`  ${verdict}: the last step costs ${ratio.toFixed(2)}x ten times the one before`);

  // The targets of the inner loop, each against its floor measured in this run.
  const synthCommand = measureSynthCommand(runs);
  const all = samples.get('all three')!;
  const floor = samples.get(cases[0].name)!;
  const rows: TargetRow[] = [
    {
      name: `(a) npm run synth vs tsc && cdk8s synth, 1 chart`,
      oursMs: median(synthCommand.ours),
      floorMs: median(synthCommand.floor),
      limit: 1.5,
    },
    {
      name: '(b) 3 environments in one process vs 1 ConfigMap',
      oursMs: median(all.map((x) => x.wallMs)),
      floorMs,
      limit: 2,
    },
  ];
  if (!skipJest) {
    rows.push({
      name: '(c) npx jest --ci (1 run)',
      oursMs: timeCommand('npx', ['jest', '--ci', '--silent'], ROOT),
      limit: 30_000,
    });
  }
  console.log(
    `\n  targets: medians of ${runs} runs ((a) and (b)) of wall time; load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`,
  );
  console.log(
    `  ${'target'.padEnd(52)}${'ours'.padStart(9)}${'floor'.padStart(9)}${'ratio'.padStart(8)}${'target'.padStart(9)}  verdict`,
  );
  for (const row of rows) console.log(targetLine(row));
  if (skipJest) console.log(`  ${'(c) npx jest --ci'.padEnd(52)}  skipped (--skip-jest)`);
  // CPU time (user + system) is steadier than wall time on a busy machine.
  const cpu = (s: Sample[]) => median(s.map((x) => x.cpuMs));
  console.log(
    `  (b) by CPU time instead: ${cpu(all).toFixed(0)} ms against ${cpu(floor).toFixed(0)} ms, ${(cpu(all) / cpu(floor)).toFixed(2)}x`,
  );
}

main();
