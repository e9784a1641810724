import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component, ComponentProps } from '../core/component';
import { configChecksum, renderYaml } from '../core/config';
import { ServiceEndpoint } from '../core/endpoint';
import { NetworkFlow, NetworkPeer } from '../core/network-flow';
import { invalidProp } from '../core/errors';
import { Images } from '../core/images';
import { selectorLabels } from '../core/labels';
import { validateInteger } from '../core/names';
import { httpProbe } from '../core/probes';
import { ContainerResources } from '../core/resources';
import { SecretKeyRef, validateSecretRef } from '../core/secrets';
import {
  addWorkload,
  fieldRefEnv,
  renderContainer,
  scrapeAnnotations,
  spreadPods,
  Spread,
} from '../core/workload';
import { durationToSeconds, validateDuration } from '../core/duration';
import { PersistentStorage, renderVolumeClaimTemplate } from '../core/storage';
import {
  ALERT_RECEIVERS_PEER,
  AlertReceiver,
  EmailReceiverOptions,
  IAlertReceiver,
  ReceiverSecret,
  ResolvedReceiver,
} from './alert-receiver';
import {
  AlertmanagerConfigOptions,
  AlertmanagerRoute,
  renderAlertmanagerConfig,
} from './alertmanager-config';
import { externalUrlArgs } from './external-url';
import { IAlertmanager } from './alertmanager-reference';

/** Slack notifications through an incoming webhook. */
export interface AlertmanagerSlackOptions {
  /** `channel`, such as `#alerts`. */
  readonly channel: string;
  /** The Secret key holding the webhook URL. @default { name: 'alertmanager-slack', key: 'api-url' } */
  readonly secret?: SecretKeyRef;
}

/** PagerDuty notifications through the Events API v2. */
export interface AlertmanagerPagerDutyOptions {
  /** The Secret key holding the integration (routing) key. @default { name: 'alertmanager-pagerduty', key: 'routing-key' } */
  readonly secret?: SecretKeyRef;
}

/** E-mail notifications over SMTP: the `email` receiver's options, with the shortcut's own Secret. */
export interface AlertmanagerEmailOptions extends EmailReceiverOptions {
  /** The Secret key holding the SMTP password (`auth_password_file`). @default { name: 'alertmanager-smtp', key: 'password' } */
  readonly password?: SecretKeyRef;
}

/** A dead-man's switch service (healthchecks.io, Dead Man's Snitch, PagerDuty heartbeats...) fed by the Watchdog. */
export interface AlertmanagerDeadMansSwitchOptions {
  /** The Secret key holding the service's webhook URL. @default { name: 'alertmanager-dead-mans-switch', key: 'url' } */
  readonly secret?: SecretKeyRef;
  /**
   * How often the Watchdog is sent; set the service to page after a few missed intervals.
   * @default '1m'
   */
  readonly interval?: string;
}

export interface AlertmanagerProps extends ComponentProps {
  /**
   * Alertmanager pods. More than one form a gossip cluster that shares
   * silences and the notification log, so each alert is notified once.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * The URL users reach Alertmanager at (`--web.external-url`), for the links in notifications.
   * The stack sets it from `access`. @default - the pod's own address
   */
  readonly externalUrl?: string;
  /** Volume for silences and the notification log. @default { size: '2Gi' } */
  readonly storage?: PersistentStorage;
  /** @default { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '256Mi' } */
  readonly resources?: ContainerResources;
  /** Warnings and critical alerts to Slack: the receiver `slack` of the built-in severity routing. @default - no Slack */
  readonly slack?: AlertmanagerSlackOptions;
  /** Critical alerts to PagerDuty: the receiver `pagerduty` of the built-in severity routing. @default - no PagerDuty */
  readonly pagerDuty?: AlertmanagerPagerDutyOptions;
  /** Warnings and critical alerts by e-mail: the receiver `email` of the built-in severity routing. @default - no e-mail */
  readonly email?: AlertmanagerEmailOptions;
  /**
   * More receivers, for `routes` to send to (a team's Slack channel, a webhook, Microsoft Teams,
   * Opsgenie...); more with `addReceiver`. They get only what a route sends them.
   * @default - none
   */
  readonly receivers?: AlertReceiver[];
  /**
   * `route.receiver`: where alerts that no route takes go.
   * @default - the `slack` receiver, else the `email` one, else `AlertReceiver.NULL`
   */
  readonly defaultReceiver?: IAlertReceiver;
  /**
   * Send the always-firing Watchdog to a dead-man's switch, which pages when it stops
   * arriving: the one alert that tells you the alerting path itself is broken.
   * @default - no dead-man's switch; the Watchdog is dropped
   */
  readonly deadMansSwitch?: AlertmanagerDeadMansSwitchOptions;
  /** `route.group_by`. @default ['alertname', 'namespace'] */
  readonly groupBy?: string[];
  /**
   * `route.group_wait`: how long a new group collects alerts before its first notice.
   * Short, since delivery within 30 s of the condition is the target.
   * @default '5s'
   */
  readonly groupWait?: string;
  /** `route.group_interval`. @default '5m' */
  readonly groupInterval?: string;
  /** `route.repeat_interval`. @default '4h' */
  readonly repeatInterval?: string;
  /**
   * Routes tried after the Watchdog's and before the built-in severity routes; more with
   * `addRoute`. Each names a receiver of this Alertmanager by its handle.
   * @default - none
   */
  readonly routes?: AlertmanagerRoute[];
  /** @default - Spread.PREFERRED with several replicas, else Spread.NONE */
  readonly spread?: Spread;
}

