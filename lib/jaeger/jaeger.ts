import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component, ComponentProps, ServicePortSpec } from '../core/component';
import { configChecksum, renderJson, renderYaml } from '../core/config';
import { validateDays } from '../core/duration';
import { ServiceEndpoint } from '../core/endpoint';
import { invalidProp } from '../core/errors';
import { Images } from '../core/images';
import { validateBaseUrl, validateInteger } from '../core/names';
import { NetworkPeer } from '../core/network-flow';
import { httpProbe } from '../core/probes';
import { envFromSecret, secretFilesMount, SecretKeyRef } from '../core/secrets';
import { renderSetupScriptPod } from '../core/setup-job';
import { ContainerResources, memoryBytes } from '../core/resources';
import {
  ContainerPort,
  renderContainer,
  addWorkload,
  renderPodTemplate,
  scrapeAnnotations,
  Spread,
  spreadPods,
} from '../core/workload';
import { elasticsearchCaMount } from '../elasticsearch/elasticsearch-reference';
import { describePrivileges, ElasticsearchUser } from '../elasticsearch/elasticsearch-users';
import { APPLICATIONS_PEER } from '../prometheus/prometheus-config';
import {
  ES_PASSWORD_ENV,
  ES_USERNAME_ENV,
  JAEGER_HEALTH_PATH,
  JaegerBackendConfig,
  JaegerPorts,
  JaegerRole,
  renderElasticsearchBackend,
  renderJaegerConfig,
  renderSamplingStrategies,
} from './jaeger-config';
import { IJaeger } from './jaeger-reference';
import {
  ElasticsearchStorage,
  jaegerElasticsearchPrivileges,
  JaegerStorage,
  MemoryStorage,
} from './jaeger-storage';

/** Span names that are never sampled: probes and scrapes would otherwise dominate the traces. */
export const DEFAULT_UNSAMPLED_OPERATIONS: readonly string[] = [
  'GET /health',
  'GET /healthz',
  'GET /ready',
  'GET /readyz',
  'GET /metrics',
];

const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '100m',
  memoryRequest: '256Mi',
  memoryLimit: '512Mi',
};
const UID = 10001;
const CONFIG_DIR = '/etc/jaeger';
const CA_DIR = '/etc/jaeger/elasticsearch-ca';
const CREDENTIALS_DIR = '/etc/jaeger/elasticsearch-credentials';

const COLLECTOR_SERVICE_PORTS: ServicePortSpec[] = [
  { name: 'otlp-grpc', port: JaegerPorts.otlpGrpc, scheme: 'grpc' },
  { name: 'otlp-http', port: JaegerPorts.otlpHttp },
  { name: 'zipkin', port: JaegerPorts.zipkin },
  { name: 'sampling', port: JaegerPorts.sampling },
];

/** How a pod reaches Elasticsearch: credentials and the CA volume. */
interface ElasticsearchAccess {
  /** The collector and query: the user name (the storage extension has no file for it). */
  readonly env: k8s.EnvVar[];
  /** The index cleaner: user name and password, which it reads from nowhere else. */
  readonly cleanerEnv: k8s.EnvVar[];
  /** The Secret keys, for containers that read them as files. */
  readonly credentials?: { readonly username: SecretKeyRef; readonly password: SecretKeyRef };
  /** The password file the storage extension reads (`password_file`). */
  readonly passwordFile?: string;
  /** The collector and query: the CA and the password file. */
  readonly volumes: k8s.Volume[];
  readonly mounts: k8s.VolumeMount[];
}

export interface JaegerProps extends ComponentProps {
  /**
   * Where spans are kept. Memory runs one all-in-one pod; Elasticsearch runs
   * separate collector and query Deployments.
   * @default JaegerStorage.memory()
   */
  readonly storage?: JaegerStorage;
  /**
   * Head sampling probability (0..1) served to SDKs through remote sampling
   * (`default_strategy`).
   * @default 1.0 with memory storage, 0.1 with Elasticsearch
   */
  readonly samplingRate?: number;
  /**
   * Per-service sampling probabilities (`service_strategies`), by `service.name`.
   * @default - none
   */
  readonly serviceSamplingRates?: Record<string, number>;
  /**
   * Per-operation sampling probabilities of a service, by `service.name` and span name:
   * `{ checkout: { 'POST /pay': 1.0 } }`. The service's other operations keep its rate
   * (or the default).
   * @default - none
   */
  readonly operationSamplingRates?: Record<string, Record<string, number>>;
  /**
   * Operations (span names) that are never sampled, in every service.
   * @default DEFAULT_UNSAMPLED_OPERATIONS (health, readiness and metrics endpoints)
   */
  readonly unsampledOperations?: readonly string[];
  /**
   * Replicas of the collector and of the query Deployment. Must be 1 with memory storage.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Resources of each Jaeger container (all-in-one, collector, query).
   * @default - 100m CPU, 256Mi memory request, 512Mi limit
   */
  readonly resources?: ContainerResources;
  /**
   * The URL users reach the Jaeger UI at (an Ingress, or `http://localhost:16686` with
   * `kubectl port-forward`), without a trailing slash. Kibana links a log's `trace.id` to
   * `<publicBaseUrl>/trace/<id>` when it is set.
   * @default - not set
   */
  readonly publicBaseUrl?: string;
  /**
   * How replicas are kept apart.
   * @default - Spread.NONE for one replica, Spread.PREFERRED otherwise
   */
  readonly spread?: Spread;
}

