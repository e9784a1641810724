import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { Testing } from 'cdk8s';
import { ObservabilityStack, RelabelAction } from '../../lib';
import { prod } from '../../stacks/prod';
import { ENVIRONMENTS, KubeObject, synthEveryOptIn } from '../support/environments';
import {
  describeRun,
  PROMTOOL_ENV,
  removeTempDirs,
  run,
  tempDir,
  writeMetricsConfigs,
  writePrometheusConfigOf,
} from './support/tools';

afterAll(removeTempDirs);

function promtool(args: string[]) {
  const result = run('promtool', args, { env: PROMTOOL_ENV });
  return { result, text: describeRun('promtool', args, result) };
}

describe.each(ENVIRONMENTS)('%s: promtool', (env) => {
  const files = writeMetricsConfigs(env);

  test('check config passes, with every rule file and credentials file resolved', () => {
    const { result, text } = promtool(['check', 'config', '--lint-fatal', files.prometheusConfig]);
    expect({ status: result.status, text }).toEqual({
      status: 0,
      text: expect.stringContaining('SUCCESS'),
    });
    expect(result.stdout).not.toMatch(/FAILED|WARNING/);
    // The full check also lints the rule files the config names: all of them were found.
    for (const ruleFile of files.ruleFiles) expect(result.stdout).toContain(`Checking ${ruleFile}`);
  });

  test('check config --syntax-only passes on the file exactly as rendered', () => {
    const { result, text } = promtool([
      'check',
      'config',
      '--syntax-only',
      files.prometheusVerbatim,
    ]);
    expect({ status: result.status, text }).toEqual({
      status: 0,
      text: expect.stringContaining('SUCCESS'),
    });
  });

  test('check rules passes on every rules file', () => {
    expect(files.ruleFiles.length).toBeGreaterThan(0);
    for (const ruleFile of files.ruleFiles) {
      const { result, text } = promtool(['check', 'rules', '--lint-fatal', ruleFile]);
      expect({ status: result.status, text }).toEqual({
        status: 0,
        text: expect.stringMatching(/SUCCESS: [1-9]\d* rules found/),
      });
    }
  });
});

// prod with every kind of remote write: basic auth, bearer token, OAuth 2.0, a CA, the queue,
// relabelling, headers and exemplars, checked by promtool with each credentials file present.
describe('prod with remote write: promtool', () => {
  const stack = new ObservabilityStack(Testing.app(), 'observability', {
    ...prod,
    prometheus: {
      ...prod.prometheus,
      remoteWrite: [
        {
          url: 'https://metrics.example.com/api/v1/write',
          name: 'long-term',
          basicAuth: { secretName: 'remote-write' },
          tls: { ca: { name: 'remote-write-ca', key: 'ca.crt' }, serverName: 'metrics.internal' },
          queue: {
            capacity: 20000,
            maxShards: 20,
            minShards: 2,
            maxSamplesPerSend: 5000,
            batchSendDeadline: '10s',
            minBackoff: '100ms',
            maxBackoff: '10s',
          },
          writeRelabelConfigs: [
            { sourceLabels: ['__name__'], regex: 'go_.*', action: RelabelAction.DROP },
          ],
          headers: { 'X-Scope-OrgID': 'acme' },
          sendExemplars: true,
        },
        { url: 'https://b.example.com/write', bearerToken: { name: 'rw-token', key: 'token' } },
        {
          url: 'https://c.example.com:8443/write',
          oauth2: {
            clientId: 'prometheus',
            clientSecret: { name: 'rw-oauth', key: 'secret' },
            tokenUrl: 'https://login.example.com/token',
            scopes: ['metrics.write'],
          },
        },
      ],
    },
  });
  const files = writePrometheusConfigOf(Testing.synth(stack) as KubeObject[], 'remote-write-');

  test('check config passes, with every credentials file resolved', () => {
    const { result, text } = promtool(['check', 'config', '--lint-fatal', files.prometheusConfig]);
    expect({ status: result.status, text }).toEqual({
      status: 0,
      text: expect.stringContaining('SUCCESS'),
    });
    expect(result.stdout).not.toMatch(/FAILED|WARNING/);
    const config = parse(fs.readFileSync(files.prometheusVerbatim, 'utf8'));
    expect(config.remote_write).toHaveLength(3);
  });

  test('check config rejects a remote write with two authentications (the check is real)', () => {
    const config = parse(fs.readFileSync(files.prometheusConfig, 'utf8'));
    config.remote_write[1].basic_auth = config.remote_write[0].basic_auth;
    const file = path.join(files.root, 'two-auths.yml');
    fs.writeFileSync(file, stringify(config));
    const { result, text } = promtool(['check', 'config', file]);
    expect(result.status).not.toBe(0);
    expect(text).toMatch(/at most one of basic_auth/);
  });
});

