/**
 * The typed parts of `alertmanager.yml` that this package sets, and the pure
 * renderer. Credentials are never in the file: receivers read them from files
 * (`api_url_file`, `routing_key_file`, `auth_password_file`) mounted from Secrets.
 */

/** Names of the receivers the Alertmanager config defines. */
export enum ReceiverName {
  /** Drops notifications; the default when nothing is configured, and the Watchdog's. */
  NULL = 'null',
  PAGERDUTY = 'pagerduty',
  SLACK = 'slack',
  EMAIL = 'email',
  /** The Watchdog's, when a dead-man's switch is configured. */
  DEAD_MANS_SWITCH = 'dead-mans-switch',
}

/** A Slack incoming webhook whose URL is read from a file. */
export interface SlackReceiverOptions {
  /** Path of the file holding the webhook URL (`api_url_file`). */
  readonly apiUrlFile: string;
  /** `channel`, such as `#alerts`. */
  readonly channel: string;
}

/** A PagerDuty Events API v2 integration whose key is read from a file. */
export interface PagerDutyReceiverOptions {
  /** Path of the file holding the integration key (`routing_key_file`). */
  readonly routingKeyFile: string;
}

/** SMTP e-mail; the password is read from a file. */
export interface EmailReceiverOptions {
  readonly to: string;
  readonly from: string;
  /** `host:port` of the SMTP server. */
  readonly smarthost: string;
  readonly authUsername: string;
  /** Path of the file holding the SMTP password (`auth_password_file`). */
  readonly authPasswordFile: string;
  readonly requireTls: boolean;
}

/**
 * A dead-man's switch: an outside service that expects the always-firing Watchdog at
 * a webhook every `interval` and pages when it stops coming (the alerting path is down).
 */
export interface DeadMansSwitchOptions {
  /** Path of the file holding the webhook URL (`url_file`). */
  readonly urlFile: string;
  /** How often the Watchdog is re-sent (`group_interval` and `repeat_interval` of its route). */
  readonly interval: string;
}

/** A route of the routing tree (`route`). */
export interface AlertmanagerRoute {
  /** `receiver`: one of {@link ReceiverName} that is configured. */
  readonly receiver: string;
  /** `matchers`, such as `['team="payments"', 'severity=~"warning|critical"']`. */
  readonly matchers: string[];
  /** `continue`: keep matching sibling routes after this one. @default false */
  readonly continue?: boolean;
  /** `group_by`. @default - the parent route's */
  readonly groupBy?: string[];
  /** `group_wait`. @default - the parent route's */
  readonly groupWait?: string;
  /** `group_interval`. @default - the parent route's */
  readonly groupInterval?: string;
  /** `repeat_interval`. @default - the parent route's */
  readonly repeatInterval?: string;
  /** Child `routes`. @default - none */
  readonly routes?: AlertmanagerRoute[];
}

/** What {@link renderAlertmanagerConfig} needs. */
export interface AlertmanagerConfigOptions {
  readonly groupBy: string[];
  readonly groupWait: string;
  readonly groupInterval: string;
  readonly repeatInterval: string;
  readonly slack?: SlackReceiverOptions;
  readonly pagerDuty?: PagerDutyReceiverOptions;
  readonly email?: EmailReceiverOptions;
  /** @default - the Watchdog goes to the `null` receiver */
  readonly deadMansSwitch?: DeadMansSwitchOptions;
  /** Routes tried before the built-in severity routes. */
  readonly routes: AlertmanagerRoute[];
}

/** The receivers a config with these options defines. */
export function configuredReceivers(options: Pick<AlertmanagerConfigOptions, 'slack' | 'pagerDuty' | 'email' | 'deadMansSwitch'>): ReceiverName[] {
  return [
    ReceiverName.NULL,
    ...(options.pagerDuty ? [ReceiverName.PAGERDUTY] : []),
    ...(options.slack ? [ReceiverName.SLACK] : []),
    ...(options.email ? [ReceiverName.EMAIL] : []),
    ...(options.deadMansSwitch ? [ReceiverName.DEAD_MANS_SWITCH] : []),
  ];
}

