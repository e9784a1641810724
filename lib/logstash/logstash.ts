import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component, ComponentProps } from '../core/component';
import { configChecksum, renderYaml } from '../core/config';
import { ServiceEndpoint } from '../core/endpoint';
import { invalidProp } from '../core/errors';
import { DEFAULT_LOG_CLASSES, LogClass, validateLogClasses } from '../core/log-classes';
import { Images } from '../core/images';
import { validateInteger } from '../core/names';
import { httpProbe, tcpProbe } from '../core/probes';
import { ContainerResources, memoryBytes } from '../core/resources';
import { BasicAuthSecretRef } from '../core/secrets';
import { PersistentStorage, renderVolumeClaimTemplate, validateStorageSize } from '../core/storage';
import {
  Duration,
  durationToMillis,
  renderDays,
  validateDays,
  validateDuration,
} from '../core/duration';
import {
  addWorkload,
  fieldRefEnv,
  Spread,
  renderContainer,
  scrapeAnnotations,
  spreadPods,
} from '../core/workload';
import {
  ElasticsearchCaMount,
  elasticsearchCaMount,
  IElasticsearchCluster,
} from '../elasticsearch/elasticsearch-reference';
import {
  describePrivileges,
  ElasticsearchUser,
  LOG_WRITER_PRIVILEGES,
} from '../elasticsearch/elasticsearch-users';
import {
  DEAD_LETTER_PIPELINE_ID,
  DEFAULT_BATCH_DELAY_MILLIS,
  DEFAULT_DEAD_LETTER_QUEUE_RETAIN_DAYS,
  deadLetterPipeline,
  ElasticsearchOutputOptions,
  LOGSTASH_API_PORT,
  LOGSTASH_BEATS_PORT,
  LOGSTASH_DATA_PATH,
  LOGSTASH_HOME,
  LOGSTASH_PIPELINE_PATH,
  logstashPipeline,
  MAIN_PIPELINE_ID,
  pipelineConfigFile,
  renderLogstashSettings,
  renderPipelinesConfig,
} from './logstash-config';
import {
  LOGSTASH_EXPORTER_PORT,
  LogstashExporterProps,
  renderLogstashExporterContainer,
} from './logstash-exporter';
import { renderLogstashPipeline, LogstashStatement } from './logstash-pipeline';
import { ILogstash } from './logstash-reference';

/**
 * A persisted queue on a PersistentVolumeClaim per replica.
 * @deprecated Use {@link PersistentStorage}, the storage type of every component.
 */
export type LogstashPersistentQueue = PersistentStorage;

export interface LogstashProps extends ComponentProps {
  /** The cluster events are written to. */
  readonly elasticsearch: IElasticsearchCluster;
  /** @default 1 */
  readonly replicas?: number;
  /** @default { cpuRequest: '500m', memoryRequest: '2Gi', memoryLimit: '2Gi' } */
  readonly resources?: ContainerResources;
  /**
   * JVM heap (`-Xms`/`-Xmx`), a memory quantity such as `1Gi`. Must stay below the
   * memory limit: the JVM and its direct buffers live outside the heap.
   * @default - 50% of `resources.memoryLimit`
   */
  readonly heap?: string;
  /**
   * Username and password Logstash writes to Elasticsearch with; used only when the
   * cluster has security on. The user needs `create_doc` and `auto_configure` on `logs-*`.
   * @default { secretName: '<name>-elasticsearch-credentials' }
   */
  readonly credentials?: BasicAuthSecretRef;
  /**
   * Keep the queue on disk so that accepted events survive a restart: a volume per replica,
   * at least `1Gi`, of which the queue gets 60% and the dead-letter queue 20%.
   * @default - an in-memory queue; the data directory is an emptyDir
   */
  readonly persistentQueue?: PersistentStorage;
  /**
   * Keep events Elasticsearch refuses (answered 400 or 404) in a dead-letter queue on the
   * data volume instead of dropping them, and run a second pipeline, `dead-letters`, that
   * reads the queue and writes each event, with Elasticsearch's reason, to the dead-letter
   * data stream `logs-deadletter-default`. Read segments are deleted; unread ones after
   * `deadLetterQueueRetention`, or the oldest first when the queue is full. Without
   * `persistentQueue` the queue lives on an emptyDir.
   * @default false
   */
  readonly deadLetterQueue?: boolean;
  /**
   * How long an unread dead letter stays in the queue (`dead_letter_queue.retain.age`), in
   * whole days from `1d` to `365d`; only with `deadLetterQueue`. The dead-letter data stream
   * keeps what was read.
   * @default '7d'
   */
  readonly deadLetterQueueRetention?: Duration;
  /** `pipeline.workers`. @default - Logstash default, one per CPU core */
  readonly pipelineWorkers?: number;
  /**
   * `pipeline.batch.delay`: the longest a worker waits for a batch to fill before it
   * processes and sends what it has, from `1ms` to `10s`. Part of the time from a log line
   * to it being searchable.
   * @default '50ms'
   */
  readonly batchDelay?: Duration;
  /**
   * Filters of the main pipeline, run before the data-stream guard. Filebeat has already
   * renamed, masked and classified each event; a filter may set `[data_stream][dataset]` to
   * one of the log classes to re-route it (any other value goes to the catch-all class).
   * @default []
   */
  readonly filters?: LogstashStatement[];
  /**
   * The log classes whose data streams the guard lets events through to; any other dataset
   * goes to the catch-all (the last class). The same table as Filebeat's and the setup Job's.
   * @default DEFAULT_LOG_CLASSES
   */
  readonly logClasses?: readonly LogClass[];
  /** @default Spread.PREFERRED */
  readonly spread?: Spread;
  /**
   * The kuskoman `logstash-exporter` sidecar, scraped through pod annotations (source of
   * the stalled-pipeline alert), or `false` for none.
   * @default - a sidecar with the pinned image and small resources
   */
  readonly exporter?: LogstashExporterProps | false;
}