describe('prod with every control-plane opt-in: promtool', () => {
  const files = writeMetricsConfigs({ name: 'every-opt-in', ...synthEveryOptIn() });

  test('check config passes with the etcd, kube-scheduler and kube-controller-manager jobs', () => {
    const { result, text } = promtool(['check', 'config', '--lint-fatal', files.prometheusConfig]);
    expect({ status: result.status, text }).toEqual({
      status: 0,
      text: expect.stringContaining('SUCCESS'),
    });
    expect(result.stdout).not.toMatch(/FAILED|WARNING/);
    const jobs = parse(fs.readFileSync(files.prometheusVerbatim, 'utf8')).scrape_configs.map(
      (j: { job_name: string }) => j.job_name,
    );
    expect(jobs).toEqual(
      expect.arrayContaining([
        'apiserver',
        'coredns',
        'etcd',
        'kube-scheduler',
        'kube-controller-manager',
      ]),
    );
  });

  test('check rules passes on every rules file', () => {
    for (const ruleFile of files.ruleFiles) {
      const { result, text } = promtool(['check', 'rules', '--lint-fatal', ruleFile]);
      expect({ status: result.status, text }).toEqual({
        status: 0,
        text: expect.stringMatching(/SUCCESS: [1-9]\d* rules found/),
      });
    }
  });
});

// Negative controls: prove promtool really rejects bad input here, so this tier cannot
// pass silently (e.g. with a stub binary or an ignored exit status).
describe('promtool rejects invalid input', () => {
  const files = writeMetricsConfigs('prod');
  const dir = tempDir('promtool-negative-');

  test('an unknown key in prometheus.yml', () => {
    const config = parse(fs.readFileSync(files.prometheusConfig, 'utf8'));
    config.scrape_configs[0].scrape_intervall = '30s';
    const file = path.join(dir, 'unknown-key.yml');
    fs.writeFileSync(file, stringify(config));
    const { result, text } = promtool(['check', 'config', file]);
    expect(result.status).not.toBe(0);
    expect(text).toMatch(/field scrape_intervall not found/);
  });

  test('a rule file the config names but that does not exist', () => {
    const config = parse(fs.readFileSync(files.prometheusConfig, 'utf8'));
    config.rule_files = [path.join(dir, 'missing-rules.yml')];
    const file = path.join(dir, 'missing-rules.yml.config');
    fs.writeFileSync(file, stringify(config));
    const { result, text } = promtool(['check', 'config', file]);
    expect(result.status).not.toBe(0);
    expect(text).toMatch(/does not point to an existing file/);
  });

  test('a rule with invalid PromQL', () => {
    const rules = parse(fs.readFileSync(files.ruleFiles[0], 'utf8'));
    const rule = rules.groups[0].rules[0];
    rule.expr = 'sum(rate(up[5m])';
    const file = path.join(dir, 'bad-rules.yml');
    fs.writeFileSync(file, stringify(rules));
    const { result, text } = promtool(['check', 'rules', file]);
    expect(result.status).not.toBe(0);
    expect(text).toMatch(/FAILED/);
  });
});