/**
 * Renders `alertmanager.yml`: critical alerts to PagerDuty and on to Slack and
 * e-mail, warnings to Slack and e-mail, the Watchdog to the dead-man's switch (or
 * nowhere), resolved notices
 * sent, warnings inhibited while the same alert is critical.
 */
export function renderAlertmanagerConfig(options: AlertmanagerConfigOptions): Record<string, unknown> {
  const receivers: Record<string, unknown>[] = [{ name: ReceiverName.NULL }];
  if (options.pagerDuty) {
    receivers.push({ name: ReceiverName.PAGERDUTY, pagerduty_configs: [{ send_resolved: true, routing_key_file: options.pagerDuty.routingKeyFile }] });
  }
  if (options.slack) {
    receivers.push({ name: ReceiverName.SLACK, slack_configs: [{ send_resolved: true, api_url_file: options.slack.apiUrlFile, channel: options.slack.channel }] });
  }
  if (options.deadMansSwitch) {
    // Resolved notices would never come (the Watchdog never resolves); silence is the signal.
    receivers.push({ name: ReceiverName.DEAD_MANS_SWITCH, webhook_configs: [{ send_resolved: false, url_file: options.deadMansSwitch.urlFile }] });
  }
  if (options.email) {
    const e = options.email;
    receivers.push({
      name: ReceiverName.EMAIL,
      email_configs: [{
        send_resolved: true,
        to: e.to,
        from: e.from,
        smarthost: e.smarthost,
        auth_username: e.authUsername,
        auth_password_file: e.authPasswordFile,
        require_tls: e.requireTls,
      }],
    });
  }

  // Chat and mail get every critical and warning alert; each but the last continues.
  const chat = [options.slack ? ReceiverName.SLACK : undefined, options.email ? ReceiverName.EMAIL : undefined]
    .filter((r): r is ReceiverName => r !== undefined);
  const severityRoutes: AlertmanagerRoute[] = [];
  if (options.pagerDuty) severityRoutes.push({ receiver: ReceiverName.PAGERDUTY, matchers: ['severity="critical"'] });
  for (const receiver of chat) severityRoutes.push({ receiver, matchers: ['severity=~"critical|warning"'] });
  const chained = severityRoutes.map((r, i) => (i < severityRoutes.length - 1 ? { ...r, continue: true } : r));

  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: chat[0] ?? ReceiverName.NULL,
      group_by: options.groupBy,
      group_wait: options.groupWait,
      group_interval: options.groupInterval,
      repeat_interval: options.repeatInterval,
      routes: [
        ...options.routes,
        // Always firing by design; a dead-man's switch watches it, not people.
        watchdogRoute(options.deadMansSwitch),
        ...chained,
      ].map(renderRoute),
    },
    inhibit_rules: [{
      source_matchers: ['severity="critical"'],
      target_matchers: ['severity="warning"'],
      equal: ['alertname', 'namespace'],
    }],
    receivers,
  };
}

function watchdogRoute(deadMansSwitch?: DeadMansSwitchOptions): AlertmanagerRoute {
  const matchers = ['alertname="Watchdog"'];
  if (!deadMansSwitch) return { receiver: ReceiverName.NULL, matchers };
  const every = deadMansSwitch.interval;
  return { receiver: ReceiverName.DEAD_MANS_SWITCH, matchers, groupWait: '0s', groupInterval: every, repeatInterval: every };
}

function renderRoute(route: AlertmanagerRoute): Record<string, unknown> {
  const out: Record<string, unknown> = { receiver: route.receiver, matchers: route.matchers };
  if (route.continue) out.continue = true;
  if (route.groupBy) out.group_by = route.groupBy;
  if (route.groupWait) out.group_wait = route.groupWait;
  if (route.groupInterval) out.group_interval = route.groupInterval;
  if (route.repeatInterval) out.repeat_interval = route.repeatInterval;
  if (route.routes && route.routes.length > 0) out.routes = route.routes.map(renderRoute);
  return out;
}
