import { execFileSync } from 'child_process';
import { mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

// scripts/register-ts.js is how `npm run synth` and the bench scripts run the sources.
const HOOK = join(__dirname, '..', 'scripts', 'register-ts.js');

describe('scripts/register-ts.js', () => {
  let dir: string;
  let cacheDir: string;
  beforeEach(() => {
    // Real path: Node runs the entry by its real path, which __dirname shows.
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'register-ts-')));
    cacheDir = join(dir, 'cache');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // An entry with types, an enum and a relative .ts import; it prints what it sees as JSON.
  const writeSources = (greeting: string) => {
    writeFileSync(
      join(dir, 'helper.ts'),
      `export enum Kind { A = 'a' }\nexport const greeting: string = '${greeting}';\n`,
    );
    writeFileSync(
      join(dir, 'main.ts'),
      [
        "import { greeting, Kind } from './helper';",
        'const seen: Record<string, unknown> = {',
        '  dirname: __dirname,',
        '  filename: __filename,',
        '  main: require.main === module,',
        '  greeting,',
        '  kind: Kind.A,',
        "  swcLoaded: Object.keys(require.cache).some((k) => k.includes('@swc')),",
        '};',
        'console.log(JSON.stringify(seen));',
      ].join('\n'),
    );
  };
  const run = () =>
    JSON.parse(
      execFileSync(process.execPath, ['-r', HOOK, join(dir, 'main.ts')], {
        encoding: 'utf8',
        env: { ...process.env, REGISTER_TS_CACHE_DIR: cacheDir },
      }),
    );

  test("runs a .ts entry as CommonJS with each module's own __dirname, and its types stripped", () => {
    writeSources('hello');
    expect(run()).toEqual({
      dirname: dir,
      filename: join(dir, 'main.ts'),
      main: true,
      greeting: 'hello',
      kind: 'a',
      swcLoaded: true,
    });
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.js'))).toHaveLength(2);
  });

  test('loads no swc when every source is cached, and transpiles a changed source again', () => {
    writeSources('hello');
    run();
    expect(run()).toMatchObject({ greeting: 'hello', swcLoaded: false });
    writeSources('changed');
    expect(run()).toMatchObject({ greeting: 'changed', swcLoaded: true });
  });
});
