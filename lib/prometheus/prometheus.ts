import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { IAlertmanager } from '../alertmanager/alertmanager-reference';
import { externalUrlArgs } from '../alertmanager/external-url';
import { Component, ComponentProps } from '../core/component';
import { renderYaml } from '../core/config';
import { ServiceEndpoint } from '../core/endpoint';
import { invalidProp } from '../core/errors';
import { Images } from '../core/images';
import { selectorLabels } from '../core/labels';
import { appPodTemplates, NetworkFlow, NetworkPeer, podTemplatePeer } from '../core/network-flow';
import { validateInteger } from '../core/names';
import { httpProbe } from '../core/probes';
import { ContainerResources } from '../core/resources';
import { addWorkload, fieldRefEnv, renderContainer, spreadPods, Spread } from '../core/workload';
import { durationToSeconds, validateDuration } from '../core/duration';
import {
  APPLICATIONS_PEER,
  DEFAULT_SCRAPE_INTERVAL,
  defaultScrapeJobs,
  NODES_PEER,
  PrometheusRuleGroup,
  renderPrometheusConfig,
  renderPrometheusRules,
  DEFAULT_GLOBAL_SCRAPE_LIMITS,
  DEFAULT_POD_SCRAPE_LIMITS,
  SCRAPE_LIMIT_FIELDS,
  ScrapeJob,
  ScrapeLimits,
} from './prometheus-config';
import { IPrometheus } from './prometheus-reference';
import { PersistentStorage, renderVolumeClaimTemplate } from '../core/storage';
import {
  SecretFilesMount,
  secretFilesMount,
  SecretKeyRef,
  validateSecretRef,
} from '../core/secrets';
import {
  REMOTE_WRITE_PEER,
  RemoteWrite,
  remoteWriteSecretFiles,
  renderRemoteWrite,
  validateRemoteWrite,
} from './remote-write';
import {
  PrometheusThanosProps,
  THANOS_GRPC_PORT,
  ThanosQuery,
  thanosSidecarContainer,
} from './thanos';

/** How long Prometheus keeps samples (`--storage.tsdb.retention.*`). */
export interface PrometheusRetention {
  /** `--storage.tsdb.retention.time`, a positive duration such as `15d`. */
  readonly time: string;
  /**
   * `--storage.tsdb.retention.size`, such as `40GB` (units B, KB, MB, GB, TB, PB, EB).
   * Keep it below the volume size: blocks over it are deleted before the disk fills.
   * @default - no size limit
   */
  readonly size?: string;
}

