/**
 * Tier 4: a policy scanner from outside this project, checkov (installed by
 * scripts/install-tools.sh at CHECKOV_VERSION), runs every built-in Kubernetes check that
 * .checkov.yaml does not skip on each environment's committed manifests,
 * dist/<env>/observability.k8s.yaml (what users apply).
 *
 * The findings must be exactly the ones policy-exceptions.yaml accepts, each with its reason:
 * a finding no entry covers fails, and so does an entry that covers no finding in an
 * environment it applies to (a stale exception). A manifest with an obviously bad Deployment
 * must produce findings, so the scan cannot pass by checking nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { describeRun, removeTempDirs, run, RunResult, tempDir } from './support/tools';

const REPO = path.resolve(__dirname, '..', '..');
const CONFIG = path.join(REPO, '.checkov.yaml');
const EXCEPTIONS_FILE = path.join(REPO, 'policy-exceptions.yaml');
/** The committed environments (not synthesized here: the scan is of what users apply). */
const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
type Env = (typeof ENVIRONMENTS)[number];

/** One failed check on one object, as checkov reports it. */
interface Finding {
  readonly check: string;
  readonly title: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

interface PolicyException {
  readonly check: string;
  readonly kind: string;
  readonly namespace: string;
  /** `*` matches any characters. */
  readonly name: string;
  readonly environments?: Env[];
  readonly reason: string;
}

afterAll(() => removeTempDirs());

/** Runs checkov with the project config on one manifest file; returns its findings. */
function scan(file: string): { findings: Finding[]; result: RunResult; args: string[] } {
  const args = ['--config-file', CONFIG, '--file', file];
  // Never ask the vendor's platform or PyPI anything: the scan is offline and deterministic.
  const env = { ...process.env, CKV_SKIP_PACKAGE_UPDATE_CHECK: 'true', BC_API_KEY: '' };
  const result = run('checkov', args, { cwd: REPO, env, timeout: 120_000 });
  // checkov exits 1 when a check fails, 0 when none does; anything else is an error.
  if (result.status !== 0 && result.status !== 1)
    throw new Error(describeRun('checkov', args, result));
  let report: any;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    throw new Error(
      `checkov did not print one JSON report\n${describeRun('checkov', args, result)}`,
    );
  }
  if (Array.isArray(report) || report.check_type !== 'kubernetes') {
    throw new Error(`expected one kubernetes report\n${describeRun('checkov', args, result)}`);
  }
  const summary = report.summary;
  if (summary.parsing_errors !== 0 || summary.resource_count === 0 || summary.passed === 0) {
    throw new Error(`checkov scanned nothing or failed to parse: ${JSON.stringify(summary)}`);
  }
  const findings = (report.results.failed_checks ?? []).map((failed: any): Finding => {
    // `Kind.namespace.name`; CKV2 graph checks on pods append the pod labels after the name.
    const [kind, namespace, name] = String(failed.resource).split('.');
    return { check: failed.check_id, title: failed.check_name, kind, namespace, name };
  });
  return { findings, result, args };
}

function loadExceptions(): PolicyException[] {
  return parse(fs.readFileSync(EXCEPTIONS_FILE, 'utf8')).exceptions;
}

function globMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${regex}$`).test(value);
}

function covers(exception: PolicyException, finding: Finding): boolean {
  return (
    exception.check === finding.check &&
    exception.kind === finding.kind &&
    exception.namespace === finding.namespace &&
    globMatches(exception.name, finding.name)
  );
}

function appliesTo(exception: PolicyException, env: Env): boolean {
  return !exception.environments || exception.environments.includes(env);
}

const describeFinding = (f: Finding) => `${f.check} ${f.kind} ${f.namespace}/${f.name}: ${f.title}`;
const describeException = (e: PolicyException) => `${e.check} ${e.kind} ${e.namespace}/${e.name}`;

/** The findings no exception covers, and the exceptions for `env` that cover no finding. */
function compare(
  findings: Finding[],
  exceptions: PolicyException[],
  env: Env,
): { unaccepted: string[]; stale: string[] } {
  const applicable = exceptions.filter((e) => appliesTo(e, env));
  const unaccepted = findings
    .filter((f) => !applicable.some((e) => covers(e, f)))
    .map(describeFinding);
  const stale = applicable
    .filter((e) => !findings.some((f) => covers(e, f)))
    .map(describeException);
  return { unaccepted: [...new Set(unaccepted)].sort(), stale: stale.sort() };
}

describe('policy-exceptions.yaml', () => {
  test('every entry names a check, an object and a real reason, once', () => {
    const exceptions = loadExceptions();
    expect(exceptions.length).toBeGreaterThan(0);
    const skipped: string[] = parse(fs.readFileSync(CONFIG, 'utf8'))['skip-check'] ?? [];
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const e of exceptions) {
      const id = describeException(e);
      if (!/^CKV2?_K8S_[0-9]+$/.test(e.check ?? ''))
        problems.push(`${id}: check is not a checkov Kubernetes id`);
      if (!e.kind || !e.namespace || !e.name)
        problems.push(`${id}: kind, namespace and name are required`);
      if (typeof e.reason !== 'string' || e.reason.trim().length < 40)
        problems.push(`${id}: the reason must say why (40 characters at least)`);
      if (skipped.includes(e.check))
        problems.push(`${id}: ${e.check} is skipped stack-wide in .checkov.yaml`);
      for (const env of e.environments ?? []) {
        if (!(ENVIRONMENTS as readonly string[]).includes(env))
          problems.push(`${id}: unknown environment ${env}`);
      }
      if (seen.has(id)) problems.push(`${id}: listed twice`);
      seen.add(id);
    }
    expect(problems).toEqual([]);
  });
});

describe.each(ENVIRONMENTS)('checkov on dist/%s', (env) => {
  test('finds exactly the accepted findings of policy-exceptions.yaml', () => {
    const { findings } = scan(path.join('dist', env, 'observability.k8s.yaml'));
    // Unaccepted: fix the object, or add an entry with its reason. Stale: remove the entry.
    expect(compare(findings, loadExceptions(), env)).toEqual({ unaccepted: [], stale: [] });
  });
});

describe('negative cases', () => {
  test('an obviously bad Deployment produces findings that no exception accepts', () => {
    const bad = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bad', namespace: 'observability' },
      spec: {
        selector: { matchLabels: { app: 'bad' } },
        template: {
          metadata: { labels: { app: 'bad' } },
          spec: {
            containers: [
              {
                name: 'bad',
                image: 'nginx:latest',
                securityContext: { privileged: true, runAsUser: 0 },
              },
            ],
          },
        },
      },
    };
    const file = path.join(tempDir('policy-bad-'), 'bad.k8s.yaml');
    fs.writeFileSync(file, stringify(bad));
    const { findings } = scan(file);
    const checks = new Set(
      findings.filter((f) => f.kind === 'Deployment' && f.name === 'bad').map((f) => f.check),
    );
    // privileged container, no memory limit, `latest` tag, root user
    expect([...checks]).toEqual(
      expect.arrayContaining(['CKV_K8S_16', 'CKV_K8S_13', 'CKV_K8S_14', 'CKV_K8S_23']),
    );
    expect(compare(findings, loadExceptions(), 'prod').unaccepted.length).toBeGreaterThan(0);
  });

  test('an exception that covers no finding is reported stale', () => {
    const finding: Finding = {
      check: 'CKV_K8S_19',
      title: 'host network',
      kind: 'DaemonSet',
      namespace: 'observability-agents',
      name: 'node-exporter',
    };
    const stale: PolicyException = {
      check: 'CKV_K8S_16',
      kind: 'Deployment',
      namespace: 'observability',
      name: 'grafana',
      reason: 'x',
    };
    const covering: PolicyException = {
      check: 'CKV_K8S_19',
      kind: 'DaemonSet',
      namespace: 'observability-agents',
      name: 'node-*',
      reason: 'x',
    };
    expect(compare([finding], [covering, stale], 'dev')).toEqual({
      unaccepted: [],
      stale: [describeException(stale)],
    });
    // An entry limited to other environments neither covers nor goes stale here.
    expect(compare([finding], [{ ...covering, environments: ['prod'] }], 'dev')).toEqual({
      unaccepted: [describeFinding(finding)],
      stale: [],
    });
  });
});
