import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { Testing } from 'cdk8s';
import { AlertReceiver, Alertmanager, ObservabilityStack } from '../../lib';
import { environmentProfile } from '../../stacks/environments';
import { everyKind } from '../support/alert-receivers';
import { ENVIRONMENTS } from '../support/environments';
import { describeRun, removeTempDirs, run, tempDir, writeMetricsConfigs } from './support/tools';

afterAll(removeTempDirs);

// amtool is built from the Alertmanager module at the deployed image's version
// (scripts/install-tools.sh), so it accepts exactly the keys the image does.
function amtool(args: string[]) {
  const result = run('amtool', args);
  return { result, text: describeRun('amtool', args, result) };
}

describe.each(ENVIRONMENTS)('%s: amtool', (env) => {
  test('check-config passes on alertmanager.yml', () => {
    const files = writeMetricsConfigs(env);
    const { result, text } = amtool(['check-config', files.alertmanagerConfig]);
    expect({ status: result.status, text }).toEqual({
      status: 0,
      text: expect.stringContaining('SUCCESS'),
    });
  });
});

// Negative controls: prove amtool really rejects bad input here, so this tier cannot pass
// silently (e.g. with a stub binary or an ignored exit status).
describe('amtool rejects invalid input', () => {
  const files = writeMetricsConfigs('prod');
  const dir = tempDir('amtool-negative-');
  const config = () => parse(fs.readFileSync(files.alertmanagerConfig, 'utf8'));

  test('an unknown key in alertmanager.yml', () => {
    const bad = config();
    bad.route.group_waitt = '30s';
    const file = path.join(dir, 'unknown-key.yml');
    fs.writeFileSync(file, stringify(bad));
    const { result, text } = amtool(['check-config', file]);
    expect(result.status).not.toBe(0);
    expect(text).toMatch(/field group_waitt not found/);
  });

  test('a route to a receiver that is not defined', () => {
    const bad = config();
    bad.route.receiver = 'no-such-receiver';
    const file = path.join(dir, 'undefined-receiver.yml');
    fs.writeFileSync(file, stringify(bad));
    const { result, text } = amtool(['check-config', file]);
    expect(result.status).not.toBe(0);
    expect(text).toMatch(/undefined receiver "no-such-receiver"/);
  });
});

/** alertmanager.yml of the prod stack after `configure`, written to a temp file. */
function prodConfigWith(configure: (alertmanager: Alertmanager) => void): string {
  const stack = new ObservabilityStack(Testing.app(), 'observability', environmentProfile('prod'));
  configure(stack.alertmanager);
  const configMap = Testing.synth(stack).find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === 'alertmanager-config',
  );
  const file = path.join(tempDir('amtool-routes-'), 'alertmanager.yml');
  fs.writeFileSync(file, configMap.data['alertmanager.yml']);
  return file;
}

/** The receivers amtool routes an alert with `labels` to, comma-separated as amtool prints them. */
function routedTo(file: string, labels: string[]): string {
  const args = ['config', 'routes', 'test', `--config.file=${file}`, ...labels];
  const result = run('amtool', args);
  if (result.status !== 0) throw new Error(describeRun('amtool', args, result));
  return result.stdout.trim();
}

describe('amtool on added receivers and routes', () => {
  test('check-config passes with a receiver of every kind, each routed to', () => {
    const file = prodConfigWith((a) => {
      a.addReceiver(
        AlertReceiver.email('email', {
          to: 'ops@example.com',
          from: 'alerts@example.com',
          smarthost: 'smtp.example.com:587',
          username: 'alerts',
        }),
      );
      for (const receiver of everyKind())
        a.addRoute({
          receiver: a.addReceiver(receiver),
          matchers: [`receiver="${receiver.name}"`],
        });
    });
    const kinds = parse(fs.readFileSync(file, 'utf8')).receivers.flatMap((r: any) =>
      Object.keys(r).filter((k) => k.endsWith('_configs')),
    );
    expect(new Set(kinds)).toEqual(
      new Set([
        'pagerduty_configs',
        'slack_configs',
        'webhook_configs',
        'email_configs',
        'msteamsv2_configs',
        'opsgenie_configs',
      ]),
    );
    const { result, text } = amtool(['check-config', file]);
    expect({ status: result.status, text }).toEqual({
      status: 0,
      text: expect.stringContaining('SUCCESS'),
    });
    expect(result.stdout).toContain(' - 11 receivers');
  });

  test("a team route takes its namespace to the team's receiver; other alerts keep the severity routing", () => {
    const file = prodConfigWith((a) => {
      const payments = a.addReceiver(
        AlertReceiver.slack('slack-payments', { channel: '#payments-alerts' }),
      );
      a.addRoute({ receiver: payments, matchers: ['namespace="payments"'] });
    });
    expect(
      routedTo(file, ['alertname=Http5xxErrorBurst', 'namespace=payments', 'severity=critical']),
    ).toBe('slack-payments');
    expect(
      routedTo(file, ['alertname=NodeCpuHigh', 'namespace=payments', 'severity=warning']),
    ).toBe('slack-payments');
    expect(
      routedTo(file, ['alertname=Http5xxErrorBurst', 'namespace=shop', 'severity=critical']),
    ).toBe('pagerduty,slack');
    expect(routedTo(file, ['alertname=NodeCpuHigh', 'namespace=shop', 'severity=warning'])).toBe(
      'slack',
    );
    expect(routedTo(file, ['alertname=Watchdog', 'namespace=payments', 'severity=none'])).toBe(
      'dead-mans-switch',
    );
  });

  test.each([['severity=~".+"'], ['namespace=~".*"']])(
    "a catch-all user route (%s) leaves the Watchdog to the dead-man's switch",
    (matcher) => {
      const file = prodConfigWith((a) => {
        a.addRoute({
          receiver: a.addReceiver(AlertReceiver.webhook('everything')),
          matchers: [matcher],
        });
      });
      expect(routedTo(file, ['alertname=Watchdog', 'severity=none'])).toBe('dead-mans-switch');
      expect(
        routedTo(file, ['alertname=Http5xxErrorBurst', 'namespace=shop', 'severity=critical']),
      ).toBe('everything');

      // Negative control: with the user route moved before the Watchdog's (the old order), amtool
      // does route the Watchdog away, so the check above can fail.
      const config = parse(fs.readFileSync(file, 'utf8'));
      const [watchdog, user, ...rest] = config.route.routes;
      config.route.routes = [user, watchdog, ...rest];
      const swapped = path.join(path.dirname(file), 'swapped.yml');
      fs.writeFileSync(swapped, stringify(config));
      expect(routedTo(swapped, ['alertname=Watchdog', 'severity=none'])).toBe('everything');
    },
  );
});
