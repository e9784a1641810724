import { IConstruct } from 'constructs';
import { ErrorScope, invalidProp } from '../core/errors';
import { NetworkPeer } from '../core/network-flow';
import { validateDnsLabel, validateInteger } from '../core/names';
import { AlertSeverity, alertRule, percent } from '../prometheus/alert-rules';
import {
  CLUSTER_DNS_PEER,
  KUBERNETES_API_PEER,
  KubernetesSdRole,
  NODES_PEER,
  PrometheusRule,
  PrometheusRuleGroup,
  RelabelAction,
  RelabelConfig,
  ScrapeJob,
} from '../prometheus/prometheus-config';
import { PROMETHEUS_SECRETS_DIR, PrometheusSecretFile } from '../prometheus/prometheus';
import { apiServerDashboard } from './apiserver-dashboard';
import * as runbooks from './control-plane-runbooks';
import {
  kubeControllerManagerDashboard,
  kubeSchedulerDashboard,
} from './control-plane-components-dashboard';
import { corednsDashboard } from './coredns-dashboard';
import { etcdDashboard } from './etcd-dashboard';
import { alertsOf, MixinContext, MixinDashboard, MonitoringMixin } from './mixin';

/** Names of the control-plane mixin's alerts, for routes and silences. */
export enum ControlPlaneAlert {
  API_SERVER_ERROR_BUDGET_BURN_FAST = 'ApiServerErrorBudgetBurnFast',
  API_SERVER_ERROR_BUDGET_BURN_SLOW = 'ApiServerErrorBudgetBurnSlow',
  API_SERVER_DOWN = 'ApiServerDown',
  API_SERVER_TERMINATED_REQUESTS = 'ApiServerTerminatedRequests',
  API_SERVER_LATENCY_HIGH = 'ApiServerLatencyHigh',
  API_SERVER_CLIENT_CERTIFICATE_EXPIRING = 'ApiServerClientCertificateExpiring',
  API_SERVER_CLIENT_CERTIFICATE_EXPIRING_CRITICAL = 'ApiServerClientCertificateExpiringCritical',
  AGGREGATED_API_ERRORS = 'AggregatedApiErrors',
  AGGREGATED_API_DOWN = 'AggregatedApiDown',
  KUBE_CLIENT_ERRORS = 'KubeClientErrors',
  COREDNS_DOWN = 'CoreDnsDown',
  COREDNS_LATENCY_HIGH = 'CoreDnsLatencyHigh',
  COREDNS_ERRORS_HIGH = 'CoreDnsErrorsHigh',
  COREDNS_PANICS = 'CoreDnsPanics',
  COREDNS_FORWARD_LATENCY_HIGH = 'CoreDnsForwardLatencyHigh',
  COREDNS_FORWARD_ERRORS_HIGH = 'CoreDnsForwardErrorsHigh',
  COREDNS_FORWARD_UPSTREAMS_DOWN = 'CoreDnsForwardUpstreamsDown',
  ETCD_MEMBERS_DOWN = 'EtcdMembersDown',
  ETCD_NO_LEADER = 'EtcdNoLeader',
  ETCD_FREQUENT_LEADER_CHANGES = 'EtcdFrequentLeaderChanges',
  ETCD_GRPC_REQUESTS_FAILING = 'EtcdGrpcRequestsFailing',
  ETCD_GRPC_REQUESTS_SLOW = 'EtcdGrpcRequestsSlow',
  ETCD_FSYNC_DURATION_HIGH = 'EtcdFsyncDurationHigh',
  ETCD_COMMIT_DURATION_HIGH = 'EtcdCommitDurationHigh',
  ETCD_DATABASE_QUOTA_LOW = 'EtcdDatabaseQuotaLow',
  KUBE_SCHEDULER_DOWN = 'KubeSchedulerDown',
  KUBE_CONTROLLER_MANAGER_DOWN = 'KubeControllerManagerDown',
}

/** The Secret of etcd's client certificate (a client certificate etcd's CA signed) and the keys in it. */
export interface EtcdClientCertificateRef {
  /** Name of the Secret, in Prometheus' namespace. */
  readonly secretName: string;
  /** Key of the CA certificate that signed etcd's serving certificate. @default 'ca.crt' */
  readonly caKey?: string;
  /** Key of the client certificate. @default 'tls.crt' */
  readonly certKey?: string;
  /** Key of the client certificate's private key. @default 'tls.key' */
  readonly keyKey?: string;
}

/** How Prometheus scrapes etcd: over TLS with a client certificate. */
export interface EtcdMonitoringOptions {
  /**
   * A client certificate etcd accepts (on kubeadm, one signed by `/etc/kubernetes/pki/etcd/ca.crt`,
   * such as `apiserver-etcd-client.crt`), in a Secret you create; Prometheus mounts its keys
   * as files, so they never enter the manifests.
   */
  readonly clientCertificate: EtcdClientCertificateRef;
  /** Port where etcd serves `/metrics` over TLS: its client port. @default 2379 */
  readonly port?: number;
}

/** How Prometheus scrapes kube-scheduler or kube-controller-manager (HTTPS, the service account token). */
export interface ControlPlaneComponentOptions {
  /** The secure port. @default 10259 (kube-scheduler), 10257 (kube-controller-manager) */
  readonly port?: number;
  /**
   * Skip verification of the component's serving certificate: kubeadm's are self-signed
   * (no `--tls-cert-file`). The token is still sent. Without it the cluster CA must have signed it.
   * @default false
   */
  readonly insecureSkipVerify?: boolean;
}

/**
 * What the control-plane mixin scrapes beyond the API server and CoreDNS, which every cluster
 * has. etcd, kube-scheduler and kube-controller-manager are reachable only on self-managed
 * clusters (kubeadm and the like, their pods in `kube-system`); managed clusters (EKS, GKE, AKS)
 * do not expose them, so each is off unless set.
 */
