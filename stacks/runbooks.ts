import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Testing } from 'cdk8s';
import { stringify } from 'yaml';
import {
  AlertRunbook,
  DEFAULT_RUNBOOK_BASE_URL,
  ElasticsearchRequest,
  LOG_ALERTS_GROUP,
  LogAlertSpec,
  ObservabilityStack,
  ObservabilityStackProps,
  PrometheusRuleGroup,
  RunbookStep,
} from '../lib';
import { ENVIRONMENTS, environmentProfile } from './environments';

// `npm run docs:runbooks`: docs/runbooks/<alert>.md, one page per alert of the bundled
// environments (Prometheus' rules and the log alerts ElastAlert runs), rendered from the runbook
// each alert carries (AlertSpec.runbook, LogAlertSpec.runbook), and docs/runbooks/README.md
// listing them. test/runbooks.test.ts fails when they are stale.

/** Where the pages are, relative to the repository root; `runbookBaseUrl`'s default points here. */
export const RUNBOOKS_DIR = 'docs/runbooks';
/** The page listing every alert. */
export const RUNBOOKS_INDEX = 'README.md';

/** The rule groups of one environment's Prometheus, and its log alerts. */
export interface RuleSource {
  readonly environment: string;
  readonly groups: readonly PrometheusRuleGroup[];
  /** The log alerts (`LogAlerting.alerts`), listed under the group `log-alerts`. @default - none */
  readonly logAlerts?: readonly LogAlertSpec[];
}

/** How one alert's rule reads in some environments. */
export interface AlertVariant {
  readonly environments: string[];
  /** A PromQL expression, or for a log alert the ElastAlert 2 rule's query as YAML. */
  readonly expr: string;
  readonly for?: string;
  readonly description?: string;
  /** For a log alert: when it fires, in words (with the thresholds). @default - a Prometheus rule */
  readonly logCondition?: string;
}

/** Everything one page shows. */
export interface RunbookPage {
  readonly alert: string;
  readonly group: string;
  readonly severity: string;
  readonly summary: string;
  readonly runbook: AlertRunbook;
  readonly variants: AlertVariant[];
}

/**
 * The opt-ins that add alerts no bundled environment has: the control plane's etcd,
 * kube-scheduler and kube-controller-manager (self-managed clusters only).
 */
export const OPT_INS: Pick<ObservabilityStackProps, 'controlPlane'> = {
  controlPlane: {
    etcd: { clientCertificate: { secretName: 'etcd-client' } },
    scheduler: true,
    controllerManager: true,
  },
};

/** The "environment" the pages of the opt-ins' alerts name. */
export const OPT_INS_SOURCE = 'opt-in';

/**
 * The rule groups of every bundled environment, as its ObservabilityStack builds them, then
 * the alerts only the opt-ins add (on the prod profile), under {@link OPT_INS_SOURCE}.
 */
export function environmentRuleSources(): RuleSource[] {
  const environments = ENVIRONMENTS.map((environment) => {
    const stack = new ObservabilityStack(
      Testing.app(),
      'observability',
      environmentProfile(environment),
    );
    return {
      environment,
      groups: stack.prometheus.ruleGroups,
      logAlerts: stack.logAlerting?.alerts ?? [],
    };
  });
  const known = new Set(
    environments.flatMap((e) => e.groups.flatMap((g) => g.rules.map((r) => r.alert))),
  );
  const optIns = new ObservabilityStack(Testing.app(), 'observability', {
    ...environmentProfile('prod'),
    ...OPT_INS,
  }).prometheus.ruleGroups
    .map((g) => ({ ...g, rules: g.rules.filter((r) => r.alert && !known.has(r.alert)) }))
    .filter((g) => g.rules.length > 0);
  return [...environments, { environment: OPT_INS_SOURCE, groups: optIns }];
}

/** One alert of one environment, before the pages merge environments. */
interface AlertEntry {
  readonly alert: string;
  readonly group: string;
  readonly severity: string;
  readonly summary: string;
  readonly runbook: AlertRunbook;
  readonly variant: Omit<AlertVariant, 'environments'>;
}

