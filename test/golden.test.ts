import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { UPDATE_HINT, compareGolden, diffLines, expectGolden, unifiedDiff } from './support/golden';

/** `count` lines `line 1\n` .. `line <count>\n`, with the changes given by line number. */
function numbered(count: number, changes: Record<number, string> = {}): string {
  return Array.from({ length: count }, (_, i) => `${changes[i + 1] ?? `line ${i + 1}`}\n`).join('');
}

/** A deterministic pseudo-random generator (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('unifiedDiff', () => {
  test('is empty for equal texts', () => {
    expect(unifiedDiff('', '')).toBe('');
    expect(unifiedDiff(numbered(50), numbered(50))).toBe('');
  });

  test('shows one changed line as -old/+new with three lines of context each side', () => {
    const diff = unifiedDiff(numbered(20), numbered(20, { 10: 'replicas: 4' }), {
      oldLabel: 'dist/prod/observability.k8s.yaml (committed)',
      newLabel: 'dist/prod/observability.k8s.yaml (fresh synth)',
    });
    expect(diff).toBe(
      [
        '--- dist/prod/observability.k8s.yaml (committed)',
        '+++ dist/prod/observability.k8s.yaml (fresh synth)',
        '@@ -7,7 +7,7 @@',
        ' line 7',
        ' line 8',
        ' line 9',
        '-line 10',
        '+replicas: 4',
        ' line 11',
        ' line 12',
        ' line 13',
      ].join('\n'),
    );
  });

  test('numbers insertions and deletions on each side, and cuts context at the ends of the file', () => {
    const old = 'a\nb\nc\n';
    expect(unifiedDiff(old, 'x\na\nb\nc\n')).toBe(
      ['--- old', '+++ new', '@@ -1,3 +1,4 @@', '+x', ' a', ' b', ' c'].join('\n'),
    );
    expect(unifiedDiff(old, 'a\nb\n')).toBe(
      ['--- old', '+++ new', '@@ -1,3 +1,2 @@', ' a', ' b', '-c'].join('\n'),
    );
    expect(unifiedDiff('', 'a\n')).toBe(['--- old', '+++ new', '@@ -0,0 +1,1 @@', '+a'].join('\n'));
  });

  test('keeps changes six lines apart in one hunk and splits those seven apart', () => {
    const hunks = (diff: string) => diff.split('\n').filter((l) => l.startsWith('@@'));
    expect(hunks(unifiedDiff(numbered(40), numbered(40, { 10: 'x', 17: 'y' })))).toEqual([
      '@@ -7,14 +7,14 @@',
    ]);
    expect(hunks(unifiedDiff(numbered(40), numbered(40, { 10: 'x', 18: 'y' })))).toEqual([
      '@@ -7,7 +7,7 @@',
      '@@ -15,7 +15,7 @@',
    ]);
  });

  test('says when a side lacks its final newline', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb')).toBe(
      [
        '--- old',
        '+++ new',
        '@@ -1,2 +1,2 @@',
        ' a',
        '-b',
        '+b',
        '\\ No newline at end of file',
      ].join('\n'),
    );
  });

  test('stops after maxLines lines and says how many more there are', () => {
    const changes = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [i * 10 + 1, `changed ${i}`]),
    );
    const full = unifiedDiff(numbered(1000), numbered(1000, changes), { maxLines: 10_000 });
    const total = full.split('\n').length;
    expect(total).toBeGreaterThan(200);

    const capped = unifiedDiff(numbered(1000), numbered(1000, changes)).split('\n');
    expect(capped).toHaveLength(201);
    expect(capped.slice(0, 200)).toEqual(full.split('\n').slice(0, 200));
    expect(capped[200]).toBe(`... ${total - 200} more lines of diff`);
  });
});

describe('diffLines', () => {
  const sides = (ops: ReturnType<typeof diffLines>) => ({
    old: ops.filter((op) => op.kind !== '+').map((op) => op.line),
    new: ops.filter((op) => op.kind !== '-').map((op) => op.line),
  });

  test('gives a script that turns the old text into the new one, with the fewest edits', () => {
    const next = random(42);
    for (let round = 0; round < 200; round++) {
      const lines = (count: number) =>
        Array.from({ length: count }, () => `${Math.floor(next() * 4)}\n`);
      const a = lines(Math.floor(next() * 30));
      const b = lines(Math.floor(next() * 30));
      const ops = diffLines(a.join(''), b.join(''));
      expect(sides(ops)).toEqual({ old: a, new: b });
      // Shortest edit script = |a| + |b| - 2 * LCS, the LCS by dynamic programming.
      const lcs = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
      for (let i = a.length - 1; i >= 0; i--)
        for (let j = b.length - 1; j >= 0; j--)
          lcs[i][j] =
            a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      const edits = ops.filter((op) => op.kind !== ' ').length;
      expect({ round, edits }).toEqual({ round, edits: a.length + b.length - 2 * lcs[0][0] });
    }
  });

  test('still gives a correct script when the texts differ too much for a minimal one', () => {
    const a = numbered(3000);
    const b = numbered(
      3000,
      Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [i + 1, `x${i}`])),
    );
    const ops = diffLines(a, b);
    expect(sides(ops)).toEqual({ old: a.split(/(?<=\n)/), new: b.split(/(?<=\n)/) });
  });
});

describe('compareGolden', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('passes when the file holds exactly the text', () => {
    writeFileSync(join(dir, 'a.yaml'), numbered(5));
    expect(compareGolden(numbered(5), join(dir, 'a.yaml'), { update: false }).pass).toBe(true);
    expect(() => expectGolden(numbered(5), join(dir, 'a.yaml'), { update: false })).not.toThrow();
  });

  test('fails with the diff and how to update when the text differs', () => {
    writeFileSync(join(dir, 'a.yaml'), numbered(5));
    const result = compareGolden(numbered(5, { 3: 'new' }), join(dir, 'a.yaml'), {
      update: false,
    });
    expect(result.pass).toBe(false);
    expect(result.message).toContain('a.yaml differs from a fresh synth');
    expect(result.message).toContain('\n-line 3\n+new\n');
    expect(result.message).toContain('UPDATE_GOLDEN=1 npx jest test/dist.test.ts');
    expect(result.message).toContain('npm run synth');
    expect(() =>
      expectGolden(numbered(5, { 3: 'new' }), join(dir, 'a.yaml'), { update: false }),
    ).toThrow(UPDATE_HINT);
    expect(readFileSync(join(dir, 'a.yaml'), 'utf8')).toBe(numbered(5));
  });

  test('fails when the file is missing', () => {
    const result = compareGolden('a\n', join(dir, 'missing.yaml'), { update: false });
    expect(result).toEqual({
      pass: false,
      message: expect.stringContaining('does not exist'),
    });
  });

  test('rewrites the file, creating its directory, when updating', () => {
    writeFileSync(join(dir, 'a.yaml'), numbered(5));
    expect(compareGolden('b\n', join(dir, 'a.yaml'), { update: true }).pass).toBe(true);
    expect(readFileSync(join(dir, 'a.yaml'), 'utf8')).toBe('b\n');
    expect(compareGolden('c\n', join(dir, 'env', 'c.yaml'), { update: true }).pass).toBe(true);
    expect(readFileSync(join(dir, 'env', 'c.yaml'), 'utf8')).toBe('c\n');
  });

  test('updates only when UPDATE_GOLDEN=1 is set, if not told otherwise', () => {
    const saved = process.env.UPDATE_GOLDEN;
    try {
      writeFileSync(join(dir, 'a.yaml'), 'a\n');
      process.env.UPDATE_GOLDEN = '0';
      expect(compareGolden('b\n', join(dir, 'a.yaml')).pass).toBe(false);
      process.env.UPDATE_GOLDEN = '1';
      expect(compareGolden('b\n', join(dir, 'a.yaml')).pass).toBe(true);
      expect(readFileSync(join(dir, 'a.yaml'), 'utf8')).toBe('b\n');
    } finally {
      if (saved === undefined) delete process.env.UPDATE_GOLDEN;
      else process.env.UPDATE_GOLDEN = saved;
    }
  });
});
