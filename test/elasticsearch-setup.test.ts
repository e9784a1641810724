import { Chart, Testing } from 'cdk8s';
import { DEFAULT_LOG_CLASSES, withLogRetention } from '../lib/core/log-classes';
import {
  ecsFieldShapes,
  ecsLogMappings,
  ElasticsearchCluster,
  ElasticsearchSetup,
  ElasticsearchSetupProps,
  indexLifecyclePolicies,
  indexTemplates,
  renderDeadLetterTemplate,
  renderIndexLifecyclePolicy,
  renderIndexTemplate,
} from '../lib/elasticsearch';
import { ObservabilityStack } from '../lib/stack/observability-stack';
import { environmentProfile } from '../stacks/environments';
import { FakeElasticsearchCluster } from './support/fake-elasticsearch';
import { setupCredentials } from './support/setup-credentials';

function synth(props: Partial<ElasticsearchSetupProps> = {}, secure = true, exposePassword = true) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const setup = new ElasticsearchSetup(chart, 'elasticsearch-setup', {
    elasticsearch: new FakeElasticsearchCluster(chart, { securityEnabled: secure, exposePassword }),
    ...props,
  });
  const objects = Testing.synth(chart) as any[];
  const job = objects.find((o) => o.kind === 'Job');
  const configMap = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === 'elasticsearch-setup-config',
  );
  return { setup, objects, job, configMap, container: job.spec.template.spec.containers[0] };
}
const env = (c: any, name: string) => (c.env ?? []).find((e: any) => e.name === name);
const policy = (cls: string, days: number) => renderIndexLifecyclePolicy(cls, days) as any;

describe('ILM policies', () => {
  test('roll over daily or at 50gb per primary shard in the hot phase', () => {
    expect(policy('all', 30).policy.phases.hot).toEqual({
      min_age: '0ms',
      actions: { rollover: { max_primary_shard_size: '50gb', max_age: '1d' } },
    });
  });

  test('delete each class after its retention', () => {
    const policies = indexLifecyclePolicies(DEFAULT_LOG_CLASSES) as any;
    expect(Object.keys(policies)).toEqual([
      'logs-all-retention',
      'logs-errors-retention',
      'logs-trades-retention',
      'logs-ai-retention',
    ]);
    expect(policies['logs-errors-retention'].policy.phases.delete).toEqual({
      min_age: '90d',
      actions: { delete: {} },
    });
    expect(policies['logs-trades-retention'].policy.phases.delete.min_age).toBe('365d');
    expect(policies['logs-all-retention'].policy.phases.delete.min_age).toBe('30d');
    expect(policies['logs-ai-retention'].policy.phases.delete.min_age).toBe('30d');
  });
});