export interface PrometheusProps extends ComponentProps {
  /**
   * Identical Prometheus servers. With more than one, each adds the external
   * label `replica` set to its pod name, and drops it from alerts so that
   * Alertmanager deduplicates them.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * `global.external_labels`, such as `{ env: 'prod', region: 'eu-west-1' }`.
   * @default - none
   */
  readonly externalLabels?: Record<string, string>;
  /** @default { time: '15d' } */
  readonly retention?: PrometheusRetention;
  /** @default { size: '50Gi' } */
  readonly storage?: PersistentStorage;
  /** @default { cpuRequest: '500m', memoryRequest: '2Gi', memoryLimit: '2Gi' } */
  readonly resources?: ContainerResources;
  /**
   * Where to send alerts; more can be added with `addAlertmanager`.
   * @default - none
   */
  readonly alertmanager?: IAlertmanager;
  /** `global.scrape_interval`. @default '15s' */
  readonly scrapeInterval?: string;
  /**
   * `global.evaluation_interval`. Shorter than the scrape interval on purpose: a rule
   * sees a new sample at most this long after it is scraped, and rule evaluation is
   * cheap next to scraping.
   * @default '5s'
   */
  readonly evaluationInterval?: string;
  /** Rule groups; more can be added with `addRuleGroup`. @default - none */
  readonly rules?: PrometheusRuleGroup[];
  /** Scrape jobs after the default ones; more with `addScrapeJob`. @default - none */
  readonly scrapeJobs?: ScrapeJob[];
  /**
   * Skip verification of kubelet serving certificates, which kind and
   * minikube sign themselves. Never in production.
   * @default false
   */
  readonly kubeletInsecureSkipVerify?: boolean;
  /** @default - Spread.PREFERRED with several replicas, else Spread.NONE */
  readonly spread?: Spread;
  /**
   * The URL users reach Prometheus at (`--web.external-url`): alerts link to their source
   * there (`generatorURL`). The stack sets it from `access`. @default - the pod's own address
   */
  readonly externalUrl?: string;
  /**
   * Scrape limits of every job, in `global:` (a job's own limits take precedence). `{}` sets none.
   * @default { labelLimit: 64 }
   */
  readonly scrapeLimits?: ScrapeLimits;
  /**
   * Limits of the `kubernetes-pods` job, which scrapes every annotated pod of the cluster
   * (the applications' too). `{}` leaves only the global limits.
   * @default { sampleLimit: 50000, targetLimit: 2000 }
   */
  readonly podScrapeLimits?: ScrapeLimits;
  /**
   * `remote_write`: where a copy of every sample (or of those `writeRelabelConfigs` keep) is
   * sent. Credentials are Secrets mounted as files; the egress goes to
   * `networkPolicies.remoteWriteCidr` on the URL's port unless `networkTargets` says where.
   * @default - none
   */
  readonly remoteWrite?: RemoteWrite[];
  /**
   * De-duplicated queries over the replicas (needs `replicas` >= 2): a Thanos sidecar in each
   * pod and a Thanos Query Deployment that merges the replicas' series (dropping the `replica`
   * label). `queryEndpoint` is then the querier, which the stack gives Grafana.
   * @default - off: clients query one replica at a time through the Service
   */
  readonly thanos?: PrometheusThanosProps;
  /**
   * Secret keys mounted as read-only files in {@link PROMETHEUS_SECRETS_DIR} (one projected
   * volume, mode 0440), for the TLS client certificates of scrape jobs (`ScrapeJob.tlsConfig`,
   * such as etcd's): the values never enter the manifests. Each Secret is recorded in
   * `externalSecrets` with its purpose.
   * @default - none
   */
  readonly secretFiles?: readonly PrometheusSecretFile[];
}

/** A Secret key Prometheus reads as a file: `<PROMETHEUS_SECRETS_DIR>/<file>`. */
export interface PrometheusSecretFile {
  /** The Secret key, in Prometheus' namespace. */
  readonly ref: SecretKeyRef;
  /** The file name in {@link PROMETHEUS_SECRETS_DIR}, such as `etcd-client.crt`. */
  readonly file: string;
  /** What it is for, listed in `externalSecrets`. */
  readonly purpose: string;
}

/** Where `PrometheusProps.secretFiles` are mounted in the Prometheus pods. */
export const PROMETHEUS_SECRETS_DIR = '/etc/prometheus-secrets';
const SECRET_FILE_NAME = /^[a-zA-Z0-9][-._a-zA-Z0-9]*$/;

const PORT = 9090;
/**
 * How often Prometheus checks its configuration and rule files for changes and reloads
 * them (`--config.auto-reload-interval`): a ConfigMap update applies without a restart, after
 * the kubelet has refreshed the mounted files (about a minute) and at most this much later.
 */
const CONFIG_RELOAD_INTERVAL = '30s';
/** Where the Secret files of `remoteWrite` are mounted (beside the config, not inside its volume). */
const REMOTE_WRITE_SECRETS_DIR = '/etc/prometheus-remote-write';
const CONFIG_DIR = '/etc/prometheus';
const CONFIG_FILE = 'prometheus.yml';
const RULES_FILE = 'rules.yml';
const DATA_DIR = '/prometheus';
const UID = 65534;
const REPLICA_LABEL = 'replica';
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RETENTION_SIZE = /^[0-9]+(B|KB|MB|GB|TB|PB|EB)$/;

const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '500m',
  memoryRequest: '2Gi',
  memoryLimit: '2Gi',
};

