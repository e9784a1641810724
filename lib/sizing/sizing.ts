import { IConstruct } from 'constructs';
import { Duration, validateDays, validateDurationSeconds } from '../core/duration';
import { ErrorScope, invalidProp } from '../core/errors';
import { validateInteger } from '../core/names';
import { DEFAULT_SCRAPE_INTERVAL } from '../prometheus/prometheus-config';
import {
  catchAllClass,
  catchAllFirst,
  DEFAULT_INGEST_SHARE,
  DEFAULT_LOG_CLASSES,
  LogClass,
  retentionDays as logClassRetentionDays,
  validateLogClasses,
} from '../core/log-classes';

// Rules of thumb. Each is a vendor's published guidance, or an assumption marked as one;
// docs/sizing.md has the links and the worked examples.

/**
 * Stored index size per byte of raw JSON, primaries only. Elastic measured 0.73 for plain
 * logs with `best_compression` ("The true story behind Elasticsearch storage requirements",
 * elastic.co/blog/elasticsearch-storage-the-true-story-2.0); the ECS template here maps
 * keywords and numbers with the default codec, so we assume 1.1. Measure yours:
 * `pri.store.size` of a day's index divided by that day's raw volume.
 */
export const INDEX_TO_RAW_RATIO = 1.1;
/**
 * Elastic's data-volume sizing: total storage = data x (1 + 0.15 watermark + 0.1 margin of
 * error) (elastic.co/blog/benchmarking-and-sizing-your-elasticsearch-cluster-for-logs-and-metrics).
 * We keep the margin and, for the watermark, divide by LOW_WATERMARK instead of adding 15%.
 */
export const MARGIN_OF_ERROR = 0.1;
/**
 * `cluster.routing.allocation.disk.watermark.low` default: above 85% used, no new shards go
 * to the node (high 90%: shards move away; flood stage 95%: indices become read-only).
 */
export const DISK_WATERMARK_LOW = 0.85;
/** Hot tier memory:data ratio 1:30 (same Elastic sizing blog; storage-optimised hot nodes). */
export const MEMORY_TO_DATA_RATIO = 30;
/**
 * Memory sizes a data node is planned with, smallest first. Elastic's guidance is to scale a
 * node up to 64 GB of memory, then out: past it, the heap cannot grow (see HEAP_CEILING_MIB).
 */
export const NODE_MEMORY_STEPS_GIB = [1, 2, 4, 8, 16, 32, 64] as const;
/** Heap at most half of the memory: the rest is the filesystem cache Lucene reads through. */
export const HEAP_SHARE_OF_MEMORY = 0.5;
/**
 * Heap below the zero-based compressed-oops threshold: Elastic's "Setting the heap size"
 * says 26 GB is safe on most systems (the compressed-oops cut-off itself is near 32 GB).
 */
export const HEAP_CEILING_MIB = 26 * 1024;
/**
 * Assumption: vCPU per GiB of data-node memory, one per 8 GiB. Near the ratio of Elastic
 * Cloud's storage-optimised hot hardware, where the 1:30 memory:data ratio comes from
 * (about 0.14 vCPU per GB as third parties tabulate it); Elastic publishes no CPU rule.
 */
export const VCPU_PER_MEMORY_GIB = 1 / 8;
/** Assumption: the smallest CPU request of a data node, so a 1 GiB node still starts in minutes. */
export const MIN_DATA_NODE_CPU_MILLIS = 250;
/**
 * Assumption: the smallest data volume, whatever the logs: room for the translog, merges
 * (which need free space next to the segments they rewrite) and the node's own state.
 */
export const MIN_DATA_DISK_GIB = 5;
/**
 * Target size of a primary shard: Elastic's "Size your shards" advises 10 to 50 GB for logs
 * and `max_primary_shard_size: 50gb` on rollover, which the ILM policies here use.
 */
export const TARGET_PRIMARY_SHARD_GB = 50;
/** `cluster.max_shards_per_node` default (non-frozen nodes): more shards than this are refused. */
export const MAX_SHARDS_PER_NODE = 1000;