describe('index templates', () => {
  const template = renderIndexTemplate('errors', { replicas: 1 }) as any;

  test('make logs-<class>-* data streams above the built-in logs template', () => {
    expect(template.index_patterns).toEqual(['logs-errors-*']);
    expect(template.data_stream).toEqual({});
    expect(template.priority).toBeGreaterThan(100);
  });

  test('name the class ILM policy and the replica count', () => {
    expect(template.template.settings['index.lifecycle.name']).toBe('logs-errors-retention');
    expect(template.template.settings['index.number_of_replicas']).toBe(1);
    expect(
      (renderIndexTemplate('all', { replicas: 0 }) as any).template.settings[
        'index.number_of_replicas'
      ],
    ).toBe(0);
  });

  test('one template per index class, and one for the dead letters', () => {
    expect(Object.keys(indexTemplates(DEFAULT_LOG_CLASSES, { replicas: 1 }))).toEqual([
      'logs-all',
      'logs-errors',
      'logs-trades',
      'logs-ai',
      'logs-deadletter',
    ]);
  });

  test('map the ECS log fields with their ECS types, flat', () => {
    const p = (ecsLogMappings() as any).properties;
    expect(p['@timestamp'].type).toBe('date');
    expect(p.message.type).toBe('match_only_text');
    expect(p['log.level'].type).toBe('keyword');
    expect(p['log.logger'].type).toBe('keyword');
    expect(p['ecs.version'].type).toBe('keyword');
    for (const f of ['name', 'version', 'environment'])
      expect(p[`service.${f}`].type).toBe('keyword');
    expect(p['trace.id'].type).toBe('keyword');
    expect(p['span.id'].type).toBe('keyword');
    expect(p['error.type'].type).toBe('keyword');
    expect(p['error.message'].type).toBe('match_only_text');
    expect(p['error.stack_trace'].type).toBe('wildcard');
    expect(p['client.ip'].type).toBe('ip');
    // Stored for a reshaped event, never indexed.
    expect(p['event.original']).toEqual({ type: 'keyword', index: false, doc_values: false });
    // subobjects: false takes no object mappings at all.
    expect(
      Object.values<any>(p).every((m) => typeof m.type === 'string' && m.type !== 'object'),
    ).toBe(true);
  });

  test('map so that no shape of JSON is refused: subobjects off, no date detection, malformed values and extra fields kept', () => {
    const m = ecsLogMappings() as any;
    expect(m.subobjects).toBe(false);
    expect(m.date_detection).toBe(false);
    const settings = (renderIndexTemplate('all', { replicas: 1 }) as any).template.settings;
    expect(settings['index.mapping.ignore_malformed']).toBe(true);
    expect(settings['index.mapping.total_fields.ignore_dynamic_beyond_limit']).toBe(true);
  });

  test('tell the node where the mapping has objects and where values', () => {
    const shapes = ecsFieldShapes();
    expect(shapes.objects).toEqual(
      expect.arrayContaining([
        'log',
        'error',
        'service',
        'trace',
        'url',
        'http',
        'http.response',
        'labels',
        'event',
      ]),
    );
    expect(shapes.leaves).toEqual(
      expect.arrayContaining([
        'message',
        'log.level',
        'trace.id',
        'http.response.status_code',
        'client.ip',
      ]),
    );
    expect(shapes.objects.filter((o) => shapes.leaves.includes(o))).toEqual([]);
  });

  test('map the fields the Kibana dashboards aggregate as numbers', () => {
    const p = (ecsLogMappings() as any).properties;
    expect(p['event.duration'].type).toBe('long');
    expect(p['http.response.status_code'].type).toBe('long');
    expect(p['labels.prompt_tokens'].type).toBe('long');
    expect(p['labels.completion_tokens'].type).toBe('long');
  });

  test('the dead-letter template indexes a few fields and keeps the rest unindexed, with its own retention', () => {
    const t = renderDeadLetterTemplate({ replicas: 1 }) as any;
    expect(t.index_patterns).toEqual(['logs-deadletter-*']);
    expect(t.template.mappings.dynamic).toBe(false);
    expect(Object.keys(t.template.mappings.properties)).toEqual([
      '@timestamp',
      'message',
      'error',
      'tags',
      'data_stream',
    ]);
    expect(t.template.settings['index.lifecycle.name']).toBe('logs-deadletter-retention');
    const { configMap } = synth({ deadLetterRetention: '2w' });
    expect(
      JSON.parse(configMap.data['ilm-policy.logs-deadletter-retention.json']).policy.phases.delete
        .min_age,
    ).toBe('14d');
    expect(() => synth({ deadLetterRetention: '0d' })).toThrow(
      /'deadLetterRetention' must be at least 1d and at most 3650d, got '0d'/,
    );
  });

  test('map string labels as keywords and leave numeric labels numeric', () => {
    const [labels] = (ecsLogMappings() as any).dynamic_templates;
    expect(labels.labels_as_keyword).toMatchObject({
      path_match: 'labels.*',
      match_mapping_type: 'string',
      mapping: { type: 'keyword' },
    });
  });
});