/** What the Prometheus pods are built from. */
interface PrometheusPod {
  readonly serviceAccountName: string;
  /** The headless Service that governs the pods' names. */
  readonly headlessName: string;
  readonly resources: ContainerResources;
  readonly spread: Spread;
  /** With a Thanos sidecar. */
  readonly thanos?: PrometheusThanosProps;
  /** The volume of `secretFiles`, if any. */
  readonly secrets?: SecretFilesMount;
}

/**
 * A Prometheus 3 server as a StatefulSet: Kubernetes service discovery of
 * annotated pods and Services, kubelet and cAdvisor metrics, rules, and
 * alerts to Alertmanager.
 */
export class Prometheus extends Component implements IPrometheus {
  /** The HTTP API and UI (port 9090). */
  public readonly endpoint: ServiceEndpoint;
  public readonly replicas: number;
  public readonly retention: PrometheusRetention;
  public readonly storage: PersistentStorage;
  public readonly scrapeInterval: string;
  public readonly evaluationInterval: string;
  public readonly externalLabels: Record<string, string>;
  /** Name of the ConfigMap holding `prometheus.yml` and `rules.yml`. */
  public readonly configMapName: string;
  /** Name of the ClusterRole used for service discovery. */
  public readonly clusterRoleName: string;
  /**
   * Where clients query: the Thanos querier (de-duplicated over the replicas) with `thanos`,
   * else `endpoint`.
   */
  public readonly queryEndpoint: ServiceEndpoint;
  /** `Thanos` with `thanos`, else `Prometheus`. */
  public readonly queryApi: 'Prometheus' | 'Thanos';
  /** The Thanos querier, with `thanos`. */
  public readonly thanosQuery?: ThanosQuery;
  /** The `remoteWrite` entries, in order. */
  public readonly remoteWrite: readonly RemoteWrite[];

  private readonly scrapeJobs: ScrapeJob[] = [];
  private readonly groups: PrometheusRuleGroup[] = [];
  private readonly alertmanagers: IAlertmanager[] = [];
  private readonly kubeletInsecureSkipVerify: boolean;
  /** The `global:` scrape limits. */
  public readonly scrapeLimits: ScrapeLimits;
  /** The limits of the `kubernetes-pods` job. */
  public readonly podScrapeLimits: ScrapeLimits;
  private readonly remoteWriteSecrets?: SecretFilesMount;
  /** renderConfigData's last result: the ConfigMap's two keys ask for it at synth. Cleared by every add. */
  private renderedConfig?: Record<string, string>;

  constructor(scope: Construct, id: string, props: PrometheusProps = {}) {
    super(scope, id, props, 'prometheus', Images.prometheus);
    this.replicas = validateInteger(this, 'replicas', props.replicas ?? 1, 1);
    this.scrapeInterval = validateDuration(
      this,
      'scrapeInterval',
      props.scrapeInterval ?? DEFAULT_SCRAPE_INTERVAL,
    );
    this.evaluationInterval = validateDuration(
      this,
      'evaluationInterval',
      props.evaluationInterval ?? '5s',
    );
    this.retention = this.validateRetention(props.retention ?? { time: '15d' });
    this.storage = props.storage ?? { size: '50Gi' };
    this.externalLabels = this.validateExternalLabels(props.externalLabels ?? {});
    this.kubeletInsecureSkipVerify = props.kubeletInsecureSkipVerify ?? false;
    this.scrapeLimits = this.validateScrapeLimits(
      'scrapeLimits',
      props.scrapeLimits ?? DEFAULT_GLOBAL_SCRAPE_LIMITS,
    );
    this.podScrapeLimits = this.validateScrapeLimits(
      'podScrapeLimits',
      props.podScrapeLimits ?? DEFAULT_POD_SCRAPE_LIMITS,
    );
    const resources = props.resources ?? DEFAULT_RESOURCES;
    const spread = props.spread ?? (this.replicas > 1 ? Spread.PREFERRED : Spread.NONE);
    this.remoteWrite = [...(props.remoteWrite ?? [])];
    this.remoteWriteSecrets = this.addRemoteWrites();

    this.connectToDefaultScrapeTargets();
    if (props.alertmanager) this.addAlertmanager(props.alertmanager);
    for (const job of props.scrapeJobs ?? []) this.addScrapeJob(job);
    for (const group of props.rules ?? []) this.addRuleGroup(group);

    const secrets = this.secretFilesMount(props.secretFiles ?? []);
    const serviceAccountName = this.addServiceAccount();
    this.clusterRoleName = this.addDiscoveryRbac(serviceAccountName);
    // Rendered at synth time, so jobs, rules and Alertmanagers added after construction are included.
    this.configMapName = this.addConfigMap('config', `${this.name}-config`, 'server', {
      [CONFIG_FILE]: Lazy.any({ produce: () => this.renderConfigData()[CONFIG_FILE] }),
      [RULES_FILE]: Lazy.any({ produce: () => this.renderConfigData()[RULES_FILE] }),
    });
    const headlessName = `${this.name}-headless`;
    this.endpoint = this.addServices(headlessName);
    this.addStatefulSet(props.externalUrl, {
      serviceAccountName,
      headlessName,
      resources,
      spread,
      thanos: props.thanos,
      secrets,
    });
    this.thanosQuery = props.thanos
      ? this.addThanosQuery(props.thanos, headlessName, spread)
      : undefined;
    this.queryEndpoint = this.thanosQuery?.endpoint ?? this.endpoint;
    this.queryApi = this.thanosQuery ? 'Thanos' : 'Prometheus';
  }

