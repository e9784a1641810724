import { IConstruct } from 'constructs';
import { ErrorScope, invalidProp } from '../core/errors';
import { validateInteger } from '../core/names';
import { ExternalPeer } from '../core/network-flow';
import { SecretKeyRef } from '../core/secrets';

/** Where Alertmanager sends notifications (Slack, PagerDuty, SMTP), outside the cluster. */
export const ALERT_RECEIVERS_PEER: ExternalPeer = {
  name: 'alert-receivers',
  address: { kind: 'cidr', option: 'alertReceiversCidr' },
};

/** The kinds of receiver integration {@link AlertReceiver} renders, by their `<kind>_configs` key. */
export enum ReceiverKind {
  /** Drops notifications (a receiver without integrations). */
  NULL = 'null',
  SLACK = 'slack_configs',
  PAGERDUTY = 'pagerduty_configs',
  EMAIL = 'email_configs',
  WEBHOOK = 'webhook_configs',
  /** Microsoft Teams through a Workflows (Power Automate) webhook: `msteamsv2_configs`. */
  MS_TEAMS = 'msteamsv2_configs',
  OPSGENIE = 'opsgenie_configs',
}

/** A receiver of an Alertmanager, as routes refer to it: get one from `addReceiver` or the `receivers` prop. */
export interface IAlertReceiver {
  /** `receivers[].name` in alertmanager.yml. */
  readonly name: string;
  readonly kind: ReceiverKind;
}

/** What every receiver kind accepts. */
export interface AlertReceiverOptions {
  /** `send_resolved`: also notify when the alert resolves. @default true */
  readonly sendResolved?: boolean;
}

/** Slack through an incoming webhook. */
export interface SlackReceiverOptions extends AlertReceiverOptions {
  /** `channel`, such as `#payments-alerts`. */
  readonly channel: string;
  /** The Secret key holding the webhook URL (`api_url_file`). @default { name: 'alertmanager-<receiver>', key: 'api-url' } */
  readonly secret?: SecretKeyRef;
}

/** PagerDuty through the Events API v2. */
export interface PagerDutyReceiverOptions extends AlertReceiverOptions {
  /** The Secret key holding the integration key (`routing_key_file`). @default { name: 'alertmanager-<receiver>', key: 'routing-key' } */
  readonly secret?: SecretKeyRef;
}

/** E-mail over SMTP. */
export interface EmailReceiverOptions extends AlertReceiverOptions {
  /** `to`: recipients, comma-separated. */
  readonly to: string;
  /** `from`: the sender address. */
  readonly from: string;
  /** `smarthost`: `host:port` of the SMTP server; the port is opened in the network policy. */
  readonly smarthost: string;
  /** `auth_username`. */
  readonly username: string;
  /** The Secret key holding the SMTP password (`auth_password_file`). @default { name: 'alertmanager-<receiver>', key: 'password' } */
  readonly password?: SecretKeyRef;
  /** `require_tls`. @default true */
  readonly requireTls?: boolean;
}

/** Any HTTP endpoint that takes Alertmanager's webhook JSON. */
export interface WebhookReceiverOptions extends AlertReceiverOptions {
  /** The Secret key holding the URL (`url_file`). @default { name: 'alertmanager-<receiver>', key: 'url' } */
  readonly secret?: SecretKeyRef;
  /**
   * The URL's port, opened in the network policy: the URL itself is secret and unknown at synth time.
   * @default 443
   */
  readonly port?: number;
}

/** Microsoft Teams through a Workflows webhook (the Office 365 connectors are retired). */
export interface MsTeamsReceiverOptions extends AlertReceiverOptions {
  /** The Secret key holding the Workflows webhook URL (`webhook_url_file`). @default { name: 'alertmanager-<receiver>', key: 'webhook-url' } */
  readonly secret?: SecretKeyRef;
}

/** Opsgenie through its Alert API. */
export interface OpsgenieReceiverOptions extends AlertReceiverOptions {
  /** The Secret key holding the API key (`api_key_file`). @default { name: 'alertmanager-<receiver>', key: 'api-key' } */
  readonly secret?: SecretKeyRef;
  /** `api_url`, such as `https://api.eu.opsgenie.com/` for the EU instance. @default - Alertmanager's `https://api.opsgenie.com/` */
  readonly apiUrl?: string;
}

