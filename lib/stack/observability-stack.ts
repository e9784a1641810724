import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { resolveUiUrls, StackUi, UiAccess, UiAccessProps } from '../access';
import { Alertmanager, AlertmanagerProps } from '../alertmanager';
import { Duration, renderSeconds } from '../core/duration';
import { ServiceEndpoint } from '../core/endpoint';
import { invalidProp } from '../core/errors';
import {
  DEFAULT_LOG_CLASSES,
  DEFAULT_LOG_DOMAINS,
  LogClass,
  validateLogClasses,
  validateLogDomains,
} from '../core/log-classes';
import { ElasticComponent, elasticImage, ElasticStackVersion } from '../core/images';
import { ExternalPeer, NetworkFlow, NetworkPeer } from '../core/network-flow';
import { validateDnsLabel } from '../core/names';
import {
  ElasticsearchCluster,
  ElasticsearchClusterProps,
  ElasticsearchExporter,
  ElasticsearchExporterProps,
  ElasticsearchNodeTuning,
  ElasticsearchNodeTuningProps,
  ElasticsearchSetup,
  ElasticsearchUser,
  ElasticsearchUsers,
  ElasticsearchUsersProps,
  SnapshotLifecycleProps,
  VirtualMemory,
  DEFAULT_LOG_REFRESH_INTERVAL_SECONDS,
  validateRefreshInterval,
} from '../elasticsearch';
import { LogAlerting, LogAlertingProps } from '../elastalert';
import { Filebeat, FilebeatProps } from '../filebeat';
import { Grafana, GrafanaProps } from '../grafana';
import { Jaeger, JaegerProps, JaegerStorage } from '../jaeger';
import {
  Kibana,
  KibanaContentOptions,
  KibanaProps,
  KibanaSetup,
  KibanaSetupProps,
} from '../kibana';
import { Logstash, LogstashProps } from '../logstash';
import { CapacityPlan } from '../sizing';
import {
  alertmanagerMixin,
  applicationsMixin,
  applyMixins,
  ControlPlaneMixinOptions,
  controlPlaneMixin,
  controlPlaneSecretFiles,
  elasticsearchMixin,
  filebeatMixin,
  jaegerMixin,
  kubernetesMixin,
  logstashMixin,
  MixinContext,
  MonitoringMixin,
  nodeMixin,
  prometheusMixin,
  stackMixin,
} from '../monitoring';
import {
  AlertRulesProps,
  KubeStateMetrics,
  KubeStateMetricsProps,
  NodeExporter,
  NodeExporterProps,
  Prometheus,
  PrometheusProps,
  resolveAlertRules,
} from '../prometheus';
import { listExternalSecrets, StackSecret } from './external-secrets';
import { LatencyBudget, latencyBudget } from './latency-budget';
import { NAMESPACE_NAME, NetworkPolicyOptions } from './network-policies';
import { applyCapacityPlan, StackSizingProps } from './stack-sizing';
import { ObservabilityNamespace } from './observability-namespace';

/**
 * Users' browsers, through the ingress controller: they reach the sign-in proxies with
 * `access`, else the UIs where `uiClients` says an ingress authenticates them.
 */
export const UI_CLIENTS_PEER: ExternalPeer = {
  name: 'ui-clients',
  address: {
    kind: 'pods',
    option: 'uiClients',
    default: { namespaceSelector: { [NAMESPACE_NAME]: 'ingress-nginx' } },
  },
};

/** Where Jaeger keeps spans. */
export enum TraceStorage {
  /** In memory, lost on restart: one all-in-one pod (dev). */
  MEMORY = 'memory',
  /** In the stack's Elasticsearch cluster: collector and query Deployments. */
  ELASTICSEARCH = 'elasticsearch',
}

/** Jaeger settings of the stack; the storage back end is chosen by kind and wired by the stack. */
export interface StackJaegerProps extends Omit<JaegerProps, 'storage' | 'namespace'> {
  /** @default TraceStorage.ELASTICSEARCH */
  readonly storage?: TraceStorage;
  /** Prefix before Jaeger's own `jaeger-span-*` index names. @default - none */
  readonly indexPrefix?: string;
  /** How long span indices are kept before the index cleaner deletes them, in whole days (Elasticsearch storage). @default '7d' */
  readonly retention?: Duration;
}