  /**
   * The longest time from a metric changing to an alert rule without `for:` firing on it:
   * the longest scrape interval of any job plus the evaluation interval.
   */
  public get detectionBoundSeconds(): number {
    return this.longestScrapeIntervalSeconds + durationToSeconds(this.evaluationInterval);
  }

  /** The longest scrape interval of any job (the global one unless a job sets its own). */
  public get longestScrapeIntervalSeconds(): number {
    const scrapes = [
      this.scrapeInterval,
      ...this.scrapeJobs.map((j) => j.scrapeInterval).filter((i): i is string => i !== undefined),
    ];
    return Math.max(...scrapes.map(durationToSeconds));
  }

  /** The shortest `for:` of any alerting rule, 0 when one has none: how long the fastest alert holds before it fires. */
  public get shortestAlertForSeconds(): number {
    const holds = this.groups
      .flatMap((g) => g.rules)
      .filter((r) => r.alert !== undefined)
      .map((r) => (r.for ? durationToSeconds(r.for) : 0));
    return holds.length ? Math.min(...holds) : 0;
  }

  /** Adds a scrape job after the default ones. */
  public addScrapeJob(job: ScrapeJob): void {
    const prop = `scrapeJobs[${job.jobName}]`;
    const taken = [
      ...defaultScrapeJobs({ kubeletInsecureSkipVerify: false }),
      ...this.scrapeJobs,
    ].map((j) => j.jobName);
    if (!job.jobName)
      invalidProp(
        this,
        'scrapeJobs.jobName',
        job.jobName,
        'must not be empty',
        'give every job a unique name',
      );
    if (taken.includes(job.jobName)) {
      invalidProp(
        this,
        `${prop}.jobName`,
        job.jobName,
        'is already in use',
        `choose a name other than ${taken.join(', ')}`,
      );
    }
    if ((job.staticTargets === undefined) === (job.kubernetesSd === undefined)) {
      invalidProp(
        this,
        prop,
        Object.keys(job),
        'must set exactly one of staticTargets and kubernetesSd',
        'choose static targets or Kubernetes discovery',
      );
    }
    if (job.staticTargets && job.staticTargets.length === 0) {
      invalidProp(
        this,
        `${prop}.staticTargets`,
        job.staticTargets,
        'must not be empty',
        "list targets as 'host:port'",
      );
    }
    if (job.scrapeInterval) validateDuration(this, `${prop}.scrapeInterval`, job.scrapeInterval);
    if (job.scrapeTimeout) validateDuration(this, `${prop}.scrapeTimeout`, job.scrapeTimeout);
    this.validateScrapeLimits(prop, job);
    this.scrapeJobs.push(job);
    this.renderedConfig = undefined;
    this.connectToScrapeTargets(job);
  }