const PORT = 9093;
const CLUSTER_PORT = 9094;
const CONFIG_DIR = '/etc/alertmanager';
const CONFIG_FILE = 'alertmanager.yml';
const SECRETS_DIR = '/etc/alertmanager/secrets';
const DATA_DIR = '/alertmanager';
const UID = 65534;
const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '50m',
  memoryRequest: '128Mi',
  memoryLimit: '256Mi',
};

/** Which Alertmanager each receiver was added to, for the error on a route to another's. */
const receiverOwners = new WeakMap<IAlertReceiver, Alertmanager[]>();

/** The route timings of alertmanager.yml and the Watchdog's interval, as validated. */
type RouteTiming = Pick<
  AlertmanagerConfigOptions,
  'groupBy' | 'groupWait' | 'groupInterval' | 'repeatInterval'
> & { readonly watchdogInterval?: string };

/**
 * Prometheus Alertmanager as a StatefulSet: the Watchdog to a dead-man's switch, then the
 * routes to named receivers (`addReceiver`, `addRoute`), then routing by severity to
 * PagerDuty, Slack and e-mail; credentials read from files mounted from Secrets.
 */
export class Alertmanager extends Component implements IAlertmanager {
  /** The HTTP API and UI (port 9093). */
  public readonly endpoint: ServiceEndpoint;
  public readonly replicas: number;
  public readonly storage: PersistentStorage;
  /** Name of the headless Service the cluster peers find each other through. */
  public readonly clusterServiceName: string;
  /** Name of the ConfigMap holding `alertmanager.yml`. */
  public readonly configMapName: string;
  /** `host:port` of every cluster peer (empty with one replica: clustering off). */
  public readonly peers: string[];