/** A log alert's description with its fields in place of the `{n}` placeholders: `<service.name>`. */
function logAlertDescription(spec: LogAlertSpec): string {
  return spec.description.replace(/\{(\d+)\}/g, (_, i: string) => {
    const field = spec.descriptionFields[Number(i)];
    return field ? `<${field}>` : `{${i}}`;
  });
}

function alertEntries(source: RuleSource): AlertEntry[] {
  const entries: AlertEntry[] = [];
  for (const group of source.groups) {
    for (const rule of group.rules) {
      if (rule.alert === undefined) continue;
      if (!rule.runbook) {
        throw new Error(
          `alert ${rule.alert} (rule group ${group.name}, ${source.environment}) has no runbook: ` +
            'build it with alertRule(config, { ..., runbook }) so that its page can be rendered',
        );
      }
      entries.push({
        alert: rule.alert,
        group: group.name,
        severity: rule.labels?.severity ?? '',
        summary: rule.annotations?.summary ?? '',
        runbook: rule.runbook,
        variant: { expr: rule.expr, for: rule.for, description: rule.annotations?.description },
      });
    }
  }
  for (const spec of source.logAlerts ?? []) {
    entries.push({
      alert: spec.alert,
      group: LOG_ALERTS_GROUP,
      severity: spec.severity,
      summary: spec.summary,
      runbook: spec.runbook,
      variant: {
        expr: stringify(spec.query, { lineWidth: 0 }).trimEnd(),
        description: logAlertDescription(spec),
        logCondition: spec.condition,
      },
    });
  }
  return entries;
}

/**
 * One page per alert of `sources`, in rule order. Fails for an alert without a runbook, and for
 * one whose runbook, severity or summary differs between environments: a page serves them all.
 */
export function collectRunbookPages(sources: readonly RuleSource[]): RunbookPage[] {
  const pages = new Map<string, RunbookPage & { source: string }>();
  for (const source of sources) {
    const { environment } = source;
    for (const entry of alertEntries(source)) {
      const identity = JSON.stringify([entry.runbook, entry.severity, entry.summary]);
      const variant = entry.variant;
      const page = pages.get(entry.alert);
      if (!page) {
        pages.set(entry.alert, {
          alert: entry.alert,
          group: entry.group,
          severity: entry.severity,
          summary: entry.summary,
          runbook: entry.runbook,
          variants: [{ environments: [environment], ...variant }],
          source: identity,
        });
        continue;
      }
      if (page.source !== identity) {
        throw new Error(
          `alert ${entry.alert} has another runbook, severity or summary in ${environment} than in ` +
            `${page.variants[0].environments[0]}: one page serves every environment, so keep ` +
            'what differs (thresholds, windows) in the description',
        );
      }
      const same = page.variants.find(
        (v) =>
          v.expr === variant.expr &&
          v.for === variant.for &&
          v.description === variant.description &&
          v.logCondition === variant.logCondition,
      );
      if (same) {
        if (!same.environments.includes(environment)) same.environments.push(environment);
      } else page.variants.push({ environments: [environment], ...variant });
    }
  }
  return [...pages.values()].map(({ source: _source, ...page }) => page);
}

/** The pages' files by name: one `<alert>.md` per page and the README listing them. */
export function renderRunbookFiles(
  pages: readonly RunbookPage[] = collectRunbookPages(environmentRuleSources()),
): Map<string, string> {
  const files = new Map<string, string>();
  files.set(RUNBOOKS_INDEX, renderRunbookIndex(pages));
  const alerts = new Set(pages.map((p) => p.alert));
  for (const page of pages) files.set(`${page.alert}.md`, renderRunbookPage(page, alerts));
  return files;
}

const GENERATED =
  '<!-- Generated by `npm run docs:runbooks` from the alert definitions (the `runbook` of each ' +
  'alertRule in lib/monitoring/, and of each log alert in lib/elastalert/): edit them there, then ' +
  'run it again. -->';

const NAMESPACES =
  'Commands assume the bundled namespaces, `observability` (back ends and UIs) and ' +
  '`observability-agents` (Filebeat, node-exporter), and a kubectl context on the cluster; ' +
  'replace them if your stack uses others.';