  /** The rule groups of `rules.yml`, in order: what `npm run docs:runbooks` reads the alerts' runbooks from. */
  public get ruleGroups(): readonly PrometheusRuleGroup[] {
    return [...this.groups];
  }

  /** Adds a rule group to `rules.yml`. */
  public addRuleGroup(group: PrometheusRuleGroup): void {
    const prop = `rules[${group.name}]`;
    if (!group.name)
      invalidProp(
        this,
        'rules.name',
        group.name,
        'must not be empty',
        'give every rule group a unique name',
      );
    if (this.groups.some((g) => g.name === group.name)) {
      invalidProp(
        this,
        `${prop}.name`,
        group.name,
        'is already in use',
        'give every rule group a unique name',
      );
    }
    if (group.interval) validateDuration(this, `${prop}.interval`, group.interval);
    group.rules.forEach((rule, i) => {
      const ruleProp = `${prop}.rules[${i}]`;
      if ((rule.alert === undefined) === (rule.record === undefined)) {
        invalidProp(
          this,
          ruleProp,
          rule.alert ?? rule.record,
          'must set exactly one of alert and record',
          'an alerting rule sets alert, a recording rule sets record',
        );
      }
      if (!rule.expr || !rule.expr.trim())
        invalidProp(
          this,
          `${ruleProp}.expr`,
          rule.expr,
          'must not be empty',
          'give a PromQL expression',
        );
      if (rule.record && (rule.for || rule.annotations || rule.runbook)) {
        invalidProp(
          this,
          `${ruleProp}.for`,
          rule.for,
          'applies to alerting rules only',
          'remove for, annotations and runbook from recording rules',
        );
      }
      if (rule.for) validateDuration(this, `${ruleProp}.for`, rule.for, true);
      if (rule.keepFiringFor)
        validateDuration(this, `${ruleProp}.keepFiringFor`, rule.keepFiringFor, true);
      for (const label of Object.keys(rule.labels ?? {})) {
        if (!LABEL_NAME.test(label))
          invalidProp(
            this,
            `${ruleProp}.labels`,
            label,
            'is not a valid label name',
            'use letters, digits and _, not starting with a digit',
          );
      }
    });
    this.groups.push(group);
    this.renderedConfig = undefined;
  }

  /** Sends alerts to every pod of `alertmanager` as well. */
  public addAlertmanager(alertmanager: IAlertmanager): void {
    if (this.alertmanagers.includes(alertmanager)) return;
    this.alertmanagers.push(alertmanager);
    this.renderedConfig = undefined;
    this.connectTo('server', alertmanager.endpoint, 'sends alerts');
  }

  /**
   * The `kubernetes-pods` job scrapes every pod annotated `prometheus.io/scrape` in the App,
   * whatever chart defines it, on its annotated port (on the node's address when the pod
   * uses the host network): read from the pod templates at synthesis.
   */
  protected discoveredFlows(): NetworkFlow[] {
    return appPodTemplates(this)
      .filter(({ template }) => template.metadata?.annotations?.['prometheus.io/scrape'] === 'true')
      .map(({ namespace, template }) => ({
        from: this.podPeer('server'),
        to: template.spec?.hostNetwork
          ? NetworkPeer.external(NODES_PEER)
          : podTemplatePeer(namespace, template),
        ports: [{ port: Number(template.metadata!.annotations!['prometheus.io/port']) }],
        purpose: 'scrapes metrics (pod annotations)',
      }));
  }

  private connectToScrapeTargets(job: ScrapeJob): void {
    for (const target of job.networkTargets ?? [])
      this.connectTo('server', target, `scrapes (job ${job.jobName})`);
  }

