import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parse, parseAllDocuments } from 'yaml';
import {
  AlertSeverity,
  DEFAULT_RUNBOOK_BASE_URL,
  ElasticsearchMethod,
  LOG_ALERTS_GROUP,
  LogAlert,
} from '../lib';
import { alertRule, resolveAlertRules, AlertName } from '../lib/prometheus/alert-rules';
import { AlertRunbook } from '../lib/prometheus/alert-runbook';
import { renderPrometheusRules } from '../lib/prometheus/prometheus-config';
import {
  RUNBOOKS_DIR,
  RUNBOOKS_INDEX,
  RuleSource,
  collectRunbookPages,
  OPT_INS_SOURCE,
  environmentRuleSources,
  renderElasticsearchRequest,
  renderRunbookFiles,
} from '../stacks/runbooks';
import { ENVIRONMENTS } from './support/environments';
import { unifiedDiff } from './support/golden';

const ROOT = join(__dirname, '..');
const DIR = join(ROOT, RUNBOOKS_DIR);
const REGENERATE = 'run `npm run docs:runbooks` and commit docs/runbooks/';

const sources = environmentRuleSources();
const pages = collectRunbookPages(sources);
const files = renderRunbookFiles(pages);

/** Every alerting rule of every environment's generated Prometheus rules ConfigMaps. */
function distAlerts(): { env: string; alert: string; runbookUrl?: string }[] {
  return ENVIRONMENTS.flatMap((env) =>
    readdirSync(join(ROOT, 'dist', env))
      .filter((name) => name.endsWith('.yaml'))
      .flatMap((name) =>
        parseAllDocuments(readFileSync(join(ROOT, 'dist', env, name), 'utf8')).map((d) => d.toJS()),
      )
      .filter((o) => o?.kind === 'ConfigMap')
      .flatMap((cm) => Object.values<string>(cm.data ?? {}))
      .map((text) => {
        try {
          return parse(text);
        } catch {
          return undefined;
        }
      })
      .filter((file) => Array.isArray(file?.groups))
      .flatMap((file) => file.groups.flatMap((g: { rules?: unknown[] }) => g.rules ?? []))
      .filter((r: { alert?: string }) => r.alert)
      .map((r: { alert: string; annotations?: Record<string, string> }) => ({
        env,
        alert: r.alert,
        runbookUrl: r.annotations?.runbook_url,
      })),
  );
}

describe('docs/runbooks', () => {
  test.each([...files.keys()])(`%s equals what the definitions render (${REGENERATE})`, (name) => {
    const path = join(DIR, name);
    const committed = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    const rendered = files.get(name)!;
    if (committed !== rendered) {
      throw new Error(
        committed === undefined
          ? `${RUNBOOKS_DIR}/${name} is missing: ${REGENERATE}`
          : `${RUNBOOKS_DIR}/${name} differs from what the alert definitions render: ${REGENERATE}\n` +
              unifiedDiff(committed, rendered, {
                oldLabel: `${RUNBOOKS_DIR}/${name} (committed)`,
                newLabel: `${RUNBOOKS_DIR}/${name} (rendered)`,
                maxLines: 60,
              }),
      );
    }
  });

  test('holds no page for an alert that no environment has', () => {
    const orphans = readdirSync(DIR).filter((name) => name.endsWith('.md') && !files.has(name));
    if (orphans.length > 0)
      throw new Error(
        `${RUNBOOKS_DIR} has pages for no alert: ${orphans.join(', ')}; ${REGENERATE}`,
      );
  });

  test('the README lists every page with its severity', () => {
    const index = files.get(RUNBOOKS_INDEX)!;
    for (const page of pages)
      expect(index).toContain(`| [${page.alert}](${page.alert}.md) | ${page.severity} |`);
  });
});

describe("every alert of dist/*'s Prometheus rules", () => {
  const alerts = distAlerts();

  test('are found (the test reads the rules ConfigMaps)', () => {
    expect(new Set(alerts.map((a) => a.alert)).size).toBeGreaterThanOrEqual(20);
    expect(new Set(alerts.map((a) => a.env))).toEqual(new Set(ENVIRONMENTS));
  });

  test.each(alerts.map((a) => [a.env, a.alert, a] as const))(
    '%s %s has a page and a runbook_url ending in its name',
    (_env, alert, a) => {
      expect(existsSync(join(DIR, `${alert}.md`))).toBe(true);
      expect(a.runbookUrl?.endsWith(`/${alert}.md`)).toBe(true);
      expect(a.runbookUrl).toBe(`${DEFAULT_RUNBOOK_BASE_URL}${alert}.md`);
    },
  );
});