/** The README of docs/runbooks: how the pages are made, and every alert with its page. */
export function renderRunbookIndex(pages: readonly RunbookPage[]): string {
  const groups = [...new Set(pages.map((p) => p.group))];
  return [
    GENERATED,
    '',
    '# Runbooks',
    '',
    "One page per alert of the bundled environments' Prometheus rules and log alerts (rule group " +
      `\`${LOG_ALERTS_GROUP}\`, run by ElastAlert 2 on the logs and sent to the same Alertmanager), ` +
      `and of the alerts only opt-ins add (environment \`${OPT_INS_SOURCE}\`: \`controlPlane\` etcd, scheduler and controllerManager): what the alert means, how ` +
      "to confirm and diagnose it, how to fix or mitigate it. Each rule's `runbook_url` annotation " +
      `opens its page: \`alerts.runbookBaseUrl\` (default \`${DEFAULT_RUNBOOK_BASE_URL}\`) followed by ` +
      '`<alert>.md`; a team that hosts its own copy of these pages sets it to theirs.',
    '',
    "A runbook is part of the alert's definition (`AlertSpec.runbook`, required by `alertRule`), " +
      'and these pages are rendered from it; `test/runbooks.test.ts` fails when a page is stale, ' +
      'when a page is left without an alert, and when an alert of `dist/*` has no page. ' +
      'Adding an alert and its runbook: CONTRIBUTING.md, "Adding an alert".',
    '',
    NAMESPACES,
    '',
    ...groups.flatMap((group) => [
      `## Rule group \`${group}\``,
      '',
      '| alert | severity | summary | environments |',
      '|---|---|---|---|',
      ...pages
        .filter((p) => p.group === group)
        .map(
          (p) =>
            `| [${p.alert}](${p.alert}.md) | ${p.severity} | ${p.summary} | ${environmentsOf(p).join(', ')} |`,
        ),
      '',
    ]),
  ].join('\n');
}

/** One alert's page; a name of `alerts` in backquotes in its text links to that alert's page. */
export function renderRunbookPage(
  page: RunbookPage,
  alerts: ReadonlySet<string> = new Set(),
): string {
  const link = (text: string) =>
    text.replace(/`([A-Za-z0-9]+)`/g, (code, name: string) =>
      alerts.has(name) && name !== page.alert ? `[${code}](${name}.md)` : code,
    );
  const steps = [...page.runbook.check, ...page.runbook.fix];
  const helpers = [
    ...(steps.some((s) => s.promql) ? [PROMQL_HELPER] : []),
    ...(steps.some((s) => s.elasticsearch) ? [ELASTICSEARCH_HELPER] : []),
  ];
  return [
    GENERATED,
    '',
    `# ${page.alert}`,
    '',
    `**${page.summary}.** Severity \`${page.severity}\`, rule group \`${page.group}\`, in ${environmentsOf(page).join(', ')}.`,
    '',
    '## What it means',
    '',
    link(page.runbook.meaning.trim()),
    '',
    '## The rule',
    '',
    ...page.variants.flatMap((v) => renderVariant(v, page.variants.length > 1)),
    '## Before you start',
    '',
    NAMESPACES,
    '',
    ...helpers.flatMap((h) => [h, '']),
    '## Check',
    '',
    ...renderSteps(page.runbook.check, link),
    '## Fix',
    '',
    ...renderSteps(page.runbook.fix, link),
  ].join('\n');
}

function environmentsOf(page: RunbookPage): string[] {
  const present = new Set(page.variants.flatMap((v) => v.environments));
  const ordered = (ENVIRONMENTS as readonly string[]).filter((e) => present.has(e));
  return [...ordered, ...[...present].filter((e) => !ordered.includes(e))];
}

function renderVariant(v: AlertVariant, several: boolean): string[] {
  return [
    ...(several ? [`In ${v.environments.join(', ')}:`, ''] : []),
    ...(v.logCondition !== undefined
      ? [
          'A log alert: ElastAlert 2 (Deployment `log-alerting`) runs this rule over the log data streams and posts to Alertmanager what it finds.',
          '',
        ]
      : []),
    v.logCondition !== undefined ? '```yaml' : '```promql',
    v.expr,
    '```',
    '',
    v.logCondition !== undefined
      ? `It fires on ${v.logCondition}.`
      : v.for
        ? `It fires once the expression has returned a series for \`${v.for}\` (\`for\`).`
        : 'It fires as soon as the expression returns a series (no `for`).',
    ...(v.description ? ['', `The notification says: ${v.description}`] : []),
    '',
  ];
}

