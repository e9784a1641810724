/**
 * The cdk8s constructs of the observability stack: the whole stack in one chart
 * (`ObservabilityStack`), each component on its own, their props and the types they take.
 *
 * @module @observability/k8s-stack
 */
// Every name here is a promise, recorded in api/k8s-stack.api.md (`npm run api:update` after a
// deliberate change). Renderers, validators, resolvers and per-file constants stay internal;
// tests reach them by their module path. The Pulumi component is the separate `./pulumi` entry
// (lib/pulumi/index.ts), never re-exported here: it needs @pulumi/*, optional peer dependencies.

// The whole stack in one chart.
export { ObservabilityStack, TraceStorage, UI_CLIENTS_PEER } from './stack/observability-stack';
export type { ObservabilityStackProps, StackJaegerProps } from './stack/observability-stack';
export { listExternalSecrets } from './stack/external-secrets';
export type { StackSecret } from './stack/external-secrets';
export type { LatencyBudget, LatencyBreakdown, LatencyPart } from './stack/latency-budget';
// A namespace the package manages: its Pod Security labels and the NetworkPolicies of every flow in the App.
export { ObservabilityNamespace } from './stack/observability-namespace';
export type {
  ObservabilityNamespaceProps,
  PodSecurityLabels,
} from './stack/observability-namespace';
export { KUBERNETES_API_PEER } from './stack/network-policies';
export type { NetworkPolicyOptions } from './stack/network-policies';

// Shared building blocks: the base of every component, images, errors, network flows, secrets.
export { Component } from './core/component';
export type { ComponentProps, ServicePortSpec } from './core/component';
export type { ComponentIdentity } from './core/labels';
export { ServiceEndpoint } from './core/endpoint';
export { ConfigError } from './core/errors';
export { ElasticStackVersion, Images } from './core/images';
export { NetworkPeer } from './core/network-flow';
export type {
  ExternalCidrAddress,
  ExternalPeer,
  ExternalPeerAddress,
  ExternalPodsAddress,
  FlowPeer,
  FlowPort,
  NetworkFlow,
  NetworkTarget,
  PodsSelector,
} from './core/network-flow';
export type { ContainerResources } from './core/resources';
export type { Duration } from './core/duration';
export type { PersistentStorage } from './core/storage';
export type { PodSecurityLevel } from './core/security';
export type { BasicAuthSecretRef, ExternalSecret, SecretKeyRef } from './core/secrets';
export { SetupJob } from './core/setup-job';
export type { SetupJobProps } from './core/setup-job';
export { Spread } from './core/workload';

// Log classes and domains: what decides each event's data stream, retention and shards.
export {
  DEFAULT_LOG_CLASSES,
  DEFAULT_LOG_DOMAINS,
  LogClassMatch,
  withLogRetention,
} from './core/log-classes';
export type { LogClass, LogClassSearch, LogDomain, SeverityClass } from './core/log-classes';

// Elasticsearch.
export { ElasticsearchCluster, VirtualMemory } from './elasticsearch/elasticsearch-cluster';
export type {
  ElasticsearchClusterProps,
  ElasticsearchNodeGroupProps,
  ElasticsearchSecurityProps,
  VolumeClaimProps,
} from './elasticsearch/elasticsearch-cluster';
export type { IElasticsearchCluster } from './elasticsearch/elasticsearch-reference';
export { ElasticsearchCertificates } from './elasticsearch/elasticsearch-certificates';
export type {
  BoundElasticsearchCertificates,
  CertificateIssuer,
  CertManagerCertificatesOptions,
  ElasticsearchCertificatesContext,
} from './elasticsearch/elasticsearch-certificates';
export { ElasticsearchExporter } from './elasticsearch/elasticsearch-exporter';
export type { ElasticsearchExporterProps } from './elasticsearch/elasticsearch-exporter';
export { ElasticsearchNodeTuning } from './elasticsearch/elasticsearch-node-tuning';
export type { ElasticsearchNodeTuningProps } from './elasticsearch/elasticsearch-node-tuning';
export { ElasticsearchSetup } from './elasticsearch/elasticsearch-setup';
export type { ElasticsearchSetupProps } from './elasticsearch/elasticsearch-setup';
export { ElasticsearchJob } from './elasticsearch/elasticsearch-job';
export type { ElasticsearchJobProps } from './elasticsearch/elasticsearch-job';
export {
  describePrivileges,
  ElasticsearchUsers,
  LOG_WRITER_PRIVILEGES,
} from './elasticsearch/elasticsearch-users';
export type {
  ElasticsearchIndexPrivileges,
  ElasticsearchPrivileges,
  ElasticsearchUser,
  ElasticsearchUsersProps,
} from './elasticsearch/elasticsearch-users';
// Snapshots: where they go (credentials in the keystore), and the policies the setup Job creates.
export {
  DEFAULT_SNAPSHOT_MOUNT_PATH,
  SNAPSHOT_STORAGE_PEER,
  SnapshotRepository,
} from './elasticsearch/snapshot-repository';
export type {
  AzureRepositoryOptions,
  BoundSnapshotRepository,
  GcsRepositoryOptions,
  KeystoreSetting,
  S3RepositoryOptions,
  SharedFilesystemRepositoryOptions,
  SnapshotRepositoryBaseOptions,
  SnapshotRepositoryContext,
  SnapshotRepositoryType,
} from './elasticsearch/snapshot-repository';
export { snapshotPolicyId } from './elasticsearch/snapshot-lifecycle';
export type {
  ResolvedSnapshotLifecycle,
  SnapshotLifecycleProps,
  SnapshotPolicy,
  SnapshotPolicyBody,
} from './elasticsearch/snapshot-lifecycle';

