/**
 * Tier 4 (docs/architecture.md#7-verification-tiers): every PromQL expression of every generated Grafana dashboard,
 * as Grafana sends it, answered by the real Prometheus the stack deploys (the binary of
 * .cache/tools/bin, the image's version).
 *
 * For each environment the dashboards are read from the Grafana dashboards ConfigMap, every
 * panel (rows and the panels nested in them too) and every target. Grafana's variables are
 * substituted the way Grafana does before it sends a query (see BUILT_IN and TEMPLATE_SAMPLES);
 * a variable neither table knows fails the test. Each resulting query goes to one Prometheus
 * on 127.0.0.1 with a minimal config and an empty TSDB:
 * - `GET /api/v1/query` must answer `success` with an instant vector (or a scalar): a PromQL
 *   error is `400 bad_data`;
 * - a target Grafana runs as a range query (`range: true`, the default) must also pass
 *   `GET /api/v1/query_range` as a matrix, which rejects range-vector expressions.
 * Template variable queries (`label_values(<selector>, <label>)`) go to the label values API
 * with their selector as `match[]`, as Grafana sends them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { ENVIRONMENTS, synthEnvironment, synthEveryOptIn } from '../support/environments';
import { allPanels, panelTargets, provisionedDashboards } from '../support/grafana-dashboards';
import {
  processLogs,
  prometheusApi,
  RunningProcess,
  startPrometheus,
  terminate,
  waitReady,
} from './support/alert-harness';
import { removeTempDirs, tempDir } from './support/tools';

/**
 * Grafana's built-in variables as Grafana fills them for the dashboards' default range
 * (`now-1h`) at 15 s resolution. `$__rate_interval` is max($__interval + scrape interval,
 * 4 * scrape interval), with the Prometheus data source's default scrape interval of 15 s
 * (the provisioned data source sets no `timeInterval`; the generated scrape_interval is 15s).
 */
const BUILT_IN: Readonly<Record<string, string>> = {
  __interval: '15s',
  __interval_ms: '15000',
  __rate_interval: '1m',
  __rate_interval_ms: '60000',
  __range: '1h',
  __range_s: '3600',
  __range_ms: '3600000',
};
const RANGE_SECONDS = 3600;
const STEP_SECONDS = 15;

/**
 * Values of the dashboards' template variables, by name: what `label_values(...)` offers in a
 * cluster. The node names carry dots, which Grafana escapes in a regex. A new variable must be
 * added here (the test fails until it is), so it cannot slip through unchecked.
 */
const TEMPLATE_SAMPLES: Readonly<Record<string, readonly [string, string]>> = {
  service: ['checkout', 'payments-api'],
  node: ['ip-10-0-1-23.eu-west-1.compute.internal', 'worker-2'],
  namespace: ['shop', 'kube-system'],
  pod: ['api-7d9f8c6b5-x2k4q', 'logstash-0'],
  workload_type: ['deployment', 'statefulset'],
  workload: ['api', 'elasticsearch-data'],
  persistentvolumeclaim: ['data-elasticsearch-data-0', 'storage-prometheus-0'],
  // Elasticsearch node names (the elasticsearch dashboard) and Logstash pipelines.
  name: ['elasticsearch-data-0', 'elasticsearch-master-1'],
  pipeline: ['main', 'dead-letters'],
};

/** Which values of the template variables are selected: All, one value, or two values. */
type Selection = 'all' | 'one value' | 'two values';
const SELECTIONS: readonly Selection[] = ['all', 'one value', 'two values'];

/** `$var`, `${var}`, `${var:format}`, `[[var]]` and `[[var:format]]`, as Grafana's template service matches them. */
const VARIABLE = /\$\{(\w+)(?::([^}]*))?\}|\[\[(\w+)(?::([^\]]*))?\]\]|\$(\w+)/g;

/** Grafana's Prometheus data source escaping of a single value (not multi, no All). */
function regularEscape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\\\'");
}

/** Grafana's Prometheus data source escaping of a value of a multi-value or All variable: a regex in a PromQL string. */
function specialRegexEscape(value: string): string {
  return value.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');
}

/** Grafana's `regex` format (kbn.regexEscape): one backslash, which a PromQL string does not accept before most characters. */
function regexFormatEscape(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
}

