/**
 * Golden files: the committed `dist/` is the one reviewed copy of the generated YAML, and the
 * tests compare a fresh synth against it instead of keeping jest snapshots beside it. A
 * mismatch fails with a unified diff of the committed file against the fresh output; with
 * `UPDATE_GOLDEN=1` the committed file is rewritten instead (as `npm run synth` would).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { dirname, isAbsolute, join, relative } from 'path';

const ROOT = join(__dirname, '..', '..');

/** How to bring a stale golden file up to date; every failure message ends with it. */
export const UPDATE_HINT =
  'If the change is intended, run `UPDATE_GOLDEN=1 npx jest test/dist.test.ts` or ' +
  '`npm run synth`, review `git diff -- dist` and commit it with the change.';

export interface UnifiedDiffOptions {
  /** The name of the old side, on the `---` line. */
  readonly oldLabel?: string;
  /** The name of the new side, on the `+++` line. */
  readonly newLabel?: string;
  /** Unchanged lines shown around each change. @default 3 */
  readonly context?: number;
  /** Lines of output at most, headers included; the rest is counted, not shown. @default 200 */
  readonly maxLines?: number;
}

/**
 * Edits beyond which the diff stops looking for the shortest script and shows the whole
 * differing middle as removed, then added: Myers' search costs O((N + M) * D) time and keeps
 * O(D^2) of trace, and past a few thousand edits a minimal diff reads no better anyway.
 */
const MAX_EDITS = 2000;

type Op = { readonly kind: ' ' | '-' | '+'; readonly line: string };

/** The lines of a text, each with its `\n` (the last one may lack it). */
function splitLines(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

/**
 * The shortest edit script from `a` to `b` (E. Myers, "An O(ND) Difference Algorithm and Its
 * Variations", 1986), or undefined when it needs more than `maxEdits` edits.
 */
function myers(a: readonly string[], b: readonly string[], maxEdits: number): Op[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  // v[offset + k]: the furthest x reached on diagonal k (y = x - k).
  const v = new Int32Array(2 * max + 3);
  // trace[d][k + d]: v on diagonals -d..d after d edits, to walk back from the end.
  const trace: Int32Array[] = [];
  for (let d = 0; d <= Math.min(max, maxEdits); d++) {
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]);
      let x = down ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        trace.push(v.slice(offset - d, offset + d + 1));
        return backtrack(a, b, trace);
      }
    }
    trace.push(v.slice(offset - d, offset + d + 1));
  }
  return undefined;
}

function backtrack(a: readonly string[], b: readonly string[], trace: Int32Array[]): Op[] {
  const ops: Op[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d > 0; d--) {
    const previous = (k: number) => trace[d - 1][k + d - 1];
    const k = x - y;
    const down = k === -d || (k !== d && previous(k - 1) < previous(k + 1));
    const previousK = down ? k + 1 : k - 1;
    const previousX = previous(previousK);
    const previousY = previousX - previousK;
    for (; x > previousX && y > previousY; x--, y--) ops.push({ kind: ' ', line: a[x - 1] });
    if (down) ops.push({ kind: '+', line: b[--y] });
    else ops.push({ kind: '-', line: a[--x] });
  }
  for (; x > 0 && y > 0; x--, y--) ops.push({ kind: ' ', line: a[x - 1] });
  return ops.reverse();
}

/** The edit script of two texts, line by line; the common head and tail are skipped first. */
export function diffLines(oldText: string, newText: string): Op[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const oldMiddle = a.slice(head, a.length - tail);
  const newMiddle = b.slice(head, b.length - tail);
  const middle = myers(oldMiddle, newMiddle, MAX_EDITS) ?? [
    ...oldMiddle.map((line): Op => ({ kind: '-', line })),
    ...newMiddle.map((line): Op => ({ kind: '+', line })),
  ];
  const same = (line: string): Op => ({ kind: ' ', line });
  return [...a.slice(0, head).map(same), ...middle, ...a.slice(a.length - tail).map(same)];
}

/** `start,count` of a hunk header; an empty side names the line before it, as diff(1) does. */
function range(start: number, count: number): string {
  return `${count === 0 ? start - 1 : start},${count}`;
}

