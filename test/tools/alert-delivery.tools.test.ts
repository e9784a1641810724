import { AlertHarness, WebhookRequest, durationSeconds, waitUntil } from './support/alert-harness';

/**
 * End to end, with real processes on 127.0.0.1: a 5xx burst on a test exporter makes the
 * GENERATED prod rules fire Http5xxErrorBurst in a real Prometheus, and the GENERATED prod
 * alertmanager.yml delivers it (PagerDuty and Slack, both redirected to a local webhook),
 * then delivers the resolved notice.
 *
 * Made faster than production, and only here:
 * - scrape_interval and evaluation_interval are 1s in the harness-written prometheus.yml
 *   (the rules are the generated ones, unchanged);
 * - group_interval is 10s instead of the generated 5m: Alertmanager sends a resolved
 *   notice at the group's next flush, group_interval after its firing notification.
 * group_wait (10s) stays as generated, and the test checks the firing notice waits for it.
 */
const INTERVAL = '1s';
const GROUP_INTERVAL = '10s';
const ALERT = 'Http5xxErrorBurst';

let harness: AlertHarness;

beforeAll(async () => {
  harness = await AlertHarness.start({
    env: 'prod',
    interval: INTERVAL,
    groupInterval: GROUP_INTERVAL,
    adminApi: true,
  });
}, 60_000);

afterAll(async () => {
  await harness?.stop();
}, 30_000);

/**
 * Labels of the one alert in the PagerDuty event's `custom_details.firing|resolved`, which
 * Alertmanager (0.28 and later) fills with the alerts as JSON (`{{ .Alerts.Firing | toJson }}`).
 */
function pagerDutyLabels(alerts: unknown): Record<string, string> {
  if (!Array.isArray(alerts) || alerts.length !== 1)
    throw new Error(`expected one alert in the PagerDuty details, got ${JSON.stringify(alerts)}`);
  return alerts[0].labels;
}

function isBurst(r: WebhookRequest): boolean {
  return r.path === '/pagerduty'
    ? String(r.body?.payload?.summary ?? '').includes(` ${ALERT} `)
    : String(r.body?.attachments?.[0]?.title ?? '').includes(` ${ALERT} `);
}

function isFiring(r: WebhookRequest): boolean {
  return r.path === '/pagerduty'
    ? r.body?.event_action === 'trigger'
    : String(r.body?.attachments?.[0]?.title).startsWith('[FIRING');
}

