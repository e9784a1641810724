import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { Images } from '../lib/core/images';
import { catchAllFirst, DEFAULT_LOG_CLASSES } from '../lib/core/log-classes';
import { DEAD_LETTER_DATA_STREAM } from '../lib/elasticsearch/index-templates';
import {
  Logstash,
  LogstashProps,
  quoteString,
  renderCondition,
  renderLogstashPipeline,
  renderRegex,
  renderValue,
} from '../lib/logstash';
import { FakeElasticsearchCluster } from './support/fake-elasticsearch';
import { named } from './support/objects';

function synth(props: Partial<LogstashProps> = {}, secure = true) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const logstash = new Logstash(chart, 'logstash', {
    elasticsearch: new FakeElasticsearchCluster(chart, { securityEnabled: secure }),
    ...props,
  });
  return { logstash, objects: Testing.synth(chart) as any[] };
}
const container = (objects: any[]) =>
  named(objects, 'StatefulSet', 'logstash').spec.template.spec.containers[0];
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
    expect(renderValue({ level: '[log][level]', 'we"ird': { n: 1 } })).toBe(
      '{\n  "level" => "[log][level]"\n  "we\\"ird" => {\n    "n" => 1\n  }\n}',
    );
  });

  test('non-finite numbers are rejected', () => {
    expect(() => renderValue(Number.NaN)).toThrow(/finite/);
  });

  test('regex literals escape the delimiter but keep existing escapes', () => {
    expect(renderRegex('^a/b\\/c\\d$')).toBe('/^a\\/b\\/c\\d$/');
    expect(() => renderRegex('a\\')).toThrow(/backslash/);
  });

  test('conditions combine field references, comparisons and negation', () => {
    expect(
      renderCondition({ and: [{ exists: ['level'] }, { not: { exists: ['log', 'level'] } }] }),
    ).toBe('([level]) and (!([log][level]))');
    expect(renderCondition({ field: ['log', 'level'], op: '==', value: 'ERROR' })).toBe(
      '[log][level] == "ERROR"',
    );
    expect(renderCondition({ field: ['event', 'category'], in: ['api', 'trading'] })).toBe(
      '[event][category] in ["api", "trading"]',
    );
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
      filter: [
        {
          if: { exists: ['a'] },
          then: [{ plugin: 'mutate', settings: { add_tag: ['a'] } }],
          elseIf: [{ if: { exists: ['b'] }, then: [{ plugin: 'drop' }] }],
          else: [{ plugin: 'mutate', settings: { 'odd name': 'x' } }],
        },
      ],
      output: [{ plugin: 'stdout' }],
    });
    expect(text).toBe(
      [
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
      ].join('\n'),
    );
  });

  test('invalid plugin names are rejected', () => {
    expect(() => renderLogstashPipeline({ input: [{ plugin: 'be ats' }], output: [] })).toThrow(
      /plugin name/,
    );
  });
});

