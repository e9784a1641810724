/** Ports the Jaeger v2 binary listens on, as this package configures them. */
export const JaegerPorts = {
  otlpGrpc: 4317,
  otlpHttp: 4318,
  zipkin: 9411,
  /** `remote_sampling` HTTP endpoint (`/sampling?service=...`). */
  sampling: 5778,
  /** `jaeger_query` HTTP: UI and API. */
  query: 16686,
  /** `jaeger_query` gRPC API (api_v2 / api_v3). */
  queryGrpc: 16685,
  /** `healthcheckv2` HTTP status endpoint. */
  health: 13133,
  /** `service.telemetry.metrics` Prometheus endpoint. */
  metrics: 8888,
} as const;

/** The HTTP path of the `healthcheckv2` status endpoint. */
export const JAEGER_HEALTH_PATH = '/status';

/** Which part of Jaeger a config file is for. */
export type JaegerRole = 'all-in-one' | 'collector' | 'query';

/** `jaeger_storage.backends.<name>.memory`. */
export interface MemoryBackendConfig {
  readonly memory: { readonly max_traces: number };
}

/** Per-index settings (`indices.spans`, `indices.services`, ...). */
export interface ElasticsearchIndexConfig {
  readonly shards: number;
  readonly replicas: number;
  /** Go time layout of the date part of the index name: `2006-01-02` starts a new index every day. */
  readonly date_layout: string;
  /** How Jaeger finds the indices to read: `day` matches the daily layout. */
  readonly rollover_frequency: 'day' | 'hour';
}

/** Daily indices (`jaeger-span-2026-11-23`): the unit the index cleaner deletes. */
export const DAILY_INDEX_LAYOUT = '2006-01-02';

/** `jaeger_storage.backends.<name>.elasticsearch`, the keys we set. */
export interface ElasticsearchBackendConfig {
  readonly elasticsearch: {
    readonly server_urls: string[];
    readonly auth?: {
      readonly basic: {
        readonly username: string;
        readonly password_file: string;
        readonly reload_interval: string;
      };
    };
    readonly tls?: { readonly ca_file: string };
    readonly indices: {
      readonly index_prefix?: string;
      readonly spans: ElasticsearchIndexConfig;
      readonly services: ElasticsearchIndexConfig;
      readonly dependencies: ElasticsearchIndexConfig;
      readonly sampling: ElasticsearchIndexConfig;
    };
  };
}

/** One storage backend of the `jaeger_storage` extension. */
export type JaegerBackendConfig = MemoryBackendConfig | ElasticsearchBackendConfig;

/** Inputs of {@link renderElasticsearchBackend}. */
export interface ElasticsearchBackendOptions {
  readonly serverUrl: string;
  /** CA file that signs the cluster's HTTP certificate. @default - no TLS settings */
  readonly caFile?: string;
  /**
   * Log in as the user in the `ES_USERNAME` environment variable (expanded at startup,
   * `${env:...}`), with the password read from `passwordFile` (`password_file`, re-read every
   * {@link PASSWORD_RELOAD_INTERVAL} so a rotated Secret is picked up without a restart).
   * Neither value enters the ConfigMap.
   * @default - no authentication
   */
  readonly basicAuth?: { readonly passwordFile: string };
  readonly indexPrefix?: string;
  readonly shards: number;
  readonly replicas: number;
}

/** The environment variable the Elasticsearch user name is read from. */
export const ES_USERNAME_ENV = 'ES_USERNAME';
/** The environment variable the index cleaner reads the Elasticsearch password from (it has no password file). */
export const ES_PASSWORD_ENV = 'ES_PASSWORD';
/** How often the storage extension re-reads its password file (`reload_interval`). */
export const PASSWORD_RELOAD_INTERVAL = '1m';

/** Renders an Elasticsearch backend of `jaeger_storage`. */
export function renderElasticsearchBackend(
  options: ElasticsearchBackendOptions,
): ElasticsearchBackendConfig {
  const index: ElasticsearchIndexConfig = {
    shards: options.shards,
    replicas: options.replicas,
    date_layout: DAILY_INDEX_LAYOUT,
    rollover_frequency: 'day',
  };
  return {
    elasticsearch: {
      server_urls: [options.serverUrl],
      // The extension has a password file but no user name file (auth.basic: username,
      // password, password_file, reload_interval), so only the user name comes from the environment.
      auth: options.basicAuth
        ? {
            basic: {
              username: `\${env:${ES_USERNAME_ENV}}`,
              password_file: options.basicAuth.passwordFile,
              reload_interval: PASSWORD_RELOAD_INTERVAL,
            },
          }
        : undefined,
      tls: options.caFile ? { ca_file: options.caFile } : undefined,
      indices: {
        index_prefix: options.indexPrefix,
        spans: index,
        services: index,
        dependencies: index,
        sampling: index,
      },
    },
  };
}