// Kibana.
export { Kibana } from './kibana/kibana';
export type { KibanaEncryptionKeys, KibanaProps } from './kibana/kibana';
export { KibanaSetup } from './kibana/kibana-setup';
export type { KibanaSetupProps } from './kibana/kibana-setup';
export { RuleDuration, RuleTimeUnit } from './kibana/kibana-alert-rules';
export type {
  CriticalLogRuleOptions,
  ErrorBurstRuleOptions,
  KibanaAlertRuleOptions,
  ResolvedKibanaAlertRuleOptions,
} from './kibana/kibana-alert-rules';
export type { AiTokenPricing } from './kibana/kibana-data-view';
export type {
  KibanaContentOptions,
  ResolvedKibanaContentOptions,
} from './kibana/kibana-saved-objects';

// Log alerts: ElastAlert 2 runs the log alert rules and posts to Alertmanager.
export { LogAlert, LOG_ALERTS_GROUP } from './elastalert/log-alert-rules';
export type {
  ElastAlertDuration,
  ElastAlertQuery,
  LogAlertSpec,
} from './elastalert/log-alert-rules';
export { LogAlerting, LOG_ALERTING_METRICS_PORT } from './elastalert/log-alerting';
export type { LogAlertingProps } from './elastalert/log-alerting';

// Logstash.
export { Logstash } from './logstash/logstash';
export type { LogstashPersistentQueue, LogstashProps } from './logstash/logstash';
export type { ILogstash } from './logstash/logstash-reference';
export type { LogstashExporterProps } from './logstash/logstash-exporter';
export type {
  ComparisonOperator,
  FieldPath,
  LogstashCondition,
  LogstashConditional,
  LogstashPlugin,
  LogstashStatement,
  LogstashValue,
} from './logstash/logstash-pipeline';

// Filebeat and log processing.
export { Filebeat } from './filebeat/filebeat';
export type { FilebeatProps } from './filebeat/filebeat';
// Named in the `@default` of a prop, so a user can extend the default instead of copying it.
export { DEFAULT_FILEBEAT_TIMINGS } from './filebeat/filebeat-config';
export type { FilebeatTimings } from './filebeat/filebeat-config';
export type { FilebeatExporterProps } from './filebeat/filebeat-exporter';
export { ValueMask } from './filebeat/log-processing';
export type {
  LogClassParam,
  LogDomainParam,
  LogProcessingParams,
  LogProcessingProps,
} from './filebeat/log-processing';

// Prometheus, its exporters and alert rules.
export { Prometheus, PROMETHEUS_SECRETS_DIR } from './prometheus/prometheus';
export type {
  PrometheusProps,
  PrometheusRetention,
  PrometheusSecretFile,
} from './prometheus/prometheus';
export type { IPrometheus } from './prometheus/prometheus-reference';
export { REMOTE_WRITE_PEER } from './prometheus/remote-write';
export type {
  RemoteWrite,
  RemoteWriteOAuth2,
  RemoteWriteQueue,
  RemoteWriteTls,
} from './prometheus/remote-write';
export { ThanosQuery } from './prometheus/thanos';
export type { PrometheusThanosProps, ThanosQueryProps } from './prometheus/thanos';
export {
  APPLICATIONS_PEER,
  DEFAULT_GLOBAL_SCRAPE_LIMITS,
  DEFAULT_POD_SCRAPE_LIMITS,
  CLUSTER_DNS_PEER,
  KubernetesSdRole,
  NODES_PEER,
  RelabelAction,
} from './prometheus/prometheus-config';
export type {
  PrometheusRule,
  PrometheusRuleGroup,
  RelabelConfig,
  ScrapeJob,
  ScrapeLimits,
  ScrapeTlsConfig,
} from './prometheus/prometheus-config';
export { AlertName, AlertSeverity, DEFAULT_RUNBOOK_BASE_URL } from './prometheus/alert-rules';
export type { AlertRuleOptions, AlertRulesProps } from './prometheus/alert-rules';
export { ElasticsearchMethod } from './prometheus/alert-runbook';
export type { AlertRunbook, ElasticsearchRequest, RunbookStep } from './prometheus/alert-runbook';
export { NodeExporter } from './prometheus/node-exporter';
export type { NodeExporterProps } from './prometheus/node-exporter';
export { KubeStateMetrics } from './prometheus/kube-state-metrics';
export type {
  KubeStateMetricsProps,
  KubeStateMetricsResource,
} from './prometheus/kube-state-metrics';