describe('setup steps', () => {
  test('wait for a yellow cluster, then PUT every policy before any template', () => {
    const { configMap } = synth();
    const script: string = configMap.data['setup.sh'];
    expect(script).toContain("'/_cluster/health?wait_for_status=yellow&timeout=30s'");
    const puts = [...script.matchAll(/'send' 'PUT' '([^']+)'/g)].map((m) => m[1]);
    expect(puts).toEqual([
      '/_ilm/policy/logs-all-retention',
      '/_ilm/policy/logs-errors-retention',
      '/_ilm/policy/logs-trades-retention',
      '/_ilm/policy/logs-ai-retention',
      '/_ilm/policy/logs-deadletter-retention',
      '/_index_template/logs-all',
      '/_index_template/logs-errors',
      '/_index_template/logs-trades',
      '/_index_template/logs-ai',
      '/_index_template/logs-deadletter',
    ]);
    expect(script).toContain('MAX_ATTEMPTS=30');
  });

  test('fail on a non-positive retry budget, naming the prop', () => {
    expect(() => synth({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => synth({ retryInterval: '0s' })).toThrow(
      /'retryInterval' must be at least 1s and at most 10m, got '0s'/,
    );
    expect(() => synth({ retryInterval: '1500ms' })).toThrow(
      /'retryInterval' is not a whole number of seconds .*, got '1500ms' \(write whole seconds, such as '2s'\)/,
    );
    expect(() => synth({ retryInterval: '10' })).toThrow(/'retryInterval' is not a duration/);
  });

  test('retryInterval sets the pause between attempts in seconds', () => {
    const script: string = synth({ retryInterval: '1m' }).configMap.data['setup.sh'];
    expect(script).toContain('RETRY_SECONDS=60\n');
  });
});

describe('ElasticsearchSetup', () => {
  test('a Job runs the mounted script with the Elasticsearch image and does not restart pods in place', () => {
    const { job, container } = synth();
    expect(container.image).toMatch(/^docker\.elastic\.co\/elasticsearch\/elasticsearch:/);
    expect(container.command).toEqual(['/bin/sh', '/etc/setup/setup.sh']);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBe(6);
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
  });

  test('the ConfigMap holds the script and one JSON body per policy and template', () => {
    const { configMap } = synth({
      logClasses: withLogRetention(DEFAULT_LOG_CLASSES, { errors: '120d' }),
    });
    expect(Object.keys(configMap.data).sort()).toEqual([
      'ilm-policy.logs-ai-retention.json',
      'ilm-policy.logs-all-retention.json',
      'ilm-policy.logs-deadletter-retention.json',
      'ilm-policy.logs-errors-retention.json',
      'ilm-policy.logs-trades-retention.json',
      'index-template.logs-ai.json',
      'index-template.logs-all.json',
      'index-template.logs-deadletter.json',
      'index-template.logs-errors.json',
      'index-template.logs-trades.json',
      'setup.sh',
    ]);
    expect(
      JSON.parse(configMap.data['ilm-policy.logs-errors-retention.json']).policy.phases.delete
        .min_age,
    ).toBe('120d');
    expect(
      JSON.parse(configMap.data['index-template.logs-trades.json']).template.settings[
        'index.lifecycle.name'
      ],
    ).toBe('logs-trades-retention');
  });

  test('with security on it logs in as elastic from the cluster Secret and verifies TLS with the CA', () => {
    const { setup, job, container } = synth();
    expect(env(container, 'API_URL').value).toBe(
      'https://elasticsearch-http.observability.svc:9200',
    );
    // The password is a mounted file the script reads, never an environment variable.
    expect(setupCredentials(job.spec.template.spec, container)).toEqual({
      username: 'elastic',
      password: { name: 'elasticsearch-elastic-password', key: 'password' },
      inEnvironment: false,
    });
    expect(env(container, 'API_CA_FILE').value).toBe('/etc/elasticsearch-ca/ca.crt');
    expect(job.spec.template.spec.volumes).toContainEqual(
      expect.objectContaining({
        name: 'elasticsearch-ca',
        secret: expect.objectContaining({ secretName: 'elasticsearch-certs' }),
      }),
    );
    expect(container.volumeMounts).toContainEqual(
      expect.objectContaining({ name: 'elasticsearch-ca', mountPath: '/etc/elasticsearch-ca' }),
    );
    expect(setup.externalSecrets.map((s) => s.name)).toEqual(['elasticsearch-elastic-password']);
  });

  test('a dedicated user can replace the elastic superuser', () => {
    const { setup, job, container } = synth({ credentials: { secretName: 'es-setup' } });
    expect(setupCredentials(job.spec.template.spec, container)).toEqual({
      username: { name: 'es-setup', key: 'username' },
      password: { name: 'es-setup', key: 'password' },
      inEnvironment: false,
    });
    expect(setup.externalSecrets.map((s) => s.name)).toEqual(['es-setup']);
  });

  test('without security it uses plain HTTP, no credentials and no CA', () => {
    const { setup, container } = synth({}, false);
    expect(env(container, 'API_URL').value).toBe(
      'http://elasticsearch-http.observability.svc:9200',
    );
    expect(env(container, 'API_PASSWORD_FILE')).toBeUndefined();
    expect(env(container, 'API_CA_FILE')).toBeUndefined();
    expect(setup.externalSecrets).toEqual([]);
  });

  test('runs restricted, without an API token, under its own ServiceAccount', () => {
    const { objects, job, container } = synth();
    const pod = job.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('elasticsearch-setup');
    expect(
      objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'elasticsearch-setup'),
    ).toBeDefined();
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
    });
    expect(container.resources.limits.memory).toBe('64Mi');
  });

  test('the Job name carries a hash of its config, so a new retention makes a new Job', () => {
    const a = synth();
    const b = synth({ logClasses: withLogRetention(DEFAULT_LOG_CLASSES, { trades: '400d' }) });
    expect(a.job.metadata.name).toMatch(/^elasticsearch-setup-[0-9a-f]{8}$/);
    expect(a.setup.jobName).toBe(a.job.metadata.name);
    expect(synth().job.metadata.name).toBe(a.job.metadata.name);
    expect(b.job.metadata.name).not.toBe(a.job.metadata.name);
  });

  test('works with the real cluster construct', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
    const es = new ElasticsearchCluster(chart, 'elasticsearch');
    const setup = new ElasticsearchSetup(chart, 'elasticsearch-setup', { elasticsearch: es });
    expect(setup.externalSecrets[0]).toMatchObject({
      name: 'elasticsearch-elastic-password',
      keys: ['password'],
    });
    expect(setup.indexTemplates).toContainEqual({
      name: 'logs-trades',
      indexPattern: 'logs-trades-*',
      policy: 'logs-trades-retention',
    });
  });

  test('fails when a retention is not a whole number of days', () => {
    expect(() =>
      synth({ logClasses: withLogRetention(DEFAULT_LOG_CLASSES, { errors: '0d' }) }),
    ).toThrow(/'logClasses\[0\]\.retention' must be at least 1d and at most 3650d, got '0d'/);
    expect(() =>
      synth({ logClasses: withLogRetention(DEFAULT_LOG_CLASSES, { all: '36h' }) }),
    ).toThrow(
      /'logClasses\[3\]\.retention' is not a whole number of days, got '36h' \(write whole days, such as '2d'\)/,
    );
    expect(() =>
      synth({ logClasses: withLogRetention(DEFAULT_LOG_CLASSES, { trades: '3651d' }) }),
    ).toThrow(/'logClasses\[1\]\.retention' must be at least 1d and at most 3650d, got '3651d'/);
    expect(() =>
      synth({ logClasses: withLogRetention(DEFAULT_LOG_CLASSES, { trades: '365' }) }),
    ).toThrow(/'logClasses\[1\]\.retention' is not a duration, got '365'/);
  });

  test('fails when indexReplicas is negative', () => {
    expect(() => synth({ indexReplicas: -1 })).toThrow(/indexReplicas/);
  });

  test('fails when security is on and no credentials can be found', () => {
    expect(() => synth({}, true, false)).toThrow(/credentials/);
  });
});

describe('in the stack', () => {
  test('the setup Job follows the environment: one-node dev gets no replicas, prod keeps trades a year', () => {
    const dev = new ObservabilityStack(Testing.app(), 'observability', environmentProfile('dev'));
    const prod = new ObservabilityStack(Testing.app(), 'observability', environmentProfile('prod'));
    expect(dev.elasticsearchSetup.indexReplicas).toBe(0);
    expect(dev.elasticsearchSetup.namespace).toBe('observability');
    expect(prod.elasticsearchSetup.indexReplicas).toBe(1);
    expect(
      Object.fromEntries(prod.elasticsearchSetup.logClasses.map((c) => [c.name, c.retention])),
    ).toEqual({ all: '30d', errors: '90d', trades: '365d', ai: '30d' });
  });

  test('a bad stack retention names the stack prop path', () => {
    expect(
      () =>
        new ObservabilityStack(Testing.app(), 'observability', {
          ...environmentProfile('dev'),
          logClasses: withLogRetention(DEFAULT_LOG_CLASSES, { trades: '-1d' }),
        }),
    ).toThrow(/^observability: 'logClasses\[1\]\.retention' is not a duration, got '-1d'/);
  });
});