  /** The rendered config files, keyed by file name. */
  public renderConfigData(): Record<string, string> {
    this.renderedConfig ??= {
      [CONFIG_FILE]: renderYaml(
        renderPrometheusConfig({
          scrapeInterval: this.scrapeInterval,
          evaluationInterval: this.evaluationInterval,
          externalLabels: this.externalLabels,
          replicaLabel: this.replicas > 1 ? REPLICA_LABEL : undefined,
          ruleFiles: [`${CONFIG_DIR}/${RULES_FILE}`],
          alertmanagers: this.alertmanagers.map((am) => am.endpoint),
          kubeletInsecureSkipVerify: this.kubeletInsecureSkipVerify,
          scrapeJobs: this.scrapeJobs,
          scrapeLimits: this.scrapeLimits,
          podScrapeLimits: this.podScrapeLimits,
          remoteWrite: this.remoteWrite.map((rw, i) =>
            renderRemoteWrite(i, rw, this.remoteWriteSecrets?.paths ?? {}),
          ),
        }),
      ),
      [RULES_FILE]: renderYaml(renderPrometheusRules(this.groups)),
    };
    return { ...this.renderedConfig };
  }

  /** Each limit set must be a positive integer: 0 would mean the level above, not "no limit". */
  private validateScrapeLimits(prop: string, limits: ScrapeLimits): ScrapeLimits {
    for (const [field, key] of SCRAPE_LIMIT_FIELDS) {
      const value = limits[field];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
        invalidProp(
          this,
          `${prop}.${field}`,
          value,
          `is not a positive integer (${key})`,
          'give a whole number above zero, or leave it out for the limit of the level above (scrapeLimits for a job, none globally)',
        );
      }
    }
    return { ...limits };
  }

  private validateRetention(retention: PrometheusRetention): PrometheusRetention {
    validateDuration(this, 'retention.time', retention.time);
    if (
      retention.size !== undefined &&
      (!RETENTION_SIZE.test(retention.size) || !/[1-9]/.test(retention.size))
    ) {
      invalidProp(
        this,
        'retention.size',
        retention.size,
        'is not a positive Prometheus byte size',
        "use units B, KB, MB, GB, TB, PB or EB, such as '40GB'",
      );
    }
    return retention;
  }

  private validateExternalLabels(labels: Record<string, string>): Record<string, string> {
    for (const [name, value] of Object.entries(labels)) {
      if (!LABEL_NAME.test(name) || name.startsWith('__')) {
        invalidProp(
          this,
          'externalLabels',
          name,
          'is not a valid label name',
          'use letters, digits and _, not starting with a digit or __',
        );
      }
      if (typeof value !== 'string' || value === '') {
        invalidProp(
          this,
          `externalLabels.${name}`,
          value,
          'must be a non-empty string',
          'give the label a value or leave it out',
        );
      }
      if (this.replicas > 1 && name === REPLICA_LABEL) {
        invalidProp(
          this,
          'externalLabels',
          name,
          'is set per pod when replicas > 1',
          `remove the '${REPLICA_LABEL}' label`,
        );
      }
    }
    return { ...labels };
  }

  /** Records the flows of the built-in scrape jobs and to the annotated application pods. */
  private connectToDefaultScrapeTargets(): void {
    for (const job of defaultScrapeJobs({
      kubeletInsecureSkipVerify: this.kubeletInsecureSkipVerify,
    }))
      this.connectToScrapeTargets(job);
    // The `kubernetes-pods` job finds application pods by their annotations, on any port.
    this.connectTo('server', APPLICATIONS_PEER, 'scrapes annotated application pods');
  }

  /** The Service of the API and UI, and the headless Service that governs the pods' names. */
  private addServices(headlessName: string): ServiceEndpoint {
    const [endpoint] = this.addService('service', this.name, 'server', [
      { name: 'http', port: PORT },
    ]);
    this.addService('headless-service', headlessName, 'server', [{ name: 'http', port: PORT }], {
      headless: true,
    });
    return endpoint;
  }

  /** The flags of the server: config, storage and retention, reload, external URL, exemplars. */
  private serverArgs(externalUrl: string | undefined): string[] {
    return [
      `--config.file=${CONFIG_DIR}/${CONFIG_FILE}`,
      `--storage.tsdb.path=${DATA_DIR}`,
      `--storage.tsdb.retention.time=${this.retention.time}`,
      ...(this.retention.size ? [`--storage.tsdb.retention.size=${this.retention.size}`] : []),
      // Configuration and rule file changes apply in place: Prometheus checks the files'
      // checksum every interval and reloads on a change, so the pods need no restart.
      '--config.auto-reload',
      `--config.auto-reload-interval=${CONFIG_RELOAD_INTERVAL}`,
      // A reload can also be forced through POST /-/reload.
      '--web.enable-lifecycle',
      ...externalUrlArgs(this, 'externalUrl', externalUrl, 'https://prometheus.example.com'),
      // Exemplars link latency histograms to traces in Grafana.
      '--enable-feature=exemplar-storage',
    ];
  }

  /** The server pods, each with its own volume, and their disruption budget. */
  private addStatefulSet(externalUrl: string | undefined, pod: PrometheusPod): void {
    const identity = this.identity('server');
    const container = renderContainer(this, 'resources', {
      name: 'prometheus',
      image: this.image,
      args: this.serverArgs(externalUrl),
      env: this.replicas > 1 ? [fieldRefEnv('POD_NAME', 'metadata.name')] : [],
      ports: [{ name: 'http', containerPort: PORT }],
      resources: pod.resources,
      readinessProbe: httpProbe('readiness', '/-/ready', 'http'),
      // /-/healthy answers during WAL replay, so a long replay does not kill the pod.
      livenessProbe: httpProbe('liveness', '/-/healthy', 'http'),
      volumeMounts: [
        { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
        { name: 'data', mountPath: DATA_DIR },
        ...(this.remoteWriteSecrets ? [this.remoteWriteSecrets.volumeMount] : []),
        ...(pod.secrets ? [pod.secrets.volumeMount] : []),
      ],
      runAsUser: UID,
    });
    const sidecars = pod.thanos
      ? [
          thanosSidecarContainer(
            this,
            this.thanosImage(pod.thanos),
            PORT,
            pod.thanos.sidecarResources,
          ),
        ]
      : [];

    addWorkload(this, 'statefulset', {
      metadata: this.metadata(this.name, 'server'),
      spec: {
        kind: 'StatefulSet',
        replicas: this.replicas,
        serviceName: pod.headlessName,
        podManagementPolicy: 'Parallel',
        pod: {
          identity,
          serviceAccountName: pod.serviceAccountName,
          automountServiceAccountToken: true,
          containers: [container, ...sidecars],
          // No checksum of the ConfigMap here: Prometheus reloads a changed configuration itself
          // (--config.auto-reload), so a change does not roll the pods. The volume mounts the whole
          // ConfigMap (no subPath), which the kubelet keeps up to date.
          volumes: [
            { name: 'config', configMap: { name: this.configMapName } },
            ...(this.remoteWriteSecrets ? [this.remoteWriteSecrets.volume] : []),
            ...(pod.secrets ? [pod.secrets.volume] : []),
          ],
          uid: UID,
          terminationGracePeriodSeconds: 120,
          ...spreadPods(identity, pod.spread),
        },
        volumeClaimTemplates: [
          renderVolumeClaimTemplate(
            this,
            'storage',
            'data',
            this.storage,
            { example: '50Gi' },
            selectorLabels(identity),
          ),
        ],
      },
    });
    this.addDisruptionBudget('pdb', this.name, 'server', this.replicas);
  }

  /**
   * Validates `remoteWrite`, records its Secrets and egress, and returns the projected volume
   * of its Secret files (none without credentials).
   */
  private addRemoteWrites(): SecretFilesMount | undefined {
    const names = new Set<string>();
    const files = this.remoteWrite.flatMap((rw, i) => {
      const prop = `remoteWrite[${i}]`;
      const ports = validateRemoteWrite(this, prop, rw);
      if (rw.name !== undefined) {
        if (names.has(rw.name))
          invalidProp(
            this,
            `${prop}.name`,
            rw.name,
            'is the name of another remote write',
            'give each remote write its own name',
          );
        names.add(rw.name);
      }
      if (rw.networkTargets && rw.networkTargets.length > 0) {
        for (const target of rw.networkTargets)
          this.connectTo('server', target, `remote write (${rw.name ?? rw.url})`);
      } else {
        this.connectTo(
          'server',
          REMOTE_WRITE_PEER,
          `remote write (${rw.name ?? rw.url})`,
          ports.map((port) => ({ port })),
        );
      }
      const secretFiles = remoteWriteSecretFiles(i, rw);
      for (const f of secretFiles)
        this.recordExternalSecret({ name: f.ref.name, keys: [f.ref.key], purpose: f.purpose });
      return secretFiles;
    });
    return files.length > 0
      ? secretFilesMount('remote-write-secrets', REMOTE_WRITE_SECRETS_DIR, files)
      : undefined;
  }

  private thanosImage(thanos: PrometheusThanosProps): string {
    return thanos.image ?? Images.thanos;
  }

  /** The querier over every replica's sidecar, addressed by its pod's stable DNS name. */
  private addThanosQuery(
    thanos: PrometheusThanosProps,
    headlessName: string,
    spread: Spread,
  ): ThanosQuery {
    if (this.replicas < 2) {
      invalidProp(
        this,
        'thanos',
        `replicas ${this.replicas}`,
        'needs replicas >= 2: it de-duplicates the replicas of an HA Prometheus',
        'set replicas to 2 or more, or leave thanos out',
      );
    }
    return new ThanosQuery(this, 'thanos-query', {
      name: this.name,
      namespace: this.namespace,
      image: this.thanosImage(thanos),
      storeAddresses: [...Array(this.replicas).keys()].map(
        (i) => `${this.name}-${i}.${headlessName}.${this.namespace}.svc:${THANOS_GRPC_PORT}`,
      ),
      stores: { peer: this.podPeer('server'), ports: [{ port: THANOS_GRPC_PORT }] },
      replicaLabel: REPLICA_LABEL,
      replicas: thanos.queryReplicas,
      resources: thanos.queryResources,
      spread,
    });
  }

  /** `secretFiles` as one projected volume, each Secret recorded; undefined without any. */
  private secretFilesMount(files: readonly PrometheusSecretFile[]): SecretFilesMount | undefined {
    if (files.length === 0) return undefined;
    const names = new Set<string>();
    files.forEach((f, i) => {
      const prop = `secretFiles[${i}]`;
      validateSecretRef(this, `${prop}.ref`, f.ref);
      if (typeof f.file !== 'string' || !SECRET_FILE_NAME.test(f.file)) {
        invalidProp(
          this,
          `${prop}.file`,
          f.file,
          'is not a file name',
          "use letters, digits, '-', '.' and '_', such as 'etcd-client.crt'",
        );
      }
      if (names.has(f.file)) {
        invalidProp(
          this,
          `${prop}.file`,
          f.file,
          'is the name of two secret files',
          'give each Secret key its own file name',
        );
      }
      names.add(f.file);
    });
    // One record per Secret, with its keys and each distinct purpose once.
    for (const name of new Set(files.map((f) => f.ref.name))) {
      const of = files.filter((f) => f.ref.name === name);
      this.recordExternalSecret({
        name,
        keys: [...new Set(of.map((f) => f.ref.key))],
        purpose: [...new Set(of.map((f) => f.purpose))].join('; '),
      });
    }
    return secretFilesMount('secrets', PROMETHEUS_SECRETS_DIR, files);
  }

  /** Read-only discovery of scrape targets: no Secrets, no wildcards. */
  private addDiscoveryRbac(serviceAccountName: string): string {
    const read = ['get', 'list', 'watch'];
    return this.addClusterRole('server', serviceAccountName, [
      {
        apiGroups: [''],
        resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'],
        verbs: read,
      },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
      { nonResourceUrLs: ['/metrics'], verbs: ['get'] },
    ]);
  }
}