/** A Deployment of one Jaeger role. */
interface RoleSpec {
  readonly role: JaegerRole;
  /** Resource name of the Deployment and prefix of its ConfigMap. */
  readonly name: string;
  readonly replicas: number;
}

/**
 * Jaeger v2: the OpenTelemetry Collector based binary configured by one YAML file.
 * Receives OTLP (gRPC/HTTP) and Zipkin, serves remote sampling strategies, stores
 * spans in memory (dev) or Elasticsearch, and serves the UI and query API.
 */
export class Jaeger extends Component implements IJaeger {
  public readonly storage: JaegerStorage;
  public readonly samplingRate: number;
  public readonly replicas: number;
  public readonly resources: ContainerResources;
  public readonly spread: Spread;
  /** Query API and UI (port 16686). */
  public readonly queryEndpoint: ServiceEndpoint;
  /** OTLP over gRPC (port 4317). */
  public readonly otlpGrpcEndpoint: ServiceEndpoint;
  /** OTLP over HTTP (port 4318). */
  public readonly otlpHttpEndpoint: ServiceEndpoint;
  /** Zipkin v2 JSON (port 9411). */
  public readonly zipkinEndpoint: ServiceEndpoint;
  /** Remote sampling strategies for SDKs (`http://...:5778/sampling`). */
  public readonly samplingEndpoint: ServiceEndpoint;
  /** The URL users reach the UI at, when known. */
  public readonly publicBaseUrl?: string;
  /** The Jaeger config file of each role, as deployed (tests and docs read it). */
  public readonly configs: Partial<Record<JaegerRole, object>> = {};
  /**
   * The user Jaeger writes, reads and deletes spans as, which `ElasticsearchUsers` creates;
   * undefined unless spans go to a secured Elasticsearch.
   */
  public readonly elasticsearchUser?: ElasticsearchUser;

  private readonly serviceAccountName: string;
  private readonly elasticsearch: ElasticsearchAccess;

  constructor(scope: Construct, id: string, props: JaegerProps = {}) {
    super(scope, id, props, 'jaeger', Images.jaeger);
    this.storage = props.storage ?? JaegerStorage.memory();
    this.replicas = validateInteger(this, 'replicas', props.replicas ?? 1, 1);
    this.resources = props.resources ?? DEFAULT_RESOURCES;
    this.spread = props.spread ?? (this.replicas > 1 ? Spread.PREFERRED : Spread.NONE);
    this.publicBaseUrl =
      props.publicBaseUrl === undefined
        ? undefined
        : validateBaseUrl(this, 'publicBaseUrl', props.publicBaseUrl, 'https://jaeger.example.com');
    this.samplingRate = this.validateRate(
      'samplingRate',
      props.samplingRate ?? (this.storage instanceof MemoryStorage ? 1.0 : 0.1),
    );
    const sampling = this.renderSampling(props);

    [this.elasticsearch, this.elasticsearchUser] = this.elasticsearchAccess();
    const backend = this.renderBackend();
    this.serviceAccountName = this.addServiceAccount();
    const components = this.addRoles(backend, sampling);
    // Both Services exist in every topology, so clients use the same names whatever the storage.
    [this.otlpGrpcEndpoint, this.otlpHttpEndpoint, this.zipkinEndpoint, this.samplingEndpoint] =
      this.addService(
        'collector-service',
        this.collectorName,
        components.collector,
        COLLECTOR_SERVICE_PORTS,
      );
    [this.queryEndpoint] = this.addService('query-service', this.queryName, components.query, [
      { name: 'query', port: JaegerPorts.query },
    ]);
    this.recordApplicationFlows();
  }

