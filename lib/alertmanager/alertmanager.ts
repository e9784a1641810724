import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component, ComponentProps } from '../core/component';
import { configChecksum, renderYaml } from '../core/config';
import { ServiceEndpoint } from '../core/endpoint';
import { ExternalPeer } from '../core/network-flow';
import { invalidProp } from '../core/errors';
import { Images } from '../core/images';
import { selectorLabels } from '../core/labels';
import { externalUrlArgs, validateInteger } from '../core/names';
import { httpProbe } from '../core/probes';
import { ContainerResources } from '../core/resources';
import { SecretKeyRef, validateSecretRef } from '../core/secrets';
import { renderContainer, renderPodTemplate, scrapeAnnotations, spreadPods, Spread } from '../core/workload';
import { durationToSeconds, validateDuration } from '../prometheus/duration';
import { PersistentStorage, renderVolumeClaimTemplate } from '../prometheus/storage';
import { AlertmanagerRoute, configuredReceivers, renderAlertmanagerConfig } from './alertmanager-config';
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

/** E-mail notifications over SMTP. */
export interface AlertmanagerEmailOptions {
  /** Recipients, comma-separated. */
  readonly to: string;
  /** Sender address. */
  readonly from: string;
  /** `host:port` of the SMTP server. */
  readonly smarthost: string;
  /** SMTP user name. */
  readonly username: string;
  /** The Secret key holding the SMTP password. @default { name: 'alertmanager-smtp', key: 'password' } */
  readonly password?: SecretKeyRef;
  /** `require_tls`. @default true */
  readonly requireTls?: boolean;
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
  /** Warnings and critical alerts to Slack. @default - no Slack */
  readonly slack?: AlertmanagerSlackOptions;
  /** Critical alerts to PagerDuty. @default - no PagerDuty */
  readonly pagerDuty?: AlertmanagerPagerDutyOptions;
  /** Warnings and critical alerts by e-mail. @default - no e-mail */
  readonly email?: AlertmanagerEmailOptions;
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
  /** Routes tried before the built-in ones; more with `addRoute`. @default - none */
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
const DEFAULT_RESOURCES: ContainerResources = { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '256Mi' };
const HOST_PORT = /^[A-Za-z0-9.-]+:[0-9]{1,5}$/;

/**
 * Prometheus Alertmanager as a StatefulSet: routing by severity to PagerDuty,
 * Slack and e-mail, credentials read from files mounted from Secrets.
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
  private readonly routes: AlertmanagerRoute[] = [];
  private readonly receivers: string[];
  private readonly renderConfig: () => string;

  constructor(scope: Construct, id: string, props: AlertmanagerProps = {}) {
    super(scope, id, props, 'alertmanager', Images.alertmanager);
    this.replicas = validateInteger(this, 'replicas', props.replicas ?? 1, 1);
    this.storage = props.storage ?? { size: '2Gi' };
    const groupBy = props.groupBy ?? ['alertname', 'namespace'];
    if (groupBy.length === 0) invalidProp(this, 'groupBy', groupBy, 'must not be empty', "group at least by 'alertname'");
    const groupWait = validateDuration(this, 'groupWait', props.groupWait ?? '5s');
    this.groupWait = groupWait;
    const groupInterval = validateDuration(this, 'groupInterval', props.groupInterval ?? '5m');
    const repeatInterval = validateDuration(this, 'repeatInterval', props.repeatInterval ?? '4h');
    const spread = props.spread ?? (this.replicas > 1 ? Spread.PREFERRED : Spread.NONE);
    const identity = this.identity('server');

    // Every Secret is mounted once as a directory; receivers read their key's file.
    const secrets = new Map<string, Set<string>>();
    const secretFile = (prop: string, ref: SecretKeyRef, purpose: string): string => {
      validateSecretRef(this, prop, ref);
      if (!secrets.has(ref.name)) secrets.set(ref.name, new Set());
      secrets.get(ref.name)!.add(ref.key);
      this.addExternalSecret(ref, purpose);
      return `${SECRETS_DIR}/${ref.name}/${ref.key}`;
    };

    const slack = props.slack && {
      channel: this.validateNonEmpty('slack.channel', props.slack.channel),
      apiUrlFile: secretFile('slack.secret', props.slack.secret ?? { name: 'alertmanager-slack', key: 'api-url' }, 'Slack incoming webhook URL'),
    };
    const pagerDuty = props.pagerDuty && {
      routingKeyFile: secretFile('pagerDuty.secret', props.pagerDuty.secret ?? { name: 'alertmanager-pagerduty', key: 'routing-key' }, 'PagerDuty Events API v2 integration key'),
    };
    const email = props.email && this.emailOptions(props.email, secretFile);
    const deadMansSwitch = props.deadMansSwitch && {
      urlFile: secretFile('deadMansSwitch.secret', props.deadMansSwitch.secret ?? { name: 'alertmanager-dead-mans-switch', key: 'url' },
        "dead-man's switch webhook URL the Watchdog is sent to"),
      interval: validateDuration(this, 'deadMansSwitch.interval', props.deadMansSwitch.interval ?? '1m'),
    };
    this.receivers = configuredReceivers({ slack, pagerDuty, email, deadMansSwitch });
    const receiverPorts = [...(slack || pagerDuty || deadMansSwitch ? [443] : []), ...(email ? [Number(email.smarthost.split(':')[1])] : [])];
    if (receiverPorts.length > 0) {
      this.connectTo('server', ExternalPeer.ALERT_RECEIVERS, 'sends notifications', [...new Set(receiverPorts)].map((port) => ({ port })));
    }
    for (const route of props.routes ?? []) this.addRoute(route);

    // Rendered at synth time so routes added after construction are included.
    this.renderConfig = () => renderYaml(renderAlertmanagerConfig({
      groupBy, groupWait, groupInterval, repeatInterval, slack, pagerDuty, email, deadMansSwitch, routes: this.routes,
    }));

    const serviceAccountName = this.addServiceAccount();
    this.configMapName = `${this.name}-config`;
    this.addConfigMap('config', this.configMapName, 'server', {
      [CONFIG_FILE]: Lazy.any({ produce: () => this.renderConfig() }),
    });

    [this.endpoint] = this.addService('service', this.name, 'server', [{ name: 'http', port: PORT }]);
    this.clusterServiceName = `${this.name}-cluster`;
    // Governs the StatefulSet's pod DNS names; peers must resolve before they are ready.
    // A lone pod has no mesh port, so its governing Service names the HTTP port instead.
    this.addService('cluster-service', this.clusterServiceName, 'server',
      [this.replicas > 1 ? { name: 'mesh-tcp', port: CLUSTER_PORT } : { name: 'http', port: PORT }],
      { headless: true, publishNotReadyAddresses: true });

    if (this.replicas > 1) {
      this.connectTo('server', { peer: this.podPeer('server') }, 'cluster gossip',
        [{ port: CLUSTER_PORT, protocol: 'TCP' }, { port: CLUSTER_PORT, protocol: 'UDP' }]);
    }
    this.peers = this.replicas > 1
      ? Array.from({ length: this.replicas }, (_, i) => `${this.name}-${i}.${this.clusterServiceName}.${this.namespace}.svc:${CLUSTER_PORT}`)
      : [];
    const clusterArgs = this.replicas > 1
      ? [
        `--cluster.listen-address=0.0.0.0:${CLUSTER_PORT}`,
        `--cluster.advertise-address=$(POD_IP):${CLUSTER_PORT}`,
        ...this.peers.map((peer) => `--cluster.peer=${peer}`),
      ]
      // An empty listen address turns clustering off, so a lone pod does not wait for peers.
      : ['--cluster.listen-address='];

    const secretVolumes = [...secrets.keys()].map((secretName, i) => ({ volume: `secret-${i}`, secretName }));
    const container = renderContainer(this, 'resources', {
      name: 'alertmanager',
      image: this.image,
      args: [
        `--config.file=${CONFIG_DIR}/${CONFIG_FILE}`,
        `--storage.path=${DATA_DIR}`,
        `--web.listen-address=:${PORT}`,
        ...externalUrlArgs(this, 'externalUrl', props.externalUrl, 'https://alertmanager.example.com'),
        ...clusterArgs,
      ],
      env: this.replicas > 1 ? [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] : [],
      ports: [
        { name: 'http', containerPort: PORT },
        ...(this.replicas > 1
          ? [{ name: 'mesh-tcp', containerPort: CLUSTER_PORT }, { name: 'mesh-udp', containerPort: CLUSTER_PORT, protocol: 'UDP' as const }]
          : []),
      ],
      resources: props.resources ?? DEFAULT_RESOURCES,
      readinessProbe: httpProbe('readiness', '/-/ready', 'http'),
      livenessProbe: httpProbe('liveness', '/-/healthy', 'http'),
      volumeMounts: [
        { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
        { name: 'data', mountPath: DATA_DIR },
        ...secretVolumes.map((s) => ({ name: s.volume, mountPath: `${SECRETS_DIR}/${s.secretName}`, readOnly: true })),
      ],
      runAsUser: UID,
    });

    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: this.metadata(this.name, 'server'),
      spec: {
        replicas: this.replicas,
        serviceName: this.clusterServiceName,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selectorLabels(identity) },
        template: renderPodTemplate({
          identity,
          serviceAccountName,
          automountServiceAccountToken: false,
          containers: [container],
          volumes: [
            { name: 'config', configMap: { name: this.configMapName } },
            ...secretVolumes.map((s) => ({ name: s.volume, secret: { secretName: s.secretName, defaultMode: 0o440 } })),
          ],
          annotations: {
            ...scrapeAnnotations(PORT),
            'checksum/config': Lazy.any({ produce: () => configChecksum({ [CONFIG_FILE]: this.renderConfig() }) }),
          },
          uid: UID,
          ...spreadPods(identity, spread),
        }),
        volumeClaimTemplates: [renderVolumeClaimTemplate(this, 'storage', 'data', this.storage, selectorLabels(identity))],
      },
    });
    this.addDisruptionBudget('pdb', this.name, 'server', this.replicas);
  }

  /** The longest `group_wait` of the routing tree: how long a new group can wait for its first notice. */
  public get longestGroupWaitSeconds(): number {
    const waits = (routes: readonly AlertmanagerRoute[]): string[] =>
      routes.flatMap((r) => [...(r.groupWait ? [r.groupWait] : []), ...waits(r.routes ?? [])]);
    return Math.max(...[this.groupWait, ...waits(this.routes)].map(durationToSeconds));
  }