/** Inputs of {@link renderJaegerConfig}. */
export interface JaegerConfigOptions {
  /** The span store. */
  readonly backend: JaegerBackendConfig;
  /** Path of the sampling strategies file in the container; used by `all-in-one` and `collector`. */
  readonly samplingStrategiesFile: string;
  /** `service.telemetry.resource` `service.name` of Jaeger's own telemetry. @default 'jaeger' */
  readonly serviceName?: string;
}

/** The name of the single storage backend in `jaeger_storage.backends`. */
const BACKEND = 'trace_storage';

function listen(port: number): string {
  return `0.0.0.0:${port}`;
}

/**
 * Renders the Jaeger v2 (OpenTelemetry Collector based) config file of one role.
 * `all-in-one` receives, stores and serves; `collector` receives and stores;
 * `query` only serves the UI and API from storage, with a `nop` pipeline because
 * the collector core refuses to start without one.
 */
export function renderJaegerConfig(role: JaegerRole, options: JaegerConfigOptions): object {
  const receives = role !== 'query';
  const serves = role !== 'collector';

  // jaeger_storage first: jaeger_query and the exporter look their backend up in it.
  const extensions: Record<string, unknown> = {
    jaeger_storage: { backends: { [BACKEND]: options.backend } },
  };
  if (serves) {
    extensions.jaeger_query = {
      storage: { traces: BACKEND },
      http: { endpoint: listen(JaegerPorts.query) },
      grpc: { endpoint: listen(JaegerPorts.queryGrpc) },
    };
  }
  if (receives) {
    extensions.remote_sampling = {
      file: { path: options.samplingStrategiesFile },
      http: { endpoint: listen(JaegerPorts.sampling) },
    };
  }

  extensions.healthcheckv2 = {
    use_v2: true,
    http: {
      endpoint: listen(JaegerPorts.health),
      status: { enabled: true, path: JAEGER_HEALTH_PATH },
    },
  };

  return {
    service: {
      extensions: Object.keys(extensions),
      pipelines: {
        traces: receives
          ? {
              receivers: ['otlp', 'zipkin'],
              processors: ['batch'],
              exporters: ['jaeger_storage_exporter'],
            }
          : { receivers: ['nop'], exporters: ['nop'] },
      },
      telemetry: {
        resource: { 'service.name': options.serviceName ?? 'jaeger' },
        metrics: {
          level: 'normal',
          readers: [
            { pull: { exporter: { prometheus: { host: '0.0.0.0', port: JaegerPorts.metrics } } } },
          ],
        },
        logs: { level: 'info', encoding: 'json' },
      },
    },
    extensions,
    receivers: receives
      ? {
          otlp: {
            protocols: {
              grpc: { endpoint: listen(JaegerPorts.otlpGrpc) },
              http: { endpoint: listen(JaegerPorts.otlpHttp) },
            },
          },
          zipkin: { endpoint: listen(JaegerPorts.zipkin) },
        }
      : { nop: {} },
    processors: receives ? { batch: {} } : undefined,
    exporters: receives ? { jaeger_storage_exporter: { trace_storage: BACKEND } } : { nop: {} },
  };
}

/** Inputs of {@link renderSamplingStrategies}. */
export interface SamplingStrategiesOptions {
  /** Probability for services without an override, 0..1. */
  readonly defaultRate: number;
  /** Per-service probabilities. */
  readonly serviceRates: Record<string, number>;
  /** Per-operation probabilities of a service, by service and span name. */
  readonly operationRates?: Record<string, Record<string, number>>;
  /** Operations (span names) never sampled, e.g. health checks. */
  readonly unsampledOperations: readonly string[];
}

/**
 * Renders the remote sampling strategies file (`default_strategy`,
 * `service_strategies`) that SDKs fetch from the `remote_sampling` extension. A service
 * with operation overrides but no rate of its own gets the default rate. Unsampled
 * operations are repeated in every service strategy so that an override never brings
 * health checks back.
 */
export function renderSamplingStrategies(options: SamplingStrategiesOptions): object {
  const probabilistic = (param: number) => ({ type: 'probabilistic', param });
  const unsampled = options.unsampledOperations.map((operation) => ({
    operation,
    ...probabilistic(0),
  }));
  const withOperations = (
    strategy: Record<string, unknown>,
    rates: Record<string, number> = {},
  ) => {
    const operations = [
      ...Object.keys(rates)
        .sort()
        .map((operation) => ({ operation, ...probabilistic(rates[operation]) })),
      ...unsampled,
    ];
    return operations.length > 0 ? { ...strategy, operation_strategies: operations } : strategy;
  };
  const operationRates = options.operationRates ?? {};
  const services = [
    ...new Set([...Object.keys(options.serviceRates), ...Object.keys(operationRates)]),
  ].sort();
  return {
    service_strategies: services.map((service) =>
      withOperations(
        { service, ...probabilistic(options.serviceRates[service] ?? options.defaultRate) },
        operationRates[service],
      ),
    ),
    default_strategy: withOperations(probabilistic(options.defaultRate)),
  };
}
