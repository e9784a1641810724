/**
 * Tier 4 (docs/architecture.md#7-verification-tiers): the alert rules as Prometheus itself reads them.
 * Renders `rules.yml` from each synthesized environment's `prometheus-config`
 * ConfigMap, checks it with `promtool check rules`, and runs the promtool unit
 * tests in test/tools/rules/ against the prod rules (default thresholds). Rules that
 * only opt-ins add (the control plane's etcd, kube-scheduler and kube-controller-manager,
 * off in every bundled environment) are in `rules-all.yml`, rendered from the prod
 * environment with every opt-in on: fixtures that test them name that file, and the
 * coverage checks count both files.
 *
 * Needs promtool: $PROMTOOL, else <repo>/.cache/tools/bin/promtool (installed by
 * scripts/install-tools.sh). Without it the tests fail rather than skip, so a
 * missing tool never passes for a green run.
 */
import { spawnSync } from 'child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import {
  ENVIRONMENTS,
  EnvironmentName,
  find,
  KubeObject,
  synthEnvironment,
  synthEveryOptIn,
} from '../support/environments';

const REPO_ROOT = join(__dirname, '..', '..');
const PROMTOOL = process.env.PROMTOOL ?? join(REPO_ROOT, '.cache', 'tools', 'bin', 'promtool');
const FIXTURES_DIR = join(__dirname, 'rules');
const FIXTURES = readdirSync(FIXTURES_DIR)
  .filter((f) => f.endsWith('.test.yml'))
  .sort();
// The fixtures name their rule file, relative to themselves: `rules.yml` (prod) or
// `rules-all.yml` (prod with every opt-in).
const RULES_FILE = 'rules.yml';
const ALL_RULES_FILE = 'rules-all.yml';

function rulesOf(objects: KubeObject[], what: string): string {
  const configMap = find(objects, 'ConfigMap', 'prometheus-config');
  const rules = configMap?.data?.[RULES_FILE];
  if (typeof rules !== 'string')
    throw new Error(`${what} has no '${RULES_FILE}' in ConfigMap prometheus-config`);
  return rules;
}

function renderedRules(env: EnvironmentName): string {
  return rulesOf(synthEnvironment(env).objects, `the ${env} environment`);
}

/** The prod environment's rules with every opt-in that adds rules turned on. */
function renderedAllRules(): string {
  return rulesOf(synthEveryOptIn().objects, 'the prod environment with every opt-in');
}

/** The rule groups of both rule files the fixtures run against. */
function allRuleGroups(): { rules: { alert?: string; record?: string }[] }[] {
  return [renderedRules('prod'), renderedAllRules()].flatMap((file) => parse(file).groups);
}

function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const result = spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

let workDir: string;

beforeAll(() => {
  if (!existsSync(PROMTOOL)) {
    throw new Error(
      `promtool not found at ${PROMTOOL}: run scripts/install-tools.sh, or set PROMTOOL to a promtool binary`,
    );
  }
  workDir = mkdtempSync(join(tmpdir(), 'prometheus-rules-'));
  writeFileSync(join(workDir, RULES_FILE), renderedRules('prod'));
  writeFileSync(join(workDir, ALL_RULES_FILE), renderedAllRules());
  for (const fixture of FIXTURES) copyFileSync(join(FIXTURES_DIR, fixture), join(workDir, fixture));
});

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe.each(ENVIRONMENTS)('the %s environment', (env) => {
  test('rules.yml passes promtool check rules (syntax, PromQL, templates, lint)', () => {
    const dir = mkdtempSync(join(tmpdir(), `prometheus-rules-${env}-`));
    try {
      writeFileSync(join(dir, RULES_FILE), renderedRules(env));
      const { status, output } = promtool(['check', 'rules', RULES_FILE], dir);
      expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('rules-all.yml (every opt-in) passes promtool check rules and adds rules to prod', () => {
  const { status, output } = promtool(['check', 'rules', ALL_RULES_FILE], workDir);
  expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  const count = (file: string) =>
    parse(file).groups.reduce((n: number, g: { rules: unknown[] }) => n + g.rules.length, 0);
  expect(count(renderedAllRules())).toBeGreaterThan(count(renderedRules('prod')));
});

test.each(FIXTURES)('promtool test rules %s', (fixture) => {
  const { status, output } = promtool(['test', 'rules', fixture], workDir);
  expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
});

test('every alert has a unit test where it fires and one where it stays silent (the Watchdog always fires)', () => {
  const alerts = new Set<string>();
  for (const group of allRuleGroups()) {
    for (const rule of group.rules) if (rule.alert) alerts.add(rule.alert);
  }
  const alertsIn = (file: string) =>
    new Set<string>(
      parse(file === RULES_FILE ? renderedRules('prod') : renderedAllRules())
        .groups.flatMap((g: { rules: { alert?: string }[] }) => g.rules)
        .map((r: { alert?: string }) => r.alert)
        .filter(Boolean),
    );
  const fires = new Set<string>();
  const silent = new Set<string>();
  const missing: string[] = [];
  for (const fixture of FIXTURES) {
    const doc = parse(readFileSync(join(FIXTURES_DIR, fixture), 'utf8'));
    expect([[RULES_FILE], [ALL_RULES_FILE]]).toContainEqual(doc.rule_files);
    const own = alertsIn(doc.rule_files[0]);
    for (const t of doc.tests) {
      for (const check of t.alert_rule_test ?? []) {
        ((check.exp_alerts ?? []).length > 0 ? fires : silent).add(check.alertname);
        // Tests of alerts not in the fixture's own rule file would pass vacuously (promtool expects silence).
        if (!own.has(check.alertname)) missing.push(`${fixture}: ${check.alertname}`);
      }
    }
  }
  expect(alerts.size).toBeGreaterThanOrEqual(17);
  expect([...alerts].filter((a) => !fires.has(a))).toEqual([]);
  expect([...alerts].filter((a) => a !== 'Watchdog' && !silent.has(a))).toEqual([]);
  expect(missing).toEqual([]);
});

test('every recording rule has a unit test that expects samples of the series it records', () => {
  const records = new Set<string>();
  for (const group of allRuleGroups()) {
    for (const rule of group.rules) if (rule.record) records.add(rule.record);
  }
  const checked = new Set<string>();
  for (const fixture of FIXTURES) {
    const doc = parse(readFileSync(join(FIXTURES_DIR, fixture), 'utf8'));
    for (const t of doc.tests) {
      for (const check of t.promql_expr_test ?? []) {
        if ((check.exp_samples ?? []).length === 0) continue;
        // The recorded name as a whole word of the tested expression: `a:b:rate5m` but not `a:b:rate5m_x`.
        for (const record of records) {
          const word = new RegExp(
            `(^|[^a-zA-Z0-9_:])${record.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-zA-Z0-9_:])`,
          );
          if (word.test(check.expr)) checked.add(record);
        }
      }
    }
  }
  expect([...records].filter((r) => !checked.has(r))).toEqual([]);
});