/** The runbook_url of every log alert rule file of dist/*'s `log-alerting-config` ConfigMaps. */
function distLogAlerts(): { env: string; alert: string; runbookUrl?: string }[] {
  return ENVIRONMENTS.flatMap((env) =>
    readdirSync(join(ROOT, 'dist', env))
      .filter((name) => name.endsWith('.yaml'))
      .flatMap((name) =>
        parseAllDocuments(readFileSync(join(ROOT, 'dist', env, name), 'utf8')).map((d) => d.toJS()),
      )
      .filter((o) => o?.kind === 'ConfigMap' && o.metadata?.name === 'log-alerting-config')
      .flatMap((cm) =>
        Object.entries<string>(cm.data ?? {})
          .filter(([key]) => key !== 'config.yaml')
          .map(([, text]) => parse(text)),
      )
      .map((rule) => ({
        env,
        alert: rule.alertmanager_alertname,
        runbookUrl: rule.alertmanager_annotations?.runbook_url,
      })),
  );
}

describe("every log alert of dist/*'s ElastAlert rules", () => {
  const alerts = distLogAlerts();

  test('are found, every log alert in every environment', () => {
    expect(alerts.map((a) => `${a.env} ${a.alert}`).sort()).toEqual(
      ENVIRONMENTS.flatMap((env) =>
        Object.values(LogAlert).map((alert) => `${env} ${alert}`),
      ).sort(),
    );
  });

  test.each(alerts.map((a) => [a.env, a.alert, a] as const))(
    '%s %s has a page in the log-alerts group, and its runbook_url opens it',
    (_env, alert, a) => {
      expect(a.runbookUrl).toBe(`${DEFAULT_RUNBOOK_BASE_URL}${alert}.md`);
      const page = pages.find((p) => p.alert === alert);
      expect(page?.group).toBe(LOG_ALERTS_GROUP);
      const text = files.get(`${alert}.md`)!;
      // The rule as ElastAlert runs it, and when it fires.
      expect(text).toContain('```yaml\ntype: frequency\nindex: logs-*');
      expect(text).toContain('It fires on ');
      expect(text).not.toContain('```promql\ntype:');
    },
  );
});

describe('the default runbookBaseUrl', () => {
  test("points at docs/runbooks in package.json's repository", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const repository = String(pkg.repository?.url ?? pkg.repository)
      .replace(/^git\+/, '')
      .replace(/\.git$/, '');
    expect(DEFAULT_RUNBOOK_BASE_URL).toBe(`${repository}/blob/main/${RUNBOOKS_DIR}/`);
  });
});

describe('runbooks', () => {
  test.each(pages.map((p) => [p.alert, p.runbook] as const))(
    '%s says what it means, how to check and how to fix, without placeholders',
    (_alert, runbook) => {
      expect(runbook.meaning.length).toBeGreaterThan(100);
      expect(runbook.check.length).toBeGreaterThan(0);
      expect(runbook.fix.length).toBeGreaterThan(0);
      const text = JSON.stringify(runbook);
      expect(text).not.toMatch(/\bTODO\b|\bTBD\b|\bFIXME\b|see docs|lorem/i);
      for (const step of [...runbook.check, ...runbook.fix]) expect(step.text).toMatch(/\S/);
    },
  );

  test('no two alerts share a meaning', () => {
    const meanings = pages.map((p) => p.runbook.meaning);
    expect(new Set(meanings).size).toBe(meanings.length);
  });

  test('every page tells how to confirm with a command, a query or an API request', () => {
    for (const page of pages) {
      const steps = [...page.runbook.check, ...page.runbook.fix];
      expect(steps.some((s) => s.promql || s.shell || s.elasticsearch)).toBe(true);
    }
  });

  test('a page with Elasticsearch requests defines the es helper it uses', () => {
    const page = files.get('ElasticsearchClusterRed.md')!;
    expect(page).toContain('es() {');
    expect(page).toContain("es GET '/_cluster/health?");
    expect(files.get('Http5xxErrorBurst.md')).not.toContain('es() {');
  });

  test('a page links the other alerts it names, not itself', () => {
    const page = files.get('LogstashPipelineStalled.md')!;
    expect(page).toContain('[`ElasticsearchClusterRed`](ElasticsearchClusterRed.md)');
    expect(page).not.toContain('[`LogstashPipelineStalled`]');
  });
});