describe('Logstash', () => {
  test('the pipeline reads Beats on 5044 and writes to Elasticsearch over verified TLS', () => {
    const { logstash } = synth();
    const p = logstash.pipeline;
    expect(p).toContain('beats {\n    port => 5044');
    expect(p).toContain('hosts => ["https://elasticsearch-http.observability.svc:9200"]');
    expect(p).toContain('ssl_certificate_authorities => ["/usr/share/logstash/certs/ca.crt"]');
    expect(p).toContain('ssl_verification_mode => "full"');
    expect(p).toContain('user => "${ES_USERNAME}"');
    expect(p).toContain('password => "${ES_PASSWORD}"');
    expect(p).toContain('data_stream_type => "logs"');
  });

  test('the pipeline renames nothing and parses no timestamp: Filebeat has done both on the node', () => {
    const p = synth().logstash.pipeline;
    expect(p).not.toMatch(/\brename\b/);
    expect(p).not.toMatch(/\bdate \{/);
    expect(p).not.toContain('timestamp');
    for (const flat of ['[level]', '[service]', '[trace_id]', '[span_id]'])
      expect(p).not.toContain(flat);
    // The filters are exactly the guard: one mutate and one conditional.
    const filter = p.slice(p.indexOf('filter {'), p.indexOf('output {'));
    expect(filter.match(/^ {2}[a-z]+/gm)).toEqual(['  mutate', '  if']);
  });

  test('without security the output has no TLS and no credentials, and no Secret is expected', () => {
    const { logstash, objects } = synth({}, false);
    expect(logstash.pipeline).toContain(
      'hosts => ["http://elasticsearch-http.observability.svc:9200"]',
    );
    expect(logstash.pipeline).not.toContain('ssl_');
    expect(logstash.pipeline).not.toContain('ES_PASSWORD');
    expect(env(container(objects), 'ES_PASSWORD')).toBeUndefined();
    expect(logstash.externalSecrets).toEqual([]);
  });

  test('credentials come from the default Secret as environment variables', () => {
    const { logstash, objects } = synth();
    expect(env(container(objects), 'ES_USERNAME').valueFrom.secretKeyRef).toEqual({
      name: 'logstash-elasticsearch-credentials',
      key: 'username',
    });
    expect(env(container(objects), 'ES_PASSWORD').valueFrom.secretKeyRef).toEqual({
      name: 'logstash-elasticsearch-credentials',
      key: 'password',
    });
    expect(logstash.externalSecrets).toEqual([
      expect.objectContaining({
        name: 'logstash-elasticsearch-credentials',
        keys: ['username', 'password'],
      }),
    ]);
  });

  test('logstash.yml binds the API on all interfaces, uses ECS v8 and an in-memory queue by default', () => {
    const { logstash, objects } = synth();
    // The monitoring mixin adds no persistent-queue rule for it.
    expect(logstash.persistentQueue).toBe(false);
    const cm = named(objects, 'ConfigMap', 'logstash-config');
    const settings = parse(cm.data['logstash.yml']);
    expect(settings['api.http.host']).toBe('0.0.0.0');
    expect(settings['api.http.port']).toBe(9600);
    expect(settings['path.data']).toBe('/usr/share/logstash/data');
    expect(settings['pipeline.ecs_compatibility']).toBe('v8');
    expect(settings['config.support_escapes']).toBe(true);
    expect(settings['queue.type']).toBe('memory');
    expect(settings['dead_letter_queue.enable']).toBe(false);
    expect(parse(cm.data['pipelines.yml'])).toEqual([
      { 'pipeline.id': 'main', 'path.config': '/usr/share/logstash/pipeline/main.conf' },
    ]);
    expect(Object.keys(settings).filter((k) => k.startsWith('dead_letter_queue.'))).toEqual([
      'dead_letter_queue.enable',
    ]);
    expect(named(objects, 'StatefulSet', 'logstash').spec.volumeClaimTemplates).toBeUndefined();
    const data = named(objects, 'StatefulSet', 'logstash').spec.template.spec.volumes.find(
      (v: any) => v.name === 'data',
    );
    expect(data.emptyDir).toBeDefined();
  });

  test('a persistent queue adds a volume claim template and sizes the queues from it', () => {
    const { logstash, objects } = synth({
      persistentQueue: { size: '10Gi', storageClassName: 'fast' },
      deadLetterQueue: true,
      pipelineWorkers: 4,
    });
    const sts = named(objects, 'StatefulSet', 'logstash');
    expect(sts.spec.volumeClaimTemplates).toEqual([
      expect.objectContaining({
        metadata: { name: 'data' },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: 'fast',
          resources: { requests: { storage: '10Gi' } },
          volumeMode: 'Filesystem',
        },
      }),
    ]);
    expect(sts.spec.template.spec.volumes.find((v: any) => v.name === 'data')).toBeUndefined();
    const cm = named(objects, 'ConfigMap', 'logstash-config');
    const settings = parse(cm.data['logstash.yml']);
    expect(settings['queue.type']).toBe('persisted');
    expect(logstash.persistentQueue).toBe(true);
    expect(settings['queue.max_bytes']).toBe('6144mb');
    expect(settings['dead_letter_queue.enable']).toBe(true);
    expect(settings['dead_letter_queue.max_bytes']).toBe('2048mb');
    expect(parse(cm.data['pipelines.yml'])[0]['pipeline.workers']).toBe(4);
  });

  test('the heap is half the memory limit by default', () => {
    const { logstash, objects } = synth({
      resources: { cpuRequest: '200m', memoryRequest: '768Mi', memoryLimit: '768Mi' },
    });
    expect(logstash.heapMegabytes).toBe(384);
    expect(env(container(objects), 'LS_JAVA_OPTS').value).toBe('-Xms384m -Xmx384m');
  });

  test('a heap at or above the memory limit is rejected', () => {
    expect(() => synth({ heap: '2Gi' })).toThrow(/heap/);
    expect(() => synth({ heap: 'lots' })).toThrow(/heap/);
  });

  test('a Service named after the construct exposes Beats, a headless Service governs the pods', () => {
    const { logstash, objects } = synth();
    expect(named(objects, 'Service', 'logstash').spec.ports).toEqual([
      { name: 'beats', port: 5044, targetPort: 'beats', protocol: 'TCP' },
    ]);
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
    expect(c.volumeMounts).toContainEqual({
      name: 'config',
      mountPath: '/usr/share/logstash/config/logstash.yml',
      subPath: 'logstash.yml',
      readOnly: true,
    });
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(
      expect.arrayContaining(['/usr/share/logstash/data', '/tmp', '/usr/share/logstash/certs']),
    );
    expect(
      named(objects, 'StatefulSet', 'logstash').spec.template.metadata.annotations[
        'checksum/config'
      ],
    ).toMatch(/^[0-9a-f]{16}$/);
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

describe('the data-stream guard', () => {
  const guard =
    '  if !([data_stream][dataset] in ["all", "errors", "trades", "ai"]) {\n' +
    '    mutate {\n      replace => {\n        "[data_stream][dataset]" => "all"\n      }\n    }\n  }\n';

  test('keeps a dataset Filebeat set when it is an index class and sends anything else to all', () => {
    const p = synth().logstash.pipeline;
    expect(p).toContain(guard);
    // The condition lists exactly the index classes, so a new class is guarded without an edit here.
    expect(p.match(/in \[([^\]]*)\]/)?.[1].split(', ')).toEqual(
      catchAllFirst(DEFAULT_LOG_CLASSES).map((c) => `"${c.name}"`),
    );
    // The dataset is only ever set to `all`: Filebeat's class is never rewritten.
    expect(p.match(/"\[data_stream\]\[dataset\]" =>/g)).toHaveLength(1);
    expect(p).not.toContain('index_class');
  });

  test('always sets the type and the namespace, whatever the event carries', () => {
    expect(synth().logstash.pipeline).toContain(
      'filter {\n  mutate {\n    replace => {\n      "[data_stream][type]" => "logs"\n      "[data_stream][namespace]" => "default"\n    }\n  }\n',
    );
  });

  test('the output writes each event to the data stream its fields name, with logs-all-default as the fallback', () => {
    const p = synth().logstash.pipeline;
    expect(p).toContain('data_stream => "true"');
    expect(p).toContain('data_stream_auto_routing => true');
    expect(p).toContain(
      'data_stream_type => "logs"\n    data_stream_dataset => "all"\n    data_stream_namespace => "default"',
    );
  });

  test('extra filters run before the guard, so one can re-route an event and still not leave the index classes', () => {
    const filters = [
      {
        if: { exists: ['trade_id'] },
        then: [{ plugin: 'mutate', settings: { replace: { '[data_stream][dataset]': 'trades' } } }],
      },
    ];
    const p = synth({ filters }).logstash.pipeline;
    expect(p.indexOf('"[data_stream][dataset]" => "trades"')).toBeGreaterThan(0);
    expect(p.indexOf('"[data_stream][dataset]" => "trades"')).toBeLessThan(p.indexOf(guard));
    expect(p.indexOf(guard)).toBeLessThan(p.indexOf('output {'));
  });
});

describe('dead-letter queue', () => {
  const configMap = (objects: any[]) => named(objects, 'ConfigMap', 'logstash-config');
  const settings = (objects: any[]) => parse(configMap(objects).data['logstash.yml']);
  const pipelines = (objects: any[]) => parse(configMap(objects).data['pipelines.yml']);
  const outputOf = (pipeline: string) => pipeline.slice(pipeline.indexOf('output {'));
  const [dlqType, dlqDataset, dlqNamespace] = DEAD_LETTER_DATA_STREAM.split('-');

  test('adds a dead-letters pipeline from its own file in the pipeline directory, beside main', () => {
    const { logstash, objects } = synth({ deadLetterQueue: true, pipelineWorkers: 4 });
    expect(pipelines(objects)).toEqual([
      {
        'pipeline.id': 'main',
        'path.config': '/usr/share/logstash/pipeline/main.conf',
        'pipeline.workers': 4,
      },
      {
        'pipeline.id': 'dead-letters',
        'path.config': '/usr/share/logstash/pipeline/dead-letters.conf',
        'pipeline.workers': 1,
        'queue.type': 'memory',
        'dead_letter_queue.enable': false,
      },
    ]);
    expect(configMap(objects).data['dead-letters.conf']).toBe(logstash.deadLetterPipeline);
    expect(configMap(objects).data['main.conf']).toBe(logstash.pipeline);
    const volume = named(objects, 'StatefulSet', 'logstash').spec.template.spec.volumes.find(
      (v: any) => v.name === 'pipeline',
    );
    expect(volume.configMap.items).toEqual([
      { key: 'main.conf', path: 'main.conf' },
      { key: 'dead-letters.conf', path: 'dead-letters.conf' },
    ]);
  });

  test("its input reads the main pipeline's queue under path.data, commits offsets and deletes what it has read", () => {
    const p = synth({ deadLetterQueue: true }).logstash.deadLetterPipeline!;
    expect(p.slice(0, p.indexOf('filter {'))).toBe(
      [
        'input {',
        '  dead_letter_queue {',
        '    path => "/usr/share/logstash/data/dead_letter_queue"',
        '    pipeline_id => "main"',
        '    commit_offsets => true',
        '    clean_consumed => true',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect(settings(synth({ deadLetterQueue: true }).objects)['path.data']).toBe(
      '/usr/share/logstash/data',
    );
  });

  test('its filter records why Elasticsearch refused the event, tags it and names the dead-letter data stream', () => {
    const p = synth({ deadLetterQueue: true }).logstash.deadLetterPipeline!;
    expect(p).toContain('"[error][type]" => "dead_letter_queue"');
    expect(p).toContain('"[error][message]" => "%{[@metadata][dead_letter_queue][reason]}"');
    expect(p).toContain('add_tag => ["dead_letter"]');
    // The template maps data_stream.* as constant keywords: the event's own must match the target.
    expect(p).toContain(
      `"[data_stream][type]" => "${dlqType}"\n      "[data_stream][dataset]" => "${dlqDataset}"\n      "[data_stream][namespace]" => "${dlqNamespace}"`,
    );
  });

  test(`its output always writes to ${DEAD_LETTER_DATA_STREAM}, whatever the event's fields say`, () => {
    const out = outputOf(synth({ deadLetterQueue: true }).logstash.deadLetterPipeline!);
    expect(out).toContain('data_stream => "true"');
    expect(out).toContain('data_stream_auto_routing => false');
    expect(out).toContain(
      `data_stream_type => "${dlqType}"\n    data_stream_dataset => "${dlqDataset}"\n    data_stream_namespace => "${dlqNamespace}"`,
    );
    expect([dlqType, dlqDataset, dlqNamespace].join('-')).toBe('logs-deadletter-default');
  });

  test('its output connects like the main one: same hosts, TLS verification and credentials', () => {
    const { logstash } = synth({ deadLetterQueue: true });
    const connection = (p: string) =>
      outputOf(p)
        .split('\n')
        .filter((l) => /^\s+(hosts|ssl_\w+|user|password) =>/.test(l));
    expect(connection(logstash.deadLetterPipeline!)).toEqual(connection(logstash.pipeline));
    expect(connection(logstash.pipeline)).toEqual([
      '    hosts => ["https://elasticsearch-http.observability.svc:9200"]',
      '    ssl_enabled => true',
      '    ssl_certificate_authorities => ["/usr/share/logstash/certs/ca.crt"]',
      '    ssl_verification_mode => "full"',
      '    user => "${ES_USERNAME}"',
      '    password => "${ES_PASSWORD}"',
    ]);
  });

  test('credentials appear only as ${ES_USERNAME} / ${ES_PASSWORD} references, in every file of the ConfigMap', () => {
    const { objects } = synth({ deadLetterQueue: true });
    const data: Record<string, string> = configMap(objects).data;
    for (const text of Object.values(data)) {
      for (const line of text.split('\n').filter((l) => /\b(user|password)\b/.test(l))) {
        expect(line).toMatch(/^\s+(user => "\$\{ES_USERNAME\}"|password => "\$\{ES_PASSWORD\}")$/);
      }
    }
    expect(data['dead-letters.conf'].match(/\$\{ES_(USERNAME|PASSWORD)\}/g)).toEqual([
      '${ES_USERNAME}',
      '${ES_PASSWORD}',
    ]);
  });

  test('without security neither pipeline has TLS settings or credentials', () => {
    const { logstash } = synth({ deadLetterQueue: true }, false);
    expect(logstash.deadLetterPipeline).toContain(
      'hosts => ["http://elasticsearch-http.observability.svc:9200"]',
    );
    for (const p of [logstash.pipeline, logstash.deadLetterPipeline!]) {
      expect(p).not.toContain('ssl_');
      expect(p).not.toMatch(/\b(user|password) =>/);
    }
  });

  test('logstash.yml bounds the queue: unread dead letters kept 7 days, the oldest dropped first when full', () => {
    const { logstash, objects } = synth({ deadLetterQueue: true });
    expect(settings(objects)).toMatchObject({
      'dead_letter_queue.enable': true,
      'dead_letter_queue.retain.age': '7d',
      'dead_letter_queue.storage_policy': 'drop_older',
    });
    expect(logstash.deadLetterQueueRetainDays).toBe(7);
  });

  test('deadLetterQueueRetention sets dead_letter_queue.retain.age in days', () => {
    const { logstash, objects } = synth({
      deadLetterQueue: true,
      deadLetterQueueRetention: '30d',
    });
    expect(settings(objects)['dead_letter_queue.retain.age']).toBe('30d');
    expect(logstash.deadLetterQueueRetainDays).toBe(30);
  });

  test('without the dead-letter queue there is no reader pipeline, file or retention', () => {
    const { logstash, objects } = synth();
    expect(logstash.deadLetterPipeline).toBeUndefined();
    expect(logstash.deadLetterQueueRetainDays).toBeUndefined();
    expect(configMap(objects).data['dead-letters.conf']).toBeUndefined();
    expect(pipelines(objects).map((p: any) => p['pipeline.id'])).toEqual(['main']);
    expect(settings(objects)['dead_letter_queue.retain.age']).toBeUndefined();
    expect(settings(objects)['dead_letter_queue.storage_policy']).toBeUndefined();
  });

  test.each([
    ['0d', 'must be at least 1d and at most 365d'],
    ['366d', 'must be at least 1d and at most 365d'],
    ['36h', "is not a whole number of days, got '36h' \\(write whole days, such as '2d'\\)"],
    ['7', 'is not a duration'],
  ])('fails when deadLetterQueueRetention is %p', (value, problem) => {
    expect(() => synth({ deadLetterQueue: true, deadLetterQueueRetention: value })).toThrow(
      new RegExp(`'deadLetterQueueRetention' ${problem}`),
    );
  });

  test('deadLetterQueueRetention takes weeks and years as whole days', () => {
    expect(
      synth({ deadLetterQueue: true, deadLetterQueueRetention: '2w' }).logstash
        .deadLetterQueueRetainDays,
    ).toBe(14);
  });

  test('fails when deadLetterQueueRetention is set without the dead-letter queue', () => {
    expect(() => synth({ deadLetterQueueRetention: '14d' })).toThrow(
      /'deadLetterQueueRetention' only applies with the dead-letter queue, got '14d' \(set deadLetterQueue: true/,
    );
  });
});

describe('metrics exporter sidecar', () => {
  const pod = (objects: any[]) => named(objects, 'StatefulSet', 'logstash').spec.template;
  const exporter = (objects: any[]) =>
    pod(objects).spec.containers.find((c: any) => c.name === 'exporter');

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
    expect(annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9198',
      'prometheus.io/path': '/metrics',
    });
    expect(annotations['checksum/config']).toBeDefined();
  });

  test('hardened, with TCP probes that do not depend on Logstash having started', () => {
    const c = exporter(synth().objects);
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.resources.limits.memory).toBe('64Mi');
    expect(c.readinessProbe.tcpSocket.port).toBe('metrics');
    expect(c.livenessProbe.tcpSocket.port).toBe('metrics');
  });

  test('image and resources can be overridden', () => {
    const c = exporter(
      synth({
        exporter: {
          image: 'registry.example/logstash-exporter:v1.9.1',
          resources: { cpuRequest: '10m', memoryRequest: '16Mi', memoryLimit: '32Mi' },
        },
      }).objects,
    );
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
    expect(() => synth({ exporter: { image: 'kuskoman/logstash-exporter' } })).toThrow(
      /exporter\.image/,
    );
    expect(() =>
      synth({
        exporter: { resources: { cpuRequest: '10m', memoryRequest: '64Mi', memoryLimit: '32Mi' } },
      }),
    ).toThrow(/exporter\.resources/);
  });
});