/** A Secret key a receiver reads as a file, and why. */
export interface ReceiverSecret {
  /** The option naming it (`secret`, `password`). */
  readonly option: string;
  readonly ref: SecretKeyRef;
  /** For `externalSecrets`, such as `Slack incoming webhook URL`. */
  readonly purpose: string;
}

/** A receiver checked against its Alertmanager: what goes in alertmanager.yml and the ports it connects to. */
export interface ResolvedReceiver {
  /** The `receivers[]` entry. */
  readonly config: Record<string, unknown>;
  /** TCP ports of the receiver's service, outside the cluster. */
  readonly ports: number[];
}

const RECEIVER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:[0-9]{1,5}$/;
const HTTPS_URL = /^https:\/\/[^/\s"'{}<>]+(\/[^\s"'{}<>]*)?$/;

/**
 * A named Alertmanager receiver: one integration (Slack, PagerDuty, e-mail, webhook,
 * Microsoft Teams, Opsgenie) whose credential is a file mounted from a Secret, never inline.
 * Add it with `alertmanager.addReceiver(...)` or the `receivers` prop, then route to it:
 *
 *   const payments = alertmanager.addReceiver(AlertReceiver.slack('slack-payments', { channel: '#payments' }));
 *   alertmanager.addRoute({ receiver: payments, matchers: ['namespace="payments"'] });
 *
 * The object is the route's handle, so it can sit in an environment's props beside the route.
 */
export class AlertReceiver implements IAlertReceiver {
  /** The receiver every Alertmanager has: drops what it gets (`name: null`). Route alerts nobody should see to it. */
  public static readonly NULL = new AlertReceiver('null', ReceiverKind.NULL, {}, []);

  /** Slack: `slack_configs` with `api_url_file` and `channel`. */
  public static slack(name: string, options: SlackReceiverOptions): AlertReceiver {
    const secret = options.secret ?? defaultSecret(name, 'api-url');
    return new AlertReceiver(name, ReceiverKind.SLACK, options, [
      { option: 'secret', ref: secret, purpose: 'Slack incoming webhook URL' },
    ]);
  }

  /** PagerDuty: `pagerduty_configs` with `routing_key_file` (Events API v2). */
  public static pagerDuty(name: string, options: PagerDutyReceiverOptions = {}): AlertReceiver {
    const secret = options.secret ?? defaultSecret(name, 'routing-key');
    return new AlertReceiver(name, ReceiverKind.PAGERDUTY, options, [
      { option: 'secret', ref: secret, purpose: 'PagerDuty Events API v2 integration key' },
    ]);
  }

  /** E-mail: `email_configs` with `auth_password_file`. */
  public static email(name: string, options: EmailReceiverOptions): AlertReceiver {
    const password = options.password ?? defaultSecret(name, 'password');
    return new AlertReceiver(name, ReceiverKind.EMAIL, options, [
      { option: 'password', ref: password, purpose: 'SMTP password' },
    ]);
  }

  /** Webhook: `webhook_configs` with `url_file`; give `port` when the URL's is not 443. */
  public static webhook(name: string, options: WebhookReceiverOptions = {}): AlertReceiver {
    const secret = options.secret ?? defaultSecret(name, 'url');
    return new AlertReceiver(name, ReceiverKind.WEBHOOK, options, [
      { option: 'secret', ref: secret, purpose: 'webhook URL' },
    ]);
  }

  /** Microsoft Teams: `msteamsv2_configs` with `webhook_url_file` (a Workflows webhook). */
  public static msTeams(name: string, options: MsTeamsReceiverOptions = {}): AlertReceiver {
    const secret = options.secret ?? defaultSecret(name, 'webhook-url');
    return new AlertReceiver(name, ReceiverKind.MS_TEAMS, options, [
      { option: 'secret', ref: secret, purpose: 'Microsoft Teams Workflows webhook URL' },
    ]);
  }

  /** Opsgenie: `opsgenie_configs` with `api_key_file`. */
  public static opsgenie(name: string, options: OpsgenieReceiverOptions = {}): AlertReceiver {
    const secret = options.secret ?? defaultSecret(name, 'api-key');
    return new AlertReceiver(name, ReceiverKind.OPSGENIE, options, [
      { option: 'secret', ref: secret, purpose: 'Opsgenie API key' },
    ]);
  }

  /**
   * The Secret keys this receiver reads, one file each. Their purposes name the receiver
   * once it is added (see `Alertmanager.addReceiver`).
   */
  public readonly secrets: readonly ReceiverSecret[];

  private constructor(
    public readonly name: string,
    public readonly kind: ReceiverKind,
    private readonly options: AlertReceiverOptions,
    secrets: ReceiverSecret[],
  ) {
    this.secrets = secrets;
  }

  /**
   * Checks the name and options for `scope` (errors name `prop`) and renders the
   * `receivers[]` entry; `secretFile` gives the path each Secret key is mounted at.
   * @internal
   */
  public resolve(
    scope: IConstruct,
    prop: string,
    secretFile: (secret: ReceiverSecret) => string,
  ): ResolvedReceiver {
    if (typeof this.name !== 'string' || !RECEIVER_NAME.test(this.name) || this.name.length > 63) {
      invalidProp(
        scope,
        `${prop}.name`,
        this.name,
        'must be a DNS-1123 label of at most 63 characters',
        "use lower-case letters, digits and '-', such as 'slack-payments'",
      );
    }
    if (this.kind === ReceiverKind.NULL) return { config: { name: this.name }, ports: [] };
    const files = this.secrets.map(secretFile);
    const common = { send_resolved: this.options.sendResolved ?? true };
    const configs = (settings: Record<string, unknown>, ports: number[]): ResolvedReceiver => ({
      config: { name: this.name, [this.kind]: [{ ...common, ...settings }] },
      ports,
    });
    switch (this.kind) {
      case ReceiverKind.SLACK: {
        const o = this.options as SlackReceiverOptions;
        return configs(
          { api_url_file: files[0], channel: nonEmpty(scope, `${prop}.channel`, o.channel) },
          [443],
        );
      }
      case ReceiverKind.PAGERDUTY:
        return configs({ routing_key_file: files[0] }, [443]);
      case ReceiverKind.EMAIL: {
        const o = this.options as EmailReceiverOptions;
        if (typeof o.smarthost !== 'string' || !HOST_PORT.test(o.smarthost)) {
          invalidProp(
            scope,
            `${prop}.smarthost`,
            o.smarthost,
            'must be host:port',
            "use for example 'smtp.example.com:587'",
          );
        }
        const port = validateInteger(
          scope,
          `${prop}.smarthost`,
          Number(o.smarthost.split(':')[1]),
          1,
          65535,
        );
        if (typeof o.from !== 'string' || !o.from.includes('@')) {
          invalidProp(
            scope,
            `${prop}.from`,
            o.from,
            'is not an e-mail address',
            "use for example 'alerts@example.com'",
          );
        }
        return configs(
          {
            to: nonEmpty(scope, `${prop}.to`, o.to),
            from: o.from,
            smarthost: o.smarthost,
            auth_username: nonEmpty(scope, `${prop}.username`, o.username),
            auth_password_file: files[0],
            require_tls: o.requireTls ?? true,
          },
          [port],
        );
      }
      case ReceiverKind.WEBHOOK: {
        const o = this.options as WebhookReceiverOptions;
        return configs({ url_file: files[0] }, [
          validateInteger(scope, `${prop}.port`, o.port ?? 443, 1, 65535),
        ]);
      }
      case ReceiverKind.MS_TEAMS:
        return configs({ webhook_url_file: files[0] }, [443]);
      case ReceiverKind.OPSGENIE: {
        const o = this.options as OpsgenieReceiverOptions;
        if (o.apiUrl === undefined) return configs({ api_key_file: files[0] }, [443]);
        if (typeof o.apiUrl !== 'string' || !HTTPS_URL.test(o.apiUrl)) {
          invalidProp(
            scope,
            `${prop}.apiUrl`,
            o.apiUrl,
            'must be an https URL',
            "use for example 'https://api.eu.opsgenie.com/'",
          );
        }
        return configs({ api_key_file: files[0], api_url: o.apiUrl }, [
          Number(new URL(o.apiUrl).port || 443),
        ]);
      }
    }
  }
}

function defaultSecret(receiver: string, key: string): SecretKeyRef {
  return { name: `alertmanager-${receiver}`, key };
}

function nonEmpty(scope: ErrorScope, prop: string, value: string): string {
  if (typeof value !== 'string' || !value.trim())
    invalidProp(scope, prop, value, 'must not be empty', 'give a value');
  return value;
}