const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '500m',
  memoryRequest: '2Gi',
  memoryLimit: '2Gi',
};
const MIB = 1024 ** 2;
const QUEUE_STORAGE_RULE = { example: '10Gi', minimum: '1Gi' };

/** What the Logstash pods are built from. */
interface LogstashPod {
  readonly headlessName: string;
  readonly serviceAccountName: string;
  /** The ConfigMap of `data`. */
  readonly configMap: string;
  readonly data: Record<string, string>;
  readonly env: k8s.EnvVar[];
  readonly ca?: ElasticsearchCaMount;
}

/**
 * Logstash as a StatefulSet behind a Beats Service: buffers the events Filebeat has
 * already shaped and classified, keeps each in a managed data stream and writes it to
 * Elasticsearch; with the dead-letter queue, a second pipeline writes what Elasticsearch
 * refused to the dead-letter data stream. Replicas are independent; Filebeat balances
 * across them through the Service.
 */
export class Logstash extends Component implements ILogstash {
  public readonly beatsEndpoint: ServiceEndpoint;
  /** The monitoring API (port 9600) through the headless Service. */
  public readonly apiEndpoint: ServiceEndpoint;
  public readonly replicas: number;
  public readonly resources: ContainerResources;
  /** The JVM heap in MiB. */
  public readonly heapMegabytes: number;
  /** The Elasticsearch credentials Secret; undefined when the cluster has no security. */
  public readonly credentials?: BasicAuthSecretRef;
  /** The user Logstash writes as, which `ElasticsearchUsers` creates; undefined without security. */
  public readonly elasticsearchUser?: ElasticsearchUser;
  public readonly deadLetterQueue: boolean;
  /** Whether the pipelines' queue is persisted on the pod's claim (`persistentQueue`), rather than in memory. */
  public readonly persistentQueue: boolean;
  /** `dead_letter_queue.retain.age` in days; undefined without the dead-letter queue. */
  public readonly deadLetterQueueRetainDays?: number;
  /** The rendered main pipeline (Logstash DSL). */
  public readonly pipeline: string;
  /** The log classes the data-stream guard admits. */
  public readonly logClasses: readonly LogClass[];
  /** The rendered `dead-letters` pipeline (Logstash DSL); undefined without the dead-letter queue. */
  public readonly deadLetterPipeline?: string;
  /** Port of the metrics exporter sidecar Prometheus scrapes; undefined without one. */
  public readonly metricsPort?: number;
  /** `pipeline.batch.delay` as rendered into logstash.yml, in milliseconds. */
  public readonly batchDelayMillis: number;