  private get collectorName(): string {
    return `${this.name}-collector`;
  }

  private get queryName(): string {
    return `${this.name}-query`;
  }

  /** The sampling strategies file; every rate checked, and no override of an unsampled operation. */
  private renderSampling(props: JaegerProps): string {
    const serviceRates = props.serviceSamplingRates ?? {};
    for (const [service, rate] of Object.entries(serviceRates))
      this.validateRate(`serviceSamplingRates.${service}`, rate);
    const operationRates = props.operationSamplingRates ?? {};
    const unsampledOperations = props.unsampledOperations ?? DEFAULT_UNSAMPLED_OPERATIONS;
    for (const [service, operations] of Object.entries(operationRates)) {
      for (const [operation, rate] of Object.entries(operations)) {
        const prop = `operationSamplingRates.${service}.${operation}`;
        this.validateRate(prop, rate);
        if (unsampledOperations.includes(operation)) {
          invalidProp(
            this,
            prop,
            rate,
            'names an operation that is never sampled (unsampledOperations)',
            `remove '${operation}' from unsampledOperations to sample it, or drop the override`,
          );
        }
      }
    }

    return renderJson(
      renderSamplingStrategies({
        defaultRate: this.samplingRate,
        serviceRates,
        operationRates,
        unsampledOperations,
      }),
    );
  }

  /**
   * The Deployments: one all-in-one with memory storage, else collector and query and the
   * index cleaner. Returns the component each Service selects.
   */
  private addRoles(
    backend: JaegerBackendConfig,
    sampling: string,
  ): { collector: string; query: string } {
    const samplingFile = `${CONFIG_DIR}/sampling-strategies.json`;
    if (this.storage instanceof MemoryStorage) {
      if (this.replicas !== 1) {
        invalidProp(
          this,
          'replicas',
          this.replicas,
          'must be 1 with memory storage (each pod would hold different traces)',
          'use replicas: 1, or JaegerStorage.elasticsearch(...) to run more replicas',
        );
      }
      this.addRole(
        { role: 'all-in-one', name: this.name, replicas: 1 },
        backend,
        samplingFile,
        sampling,
      );
      return { collector: 'all-in-one', query: 'all-in-one' };
    }
    this.addRole(
      { role: 'collector', name: this.collectorName, replicas: this.replicas },
      backend,
      samplingFile,
      sampling,
    );
    this.addRole(
      { role: 'query', name: this.queryName, replicas: this.replicas },
      backend,
      samplingFile,
      sampling,
    );
    this.addIndexCleaner(this.storage as ElasticsearchStorage);
    return { collector: 'collector', query: 'query' };
  }

  /** Applications send spans to, and read sampling strategies from, the collector Service. */
  private recordApplicationFlows(): void {
    for (const endpoint of [
      this.otlpGrpcEndpoint,
      this.otlpHttpEndpoint,
      this.zipkinEndpoint,
      this.samplingEndpoint,
    ]) {
      this.recordFlow({
        from: NetworkPeer.external(APPLICATIONS_PEER),
        to: endpoint.target.peer,
        ports: endpoint.target.ports,
        purpose: 'send spans, read sampling strategies',
      });
    }
  }