/**
 * Assumption, to be measured with the `worker_utilization` flow metric: events per second
 * one pipeline worker (one core, Logstash's default `pipeline.workers`) processes through the
 * ECS normalisation, masking and routing filters, for events of about 1 KB.
 */
export const EVENTS_PER_SECOND_PER_WORKER = 1000;
/** Assumption: past four workers a Logstash pod is scaled out rather than up (smaller restarts, spread). */
export const MAX_WORKERS_PER_LOGSTASH = 4;
/** Assumption: the smallest CPU request of a Logstash pod (the dev profile's). */
export const MIN_LOGSTASH_CPU_MILLIS = 200;
/** Assumption: peak over daily average event rate when no peak is given (daytime traffic). */
export const PEAK_TO_AVERAGE_RATIO = 3;
/** Assumption: average event size when none is given: an ECS JSON line with Kubernetes metadata. */
export const DEFAULT_EVENT_BYTES = 1024;
/** Prometheus documents 1 to 2 bytes per sample on disk; we plan with the upper end. */
export const BYTES_PER_SAMPLE = 2;
/**
 * Prometheus recommends `--storage.tsdb.retention.size` at most 80-85% of the volume; the
 * rest covers compactions in progress. We take 80%.
 */
export const RETENTION_SIZE_SHARE_OF_VOLUME = 0.8;

const GB = 1e9;
const GIB = 1024 ** 3;
const SECONDS_PER_DAY = 86400;

/** What Prometheus must hold. */
export interface PrometheusSizingInput {
  /** Active series (`prometheus_tsdb_head_series`). */
  readonly activeSeries: number;
  /**
   * `global.scrape_interval`, such as `15s`. The stack's `sizing` has no such input: it
   * plans with `prometheus.scrapeInterval`.
   * @default '15s'
   */
  readonly scrapeInterval?: Duration;
  /** `--storage.tsdb.retention.time`, in whole days (`15d`, `2w`). @default '15d' */
  readonly retention?: Duration;
}

/** The load a capacity plan is made for. */
export interface SizingInput {
  /** Raw log volume per day, in GB (10^9 bytes) of JSON events as Logstash sends them. */
  readonly ingestGbPerDay: number;
  /**
   * The log classes, with the share of the ingest in each (`ingestShare`, assumed
   * DEFAULT_INGEST_SHARE when a class gives none) and its `retention`. Every event is in
   * exactly one class, so the shares add up to 1: the catch-all, unless it gives its own
   * share, takes what the others leave.
   * @default DEFAULT_LOG_CLASSES (errors, trades and ai 0.05 each; all the rest)
   */
  readonly logClasses?: readonly LogClass[];
  /** `index.number_of_replicas` of the log indices. @default 1 */
  readonly replicas?: number;
  /** Busiest events per second Logstash must keep up with. @default - 3 x the daily average */
  readonly peakEventsPerSecond?: number;
  /** Average size of an event in bytes; turns the daily volume into events per second. @default 1024 */
  readonly averageEventBytes?: number;
  /**
   * Whether the cluster has dedicated master nodes. Without them the data nodes vote, and
   * their number is made odd.
   * @default false
   */
  readonly dedicatedMasters?: boolean;
  /** Prometheus' load. @default - no Prometheus plan */
  readonly prometheus?: PrometheusSizingInput;
}

/** One index class in the plan. */
export interface IndexClassPlan {
  readonly share: number;
  readonly retentionDays: number;
  /** Index size of one day's primaries, GB. */
  readonly primaryGbPerDay: number;
  /** `index.number_of_shards` that keeps a day's primaries at or below TARGET_PRIMARY_SHARD_GB. */
  readonly primaryShardsPerDailyIndex: number;
  /** Everything the class keeps, replicas included, GB (retention + 1 days: ILM deletes after rollover). */
  readonly storedGb: number;
}

