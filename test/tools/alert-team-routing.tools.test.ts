import { AlertReceiver } from '../../lib';
import { AlertHarness, WebhookRequest, waitUntil } from './support/alert-harness';

/**
 * End to end, with real processes on 127.0.0.1: the prod stack plus a team receiver, a
 * webhook `payments-oncall` routed `namespace="payments"`. The generated alertmanager.yml runs
 * in a real Alertmanager; the harness points the webhook's `url_file` at a file holding the
 * local recorder's URL (`/payments-oncall`), as it does for the dead-man's switch.
 *
 * A 5xx burst of a service in namespace payments (the exporter's target label) fires the
 * generated Http5xxErrorBurst in a real Prometheus and must reach the team only: the team route
 * has no `continue`, so neither PagerDuty nor the shared Slack channel get it. An alert of
 * namespace shop, posted to Alertmanager's API, must keep the severity routing (Slack) and
 * never reach the team.
 */
const TEAM = 'payments-oncall';
const BURST = 'Http5xxErrorBurst';
const PROBE = 'TeamRoutingProbe';

let harness: AlertHarness;

beforeAll(async () => {
  harness = await AlertHarness.start({
    env: 'prod',
    interval: '1s',
    targetLabels: { namespace: 'payments' },
    configure: (stack) => {
      const team = stack.alertmanager.addReceiver(AlertReceiver.webhook(TEAM));
      stack.alertmanager.addRoute({ receiver: team, matchers: ['namespace="payments"'] });
    },
  });
}, 60_000);

afterAll(async () => {
  await harness?.stop();
}, 30_000);

/** The alert names a notice carries: webhook JSON (`alerts[].labels`), or Slack's title. */
function alertNames(r: WebhookRequest): string[] {
  if (Array.isArray(r.body?.alerts)) return r.body.alerts.map((a: any) => a.labels.alertname);
  if (r.path === '/pagerduty') return [String(r.body?.payload?.summary ?? '').split(' ')[1]];
  return [String(r.body?.attachments?.[0]?.title ?? '').split(' ')[1]];
}

test("a payments alert reaches the team's receiver only; a shop alert keeps the severity routing", async () => {
  const { exporter, webhook } = harness;
  await harness.waitForSamples(2, 20_000);
  exporter.setRate(100);

  // An alert of another namespace, straight to Alertmanager's API (severity warning: Slack).
  const posted = await fetch(`${harness.alertmanagerUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify([
      {
        labels: { alertname: PROBE, namespace: 'shop', severity: 'warning' },
        annotations: { summary: 'routing probe' },
      },
    ]),
    signal: AbortSignal.timeout(5000),
  });
  expect(posted.status).toBe(200);

  const describe = () =>
    `webhook got: ${JSON.stringify(webhook.requests.map((r) => `${r.path} ${alertNames(r).join(',')}`))}\n${harness.logs()}`;
  const team = await waitUntil(
    `${BURST} at /${TEAM}`,
    () => webhook.requests.find((r) => r.path === `/${TEAM}` && alertNames(r).includes(BURST)),
    { timeoutMs: 45_000, intervalMs: 200 },
  ).catch((e) => {
    throw new Error(`${e.message}\n${describe()}`);
  });
  expect(team.body.receiver).toBe(TEAM);
  expect(team.body.status).toBe('firing');
  expect(team.body.alerts).toHaveLength(1);
  expect(team.body.alerts[0].labels).toMatchObject({
    alertname: BURST,
    namespace: 'payments',
    severity: 'critical',
  });

  await waitUntil(
    `${PROBE} at /slack`,
    () => webhook.requests.find((r) => r.path === '/slack' && alertNames(r).includes(PROBE)),
    { timeoutMs: 30_000, intervalMs: 200 },
  ).catch((e) => {
    throw new Error(`${e.message}\n${describe()}`);
  });

  // Alertmanager's own view: each alert went to the receivers of its route and no others.
  const held = await harness.alertmanagerAlerts();
  const receiversOf = (name: string) =>
    held.find((a) => a.labels.alertname === name)?.receivers.map((r: any) => r.name);
  expect(receiversOf(BURST)).toEqual([TEAM]);
  expect(receiversOf(PROBE)).toEqual(['slack']);

  // Delivered: the team got only payments alerts (so not the Watchdog either), and nobody else
  // got the payments burst.
  const at = (p: string) => webhook.requests.filter((r) => r.path === p);
  expect(at(`/${TEAM}`).flatMap((r) => r.body.alerts.map((a: any) => a.labels.namespace))).toEqual(
    at(`/${TEAM}`).map(() => 'payments'),
  );
  expect([...at('/pagerduty'), ...at('/slack')].flatMap(alertNames)).not.toContain(BURST);
  expect(at('/slack').flatMap(alertNames)).toContain(PROBE);
}, 120_000);
