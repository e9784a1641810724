import { Duration } from '../core/duration';
import { BasicAuthSecretRef } from '../core/secrets';
import { IElasticsearchCluster } from '../elasticsearch/elasticsearch-reference';
import { ElasticsearchPrivileges } from '../elasticsearch/elasticsearch-users';

/** Options of the in-memory span store. */
export interface MemoryStorageOptions {
  /**
   * Traces kept in memory (`max_traces`); the oldest are evicted first.
   * @default 50000
   */
  readonly maxTraces?: number;
}

/** Options of the Elasticsearch span store. */
export interface ElasticsearchStorageOptions {
  /**
   * Prefix of the Jaeger indices (`indices.index_prefix`): `<prefix>-jaeger-span-*`.
   * @default - none: indices are `jaeger-span-*`, `jaeger-service-*`
   */
  readonly indexPrefix?: string;
  /**
   * Primary shards per daily index (`indices.*.shards`).
   * @default 1
   */
  readonly shards?: number;
  /**
   * Replicas per shard (`indices.*.replicas`); must be below the number of data nodes
   * or the indices stay yellow.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * How long span indices are kept, in whole days (`7d`, `2w`): a daily CronJob runs Jaeger's
   * index cleaner, which deletes the daily indices older than this.
   * @default '7d'
   */
  readonly retention?: Duration;
  /**
   * When the index cleaner runs, as a cron schedule in UTC.
   * @default '15 0 * * *' (00:15 every day)
   */
  readonly cleanupSchedule?: string;
  /**
   * Secret with the Elasticsearch user Jaeger writes and reads spans as.
   * Used only when the cluster has security enabled.
   * @default { secretName: '<name>-elasticsearch-credentials' }
   */
  readonly credentials?: BasicAuthSecretRef;
}

/**
 * Where Jaeger keeps spans. In-memory storage is for dev (one pod, lost on
 * restart); Elasticsearch splits Jaeger into collector and query Deployments.
 */
export abstract class JaegerStorage {
  /** Spans in the memory of the single all-in-one pod. */
  public static memory(options: MemoryStorageOptions = {}): MemoryStorage {
    return new MemoryStorage(options.maxTraces ?? 50000);
  }

  /** Spans in daily Elasticsearch indices. */
  public static elasticsearch(
    cluster: IElasticsearchCluster,
    options: ElasticsearchStorageOptions = {},
  ): ElasticsearchStorage {
    return new ElasticsearchStorage(
      cluster,
      options.indexPrefix,
      options.shards ?? 1,
      options.replicas ?? 1,
      options.credentials,
      options.retention ?? '7d',
      options.cleanupSchedule ?? '15 0 * * *',
    );
  }

  /** `memory` or `elasticsearch`, the key of the `jaeger_storage` backend. */
  public abstract readonly kind: 'memory' | 'elasticsearch';
}

/** See {@link JaegerStorage.memory}. */
export class MemoryStorage extends JaegerStorage {
  public readonly kind = 'memory' as const;
  constructor(public readonly maxTraces: number) {
    super();
  }
}

/** See {@link JaegerStorage.elasticsearch}. */
export class ElasticsearchStorage extends JaegerStorage {
  public readonly kind = 'elasticsearch' as const;
  constructor(
    public readonly cluster: IElasticsearchCluster,
    public readonly indexPrefix: string | undefined,
    public readonly shards: number,
    public readonly replicas: number,
    /** Undefined means the default Secret name, which depends on the Jaeger name. */
    public readonly credentials: BasicAuthSecretRef | undefined,
    /** How long span indices are kept, as given (checked by the Jaeger that uses it). */
    public readonly retention: Duration,
    public readonly cleanupSchedule: string,
  ) {
    super();
  }
}

/**
 * What Jaeger's Elasticsearch user needs: everything on its own span and service indices
 * (`[<prefix>-]jaeger-*`: the collector creates daily indices, the query reads them, the index
 * cleaner deletes them), `manage_index_templates` for the templates Jaeger writes at every
 * start, and `monitor` for the version check its client makes when it connects. Nothing on
 * any other index.
 */
export function jaegerElasticsearchPrivileges(indexPrefix?: string): ElasticsearchPrivileges {
  return {
    cluster: ['monitor', 'manage_index_templates'],
    indices: [{ names: [`${indexPrefix ? `${indexPrefix}-` : ''}jaeger-*`], privileges: ['all'] }],
  };
}