export interface ElasticsearchPlan {
  readonly dataNodes: number;
  readonly replicas: number;
  /** Memory request and limit of each data node, GiB. */
  readonly memoryGiB: number;
  readonly heapMiB: number;
  /** Heap as a share of the memory limit (`ElasticsearchNodeGroupProps.heapRatio`). */
  readonly heapRatio: number;
  readonly cpuMillis: number;
  /** Volume of each data node, GiB, with the margin and the low-watermark headroom. */
  readonly diskGiB: number;
  /** All indices, replicas included, GB. */
  readonly storedGb: number;
  /** Shard copies the retention keeps per node, on average. */
  readonly shardsPerNode: number;
  /** Per log class, by name, the catch-all first. */
  readonly indexClasses: { readonly [name: string]: IndexClassPlan };
}

export interface LogstashPlan {
  readonly averageEventsPerSecond: number;
  readonly peakEventsPerSecond: number;
  /** Replicas: enough for the peak, plus one when the indices are replicated (a pod may be down). */
  readonly replicas: number;
  /** `pipeline.workers` of each replica. */
  readonly pipelineWorkers: number;
  /** CPU request of each replica. */
  readonly cpuMillis: number;
}

export interface PrometheusPlan {
  readonly activeSeries: number;
  readonly scrapeIntervalSeconds: number;
  readonly retentionDays: number;
  readonly samplesPerSecond: number;
  /** `--storage.tsdb.retention.size`, GiB (Prometheus' `GB` is 2^30 bytes). */
  readonly retentionSizeGiB: number;
  /** Volume of each replica, GiB. */
  readonly volumeGiB: number;
}

export interface CapacityPlan {
  readonly elasticsearch: ElasticsearchPlan;
  readonly logstash: LogstashPlan;
  readonly prometheus?: PrometheusPlan;
}

/** Where errors are reported and how props are named in them. */
export interface SizingOptions {
  /** @default - a standalone scope named 'sizing' */
  readonly scope?: IConstruct;
  /** Put before every prop name in errors, e.g. `sizing.`. @default '' */
  readonly propPrefix?: string;
  /** How errors name the log class table. @default - `<propPrefix>logClasses` */
  readonly logClassesProp?: string;
}

/**
 * A capacity plan for `input`: Elasticsearch data nodes (count, memory, heap, CPU, disk),
 * primary shards per daily index, Logstash replicas and workers, Prometheus storage. Pure:
 * the same input gives the same plan; bad input throws a ConfigError naming the prop.
 */
export function planCapacity(input: SizingInput, options: SizingOptions = {}): CapacityPlan {
  const scope: ErrorScope = options.scope ?? 'sizing';
  const p = (name: string) => `${options.propPrefix ?? ''}${name}`;
  const positive = (name: string, value: unknown) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      invalidProp(
        scope,
        p(name),
        value,
        'must be a finite number above zero',
        'give a positive number',
      );
    }
    return value as number;
  };

  const ingestGbPerDay = positive('ingestGbPerDay', input.ingestGbPerDay);
  const classesProp = options.logClassesProp ?? p('logClasses');
  const classes = validateLogClasses(scope, classesProp, input.logClasses ?? DEFAULT_LOG_CLASSES);
  const shares = resolveShares(scope, classesProp, classes);
  const replicas = validateInteger(scope, p('replicas'), input.replicas ?? 1, 0, 10);
  const eventBytes = positive('averageEventBytes', input.averageEventBytes ?? DEFAULT_EVENT_BYTES);
  const averageEps = (ingestGbPerDay * GB) / eventBytes / SECONDS_PER_DAY;
  const peakEps =
    input.peakEventsPerSecond === undefined
      ? averageEps * PEAK_TO_AVERAGE_RATIO
      : positive('peakEventsPerSecond', input.peakEventsPerSecond);
  if (peakEps < averageEps) {
    invalidProp(
      scope,
      p('peakEventsPerSecond'),
      peakEps,
      `is below the daily average of ${round(averageEps, 1)} events/s that ingestGbPerDay and averageEventBytes give`,
      'give the busiest rate, at least the average, or leave it out (3x the average)',
    );
  }

  return {
    elasticsearch: planElasticsearch(
      ingestGbPerDay,
      classes,
      shares,
      replicas,
      input.dedicatedMasters ?? false,
    ),
    logstash: planLogstash(averageEps, peakEps, replicas > 0),
    prometheus: input.prometheus ? planPrometheus(scope, p, input.prometheus) : undefined,
  };
}