export interface ObservabilityStackProps extends Omit<ChartProps, 'namespace'> {
  /** Environment name, e.g. `prod`: the `env` external label of every metric. */
  readonly environment: string;
  /** Region, the `region` external label of every metric. */
  readonly region: string;
  /** Namespace of the back ends and UIs. @default 'observability' */
  readonly namespace?: string;
  /**
   * Namespace of the node agents (Filebeat, node-exporter), which need host access
   * and so a less strict Pod Security level than everything else.
   * @default 'observability-agents'
   */
  readonly agentsNamespace?: string;
  /** @default - one secured node */
  readonly elasticsearch?: Omit<ElasticsearchClusterProps, 'namespace'>;
  /**
   * Accept `elasticsearch.security.enabled: false` in an environment other than `dev`:
   * the cluster then has no TLS and no authentication, so anyone who reaches its
   * Service can read and delete every log. Without it, only `dev` may turn security off.
   * @default false
   */
  readonly allowInsecureElasticsearch?: boolean;
  /**
   * Which nodes the `vm.max_map_count` DaemonSet tunes, when `elasticsearch.virtualMemory`
   * is `VirtualMemory.NODE_TUNING` (the only case where it may be set).
   * @default - every untainted node
   */
  readonly elasticsearchNodeTuning?: Omit<ElasticsearchNodeTuningProps, 'namespace'>;
  /**
   * The cluster's metrics exporter (source of the Elasticsearch health and disk alerts),
   * or `false` for none.
   * @default - one exporter for the cluster
   */
  readonly elasticsearchExporter?:
    Omit<ElasticsearchExporterProps, 'elasticsearch' | 'namespace'> | false;
  /**
   * The Job that creates every client's Elasticsearch role and user (Logstash or Filebeat,
   * Jaeger, Grafana, the exporter, the Kibana setup Job) from the Secrets the clients read,
   * and sets Kibana's `kibana_system` password; only when the cluster has security on.
   * @default - as `elasticsearch`'s `elastic` user, see ElasticsearchUsers
   */
  readonly elasticsearchUsers?: Omit<
    ElasticsearchUsersProps,
    'elasticsearch' | 'namespace' | 'users' | 'kibanaSystemPassword'
  >;
  /**
   * Schedule, retention floor and alert threshold of the snapshot policies (one per log
   * class, kept as long as the class keeps its data) that the `elasticsearch-setup` Job
   * creates in `elasticsearch.snapshotRepository`; only with a writable repository.
   * @default - daily at 01:30 UTC, see SnapshotLifecycleProps (docs/backup-restore.md)
   */
  readonly snapshots?: SnapshotLifecycleProps;
  /**
   * The log classes, in order: each event goes to the first that takes it (Filebeat's
   * script classifies on the node), into `logs-<name>-default`, kept `retention` (the
   * ILM policy and index template the `elasticsearch-setup` Job applies); Logstash admits
   * only these data streams; Kibana gets a saved search per class; `sizing` reads the
   * shares. The last class is the catch-all (`LogClassMatch.everything()`). A domain a
   * class matches is detected from `filebeat.logProcessing.domains`.
   * @default DEFAULT_LOG_CLASSES: errors 90, trades 365, ai 30, all 30 days
   */
  readonly logClasses?: readonly LogClass[];
  /**
   * `index.refresh_interval` of the log data streams: the last part of the time from a log
   * line to it being searchable (see `latencyBudget`).
   * @default '1s'
   */
  readonly logRefreshInterval?: Duration;
  /**
   * The Elastic stack release of Elasticsearch, Kibana, Logstash and Filebeat: 9.x, or the
   * 8.19 line for clusters that cannot move to 9 yet. An `image` set on one of them still wins.
   * @default ElasticStackVersion.V9_4
   */
  readonly elasticStackVersion?: ElasticStackVersion;
  /** @default - one replica */
  readonly kibana?: Omit<KibanaProps, 'elasticsearch' | 'namespace'>;
  /**
   * The Job that imports the log data view, saved searches and dashboards into Kibana
   * and creates the two log alert rules.
   * @default - default content and rules; credentials from Secret 'kibana-setup-credentials'
   */
  readonly kibanaSetup?: Omit<KibanaSetupProps, 'kibana' | 'namespace' | 'content'> & {
    readonly content?: Omit<KibanaContentOptions, 'logClasses'>;
  };
  /**
   * ElastAlert 2, which runs the log alert rules (the options of `kibanaSetup.alertRules`) and
   * posts what fires to `alertmanager` with the stack's `env` and `region` labels and
   * `alerts.runbookBaseUrl`, or `false` for none (the Kibana rules, without actions, then
   * notify nobody).
   * @default - one replica; credentials from Secret 'log-alerting-credentials'
   */
  readonly logAlerting?:
    | Omit<
        LogAlertingProps,
        'elasticsearch' | 'alertmanager' | 'namespace' | 'rules' | 'runbookBaseUrl'
      >
    | false;
  /** Logstash, or `false` to ship from Filebeat straight to Elasticsearch. @default - one replica */
  readonly logstash?: Omit<LogstashProps, 'elasticsearch' | 'namespace' | 'logClasses'> | false;
  /** @default - on every node */
  readonly filebeat?: Omit<
    FilebeatProps,
    'elasticsearch' | 'logstash' | 'namespace' | 'logClasses'
  >;
  /** @default - one replica; `env` and `region` external labels are always set */
  readonly prometheus?: Omit<PrometheusProps, 'alertmanager' | 'namespace'>;
  /** @default - on every node */
  readonly nodeExporter?: Omit<NodeExporterProps, 'namespace'>;
  /** @default - one replica */
  readonly kubeStateMetrics?: Omit<KubeStateMetricsProps, 'namespace'>;
  /** @default - one replica, no receivers */
  readonly alertmanager?: Omit<AlertmanagerProps, 'namespace'>;
  /** @default - one replica */
  readonly grafana?: Omit<GrafanaProps, 'prometheus' | 'elasticsearch' | 'jaeger' | 'namespace'>;
  /** @default - collector and query on Elasticsearch */
  readonly jaeger?: StackJaegerProps;
  /**
   * Thresholds of the application and stack alert rules added to Prometheus.
   * @default - the defaults of AlertRulesProps
   */
  readonly alerts?: AlertRulesProps;
  /**
   * Monitoring of the cluster's control plane: the API server and CoreDNS always (their
   * scrape jobs, alerts and the `apiserver` and `coredns` dashboards), and on a self-managed
   * cluster, etcd (with a client certificate from a Secret you name), kube-scheduler and
   * kube-controller-manager, each off unless set: managed clusters (EKS, GKE, AKS) do not
   * expose them. `coredns: false` leaves CoreDNS out (GKE's kube-dns is not CoreDNS);
   * `false` leaves the whole control plane unwatched.
   * @default - the API server and CoreDNS only
   */
  readonly controlPlane?: ControlPlaneMixinOptions | false;
  /**
   * NetworkPolicies in both namespaces: deny by default, then DNS and exactly the flows
   * the wiring declares. `false` for none (a CNI without NetworkPolicy support, or your
   * own policies).
   * @default true, with the defaults of NetworkPolicyOptions
   */
  readonly networkPolicies?: boolean | NetworkPolicyOptions;
  /**
   * How users reach the UIs: per UI a team may open, an Ingress with TLS to a sign-in proxy
   * (oauth2-proxy, OIDC) that admits the groups of those teams only. Without it, no UI is
   * exposed: they are reachable by port-forward only (README, Security posture).
   * @default - no Ingress
   */
  readonly access?: UiAccessProps;
  /**
   * Size the Elasticsearch data nodes, Logstash and Prometheus from the load (docs/sizing.md):
   * the plan sets `elasticsearch.data`, `logstash.replicas|pipelineWorkers|resources`, the
   * log index replicas and, with `sizing.prometheus`, `prometheus.retention|storage`. Setting
   * one of those by hand as well is an error.
   * @default - sized by the component props
   */
  readonly sizing?: StackSizingProps;
}