// Monitoring mixins: each component's alert and recording rules (with their runbooks),
// dashboards and scrape jobs, which the stack composes for what it deploys.
export {
  ALERTMANAGER_PAGING_INTEGRATIONS,
  AlertmanagerAlert,
  alertmanagerMixin,
  applicationsMixin,
  applyMixins,
  ElasticsearchAlert,
  ControlPlaneAlert,
  controlPlaneMixin,
  controlPlaneSecretFiles,
  elasticsearchMixin,
  ElasticsearchRecord,
  FilebeatAlert,
  filebeatMixin,
  FilebeatRecord,
  JaegerAlert,
  jaegerMixin,
  KubernetesAlert,
  kubernetesMixin,
  KubernetesRecords,
  logstashMixin,
  NodeAlert,
  JaegerRecord,
  LogstashAlert,
  LogstashRecord,
  nodeMixin,
  PrometheusAlert,
  nodeRecordingRules,
  prometheusMixin,
  stackMixin,
} from './monitoring';
export type {
  ControlPlaneComponentOptions,
  ControlPlaneMixinOptions,
  ElasticsearchMixinOptions,
  KubernetesMixinOptions,
  EtcdClientCertificateRef,
  EtcdMonitoringOptions,
  LogstashMixinOptions,
  MixinContext,
  MixinDashboard,
  MixinTargets,
  MonitoringMixin,
  PrometheusMixinOptions,
  SnapshotAlertOptions,
} from './monitoring';
export type { StackHealthDashboardOptions } from './monitoring/stack-health-dashboard';

// Alertmanager.
export { Alertmanager } from './alertmanager/alertmanager';
export type {
  AlertmanagerDeadMansSwitchOptions,
  AlertmanagerEmailOptions,
  AlertmanagerPagerDutyOptions,
  AlertmanagerProps,
  AlertmanagerSlackOptions,
} from './alertmanager/alertmanager';
export { ALERT_RECEIVERS_PEER, AlertReceiver, ReceiverKind } from './alertmanager/alert-receiver';
export type {
  AlertReceiverOptions,
  EmailReceiverOptions,
  IAlertReceiver,
  MsTeamsReceiverOptions,
  OpsgenieReceiverOptions,
  PagerDutyReceiverOptions,
  ReceiverSecret,
  SlackReceiverOptions,
  WebhookReceiverOptions,
} from './alertmanager/alert-receiver';
export type { AlertmanagerRoute } from './alertmanager/alertmanager-config';
export type { IAlertmanager } from './alertmanager/alertmanager-reference';

// Grafana.
export { DATABASES_PEER, Grafana } from './grafana/grafana';
export type {
  GrafanaDatabase,
  GrafanaElasticsearchSource,
  GrafanaProps,
  GrafanaStorage,
} from './grafana/grafana';

// Jaeger.
export { DEFAULT_UNSAMPLED_OPERATIONS, Jaeger } from './jaeger/jaeger';
export type { JaegerProps } from './jaeger/jaeger';
export type { JaegerRole } from './jaeger/jaeger-config';
export type { IJaeger } from './jaeger/jaeger-reference';
export { ElasticsearchStorage, JaegerStorage, MemoryStorage } from './jaeger/jaeger-storage';
export type { ElasticsearchStorageOptions, MemoryStorageOptions } from './jaeger/jaeger-storage';

// Access to the UIs: Ingress, TLS and the sign-in proxy.
export { AuthProxy, IDENTITY_PROVIDER_PEER } from './access/auth-proxy';
export type { AuthProxyProps, OidcProviderProps } from './access/auth-proxy';
export { STACK_UIS, StackUi, UiAccess } from './access/ui-access';
export type {
  ExposedUi,
  TeamAccess,
  UiAccessConstructProps,
  UiAccessProps,
  UiTls,
} from './access/ui-access';

// Capacity planning.
export { planCapacity } from './sizing/sizing';
export type {
  CapacityPlan,
  ElasticsearchPlan,
  IndexClassPlan,
  LogstashPlan,
  PrometheusPlan,
  PrometheusSizingInput,
  SizingInput,
  SizingOptions,
} from './sizing/sizing';
export type { StackSizingProps } from './stack/stack-sizing';
