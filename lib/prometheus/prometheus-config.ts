/**
 * The typed parts of `prometheus.yml` and of Prometheus rule files that this
 * package sets, and their pure renderers. Field names in comments are the
 * Prometheus names, so they can be looked up in its configuration docs.
 */

import { ExternalPeer, NetworkPeer, NetworkTarget, PodsSelector } from '../core/network-flow';
import { AlertRunbook } from './alert-runbook';

/** `global.scrape_interval` when `PrometheusProps.scrapeInterval` is not set (Prometheus' own default is 1m). */
export const DEFAULT_SCRAPE_INTERVAL = '15s';

/** The kubelet's HTTPS port, where the kubelet and cAdvisor jobs scrape each node. */
const KUBELET_PORT = 10250;

/** The nodes' own IPs, which no label selects: the kubelet and hostNetwork pods such as node-exporter. */
export const NODES_PEER: ExternalPeer = {
  name: 'nodes',
  address: { kind: 'cidr', option: 'nodesCidr' },
};

/**
 * Application pods in other namespaces: Prometheus scrapes them on any port (the Jaeger
 * collector takes their spans too). Their own namespaces' policies are theirs.
 */
export const APPLICATIONS_PEER: ExternalPeer = {
  name: 'applications',
  address: { kind: 'pods', option: 'applications', default: { namespaceSelector: {} } },
};

/** The Kubernetes API server: control-plane IPs, which no label selects. */
export const KUBERNETES_API_PEER: ExternalPeer = {
  name: 'kubernetes-api',
  address: {
    kind: 'cidr',
    option: 'kubernetesApiCidr',
    portsOption: 'kubernetesApiPorts',
  },
};

/** The cluster DNS pods while `networkPolicies.dns` is unset: CoreDNS as kubeadm, EKS, GKE and AKS label it. */
export const CLUSTER_DNS_PODS: PodsSelector = {
  namespaceSelector: { 'kubernetes.io/metadata.name': 'kube-system' },
  podSelector: { 'k8s-app': 'kube-dns' },
};

/** The cluster DNS (CoreDNS), which every pod queries and Prometheus scrapes on its metrics port. */
export const CLUSTER_DNS_PEER: ExternalPeer = {
  name: 'cluster-dns',
  address: { kind: 'pods', option: 'dns', default: CLUSTER_DNS_PODS },
};

/** Where the pod's service account token and cluster CA are mounted. */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Roles of `kubernetes_sd_configs`. */
export enum KubernetesSdRole {
  POD = 'pod',
  SERVICE = 'service',
  ENDPOINTS = 'endpoints',
  ENDPOINT_SLICE = 'endpointslice',
  NODE = 'node',
  INGRESS = 'ingress',
}

/** `action` of a relabel rule. */
export enum RelabelAction {
  REPLACE = 'replace',
  KEEP = 'keep',
  DROP = 'drop',
  KEEP_EQUAL = 'keepequal',
  DROP_EQUAL = 'dropequal',
  HASHMOD = 'hashmod',
  LABEL_MAP = 'labelmap',
  LABEL_DROP = 'labeldrop',
  LABEL_KEEP = 'labelkeep',
  LOWERCASE = 'lowercase',
  UPPERCASE = 'uppercase',
}

/** One `relabel_config`. */
export interface RelabelConfig {
  /** `source_labels`. @default - none */
  readonly sourceLabels?: string[];
  /** `separator`. @default ';' */
  readonly separator?: string;
  /** `regex`. @default '(.*)' */
  readonly regex?: string;
  /** `target_label`. @default - none */
  readonly targetLabel?: string;
  /** `replacement`. @default '$1' */
  readonly replacement?: string;
  /** `modulus`, for `hashmod`. @default - none */
  readonly modulus?: number;
  /** `action`. @default RelabelAction.REPLACE */
  readonly action?: RelabelAction;
}

/**
 * Cardinality guards of scraping: a scrape over a limit fails as a whole (the target is
 * `up == 0`, its samples are dropped) and a scrape pool over its target limit scrapes nothing,
 * which the Prometheus mixin's `PrometheusSampleLimitHit`, `PrometheusLabelLimitHit` and
 * `PrometheusTargetLimitHit` report. Each a positive integer; unset means the level above
 * (a job's limit falls back to the global one; the global one to none).
 */