  constructor(scope: Construct, id: string, props: LogstashProps) {
    super(scope, id, props, 'logstash', Images.logstash);
    this.replicas = validateInteger(this, 'replicas', props.replicas ?? 1, 1);
    this.resources = props.resources ?? DEFAULT_RESOURCES;
    this.heapMegabytes = this.resolveHeap(props.heap);
    this.deadLetterQueue = props.deadLetterQueue ?? false;
    this.deadLetterQueueRetainDays = this.resolveDeadLetterQueueRetainDays(props);
    this.validatePipelineWorkers(props.pipelineWorkers);
    this.batchDelayMillis = this.resolveBatchDelay(props.batchDelay);
    const queueBytes = this.resolveQueue(props.persistentQueue);
    this.persistentQueue = queueBytes !== undefined;

    const ca = elasticsearchCaMount(this, props.elasticsearch, `${LOGSTASH_HOME}/certs`);
    this.credentials = this.resolveCredentials(props);
    this.elasticsearchUser = this.credentials && {
      role: `${this.name}-writer`,
      client: `Logstash '${this.name}'`,
      privileges: LOG_WRITER_PRIVILEGES,
      credentials: this.credentials,
      namespace: this.namespace,
    };
    const env = this.renderEnv();
    const output = this.connectElasticsearch(props.elasticsearch, ca);
    this.logClasses = this.resolveLogClasses(props.logClasses);
    [this.pipeline, this.deadLetterPipeline] = this.renderPipelines(output, props.filters ?? []);
    const data = this.renderConfig(props.pipelineWorkers, queueBytes);
    const configMap = this.addConfigMap('config', `${this.name}-config`, 'pipeline', data);

    const headlessName = `${this.name}-headless`;
    [this.apiEndpoint, this.beatsEndpoint] = this.addServices(headlessName);
    const serviceAccountName = this.addServiceAccount();
    this.metricsPort = props.exporter === false ? undefined : LOGSTASH_EXPORTER_PORT;
    this.addStatefulSet(props, { headlessName, serviceAccountName, configMap, data, env, ca });
  }

  /** The longest a batch waits to fill before its events go on to Elasticsearch: `pipeline.batch.delay`, in seconds. */
  public get batchDelaySeconds(): number {
    return this.batchDelayMillis / 1000;
  }

  /** The days of `deadLetterQueueRetention`, which only applies with `deadLetterQueue`. */
  private resolveDeadLetterQueueRetainDays(props: LogstashProps): number | undefined {
    if (this.deadLetterQueue) {
      return validateDays(
        this,
        'deadLetterQueueRetention',
        props.deadLetterQueueRetention ?? renderDays(DEFAULT_DEAD_LETTER_QUEUE_RETAIN_DAYS),
        { min: '1d', max: '365d', fix: "give whole days from '1d' to '365d', such as '7d'" },
      );
    }
    if (props.deadLetterQueueRetention !== undefined) {
      invalidProp(
        this,
        'deadLetterQueueRetention',
        props.deadLetterQueueRetention,
        'only applies with the dead-letter queue',
        'set deadLetterQueue: true, or remove deadLetterQueueRetention',
      );
    }
    return undefined;
  }

  /** `pipelineWorkers`, from 1 to 256, when set. */
  private validatePipelineWorkers(pipelineWorkers: number | undefined): void {
    if (pipelineWorkers !== undefined)
      validateInteger(this, 'pipelineWorkers', pipelineWorkers, 1, 256);
  }

  /**
   * `batchDelay` in milliseconds, at most 10 s: above that a half-empty batch would hold logs
   * longer than any latency target here.
   */
  private resolveBatchDelay(batchDelay: Duration | undefined): number {
    const millis = durationToMillis(
      validateDuration(this, 'batchDelay', batchDelay ?? `${DEFAULT_BATCH_DELAY_MILLIS}ms`),
    );
    if (millis > 10_000)
      invalidProp(
        this,
        'batchDelay',
        batchDelay,
        'must be at most 10s',
        "give a duration such as '50ms': a worker waits this long for a batch to fill",
      );
    return millis;
  }

  /** The size in bytes of the persisted queue's volume; none for the in-memory queue. */
  private resolveQueue(persistentQueue: PersistentStorage | undefined): number | undefined {
    return persistentQueue
      ? validateStorageSize(this, 'persistentQueue.size', persistentQueue.size, QUEUE_STORAGE_RULE)
      : undefined;
  }

  /** The user Logstash writes with; none when the cluster has security off. */
  private resolveCredentials(props: LogstashProps): BasicAuthSecretRef | undefined {
    return props.elasticsearch.securityEnabled
      ? (props.credentials ?? { secretName: `${this.name}-elasticsearch-credentials` })
      : undefined;
  }

  /** The log classes the data-stream guard lets through, validated. */
  private resolveLogClasses(logClasses: readonly LogClass[] | undefined): readonly LogClass[] {
    return validateLogClasses(this, 'logClasses', logClasses ?? DEFAULT_LOG_CLASSES);
  }