  /** `route.group_wait`. */
  public readonly groupWait: string;
  /** `route.receiver`: where alerts no route takes go. */
  public readonly defaultReceiver: IAlertReceiver;
  /** The `slack` receiver of the severity routing, when `slack` is set. */
  public readonly slackReceiver?: IAlertReceiver;
  /** The `pagerduty` receiver of the severity routing, when `pagerDuty` is set. */
  public readonly pagerDutyReceiver?: IAlertReceiver;
  /** The `email` receiver of the severity routing, when `email` is set. */
  public readonly emailReceiver?: IAlertReceiver;
  /** The `dead-mans-switch` receiver the Watchdog goes to, when `deadMansSwitch` is set. */
  public readonly deadMansSwitchReceiver?: IAlertReceiver;
  private readonly routes: AlertmanagerRoute[] = [];
  /** Every receiver but `null`, in the order of alertmanager.yml. */
  private readonly receiverOrder: AlertReceiver[] = [];
  private readonly resolved = new Map<IAlertReceiver, ResolvedReceiver>([
    [AlertReceiver.NULL, { config: { name: AlertReceiver.NULL.name }, ports: [] }],
  ]);
  private readonly receiverPorts = new Set<number>();
  /** Secret names mounted, in mount order. */
  private readonly mountedSecrets: string[] = [];
  // Read by the StatefulSet at synth time, so receivers added later mount their Secrets.
  private readonly volumes: k8s.Volume[] = [
    { name: 'config', configMap: { name: `${this.name}-config` } },
  ];
  private readonly volumeMounts: k8s.VolumeMount[] = [
    { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
    { name: 'data', mountPath: DATA_DIR },
  ];
  private readonly renderConfig: () => string;
  /** renderConfig's last result: the ConfigMap and the pods' checksum ask for it at synth. Cleared by every add. */
  private renderedConfig?: string;

  constructor(scope: Construct, id: string, props: AlertmanagerProps = {}) {
    super(scope, id, props, 'alertmanager', Images.alertmanager);
    this.replicas = validateInteger(this, 'replicas', props.replicas ?? 1, 1);
    this.storage = props.storage ?? { size: '2Gi' };
    const groupBy = props.groupBy ?? ['alertname', 'namespace'];
    if (groupBy.length === 0)
      invalidProp(this, 'groupBy', groupBy, 'must not be empty', "group at least by 'alertname'");
    const groupWait = validateDuration(this, 'groupWait', props.groupWait ?? '5s');
    this.groupWait = groupWait;
    const groupInterval = validateDuration(this, 'groupInterval', props.groupInterval ?? '5m');
    const repeatInterval = validateDuration(this, 'repeatInterval', props.repeatInterval ?? '4h');
    const spread = props.spread ?? (this.replicas > 1 ? Spread.PREFERRED : Spread.NONE);

    this.slackReceiver = props.slack && this.builtInSlack(props.slack);
    this.pagerDutyReceiver = props.pagerDuty && this.builtInPagerDuty(props.pagerDuty);
    this.emailReceiver = props.email && this.builtInEmail(props.email);
    this.deadMansSwitchReceiver =
      props.deadMansSwitch && this.builtInDeadMansSwitch(props.deadMansSwitch);
    const watchdogInterval =
      props.deadMansSwitch &&
      validateDuration(this, 'deadMansSwitch.interval', props.deadMansSwitch.interval ?? '1m');
    // The order of the built-in receivers in alertmanager.yml, kept from when they were the only ones.
    this.receiverOrder.push(...this.builtInReceivers);
    (props.receivers ?? []).forEach((receiver, i) => this.register(`receivers[${i}]`, receiver));
    this.defaultReceiver = props.defaultReceiver ?? this.chatReceivers[0] ?? AlertReceiver.NULL;
    this.checkOwnReceiver('defaultReceiver', this.defaultReceiver);
    for (const route of props.routes ?? []) this.addRoute(route);

    // Rendered at synth time so receivers and routes added after construction are included.
    const timing = { groupBy, groupWait, groupInterval, repeatInterval, watchdogInterval };
    this.renderConfig = () => (this.renderedConfig ??= this.renderAlertmanagerYml(timing));
    const serviceAccountName = this.addServiceAccount();
    this.configMapName = this.addConfigMap('config', `${this.name}-config`, 'server', {
      [CONFIG_FILE]: Lazy.any({ produce: () => this.renderConfig() }),
    });
    this.clusterServiceName = `${this.name}-cluster`;
    this.endpoint = this.addServices();
    this.peers = this.clusterPeers();
    this.addStatefulSet(props, serviceAccountName, spread);
  }

  /** The longest `group_wait` of the routing tree: how long a new group can wait for its first notice. */
  public get longestGroupWaitSeconds(): number {
    const waits = (routes: readonly AlertmanagerRoute[]): string[] =>
      routes.flatMap((r) => [...(r.groupWait ? [r.groupWait] : []), ...waits(r.routes ?? [])]);
    return Math.max(...[this.groupWait, ...waits(this.routes)].map(durationToSeconds));
  }

  /** Every receiver of this Alertmanager, `null` first, in the order of alertmanager.yml. */
  public get receivers(): IAlertReceiver[] {
    return [AlertReceiver.NULL, ...this.receiverOrder];
  }

  /**
   * Adds a receiver (its Secret mounted, recorded in `externalSecrets`, its port opened in the
   * network flows) and returns its handle for `addRoute`. It gets only what a route sends it.
   */
  public addReceiver(receiver: AlertReceiver): IAlertReceiver {
    const prop = `receivers[${this.receiverOrder.length - this.builtInCount}]`;
    this.register(prop, receiver);
    return receiver;
  }

  /**
   * Adds a route, tried after the Watchdog's (which no route can take) and before the
   * built-in severity routes. Its receiver must be one of this Alertmanager's.
   */
  public addRoute(route: AlertmanagerRoute): void {
    this.validateRoute(`routes[${this.routes.length}]`, route);
    this.routes.push(route);
    this.renderedConfig = undefined;
  }

  private builtInSlack(slack: AlertmanagerSlackOptions): AlertReceiver {
    return this.builtIn(
      'slack',
      AlertReceiver.slack('slack', {
        channel: slack.channel,
        secret: slack.secret ?? { name: 'alertmanager-slack', key: 'api-url' },
      }),
    );
  }

  private builtInPagerDuty(pagerDuty: AlertmanagerPagerDutyOptions): AlertReceiver {
    return this.builtIn(
      'pagerDuty',
      AlertReceiver.pagerDuty('pagerduty', {
        secret: pagerDuty.secret ?? { name: 'alertmanager-pagerduty', key: 'routing-key' },
      }),
    );
  }

  private builtInEmail(email: AlertmanagerEmailOptions): AlertReceiver {
    return this.builtIn(
      'email',
      AlertReceiver.email('email', {
        ...email,
        password: email.password ?? { name: 'alertmanager-smtp', key: 'password' },
      }),
    );
  }

  /** Resolved notices would never come (the Watchdog never resolves); silence is the signal. */
  private builtInDeadMansSwitch(deadMansSwitch: AlertmanagerDeadMansSwitchOptions): AlertReceiver {
    return this.builtIn(
      'deadMansSwitch',
      AlertReceiver.webhook('dead-mans-switch', {
        secret: deadMansSwitch.secret ?? {
          name: 'alertmanager-dead-mans-switch',
          key: 'url',
        },
        sendResolved: false,
      }),
      "dead-man's switch webhook URL the Watchdog is sent to",
    );
  }

  /** The built-in receivers there are, in their order in alertmanager.yml. */
  private get builtInReceivers(): AlertReceiver[] {
    return [
      this.pagerDutyReceiver,
      this.slackReceiver,
      this.deadMansSwitchReceiver,
      this.emailReceiver,
    ].filter((r): r is AlertReceiver => r !== undefined);
  }

  /** The chat and e-mail receivers of the severity routing. */
  private get chatReceivers(): AlertReceiver[] {
    return [this.slackReceiver, this.emailReceiver].filter(
      (r): r is AlertReceiver => r !== undefined,
    );
  }

  /** alertmanager.yml, with every receiver and route added so far. */
  private renderAlertmanagerYml(timing: RouteTiming): string {
    return renderYaml(
      renderAlertmanagerConfig({
        ...timing,
        defaultReceiver: this.defaultReceiver,
        receivers: [AlertReceiver.NULL, ...this.receiverOrder].map(
          (r) => this.resolved.get(r)!.config,
        ),
        watchdog: {
          receiver: this.deadMansSwitchReceiver ?? AlertReceiver.NULL,
          interval: timing.watchdogInterval,
        },
        routes: this.routes,
        severityRouting: { pagerDuty: this.pagerDutyReceiver, chat: this.chatReceivers },
      }),
    );
  }

  /** The Service of the API and UI, and the headless Service of the cluster peers. */
  private addServices(): ServiceEndpoint {
    const [endpoint] = this.addService('service', this.name, 'server', [
      { name: 'http', port: PORT },
    ]);
    // Governs the StatefulSet's pod DNS names; peers must resolve before they are ready.
    // A lone pod has no mesh port, so its governing Service names the HTTP port instead.
    this.addService(
      'cluster-service',
      this.clusterServiceName,
      'server',
      [this.replicas > 1 ? { name: 'mesh-tcp', port: CLUSTER_PORT } : { name: 'http', port: PORT }],
      { headless: true, publishNotReadyAddresses: true },
    );

    if (this.replicas > 1) {
      this.connectTo('server', { peer: this.podPeer('server') }, 'cluster gossip', [
        { port: CLUSTER_PORT, protocol: 'TCP' },
        { port: CLUSTER_PORT, protocol: 'UDP' },
      ]);
    }
    return endpoint;
  }

  /** `host:port` of every cluster peer, through the headless Service. */
  private clusterPeers(): string[] {
    if (this.replicas < 2) return [];
    return Array.from(
      { length: this.replicas },
      (_, i) =>
        `${this.name}-${i}.${this.clusterServiceName}.${this.namespace}.svc:${CLUSTER_PORT}`,
    );
  }

  /** The server pods, clustered when there is more than one, and their disruption budget. */
  private addStatefulSet(
    props: AlertmanagerProps,
    serviceAccountName: string,
    spread: Spread,
  ): void {
    const identity = this.identity('server');
    const clusterArgs =
      this.replicas > 1
        ? [
            `--cluster.listen-address=0.0.0.0:${CLUSTER_PORT}`,
            `--cluster.advertise-address=$(POD_IP):${CLUSTER_PORT}`,
            ...this.peers.map((peer) => `--cluster.peer=${peer}`),
          ]
        : // An empty listen address turns clustering off, so a lone pod does not wait for peers.
          ['--cluster.listen-address='];

    const container = renderContainer(this, 'resources', {
      name: 'alertmanager',
      image: this.image,
      args: [
        `--config.file=${CONFIG_DIR}/${CONFIG_FILE}`,
        `--storage.path=${DATA_DIR}`,
        `--web.listen-address=:${PORT}`,
        ...externalUrlArgs(
          this,
          'externalUrl',
          props.externalUrl,
          'https://alertmanager.example.com',
        ),
        ...clusterArgs,
      ],
      env: this.replicas > 1 ? [fieldRefEnv('POD_IP', 'status.podIP')] : [],
      ports: [
        { name: 'http', containerPort: PORT },
        ...(this.replicas > 1
          ? [
              { name: 'mesh-tcp', containerPort: CLUSTER_PORT },
              { name: 'mesh-udp', containerPort: CLUSTER_PORT, protocol: 'UDP' as const },
            ]
          : []),
      ],
      resources: props.resources ?? DEFAULT_RESOURCES,
      readinessProbe: httpProbe('readiness', '/-/ready', 'http'),
      livenessProbe: httpProbe('liveness', '/-/healthy', 'http'),
      volumeMounts: this.volumeMounts,
      runAsUser: UID,
    });

    addWorkload(this, 'statefulset', {
      metadata: this.metadata(this.name, 'server'),
      spec: {
        kind: 'StatefulSet',
        replicas: this.replicas,
        serviceName: this.clusterServiceName,
        podManagementPolicy: 'Parallel',
        pod: {
          identity,
          serviceAccountName,
          automountServiceAccountToken: false,
          containers: [container],
          volumes: this.volumes,
          annotations: {
            ...scrapeAnnotations(PORT),
            'checksum/config': Lazy.any({
              produce: () => configChecksum({ [CONFIG_FILE]: this.renderConfig() }),
            }),
          },
          uid: UID,
          ...spreadPods(identity, spread),
        },
        volumeClaimTemplates: [
          renderVolumeClaimTemplate(
            this,
            'storage',
            'data',
            this.storage,
            { example: '2Gi' },
            selectorLabels(identity),
          ),
        ],
      },
    });
    this.addDisruptionBudget('pdb', this.name, 'server', this.replicas);
  }

  private get builtInCount(): number {
    return this.builtInReceivers.length;
  }

  /** A receiver of the severity routing: registered now, placed in `receiverOrder` by the constructor. */
  private builtIn(prop: string, receiver: AlertReceiver, purpose?: string): AlertReceiver {
    this.resolve(prop, receiver, (secret) => purpose ?? secret.purpose);
    return receiver;
  }

  private register(prop: string, receiver: AlertReceiver): void {
    if (!(receiver instanceof AlertReceiver)) {
      invalidProp(
        this,
        prop,
        receiver,
        'is not an AlertReceiver',
        "create it with AlertReceiver.slack('name', {...}) or another factory",
      );
    }
    this.resolve(prop, receiver, (secret) => `${secret.purpose} of receiver '${receiver.name}'`);
    this.receiverOrder.push(receiver);
    this.renderedConfig = undefined;
  }

  private resolve(
    prop: string,
    receiver: AlertReceiver,
    purpose: (secret: ReceiverSecret) => string,
  ): void {
    if (receiver === AlertReceiver.NULL)
      invalidProp(
        this,
        prop,
        receiver.name,
        'is built in',
        'route to AlertReceiver.NULL without adding it',
      );
    if (this.resolved.has(receiver))
      invalidProp(this, prop, receiver.name, 'is added twice', 'add each receiver once');
    const taken = [...this.resolved.keys()].find((r) => r.name === receiver.name);
    if (taken) {
      invalidProp(
        this,
        `${prop}.name`,
        receiver.name,
        'is the name of another receiver of this Alertmanager',
        `give each receiver its own name (taken: ${[...this.resolved.keys()].map((r) => r.name).join(', ')})`,
      );
    }
    const resolved = receiver.resolve(this, prop, (secret) =>
      this.secretFile(`${prop}.${secret.option}`, secret.ref, purpose(secret)),
    );
    this.resolved.set(receiver, resolved);
    receiverOwners.set(receiver, [...(receiverOwners.get(receiver) ?? []), this]);
    resolved.ports.forEach((port) => this.receiverPorts.add(port));
  }

  /** One flow to the receivers, on every port they use, read at synthesis so receivers added late count. */
  protected discoveredFlows(): NetworkFlow[] {
    if (this.receiverPorts.size === 0) return [];
    return [
      {
        from: this.podPeer('server'),
        to: NetworkPeer.external(ALERT_RECEIVERS_PEER),
        ports: [...this.receiverPorts].map((port) => ({ port })),
        purpose: 'sends notifications',
      },
    ];
  }

  /** Every Secret is mounted once as a directory; receivers read their key's file. */
  private secretFile(prop: string, ref: SecretKeyRef, purpose: string): string {
    validateSecretRef(this, prop, ref);
    if (!this.mountedSecrets.includes(ref.name)) {
      const volume = `secret-${this.mountedSecrets.length}`;
      this.mountedSecrets.push(ref.name);
      this.volumes.push({ name: volume, secret: { secretName: ref.name, defaultMode: 0o440 } });
      this.volumeMounts.push({
        name: volume,
        mountPath: `${SECRETS_DIR}/${ref.name}`,
        readOnly: true,
      });
    }
    this.addExternalSecret(ref, purpose);
    return `${SECRETS_DIR}/${ref.name}/${ref.key}`;
  }

  private checkOwnReceiver(prop: string, receiver: IAlertReceiver): void {
    if (this.resolved.has(receiver)) return;
    const names = this.receivers.map((r) => r.name).join(', ');
    const name = receiver?.name;
    const owners = receiverOwners.get(receiver) ?? [];
    if (owners.length > 0) {
      invalidProp(
        this,
        prop,
        name,
        `is a receiver of ${owners.map((o) => `Alertmanager '${o.name}' at '${o.node.path}'`).join(', ')}, not of this one`,
        `add it here too with addReceiver() or the receivers prop, or route to one of ${names}`,
      );
    }
    if (this.receivers.some((r) => r.name === name)) {
      invalidProp(
        this,
        prop,
        name,
        'is not the receiver of that name added here (another object with the same name)',
        'use the handle that addReceiver() returned or the object given in receivers',
      );
    }
    invalidProp(
      this,
      prop,
      name,
      'is not a receiver of this Alertmanager',
      `add it first with addReceiver() or the receivers prop, or route to one of ${names}`,
    );
  }

  private validateRoute(prop: string, route: AlertmanagerRoute): void {
    this.checkOwnReceiver(`${prop}.receiver`, route.receiver);
    if (route.matchers.length === 0 || route.matchers.some((m) => !m.trim())) {
      invalidProp(
        this,
        `${prop}.matchers`,
        route.matchers,
        'must be non-empty matchers',
        'give matchers such as \'namespace="payments"\'',
      );
    }
    if (route.groupWait) validateDuration(this, `${prop}.groupWait`, route.groupWait);
    if (route.groupInterval) validateDuration(this, `${prop}.groupInterval`, route.groupInterval);
    if (route.repeatInterval)
      validateDuration(this, `${prop}.repeatInterval`, route.repeatInterval);
    (route.routes ?? []).forEach((child, i) => this.validateRoute(`${prop}.routes[${i}]`, child));
  }

  private addExternalSecret(ref: SecretKeyRef, purpose: string): void {
    // One Secret may hold several receivers' keys: the record merges them, the prefix comes once.
    const known = this.externalSecrets.some((s) => s.name === ref.name);
    this.recordExternalSecret({
      name: ref.name,
      keys: [ref.key],
      purpose: known ? purpose : `Alertmanager: ${purpose}`,
    });
  }
}