export interface ScrapeLimits {
  /** `sample_limit`: samples per scrape, after metric relabelling. @default - the level above */
  readonly sampleLimit?: number;
  /** `label_limit`: labels per series. @default - the level above */
  readonly labelLimit?: number;
  /** `label_name_length_limit`: characters of a label name. @default - the level above */
  readonly labelNameLengthLimit?: number;
  /** `label_value_length_limit`: characters of a label value. @default - the level above */
  readonly labelValueLengthLimit?: number;
  /** `target_limit`: targets of a scrape job, after relabelling. @default - the level above */
  readonly targetLimit?: number;
}

/** The limits {@link ScrapeLimits} has, in `prometheus.yml` order, with their Prometheus names. */
export const SCRAPE_LIMIT_FIELDS: readonly (readonly [keyof ScrapeLimits, string])[] = [
  ['sampleLimit', 'sample_limit'],
  ['labelLimit', 'label_limit'],
  ['labelNameLengthLimit', 'label_name_length_limit'],
  ['labelValueLengthLimit', 'label_value_length_limit'],
  ['targetLimit', 'target_limit'],
];

/** `global:` limits when `PrometheusProps.scrapeLimits` is not set. */
export const DEFAULT_GLOBAL_SCRAPE_LIMITS: ScrapeLimits = { labelLimit: 64 };

/**
 * Limits of the `kubernetes-pods` job (every annotated pod of the cluster, the applications'
 * too) when `PrometheusProps.podScrapeLimits` is not set: one pod's label explosion or a
 * runaway Deployment cannot take Prometheus down.
 */
export const DEFAULT_POD_SCRAPE_LIMITS: ScrapeLimits = { sampleLimit: 50000, targetLimit: 2000 };