  /** The main pipeline, then the dead-letter one when the dead-letter queue is on. */
  private renderPipelines(
    output: ElasticsearchOutputOptions,
    filters: LogstashStatement[],
  ): [string, string | undefined] {
    const pipeline = renderLogstashPipeline(logstashPipeline(output, filters, this.logClasses));
    const deadLetters = this.deadLetterQueue
      ? renderLogstashPipeline(deadLetterPipeline(output))
      : undefined;
    return [pipeline, deadLetters];
  }

  /** The pod's name, the heap, and the Elasticsearch credentials when the cluster has security. */
  private renderEnv(): k8s.EnvVar[] {
    const env: k8s.EnvVar[] = [
      fieldRefEnv('POD_NAME', 'metadata.name'),
      { name: 'LS_JAVA_OPTS', value: `-Xms${this.heapMegabytes}m -Xmx${this.heapMegabytes}m` },
    ];
    if (this.credentials) {
      env.push(
        ...this.basicAuthEnv(
          'credentials',
          this.credentials,
          'ES_USERNAME',
          'ES_PASSWORD',
          `Elasticsearch user Logstash '${this.name}' writes logs-* data streams with (${describePrivileges(LOG_WRITER_PRIVILEGES)})`,
        ),
      );
    }
    return env;
  }

  /** The output both pipelines write with (the same TLS settings and credentials); records the flow. */
  private connectElasticsearch(
    es: IElasticsearchCluster,
    ca: ElasticsearchCaMount | undefined,
  ): ElasticsearchOutputOptions {
    this.connectTo('pipeline', es.endpoint, 'ships logs');
    return {
      url: es.endpoint.url,
      caFile: ca?.caFile,
      authenticate: es.securityEnabled,
    };
  }

  /** The pipeline files, by file name: the main pipeline, then the dead-letter one. */
  private get pipelineFiles(): Record<string, string> {
    const files: Record<string, string> = { [pipelineConfigFile(MAIN_PIPELINE_ID)]: this.pipeline };
    if (this.deadLetterPipeline)
      files[pipelineConfigFile(DEAD_LETTER_PIPELINE_ID)] = this.deadLetterPipeline;
    return files;
  }

  /** logstash.yml, pipelines.yml and the pipeline files. */
  private renderConfig(
    pipelineWorkers: number | undefined,
    queueBytes: number | undefined,
  ): Record<string, string> {
    return {
      'logstash.yml': renderYaml(
        renderLogstashSettings({
          queueType: queueBytes ? 'persisted' : 'memory',
          queueMaxBytes: queueBytes ? `${Math.floor((queueBytes * 0.6) / MIB)}mb` : undefined,
          deadLetterQueue: this.deadLetterQueue,
          deadLetterQueueMaxBytes: queueBytes
            ? `${Math.floor((queueBytes * 0.2) / MIB)}mb`
            : undefined,
          deadLetterQueueRetainDays: this.deadLetterQueueRetainDays,
          batchDelayMillis: this.batchDelayMillis,
        }),
      ),
      'pipelines.yml': renderYaml(
        renderPipelinesConfig({
          pipelineWorkers,
          deadLetterQueue: this.deadLetterQueue,
        }),
      ),
      ...this.pipelineFiles,
    };
  }

  /** The headless Service (monitoring API, pod DNS names) and the Beats Service. */
  private addServices(headlessName: string): [ServiceEndpoint, ServiceEndpoint] {
    const [api] = this.addService(
      'headless-service',
      headlessName,
      'pipeline',
      [{ name: 'http', port: LOGSTASH_API_PORT }],
      { headless: true, publishNotReadyAddresses: true },
    );
    const [beats] = this.addService('service', this.name, 'pipeline', [
      { name: 'beats', port: LOGSTASH_BEATS_PORT, scheme: 'tcp' },
    ]);
    return [api, beats];
  }

