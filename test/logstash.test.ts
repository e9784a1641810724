import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { Images } from '../lib/core/images';
import {
  Logstash, LogstashProps, quoteString, renderCondition, renderLogstashPipeline, renderRegex, renderValue,
} from '../lib/logstash';
import { FakeElasticsearchCluster } from './support/fake-elasticsearch';

function synth(props: Partial<LogstashProps> = {}, secure = true) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const logstash = new Logstash(chart, 'logstash', { elasticsearch: new FakeElasticsearchCluster(chart, { securityEnabled: secure }), ...props });
  return { logstash, objects: Testing.synth(chart) as any[] };
}
const named = (objects: any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const container = (objects: any[]) => named(objects, 'StatefulSet', 'logstash').spec.template.spec.containers[0];
const env = (c: any, name: string) => c.env.find((e: any) => e.name === name);

describe('pipeline DSL renderer', () => {
  test('strings are double-quoted with backslash, quote, newline and tab escaped', () => {
    expect(quoteString('a "b" \\ c\nd\te')).toBe('"a \\"b\\" \\\\ c\\nd\\te"');
  });

  test('environment references are left for Logstash to substitute', () => {
    expect(quoteString('${ES_PASSWORD}')).toBe('"${ES_PASSWORD}"');
  });

  test('numbers, booleans, arrays and nested hashes render in DSL syntax', () => {
    expect(renderValue(5044)).toBe('5044');
    expect(renderValue(false)).toBe('false');
    expect(renderValue(['a', 1, true])).toBe('["a", 1, true]');
    expect(renderValue({ 'level': '[log][level]', 'we"ird': { n: 1 } })).toBe(
      '{\n  "level" => "[log][level]"\n  "we\\"ird" => {\n    "n" => 1\n  }\n}');
  });

  test('non-finite numbers are rejected', () => {
    expect(() => renderValue(Number.NaN)).toThrow(/finite/);
  });

  test('regex literals escape the delimiter but keep existing escapes', () => {
    expect(renderRegex('^a/b\\/c\\d$')).toBe('/^a\\/b\\/c\\d$/');
    expect(() => renderRegex('a\\')).toThrow(/backslash/);
  });

  test('conditions combine field references, comparisons and negation', () => {
    expect(renderCondition({ and: [{ exists: ['level'] }, { not: { exists: ['log', 'level'] } }] }))
      .toBe('([level]) and (!([log][level]))');
    expect(renderCondition({ field: ['log', 'level'], op: '==', value: 'ERROR' })).toBe('[log][level] == "ERROR"');
    expect(renderCondition({ field: ['event', 'category'], in: ['api', 'trading'] })).toBe('[event][category] in ["api", "trading"]');
    expect(renderCondition({ field: ['message'], matches: 'a/b' })).toBe('[message] =~ /a\\/b/');
  });

  test('a one-value `in` becomes an equality, not a substring test', () => {
    expect(renderCondition({ field: ['x'], in: ['api'] })).toBe('[x] == "api"');
  });

  test('field names that cannot be referenced are rejected', () => {
    expect(() => renderCondition({ exists: ['a]b'] })).toThrow(/field name/);
  });

  test('a pipeline renders sections, plugins and if/else if/else blocks', () => {
    const text = renderLogstashPipeline({
      input: [{ plugin: 'beats', settings: { port: 5044 } }],
      filter: [{
        if: { exists: ['a'] },
        then: [{ plugin: 'mutate', settings: { add_tag: ['a'] } }],
        elseIf: [{ if: { exists: ['b'] }, then: [{ plugin: 'drop' }] }],
        else: [{ plugin: 'mutate', settings: { 'odd name': 'x' } }],
      }],
      output: [{ plugin: 'stdout' }],
    });
    expect(text).toBe([
      'input {',
      '  beats {',
      '    port => 5044',
      '  }',
      '}',
      'filter {',
      '  if [a] {',
      '    mutate {',
      '      add_tag => ["a"]',
      '    }',
      '  } else if [b] {',
      '    drop {}',
      '  } else {',
      '    mutate {',
      '      "odd name" => "x"',
      '    }',
      '  }',
      '}',
      'output {',
      '  stdout {}',
      '}',
      '',
    ].join('\n'));
  });

  test('invalid plugin names are rejected', () => {
    expect(() => renderLogstashPipeline({ input: [{ plugin: 'be ats' }], output: [] })).toThrow(/plugin name/);
  });
});

describe('Logstash', () => {
  test('the pipeline reads Beats on 5044, renames the flat log fields to ECS and writes to Elasticsearch over verified TLS', () => {
    const { logstash } = synth();
    const p = logstash.pipeline;
    expect(p).toContain('beats {\n    port => 5044');
    expect(p).toContain('match => ["timestamp", "ISO8601", "UNIX", "UNIX_MS"]');
    expect(p).toContain('target => "@timestamp"');
    expect(p).toContain('if ([level]) and (!([log][level])) {');
    expect(p).toContain('"level" => "[log][level]"');
    expect(p).toContain('"service" => "[service][name]"');
    expect(p).toContain('"trace_id" => "[trace][id]"');
    expect(p).toContain('"span_id" => "[span][id]"');
    expect(p).toContain('hosts => ["https://elasticsearch-http.observability.svc:9200"]');
    expect(p).toContain('ssl_certificate_authorities => ["/usr/share/logstash/certs/ca.crt"]');
    expect(p).toContain('ssl_verification_mode => "full"');
    expect(p).toContain('user => "${ES_USERNAME}"');
    expect(p).toContain('password => "${ES_PASSWORD}"');
    expect(p).toContain('data_stream_type => "logs"');
  });

  test('extra filters run after the ECS normalisation', () => {
    const { logstash } = synth({ filters: [{ plugin: 'mutate', settings: { add_tag: ['masked'] } }] });
    expect(logstash.pipeline.indexOf('add_tag')).toBeGreaterThan(logstash.pipeline.indexOf('[span][id]'));
  });

  test('without security the output has no TLS and no credentials, and no Secret is expected', () => {
    const { logstash, objects } = synth({}, false);
    expect(logstash.pipeline).toContain('hosts => ["http://elasticsearch-http.observability.svc:9200"]');
    expect(logstash.pipeline).not.toContain('ssl_');
    expect(logstash.pipeline).not.toContain('ES_PASSWORD');
    expect(env(container(objects), 'ES_PASSWORD')).toBeUndefined();
    expect(logstash.externalSecrets).toEqual([]);
  });

  test('credentials come from the default Secret as environment variables', () => {
    const { logstash, objects } = synth();
    expect(env(container(objects), 'ES_USERNAME').valueFrom.secretKeyRef).toEqual({ name: 'logstash-elasticsearch-credentials', key: 'username' });
    expect(env(container(objects), 'ES_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'logstash-elasticsearch-credentials', key: 'password' });
    expect(logstash.externalSecrets).toEqual([expect.objectContaining({ name: 'logstash-elasticsearch-credentials', keys: ['username', 'password'] })]);
  });

  test('logstash.yml binds the API on all interfaces, uses ECS v8 and an in-memory queue by default', () => {
    const { objects } = synth();
    const cm = named(objects, 'ConfigMap', 'logstash-config');
    const settings = parse(cm.data['logstash.yml']);
    expect(settings['api.http.host']).toBe('0.0.0.0');
    expect(settings['api.http.port']).toBe(9600);
    expect(settings['path.data']).toBe('/usr/share/logstash/data');
    expect(settings['pipeline.ecs_compatibility']).toBe('v8');
    expect(settings['config.support_escapes']).toBe(true);
    expect(settings['queue.type']).toBe('memory');
    expect(settings['dead_letter_queue.enable']).toBe(false);
    expect(parse(cm.data['pipelines.yml'])).toEqual([{ 'pipeline.id': 'main', 'path.config': '/usr/share/logstash/pipeline/main.conf' }]);
    expect(named(objects, 'StatefulSet', 'logstash').spec.volumeClaimTemplates).toBeUndefined();
    const data = named(objects, 'StatefulSet', 'logstash').spec.template.spec.volumes.find((v: any) => v.name === 'data');
    expect(data.emptyDir).toBeDefined();
  });

  test('a persistent queue adds a volume claim template and sizes the queues from it', () => {
    const { objects } = synth({ persistentQueue: { size: '10Gi', storageClassName: 'fast' }, deadLetterQueue: true, pipelineWorkers: 4 });
    const sts = named(objects, 'StatefulSet', 'logstash');
    expect(sts.spec.volumeClaimTemplates).toEqual([expect.objectContaining({
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '10Gi' } } },
    })]);
    expect(sts.spec.template.spec.volumes.find((v: any) => v.name === 'data')).toBeUndefined();
    const cm = named(objects, 'ConfigMap', 'logstash-config');
    const settings = parse(cm.data['logstash.yml']);
    expect(settings['queue.type']).toBe('persisted');
    expect(settings['queue.max_bytes']).toBe('6144mb');
    expect(settings['dead_letter_queue.enable']).toBe(true);
    expect(settings['dead_letter_queue.max_bytes']).toBe('2048mb');
    expect(parse(cm.data['pipelines.yml'])[0]['pipeline.workers']).toBe(4);
  });

  test('the heap is half the memory limit by default', () => {
    const { logstash, objects } = synth({ resources: { cpuRequest: '200m', memoryRequest: '768Mi', memoryLimit: '768Mi' } });
    expect(logstash.heapMegabytes).toBe(384);
    expect(env(container(objects), 'LS_JAVA_OPTS').value).toBe('-Xms384m -Xmx384m');
  });

  test('a heap at or above the memory limit is rejected', () => {
    expect(() => synth({ heap: '2Gi' })).toThrow(/heap/);
    expect(() => synth({ heap: 'lots' })).toThrow(/heap/);
  });

  test('a Service named after the construct exposes Beats, a headless Service governs the pods', () => {
    const { logstash, objects } = synth();
    expect(named(objects, 'Service', 'logstash').spec.ports).toEqual([{ name: 'beats', port: 5044, targetPort: 'beats', protocol: 'TCP' }]);
    const headless = named(objects, 'Service', 'logstash-headless');
    expect(headless.spec.clusterIP).toBe('None');
    expect(named(objects, 'StatefulSet', 'logstash').spec.serviceName).toBe('logstash-headless');
    expect(logstash.beatsEndpoint.hostPort).toBe('logstash.observability.svc:5044');
    expect(logstash.beatsEndpoint.scheme).toBe('tcp');
  });

  test('the container is ready when the API answers and keeps its root filesystem read-only', () => {
    const { objects } = synth();
    const c = container(objects);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/', port: 'http', scheme: 'HTTP' });
    expect(c.ports).toContainEqual({ name: 'http', containerPort: 9600, protocol: 'TCP' });
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.securityContext.runAsNonRoot).toBe(true);
    expect(c.volumeMounts).toContainEqual({ name: 'config', mountPath: '/usr/share/logstash/config/logstash.yml', subPath: 'logstash.yml', readOnly: true });
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining(['/usr/share/logstash/data', '/tmp', '/usr/share/logstash/certs']));
    expect(named(objects, 'StatefulSet', 'logstash').spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('two replicas get a disruption budget', () => {
    const { objects } = synth({ replicas: 2 });
    expect(named(objects, 'PodDisruptionBudget', 'logstash')).toBeDefined();
    expect(named(objects, 'StatefulSet', 'logstash').spec.replicas).toBe(2);
  });

  test('fails when replicas is not a positive integer', () => {
    expect(() => synth({ replicas: 0 })).toThrow(/replicas/);
    expect(() => synth({ replicas: 1.5 })).toThrow(/replicas/);
  });

  test('fails when the persistent queue is too small', () => {
    expect(() => synth({ persistentQueue: { size: '100Mi' } })).toThrow(/persistentQueue.size/);
  });

  test('fails when pipelineWorkers is not a positive integer', () => {
    expect(() => synth({ pipelineWorkers: 0 })).toThrow(/pipelineWorkers/);
  });
});

describe('routing by index class', () => {
  test('every event is routed to the logs-<class> data stream of its labels.index_class, defaulting to all', () => {
    const { logstash } = synth();
    const p = logstash.pipeline;
    expect(p).toContain('"[data_stream][type]" => "logs"');
    expect(p).toContain('"[data_stream][dataset]" => "all"');
    expect(p).toContain('"[data_stream][namespace]" => "default"');
    expect(p).toContain('if [labels][index_class] in ["errors", "trades", "ai"] {');
    expect(p).toContain('"[data_stream][dataset]" => "%{[labels][index_class]}"');
    expect(p).toContain('data_stream_auto_routing => true');
  });

  test('routing runs after the extra filters, so they can still classify events', () => {
    const { logstash } = synth({ filters: [{ plugin: 'mutate', settings: { add_tag: ['classified'] } }] });
    expect(logstash.pipeline.indexOf('[labels][index_class] in')).toBeGreaterThan(logstash.pipeline.indexOf('add_tag'));
  });
});

describe('metrics exporter sidecar', () => {
  const pod = (objects: any[]) => named(objects, 'StatefulSet', 'logstash').spec.template;
  const exporter = (objects: any[]) => pod(objects).spec.containers.find((c: any) => c.name === 'exporter');

  test('each pod runs the pinned exporter against its own Logstash API', () => {
    const { logstash, objects } = synth();
    const c = exporter(objects);
    expect(c.image).toBe(Images.logstashExporter);
    expect(env(c, 'LOGSTASH_URL').value).toBe('http://localhost:9600');
    expect(env(c, 'PORT').value).toBe('9198');
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9198, protocol: 'TCP' }]);
    expect(logstash.metricsPort).toBe(9198);
  });

  test('its port name differs from every Logstash port', () => {
    const { objects } = synth();
    const names = pod(objects).spec.containers.flatMap((c: any) => c.ports.map((p: any) => p.name));
    expect(new Set(names).size).toBe(names.length);
  });

  test('the pod is scraped on the exporter port, and config changes still roll it', () => {
    const annotations = pod(synth().objects).metadata.annotations;
    expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9198', 'prometheus.io/path': '/metrics' });
    expect(annotations['checksum/config']).toBeDefined();
  });

  test('hardened, with TCP probes that do not depend on Logstash having started', () => {
    const c = exporter(synth().objects);
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources.limits.memory).toBe('64Mi');
    expect(c.readinessProbe.tcpSocket.port).toBe('metrics');
    expect(c.livenessProbe.tcpSocket.port).toBe('metrics');
  });

  test('image and resources can be overridden', () => {
    const c = exporter(synth({ exporter: { image: 'registry.example/logstash-exporter:v1.9.1', resources: { cpuRequest: '10m', memoryRequest: '16Mi', memoryLimit: '32Mi' } } }).objects);
    expect(c.image).toBe('registry.example/logstash-exporter:v1.9.1');
    expect(c.resources.limits.memory).toBe('32Mi');
  });

  test('exporter: false leaves only Logstash, unannotated for scraping', () => {
    const { logstash, objects } = synth({ exporter: false });
    expect(pod(objects).spec.containers.map((c: any) => c.name)).toEqual(['logstash']);
    expect(pod(objects).metadata.annotations['prometheus.io/scrape']).toBeUndefined();
    expect(logstash.metricsPort).toBeUndefined();
  });

  test('bad exporter input is rejected', () => {
    expect(() => synth({ exporter: { image: 'kuskoman/logstash-exporter' } })).toThrow(/exporter\.image/);
    expect(() => synth({ exporter: { resources: { cpuRequest: '10m', memoryRequest: '64Mi', memoryLimit: '32Mi' } } })).toThrow(/exporter\.resources/);
  });
});