/** What Grafana puts in place of one template variable for `selection`, in `format` (none by default). */
function variableValue(variable: any, selection: Selection, format: string | undefined): string {
  const samples = TEMPLATE_SAMPLES[variable.name];
  if (!samples)
    throw new Error(
      `no sample values for template variable $${variable.name}: add it to TEMPLATE_SAMPLES`,
    );
  if (variable.type !== 'query' && variable.type !== 'custom') {
    throw new Error(
      `template variable $${variable.name} is of type '${variable.type}', which this test does not fill yet`,
    );
  }
  const multi = Boolean(variable.multi || variable.includeAll);
  // A custom All value goes in verbatim, whatever the format.
  if (
    selection === 'all' &&
    variable.includeAll &&
    typeof variable.allValue === 'string' &&
    variable.allValue !== ''
  )
    return variable.allValue;
  const values =
    selection === 'all' && variable.includeAll
      ? [...samples]
      : selection === 'two values' && variable.multi
        ? [...samples]
        : [samples[0]];
  const join = (escaped: string[]) =>
    escaped.length === 1 ? escaped[0] : `(${escaped.join('|')})`;
  switch (format) {
    case undefined:
      return multi ? join(values.map(specialRegexEscape)) : regularEscape(values[0]);
    case 'regex':
      return join(values.map(regexFormatEscape));
    case 'pipe':
      return values.join('|');
    case 'csv':
    case 'raw':
      return values.join(',');
    default:
      throw new Error(`format '${format}' of $${variable.name} is not known to this test`);
  }
}

/**
 * The expression as Grafana sends it: built-in variables from BUILT_IN, template variables
 * from TEMPLATE_SAMPLES. Throws on a variable neither knows, on one the dashboard does not
 * define (Grafana would send it as is), and on a multi-value variable outside a regex matcher
 * (`=~"..."` or `!~"..."`), where two values, `(a|b)`, would be compared as one string.
 */
function interpolate(expr: string, dashboard: any, selection: Selection): string {
  const variables = new Map<string, any>(
    (dashboard.templating?.list ?? []).map((v: any) => [v.name, v]),
  );
  return expr.replace(
    VARIABLE,
    (match, braced, bracedFormat, bracketed, bracketedFormat, plain, offset: number) => {
      const name: string = braced ?? bracketed ?? plain;
      const format: string | undefined = bracedFormat ?? bracketedFormat;
      if (name.startsWith('__')) {
        if (!(name in BUILT_IN))
          throw new Error(`unknown Grafana variable ${match}: add it to BUILT_IN`);
        return BUILT_IN[name];
      }
      const variable = variables.get(name);
      if (!variable)
        throw new Error(
          `${match} is not a template variable of dashboard ${dashboard.uid} (Grafana would send it as is)`,
        );
      if (
        (variable.multi || variable.includeAll) &&
        !/[=!]~\s*"[^"]*$/.test(expr.slice(0, offset))
      ) {
        throw new Error(
          `${match} is multi-value but not inside a =~ or !~ matcher: Grafana fills it with a regex such as (a|b)`,
        );
      }
      return variableValue(variable, selection, format);
    },
  );
}

let prometheus: { url: string; process: RunningProcess };