/** The share of each class, by name: the catch-all takes the rest unless it gives its own. */
function resolveShares(
  scope: ErrorScope,
  prop: string,
  classes: readonly LogClass[],
): Record<string, number> {
  const fallback = catchAllClass(classes);
  const routed = classes.slice(0, -1);
  const shares: Record<string, number> = {};
  for (const c of routed) shares[c.name] = c.ingestShare ?? DEFAULT_INGEST_SHARE;
  const routedSum = routed.reduce((sum, c) => sum + shares[c.name], 0);
  const names = routed.map((c) => c.name).join(', ');
  if (fallback.ingestShare === undefined) {
    if (routedSum > 1 + 1e-9) {
      invalidProp(
        scope,
        prop,
        shares,
        `gives ${names} ${round(routedSum, 3)} of the ingest, more than all of it`,
        `lower their ingestShare so that they add up to at most 1; ${fallback.name} takes the rest`,
      );
    }
    return { [fallback.name]: Math.max(0, 1 - routedSum), ...shares };
  }
  const sum = fallback.ingestShare + routedSum;
  if (Math.abs(sum - 1) > 1e-3) {
    invalidProp(
      scope,
      prop,
      { [fallback.name]: fallback.ingestShare, ...shares },
      `has ingest shares adding up to ${round(sum, 3)}, but every event is in exactly one log class`,
      `make the ingestShare of every class add up to 1, or leave it out of ${fallback.name} to give it the rest`,
    );
  }
  return { [fallback.name]: fallback.ingestShare, ...shares };
}

function planElasticsearch(
  ingestGbPerDay: number,
  logClasses: readonly LogClass[],
  shares: Record<string, number>,
  replicas: number,
  dedicatedMasters: boolean,
): ElasticsearchPlan {
  const copies = replicas + 1;
  const classes: Record<string, IndexClassPlan> = {};
  let storedGb = 0;
  let shardCopies = 0;
  for (const logClass of catchAllFirst(logClasses)) {
    const c = logClass.name;
    const retentionDays = logClassRetentionDays(logClass);
    const primaryGbPerDay = ingestGbPerDay * shares[c] * INDEX_TO_RAW_RATIO;
    const primaryShardsPerDailyIndex = Math.max(
      1,
      Math.ceil(primaryGbPerDay / TARGET_PRIMARY_SHARD_GB),
    );
    // ILM deletes `retention` days after rollover, and rollover is daily: up to one day more.
    const daysKept = retentionDays + 1;
    const classStoredGb = primaryGbPerDay * daysKept * copies;
    classes[c] = {
      share: shares[c],
      retentionDays,
      primaryGbPerDay,
      primaryShardsPerDailyIndex,
      storedGb: classStoredGb,
    };
    storedGb += classStoredGb;
    shardCopies += primaryShardsPerDailyIndex * copies * daysKept;
  }
  const diskNeededGiB = (((storedGb * GB) / GIB) * (1 + MARGIN_OF_ERROR)) / DISK_WATERMARK_LOW;

  // A replica is never on its primary's node; without dedicated masters the data nodes
  // vote, and the cluster construct keeps voters odd.
  const votingNodes = (n: number) => (dedicatedMasters || n % 2 === 1 ? n : n + 1);
  const minNodes = votingNodes(copies);
  // Scale up to the largest node first, then out.
  let memoryGiB: number = NODE_MEMORY_STEPS_GIB[NODE_MEMORY_STEPS_GIB.length - 1];
  let nodes = Math.ceil(diskNeededGiB / (memoryGiB * MEMORY_TO_DATA_RATIO));
  for (const step of NODE_MEMORY_STEPS_GIB) {
    if (Math.ceil(diskNeededGiB / (step * MEMORY_TO_DATA_RATIO)) <= minNodes) {
      memoryGiB = step;
      nodes = minNodes;
      break;
    }
  }
  nodes = votingNodes(Math.max(nodes, minNodes, Math.ceil(shardCopies / MAX_SHARDS_PER_NODE)));

  const memoryMiB = memoryGiB * 1024;
  const heapMiB = Math.min(memoryMiB * HEAP_SHARE_OF_MEMORY, HEAP_CEILING_MIB);
  return {
    dataNodes: nodes,
    replicas,
    memoryGiB,
    heapMiB,
    heapRatio: heapMiB / memoryMiB,
    cpuMillis: Math.max(
      MIN_DATA_NODE_CPU_MILLIS,
      Math.ceil(memoryGiB * VCPU_PER_MEMORY_GIB * 10) * 100,
    ),
    diskGiB: Math.max(MIN_DATA_DISK_GIB, Math.ceil(diskNeededGiB / nodes)),
    storedGb,
    shardsPerNode: Math.ceil(shardCopies / nodes),
    indexClasses: classes,
  };
}