export interface ControlPlaneMixinOptions {
  /**
   * Watch CoreDNS (pods `k8s-app=kube-dns` in kube-system serving metrics on 9153). `false` where
   * the cluster DNS is something else, such as GKE's kube-dns or Cloud DNS: `CoreDnsDown` would
   * fire there for want of targets.
   * @default true
   */
  readonly coredns?: boolean;
  /** Scrape etcd and add its alerts and dashboard. @default - off */
  readonly etcd?: EtcdMonitoringOptions;
  /** Scrape kube-scheduler (`KubeSchedulerDown`): `true` for the defaults. @default false */
  readonly scheduler?: boolean | ControlPlaneComponentOptions;
  /** Scrape kube-controller-manager (`KubeControllerManagerDown`): `true` for the defaults. @default false */
  readonly controllerManager?: boolean | ControlPlaneComponentOptions;
}

/** The availability objective of the API server (non-5xx answers over 30 days). */
const API_SERVER_SLO = 0.99;
/** The share of requests that may fail: 1 %, rounded so that thresholds render as written. */
const ERROR_BUDGET = Math.round((1 - API_SERVER_SLO) * 1e6) / 1e6;
/** Windows of the API server's recorded rates and ratios (multi-window, multi-burn-rate alerts). */
const BURN_RATE_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
type Window = (typeof BURN_RATE_WINDOWS)[number];

/**
 * Burn rates of the 30-day error budget: a share of the budget spent within a long window,
 * checked again over a short window so an alert ends soon after the errors do.
 */
const FAST_BURNS = [
  { budget: 0.02, long: '1h', short: '5m' },
  { budget: 0.05, long: '6h', short: '30m' },
] as const;
const SLOW_BURNS = [
  { budget: 0.1, long: '1d', short: '2h' },
  { budget: 0.1, long: '3d', short: '6h' },
] as const;
const HOURS: Record<Window, number> = {
  '5m': 1 / 12,
  '30m': 0.5,
  '1h': 1,
  '2h': 2,
  '6h': 6,
  '1d': 24,
  '3d': 72,
};
/** The error ratio at which the budget burns `rate` times faster than sustainable. */
function threshold(rate: number): number {
  return Math.round(rate * ERROR_BUDGET * 1e6) / 1e6;
}

/** How many times faster than sustainable the budget burns when `budget` of it goes in `window`. */
function burnRate(budget: number, window: Window): number {
  return Math.round(((budget * 30 * 24) / HOURS[window]) * 100) / 100;
}

const API = 'job="apiserver"';
const READ_VERBS = 'GET|LIST';
const WRITE_VERBS = 'POST|PUT|PATCH|DELETE|DELETECOLLECTION';
/**
 * Requests on API resources, without long-running ones (watches, exec, port-forward have no
 * meaningful duration or outcome). Health checks, metrics and discovery (no `resource`) are not
 * the API's service: a starting API server answers its own /readyz with 500.
 */
const SHORT_VERBS = `resource!="",verb=~"${READ_VERBS}|${WRITE_VERBS}"`;
/** Single-object reads and every write: the calls Kubernetes' SLOs expect within 1 s at the 99th percentile. */
const SINGLE_OBJECT_VERBS = `resource!="",verb=~"GET|${WRITE_VERBS}"`;
const COREDNS = 'job="coredns"';
const ETCD = 'job="etcd"';

/** `verb_class` read (GET, LIST) or write, added to a vector with a `verb` label. */
function withVerbClass(vector: string): string {
  return `label_replace(label_replace(${vector}, "verb_class", "read", "verb", "${READ_VERBS}"), "verb_class", "write", "verb", "${WRITE_VERBS}")`;
}

const requests = (w: string) => `verb_class_code_class:apiserver_requests:rate${w}`;
const errorRatio = (w: string) => `verb_class:apiserver_request_errors:ratio_rate${w}`;
const slowRatio = (w: string) => `verb_class:apiserver_request_slow:ratio_rate${w}`;
/** Recorded p99 of the API server's short requests per verb, resource and scope. */
const API_SERVER_P99 = 'verb_resource_scope:apiserver_request_duration_seconds:p99_rate5m';

/** The API server's recording rules: rates, error and slow ratios per window, availability, p99. */
function apiServerRecordingRules(): PrometheusRule[] {
  const rates = BURN_RATE_WINDOWS.map((w) => ({
    record: requests(w),
    expr: `sum by (verb_class, code_class) (label_replace(${withVerbClass(`rate(apiserver_request_total{${API},${SHORT_VERBS}}[${w}])`)}, "code_class", "\${1}xx", "code", "([0-9])[0-9][0-9]"))`,
  }));
  // Zero rather than nothing when no request failed, so the ratio and its panels exist.
  const errors = BURN_RATE_WINDOWS.map((w) => ({
    record: errorRatio(w),
    expr: `(sum by (verb_class) (${requests(w)}{code_class="5xx"}) or 0 * sum by (verb_class) (${requests(w)})) / sum by (verb_class) (${requests(w)})`,
  }));
  const slow = BURN_RATE_WINDOWS.map((w) => ({
    record: slowRatio(w),
    expr: `1 - sum by (verb_class) (${withVerbClass(`rate(apiserver_request_duration_seconds_bucket{${API},${SINGLE_OBJECT_VERBS},le="1.0"}[${w}])`)}) / sum by (verb_class) (${withVerbClass(`rate(apiserver_request_duration_seconds_count{${API},${SINGLE_OBJECT_VERBS}}[${w}])`)})`,
  }));
  return [
    ...rates,
    ...errors,
    ...slow,
    {
      // The 5m rates summed over 30 days weigh every evaluation by its traffic.
      record: 'verb_class:apiserver_request_availability:ratio_30d',
      expr: `1 - (sum by (verb_class) (sum_over_time(${requests('5m')}{code_class="5xx"}[30d])) or 0 * sum by (verb_class) (sum_over_time(${requests('5m')}[30d]))) / sum by (verb_class) (sum_over_time(${requests('5m')}[30d]))`,
    },
    {
      record: API_SERVER_P99,
      expr: `histogram_quantile(0.99, sum by (verb, resource, scope, le) (rate(apiserver_request_duration_seconds_bucket{${API},${SHORT_VERBS}}[5m])))`,
    },
  ];
}

