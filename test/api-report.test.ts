import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import * as publicApi from '../lib';

// Builds lib/ with its declarations (tsc -p tsconfig.build.json, into build/api-report), then
// runs API Extractor on both entry points: the same check as `npm run api:check`, and like it
// skipping a step whose inputs are those of its last run (scripts/api-report.js).
// scripts/ are plain CommonJS without declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runApiReports, DECLARATIONS_DIR } = require('../scripts/api-report') as {
  runApiReports(options: { local?: boolean; quiet?: boolean }): {
    succeeded: boolean;
    changedReports: string[];
    problems: string[];
  };
  DECLARATIONS_DIR: string;
};

const ROOT = join(__dirname, '..');

describe('the public API', () => {
  let result: ReturnType<typeof runApiReports>;
  beforeAll(() => {
    result = runApiReports({ local: false, quiet: true });
  }, 120_000);

  test('matches the reports committed in api/ (otherwise run `npm run api:update` and review the diff)', () => {
    if (!result.succeeded) {
      throw new Error(
        [
          'The exported API differs from the committed API reports, or API Extractor found a problem:',
          ...result.problems,
          `Changed reports: ${result.changedReports.map((p) => p.slice(ROOT.length + 1)).join(', ') || 'none'}`,
          'Run `npm run api:update`, review the diff of api/*.api.md (every change is a change of the public API) and commit it.',
        ].join('\n'),
      );
    }
    expect(result.changedReports).toEqual([]);
  });

  test('keeps renderers, validators and resolvers internal', () => {
    const helpers = Object.keys(publicApi).filter((name) =>
      /^(render|validate|resolve)[A-Z]/.test(name),
    );
    expect(helpers).toEqual([]);
  });

  test('names every export of the main entry (no `export *`)', () => {
    const index = readFileSync(join(ROOT, 'lib', 'index.ts'), 'utf8');
    expect(index).not.toMatch(/^export \*/m);
    expect(Object.keys(publicApi)).toEqual(
      expect.arrayContaining(['ObservabilityStack', 'ElasticsearchCluster', 'Spread']),
    );
  });

  test('loads without @pulumi/*, which only the ./pulumi entry needs (optional peer dependencies)', () => {
    // beforeAll built lib/ into DECLARATIONS_DIR; a fresh Node.js process shows what the main entry loads.
    const entry = join(DECLARATIONS_DIR, 'lib', 'index.js');
    const loaded = execFileSync(
      process.execPath,
      [
        '-e',
        [
          `require(${JSON.stringify(entry)});`,
          'console.log(JSON.stringify(Object.keys(require.cache)));',
        ].join('\n'),
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    const modules = JSON.parse(loaded) as string[];
    expect(modules.filter((path) => path.includes(`${join('node_modules', '@pulumi')}`))).toEqual(
      [],
    );
    expect(
      modules.some((path) =>
        path.includes(join(DECLARATIONS_DIR, 'lib', 'stack', 'observability-stack.js')),
      ),
    ).toBe(true);
  });
});