/** Renders the limits that are set, as `prometheus.yml` keys. */
export function renderScrapeLimits(limits: ScrapeLimits | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [field, key] of SCRAPE_LIMIT_FIELDS) {
    const value = limits?.[field];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** A scrape job (`scrape_config`): static targets or Kubernetes service discovery. */
export interface ScrapeJob extends ScrapeLimits {
  /** `job_name`, unique in the Prometheus config. */
  readonly jobName: string;
  /** `static_configs` targets (`host:port`). Exactly one of this and `kubernetesSd`. @default - none */
  readonly staticTargets?: string[];
  /** `kubernetes_sd_configs`. Exactly one of this and `staticTargets`. @default - none */
  readonly kubernetesSd?: {
    readonly role: KubernetesSdRole;
    /** @default - all namespaces */
    readonly namespaces?: string[];
  };
  /** `scrape_interval`. @default - the global scrape interval */
  readonly scrapeInterval?: string;
  /** `scrape_timeout`. @default - the global scrape timeout */
  readonly scrapeTimeout?: string;
  /** `metrics_path`. @default '/metrics' */
  readonly metricsPath?: string;
  /** `scheme`. @default 'http' */
  readonly scheme?: 'http' | 'https';
  /** `honor_labels`. @default false */
  readonly honorLabels?: boolean;
  /**
   * Authenticate with the pod's service account token and verify the server
   * with the cluster CA (`authorization.credentials_file`, `tls_config.ca_file`).
   * @default false
   */
  readonly serviceAccountAuth?: boolean;
  /** `tls_config.insecure_skip_verify`. @default false */
  readonly insecureSkipVerify?: boolean;
  /**
   * The rest of `tls_config`: files in the Prometheus pod (`PrometheusProps.secretFiles` mounts
   * Secret keys as files) and the name the server's certificate must carry. A `caFile` here
   * replaces the cluster CA of `serviceAccountAuth`.
   * @default - none
   */
  readonly tlsConfig?: ScrapeTlsConfig;
  /** `relabel_configs`. @default - none */
  readonly relabelConfigs?: RelabelConfig[];
  /** `metric_relabel_configs`. @default - none */
  readonly metricRelabelConfigs?: RelabelConfig[];
  /**
   * What the job connects to, for the stack's network policies (not rendered into
   * `prometheus.yml`). Annotated pods need none: their policies come from the annotations.
   * @default - none
   */
  readonly networkTargets?: NetworkTarget[];
}

/** Files and names of a scrape job's `tls_config`. */
export interface ScrapeTlsConfig {
  /** `ca_file`: the CA that signed the server's certificate. @default - the system's CAs */
  readonly caFile?: string;
  /** `cert_file`: the client certificate, for servers that require one. @default - none */
  readonly certFile?: string;
  /** `key_file`: the client certificate's key; set with `certFile`. @default - none */
  readonly keyFile?: string;
  /** `server_name`: the name the server's certificate is checked for. @default - the target's host */
  readonly serverName?: string;
}

/** One alerting (`alert`) or recording (`record`) rule. */
export interface PrometheusRule {
  /** `alert`: the alert name. Exactly one of `alert` and `record`. @default - none */
  readonly alert?: string;
  /** `record`: the recorded series name. @default - none */
  readonly record?: string;
  /** `expr`, in PromQL. */
  readonly expr: string;
  /** `for`: how long the condition must hold before the alert fires. @default - fires at once */
  readonly for?: string;
  /** `keep_firing_for`. @default - none */
  readonly keepFiringFor?: string;
  /** `labels`, such as `severity`. @default - none */
  readonly labels?: Record<string, string>;
  /** `annotations`, such as `summary` and `description`; alerts only. @default - none */
  readonly annotations?: Record<string, string>;
  /**
   * The alert's runbook, which `npm run docs:runbooks` renders as the page its `runbook_url`
   * annotation opens; not rendered into the rule file. Alerts only.
   * @default - none
   */
  readonly runbook?: AlertRunbook;
}

/** A rule group of a rule file. */
export interface PrometheusRuleGroup {
  /** `name`, unique across the rule files. */
  readonly name: string;
  /** `interval`. @default - the global evaluation interval */
  readonly interval?: string;
  /** `rules`. */
  readonly rules: PrometheusRule[];
}

/** What {@link renderPrometheusConfig} needs. */
export interface PrometheusConfigOptions {
  /** `global.scrape_interval`. */
  readonly scrapeInterval: string;
  /** `global.evaluation_interval`. */
  readonly evaluationInterval: string;
  /** `global.external_labels`, as given (`$` is escaped here). */
  readonly externalLabels: Record<string, string>;
  /**
   * Name of an external label set to each replica's pod name (from the
   * `POD_NAME` environment variable), or none for a single server.
   */
  readonly replicaLabel?: string;
  /** `rule_files`. */
  readonly ruleFiles: string[];
  /** Alertmanager Services to send alerts to (every pod behind each). */
  readonly alertmanagers: {
    readonly serviceName: string;
    readonly namespace: string;
    readonly port: number;
  }[];
  /** Skip verification of kubelet serving certificates (self-signed on kind/minikube). */
  readonly kubeletInsecureSkipVerify: boolean;
  /** Jobs after the default ones. */
  readonly scrapeJobs: ScrapeJob[];
  /** Limits in `global:`, for every job. @default - none */
  readonly scrapeLimits?: ScrapeLimits;
  /** Limits of the `kubernetes-pods` job. @default - none */
  readonly podScrapeLimits?: ScrapeLimits;
  /** `remote_write` entries, as rendered by `renderRemoteWrite` (lib/prometheus/remote-write.ts). @default - none */
  readonly remoteWrite?: Record<string, unknown>[];
}

/** Renders one `relabel_config`. */
export function renderRelabelConfig(r: RelabelConfig): Record<string, unknown> {
  return omitUndefined({
    source_labels: r.sourceLabels,
    separator: r.separator,
    regex: r.regex,
    target_label: r.targetLabel,
    replacement: r.replacement,
    modulus: r.modulus,
    action: r.action,
  });
}

/** Renders one `scrape_config`. */
export function renderScrapeConfig(job: ScrapeJob): Record<string, unknown> {
  const tlsFields = omitUndefined({
    ca_file:
      job.tlsConfig?.caFile ??
      (job.serviceAccountAuth ? `${SERVICE_ACCOUNT_DIR}/ca.crt` : undefined),
    cert_file: job.tlsConfig?.certFile,
    key_file: job.tlsConfig?.keyFile,
    server_name: job.tlsConfig?.serverName,
    insecure_skip_verify: job.insecureSkipVerify || undefined,
  });
  const tls = Object.keys(tlsFields).length > 0 ? tlsFields : undefined;
  return omitUndefined({
    job_name: job.jobName,
    scrape_interval: job.scrapeInterval,
    scrape_timeout: job.scrapeTimeout,
    metrics_path: job.metricsPath,
    scheme: job.scheme,
    honor_labels: job.honorLabels,
    ...renderScrapeLimits(job),
    authorization: job.serviceAccountAuth
      ? { credentials_file: `${SERVICE_ACCOUNT_DIR}/token` }
      : undefined,
    tls_config: tls,
    static_configs: job.staticTargets ? [{ targets: job.staticTargets }] : undefined,
    kubernetes_sd_configs: job.kubernetesSd
      ? [
          omitUndefined({
            role: job.kubernetesSd.role,
            namespaces: job.kubernetesSd.namespaces
              ? { names: job.kubernetesSd.namespaces }
              : undefined,
          }),
        ]
      : undefined,
    relabel_configs: nonEmpty(job.relabelConfigs?.map(renderRelabelConfig)),
    metric_relabel_configs: nonEmpty(job.metricRelabelConfigs?.map(renderRelabelConfig)),
  });
}

/**
 * Relabel rules of the `prometheus.io/scrape|scheme|path|port` annotation
 * convention, for pods (`kind` = `pod`) or Services (`kind` = `service`).
 */
function annotationRelabelling(kind: 'pod' | 'service'): RelabelConfig[] {
  const annotation = (name: string) => `__meta_kubernetes_${kind}_annotation_prometheus_io_${name}`;
  return [
    { sourceLabels: [annotation('scrape')], regex: 'true', action: RelabelAction.KEEP },
    { sourceLabels: [annotation('scheme')], regex: '(https?)', targetLabel: '__scheme__' },
    { sourceLabels: [annotation('path')], regex: '(.+)', targetLabel: '__metrics_path__' },
    // Replace the discovered port (if any) by the annotated one.
    {
      sourceLabels: ['__address__', annotation('port')],
      regex: '(.+?)(?::\\d+)?;(\\d+)',
      replacement: '$1:$2',
      targetLabel: '__address__',
    },
    { regex: `__meta_kubernetes_${kind}_label_(.+)`, action: RelabelAction.LABEL_MAP },
    { sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace' },
  ];
}

/** The scrape jobs every Prometheus of this package has. */
export function defaultScrapeJobs(options: {
  kubeletInsecureSkipVerify: boolean;
  /** Limits of the `kubernetes-pods` job. @default - none */
  podScrapeLimits?: ScrapeLimits;
}): ScrapeJob[] {
  const kubelet = (jobName: string, metricsPath: string): ScrapeJob => ({
    jobName,
    kubernetesSd: { role: KubernetesSdRole.NODE },
    scheme: 'https',
    metricsPath,
    serviceAccountAuth: true,
    insecureSkipVerify: options.kubeletInsecureSkipVerify,
    networkTargets: [{ peer: NetworkPeer.external(NODES_PEER), ports: [{ port: KUBELET_PORT }] }],
    relabelConfigs: [
      { regex: '__meta_kubernetes_node_label_(.+)', action: RelabelAction.LABEL_MAP },
      { sourceLabels: ['__meta_kubernetes_node_name'], targetLabel: 'node' },
    ],
  });
  return [
    { jobName: 'prometheus', staticTargets: ['localhost:9090'] },
    {
      jobName: 'kubernetes-pods',
      ...options.podScrapeLimits,
      kubernetesSd: { role: KubernetesSdRole.POD },
      relabelConfigs: [
        // Finished pods keep their annotations but serve nothing.
        {
          sourceLabels: ['__meta_kubernetes_pod_phase'],
          regex: 'Pending|Succeeded|Failed|Completed',
          action: RelabelAction.DROP,
        },
        ...annotationRelabelling('pod'),
        { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' },
        { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' },
      ],
    },
    {
      jobName: 'kubernetes-service-endpoints',
      // EndpointSlices replace the deprecated Endpoints API.
      kubernetesSd: { role: KubernetesSdRole.ENDPOINT_SLICE },
      relabelConfigs: [
        ...annotationRelabelling('service'),
        { sourceLabels: ['__meta_kubernetes_service_name'], targetLabel: 'service' },
        { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' },
        { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' },
      ],
    },
    kubelet('kubernetes-nodes-kubelet', '/metrics'),
    kubelet('kubernetes-nodes-cadvisor', '/metrics/cadvisor'),
  ];
}

/** Renders `prometheus.yml`. */
export function renderPrometheusConfig(options: PrometheusConfigOptions): Record<string, unknown> {
  const externalLabels: Record<string, string> = {};
  // Prometheus 3 expands ${VAR} in external label values; escape what the user gave.
  for (const [key, value] of Object.entries(options.externalLabels))
    externalLabels[key] = value.replace(/\$/g, '$$$$');
  if (options.replicaLabel) externalLabels[options.replicaLabel] = '${POD_NAME}';

  const alerting =
    options.alertmanagers.length === 0
      ? undefined
      : omitUndefined({
          // HA replicas send identical alerts; without their replica label Alertmanager deduplicates them.
          alert_relabel_configs: options.replicaLabel
            ? [
                renderRelabelConfig({
                  regex: options.replicaLabel,
                  action: RelabelAction.LABEL_DROP,
                }),
              ]
            : undefined,
          // Each alert goes to every Alertmanager pod, as clustering requires, not to one behind the Service.
          alertmanagers: options.alertmanagers.map((am) => ({
            api_version: 'v2',
            kubernetes_sd_configs: [
              { role: KubernetesSdRole.ENDPOINT_SLICE, namespaces: { names: [am.namespace] } },
            ],
            relabel_configs: [
              renderRelabelConfig({
                sourceLabels: ['__meta_kubernetes_service_name'],
                regex: am.serviceName,
                action: RelabelAction.KEEP,
              }),
              renderRelabelConfig({
                sourceLabels: ['__meta_kubernetes_endpointslice_port'],
                regex: String(am.port),
                action: RelabelAction.KEEP,
              }),
            ],
          })),
        });

  return omitUndefined({
    global: {
      scrape_interval: options.scrapeInterval,
      evaluation_interval: options.evaluationInterval,
      external_labels: Object.keys(externalLabels).length > 0 ? externalLabels : undefined,
      ...renderScrapeLimits(options.scrapeLimits),
    },
    rule_files: nonEmpty(options.ruleFiles),
    alerting,
    remote_write: nonEmpty(options.remoteWrite),
    scrape_configs: [
      ...defaultScrapeJobs({
        kubeletInsecureSkipVerify: options.kubeletInsecureSkipVerify,
        podScrapeLimits: options.podScrapeLimits,
      }),
      ...options.scrapeJobs,
    ].map(renderScrapeConfig),
  });
}

/** Renders a rule file (`groups:`). */
export function renderPrometheusRules(groups: PrometheusRuleGroup[]): Record<string, unknown> {
  return {
    groups: groups.map((g) =>
      omitUndefined({
        name: g.name,
        interval: g.interval,
        rules: g.rules.map((r) =>
          omitUndefined({
            alert: r.alert,
            record: r.record,
            expr: r.expr,
            for: r.for,
            keep_firing_for: r.keepFiringFor,
            labels: r.labels && Object.keys(r.labels).length > 0 ? r.labels : undefined,
            annotations:
              r.annotations && Object.keys(r.annotations).length > 0 ? r.annotations : undefined,
          }),
        ),
      }),
    ),
  };
}

function nonEmpty<T>(items: T[] | undefined): T[] | undefined {
  return items && items.length > 0 ? items : undefined;
}

function omitUndefined(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) if (value !== undefined) out[key] = value;
  return out;
}