test("a 5xx burst pages on PagerDuty and Slack with the generated labels, then resolves; the Watchdog feeds the dead-man's switch", async () => {
  const { generated, exporter, webhook } = harness;
  const threshold = generated.burstThreshold;
  const groupWaitMs = durationSeconds(generated.groupWait) * 1000;
  const region = generated.externalLabels.region;
  expect(generated.burstRule.for).toBeUndefined();
  expect(region).toBeTruthy();

  // A baseline: increase() needs samples from before the burst.
  await harness.waitForSamples(2, 20_000);

  // 100 errors per second: past the threshold (more than `threshold` in 5 minutes) within ~1 s.
  const rate = 100;
  const start = exporter.value();
  exporter.setRate(rate);
  const crossedAt = Date.now() + ((threshold + 1) * 1000) / rate;

  // Critical goes to pagerduty (continue: true) and on to slack: both must arrive.
  const firing = await waitUntil(
    'firing notices on /pagerduty and /slack',
    () => {
      const burst = webhook.requests.filter((r) => isBurst(r) && isFiring(r));
      const pd = burst.find((r) => r.path === '/pagerduty');
      const slack = burst.find((r) => r.path === '/slack');
      return pd && slack ? { pd, slack } : undefined;
    },
    { timeoutMs: 45_000, intervalMs: 200 },
  ).catch((e) => {
    throw new Error(
      `${e.message}\nwebhook got: ${JSON.stringify(webhook.requests.map((r) => r.path))}\n${harness.logs()}`,
    );
  });
  expect(exporter.value() - start).toBeGreaterThan(threshold);

  // Labels as delivered: the rule's severity, the series' service and namespace, and the
  // external labels env and region; `replica` is dropped by the generated alert_relabel_configs.
  const expectedLabels = {
    alertname: ALERT,
    severity: 'critical',
    service: 'checkout',
    namespace: 'shop',
    env: 'prod',
    region,
  };
  const pd = firing.pd.body;
  expect(pd.routing_key).toBe('test-routing-key-0123456789abcdef');
  expect(pd.payload.summary).toMatch(new RegExp(`^\\[FIRING:1\\] ${ALERT} `));
  expect(pagerDutyLabels(pd.payload.custom_details.firing)).toEqual(expectedLabels);

  const slack = firing.slack.body;
  expect(slack.channel).toBe('#alerts-prod');
  // Slack's default title lists label values: the group_by labels (alertname, namespace),
  // then the other common labels sorted by name (env, region, service, severity).
  const labelValues = `${ALERT} shop (prod ${region} checkout critical)`;
  expect(slack.attachments[0].title).toBe(`[FIRING:1] ${labelValues}`);
  expect(slack.attachments[0].color).toBe('danger');

  // The notices link to the UIs' public URLs (prod's `access`), not to a pod address: Slack's
  // title and PagerDuty's client link go to Alertmanager.
  const alertmanagerUrl = 'https://alertmanager.observability.example.com';
  expect(slack.attachments[0].title_link).toMatch(
    new RegExp(`^${alertmanagerUrl}/#/alerts\\?receiver=slack`),
  );
  expect(pd.client_url).toMatch(new RegExp(`^${alertmanagerUrl}/#/alerts\\?receiver=pagerduty`));

  // Alertmanager's own view: the exact label set, and the receivers in routing order.
  const held = (await harness.alertmanagerAlerts()).filter((a) => a.labels.alertname === ALERT);
  expect(held).toHaveLength(1);
  expect(held[0].labels).toEqual(expectedLabels);
  expect(held[0].receivers.map((r: any) => r.name)).toEqual(['pagerduty', 'slack']);
  // And the alert's source is its query on Prometheus' public URL.
  expect(held[0].generatorURL).toMatch(
    /^https:\/\/prometheus\.observability\.example\.com\/graph\?g0\.expr=/,
  );

  // group_wait is kept as generated: no notice before it, and not much later than the
  // 1 s scrape + 1 s evaluation + group_wait (generous slack for a loaded 2-core machine).
  const firstNotice = Math.min(firing.pd.receivedAt, firing.slack.receivedAt);
  expect(firstNotice - crossedAt).toBeGreaterThanOrEqual(groupWaitMs - 1000);
  expect(firstNotice - crossedAt).toBeLessThan(groupWaitMs + 15_000);

  // Resolution. The errors stop; with a counter that stops growing increase(...[5m]) only
  // drops once the burst leaves the 5-minute window, and neither a counter reset (increase()
  // adds the pre-reset value back) nor a vanished series (staleness hides it from instant
  // selectors, not from the [5m] range) makes it drop sooner. So the test stands in for
  // "5 minutes pass" by deleting the series' history through the TSDB admin API: the next
  // scrapes carry a flat counter, the increase is ~0, and the alert resolves.
  exporter.setRate(0);
  await harness.deleteSeries('http_requests_total');

  const resolved = await waitUntil(
    'resolved notices on /pagerduty and /slack',
    () => {
      const burst = webhook.requests.filter((r) => isBurst(r) && !isFiring(r));
      const rpd = burst.find((r) => r.path === '/pagerduty');
      const rslack = burst.find((r) => r.path === '/slack');
      return rpd && rslack ? { pd: rpd, slack: rslack } : undefined;
    },
    { timeoutMs: 45_000, intervalMs: 200 },
  ).catch((e) => {
    throw new Error(
      `${e.message}\nwebhook got: ${JSON.stringify(webhook.requests.map((r) => r.path))}\n${harness.logs()}`,
    );
  });
  expect(resolved.pd.body.event_action).toBe('resolve');
  expect(resolved.pd.body.dedup_key).toBe(pd.dedup_key);
  expect(pagerDutyLabels(resolved.pd.body.payload.custom_details.resolved)).toEqual(expectedLabels);
  expect(resolved.slack.body.attachments[0].title).toBe(`[RESOLVED] ${labelValues}`);
  expect(resolved.slack.body.attachments[0].color).toBe('good');

  // Exactly one firing and one resolved notice per receiver: no duplicates, nothing else paged.
  const burst = webhook.requests.filter(isBurst);
  expect(burst.map((r) => `${r.path} ${isFiring(r) ? 'firing' : 'resolved'}`).sort()).toEqual([
    '/pagerduty firing',
    '/pagerduty resolved',
    '/slack firing',
    '/slack resolved',
  ]);
  // Everything else is the always-firing Watchdog, at the dead-man's switch and never at
  // people: at once (group_wait 0s), then every interval while Alertmanager is alive.
  // Usually there within 2 s of the start. But Prometheus evaluates from its first second, while
  // its Alertmanager discovery publishes its first targets a little later: a Watchdog sent
  // before that is lost and comes with the next resend, 1 minute later (Prometheus' resend
  // delay; measured: 2 runs of 8 at 62 s). Hence a wait of up to 75 s.
  const others = await waitUntil(
    "the Watchdog at the dead-man's switch",
    () => {
      const seen = webhook.requests.filter((r) => !isBurst(r));
      return seen.length > 0 ? seen : undefined;
    },
    { timeoutMs: 75_000, intervalMs: 500 },
  ).catch(async (e) => {
    const metrics = await (await fetch(`${harness.prometheusUrl}/metrics`)).text();
    const dropped = metrics.split('\n').filter((l) => l.startsWith('prometheus_notifications_'));
    throw new Error(
      `${e.message}\n${dropped.join('\n')}\nwebhook got: ${JSON.stringify(webhook.requests.map((r) => r.path))}\n${harness.logs()}`,
    );
  });

  expect([
    ...new Set(
      others.map(
        (r) =>
          `${r.path} ${r.body?.status} ${r.body?.alerts?.map((a: any) => a.labels.alertname).join(',')}`,
      ),
    ),
  ]).toEqual(['/dead-mans-switch firing Watchdog']);
}, 180_000);
