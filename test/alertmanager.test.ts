import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  Alertmanager,
  AlertReceiver,
  AlertmanagerProps,
  renderAlertmanagerConfig,
} from '../lib/alertmanager';
import { KUBERNETES_VERSIONS, KubeSchema } from './support/kube-schema';
import { synthAlertmanager as synth } from './support/alert-receivers';

const allReceivers: AlertmanagerProps = {
  slack: { channel: '#alerts' },
  pagerDuty: {},
  email: {
    to: 'ops@example.com',
    from: 'alerts@example.com',
    smarthost: 'smtp.example.com:587',
    username: 'alerts',
  },
};

describe('Alertmanager', () => {
  test('is a valid config with only the null receiver when nothing is configured', () => {
    const { config } = synth();
    expect(config.receivers).toEqual([{ name: 'null' }]);
    expect(config.route.receiver).toBe('null');
  });

  test('groups by alertname with a short group_wait', () => {
    const { config } = synth();
    expect(config.route).toMatchObject({
      group_by: ['alertname', 'namespace'],
      group_wait: '5s',
      group_interval: '5m',
      repeat_interval: '4h',
    });
  });

  test('renders a route and a receiver added after a synth into the next synth, with a new checksum', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
    const alertmanager = new Alertmanager(chart, 'alertmanager');
    const render = () => {
      const objs = Testing.synth(chart);
      const configMap = objs.find((o) => o.kind === 'ConfigMap' && o.data?.['alertmanager.yml']);
      const sts = objs.find((o) => o.kind === 'StatefulSet');
      return {
        config: parse(configMap.data['alertmanager.yml']),
        checksum: sts.spec.template.metadata.annotations['checksum/config'],
      };
    };
    const first = render();
    const receiver = alertmanager.addReceiver(AlertReceiver.webhook('late', { port: 8443 }));
    const second = render();
    alertmanager.addRoute({ receiver, matchers: ['team="late"'] });
    const third = render();
    expect(first.config.receivers.map((r: any) => r.name)).toEqual(['null']);
    expect(second.config.receivers.map((r: any) => r.name)).toEqual(['null', 'late']);
    expect(third.config.route.routes).toContainEqual(
      expect.objectContaining({ receiver: 'late', matchers: ['team="late"'] }),
    );
    expect(new Set([first.checksum, second.checksum, third.checksum]).size).toBe(3);
  });

  test('the longest group_wait counts nested routes', () => {
    const { alertmanager } = synth({}, (a) =>
      a.addRoute({
        receiver: AlertReceiver.NULL,
        matchers: ['team="a"'],
        routes: [{ receiver: AlertReceiver.NULL, matchers: ['x="y"'], groupWait: '1m' }],
      }),
    );
    expect(alertmanager.longestGroupWaitSeconds).toBe(60);
    expect(synth().alertmanager.longestGroupWaitSeconds).toBe(5);
  });

  test('reads receiver credentials from files, never from the config', () => {
    const { config } = synth(allReceivers);
    const receiver = (name: string) => config.receivers.find((r: any) => r.name === name);
    expect(receiver('slack').slack_configs).toEqual([
      {
        send_resolved: true,
        api_url_file: '/etc/alertmanager/secrets/alertmanager-slack/api-url',
        channel: '#alerts',
      },
    ]);
    expect(receiver('pagerduty').pagerduty_configs).toEqual([
      {
        send_resolved: true,
        routing_key_file: '/etc/alertmanager/secrets/alertmanager-pagerduty/routing-key',
      },
    ]);
    expect(receiver('email').email_configs).toEqual([
      {
        send_resolved: true,
        to: 'ops@example.com',
        from: 'alerts@example.com',
        smarthost: 'smtp.example.com:587',
        auth_username: 'alerts',
        auth_password_file: '/etc/alertmanager/secrets/alertmanager-smtp/password',
        require_tls: true,
      },
    ]);
  });

  test('routes critical to PagerDuty and on to Slack and e-mail, warnings to Slack and e-mail', () => {
    const { config } = synth(allReceivers);
    expect(config.route.receiver).toBe('slack');
    expect(config.route.routes).toEqual([
      { receiver: 'null', matchers: ['alertname="Watchdog"'] },
      { receiver: 'pagerduty', matchers: ['severity="critical"'], continue: true },
      { receiver: 'slack', matchers: ['severity=~"critical|warning"'], continue: true },
      { receiver: 'email', matchers: ['severity=~"critical|warning"'] },
    ]);
  });

  test("sends the Watchdog to a dead-man's switch every interval, read from a Secret file, never resolved", () => {
    const { config, alertmanager } = synth({ deadMansSwitch: { interval: '2m' } });
    expect(config.route.routes[0]).toEqual({
      receiver: 'dead-mans-switch',
      matchers: ['alertname="Watchdog"'],
      group_wait: '0s',
      group_interval: '2m',
      repeat_interval: '2m',
    });
    expect(
      config.receivers.find((r: any) => r.name === 'dead-mans-switch').webhook_configs,
    ).toEqual([
      {
        send_resolved: false,
        url_file: '/etc/alertmanager/secrets/alertmanager-dead-mans-switch/url',
      },
    ]);
    expect(alertmanager.externalSecrets).toContainEqual(
      expect.objectContaining({ name: 'alertmanager-dead-mans-switch', keys: ['url'] }),
    );
    expect(synth({ deadMansSwitch: {} }).config.route.routes[0].repeat_interval).toBe('1m');
  });

  test("fails on a dead-man's switch interval that is not a duration", () => {
    expect(() => synth({ deadMansSwitch: { interval: '60' } })).toThrow(/deadMansSwitch\.interval/);
  });

  test('inhibits warnings while the same alert is critical', () => {
    const { config } = synth();
    expect(config.inhibit_rules).toEqual([
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ['alertname', 'namespace'],
      },
    ]);
  });

  test("puts added routes after the Watchdog's and before the built-in ones", () => {
    const { config } = synth({ slack: { channel: '#alerts' } }, (a) =>
      a.addRoute({ receiver: a.slackReceiver!, matchers: ['team="payments"'], groupWait: '5s' }),
    );
    expect(config.route.routes.map((r: any) => r.matchers[0])).toEqual([
      'alertname="Watchdog"',
      'team="payments"',
      'severity=~"critical|warning"',
    ]);
    expect(config.route.routes[1]).toEqual({
      receiver: 'slack',
      matchers: ['team="payments"'],
      group_wait: '5s',
    });
  });

  test('mounts each Secret once and lists it in externalSecrets', () => {
    const { alertmanager, pod, container } = synth({
      slack: { channel: '#a', secret: { name: 'notify', key: 'slack' } },
      pagerDuty: { secret: { name: 'notify', key: 'pagerduty' } },
    });
    expect(pod.volumes).toEqual(
      expect.arrayContaining([
        { name: 'secret-0', secret: { secretName: 'notify', defaultMode: 0o440 } },
      ]),
    );
    expect(pod.volumes).toHaveLength(2);
    expect(container.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'secret-0', mountPath: '/etc/alertmanager/secrets/notify', readOnly: true },
      ]),
    );
    expect(alertmanager.externalSecrets).toEqual([
      { name: 'notify', keys: ['slack', 'pagerduty'], purpose: expect.stringContaining('Slack') },
    ]);
  });

  test('turns clustering off with one replica', () => {
    const { container, find } = synth();
    expect(container.args).toContain('--cluster.listen-address=');
    expect(container.args.some((a: string) => a.startsWith('--cluster.peer'))).toBe(false);
    expect(find('StatefulSet').spec.serviceName).toBe('alertmanager-cluster');
  });

  test('forms a cluster of every replica through a headless Service', () => {
    const { container, find, alertmanager } = synth({ replicas: 3 });
    const peers = [0, 1, 2].map(
      (i) => `--cluster.peer=alertmanager-${i}.alertmanager-cluster.observability.svc:9094`,
    );
    expect(container.args).toEqual(
      expect.arrayContaining(['--cluster.listen-address=0.0.0.0:9094', ...peers]),
    );
    expect(alertmanager.peers).toHaveLength(3);
    const headless = find('Service', 'alertmanager-cluster');
    expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(find('PodDisruptionBudget')).toBeDefined();
  });

  test('probes /-/ready and /-/healthy on 9093 and runs as nobody', () => {
    const { container, pod } = synth();
    expect(container.ports[0]).toEqual({ name: 'http', containerPort: 9093, protocol: 'TCP' });
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/-/ready', port: 'http' });
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/-/healthy', port: 'http' });
    expect(container.securityContext).toMatchObject({
      runAsUser: 65534,
      readOnlyRootFilesystem: true,
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.args).toEqual(
      expect.arrayContaining([
        '--config.file=/etc/alertmanager/alertmanager.yml',
        '--storage.path=/alertmanager',
      ]),
    );
  });

  test('exposes its endpoint and is scraped through annotations', () => {
    const { alertmanager, sts } = synth();
    expect(alertmanager.endpoint.url).toBe('http://alertmanager.observability.svc:9093');
    expect(sts.spec.template.metadata.annotations['prometheus.io/port']).toBe('9093');
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
  });

  test('rolls the pods when a route is added', () => {
    const a = synth({ slack: { channel: '#a' } }).sts.spec.template.metadata.annotations[
      'checksum/config'
    ];
    const b = synth({ slack: { channel: '#a' } }, (am) =>
      am.addRoute({ receiver: am.slackReceiver!, matchers: ['x="y"'] }),
    ).sts.spec.template.metadata.annotations['checksum/config'];
    expect(a).not.toBe(b);
  });

  test.each(KUBERNETES_VERSIONS)('passes the strict schema of Kubernetes %s', (version) => {
    const schema = new KubeSchema(version);
    const { objs } = synth({ ...allReceivers, replicas: 3 });
    expect(objs.flatMap((o) => schema.errors(o))).toEqual([]);
  });

  test('the renderer chains only the routes that exist', () => {
    const pagerDuty = AlertReceiver.pagerDuty('pagerduty');
    const config = renderAlertmanagerConfig({
      groupBy: ['alertname'],
      groupWait: '10s',
      groupInterval: '5m',
      repeatInterval: '4h',
      routes: [],
      defaultReceiver: AlertReceiver.NULL,
      receivers: [{ name: 'null' }],
      watchdog: { receiver: AlertReceiver.NULL },
      severityRouting: { pagerDuty, chat: [] },
    }) as any;
    expect(config.route.receiver).toBe('null');
    expect(config.route.routes[1]).toEqual({
      receiver: 'pagerduty',
      matchers: ['severity="critical"'],
    });
  });

  describe('fails', () => {
    test('when replicas is zero', () => expect(() => synth({ replicas: 0 })).toThrow(/replicas/));
    test('when groupWait is not a duration', () =>
      expect(() => synth({ groupWait: '10' })).toThrow(/groupWait/));
    test('when a route names a receiver that is not configured', () =>
      expect(() =>
        synth({}, (a) =>
          a.addRoute({
            receiver: AlertReceiver.slack('slack', { channel: '#a' }),
            matchers: ['a="b"'],
          }),
        ),
      ).toThrow(/receiver/));
    test('when a route has no matchers', () =>
      expect(() => synth({ routes: [{ receiver: AlertReceiver.NULL, matchers: [] }] })).toThrow(
        /matchers/,
      ));
    test('when the smarthost has no port', () =>
      expect(() =>
        synth({ email: { ...allReceivers.email!, smarthost: 'smtp.example.com' } }),
      ).toThrow(/email.smarthost/));
    test('when the Slack channel is empty', () =>
      expect(() => synth({ slack: { channel: '' } })).toThrow(/slack.channel/));
    test('when a Secret key is empty', () =>
      expect(() => synth({ pagerDuty: { secret: { name: 'pd', key: '' } } })).toThrow(
        /pagerDuty.secret.key/,
      ));
  });
});