/**
 * The whole observability stack in one chart: logs, metrics and traces, wired
 * together by construct. Every component stays reachable as a public field, so
 * callers can add scrape jobs, routes or dashboards after construction.
 */
export class ObservabilityStack extends Chart {
  public readonly environment: string;
  public readonly region: string;
  public readonly namespace: string;
  public readonly agentsNamespace: string;
  public readonly elasticsearch: ElasticsearchCluster;
  /** The DaemonSet that sets `vm.max_map_count` on the nodes, with `VirtualMemory.NODE_TUNING`. */
  public readonly elasticsearchNodeTuning?: ElasticsearchNodeTuning;
  /** The Job that applies ILM policies and index templates to `elasticsearch`. */
  public readonly elasticsearchSetup: ElasticsearchSetup;
  /** The cluster's metrics exporter, unless disabled. */
  public readonly elasticsearchExporter?: ElasticsearchExporter;
  /** The Job that creates the clients' Elasticsearch users; only with security on. */
  public readonly elasticsearchUsers?: ElasticsearchUsers;
  public readonly kibana: Kibana;
  /** The Job that provisions `kibana`'s data view, searches, dashboards and alert rules. */
  public readonly kibanaSetup: KibanaSetup;
  /** ElastAlert 2 with the log alert rules, posting to `alertmanager`; unless disabled. */
  public readonly logAlerting?: LogAlerting;
  public readonly logstash?: Logstash;
  /** The Elastic stack release of Elasticsearch, Kibana, Logstash and Filebeat. */
  public readonly elasticStackVersion: ElasticStackVersion;
  public readonly filebeat: Filebeat;
  public readonly prometheus: Prometheus;
  public readonly nodeExporter: NodeExporter;
  public readonly kubeStateMetrics: KubeStateMetrics;
  public readonly alertmanager: Alertmanager;
  public readonly grafana: Grafana;
  public readonly jaeger: Jaeger;
  /** The back ends' and the agents' namespaces, with their Pod Security labels and NetworkPolicies. */
  public readonly managedNamespaces: readonly ObservabilityNamespace[];
  /** The Ingresses and sign-in proxies of the UIs, when `access` is set. */
  public readonly access?: UiAccess;
  /** The capacity plan `sizing` asked for, as applied. */
  public readonly capacityPlan?: CapacityPlan;
  /** The log classes every log component is configured with. */
  public readonly logClasses: readonly LogClass[];
  /**
   * The monitoring mixins of what the stack deploys, as added to Prometheus and Grafana: each
   * component's alert and recording rules, dashboards and scrape jobs. A component left out
   * brings none.
   */
  public readonly monitoring: readonly MonitoringMixin[];
  private readonly uiUrls: Partial<Record<StackUi, string>>;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, { labels: props.labels, disableResourceNameHashes: true });
    const sized = applyCapacityPlan(this, props);
    props = sized.props;
    this.capacityPlan = sized.plan;
    this.environment = validateDnsLabel(this, 'environment', props.environment);
    this.region = props.region;
    this.namespace = props.namespace ?? 'observability';
    this.agentsNamespace = props.agentsNamespace ?? 'observability-agents';
    const namespaces = this.addNamespaces(props.networkPolicies ?? true);
    this.managedNamespaces = [namespaces.backEnd, namespaces.agents];
    this.validateSecurityOptOut(props);
    this.logClasses = this.resolveLogClasses(props);
    // The UIs' public URLs first: Kibana, Jaeger and Grafana put them in links and redirects.
    this.uiUrls = props.access ? resolveUiUrls(this, 'access', props.access) : {};
    this.elasticStackVersion = props.elasticStackVersion ?? ElasticStackVersion.V9_4;

    // Logs.
    this.elasticsearch = this.addElasticsearch(props);
    this.elasticsearchNodeTuning = this.addElasticsearchNodeTuning(props);
    this.elasticsearchSetup = this.addElasticsearchSetup(props);
    this.elasticsearchExporter = this.addElasticsearchExporter(props);
    this.kibana = this.addKibana(props);
    this.logstash = this.addLogstash(props);
    this.filebeat = this.addFilebeat(props);
    // Metrics and alerts.
    this.alertmanager = this.addAlertmanager(props);
    this.prometheus = this.addPrometheus(props);
    this.nodeExporter = this.addNodeExporter(props);
    this.kubeStateMetrics = this.addKubeStateMetrics(props);
    // Traces, then what links the three.
    this.jaeger = this.addJaeger(props);
    this.kibanaSetup = this.addKibanaSetup(props);
    this.logAlerting = this.addLogAlerting(props);
    this.grafana = this.addGrafana(props);
    this.access = this.addAccess(props);
    // Every component exists: each one's rules, dashboards and scrape jobs go to Prometheus and Grafana.
    this.monitoring = this.addMonitoring(props);
    // Last: every client of the cluster now exists and has said what its user may do.
    this.elasticsearchUsers = this.addElasticsearchUsers(props);

    for (const flow of this.uiClientFlows(
      props.networkPolicies === true ? undefined : props.networkPolicies,
    ))
      namespaces.backEnd.recordFlow(flow);
  }

  /**
   * Every flow the stack's NetworkPolicies allow: those of the App with pods of its namespaces
   * on either side (its components', and any chart's that reach them). Complete only at synthesis.
   */
  public get networkFlows(): NetworkFlow[] {
    return ObservabilityNamespace.appFlows(this).filter((f) =>
      [f.from, f.to].some(
        (p) =>
          p.kind === 'pods' &&
          (p.namespace === this.namespace || p.namespace === this.agentsNamespace),
      ),
    );
  }

  /** The back-end namespace (`restricted`) and the agents' namespace (`privileged`). */
  private addNamespaces(networkPolicies: boolean | NetworkPolicyOptions): {
    backEnd: ObservabilityNamespace;
    agents: ObservabilityNamespace;
  } {
    // The agents mount host paths and read root-owned logs: `privileged` is the only
    // Pod Security level that admits hostPath volumes. Everything else is `restricted`
    // (enforced `privileged` for Elasticsearch's VirtualMemory.INIT_CONTAINER, warned and
    // audited `restricted`, so the exception shows on every apply and in the audit log).
    validateDnsLabel(this, 'namespace', this.namespace);
    validateDnsLabel(this, 'agentsNamespace', this.agentsNamespace);
    const backEndNamespace = new ObservabilityNamespace(this, 'namespace', {
      name: this.namespace,
      podSecurity: 'restricted',
      networkPolicies,
    });
    const agentsNamespace = new ObservabilityNamespace(this, 'agents-namespace', {
      name: this.agentsNamespace,
      podSecurity: 'privileged',
      networkPolicies,
    });
    return { backEnd: backEndNamespace, agents: agentsNamespace };
  }

  /** The stack's log classes, checked against the log domains of Filebeat. */
  private resolveLogClasses(props: ObservabilityStackProps): readonly LogClass[] {
    // Validated here, so that an error names the stack's props, not a component's.
    const domains = validateLogDomains(
      this,
      'filebeat.logProcessing.domains',
      props.filebeat?.logProcessing?.domains ?? DEFAULT_LOG_DOMAINS,
    );
    return validateLogClasses(this, 'logClasses', props.logClasses ?? DEFAULT_LOG_CLASSES, domains);
  }

  /** The public URL of a UI: the explicit prop, else where `access` exposes it; the two must agree. */
  private publicUrl(ui: StackUi, prop: string, explicit: string | undefined): string | undefined {
    const exposed = this.uiUrls[ui];
    if (explicit !== undefined && exposed !== undefined && explicit !== exposed) {
      invalidProp(
        this,
        prop,
        explicit,
        `differs from ${exposed}, where access exposes ${ui}`,
        `remove ${prop} (access sets it), or set access.hosts.${ui} to the host of ${explicit}`,
      );
    }
    return explicit ?? exposed;
  }

  /** The image of an Elastic component: `image` if set, else the stack's Elastic version. */
  private elasticImage(component: ElasticComponent, image: string | undefined): string {
    return image ?? elasticImage(component, this.elasticStackVersion);
  }

  private addElasticsearch(props: ObservabilityStackProps): ElasticsearchCluster {
    return new ElasticsearchCluster(this, 'elasticsearch', {
      ...props.elasticsearch,
      namespace: this.namespace,
      image: this.elasticImage('elasticsearch', props.elasticsearch?.image),
    });
  }

  /** The node-tuning DaemonSet, for `VirtualMemory.NODE_TUNING` only. */
  private addElasticsearchNodeTuning(
    props: ObservabilityStackProps,
  ): ElasticsearchNodeTuning | undefined {
    if (this.elasticsearch.virtualMemory === VirtualMemory.NODE_TUNING) {
      return new ElasticsearchNodeTuning(this, 'elasticsearch-node-tuning', {
        ...props.elasticsearchNodeTuning,
        namespace: this.agentsNamespace,
      });
    }
    if (props.elasticsearchNodeTuning) {
      invalidProp(
        this,
        'elasticsearchNodeTuning',
        props.elasticsearchNodeTuning,
        `is only used with VirtualMemory.NODE_TUNING, but elasticsearch.virtualMemory is '${this.elasticsearch.virtualMemory}'`,
        'set elasticsearch.virtualMemory to VirtualMemory.NODE_TUNING, or remove elasticsearchNodeTuning',
      );
    }
    return undefined;
  }

  private addElasticsearchSetup(props: ObservabilityStackProps): ElasticsearchSetup {
    const es = this.elasticsearch;
    return new ElasticsearchSetup(this, 'elasticsearch-setup', {
      namespace: this.namespace,
      elasticsearch: es,
      logClasses: this.logClasses,
      // A replica needs a second data node; on one node it would keep the cluster yellow.
      indexReplicas: this.capacityPlan?.elasticsearch.replicas ?? Math.min(1, es.dataNodes - 1),
      refreshInterval: this.logRefreshInterval(props),
      snapshots: props.snapshots,
    });
  }

  private addElasticsearchUsers(props: ObservabilityStackProps): ElasticsearchUsers | undefined {
    if (!this.elasticsearch.securityEnabled) return undefined;
    const users = [
      this.logstash?.elasticsearchUser,
      this.filebeat.elasticsearchUser,
      this.jaeger.elasticsearchUser,
      this.grafana.elasticsearchUser,
      this.elasticsearchExporter?.elasticsearchUser,
      this.kibanaSetup.elasticsearchUser,
      this.logAlerting?.elasticsearchUser,
    ].filter((u): u is ElasticsearchUser => u !== undefined);
    return new ElasticsearchUsers(this, 'elasticsearch-users', {
      ...props.elasticsearchUsers,
      namespace: this.namespace,
      elasticsearch: this.elasticsearch,
      users,
      kibanaSystemPassword: this.kibana.systemPassword,
    });
  }

  private addElasticsearchExporter(
    props: ObservabilityStackProps,
  ): ElasticsearchExporter | undefined {
    if (props.elasticsearchExporter === false) return undefined;
    return new ElasticsearchExporter(this, 'elasticsearch-exporter', {
      ...props.elasticsearchExporter,
      namespace: this.namespace,
      elasticsearch: this.elasticsearch,
    });
  }

  private addKibana(props: ObservabilityStackProps): Kibana {
    return new Kibana(this, 'kibana', {
      ...props.kibana,
      namespace: this.namespace,
      elasticsearch: this.elasticsearch,
      image: this.elasticImage('kibana', props.kibana?.image),
      publicBaseUrl: this.publicUrl(
        StackUi.KIBANA,
        'kibana.publicBaseUrl',
        props.kibana?.publicBaseUrl,
      ),
    });
  }

  private addLogstash(props: ObservabilityStackProps): Logstash | undefined {
    if (props.logstash === false) return undefined;
    return new Logstash(this, 'logstash', {
      ...props.logstash,
      namespace: this.namespace,
      elasticsearch: this.elasticsearch,
      image: this.elasticImage('logstash', props.logstash?.image),
      logClasses: this.logClasses,
    });
  }

  /** Filebeat ships to Logstash if there is one, else straight to Elasticsearch. */
  private addFilebeat(props: ObservabilityStackProps): Filebeat {
    return new Filebeat(this, 'filebeat', {
      ...props.filebeat,
      namespace: this.agentsNamespace,
      image: this.elasticImage('filebeat', props.filebeat?.image),
      logClasses: this.logClasses,
      ...(this.logstash ? { logstash: this.logstash } : { elasticsearch: this.elasticsearch }),
    });
  }

  private addAlertmanager(props: ObservabilityStackProps): Alertmanager {
    return new Alertmanager(this, 'alertmanager', {
      ...props.alertmanager,
      namespace: this.namespace,
      externalUrl: this.publicUrl(
        StackUi.ALERTMANAGER,
        'alertmanager.externalUrl',
        props.alertmanager?.externalUrl,
      ),
    });
  }

  /** Prometheus with the application rules and the rules of the stack's own components. */
  private addPrometheus(props: ObservabilityStackProps): Prometheus {
    const prometheus = new Prometheus(this, 'prometheus', {
      ...props.prometheus,
      namespace: this.namespace,
      externalLabels: {
        ...props.prometheus?.externalLabels,
        env: this.environment,
        region: this.region,
      },
      externalUrl: this.publicUrl(
        StackUi.PROMETHEUS,
        'prometheus.externalUrl',
        props.prometheus?.externalUrl,
      ),
      alertmanager: this.alertmanager,
      // etcd's client certificate, for the control-plane mixin's etcd job.
      secretFiles: [
        ...(props.prometheus?.secretFiles ?? []),
        ...(props.controlPlane ? controlPlaneSecretFiles(props.controlPlane, this) : []),
      ],
    });
    return prometheus;
  }

  /** The mixins of the components that run, added to Prometheus and Grafana. */
  private addMonitoring(props: ObservabilityStackProps): MonitoringMixin[] {
    const context: MixinContext = {
      alerts: props.alerts,
      namespace: this.namespace,
      agentsNamespace: this.agentsNamespace,
      scope: this,
      propPrefix: 'alerts.',
    };
    const logstash = this.logstash?.metricsPort !== undefined ? this.logstash : undefined;
    const setup = this.elasticsearchSetup;
    const mixins = [
      applicationsMixin(context),
      kubernetesMixin(context, { kubeStateMetricsJob: this.kubeStateMetrics.scrapeJob.jobName }),
      nodeMixin(context),
      stackMixin(context, {
        logstash: logstash !== undefined,
        elasticsearchExporter: this.elasticsearchExporter !== undefined,
      }),
      // Only mixins on metrics something here exports: an absent component's rules could never fire.
      ...(this.elasticsearchExporter
        ? [
            elasticsearchMixin(context, {
              // Only when the exporter reads snapshots: the rule's metrics come from nowhere else.
              snapshots:
                this.elasticsearchExporter.snapshots && setup.snapshotLifecycle
                  ? {
                      repository: setup.snapshotRepository!.name,
                      policies: setup.snapshotPolicies.map((p) => p.id),
                      staleAfter: setup.snapshotLifecycle.staleAfter,
                    }
                  : undefined,
              nodes: this.elasticsearch.nodeGroups.reduce((sum, g) => sum + g.replicas, 0),
              // Only when the exporter reads ILM: the rule's metric comes from nowhere else.
              ilm: this.elasticsearchExporter.ilm,
            }),
          ]
        : []),
      ...(logstash
        ? [
            logstashMixin(context, {
              deadLetterQueue: logstash.deadLetterQueue,
              persistentQueue: logstash.persistentQueue,
            }),
          ]
        : []),
      ...(this.filebeat.metricsPort !== undefined ? [filebeatMixin(context)] : []),
      jaegerMixin(context),
      prometheusMixin(context),
      alertmanagerMixin(context),
      ...(props.controlPlane === false
        ? []
        : [controlPlaneMixin(context, props.controlPlane ?? {})]),
    ];
    applyMixins(this, mixins, { prometheus: this.prometheus, grafana: this.grafana });
    return mixins;
  }

  private addNodeExporter(props: ObservabilityStackProps): NodeExporter {
    return new NodeExporter(this, 'node-exporter', {
      ...props.nodeExporter,
      namespace: this.agentsNamespace,
    });
  }

  private addKubeStateMetrics(props: ObservabilityStackProps): KubeStateMetrics {
    const kubeStateMetrics = new KubeStateMetrics(this, 'kube-state-metrics', {
      ...props.kubeStateMetrics,
      namespace: this.namespace,
    });
    this.prometheus.addScrapeJob(kubeStateMetrics.scrapeJob);
    this.prometheus.addScrapeJob(kubeStateMetrics.telemetryScrapeJob);
    return kubeStateMetrics;
  }

  /** Jaeger; `indexPrefix` and `retention` only with Elasticsearch storage. */
  private addJaeger(props: ObservabilityStackProps): Jaeger {
    const { storage: traceStorage, indexPrefix, retention, ...jaegerProps } = props.jaeger ?? {};
    if (traceStorage === TraceStorage.MEMORY) {
      for (const [prop, value] of [
        ['indexPrefix', indexPrefix],
        ['retention', retention],
      ] as const) {
        if (value !== undefined) {
          invalidProp(
            this,
            `jaeger.${prop}`,
            value,
            'only applies to Elasticsearch storage, but jaeger.storage is TraceStorage.MEMORY',
            `remove jaeger.${prop}, or use TraceStorage.ELASTICSEARCH`,
          );
        }
      }
    }
    return new Jaeger(this, 'jaeger', {
      ...jaegerProps,
      namespace: this.namespace,
      publicBaseUrl: this.publicUrl(
        StackUi.JAEGER,
        'jaeger.publicBaseUrl',
        jaegerProps.publicBaseUrl,
      ),
      storage:
        (traceStorage ?? TraceStorage.ELASTICSEARCH) === TraceStorage.MEMORY
          ? JaegerStorage.memory()
          : JaegerStorage.elasticsearch(this.elasticsearch, { indexPrefix, retention }),
    });
  }

  /** Kibana's content; after Jaeger, so a log's trace.id links to its UI when the UI's URL is known. */
  private addKibanaSetup(props: ObservabilityStackProps): KibanaSetup {
    return new KibanaSetup(this, 'kibana-setup', {
      ...props.kibanaSetup,
      namespace: this.namespace,
      kibana: this.kibana,
      content: {
        jaegerUiUrl: this.jaeger.publicBaseUrl,
        ...props.kibanaSetup?.content,
        logClasses: this.logClasses,
      },
    });
  }

  /**
   * The log alerts, from the same rule options as the Kibana rules, labelled like the metric
   * alerts (`env`, `region`) and linking the same runbook pages.
   */
  private addLogAlerting(props: ObservabilityStackProps): LogAlerting | undefined {
    if (props.logAlerting === false) return undefined;
    const { runbookBaseUrl } = resolveAlertRules(props.alerts, {
      scope: this,
      propPrefix: 'alerts.',
    });
    return new LogAlerting(this, 'log-alerting', {
      ...props.logAlerting,
      namespace: this.namespace,
      elasticsearch: this.elasticsearch,
      alertmanager: this.alertmanager,
      rules: props.kibanaSetup?.alertRules,
      runbookBaseUrl,
      labels: { ...props.logAlerting?.labels, env: this.environment, region: this.region },
    });
  }

  private addGrafana(props: ObservabilityStackProps): Grafana {
    return new Grafana(this, 'grafana', {
      ...props.grafana,
      namespace: this.namespace,
      rootUrl: this.publicUrl(StackUi.GRAFANA, 'grafana.rootUrl', props.grafana?.rootUrl),
      prometheus: this.prometheus,
      elasticsearch: { cluster: this.elasticsearch },
      jaeger: this.jaeger,
    });
  }

  private addAccess(props: ObservabilityStackProps): UiAccess | undefined {
    if (!props.access) return undefined;
    return new UiAccess(this, 'access', {
      ...props.access,
      namespace: this.namespace,
      upstreams: {
        [StackUi.KIBANA]: this.kibana.endpoint,
        [StackUi.GRAFANA]: this.grafana.endpoint,
        [StackUi.JAEGER]: this.jaeger.queryEndpoint,
        [StackUi.PROMETHEUS]: this.prometheus.endpoint,
        [StackUi.ALERTMANAGER]: this.alertmanager.endpoint,
      },
    });
  }

  /**
   * The stack's own flows from outside: browsers to the UIs' sign-in proxies, or without
   * `access`, to the UIs where `uiClients` says an ingress authenticates them. Everything
   * else is recorded by the components.
   */
  private uiClientFlows(options: NetworkPolicyOptions | false | undefined): NetworkFlow[] {
    const from = (endpoints: ServiceEndpoint[], purpose: string): NetworkFlow[] =>
      endpoints.map((e) => ({
        from: NetworkPeer.external(UI_CLIENTS_PEER),
        to: e.target.peer,
        ports: e.target.ports,
        purpose,
      }));
    if (this.access) return from(this.access.endpoints, 'UI sign-in');
    if (options && options.uiClients) {
      return from(
        [
          this.kibana.endpoint,
          this.grafana.endpoint,
          this.jaeger.queryEndpoint,
          this.prometheus.endpoint,
          this.alertmanager.endpoint,
        ],
        'UI (the ingress authenticates)',
      );
    }
    return [];
  }

  /** Only `dev` turns Elasticsearch security off without the explicit opt-out, and the opt-out is never left over. */
  /** `logRefreshInterval`, checked here so that an error names the stack's prop. */
  private logRefreshInterval(props: ObservabilityStackProps): Duration {
    const interval =
      props.logRefreshInterval ?? renderSeconds(DEFAULT_LOG_REFRESH_INTERVAL_SECONDS);
    validateRefreshInterval(this, 'logRefreshInterval', interval);
    return interval;
  }

  private validateSecurityOptOut(props: ObservabilityStackProps): void {
    const securityOff = props.elasticsearch?.security?.enabled === false;
    if (securityOff && this.environment !== 'dev' && props.allowInsecureElasticsearch !== true) {
      invalidProp(
        this,
        'elasticsearch.security.enabled',
        false,
        `turns TLS and authentication off outside 'dev' (environment '${this.environment}')`,
        'keep security on, or set allowInsecureElasticsearch: true to accept an unauthenticated cluster',
      );
    }
    if (props.allowInsecureElasticsearch && !securityOff) {
      invalidProp(
        this,
        'allowInsecureElasticsearch',
        true,
        'has no effect while elasticsearch.security is on',
        'remove allowInsecureElasticsearch, or set elasticsearch.security.enabled: false',
      );
    }
  }

  /** Every Secret the stack reads, with its namespace: what the user must create before applying. */
  public get externalSecrets(): StackSecret[] {
    return listExternalSecrets(this);
  }

  /**
   * The longest time from an alert condition becoming true to Alertmanager sending the
   * notice, for a rule without `for:`: Prometheus' detection bound (longest scrape
   * interval plus the evaluation interval) plus the longest `group_wait`. HTTP latency
   * comes on top. The target (docs/architecture.md#51-targets) is 30 s; docs/alert-delay.md has the measured delays.
   */
  public get alertDeliveryBoundSeconds(): number {
    return this.prometheus.detectionBoundSeconds + this.alertmanager.longestGroupWaitSeconds;
  }

  /**
   * The longest time from a line appended to a running container's log to it being
   * searchable: Filebeat's backoff and queue flush, Logstash's batch delay (when there is
   * a Logstash) and the data streams' refresh interval. The target (docs/architecture.md#51-targets) is 5 s;
   * `latencyBudget` has the parts and the bound for a new container's first lines.
   */
  public get logSearchableBoundSeconds(): number {
    return this.latencyBudget.logs.totalSeconds;
  }

  /** Both latency budgets (logs searchable, alert delivered) with their parts, from the generated settings. */
  public get latencyBudget(): LatencyBudget {
    return latencyBudget(this);
  }
}
