import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { Spread } from '../lib/core/workload';
import {
  Jaeger,
  JaegerProps,
  JaegerStorage,
  renderJaegerConfig,
  renderSamplingStrategies,
} from '../lib/jaeger';
import { FakeElasticsearchCluster } from './support/fake-elasticsearch';
import { secretKeyAt, setupCredentials } from './support/setup-credentials';
import { named, ofKind } from './support/objects';

function synth(props: (chart: Chart) => JaegerProps = () => ({})) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const jaeger = new Jaeger(chart, 'jaeger', props(chart));
  return { jaeger, objects: Testing.synth(chart) as any[] };
}
const esStorage =
  (security = true, options = {}) =>
  (chart: Chart): JaegerProps => ({
    storage: JaegerStorage.elasticsearch(
      new FakeElasticsearchCluster(chart, {
        id: 'es',
        clusterName: 'logs',
        securityEnabled: security,
      }),
      { indexPrefix: 'tracing', ...options },
    ),
  });

describe('Jaeger with memory storage', () => {
  test('runs one all-in-one Deployment with the v2 config file', () => {
    const { objects } = synth();
    expect(ofKind(objects, 'Deployment').map((d) => d.metadata.name)).toEqual(['jaeger']);
    const deployment = named(objects, 'Deployment', 'jaeger');
    expect(deployment.spec.replicas).toBe(1);
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toMatch(/^docker\.io\/jaegertracing\/jaeger:2\./);
    expect(container.args).toEqual(['--config=/etc/jaeger/config.yaml']);
    expect(container.volumeMounts).toContainEqual({
      name: 'config',
      mountPath: '/etc/jaeger',
      readOnly: true,
    });
  });

  test('receives OTLP and Zipkin on all interfaces and stores in memory', () => {
    const { objects } = synth(() => ({ storage: JaegerStorage.memory({ maxTraces: 1000 }) }));
    const config = parse(named(objects, 'ConfigMap', 'jaeger-config').data['config.yaml']);
    expect(config.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(config.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
    expect(config.receivers.zipkin.endpoint).toBe('0.0.0.0:9411');
    expect(config.extensions.jaeger_storage.backends.trace_storage).toEqual({
      memory: { max_traces: 1000 },
    });
    expect(config.exporters.jaeger_storage_exporter.trace_storage).toBe('trace_storage');
    expect(config.extensions.jaeger_query.storage.traces).toBe('trace_storage');
    expect(config.extensions.jaeger_query.http.endpoint).toBe('0.0.0.0:16686');
    expect(config.service.pipelines.traces).toEqual({
      receivers: ['otlp', 'zipkin'],
      processors: ['batch'],
      exporters: ['jaeger_storage_exporter'],
    });
    expect(config.service.extensions).toEqual(
      expect.arrayContaining([
        'jaeger_storage',
        'jaeger_query',
        'remote_sampling',
        'healthcheckv2',
      ]),
    );
  });

  test('exposes health on 13133 and Prometheus metrics on 8888', () => {
    const { objects } = synth();
    const config = parse(named(objects, 'ConfigMap', 'jaeger-config').data['config.yaml']);
    expect(config.extensions.healthcheckv2).toEqual({
      use_v2: true,
      http: { endpoint: '0.0.0.0:13133', status: { enabled: true, path: '/status' } },
    });
    expect(config.service.telemetry.metrics.readers).toEqual([
      { pull: { exporter: { prometheus: { host: '0.0.0.0', port: 8888 } } } },
    ]);
    const template = named(objects, 'Deployment', 'jaeger').spec.template;
    expect(template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8888',
    });
    expect(template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{16}$/);
    const container = template.spec.containers[0];
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/status', port: 'health' });
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/status', port: 'health' });
    expect(container.ports).toContainEqual({
      name: 'health',
      containerPort: 13133,
      protocol: 'TCP',
    });
  });

  test('runs as uid 10001 with a read-only root filesystem', () => {
    const { objects } = synth();
    const spec = named(objects, 'Deployment', 'jaeger').spec.template.spec;
    expect(spec.securityContext.runAsUser).toBe(10001);
    expect(spec.containers[0].securityContext).toMatchObject({
      runAsUser: 10001,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(spec.automountServiceAccountToken).toBe(false);
  });

  test('serves a probabilistic default strategy of 100% through remote sampling', () => {
    const { objects } = synth();
    const data = named(objects, 'ConfigMap', 'jaeger-config').data;
    const config = parse(data['config.yaml']);
    expect(config.extensions.remote_sampling).toEqual({
      file: { path: '/etc/jaeger/sampling-strategies.json' },
      http: { endpoint: '0.0.0.0:5778' },
    });
    const strategies = JSON.parse(data['sampling-strategies.json']);
    expect(strategies.default_strategy).toMatchObject({ type: 'probabilistic', param: 1 });
    expect(strategies.default_strategy.operation_strategies).toContainEqual({
      operation: 'GET /metrics',
      type: 'probabilistic',
      param: 0,
    });
  });

  test('collector and query Services both select the all-in-one pod', () => {
    const { jaeger, objects } = synth();
    const collector = named(objects, 'Service', 'jaeger-collector');
    const query = named(objects, 'Service', 'jaeger-query');
    expect(collector.spec.ports.map((p: any) => [p.name, p.port])).toEqual([
      ['otlp-grpc', 4317],
      ['otlp-http', 4318],
      ['zipkin', 9411],
      ['sampling', 5778],
    ]);
    expect(query.spec.ports.map((p: any) => [p.name, p.port])).toEqual([['query', 16686]]);
    const podLabels = named(objects, 'Deployment', 'jaeger').spec.template.metadata.labels;
    for (const service of [collector, query]) {
      for (const [key, value] of Object.entries(service.spec.selector))
        expect(podLabels[key]).toBe(value);
    }
    expect(jaeger.queryEndpoint.url).toBe('http://jaeger-query.observability.svc:16686');
    expect(jaeger.otlpGrpcEndpoint.hostPort).toBe('jaeger-collector.observability.svc:4317');
    expect(jaeger.otlpGrpcEndpoint.scheme).toBe('grpc');
    expect(jaeger.otlpHttpEndpoint.url).toBe('http://jaeger-collector.observability.svc:4318');
  });

  test('fails with more than one replica', () => {
    expect(() => synth(() => ({ replicas: 2 }))).toThrow(/'replicas'.*memory storage/);
  });

  test('fails when the sampling rate is not a probability', () => {
    expect(() => synth(() => ({ samplingRate: 1.5 }))).toThrow(/samplingRate/);
    expect(() => synth(() => ({ serviceSamplingRates: { checkout: -0.1 } }))).toThrow(
      /serviceSamplingRates\.checkout/,
    );
  });

  test('fails when maxTraces is not a positive integer', () => {
    expect(() => synth(() => ({ storage: JaegerStorage.memory({ maxTraces: 0 }) }))).toThrow(
      /storage\.maxTraces/,
    );
  });
});

describe('Jaeger with Elasticsearch storage', () => {
  test('splits into a collector and a query Deployment with their own ConfigMaps', () => {
    const { objects } = synth(esStorage());
    expect(
      ofKind(objects, 'Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(['jaeger-collector', 'jaeger-query']);
    const collector = parse(
      named(objects, 'ConfigMap', 'jaeger-collector-config').data['config.yaml'],
    );
    const query = parse(named(objects, 'ConfigMap', 'jaeger-query-config').data['config.yaml']);
    expect(collector.extensions.jaeger_query).toBeUndefined();
    expect(collector.service.pipelines.traces.exporters).toEqual(['jaeger_storage_exporter']);
    expect(query.extensions.jaeger_query.storage.traces).toBe('trace_storage');
    expect(query.extensions.remote_sampling).toBeUndefined();
    expect(query.service.pipelines.traces).toEqual({ receivers: ['nop'], exporters: ['nop'] });
    expect(
      named(objects, 'ConfigMap', 'jaeger-query-config').data['sampling-strategies.json'],
    ).toBeUndefined();
  });

  test('the Services select the collector and the query pods', () => {
    const { objects } = synth(esStorage());
    expect(
      named(objects, 'Service', 'jaeger-collector').spec.selector['app.kubernetes.io/component'],
    ).toBe('collector');
    expect(
      named(objects, 'Service', 'jaeger-query').spec.selector['app.kubernetes.io/component'],
    ).toBe('query');
    const queryPorts = named(
      objects,
      'Deployment',
      'jaeger-query',
    ).spec.template.spec.containers[0].ports.map((p: any) => p.name);
    expect(queryPorts).toEqual(['query', 'query-grpc', 'health', 'metrics']);
  });

  test('writes to the cluster with index prefix, shards and replicas', () => {
    const { objects } = synth(esStorage(true, { shards: 3, replicas: 2 }));
    const config = parse(
      named(objects, 'ConfigMap', 'jaeger-collector-config').data['config.yaml'],
    );
    const es = config.extensions.jaeger_storage.backends.trace_storage.elasticsearch;
    expect(es.server_urls).toEqual(['https://elasticsearch-http.observability.svc:9200']);
    expect(es.indices.index_prefix).toBe('tracing');
    for (const index of ['spans', 'services', 'dependencies', 'sampling']) {
      // One index a day: the unit the index cleaner deletes.
      expect(es.indices[index]).toEqual({
        shards: 3,
        replicas: 2,
        date_layout: '2006-01-02',
        rollover_frequency: 'day',
      });
    }
    // Quoted: Jaeger's YAML reader would take a plain 2006-01-02 for a timestamp and refuse it.
    expect(named(objects, 'ConfigMap', 'jaeger-collector-config').data['config.yaml']).toContain(
      'date_layout: "2006-01-02"',
    );
    expect(es.tls).toEqual({ ca_file: '/etc/jaeger/elasticsearch-ca/ca.crt' });
  });

  test('reads the password from a read-only Secret file (password_file), the user name from a Secret env var, never inline', () => {
    const { jaeger, objects } = synth(esStorage());
    for (const name of ['jaeger-collector', 'jaeger-query']) {
      const data = named(objects, 'ConfigMap', `${name}-config`).data['config.yaml'];
      const es = parse(data).extensions.jaeger_storage.backends.trace_storage.elasticsearch;
      expect(es.auth.basic).toEqual({
        username: '${env:ES_USERNAME}',
        password_file: '/etc/jaeger/elasticsearch-credentials/password',
        reload_interval: '1m',
      });
      const spec = named(objects, 'Deployment', name).spec.template.spec;
      const container = spec.containers[0];
      expect(secretKeyAt(spec, container, es.auth.basic.password_file)).toEqual({
        name: 'jaeger-elasticsearch-credentials',
        key: 'password',
      });
      expect(
        spec.volumes.find((v: any) => v.name === 'elasticsearch-credentials').projected.defaultMode,
      ).toBe(0o440);
      // The storage extension has no user name file: the user name is the one Secret env var.
      expect(container.env.filter((e: any) => e.valueFrom?.secretKeyRef)).toEqual([
        {
          name: 'ES_USERNAME',
          valueFrom: {
            secretKeyRef: { name: 'jaeger-elasticsearch-credentials', key: 'username' },
          },
        },
      ]);
      expect(spec.volumes).toContainEqual({
        name: 'elasticsearch-ca',
        secret: { secretName: 'elasticsearch-certs', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
      });
    }
    expect(jaeger.externalSecrets).toEqual([
      expect.objectContaining({
        name: 'jaeger-elasticsearch-credentials',
        keys: ['username', 'password'],
      }),
    ]);
  });

  test('a cluster without security gets neither credentials nor TLS settings', () => {
    const { jaeger, objects } = synth(esStorage(false));
    const es = parse(named(objects, 'ConfigMap', 'jaeger-collector-config').data['config.yaml'])
      .extensions.jaeger_storage.backends.trace_storage.elasticsearch;
    expect(es.auth).toBeUndefined();
    expect(es.tls).toBeUndefined();
    expect(jaeger.externalSecrets).toEqual([]);
  });

  test('samples 10% by default, with per-service overrides', () => {
    const { jaeger, objects } = synth((chart) => ({
      ...esStorage()(chart),
      serviceSamplingRates: { checkout: 0.5 },
    }));
    expect(jaeger.samplingRate).toBe(0.1);
    const strategies = JSON.parse(
      named(objects, 'ConfigMap', 'jaeger-collector-config').data['sampling-strategies.json'],
    );
    expect(strategies.default_strategy.param).toBe(0.1);
    expect(strategies.service_strategies).toEqual([
      expect.objectContaining({ service: 'checkout', type: 'probabilistic', param: 0.5 }),
    ]);
  });

  test('per-operation overrides join the service strategy, health and metrics endpoints stay at 0', () => {
    const { objects } = synth((chart) => ({
      ...esStorage()(chart),
      serviceSamplingRates: { checkout: 0.5 },
      operationSamplingRates: { checkout: { 'POST /pay': 1 }, search: { 'GET /search': 0.01 } },
    }));
    const strategies = JSON.parse(
      named(objects, 'ConfigMap', 'jaeger-collector-config').data['sampling-strategies.json'],
    );
    const checkout = strategies.service_strategies.find((s: any) => s.service === 'checkout');
    expect(checkout.param).toBe(0.5);
    expect(checkout.operation_strategies[0]).toEqual({
      operation: 'POST /pay',
      type: 'probabilistic',
      param: 1,
    });
    expect(checkout.operation_strategies).toContainEqual({
      operation: 'GET /metrics',
      type: 'probabilistic',
      param: 0,
    });
    // A service with only operation overrides keeps the default rate for the rest.
    const search = strategies.service_strategies.find((s: any) => s.service === 'search');
    expect(search.param).toBe(0.1);
    expect(search.operation_strategies[0]).toEqual({
      operation: 'GET /search',
      type: 'probabilistic',
      param: 0.01,
    });
    for (const op of ['GET /health', 'GET /healthz', 'GET /ready', 'GET /readyz', 'GET /metrics']) {
      expect(strategies.default_strategy.operation_strategies).toContainEqual({
        operation: op,
        type: 'probabilistic',
        param: 0,
      });
    }
  });

  test('fails on an operation rate that is not a probability, or that would sample a never-sampled operation', () => {
    expect(() =>
      synth((chart) => ({ ...esStorage()(chart), operationSamplingRates: { a: { op: 2 } } })),
    ).toThrow(/operationSamplingRates\.a\.op/);
    expect(() =>
      synth((chart) => ({
        ...esStorage()(chart),
        operationSamplingRates: { a: { 'GET /health': 1 } },
      })),
    ).toThrow(/operationSamplingRates\.a\.GET \/health.*never sampled/);
  });

  test('more than one replica gets disruption budgets and spread', () => {
    const { objects } = synth((chart) => ({
      ...esStorage()(chart),
      replicas: 2,
      spread: Spread.REQUIRED,
    }));
    expect(
      ofKind(objects, 'PodDisruptionBudget')
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(['jaeger-collector', 'jaeger-query']);
    const spec = named(objects, 'Deployment', 'jaeger-collector').spec;
    expect(spec.replicas).toBe(2);
    expect(
      spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution,
    ).toHaveLength(1);
  });

  test('fails on invalid shards, replicas and index prefix', () => {
    expect(() => synth(esStorage(true, { shards: 0 }))).toThrow(/storage\.shards/);
    expect(() => synth(esStorage(true, { replicas: -1 }))).toThrow(/storage\.replicas/);
    expect(() => synth(esStorage(true, { indexPrefix: 'Traces*' }))).toThrow(
      /storage\.indexPrefix/,
    );
  });

  test('fails on a fractional replica count', () => {
    expect(() => synth((chart) => ({ ...esStorage()(chart), replicas: 1.5 }))).toThrow(/replicas/);
  });
});

describe('Jaeger index cleaner', () => {
  const cronJob = (objects: any[]) => named(objects, 'CronJob', 'jaeger-index-cleaner');
  const env = (c: any, name: string) => c.env.find((e: any) => e.name === name);

  test('memory storage has none', () => {
    expect(ofKind(synth().objects, 'CronJob')).toEqual([]);
  });

  test('deletes daily span indices past the retention, every day at 00:15 UTC, one run at a time', () => {
    const { objects } = synth(esStorage(true, { retention: '2w' }));
    const spec = cronJob(objects).spec;
    expect([spec.schedule, spec.timeZone, spec.concurrencyPolicy]).toEqual([
      '15 0 * * *',
      'Etc/UTC',
      'Forbid',
    ]);
    const pod = spec.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const cleaner = pod.containers[0];
    expect(cleaner.image).toBe('docker.io/jaegertracing/jaeger-es-index-cleaner:1.76.0');
    expect(cleaner.args).toEqual(['14', 'https://elasticsearch-http.observability.svc:9200']);
    expect(env(cleaner, 'INDEX_PREFIX').value).toBe('tracing');
    expect(env(cleaner, 'ES_TLS_ENABLED').value).toBe('true');
    expect(env(cleaner, 'ES_TLS_CA').value).toBe('/etc/jaeger/elasticsearch-ca/ca.crt');
    expect(env(cleaner, 'ES_PASSWORD').valueFrom.secretKeyRef).toEqual({
      name: 'jaeger-elasticsearch-credentials',
      key: 'password',
    });
  });

  test('runs only once the cluster answers: an init container waits with the setup script', () => {
    const { objects } = synth(esStorage());
    const pod = cronJob(objects).spec.jobTemplate.spec.template.spec;
    const wait = pod.initContainers[0];
    expect(wait.command).toEqual(['/bin/sh', '/etc/setup/setup.sh']);
    expect(env(wait, 'API_URL').value).toBe('https://elasticsearch-http.observability.svc:9200');
    expect(setupCredentials(pod, wait)).toEqual({
      username: { name: 'jaeger-elasticsearch-credentials', key: 'username' },
      password: { name: 'jaeger-elasticsearch-credentials', key: 'password' },
      inEnvironment: false,
    });
    const script: string = named(objects, 'ConfigMap', 'jaeger-index-cleaner-config').data[
      'setup.sh'
    ];
    expect(script).toContain("'/tracing-jaeger-*?filter_path=*.settings.index.creation_date'");
  });

  test('without security: no credentials, no TLS', () => {
    const cleaner = cronJob(synth(esStorage(false)).objects).spec.jobTemplate.spec.template.spec
      .containers[0];
    expect(cleaner.env.map((e: any) => e.name)).toEqual(['INDEX_PREFIX']);
    expect(cleaner.args[1]).toBe('http://elasticsearch-http.observability.svc:9200');
  });

  test('fails on a retention or schedule it cannot use', () => {
    expect(() => synth(esStorage(true, { retention: '0d' }))).toThrow(
      /'storage\.retention' must be at least 1d and at most 3650d, got '0d'/,
    );
    expect(() => synth(esStorage(true, { retention: '1d12h' }))).toThrow(
      /'storage\.retention' is not a whole number of days/,
    );
    expect(() => synth(esStorage(true, { cleanupSchedule: 'daily' }))).toThrow(
      /storage\.cleanupSchedule.*cron/,
    );
  });
});

describe('renderers', () => {
  test('renderJaegerConfig of the query role has no receivers besides nop', () => {
    const config: any = renderJaegerConfig('query', {
      backend: { memory: { max_traces: 1 } },
      samplingStrategiesFile: '/x',
    });
    expect(Object.keys(config.receivers)).toEqual(['nop']);
    expect(config.processors).toBeUndefined();
  });

  test('renderSamplingStrategies repeats unsampled operations in each service strategy', () => {
    const strategies: any = renderSamplingStrategies({
      defaultRate: 0.2,
      serviceRates: { b: 1, a: 0.3 },
      unsampledOperations: ['GET /health'],
    });
    expect(strategies.service_strategies.map((s: any) => s.service)).toEqual(['a', 'b']);
    expect(strategies.service_strategies[0].operation_strategies).toEqual([
      { operation: 'GET /health', type: 'probabilistic', param: 0 },
    ]);
  });
});
