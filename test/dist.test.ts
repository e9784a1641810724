import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { synthesizeEnvironment } from '../stacks/main';
import { ENVIRONMENTS } from './support/environments';
import { UPDATE_HINT, expectGolden } from './support/golden';

// The committed dist/ is the one reviewed copy of the generated YAML (docs/architecture.md#7-verification-tiers):
// each environment's files must equal what `npm run synth` writes now. That two synths give
// the same bytes is test/stability.test.ts's.

const DIST = join(__dirname, '..', 'dist');

/** The files `npm run synth` writes for one environment, by name, through the same code path. */
function freshSynth(env: string): Map<string, string> {
  const outdir = mkdtempSync(join(tmpdir(), 'synth-'));
  try {
    synthesizeEnvironment(env, outdir);
    const names = readdirSync(join(outdir, env)).sort();
    return new Map(names.map((name) => [name, readFileSync(join(outdir, env, name), 'utf8')]));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe.each(ENVIRONMENTS)('dist/%s', (env) => {
  const fresh = freshSynth(env);

  test('holds no file a fresh synth no longer writes', () => {
    const committed = existsSync(join(DIST, env)) ? readdirSync(join(DIST, env)) : [];
    const stale = committed.filter((name) => !fresh.has(name));
    if (process.env.UPDATE_GOLDEN === '1') {
      for (const name of stale) rmSync(join(DIST, env, name));
    } else if (stale.length > 0) {
      throw new Error(
        `dist/${env} holds files a fresh synth no longer writes: ${stale.join(', ')}.\n${UPDATE_HINT}`,
      );
    }
  });

  test.each([...fresh.keys()])('%s equals a fresh synth byte for byte', (name) => {
    expectGolden(fresh.get(name)!, join('dist', env, name));
  });
});
