import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component, ComponentProps, ServicePortSpec } from '../core/component';
import { configChecksum, renderJson, renderYaml } from '../core/config';
import { ServiceEndpoint } from '../core/endpoint';
import { invalidProp } from '../core/errors';
import { Images } from '../core/images';
import { selectorLabels } from '../core/labels';
import { validateInteger } from '../core/names';
import { httpProbe } from '../core/probes';
import { ContainerResources, memoryBytes } from '../core/resources';
import { ContainerPort, renderContainer, renderPodTemplate, scrapeAnnotations, Spread, spreadPods } from '../core/workload';
import { elasticsearchCaMount } from '../elasticsearch/elasticsearch-reference';
import {
  ES_PASSWORD_ENV, ES_USERNAME_ENV, JAEGER_HEALTH_PATH, JaegerBackendConfig, JaegerPorts, JaegerRole,
  renderElasticsearchBackend, renderJaegerConfig, renderSamplingStrategies,
} from './jaeger-config';
import { IJaeger } from './jaeger-reference';
import { ElasticsearchStorage, JaegerStorage, MemoryStorage } from './jaeger-storage';

/** Span names that are never sampled: probes and scrapes would otherwise dominate the traces. */
export const DEFAULT_UNSAMPLED_OPERATIONS: readonly string[] = ['GET /health', 'GET /healthz', 'GET /ready', 'GET /readyz', 'GET /metrics'];