  private validateRate(prop: string, rate: number): number {
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
      invalidProp(
        this,
        prop,
        rate,
        'must be a probability between 0 and 1',
        'use 1.0 to keep every trace, 0.1 for 10%',
      );
    }
    return rate;
  }

  private renderBackend(): JaegerBackendConfig {
    const storage = this.storage;
    if (storage instanceof MemoryStorage) {
      validateInteger(this, 'storage.maxTraces', storage.maxTraces, 1);
      return { memory: { max_traces: storage.maxTraces } };
    }
    const es = storage as ElasticsearchStorage;
    validateInteger(this, 'storage.shards', es.shards, 1);
    validateInteger(this, 'storage.replicas', es.replicas, 0);
    if (es.indexPrefix !== undefined && !/^[a-z0-9][a-z0-9_-]*$/.test(es.indexPrefix)) {
      invalidProp(
        this,
        'storage.indexPrefix',
        es.indexPrefix,
        'is not a valid Elasticsearch index name prefix',
        "use lower-case letters, digits, '-' and '_', for example 'tracing'",
      );
    }
    const ca = elasticsearchCaMount(this, es.cluster, CA_DIR);
    return renderElasticsearchBackend({
      serverUrl: es.cluster.endpoint.url,
      caFile: ca?.caFile,
      basicAuth: this.elasticsearch.passwordFile
        ? { passwordFile: this.elasticsearch.passwordFile }
        : undefined,
      indexPrefix: es.indexPrefix,
      shards: es.shards,
      replicas: es.replicas,
    });
  }

  /** Env and volumes through which a pod reaches Elasticsearch: credentials and the CA. */
  private elasticsearchAccess(): [ElasticsearchAccess, ElasticsearchUser | undefined] {
    if (!(this.storage instanceof ElasticsearchStorage) || !this.storage.cluster.securityEnabled) {
      return [{ env: [], cleanerEnv: [], volumes: [], mounts: [] }, undefined];
    }
    const ref = this.storage.credentials ?? {
      secretName: `${this.name}-elasticsearch-credentials`,
    };
    const ca = elasticsearchCaMount(this, this.storage.cluster, CA_DIR);
    const privileges = jaegerElasticsearchPrivileges(this.storage.indexPrefix);
    const credentials = this.basicAuthRefs(
      'storage.credentials',
      ref,
      `Elasticsearch user Jaeger writes, reads and deletes spans as (${describePrivileges(privileges)})`,
    );
    const user: ElasticsearchUser = {
      role: `${this.name}-spans`,
      client: `Jaeger '${this.name}'`,
      privileges,
      credentials: ref,
      namespace: this.namespace,
    };
    const password = secretFilesMount('elasticsearch-credentials', CREDENTIALS_DIR, [
      { ref: credentials.password, file: 'password' },
    ]);
    const username = envFromSecret(ES_USERNAME_ENV, credentials.username);
    const access = {
      env: [username],
      cleanerEnv: [username, envFromSecret(ES_PASSWORD_ENV, credentials.password)],
      credentials,
      passwordFile: password.paths.password,
      volumes: [...(ca ? [ca.volume] : []), password.volume],
      mounts: [...(ca ? [ca.volumeMount] : []), password.volumeMount],
    };
    return [access, user];
  }

  /**
   * A daily CronJob that deletes span indices older than the retention with Jaeger's index
   * cleaner. An init container first waits, with the setup script, until the cluster
   * answers for the Jaeger indices, so a run never races a cluster that is still starting.
   */
  private addIndexCleaner(storage: ElasticsearchStorage): void {
    const retentionDays = validateDays(this, 'storage.retention', storage.retention, {
      min: '1d',
      max: '3650d',
      fix: "give whole days from '1d' to '3650d', such as '7d'",
    });
    const schedule = storage.cleanupSchedule;
    if (!/^(\S+\s+){4}\S+$/.test(schedule)) {
      invalidProp(
        this,
        'storage.cleanupSchedule',
        schedule,
        'is not a five-field cron schedule',
        "use e.g. '15 0 * * *' for 00:15 every day",
      );
    }
    const name = `${this.name}-index-cleaner`;
    const prefix = storage.indexPrefix ? `${storage.indexPrefix}-` : '';
    const cluster = storage.cluster;
    this.connectTo('index-cleaner', cluster.endpoint, 'deletes span indices past retention');
    const es = this.elasticsearch;
    const ca = elasticsearchCaMount(this, cluster, CA_DIR);
    const wait = renderSetupScriptPod(
      this,
      {},
      {
        containerName: 'wait-for-elasticsearch',
        image: Images.elasticsearch,
        configMapName: `${name}-config`,
        target: 'Elasticsearch',
        url: cluster.endpoint.url,
        ca,
        credentials: es.credentials,
        // The request the cleaner itself makes first, with the same privileges.
        waitFor: {
          kind: 'request',
          description: 'waiting for the Jaeger indices to be readable',
          method: 'GET',
          path: `/${prefix}jaeger-*?filter_path=*.settings.index.creation_date`,
        },
        steps: [],
        files: {},
      },
    );
    this.addConfigMap('index-cleaner-config', `${name}-config`, 'index-cleaner', wait.data);

    // The cleaner reads its flags from the environment (`--es.tls.ca` is ES_TLS_CA).
    const env: k8s.EnvVar[] = [...es.cleanerEnv];
    if (storage.indexPrefix) env.push({ name: 'INDEX_PREFIX', value: storage.indexPrefix });
    if (ca)
      env.push({ name: 'ES_TLS_ENABLED', value: 'true' }, { name: 'ES_TLS_CA', value: ca.caFile });
    const cleaner = renderContainer(this, 'resources', {
      name: 'index-cleaner',
      image: Images.jaegerIndexCleaner,
      args: [String(retentionDays), cluster.endpoint.url],
      env,
      resources: { cpuRequest: '10m', memoryRequest: '32Mi', memoryLimit: '64Mi' },
      volumeMounts: ca ? [ca.volumeMount] : [],
      runAsUser: UID,
    });
    const template = renderPodTemplate({
      identity: this.identity('index-cleaner'),
      serviceAccountName: this.serviceAccountName,
      automountServiceAccountToken: false,
      initContainers: [wait.container],
      containers: [cleaner],
      volumes: wait.volumes,
      annotations: { 'checksum/config': configChecksum(wait.data) },
      uid: UID,
    });
    new k8s.KubeCronJob(this, 'index-cleaner', {
      metadata: this.metadata(name, 'index-cleaner'),
      spec: {
        schedule,
        timeZone: 'Etc/UTC',
        // One run at a time; a run missed by more than an hour waits for the next day.
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 3,
            template: { ...template, spec: { ...template.spec!, restartPolicy: 'Never' } },
          },
        },
      },
    });
  }

  private addRole(
    spec: RoleSpec,
    backend: JaegerBackendConfig,
    samplingFile: string,
    sampling: string,
  ): void {
    const config = renderJaegerConfig(spec.role, { backend, samplingStrategiesFile: samplingFile });
    this.configs[spec.role] = config;
    const data: Record<string, string> = { 'config.yaml': renderYaml(config) };
    if (spec.role !== 'query') data['sampling-strategies.json'] = sampling;
    const configMapName = this.addConfigMap(
      `${spec.role}-config`,
      `${spec.name}-config`,
      spec.role,
      data,
    );

    const es = this.elasticsearch;
    if (this.storage instanceof ElasticsearchStorage)
      this.connectTo(spec.role, this.storage.cluster.endpoint, 'writes and reads spans');

    const ports: ContainerPort[] = [];
    if (spec.role !== 'query') {
      ports.push(
        { name: 'otlp-grpc', containerPort: JaegerPorts.otlpGrpc },
        { name: 'otlp-http', containerPort: JaegerPorts.otlpHttp },
        { name: 'zipkin', containerPort: JaegerPorts.zipkin },
        { name: 'sampling', containerPort: JaegerPorts.sampling },
      );
    }
    if (spec.role !== 'collector') {
      ports.push(
        { name: 'query', containerPort: JaegerPorts.query },
        { name: 'query-grpc', containerPort: JaegerPorts.queryGrpc },
      );
    }
    ports.push(
      { name: 'health', containerPort: JaegerPorts.health },
      { name: 'metrics', containerPort: JaegerPorts.metrics },
    );

    const identity = this.identity(spec.role);
    const container = renderContainer(this, 'resources', {
      name: 'jaeger',
      image: this.image,
      args: [`--config=${CONFIG_DIR}/config.yaml`],
      env: [
        // Lets the Go runtime collect garbage before the kernel kills the pod at the limit.
        {
          name: 'GOMEMLIMIT',
          value: String(Math.floor(memoryBytes(this.resources.memoryLimit) * 0.9)),
        },
        ...es.env,
      ],
      ports,
      resources: this.resources,
      readinessProbe: httpProbe('readiness', JAEGER_HEALTH_PATH, 'health'),
      livenessProbe: httpProbe('liveness', JAEGER_HEALTH_PATH, 'health'),
      volumeMounts: [
        { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
        ...es.mounts,
      ],
      runAsUser: UID,
    });

    addWorkload(this, spec.role, {
      metadata: this.metadata(spec.name, spec.role),
      spec: {
        kind: 'Deployment',
        replicas: spec.replicas,
        // Never drop below the desired count: spans arriving during a rollout need a receiver.
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: {
            maxUnavailable: k8s.IntOrString.fromNumber(0),
            maxSurge: k8s.IntOrString.fromNumber(1),
          },
        },
        pod: {
          identity,
          serviceAccountName: this.serviceAccountName,
          automountServiceAccountToken: false,
          containers: [container],
          volumes: [
            { name: 'config', configMap: { name: configMapName } },
            { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            ...es.volumes,
          ],
          annotations: {
            ...scrapeAnnotations(JaegerPorts.metrics),
            'checksum/config': configChecksum(data),
          },
          uid: UID,
          ...spreadPods(identity, this.spread),
        },
      },
    });
    this.addDisruptionBudget(`${spec.role}-pdb`, spec.name, spec.role, spec.replicas);
  }
}
