import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { synthesizeEnvironment } from '../stacks/main';
import { ENVIRONMENTS } from './support/environments';

const DIST = join(__dirname, '..', 'dist');

describe.each(ENVIRONMENTS)('dist/%s', (env) => {
  test('equals a fresh synth, file for file and byte for byte (run `npm run synth` and commit)', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'synth-'));
    try {
      synthesizeEnvironment(env, outdir);
      const fresh = readdirSync(join(outdir, env)).sort();
      expect(readdirSync(join(DIST, env)).sort()).toEqual(fresh);
      for (const file of fresh) {
        expect(readFileSync(join(DIST, env, file), 'utf8')).toBe(
          readFileSync(join(outdir, env, file), 'utf8'),
        );
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('is deterministic: two synths give identical bytes', () => {
    const a = mkdtempSync(join(tmpdir(), 'synth-a-'));
    const b = mkdtempSync(join(tmpdir(), 'synth-b-'));
    try {
      synthesizeEnvironment(env, a);
      synthesizeEnvironment(env, b);
      for (const file of readdirSync(join(a, env))) {
        expect(readFileSync(join(a, env, file), 'utf8')).toBe(
          readFileSync(join(b, env, file), 'utf8'),
        );
      }
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });
});