function planLogstash(averageEps: number, peakEps: number, highlyAvailable: boolean): LogstashPlan {
  const workersForPeak = Math.max(1, Math.ceil(peakEps / EVENTS_PER_SECOND_PER_WORKER));
  const replicasForPeak = Math.ceil(workersForPeak / MAX_WORKERS_PER_LOGSTASH);
  const coresPerReplica = peakEps / replicasForPeak / EVENTS_PER_SECOND_PER_WORKER;
  return {
    averageEventsPerSecond: averageEps,
    peakEventsPerSecond: peakEps,
    // With replicated indices the data survives a node; the pipeline should survive a pod.
    replicas: replicasForPeak + (highlyAvailable ? 1 : 0),
    pipelineWorkers: Math.ceil(workersForPeak / replicasForPeak),
    cpuMillis: Math.max(MIN_LOGSTASH_CPU_MILLIS, Math.ceil(coresPerReplica * 10) * 100),
  };
}

function planPrometheus(
  scope: ErrorScope,
  p: (name: string) => string,
  input: PrometheusSizingInput,
): PrometheusPlan {
  const activeSeries = validateInteger(scope, p('prometheus.activeSeries'), input.activeSeries, 1);
  const scrapeIntervalSeconds = validateDurationSeconds(
    scope,
    p('prometheus.scrapeInterval'),
    input.scrapeInterval ?? DEFAULT_SCRAPE_INTERVAL,
    {
      min: '0s',
      minExclusive: true,
      fix: `give the scrape interval, e.g. '${DEFAULT_SCRAPE_INTERVAL}'`,
    },
  );
  const retentionDays = validateDays(scope, p('prometheus.retention'), input.retention ?? '15d', {
    min: '1d',
    max: '3650d',
    fix: "give whole days from '1d' to '3650d', such as '15d'",
  });
  const samplesPerSecond = activeSeries / scrapeIntervalSeconds;
  // needed_disk_space = retention_time_seconds * ingested_samples_per_second * bytes_per_sample
  const blocksBytes = retentionDays * SECONDS_PER_DAY * samplesPerSecond * BYTES_PER_SAMPLE;
  const retentionSizeGiB = Math.max(1, Math.ceil(blocksBytes / GIB));
  return {
    activeSeries,
    scrapeIntervalSeconds,
    retentionDays,
    samplesPerSecond,
    retentionSizeGiB,
    volumeGiB: Math.ceil(retentionSizeGiB / RETENTION_SIZE_SHARE_OF_VOLUME),
  };
}

function round(value: number, digits: number): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}