/** The lines of one op as diff(1) prints them. */
function render(op: Op): string[] {
  const text = op.line.endsWith('\n') ? op.line.slice(0, -1) : op.line;
  return op.line.endsWith('\n')
    ? [op.kind + text]
    : [op.kind + text, '\\ No newline at end of file'];
}

/**
 * A unified diff (`diff -u`) of two texts, or '' when they are equal: hunks with `context`
 * unchanged lines around each change, cut after `maxLines` lines with a count of the rest.
 */
export function unifiedDiff(oldText: string, newText: string, options: UnifiedDiffOptions = {}) {
  if (oldText === newText) return '';
  const context = options.context ?? 3;
  const maxLines = options.maxLines ?? 200;
  const ops = diffLines(oldText, newText);

  // Line numbers (1-based) of each op on the old and the new side.
  const oldLine: number[] = [];
  const newLine: number[] = [];
  let o = 1;
  let n = 1;
  for (const op of ops) {
    oldLine.push(o);
    newLine.push(n);
    if (op.kind !== '+') o++;
    if (op.kind !== '-') n++;
  }

  const out = [`--- ${options.oldLabel ?? 'old'}`, `+++ ${options.newLabel ?? 'new'}`];
  const changed = ops.flatMap((op, i) => (op.kind === ' ' ? [] : [i]));
  let next = 0;
  while (next < changed.length) {
    // A hunk takes every change whose gap to the previous one its context would cover.
    let last = next;
    while (last + 1 < changed.length && changed[last + 1] - changed[last] <= 2 * context + 1)
      last++;
    const from = Math.max(0, changed[next] - context);
    const to = Math.min(ops.length, changed[last] + context + 1);
    const hunk = ops.slice(from, to);
    const oldCount = hunk.filter((op) => op.kind !== '+').length;
    const newCount = hunk.filter((op) => op.kind !== '-').length;
    out.push(
      `@@ -${range(oldLine[from], oldCount)} +${range(newLine[from], newCount)} @@`,
      ...hunk.flatMap(render),
    );
    next = last + 1;
  }

  if (out.length <= maxLines) return out.join('\n');
  const more = out.length - maxLines;
  return [...out.slice(0, maxLines), `... ${more} more line${more === 1 ? '' : 's'} of diff`].join(
    '\n',
  );
}

export interface GoldenResult {
  readonly pass: boolean;
  /** Why it failed, with the diff and how to update; what it rewrote when updating. */
  readonly message: string;
}

export interface GoldenOptions {
  /** Rewrite the golden file rather than compare. @default process.env.UPDATE_GOLDEN === '1' */
  readonly update?: boolean;
  /** Lines of diff shown at most. @default 200 */
  readonly maxLines?: number;
}

/**
 * Compares `actual` with the golden file at `goldenPath` (relative to the repo root, or
 * absolute), or rewrites the file when updating.
 */
export function compareGolden(
  actual: string,
  goldenPath: string,
  options: GoldenOptions = {},
): GoldenResult {
  const file = isAbsolute(goldenPath) ? goldenPath : join(ROOT, goldenPath);
  const name = relative(ROOT, file);
  const update = options.update ?? process.env.UPDATE_GOLDEN === '1';
  const committed = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (committed === actual) return { pass: true, message: `${name} is up to date` };
  if (update) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return { pass: true, message: `rewrote ${name}` };
  }
  if (committed === undefined) {
    return {
      pass: false,
      message: `${name} does not exist; a fresh synth writes it.\n${UPDATE_HINT}`,
    };
  }
  const diff = unifiedDiff(committed, actual, {
    oldLabel: `${name} (committed)`,
    newLabel: `${name} (fresh synth)`,
    maxLines: options.maxLines,
  });
  return {
    pass: false,
    message: `${name} differs from a fresh synth:\n\n${diff}\n\n${UPDATE_HINT}`,
  };
}

/** Fails the test with a unified diff unless `actual` equals the golden file (see compareGolden). */
export function expectGolden(actual: string, goldenPath: string, options: GoldenOptions = {}) {
  const result = compareGolden(actual, goldenPath, options);
  if (!result.pass) {
    const error = new Error(result.message);
    // The diff is the whole story: no stack trace under it.
    error.stack = `${error.name}: ${error.message}`;
    throw error;
  }
}