function renderSteps(steps: readonly RunbookStep[], link: (text: string) => string): string[] {
  return steps.flatMap((step, i) => [
    `${i + 1}. ${indent(link(step.text.trim()), 3).trimStart()}`,
    ...(step.promql ? ['', ...indentBlock('promql', step.promql)] : []),
    ...(step.elasticsearch
      ? ['', ...indentBlock('sh', step.elasticsearch.map(renderElasticsearchRequest).join('\n'))]
      : []),
    ...(step.shell ? ['', ...indentBlock('sh', step.shell)] : []),
    '',
  ]);
}

/** A request as a call of the pages' `es` helper: `es GET '/_cluster/health'`. */
export function renderElasticsearchRequest(request: ElasticsearchRequest): string {
  if (!request.path.startsWith('/'))
    throw new Error(`Elasticsearch request path '${request.path}' must start with '/'`);
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    'es',
    request.method,
    quote(request.path),
    ...(request.body ? [quote(JSON.stringify(request.body))] : []),
  ].join(' ');
}

function indentBlock(language: string, code: string): string[] {
  return ['```' + language, ...code.trim().split('\n'), '```'].map((l) => `   ${l}`.trimEnd());
}

function indent(text: string, spaces: number): string {
  return text
    .split('\n')
    .map((l) => (l ? ' '.repeat(spaces) + l : l))
    .join('\n');
}

const PROMQL_HELPER = [
  "PromQL: paste it into Prometheus' graph page (`https://prometheus.<domain>/graph` where the " +
    "stack's `access` is set; otherwise `kubectl -n observability port-forward svc/prometheus 9090` " +
    'and <http://localhost:9090/graph>), or run it in the Prometheus pod with promtool:',
  '',
  '```sh',
  'promql() { kubectl -n observability exec statefulset/prometheus -c prometheus -- promtool query instant http://localhost:9090 "$1"; }',
  "promql 'up == 0'",
  '```',
].join('\n');

const ELASTICSEARCH_HELPER = [
  'Elasticsearch: `es METHOD PATH [BODY]` runs a request with curl inside an Elasticsearch pod ' +
    'behind `svc/elasticsearch-http` (a data node), as the `elastic` user over HTTPS where security ' +
    'is on (staging, prod) and over plain HTTP where it is off (dev). The same requests can be ' +
    "pasted into Kibana's Dev Tools console by a user with the `monitor` and `manage` cluster privileges.",
  '',
  '```sh',
  'es() {',
  "  kubectl -n observability exec svc/elasticsearch-http -c elasticsearch -- sh -c '",
  '    if [ -n "${ELASTIC_PASSWORD:-}" ]; then',
  '      exec curl -sS --cacert /usr/share/elasticsearch/config/certs/ca.crt -u "elastic:$ELASTIC_PASSWORD" \\',
  '        -X "$1" -H "Content-Type: application/json" "https://127.0.0.1:9200$2" ${3:+-d "$3"}',
  '    fi',
  '    exec curl -sS -X "$1" -H "Content-Type: application/json" "http://127.0.0.1:9200$2" ${3:+-d "$3"}',
  '  \' es "$@"',
  '}',
  '```',
].join('\n');

/** Writes the pages into `dir` and deletes the pages of alerts that no longer exist. */
export function writeRunbookFiles(dir: string, files = renderRunbookFiles()): string[] {
  mkdirSync(dir, { recursive: true });
  const removed = readdirSync(dir).filter((name) => name.endsWith('.md') && !files.has(name));
  for (const name of removed) rmSync(join(dir, name));
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return removed;
}

if (require.main === module) {
  const files = renderRunbookFiles();
  const removed = writeRunbookFiles(join(__dirname, '..', RUNBOOKS_DIR), files);
  process.stdout.write(
    `${RUNBOOKS_DIR}: ${files.size - 1} pages and ${RUNBOOKS_INDEX}` +
      (removed.length > 0 ? `; removed ${removed.join(', ')}` : '') +
      '\n',
  );
}