  /** Adds a route tried before the built-in severity routes. */
  public addRoute(route: AlertmanagerRoute): void {
    this.validateRoute(`routes[${this.routes.length}]`, route);
    this.routes.push(route);
  }

  private validateRoute(prop: string, route: AlertmanagerRoute): void {
    if (!this.receivers.includes(route.receiver)) {
      invalidProp(this, `${prop}.receiver`, route.receiver, 'is not a configured receiver', `use one of ${this.receivers.join(', ')}, or configure it`);
    }
    if (route.matchers.length === 0 || route.matchers.some((m) => !m.trim())) {
      invalidProp(this, `${prop}.matchers`, route.matchers, 'must be non-empty matchers', 'give matchers such as \'team="payments"\'');
    }
    if (route.groupWait) validateDuration(this, `${prop}.groupWait`, route.groupWait);
    if (route.groupInterval) validateDuration(this, `${prop}.groupInterval`, route.groupInterval);
    if (route.repeatInterval) validateDuration(this, `${prop}.repeatInterval`, route.repeatInterval);
    (route.routes ?? []).forEach((child, i) => this.validateRoute(`${prop}.routes[${i}]`, child));
  }

  private emailOptions(email: AlertmanagerEmailOptions, secretFile: (prop: string, ref: SecretKeyRef, purpose: string) => string) {
    if (!HOST_PORT.test(email.smarthost)) {
      invalidProp(this, 'email.smarthost', email.smarthost, 'must be host:port', "use for example 'smtp.example.com:587'");
    }
    if (!email.from.includes('@')) invalidProp(this, 'email.from', email.from, 'is not an e-mail address', "use for example 'alerts@example.com'");
    return {
      to: this.validateNonEmpty('email.to', email.to),
      from: email.from,
      smarthost: email.smarthost,
      authUsername: this.validateNonEmpty('email.username', email.username),
      authPasswordFile: secretFile('email.password', email.password ?? { name: 'alertmanager-smtp', key: 'password' }, 'SMTP password'),
      requireTls: email.requireTls ?? true,
    };
  }

  private validateNonEmpty(prop: string, value: string): string {
    if (typeof value !== 'string' || !value.trim()) invalidProp(this, prop, value, 'must not be empty', 'give a value');
    return value;
  }

  private addExternalSecret(ref: SecretKeyRef, purpose: string): void {
    // One Secret may hold several receivers' keys: the record merges them, the prefix comes once.
    const known = this.externalSecrets.some((s) => s.name === ref.name);
    this.recordExternalSecret({ name: ref.name, keys: [ref.key], purpose: known ? purpose : `Alertmanager: ${purpose}` });
  }
}