beforeAll(async () => {
  const dir = tempDir('dashboards-prometheus-');
  const config = path.join(dir, 'prometheus.yml');
  // Minimal: no scrape jobs, no rules; only PromQL parsing and evaluation are under test.
  fs.writeFileSync(
    config,
    stringify({ global: { scrape_interval: '15s', evaluation_interval: '15s' } }),
  );
  prometheus = await startPrometheus(dir, config);
  try {
    await waitReady(prometheus.process, prometheus.url);
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : e}\n${processLogs([prometheus.process])}`, {
      cause: e,
    });
  }
}, 60_000);

afterAll(async () => {
  if (prometheus) await terminate(prometheus.process.child);
  removeTempDirs();
}, 30_000);

/** Why Prometheus did not accept `query` as a panel query (`range` too), or undefined when it did. */
async function rejection(query: string, range: boolean): Promise<string | undefined> {
  const instant = await prometheusApi(prometheus.url, '/api/v1/query', { query });
  if (instant.status !== 'success') return `/api/v1/query: ${instant.errorType}: ${instant.error}`;
  if (!['vector', 'scalar'].includes(instant.data.resultType))
    return `/api/v1/query: a ${instant.data.resultType}, not an instant vector`;
  if (instant.warnings?.length)
    return `/api/v1/query: warnings ${JSON.stringify(instant.warnings)}`;
  if (!range) return undefined;
  const end = Math.floor(Date.now() / 1000);
  const ranged = await prometheusApi(prometheus.url, '/api/v1/query_range', {
    query,
    start: String(end - RANGE_SECONDS),
    end: String(end),
    step: String(STEP_SECONDS),
  });
  if (ranged.status !== 'success')
    return `/api/v1/query_range: ${ranged.errorType}: ${ranged.error}`;
  if (ranged.data.resultType !== 'matrix')
    return `/api/v1/query_range: a ${ranged.data.resultType}, not a matrix`;
  return undefined;
}

/** Why Prometheus did not accept a template variable's query, or undefined when it did. */
async function variableRejection(query: string): Promise<string | undefined> {
  const labelValues = /^label_values\(\s*(?:(.+),\s*)?(\w+)\s*\)$/.exec(query);
  if (labelValues) {
    const [, selector, label] = labelValues;
    const answer = await prometheusApi(
      prometheus.url,
      `/api/v1/label/${encodeURIComponent(label)}/values`,
      selector ? { 'match[]': selector } : {},
    );
    return answer.status === 'success'
      ? undefined
      : `label values API: ${answer.errorType}: ${answer.error}`;
  }
  const queryResult = /^query_result\((.+)\)$/.exec(query);
  if (queryResult) return rejection(queryResult[1], false);
  return `'${query}' is not a variable query this test knows (label_values or query_result)`;
}

interface DashboardCheck {
  /** Expressions (panel targets) checked. */
  readonly expressions: number;
  /** Queries sent: each expression once per selection of its template variables. */
  readonly queries: number;
  readonly variables: number;
  /** One line a failure: dashboard uid, panel title, ref id, the query and why. */
  readonly failures: string[];
}

/** Sends every panel query and template variable query of one dashboard to Prometheus. */
async function checkDashboard(dashboard: any): Promise<DashboardCheck> {
  const failures: string[] = [];
  let expressions = 0;
  let queries = 0;
  for (const { panel, target } of panelTargets(dashboard)) {
    const name = `${dashboard.uid} / panel '${panel.title}' / ref ${target.refId}`;
    if (typeof target.expr !== 'string' || target.expr.trim() === '') {
      failures.push(`${name}: no PromQL expression`);
      continue;
    }
    expressions++;
    const templated = [...target.expr.matchAll(VARIABLE)].some(
      (m) => !(m[1] ?? m[3] ?? m[5]).startsWith('__'),
    );
    // Grafana runs a target as a range query unless it is instant only.
    const range = target.range ?? !target.instant;
    for (const selection of templated ? SELECTIONS : SELECTIONS.slice(0, 1)) {
      const label = templated ? ` [${selection}]` : '';
      let query: string;
      try {
        query = interpolate(target.expr, dashboard, selection);
      } catch (e) {
        failures.push(`${name}${label}: ${target.expr}\n    ${e instanceof Error ? e.message : e}`);
        break;
      }
      queries++;
      const why = await rejection(query, range);
      if (why) failures.push(`${name}${label}: ${query}\n    ${why}`);
    }
  }
  let variables = 0;
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    variables++;
    const text = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    let why: string | undefined;
    try {
      why = await variableRejection(interpolate(String(text ?? ''), dashboard, 'all'));
    } catch (e) {
      why = e instanceof Error ? e.message : String(e);
    }
    if (why) failures.push(`${dashboard.uid} / variable $${variable.name}: ${text}\n    ${why}`);
  }
  return { expressions, queries, variables, failures };
}

describe.each(ENVIRONMENTS)('the %s environment', (env) => {
  test('every Grafana dashboard query is valid PromQL for the real Prometheus', async () => {
    const { stack, objects } = synthEnvironment(env);
    const dashboards = Object.values(
      provisionedDashboards(objects, stack.grafana.dashboardsConfigMapName),
    );
    // Every dashboard of the environment's mixins is here (and checked), and nothing else.
    expect(dashboards.map((d) => d.uid).sort()).toEqual(
      stack.monitoring.flatMap((m) => (m.dashboards ?? []).map((d) => d.name)).sort(),
    );
    expect(dashboards.length).toBeGreaterThanOrEqual(10);

    const results = await Promise.all(dashboards.map(checkDashboard));
    expect(results.flatMap((r) => r.failures)).toEqual([]);
    // Each dashboard contributes, so the check cannot pass by finding nothing to send.
    for (const [i, result] of results.entries()) {
      expect({ uid: dashboards[i].uid, checked: result.expressions > 0 }).toEqual({
        uid: dashboards[i].uid,
        checked: true,
      });
    }
    const total = (key: 'expressions' | 'queries' | 'variables') =>
      results.reduce((sum, r) => sum + r[key], 0);
    console.log(
      `${env}: ${total('expressions')} expressions in ${dashboards.length} dashboards, ` +
        `${total('queries')} queries sent (each with its template variables at All, one and two values), ${total('variables')} variable queries`,
    );
  });
});

test('the dashboards of the opt-ins (prod with every control-plane opt-in) are valid PromQL too', async () => {
  const { stack, objects } = synthEveryOptIn();
  const dashboards = Object.values(
    provisionedDashboards(objects, stack.grafana.dashboardsConfigMapName),
  ).filter((d) => ['etcd', 'kube-scheduler', 'kube-controller-manager'].includes(d.uid));
  expect(dashboards.map((d) => d.uid).sort()).toEqual([
    'etcd',
    'kube-controller-manager',
    'kube-scheduler',
  ]);
  const results = await Promise.all(dashboards.map(checkDashboard));
  expect(results.flatMap((r) => r.failures)).toEqual([]);
  for (const result of results) expect(result.expressions).toBeGreaterThan(0);
});

describe('the check itself (negative cases)', () => {
  const variable = {
    name: 'node',
    type: 'query',
    multi: true,
    includeAll: true,
    allValue: '.*',
    query: { query: 'label_values(node_uname_info, node)' },
  };
  const dashboard = (exprs: string[], nested = false, variables: object[] = [variable]) => {
    const panel = {
      type: 'timeseries',
      title: 'Broken',
      targets: exprs.map((expr, i) => ({ refId: 'ABCDEFGHIJ'[i], expr, range: true })),
    };
    return {
      uid: 'negative',
      templating: { list: variables },
      panels: nested ? [{ type: 'row', title: 'Row', collapsed: true, panels: [panel] }] : [panel],
    };
  };

  test('a PromQL parse error is reported with its dashboard uid, panel title and ref id, nested in a collapsed row too', async () => {
    const good = 'sum by (node) (rate(node_cpu_seconds_total{node=~"$node"}[$__rate_interval]))';
    const bad = 'sum by (node) (rate(node_cpu_seconds_total{node=~"$node"}[$__rate_interval])';
    const model = dashboard([good, bad], true);
    expect(allPanels(model).map((p) => p.title)).toEqual(['Row', 'Broken']);
    const { expressions, failures } = await checkDashboard(model);
    expect(expressions).toBe(2);
    expect(failures).toHaveLength(3);
    expect(failures[0]).toMatch(
      /^negative \/ panel 'Broken' \/ ref B \[all\]: .*\n {4}\/api\/v1\/query: bad_data: .*parse error/,
    );
  });

  test('a range vector is not a panel query: the instant query gives a matrix and the range query fails', async () => {
    const { failures } = await checkDashboard(dashboard(['node_cpu_seconds_total[5m]']));
    expect(failures).toEqual([
      expect.stringContaining('/api/v1/query: a matrix, not an instant vector'),
    ]);
    expect(await rejection('node_cpu_seconds_total[5m]', true)).toContain(
      '/api/v1/query: a matrix',
    );
  });

  test('an unknown built-in, an undefined variable and a variable without samples fail', async () => {
    const unknownSamples = { ...variable, name: 'cluster' };
    const { failures } = await checkDashboard(
      dashboard(['rate(up[$__step])', 'up{node=~"$nodes"}', 'up{cluster=~"$cluster"}'], false, [
        variable,
        unknownSamples,
      ]),
    );
    expect(failures).toEqual([
      expect.stringContaining('unknown Grafana variable $__step: add it to BUILT_IN'),
      expect.stringContaining('$nodes is not a template variable of dashboard negative'),
      expect.stringContaining(
        'no sample values for template variable $cluster: add it to TEMPLATE_SAMPLES',
      ),
    ]);
  });

  test('a multi-value variable in an equality matcher fails', () => {
    expect(() => interpolate('up{node="$node"}', dashboard([]), 'one value')).toThrow(
      /not inside a =~ or !~ matcher/,
    );
  });

  test('variables are filled as Grafana fills them, with every syntax and the regex escaping', () => {
    const model = dashboard([]);
    expect(interpolate('up{node=~"$node"}', model, 'all')).toBe('up{node=~".*"}');
    expect(interpolate('up{node=~"${node}"}', model, 'one value')).toBe(
      'up{node=~"ip-10-0-1-23\\\\.eu-west-1\\\\.compute\\\\.internal"}',
    );
    expect(interpolate('up{node=~"[[node]]"}', model, 'two values')).toBe(
      'up{node=~"(ip-10-0-1-23\\\\.eu-west-1\\\\.compute\\\\.internal|worker-2)"}',
    );
    expect(interpolate('up{node=~"${node:regex}"}', model, 'one value')).toBe(
      'up{node=~"ip-10-0-1-23\\.eu-west-1\\.compute\\.internal"}',
    );
    expect(interpolate('rate(up[$__rate_interval]) / $__range_s', model, 'all')).toBe(
      'rate(up[1m]) / 3600',
    );
  });

  test("Grafana's regex format puts single backslashes in a PromQL string, which Prometheus rejects", async () => {
    const { failures } = await checkDashboard(dashboard(['up{node=~"${node:regex}"}']));
    expect(failures).toEqual([
      expect.stringMatching(/\[one value\].*\n.*bad_data/),
      expect.stringMatching(/\[two values\].*\n.*bad_data/),
    ]);
  });

  test('a variable query with a broken selector fails', async () => {
    const broken = { ...variable, query: { query: 'label_values(node_uname_info{, node)' } };
    const { failures } = await checkDashboard(dashboard([], false, [broken]));
    expect(failures).toEqual([
      expect.stringMatching(/^negative \/ variable \$node: .*\n {4}label values API: bad_data/),
    ]);
  });
});