  /** The pipeline pods: Logstash, its exporter unless turned off, and their disruption budget. */
  private addStatefulSet(props: LogstashProps, pod: LogstashPod): void {
    const identity = this.identity('pipeline');
    const volumeMounts: k8s.VolumeMount[] = [
      // Single files over the image's config dir, so jvm.options and log4j2.properties stay.
      {
        name: 'config',
        mountPath: `${LOGSTASH_HOME}/config/logstash.yml`,
        subPath: 'logstash.yml',
        readOnly: true,
      },
      {
        name: 'config',
        mountPath: `${LOGSTASH_HOME}/config/pipelines.yml`,
        subPath: 'pipelines.yml',
        readOnly: true,
      },
      { name: 'pipeline', mountPath: LOGSTASH_PIPELINE_PATH, readOnly: true },
      { name: 'data', mountPath: LOGSTASH_DATA_PATH },
      // JRuby and the JVM unpack native libraries and write perf data to /tmp.
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'logs', mountPath: `${LOGSTASH_HOME}/logs` },
    ];
    const volumes: k8s.Volume[] = [
      {
        name: 'config',
        configMap: {
          name: pod.configMap,
          items: [
            { key: 'logstash.yml', path: 'logstash.yml' },
            { key: 'pipelines.yml', path: 'pipelines.yml' },
          ],
        },
      },
      {
        name: 'pipeline',
        configMap: {
          name: pod.configMap,
          items: Object.keys(this.pipelineFiles).map((file) => ({ key: file, path: file })),
        },
      },
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
      { name: 'logs', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
    ];
    // Without a persistent queue the data dir holds only the DLQ, its reader's offsets and
    // the node UUID; the limit keeps a growing dead-letter queue from filling the node's disk.
    if (!props.persistentQueue)
      volumes.push({ name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('2Gi') } });
    if (pod.ca) {
      volumes.push(pod.ca.volume);
      volumeMounts.push(pod.ca.volumeMount);
    }

    const container = renderContainer(this, 'resources', {
      name: 'logstash',
      image: this.image,
      // Run Logstash itself instead of the image's entrypoint: the entrypoint's env2yaml
      // step rewrites logstash.yml, which fails on the read-only config mount.
      command: [`${LOGSTASH_HOME}/bin/logstash`],
      env: pod.env,
      ports: [
        { name: 'beats', containerPort: LOGSTASH_BEATS_PORT },
        { name: 'http', containerPort: LOGSTASH_API_PORT },
      ],
      resources: this.resources,
      // The JVM needs up to a few minutes before the API answers; the startup probe holds
      // the liveness probe off until then.
      startupProbe: httpProbe('readiness', '/', 'http', {
        initialDelaySeconds: 10,
        periodSeconds: 10,
        failureThreshold: 30,
      }),
      readinessProbe: httpProbe('readiness', '/', 'http'),
      livenessProbe: tcpProbe('liveness', 'http', { initialDelaySeconds: 0 }),
      volumeMounts,
    });

    const containers = [container];
    if (props.exporter !== false)
      containers.push(renderLogstashExporterContainer(this, props.exporter ?? {}));

    addWorkload(this, 'statefulset', {
      metadata: this.metadata(this.name, 'pipeline'),
      spec: {
        kind: 'StatefulSet',
        serviceName: pod.headlessName,
        replicas: this.replicas,
        // Replicas share nothing, so they start and stop together.
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate' },
        pod: {
          identity,
          serviceAccountName: pod.serviceAccountName,
          automountServiceAccountToken: false,
          containers,
          volumes,
          annotations: {
            ...(this.metricsPort ? scrapeAnnotations(this.metricsPort) : {}),
            'checksum/config': configChecksum(pod.data),
          },
          // Time to flush in-flight batches to Elasticsearch (and the queue to disk).
          terminationGracePeriodSeconds: 120,
          ...spreadPods(identity, props.spread ?? Spread.PREFERRED),
        },
        volumeClaimTemplates: props.persistentQueue
          ? [
              renderVolumeClaimTemplate(
                this,
                'persistentQueue',
                'data',
                props.persistentQueue,
                QUEUE_STORAGE_RULE,
              ),
            ]
          : undefined,
      },
    });
    this.addDisruptionBudget('pdb', this.name, 'pipeline', this.replicas);
  }

  private resolveHeap(heap: string | undefined): number {
    const limit = this.memoryLimitBytes();
    if (heap === undefined) return Math.floor(limit / 2 / MIB);
    let bytes: number;
    try {
      bytes = memoryBytes(heap);
    } catch {
      return invalidProp(
        this,
        'heap',
        heap,
        'is not a memory quantity',
        "use a value such as '1Gi' or '512Mi'",
      );
    }
    if (bytes < 128 * MIB || bytes >= limit) {
      invalidProp(
        this,
        'heap',
        heap,
        `must be at least 128Mi and below the memory limit ${this.resources.memoryLimit}`,
        'leave room for the JVM outside the heap, e.g. half of the limit',
      );
    }
    return Math.floor(bytes / MIB);
  }

  private memoryLimitBytes(): number {
    try {
      return memoryBytes(this.resources.memoryLimit);
    } catch {
      return invalidProp(
        this,
        'resources.memoryLimit',
        this.resources.memoryLimit,
        'is not a memory quantity',
        "use a value such as '2Gi'",
      );
    }
  }
}
