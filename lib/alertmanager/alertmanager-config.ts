/**
 * The typed parts of `alertmanager.yml` that this package sets, and the pure
 * renderer. Credentials are never in the file: receivers read them from files
 * (`api_url_file`, `routing_key_file`, `auth_password_file`...) mounted from Secrets.
 */
import { IAlertReceiver } from './alert-receiver';

/** A route of the routing tree (`route.routes[]`). */
export interface AlertmanagerRoute {
  /** `receiver`: a receiver added to the same Alertmanager (`addReceiver`, the `receivers` prop, or `AlertReceiver.NULL`). */
  readonly receiver: IAlertReceiver;
  /** `matchers`, such as `['namespace="payments"', 'severity=~"warning|critical"']`. */
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

/** The Watchdog's route: where the always-firing alert goes, and how often. */
export interface WatchdogRouteOptions {
  /** The dead-man's switch receiver, or the `null` one. */
  readonly receiver: IAlertReceiver;
  /** With a dead-man's switch: how often the Watchdog is re-sent (`group_interval` and `repeat_interval`). @default - the root's */
  readonly interval?: string;
}

/** The built-in severity routing: critical to `pagerDuty` and on to every `chat`, warnings to every `chat`. */
export interface SeverityRoutingOptions {
  /** @default - no paging */
  readonly pagerDuty?: IAlertReceiver;
  /** Receivers of critical and warning alerts, in order. */
  readonly chat: IAlertReceiver[];
}

/** What {@link renderAlertmanagerConfig} needs. */
export interface AlertmanagerConfigOptions {
  readonly groupBy: string[];
  readonly groupWait: string;
  readonly groupInterval: string;
  readonly repeatInterval: string;
  /** `route.receiver`: where alerts no route matches go. */
  readonly defaultReceiver: IAlertReceiver;
  /** The rendered `receivers[]` entries, in order. */
  readonly receivers: Record<string, unknown>[];
  readonly watchdog: WatchdogRouteOptions;
  /** User routes: after the Watchdog's, before the severity routes. */
  readonly routes: AlertmanagerRoute[];
  readonly severityRouting: SeverityRoutingOptions;
}

/**
 * Renders `alertmanager.yml`. The routes are, in order: the Watchdog's (first and without
 * `continue`, so no user matcher can take it from the dead-man's switch), the user routes,
 * then critical to PagerDuty and on to chat and e-mail, warnings to chat and e-mail.
 * Resolved notices are sent; warnings are inhibited while the same alert is critical.
 */
export function renderAlertmanagerConfig(
  options: AlertmanagerConfigOptions,
): Record<string, unknown> {
  // Chat and mail get every critical and warning alert; each but the last continues.
  const { pagerDuty, chat } = options.severityRouting;
  const severityRoutes: AlertmanagerRoute[] = [];
  if (pagerDuty) severityRoutes.push({ receiver: pagerDuty, matchers: ['severity="critical"'] });
  for (const receiver of chat)
    severityRoutes.push({ receiver, matchers: ['severity=~"critical|warning"'] });
  const chained = severityRoutes.map((r, i) =>
    i < severityRoutes.length - 1 ? { ...r, continue: true } : r,
  );

  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: options.defaultReceiver.name,
      group_by: options.groupBy,
      group_wait: options.groupWait,
      group_interval: options.groupInterval,
      repeat_interval: options.repeatInterval,
      routes: [
        // Always firing by design; a dead-man's switch watches it, not people.
        watchdogRoute(options.watchdog),
        ...options.routes,
        ...chained,
      ].map(renderRoute),
    },
    inhibit_rules: [
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ['alertname', 'namespace'],
      },
    ],
    receivers: options.receivers,
  };
}

function watchdogRoute(watchdog: WatchdogRouteOptions): AlertmanagerRoute {
  const matchers = ['alertname="Watchdog"'];
  const every = watchdog.interval;
  if (!every) return { receiver: watchdog.receiver, matchers };
  return {
    receiver: watchdog.receiver,
    matchers,
    groupWait: '0s',
    groupInterval: every,
    repeatInterval: every,
  };
}

function renderRoute(route: AlertmanagerRoute): Record<string, unknown> {
  const out: Record<string, unknown> = { receiver: route.receiver.name, matchers: route.matchers };
  if (route.continue) out.continue = true;
  if (route.groupBy) out.group_by = route.groupBy;
  if (route.groupWait) out.group_wait = route.groupWait;
  if (route.groupInterval) out.group_interval = route.groupInterval;
  if (route.repeatInterval) out.repeat_interval = route.repeatInterval;
  if (route.routes && route.routes.length > 0) out.routes = route.routes.map(renderRoute);
  return out;
}