const DEFAULT_RESOURCES: ContainerResources = { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' };
const UID = 10001;
const CONFIG_DIR = '/etc/jaeger';
const CA_DIR = '/etc/jaeger/elasticsearch-ca';

const COLLECTOR_SERVICE_PORTS: ServicePortSpec[] = [
  { name: 'otlp-grpc', port: JaegerPorts.otlpGrpc },
  { name: 'otlp-http', port: JaegerPorts.otlpHttp },
  { name: 'zipkin', port: JaegerPorts.zipkin },
  { name: 'sampling', port: JaegerPorts.sampling },
];

/** How a pod reaches Elasticsearch: credentials env and the CA volume. */
interface ElasticsearchAccess {
  readonly env: k8s.EnvVar[];
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
  /** The Jaeger config file of each role, as deployed (tests and docs read it). */
  public readonly configs: Partial<Record<JaegerRole, object>> = {};

  private readonly serviceAccountName: string;
  private readonly elasticsearch: ElasticsearchAccess;

  constructor(scope: Construct, id: string, props: JaegerProps = {}) {
    super(scope, id, props, 'jaeger', Images.jaeger);
    this.storage = props.storage ?? JaegerStorage.memory();
    this.replicas = validateInteger(this, 'replicas', props.replicas ?? 1, 1);
    this.resources = props.resources ?? DEFAULT_RESOURCES;
    this.spread = props.spread ?? (this.replicas > 1 ? Spread.PREFERRED : Spread.NONE);
    this.samplingRate = this.validateRate('samplingRate', props.samplingRate ?? (this.storage instanceof MemoryStorage ? 1.0 : 0.1));
    const serviceRates = props.serviceSamplingRates ?? {};
    for (const [service, rate] of Object.entries(serviceRates)) this.validateRate(`serviceSamplingRates.${service}`, rate);

    const backend = this.renderBackend();
    const samplingFile = `${CONFIG_DIR}/sampling-strategies.json`;
    const sampling = renderJson(renderSamplingStrategies({
      defaultRate: this.samplingRate,
      serviceRates,
      unsampledOperations: props.unsampledOperations ?? DEFAULT_UNSAMPLED_OPERATIONS,
    }));

    this.elasticsearch = this.elasticsearchAccess();
    this.serviceAccountName = this.addServiceAccount();
    const collectorName = `${this.name}-collector`;
    const queryName = `${this.name}-query`;
    let collectorComponent: string;
    let queryComponent: string;
    if (this.storage instanceof MemoryStorage) {
      if (this.replicas !== 1) {
        invalidProp(this, 'replicas', this.replicas, 'must be 1 with memory storage (each pod would hold different traces)',
          'use replicas: 1, or JaegerStorage.elasticsearch(...) to run more replicas');
      }
      this.addRole({ role: 'all-in-one', name: this.name, replicas: 1 }, backend, samplingFile, sampling);
      collectorComponent = queryComponent = 'all-in-one';
    } else {
      this.addRole({ role: 'collector', name: collectorName, replicas: this.replicas }, backend, samplingFile, sampling);
      this.addRole({ role: 'query', name: queryName, replicas: this.replicas }, backend, samplingFile, sampling);
      collectorComponent = 'collector';
      queryComponent = 'query';
    }

    // Both Services exist in every topology, so clients use the same names whatever the storage.
    const [otlpGrpc, otlpHttp, zipkin, samplingEndpoint] = this.addService('collector-service', collectorName, collectorComponent, COLLECTOR_SERVICE_PORTS);
    const [query] = this.addService('query-service', queryName, queryComponent, [{ name: 'query', port: JaegerPorts.query }]);
    this.otlpGrpcEndpoint = new ServiceEndpoint(otlpGrpc.serviceName, otlpGrpc.namespace, otlpGrpc.port, 'grpc');
    this.otlpHttpEndpoint = otlpHttp;
    this.zipkinEndpoint = zipkin;
    this.samplingEndpoint = samplingEndpoint;
    this.queryEndpoint = query;
  }

  private validateRate(prop: string, rate: number): number {
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
      invalidProp(this, prop, rate, 'must be a probability between 0 and 1', 'use 1.0 to keep every trace, 0.1 for 10%');
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
      invalidProp(this, 'storage.indexPrefix', es.indexPrefix, 'is not a valid Elasticsearch index name prefix',
        "use lower-case letters, digits, '-' and '_', for example 'tracing'");
    }
    const ca = elasticsearchCaMount(this, es.cluster, CA_DIR);
    return renderElasticsearchBackend({
      serverUrl: es.cluster.endpoint.url,
      caFile: ca?.caFile,
      basicAuth: es.cluster.securityEnabled,
      indexPrefix: es.indexPrefix,
      shards: es.shards,
      replicas: es.replicas,
    });
  }

  /** Env and volumes through which a pod reaches Elasticsearch: credentials and the CA. */
  private elasticsearchAccess(): ElasticsearchAccess {
    if (!(this.storage instanceof ElasticsearchStorage) || !this.storage.cluster.securityEnabled) {
      return { env: [], volumes: [], mounts: [] };
    }
    const ref = this.storage.credentials ?? { secretName: `${this.name}-elasticsearch-credentials` };
    const ca = elasticsearchCaMount(this, this.storage.cluster, CA_DIR);
    return {
      env: this.basicAuthEnv('storage.credentials', ref, ES_USERNAME_ENV, ES_PASSWORD_ENV,
        'Elasticsearch user Jaeger writes and reads spans as (jaeger-span-*, jaeger-service-* indices)'),
      volumes: ca ? [ca.volume] : [],
      mounts: ca ? [ca.volumeMount] : [],
    };
  }

  private addRole(spec: RoleSpec, backend: JaegerBackendConfig, samplingFile: string, sampling: string): void {
    const config = renderJaegerConfig(spec.role, { backend, samplingStrategiesFile: samplingFile });
    this.configs[spec.role] = config;
    const data: Record<string, string> = { 'config.yaml': renderYaml(config) };
    if (spec.role !== 'query') data['sampling-strategies.json'] = sampling;
    const configMapName = this.addConfigMap(`${spec.role}-config`, `${spec.name}-config`, spec.role, data);

    const es = this.elasticsearch;

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
      ports.push({ name: 'query', containerPort: JaegerPorts.query }, { name: 'query-grpc', containerPort: JaegerPorts.queryGrpc });
    }
    ports.push({ name: 'health', containerPort: JaegerPorts.health }, { name: 'metrics', containerPort: JaegerPorts.metrics });

    const identity = this.identity(spec.role);
    const container = renderContainer(this, 'resources', {
      name: 'jaeger',
      image: this.image,
      args: [`--config=${CONFIG_DIR}/config.yaml`],
      env: [
        // Lets the Go runtime collect garbage before the kernel kills the pod at the limit.
        { name: 'GOMEMLIMIT', value: String(Math.floor(memoryBytes(this.resources.memoryLimit) * 0.9)) },
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

    new k8s.KubeDeployment(this, spec.role, {
      metadata: this.metadata(spec.name, spec.role),
      spec: {
        replicas: spec.replicas,
        selector: { matchLabels: selectorLabels(identity) },
        // Never drop below the desired count: spans arriving during a rollout need a receiver.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        template: renderPodTemplate({
          identity,
          serviceAccountName: this.serviceAccountName,
          automountServiceAccountToken: false,
          containers: [container],
          volumes: [
            { name: 'config', configMap: { name: configMapName } },
            { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            ...es.volumes,
          ],
          annotations: { ...scrapeAnnotations(JaegerPorts.metrics), 'checksum/config': configChecksum(data) },
          uid: UID,
          ...spreadPods(identity, this.spread),
        }),
      },
    });
    this.addDisruptionBudget(`${spec.role}-pdb`, spec.name, spec.role, spec.replicas);
  }
}