/** CoreDNS' recording rules: request and response rates, SERVFAIL ratios and p99 latency, its own and its upstreams'. */
function corednsRecordingRules(): PrometheusRule[] {
  const servfailRatio = (metric: string, by: string) =>
    `(sum by (${by}) (rate(${metric}{${COREDNS},rcode="SERVFAIL"}[5m])) or 0 * sum by (${by}) (rate(${metric}{${COREDNS}}[5m]))) / sum by (${by}) (rate(${metric}{${COREDNS}}[5m]))`;
  const p99 = (metric: string, by: string) =>
    `histogram_quantile(0.99, sum by (${by}, le) (rate(${metric}{${COREDNS}}[5m])))`;
  return [
    {
      record: 'pod:coredns_dns_requests:rate5m',
      expr: `sum by (namespace, pod) (rate(coredns_dns_requests_total{${COREDNS}}[5m]))`,
    },
    {
      record: 'rcode:coredns_dns_responses:rate5m',
      expr: `sum by (rcode) (rate(coredns_dns_responses_total{${COREDNS}}[5m]))`,
    },
    {
      record: 'job:coredns_dns_responses_servfail:ratio_rate5m',
      expr: servfailRatio('coredns_dns_responses_total', 'job'),
    },
    {
      record: 'job:coredns_dns_request_duration_seconds:p99_rate5m',
      expr: p99('coredns_dns_request_duration_seconds_bucket', 'job'),
    },
    {
      record: 'to:coredns_forward_requests:rate5m',
      expr: `sum by (to) (rate(coredns_forward_requests_total{${COREDNS}}[5m]))`,
    },
    {
      record: 'to:coredns_forward_responses_servfail:ratio_rate5m',
      expr: servfailRatio('coredns_forward_responses_total', 'to'),
    },
    {
      record: 'to:coredns_forward_request_duration_seconds:p99_rate5m',
      expr: p99('coredns_forward_request_duration_seconds_bucket', 'to'),
    },
  ];
}

/** Thresholds of the always-on alerts (the descriptions state them; runbooks do not). */
const TERMINATED_RATIO = 0.05;
const CERT_WARNING_SECONDS = 7 * 24 * 3600;
const CERT_CRITICAL_SECONDS = 24 * 3600;
const CLIENT_ERROR_RATIO = 0.01;
const DNS_P99_SECONDS = 1;
const DNS_SERVFAIL_RATIO = 0.03;
/** etcd's guidance: p99 WAL fsync under 10 ms and backend commit under 25 ms on healthy disks; these are far past it. */
const ETCD_FSYNC_P99_SECONDS = 0.5;
const ETCD_COMMIT_P99_SECONDS = 0.25;
const ETCD_GRPC_P99_SECONDS = 0.15;
const ETCD_GRPC_ERROR_RATIO = 0.01;
const ETCD_LEADER_CHANGES = 3;
const ETCD_DB_QUOTA_RATIO = 0.8;
/** gRPC codes that are the server's fault, not the client's. */
const ETCD_GRPC_ERRORS =
  'Unknown|FailedPrecondition|ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded';

