import { Testing } from 'cdk8s';
import {
  ALERT_RECEIVERS_PEER,
  AlertReceiver,
  Alertmanager,
  AlertmanagerProps,
  IAlertReceiver,
  ObservabilityStack,
} from '../lib';
import { everyKind, synthAlertmanager as synth } from './support/alert-receivers';

const dir = (secret: string, key: string) => `/etc/alertmanager/secrets/${secret}/${key}`;

describe('AlertReceiver', () => {
  test('renders every kind with its credential as a file from its own Secret', () => {
    const { receiver } = synth({ receivers: everyKind() });
    expect(receiver('slack-payments')).toEqual({
      name: 'slack-payments',
      slack_configs: [
        {
          send_resolved: true,
          api_url_file: dir('alertmanager-slack-payments', 'api-url'),
          channel: '#payments',
        },
      ],
    });
    expect(receiver('pagerduty-payments')).toEqual({
      name: 'pagerduty-payments',
      pagerduty_configs: [
        {
          send_resolved: true,
          routing_key_file: dir('alertmanager-pagerduty-payments', 'routing-key'),
        },
      ],
    });
    expect(receiver('email-payments')).toEqual({
      name: 'email-payments',
      email_configs: [
        {
          send_resolved: true,
          to: 'payments@example.com',
          from: 'alerts@example.com',
          smarthost: 'smtp.example.com:2525',
          auth_username: 'alerts',
          auth_password_file: dir('alertmanager-email-payments', 'password'),
          require_tls: true,
        },
      ],
    });
    expect(receiver('webhook-payments')).toEqual({
      name: 'webhook-payments',
      webhook_configs: [
        { send_resolved: true, url_file: dir('alertmanager-webhook-payments', 'url') },
      ],
    });
    expect(receiver('teams-payments')).toEqual({
      name: 'teams-payments',
      msteamsv2_configs: [
        {
          send_resolved: true,
          webhook_url_file: dir('alertmanager-teams-payments', 'webhook-url'),
        },
      ],
    });
    expect(receiver('opsgenie-payments')).toEqual({
      name: 'opsgenie-payments',
      opsgenie_configs: [
        {
          send_resolved: true,
          api_key_file: dir('alertmanager-opsgenie-payments', 'api-key'),
          api_url: 'https://api.eu.opsgenie.com/',
        },
      ],
    });
  });

  test('never puts a credential inline', () => {
    const { config } = synth({ receivers: everyKind() });
    // Alertmanager's inline twins of the *_file keys (Opsgenie's api_url is its endpoint, not a secret).
    const inline: Record<string, string[]> = {
      slack_configs: ['api_url'],
      pagerduty_configs: ['routing_key', 'service_key'],
      email_configs: ['auth_password'],
      webhook_configs: ['url'],
      msteamsv2_configs: ['webhook_url'],
      opsgenie_configs: ['api_key'],
    };
    for (const receiver of config.receivers.slice(1)) {
      const [kind, configs] = Object.entries(receiver).find(([k]) => k.endsWith('_configs')) as [
        string,
        any[],
      ];
      expect(inline[kind]).toBeDefined();
      expect(Object.keys(configs[0]).filter((k) => inline[kind].includes(k))).toEqual([]);
      expect(Object.keys(configs[0]).filter((k) => k.endsWith('_file'))).toHaveLength(1);
    }
  });

  test('lists the built-in and added receivers, null first', () => {
    const { config, alertmanager } = synth({
      slack: { channel: '#alerts' },
      receivers: everyKind(),
    });
    const names = [
      'null',
      'slack',
      'slack-payments',
      'pagerduty-payments',
      'email-payments',
      'webhook-payments',
      'teams-payments',
      'opsgenie-payments',
    ];
    expect(config.receivers.map((r: any) => r.name)).toEqual(names);
    expect(alertmanager.receivers.map((r) => r.name)).toEqual(names);
  });

  test('takes sendResolved and an explicit Secret', () => {
    const { receiver, alertmanager } = synth({}, (a) =>
      a.addReceiver(
        AlertReceiver.webhook('ticketing', {
          sendResolved: false,
          secret: { name: 'notify', key: 'ticketing-url' },
        }),
      ),
    );
    expect(receiver('ticketing').webhook_configs).toEqual([
      { send_resolved: false, url_file: dir('notify', 'ticketing-url') },
    ]);
    expect(alertmanager.externalSecrets).toEqual([
      {
        name: 'notify',
        keys: ['ticketing-url'],
        purpose: "Alertmanager: webhook URL of receiver 'ticketing'",
      },
    ]);
  });

  test('mounts each Secret once, also for receivers added after construction', () => {
    const { pod, container, alertmanager } = synth(
      { slack: { channel: '#a', secret: { name: 'notify', key: 'slack' } } },
      (a) => {
        a.addReceiver(AlertReceiver.msTeams('teams', { secret: { name: 'notify', key: 'teams' } }));
        a.addReceiver(AlertReceiver.opsgenie('opsgenie'));
      },
    );
    expect(
      pod.volumes.filter((v: any) => v.secret).map((v: any) => [v.name, v.secret.secretName]),
    ).toEqual([
      ['secret-0', 'notify'],
      ['secret-1', 'alertmanager-opsgenie'],
    ]);
    expect(container.volumeMounts).toContainEqual({
      name: 'secret-1',
      mountPath: '/etc/alertmanager/secrets/alertmanager-opsgenie',
      readOnly: true,
    });
    expect(alertmanager.externalSecrets.map((s) => [s.name, s.keys])).toEqual([
      ['notify', ['slack', 'teams']],
      ['alertmanager-opsgenie', ['api-key']],
    ]);
    expect(alertmanager.externalSecrets[1].purpose).toBe(
      "Alertmanager: Opsgenie API key of receiver 'opsgenie'",
    );
  });

  test("opens the receivers' ports: 443, the SMTP port, a webhook's and Opsgenie's own", () => {
    const { alertmanager } = synth({ pagerDuty: {} }, (a) =>
      everyKind().forEach((r) => a.addReceiver(r)),
    );
    const flows = alertmanager.networkFlows.filter(
      (f) => f.to.kind === 'external' && f.to.name === ALERT_RECEIVERS_PEER.name,
    );
    expect(flows).toHaveLength(1);
    expect(flows[0].ports).toEqual([{ port: 443 }, { port: 2525 }, { port: 8443 }]);
  });

  test("the stack's network policy lets Alertmanager reach the receivers' ports", () => {
    const stack = new ObservabilityStack(Testing.app(), 'observability', {
      environment: 'dev',
      region: 'local',
      alertmanager: { receivers: everyKind() },
    });
    const policy = Testing.synth(stack).find(
      (o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-alertmanager-server',
    );
    const external = policy.spec.egress.filter((rule: any) =>
      rule.to.some((peer: any) => peer.ipBlock),
    );
    expect(
      external
        .flatMap((rule: any) => rule.ports.map((p: any) => p.port))
        .sort((a: number, b: number) => a - b),
    ).toEqual([443, 2525, 8443]);
  });

  test('a receiver added after the stack is built opens its port in the policy too', () => {
    const stack = new ObservabilityStack(Testing.app(), 'observability', {
      environment: 'dev',
      region: 'local',
    });
    stack.alertmanager.addReceiver(AlertReceiver.webhook('late-hook', { port: 9443 }));
    const policy = Testing.synth(stack).find(
      (o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-alertmanager-server',
    );
    const external = policy.spec.egress.filter((rule: any) =>
      rule.to.some((peer: any) => peer.ipBlock),
    );
    expect(external.flatMap((rule: any) => rule.ports.map((p: any) => p.port))).toEqual([9443]);
  });

  test('opens no port without receivers', () => {
    const { alertmanager } = synth();
    expect(alertmanager.networkFlows.filter((f) => f.purpose === 'sends notifications')).toEqual(
      [],
    );
  });

  test("routes a team's namespace to its receiver, the rest to the default", () => {
    const { config } = synth({ slack: { channel: '#alerts' } }, (a) => {
      const payments = a.addReceiver(
        AlertReceiver.slack('slack-payments', { channel: '#payments' }),
      );
      a.addRoute({ receiver: payments, matchers: ['namespace="payments"'] });
    });
    expect(config.route.receiver).toBe('slack');
    expect(config.route.routes[1]).toEqual({
      receiver: 'slack-payments',
      matchers: ['namespace="payments"'],
    });
  });

  test('takes receivers and routes to them as props', () => {
    const payments = AlertReceiver.webhook('payments');
    const { config } = synth({
      receivers: [payments],
      routes: [{ receiver: payments, matchers: ['namespace="payments"'] }],
      defaultReceiver: payments,
    });
    expect(config.route.receiver).toBe('payments');
    expect(config.route.routes[1]).toEqual({
      receiver: 'payments',
      matchers: ['namespace="payments"'],
    });
  });

  test('one definition serves several Alertmanagers', () => {
    const shared = AlertReceiver.webhook('shared');
    for (const name of ['a', 'b']) {
      expect(
        synth({ name, receivers: [shared], routes: [{ receiver: shared, matchers: ['x="y"'] }] })
          .config.receivers,
      ).toHaveLength(2);
    }
  });

  test.each([['severity=~".+"'], ['namespace=~".*"'], ['alertname="Watchdog"']])(
    'keeps the Watchdog first and final, before a user route matching %s',
    (matcher) => {
      const { config } = synth({ deadMansSwitch: {} }, (a) => {
        const everything = a.addReceiver(AlertReceiver.webhook('everything'));
        a.addRoute({ receiver: everything, matchers: [matcher], continue: true });
      });
      expect(config.route.routes[0]).toMatchObject({
        receiver: 'dead-mans-switch',
        matchers: ['alertname="Watchdog"'],
      });
      expect(config.route.routes[0].continue).toBeUndefined();
      expect(config.route.routes[1].receiver).toBe('everything');
    },
  );

  describe('fails', () => {
    const attempt =
      (configure: (a: Alertmanager) => void, props: AlertmanagerProps = {}) =>
      () =>
        synth(props, configure);

    test('when two receivers share a name', () => {
      expect(
        attempt((a) => a.addReceiver(AlertReceiver.webhook('slack')), { slack: { channel: '#a' } }),
      ).toThrow(
        /'receivers\[0\]\.name' is the name of another receiver of this Alertmanager, got 'slack' \(give each receiver its own name \(taken: null, slack\)\)/,
      );
      expect(
        attempt(() => undefined, {
          receivers: [AlertReceiver.webhook('x'), AlertReceiver.msTeams('x')],
        }),
      ).toThrow(/receivers\[1\]\.name/);
    });

    test('when a receiver is added twice', () => {
      const r = AlertReceiver.webhook('x');
      expect(
        attempt((a) => {
          a.addReceiver(r);
          a.addReceiver(r);
        }),
      ).toThrow(/'receivers\[1\]' is added twice/);
    });

    test('when AlertReceiver.NULL is added', () =>
      expect(attempt((a) => a.addReceiver(AlertReceiver.NULL))).toThrow(/is built in/));

    test.each([['Slack Payments'], [''], ['-x'], ['a'.repeat(64)]])(
      'when the name is %p',
      (name) => {
        expect(attempt((a) => a.addReceiver(AlertReceiver.webhook(name)))).toThrow(
          /'receivers\[0\]\.name' must be a DNS-1123 label/,
        );
      },
    );

    test('when a route names a receiver that was not added, with the receivers there are', () => {
      expect(
        attempt(
          (a) =>
            a.addRoute({
              receiver: AlertReceiver.slack('slack-payments', { channel: '#p' }),
              matchers: ['namespace="payments"'],
            }),
          { slack: { channel: '#a' } },
        ),
      ).toThrow(
        /'routes\[0\]\.receiver' is not a receiver of this Alertmanager, got 'slack-payments' \(add it first with addReceiver\(\) or the receivers prop, or route to one of null, slack\)/,
      );
    });

    test('when a route names a receiver of another Alertmanager', () => {
      let foreign: IAlertReceiver | undefined;
      synth({ name: 'other' }, (a) => {
        foreign = a.addReceiver(AlertReceiver.webhook('team'));
      });
      expect(attempt((a) => a.addRoute({ receiver: foreign!, matchers: ['x="y"'] }))).toThrow(
        /'routes\[0\]\.receiver' is a receiver of Alertmanager 'other' at 'test\/alertmanager', not of this one, got 'team'/,
      );
    });

    test('when a route names another object of the same name', () => {
      expect(
        attempt((a) => {
          a.addReceiver(AlertReceiver.webhook('team'));
          a.addRoute({ receiver: AlertReceiver.webhook('team'), matchers: ['x="y"'] });
        }),
      ).toThrow(/is not the receiver of that name added here/);
    });

    test('when a nested route names a foreign receiver', () => {
      expect(
        attempt((a) =>
          a.addRoute({
            receiver: AlertReceiver.NULL,
            matchers: ['x="y"'],
            routes: [{ receiver: AlertReceiver.webhook('n'), matchers: ['a="b"'] }],
          }),
        ),
      ).toThrow(/'routes\[0\]\.routes\[0\]\.receiver'/);
    });

    test('when the default receiver was not added', () => {
      expect(attempt(() => undefined, { defaultReceiver: AlertReceiver.webhook('w') })).toThrow(
        /'defaultReceiver' is not a receiver of this Alertmanager/,
      );
    });

    test('when a webhook port is out of range', () =>
      expect(attempt((a) => a.addReceiver(AlertReceiver.webhook('w', { port: 70000 })))).toThrow(
        /receivers\[0\]\.port/,
      ));
    test('when the Opsgenie URL is not https', () =>
      expect(
        attempt((a) => a.addReceiver(AlertReceiver.opsgenie('o', { apiUrl: 'http://x' }))),
      ).toThrow(/receivers\[0\]\.apiUrl/));
    test('when an e-mail smarthost has no port', () => {
      expect(
        attempt((a) =>
          a.addReceiver(
            AlertReceiver.email('m', {
              to: 'a@b.c',
              from: 'a@b.c',
              smarthost: 'smtp',
              username: 'u',
            }),
          ),
        ),
      ).toThrow(/receivers\[0\]\.smarthost/);
    });
    test('when a Slack channel is empty', () =>
      expect(attempt((a) => a.addReceiver(AlertReceiver.slack('s', { channel: ' ' })))).toThrow(
        /receivers\[0\]\.channel/,
      ));
    test('when a Secret key is invalid', () => {
      expect(
        attempt((a) =>
          a.addReceiver(AlertReceiver.msTeams('t', { secret: { name: 'teams', key: 'a/b' } })),
        ),
      ).toThrow(/receivers\[0\]\.secret\.key/);
    });
  });
});