describe('renderElasticsearchRequest', () => {
  test('quotes the path and the JSON body for the shell', () => {
    expect(
      renderElasticsearchRequest({
        method: ElasticsearchMethod.PUT,
        path: '/_cluster/settings',
        body: { persistent: { 'cluster.routing.allocation.enable': null } },
      }),
    ).toBe(
      `es PUT '/_cluster/settings' '{"persistent":{"cluster.routing.allocation.enable":null}}'`,
    );
    expect(
      renderElasticsearchRequest({
        method: ElasticsearchMethod.POST,
        path: '/x/_search',
        body: { script: "it's" },
      }),
    ).toBe(`es POST '/x/_search' '{"script":"it'\\''s"}'`);
  });

  test('fails for a path without a leading slash', () => {
    expect(() =>
      renderElasticsearchRequest({ method: ElasticsearchMethod.GET, path: '_cluster/health' }),
    ).toThrow(/must start with '\/'/);
  });
});

describe('collectRunbookPages', () => {
  const c = resolveAlertRules();
  const runbook: AlertRunbook = {
    meaning: 'Something specific happened.',
    check: [{ text: 'Look.', promql: 'up' }],
    fix: [{ text: 'Mend.' }],
  };
  const rule = (expr: string, r: AlertRunbook = runbook) =>
    alertRule(c, {
      alert: AlertName.WATCHDOG,
      expr,
      severity: AlertSeverity.NONE,
      summary: 'S',
      description: 'D',
      runbook: r,
    });
  const source = (environment: string, ...rules: ReturnType<typeof rule>[]): RuleSource => ({
    environment,
    groups: [{ name: 'g', rules }],
  });

  test('merges environments, keeping each distinct expression with its environments', () => {
    const [page] = collectRunbookPages([
      source('dev', rule('vector(1)')),
      source('staging', rule('vector(1)')),
      source('prod', rule('vector(2)')),
    ]);
    expect(page.variants).toEqual([
      expect.objectContaining({ environments: ['dev', 'staging'], expr: 'vector(1)' }),
      expect.objectContaining({ environments: ['prod'], expr: 'vector(2)' }),
    ]);
  });

  test('fails for an alert without a runbook', () => {
    expect(() =>
      collectRunbookPages([
        { environment: 'dev', groups: [{ name: 'g', rules: [{ alert: 'Mine', expr: 'up' }] }] },
      ]),
    ).toThrow(/alert Mine \(rule group g, dev\) has no runbook/);
  });

  test('fails when the runbook differs between environments', () => {
    expect(() =>
      collectRunbookPages([
        source('dev', rule('vector(1)')),
        source('prod', rule('vector(1)', { ...runbook, meaning: 'Another thing.' })),
      ]),
    ).toThrow(/Watchdog has another runbook, severity or summary in prod than in dev/);
  });
});

describe('alertRule', () => {
  test('carries the runbook on the rule but never into rules.yml', () => {
    const r = alertRule(resolveAlertRules(), {
      alert: AlertName.WATCHDOG,
      expr: 'vector(1)',
      severity: AlertSeverity.NONE,
      summary: 'S',
      description: 'D',
      runbook: { meaning: 'M', check: [{ text: 'C' }], fix: [{ text: 'F' }] },
    });
    expect(r.runbook?.meaning).toBe('M');
    const rendered = JSON.stringify(renderPrometheusRules([{ name: 'g', rules: [r] }]));
    expect(rendered).not.toContain('runbook"');
    expect(rendered).toContain(`"runbook_url":"${DEFAULT_RUNBOOK_BASE_URL}Watchdog.md"`);
  });
});

test('sources cover every bundled environment, then the alerts only opt-ins add', () => {
  expect(sources.map((s) => s.environment)).toEqual([...ENVIRONMENTS, OPT_INS_SOURCE]);
  const optIn = sources[sources.length - 1].groups.flatMap((g) => g.rules.map((r) => r.alert));
  const bundled = new Set(
    sources.slice(0, -1).flatMap((s) => s.groups.flatMap((g) => g.rules.map((r) => r.alert))),
  );
  expect(optIn.length).toBeGreaterThan(0);
  expect(optIn.filter((a) => bundled.has(a))).toEqual([]);
  expect(optIn).toContain('EtcdNoLeader');
});