/** Relabelling of a job of pods in `kube-system` with label `component` = `value`, on `port` of the pod's IP. */
function controlPlanePods(value: string, port: number): RelabelConfig[] {
  return [
    {
      sourceLabels: ['__meta_kubernetes_pod_phase'],
      regex: 'Pending|Succeeded|Failed|Completed',
      action: RelabelAction.DROP,
    },
    {
      sourceLabels: ['__meta_kubernetes_pod_label_component'],
      regex: value,
      action: RelabelAction.KEEP,
    },
    // One target per pod: static pods declare no container ports, so the address is the pod's IP.
    {
      sourceLabels: ['__meta_kubernetes_pod_ip'],
      regex: '(.+)',
      replacement: `$1:${port}`,
      targetLabel: '__address__',
    },
    { sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace' },
    { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' },
    { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' },
  ];
}

/** Where the etcd client certificate's files are mounted in the Prometheus pods. */
const ETCD_FILES = { ca: 'etcd-ca.crt', cert: 'etcd-client.crt', key: 'etcd-client.key' } as const;

/** `options` checked, with defaults; errors name `controlPlane.<prop>`. */
interface ResolvedControlPlane {
  readonly coredns: boolean;
  readonly etcd?: { readonly ref: Required<EtcdClientCertificateRef>; readonly port: number };
  readonly scheduler?: Required<ControlPlaneComponentOptions>;
  readonly controllerManager?: Required<ControlPlaneComponentOptions>;
}

/** The keys of the etcd client certificate's Secret when not given (a `kubernetes.io/tls` Secret and its CA). */
const DEFAULT_KEYS = { caKey: 'ca.crt', certKey: 'tls.crt', keyKey: 'tls.key' } as const;
/** A Secret's data key. */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** Prefix of the prop names errors name: the stack's prop, and the option's shape. */
const PREFIX = 'controlPlane.';

function resolveOptions(
  scope: ErrorScope,
  options: ControlPlaneMixinOptions,
): ResolvedControlPlane {
  const prefix = PREFIX;
  const component = (
    name: 'scheduler' | 'controllerManager',
    defaultPort: number,
  ): Required<ControlPlaneComponentOptions> | undefined => {
    const value = options[name];
    if (value === undefined || value === false) return undefined;
    if (value !== true && (typeof value !== 'object' || value === null)) {
      invalidProp(
        scope,
        `${prefix}${name}`,
        value,
        'must be a boolean or an object',
        `set true (defaults), { port, insecureSkipVerify }, or leave it out on a managed cluster`,
      );
    }
    const given = value === true ? {} : value;
    const insecureSkipVerify = given.insecureSkipVerify ?? false;
    if (typeof insecureSkipVerify !== 'boolean') {
      invalidProp(
        scope,
        `${prefix}${name}.insecureSkipVerify`,
        insecureSkipVerify,
        'must be a boolean',
        'set true for self-signed serving certificates, else leave it out',
      );
    }
    return {
      port: validateInteger(scope, `${prefix}${name}.port`, given.port ?? defaultPort, 1, 65535),
      insecureSkipVerify,
    };
  };
  let etcd: ResolvedControlPlane['etcd'];
  if (options.etcd !== undefined) {
    const cert = options.etcd.clientCertificate as EtcdClientCertificateRef | undefined;
    if (!cert || typeof cert !== 'object') {
      invalidProp(
        scope,
        `${prefix}etcd.clientCertificate`,
        cert,
        'is required: etcd serves its metrics only to clients with a certificate its CA signed',
        "name the Secret holding one, such as { secretName: 'etcd-client' } (keys ca.crt, tls.crt, tls.key)",
      );
    }
    const ref = {
      secretName: cert.secretName,
      caKey: cert.caKey ?? DEFAULT_KEYS.caKey,
      certKey: cert.certKey ?? DEFAULT_KEYS.certKey,
      keyKey: cert.keyKey ?? DEFAULT_KEYS.keyKey,
    };
    const prop = `${prefix}etcd.clientCertificate`;
    validateDnsLabel(scope, `${prop}.secretName`, ref.secretName, 253);
    for (const field of ['caKey', 'certKey', 'keyKey'] as const) {
      if (typeof ref[field] !== 'string' || !SECRET_KEY.test(ref[field])) {
        invalidProp(
          scope,
          `${prop}.${field}`,
          ref[field],
          'must name a key of the Secret',
          `give the key that holds it, or leave it out for '${DEFAULT_KEYS[field]}'`,
        );
      }
    }
    etcd = {
      ref,
      port: validateInteger(scope, `${prefix}etcd.port`, options.etcd.port ?? 2379, 1, 65535),
    };
  }
  const coredns = options.coredns ?? true;
  if (typeof coredns !== 'boolean') {
    invalidProp(
      scope,
      `${prefix}coredns`,
      coredns,
      'must be a boolean',
      'leave it out to watch CoreDNS, or set false where the cluster DNS is not CoreDNS',
    );
  }
  return {
    coredns,
    etcd,
    scheduler: component('scheduler', 10259),
    controllerManager: component('controllerManager', 10257),
  };
}

/**
 * The Secret keys Prometheus must mount for the control-plane mixin (etcd's client
 * certificate): pass them as `PrometheusProps.secretFiles`. `ObservabilityStack` does so for
 * its `controlPlane` prop. None without etcd.
 */
export function controlPlaneSecretFiles(
  options: ControlPlaneMixinOptions,
  scope: IConstruct | string = 'controlPlaneSecretFiles',
): PrometheusSecretFile[] {
  const { etcd } = resolveOptions(scope, options);
  if (!etcd) return [];
  const purpose = 'client certificate Prometheus scrapes etcd with';
  return [
    { ref: { name: etcd.ref.secretName, key: etcd.ref.caKey }, file: ETCD_FILES.ca, purpose },
    { ref: { name: etcd.ref.secretName, key: etcd.ref.certKey }, file: ETCD_FILES.cert, purpose },
    { ref: { name: etcd.ref.secretName, key: etcd.ref.keyKey }, file: ETCD_FILES.key, purpose },
  ];
}

/**
 * The control-plane mixin: the Kubernetes API server (availability SLO of 99 % over 30 days
 * with multi-window, multi-burn-rate alerts, latency, terminated requests, client certificates
 * about to expire, aggregated APIs, API clients failing) and CoreDNS (down, latency, SERVFAIL,
 * panics, its upstreams), with their scrape jobs and the `apiserver` and `coredns` dashboards;
 * on self-managed clusters, opt-in etcd, kube-scheduler and kube-controller-manager.
 * `options.etcd` needs the files of {@link controlPlaneSecretFiles} mounted in Prometheus;
 * `options.coredns: false` leaves CoreDNS out where the cluster DNS is something else.
 */
export function controlPlaneMixin(
  context: MixinContext,
  options: ControlPlaneMixinOptions = {},
): MonitoringMixin {
  const c = alertsOf(context);
  const resolved = resolveOptions(context.scope ?? 'controlPlaneMixin', options);
  const fast = FAST_BURNS.map((b) => ({ ...b, rate: burnRate(b.budget, b.long) }));
  const slow = SLOW_BURNS.map((b) => ({ ...b, rate: burnRate(b.budget, b.long) }));
  const burnExpr = (burns: readonly { long: Window; short: Window; rate: number }[]) =>
    burns
      .map(
        (b) =>
          `(${errorRatio(b.long)} > ${threshold(b.rate)} and ${errorRatio(b.short)} > ${threshold(b.rate)})`,
      )
      .join(' or ');
  const burnText = (burns: readonly { budget: number; long: string; short: string }[]) =>
    burns
      .map((b) => `${percent(b.budget)} of it in ${b.long}, confirmed over ${b.short}`)
      .join(', or ');

  const alerts: PrometheusRule[] = [
    alertRule(c, {
      alert: ControlPlaneAlert.API_SERVER_ERROR_BUDGET_BURN_FAST,
      expr: burnExpr(fast),
      for: '2m',
      severity: AlertSeverity.CRITICAL,
      summary: 'API server error budget burning fast',
      description: `{{ $value | humanizePercentage }} of the API server's {{ $labels.verb_class }} requests fail with 5xx: the 30-day error budget of its ${percent(API_SERVER_SLO)} availability objective burns fast (${burnText(fast)}).`,
      runbook: runbooks.API_SERVER_ERROR_BUDGET_BURN_FAST_RUNBOOK,
    }),
    alertRule(c, {
      alert: ControlPlaneAlert.API_SERVER_ERROR_BUDGET_BURN_SLOW,
      expr: burnExpr(slow),
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'API server error budget burning',
      description: `{{ $value | humanizePercentage }} of the API server's {{ $labels.verb_class }} requests fail with 5xx: the 30-day error budget of its ${percent(API_SERVER_SLO)} availability objective runs out before the 30 days end (${burnText(slow)}).`,
      runbook: runbooks.API_SERVER_ERROR_BUDGET_BURN_SLOW_RUNBOOK,
    }),
    alertRule(c, {
      alert: ControlPlaneAlert.API_SERVER_DOWN,
      expr: `absent(up{${API}} == 1)`,
      for: c.targetDownFor,
      severity: AlertSeverity.CRITICAL,
      summary: 'Kubernetes API server unreachable',
      description: `Prometheus has reached no API server endpoint (Service default/kubernetes, port https) for ${c.targetDownFor}: the API is down, or Prometheus cannot reach or authenticate to it.`,
      runbook: runbooks.API_SERVER_DOWN_RUNBOOK,
    }),
    alertRule(c, {
      alert: ControlPlaneAlert.API_SERVER_TERMINATED_REQUESTS,
      expr: `sum by (job) (rate(apiserver_request_terminations_total{${API}}[10m])) / (sum by (job) (rate(apiserver_request_total{${API}}[10m])) + sum by (job) (rate(apiserver_request_terminations_total{${API}}[10m]))) > ${TERMINATED_RATIO}`,
      for: '5m',
      severity: AlertSeverity.WARNING,
      summary: 'API server terminating requests',
      description: `The API server terminated {{ $value | humanizePercentage }} of its requests in the last 10 minutes (more than ${percent(TERMINATED_RATIO)}): it is overloaded and sheds load (priority and fairness, timeouts).`,
      runbook: runbooks.API_SERVER_TERMINATED_REQUESTS_RUNBOOK,
    }),
    alertRule(c, {
      alert: ControlPlaneAlert.API_SERVER_LATENCY_HIGH,
      // Kubernetes' API call latency SLOs: 1 s for single objects, 5 s for a namespace's list, 30 s for the cluster's.
      expr: `${API_SERVER_P99}{verb!="LIST"} > 1 or ${API_SERVER_P99}{verb="LIST",scope!="cluster"} > 5 or ${API_SERVER_P99}{verb="LIST",scope="cluster"} > 30`,
      for: '10m',
      severity: AlertSeverity.WARNING,
      summary: 'API server slow',
      description:
        "The 99th percentile of the API server's {{ $labels.verb }} requests on {{ $labels.resource }} (scope {{ $labels.scope }}) took {{ $value | humanizeDuration }} for 10 minutes, more than Kubernetes' latency objective (1s for one object, 5s for a namespace's list, 30s for the cluster's).",
      runbook: runbooks.API_SERVER_LATENCY_HIGH_RUNBOOK,
    }),
    ...(
      [
        [
          ControlPlaneAlert.API_SERVER_CLIENT_CERTIFICATE_EXPIRING,
          CERT_WARNING_SECONDS,
          AlertSeverity.WARNING,
          '7 days',
          runbooks.API_SERVER_CLIENT_CERTIFICATE_EXPIRING_RUNBOOK,
        ],
        [
          ControlPlaneAlert.API_SERVER_CLIENT_CERTIFICATE_EXPIRING_CRITICAL,
          CERT_CRITICAL_SECONDS,
          AlertSeverity.CRITICAL,
          '24 hours',
          runbooks.API_SERVER_CLIENT_CERTIFICATE_EXPIRING_CRITICAL_RUNBOOK,
        ],
      ] as const
    ).map(([alert, seconds, severity, text, runbook]) =>
      alertRule(c, {
        alert,
        // The 1st percentile of the remaining lifetimes of the certificates clients presented in 5 minutes.
        expr: `histogram_quantile(0.01, sum by (job, le) (rate(apiserver_client_certificate_expiration_seconds_bucket{${API}}[5m]))) < ${seconds} and on (job) sum by (job) (rate(apiserver_client_certificate_expiration_seconds_count{${API}}[5m])) > 0`,
        for: '5m',
        severity,
        summary: `A client certificate of the API server expires within ${text}`,
        description: `Clients authenticate to the API server with certificates that expire in {{ $value | humanizeDuration }} (the 1st percentile of the last 5 minutes' requests), within ${text}; once expired, those clients (often kubelets or control-plane components) are refused.`,
        runbook,
      }),
    ),
    alertRule(c, {
      alert: ControlPlaneAlert.AGGREGATED_API_ERRORS,
      expr: `sum by (job, name) (increase(aggregator_unavailable_apiservice_total{${API}}[10m])) > 4`,
      severity: AlertSeverity.WARNING,
      summary: 'Aggregated API flapping',
      description:
        'The API server marked the aggregated API {{ $labels.name }} unavailable {{ $value | humanize }} times in the last 10 minutes: requests to it fail intermittently.',
      runbook: runbooks.AGGREGATED_API_ERRORS_RUNBOOK,
    }),
    alertRule(c, {
      alert: ControlPlaneAlert.AGGREGATED_API_DOWN,
      expr: `max by (job, name) (aggregator_unavailable_apiservice{${API}}) == 1`,
      for: '5m',
      severity: AlertSeverity.WARNING,
      summary: 'Aggregated API unavailable',
      description:
        'The aggregated API {{ $labels.name }} has been unavailable for 5 minutes: every request to it fails (for metrics.k8s.io: kubectl top and the HorizontalPodAutoscalers stop working).',
      runbook: runbooks.AGGREGATED_API_DOWN_RUNBOOK,
    }),
    alertRule(c, {
      alert: ControlPlaneAlert.KUBE_CLIENT_ERRORS,
      // client-go counts a request it could not send as code "<error>".
      expr: `sum by (job, instance, namespace, pod) (rate(rest_client_requests_total{code=~"5..|<error>"}[5m])) / sum by (job, instance, namespace, pod) (rate(rest_client_requests_total[5m])) > ${CLIENT_ERROR_RATIO}`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Kubernetes API client failing',
      description: `{{ $value | humanizePercentage }} of the Kubernetes API requests of {{ $labels.job }} {{ $labels.instance }}{{ if $labels.pod }} (pod {{ $labels.namespace }}/{{ $labels.pod }}){{ end }} failed (5xx or not sent) for 15 minutes, more than ${percent(CLIENT_ERROR_RATIO)}.`,
      runbook: runbooks.KUBE_CLIENT_ERRORS_RUNBOOK,
    }),
  ];
  const corednsAlerts: PrometheusRule[] = [
    alertRule(c, {
      alert: ControlPlaneAlert.COREDNS_DOWN,
      expr: `absent(up{${COREDNS}} == 1)`,
      for: c.targetDownFor,
      severity: AlertSeverity.CRITICAL,
      summary: 'CoreDNS unreachable',
      description: `Prometheus has reached no CoreDNS pod (kube-system, k8s-app=kube-dns, port 9153) for ${c.targetDownFor}: name resolution in the cluster is probably down, or Prometheus cannot reach CoreDNS.`,
      runbook: runbooks.COREDNS_DOWN_RUNBOOK,
    }),
    alertRule(c, {
      alert: ControlPlaneAlert.COREDNS_LATENCY_HIGH,
      expr: `histogram_quantile(0.99, sum by (job, server, zone, le) (rate(coredns_dns_request_duration_seconds_bucket{${COREDNS}}[5m]))) > ${DNS_P99_SECONDS}`,
      for: '10m',
      severity: AlertSeverity.WARNING,
      summary: 'CoreDNS slow',
      description: `The 99th percentile of CoreDNS' answers for zone {{ $labels.zone }} (server {{ $labels.server }}) took {{ $value | humanizeDuration }} for 10 minutes, more than ${DNS_P99_SECONDS}s.`,
      runbook: runbooks.COREDNS_LATENCY_HIGH_RUNBOOK,
    }),
    alertRule(c, {
      alert: ControlPlaneAlert.COREDNS_ERRORS_HIGH,
      expr: `sum by (job, server, zone) (rate(coredns_dns_responses_total{${COREDNS},rcode="SERVFAIL"}[5m])) / sum by (job, server, zone) (rate(coredns_dns_responses_total{${COREDNS}}[5m])) > ${DNS_SERVFAIL_RATIO}`,
      for: '10m',
      severity: AlertSeverity.WARNING,
      summary: 'CoreDNS answering SERVFAIL',
      description: `{{ $value | humanizePercentage }} of CoreDNS' answers for zone {{ $labels.zone }} (server {{ $labels.server }}) were SERVFAIL for 10 minutes, more than ${percent(DNS_SERVFAIL_RATIO)}.`,
      runbook: runbooks.COREDNS_ERRORS_HIGH_RUNBOOK,
    }),
    alertRule(c, {
      alert: ControlPlaneAlert.COREDNS_PANICS,
      expr: `sum by (job, namespace, pod) (increase(coredns_panics_total{${COREDNS}}[10m])) > 0`,
      severity: AlertSeverity.WARNING,
      summary: 'CoreDNS panicking',
      description:
        'CoreDNS pod {{ $labels.namespace }}/{{ $labels.pod }} panicked {{ $value | humanize }} times in the last 10 minutes; the queries it was answering failed.',
      runbook: runbooks.COREDNS_PANICS_RUNBOOK,
    }),
    alertRule(c, {
      alert: ControlPlaneAlert.COREDNS_FORWARD_LATENCY_HIGH,
      expr: `histogram_quantile(0.99, sum by (job, to, le) (rate(coredns_forward_request_duration_seconds_bucket{${COREDNS}}[5m]))) > ${DNS_P99_SECONDS}`,
      for: '10m',
      severity: AlertSeverity.WARNING,
      summary: 'CoreDNS upstream slow',
      description: `The 99th percentile of CoreDNS' queries forwarded to {{ $labels.to }} took {{ $value | humanizeDuration }} for 10 minutes, more than ${DNS_P99_SECONDS}s.`,
      runbook: runbooks.COREDNS_FORWARD_LATENCY_HIGH_RUNBOOK,
    }),
    alertRule(c, {
      alert: ControlPlaneAlert.COREDNS_FORWARD_ERRORS_HIGH,
      expr: `sum by (job, to) (rate(coredns_forward_responses_total{${COREDNS},rcode="SERVFAIL"}[5m])) / sum by (job, to) (rate(coredns_forward_responses_total{${COREDNS}}[5m])) > ${DNS_SERVFAIL_RATIO}`,
      for: '10m',
      severity: AlertSeverity.WARNING,
      summary: 'CoreDNS upstream answering SERVFAIL',
      description: `{{ $value | humanizePercentage }} of the answers of CoreDNS' upstream {{ $labels.to }} were SERVFAIL for 10 minutes, more than ${percent(DNS_SERVFAIL_RATIO)}.`,
      runbook: runbooks.COREDNS_FORWARD_ERRORS_HIGH_RUNBOOK,
    }),
    alertRule(c, {
      alert: ControlPlaneAlert.COREDNS_FORWARD_UPSTREAMS_DOWN,
      expr: `sum by (job, namespace, pod) (increase(coredns_forward_healthcheck_broken_total{${COREDNS}}[5m])) > 0`,
      severity: AlertSeverity.CRITICAL,
      summary: 'CoreDNS reaches none of its upstreams',
      description:
        'Every upstream of CoreDNS pod {{ $labels.namespace }}/{{ $labels.pod }} failed its health checks in the last 5 minutes: names outside the cluster do not resolve from it.',
      runbook: runbooks.COREDNS_FORWARD_UPSTREAMS_DOWN_RUNBOOK,
    }),
  ];

  const optIn = optInRules(c, resolved);
  const ruleGroups: PrometheusRuleGroup[] = [
    {
      name: 'control-plane-rules',
      interval: '1m',
      rules: [...apiServerRecordingRules(), ...(resolved.coredns ? corednsRecordingRules() : [])],
    },
    ...(optIn.records.length > 0
      ? [{ name: 'control-plane-etcd-rules', interval: '1m', rules: optIn.records }]
      : []),
    {
      name: 'control-plane-alerts',
      rules: [...alerts, ...(resolved.coredns ? corednsAlerts : []), ...optIn.alerts],
    },
  ];
  const dashboards: MixinDashboard[] = [
    { name: 'apiserver', json: apiServerDashboard() },
    ...(resolved.coredns ? [{ name: 'coredns', json: corednsDashboard() }] : []),
    ...(resolved.etcd ? [{ name: 'etcd', json: etcdDashboard() }] : []),
    ...(resolved.scheduler ? [{ name: 'kube-scheduler', json: kubeSchedulerDashboard() }] : []),
    ...(resolved.controllerManager
      ? [{ name: 'kube-controller-manager', json: kubeControllerManagerDashboard() }]
      : []),
  ];
  return {
    name: 'control-plane',
    ruleGroups,
    dashboards,
    scrapeJobs: controlPlaneScrapeJobs(resolved),
  };
}

/** The rules of etcd, kube-scheduler and kube-controller-manager, for those scraped. */
function optInRules(
  c: ReturnType<typeof alertsOf>,
  resolved: ResolvedControlPlane,
): { records: PrometheusRule[]; alerts: PrometheusRule[] } {
  const records: PrometheusRule[] = [];
  const alerts: PrometheusRule[] = [];
  if (resolved.etcd) {
    const p99 = (metric: string, by: string, filter = '') =>
      `histogram_quantile(0.99, sum by (${by}, le) (rate(${metric}{${ETCD}${filter}}[5m])))`;
    records.push(
      {
        record: 'instance:etcd_disk_wal_fsync_duration_seconds:p99_rate5m',
        expr: p99('etcd_disk_wal_fsync_duration_seconds_bucket', 'job, instance'),
      },
      {
        record: 'instance:etcd_disk_backend_commit_duration_seconds:p99_rate5m',
        expr: p99('etcd_disk_backend_commit_duration_seconds_bucket', 'job, instance'),
      },
      {
        record: 'instance:etcd_mvcc_db_quota_used:ratio',
        expr: `max by (job, instance) (etcd_mvcc_db_total_size_in_bytes{${ETCD}}) / max by (job, instance) (etcd_server_quota_backend_bytes{${ETCD}})`,
      },
      {
        record: 'grpc_method:etcd_grpc_requests_failed:ratio_rate5m',
        expr: `(sum by (job, grpc_service, grpc_method) (rate(grpc_server_handled_total{${ETCD},grpc_code=~"${ETCD_GRPC_ERRORS}"}[5m])) or 0 * sum by (job, grpc_service, grpc_method) (rate(grpc_server_handled_total{${ETCD}}[5m]))) / sum by (job, grpc_service, grpc_method) (rate(grpc_server_handled_total{${ETCD}}[5m]))`,
      },
    );
    alerts.push(
      alertRule(c, {
        alert: ControlPlaneAlert.ETCD_MEMBERS_DOWN,
        expr: `count by (job) (up{${ETCD}} == 0) > 0`,
        for: c.targetDownFor,
        severity: AlertSeverity.WARNING,
        summary: 'etcd members unreachable',
        description: `{{ $value }} etcd members have been unreachable for ${c.targetDownFor}: the cluster tolerates fewer failures, and without a majority it stops.`,
        runbook: runbooks.ETCD_MEMBERS_DOWN_RUNBOOK,
      }),
      alertRule(c, {
        alert: ControlPlaneAlert.ETCD_NO_LEADER,
        expr: `etcd_server_has_leader{${ETCD}} == 0`,
        for: '1m',
        severity: AlertSeverity.CRITICAL,
        summary: 'etcd member without a leader',
        description:
          'etcd member {{ $labels.instance }} has had no leader for 1 minute: it serves no writes, and the API server on it fails.',
        runbook: runbooks.ETCD_NO_LEADER_RUNBOOK,
      }),
      alertRule(c, {
        alert: ControlPlaneAlert.ETCD_FREQUENT_LEADER_CHANGES,
        expr: `max by (job) (increase(etcd_server_leader_changes_seen_total{${ETCD}}[15m])) > ${ETCD_LEADER_CHANGES}`,
        severity: AlertSeverity.WARNING,
        summary: 'etcd changing leaders often',
        description: `etcd changed leaders {{ $value | humanize }} times in the last 15 minutes (more than ${ETCD_LEADER_CHANGES}): every change stalls writes.`,
        runbook: runbooks.ETCD_FREQUENT_LEADER_CHANGES_RUNBOOK,
      }),
      alertRule(c, {
        alert: ControlPlaneAlert.ETCD_GRPC_REQUESTS_FAILING,
        expr: `sum by (job, instance, grpc_method) (rate(grpc_server_handled_total{${ETCD},grpc_code=~"${ETCD_GRPC_ERRORS}"}[5m])) / sum by (job, instance, grpc_method) (rate(grpc_server_handled_total{${ETCD}}[5m])) > ${ETCD_GRPC_ERROR_RATIO}`,
        for: '10m',
        severity: AlertSeverity.WARNING,
        summary: 'etcd requests failing',
        description: `{{ $value | humanizePercentage }} of etcd member {{ $labels.instance }}'s {{ $labels.grpc_method }} requests failed for 10 minutes, more than ${percent(ETCD_GRPC_ERROR_RATIO)}.`,
        runbook: runbooks.ETCD_GRPC_REQUESTS_FAILING_RUNBOOK,
      }),
      alertRule(c, {
        alert: ControlPlaneAlert.ETCD_GRPC_REQUESTS_SLOW,
        // grpc_server_handling_seconds exists only with etcd's --metrics=extensive.
        expr: `histogram_quantile(0.99, sum by (job, instance, grpc_method, le) (rate(grpc_server_handling_seconds_bucket{${ETCD},grpc_type="unary"}[5m]))) > ${ETCD_GRPC_P99_SECONDS}`,
        for: '10m',
        severity: AlertSeverity.WARNING,
        summary: 'etcd requests slow',
        description: `The 99th percentile of etcd member {{ $labels.instance }}'s {{ $labels.grpc_method }} requests took {{ $value | humanizeDuration }} for 10 minutes, more than ${ETCD_GRPC_P99_SECONDS}s.`,
        runbook: runbooks.ETCD_GRPC_REQUESTS_SLOW_RUNBOOK,
      }),
      alertRule(c, {
        alert: ControlPlaneAlert.ETCD_FSYNC_DURATION_HIGH,
        expr: `${p99('etcd_disk_wal_fsync_duration_seconds_bucket', 'job, instance')} > ${ETCD_FSYNC_P99_SECONDS}`,
        for: '10m',
        severity: AlertSeverity.WARNING,
        summary: 'etcd disk slow to sync its log',
        description: `The 99th percentile of etcd member {{ $labels.instance }}'s write-ahead log fsyncs took {{ $value | humanizeDuration }} for 10 minutes, more than ${ETCD_FSYNC_P99_SECONDS}s.`,
        runbook: runbooks.ETCD_FSYNC_DURATION_HIGH_RUNBOOK,
      }),
      alertRule(c, {
        alert: ControlPlaneAlert.ETCD_COMMIT_DURATION_HIGH,
        expr: `${p99('etcd_disk_backend_commit_duration_seconds_bucket', 'job, instance')} > ${ETCD_COMMIT_P99_SECONDS}`,
        for: '10m',
        severity: AlertSeverity.WARNING,
        summary: 'etcd disk slow to commit',
        description: `The 99th percentile of etcd member {{ $labels.instance }}'s backend commits took {{ $value | humanizeDuration }} for 10 minutes, more than ${ETCD_COMMIT_P99_SECONDS}s.`,
        runbook: runbooks.ETCD_COMMIT_DURATION_HIGH_RUNBOOK,
      }),
      alertRule(c, {
        alert: ControlPlaneAlert.ETCD_DATABASE_QUOTA_LOW,
        expr: `max by (job, instance) (etcd_mvcc_db_total_size_in_bytes{${ETCD}}) / max by (job, instance) (etcd_server_quota_backend_bytes{${ETCD}}) > ${ETCD_DB_QUOTA_RATIO}`,
        for: '10m',
        severity: AlertSeverity.WARNING,
        summary: 'etcd database close to its quota',
        description: `etcd member {{ $labels.instance }}'s database fills {{ $value | humanizePercentage }} of its quota (more than ${percent(ETCD_DB_QUOTA_RATIO)}); when full, etcd accepts no more writes.`,
        runbook: runbooks.ETCD_DATABASE_QUOTA_LOW_RUNBOOK,
      }),
    );
  }
  const down = (
    alert: ControlPlaneAlert,
    job: string,
    what: string,
    effect: string,
    runbook: typeof runbooks.KUBE_SCHEDULER_DOWN_RUNBOOK,
  ) =>
    alertRule(c, {
      alert,
      expr: `absent(up{job="${job}"} == 1)`,
      for: c.targetDownFor,
      severity: AlertSeverity.WARNING,
      summary: `${what} unreachable`,
      description: `Prometheus has reached no ${what} pod (kube-system) for ${c.targetDownFor}: ${effect}`,
      runbook,
    });
  if (resolved.scheduler)
    alerts.push(
      down(
        ControlPlaneAlert.KUBE_SCHEDULER_DOWN,
        'kube-scheduler',
        'kube-scheduler',
        'new pods stay Pending while no scheduler runs.',
        runbooks.KUBE_SCHEDULER_DOWN_RUNBOOK,
      ),
    );
  if (resolved.controllerManager)
    alerts.push(
      down(
        ControlPlaneAlert.KUBE_CONTROLLER_MANAGER_DOWN,
        'kube-controller-manager',
        'kube-controller-manager',
        'Deployments, ReplicaSets, Jobs and node lifecycle stop being reconciled while none runs.',
        runbooks.KUBE_CONTROLLER_MANAGER_DOWN_RUNBOOK,
      ),
    );
  return { records, alerts };
}

/** The scrape jobs: the API server and CoreDNS always, the opt-ins when set. */
function controlPlaneScrapeJobs(resolved: ResolvedControlPlane): ScrapeJob[] {
  const jobs: ScrapeJob[] = [
    {
      jobName: 'apiserver',
      kubernetesSd: { role: KubernetesSdRole.ENDPOINT_SLICE, namespaces: ['default'] },
      scheme: 'https',
      serviceAccountAuth: true,
      // The serving certificate always names the Service; its IPs vary by provider.
      tlsConfig: { serverName: 'kubernetes' },
      relabelConfigs: [
        {
          sourceLabels: [
            '__meta_kubernetes_service_name',
            '__meta_kubernetes_endpointslice_port_name',
          ],
          regex: 'kubernetes;https',
          action: RelabelAction.KEEP,
        },
      ],
      networkTargets: [
        { peer: NetworkPeer.external(KUBERNETES_API_PEER), ports: [{ port: 443 }, { port: 6443 }] },
      ],
    },
  ];
  if (resolved.coredns) {
    jobs.push({
      jobName: 'coredns',
      kubernetesSd: { role: KubernetesSdRole.POD, namespaces: ['kube-system'] },
      relabelConfigs: [
        {
          sourceLabels: ['__meta_kubernetes_pod_phase'],
          regex: 'Pending|Succeeded|Failed|Completed',
          action: RelabelAction.DROP,
        },
        {
          sourceLabels: ['__meta_kubernetes_pod_label_k8s_app'],
          regex: 'kube-dns',
          action: RelabelAction.KEEP,
        },
        {
          sourceLabels: ['__meta_kubernetes_pod_container_port_number'],
          regex: '9153',
          action: RelabelAction.KEEP,
        },
        { sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace' },
        { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' },
        { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' },
      ],
      networkTargets: [{ peer: NetworkPeer.external(CLUSTER_DNS_PEER), ports: [{ port: 9153 }] }],
    });
  }
  if (resolved.etcd) {
    jobs.push({
      jobName: 'etcd',
      kubernetesSd: { role: KubernetesSdRole.POD, namespaces: ['kube-system'] },
      scheme: 'https',
      tlsConfig: {
        caFile: `${PROMETHEUS_SECRETS_DIR}/${ETCD_FILES.ca}`,
        certFile: `${PROMETHEUS_SECRETS_DIR}/${ETCD_FILES.cert}`,
        keyFile: `${PROMETHEUS_SECRETS_DIR}/${ETCD_FILES.key}`,
      },
      relabelConfigs: controlPlanePods('etcd', resolved.etcd.port),
      // Static pods on the host network: the control-plane nodes' addresses.
      networkTargets: [
        { peer: NetworkPeer.external(NODES_PEER), ports: [{ port: resolved.etcd.port }] },
      ],
    });
  }
  const component = (jobName: string, o: Required<ControlPlaneComponentOptions>): ScrapeJob => ({
    jobName,
    kubernetesSd: { role: KubernetesSdRole.POD, namespaces: ['kube-system'] },
    scheme: 'https',
    serviceAccountAuth: true,
    insecureSkipVerify: o.insecureSkipVerify || undefined,
    relabelConfigs: controlPlanePods(jobName, o.port),
    networkTargets: [{ peer: NetworkPeer.external(NODES_PEER), ports: [{ port: o.port }] }],
  });
  if (resolved.scheduler) jobs.push(component('kube-scheduler', resolved.scheduler));
  if (resolved.controllerManager)
    jobs.push(component('kube-controller-manager', resolved.controllerManager));
  return jobs;
}
