import { spawn } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Testing } from 'cdk8s';
import {
  Kibana,
  KIBANA_RULE_IDS,
  KibanaSetup,
  KibanaSetupProps,
  LOGS_DATA_VIEW_ID,
  ruleFileName,
  RuleDuration,
  SAVED_OBJECTS_FILE,
} from '../lib/kibana';
import { FakeElasticsearchCluster } from './support/fake-elasticsearch';
import { HttpRecorder, RecordedAnswer, RecordedRequest } from './support/http-recorder';
import { setupCredentials } from './support/setup-credentials';

function synth(props: Partial<KibanaSetupProps> = {}, secure = true) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const kibana = new Kibana(chart, 'kibana', {
    elasticsearch: new FakeElasticsearchCluster(chart, { securityEnabled: secure }),
  });
  const setup = new KibanaSetup(chart, 'kibana-setup', { kibana, ...props });
  const objects = Testing.synth(chart) as any[];
  const job = objects.find((o) => o.kind === 'Job');
  const configMap = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === 'kibana-setup-config',
  );
  return { setup, objects, job, configMap, container: job.spec.template.spec.containers[0] };
}
const env = (c: any, name: string) => (c.env ?? []).find((e: any) => e.name === name);
const ndjsonLines = (configMap: any) =>
  (configMap.data[SAVED_OBJECTS_FILE] as string)
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('the Kibana setup Job', () => {
  test('runs the setup script from the Kibana image against the Kibana Service', () => {
    const { job, container, setup } = synth();
    expect(job.metadata.name).toBe(setup.jobName);
    expect(job.metadata.name).toMatch(/^kibana-setup-[0-9a-f]{8}$/);
    expect(container.image).toMatch(/^docker\.elastic\.co\/kibana\/kibana:/);
    expect(container.command).toEqual(['/bin/sh', '/etc/setup/setup.sh']);
    expect(env(container, 'API_URL').value).toBe('http://kibana.observability.svc:5601');
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
  });

  test('authenticates with its own user from a Secret, never elastic, when the cluster has security on', () => {
    const { job, container, setup } = synth();
    expect(setupCredentials(job.spec.template.spec, container)).toEqual({
      username: { name: 'kibana-setup-credentials', key: 'username' },
      password: { name: 'kibana-setup-credentials', key: 'password' },
      inEnvironment: false,
    });
    expect(setup.externalSecrets).toEqual([
      expect.objectContaining({ name: 'kibana-setup-credentials', keys: ['username', 'password'] }),
    ]);
    const own = synth({
      credentials: { secretName: 'provisioner', usernameKey: 'user', passwordKey: 'pass' },
    });
    expect(setupCredentials(own.job.spec.template.spec, own.container).username).toEqual({
      name: 'provisioner',
      key: 'user',
    });
  });

  test('sends no credentials when the cluster has security off', () => {
    const { container, setup } = synth({}, false);
    expect(env(container, 'API_USERNAME_FILE')).toBeUndefined();
    expect(env(container, 'API_PASSWORD_FILE')).toBeUndefined();
    expect(setup.externalSecrets).toEqual([]);
  });

  test('imports the data view, saved searches and dashboards, dependencies first, from one NDJSON file', () => {
    const { configMap, setup } = synth();
    const lines = ndjsonLines(configMap);
    expect(lines.map((o) => o.id)).toEqual(setup.savedObjectIds);
    expect(lines[0]).toMatchObject({ type: 'index-pattern', id: LOGS_DATA_VIEW_ID });
    expect(lines.filter((o) => o.type === 'search').length).toBeGreaterThanOrEqual(3);
    expect(lines.filter((o) => o.type === 'dashboard').length).toBe(4);
    const position = new Map(lines.map((o, i) => [`${o.type}:${o.id}`, i]));
    lines.forEach((o, i) => {
      for (const ref of o.references) expect(position.get(`${ref.type}:${ref.id}`)).toBeLessThan(i);
    });
  });

  test('script: waits for /api/status, imports with overwrite, then upserts each rule by its stable id', () => {
    const script: string = synth().configMap.data['setup.sh'];
    const order = [
      "'/api/status'",
      "'/api/saved_objects/_import?overwrite=true'",
      `'/api/alerting/rule/${KIBANA_RULE_IDS.errorBurst}'`,
      `'/api/alerting/rule/${KIBANA_RULE_IDS.criticalLog}'`,
    ];
    const positions = order.map((p) => script.indexOf(p));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(script).toContain("--header 'kbn-xsrf: true'");
  });

  test('rule bodies: create carries the rule type and consumer, update only what Kibana lets change', () => {
    const { configMap } = synth({ alertRules: { enabled: false } });
    const create = JSON.parse(configMap.data[ruleFileName(KIBANA_RULE_IDS.errorBurst, 'create')]);
    const update = JSON.parse(configMap.data[ruleFileName(KIBANA_RULE_IDS.errorBurst, 'update')]);
    expect(create).toMatchObject({
      rule_type_id: '.es-query',
      consumer: 'stackAlerts',
      enabled: false,
    });
    expect(Object.keys(update).sort()).toEqual(['actions', 'name', 'params', 'schedule', 'tags']);
  });

  test('content and rule options reach the files', () => {
    const { configMap } = synth({
      content: { jaegerUiUrl: 'https://jaeger.example.com' },
      alertRules: { errorBurst: { threshold: 25, window: RuleDuration.minutes(10) } },
    });
    const dataView = ndjsonLines(configMap)[0];
    expect(dataView.attributes.fieldFormatMap).toContain(
      'https://jaeger.example.com/trace/{{value}}',
    );
    const burst = JSON.parse(configMap.data[ruleFileName(KIBANA_RULE_IDS.errorBurst, 'update')]);
    expect(burst.params).toMatchObject({
      threshold: [25],
      timeWindowSize: 10,
      timeWindowUnit: 'm',
    });
  });

  test('a changed rule makes a Job with a new name, so the change runs', () => {
    const a = synth().job.metadata.name;
    const b = synth({ alertRules: { errorBurst: { threshold: 11 } } }).job.metadata.name;
    expect(b).not.toBe(a);
  });

  test('bad options fail at synth time naming the prop', () => {
    expect(() => synth({ content: { jaegerUiUrl: 'https://jaeger.example.com/' } })).toThrow(
      /content\.jaegerUiUrl.*trailing slash/,
    );
    expect(() =>
      synth({
        alertRules: {
          criticalLog: { window: RuleDuration.minutes(1), checkInterval: RuleDuration.minutes(5) },
        },
      }),
    ).toThrow(/alertRules\.criticalLog\.checkInterval/);
    expect(() => synth({ maxAttempts: 0 })).toThrow(/maxAttempts/);
  });
});

/** Runs the Job's script from its ConfigMap, as the pod would, against `url`. */
async function runJob(
  configMap: any,
  url: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kibana-setup-'));
  try {
    for (const [file, content] of Object.entries<string>(configMap.data)) {
      writeFileSync(
        join(dir, file),
        file === 'setup.sh' ? content.split('/etc/setup').join(dir) : content,
      );
    }
    return await new Promise((resolve) => {
      const child = spawn('/bin/sh', [join(dir, 'setup.sh')], {
        env: { PATH: process.env.PATH!, API_URL: url },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The rendered script, run for real (/bin/sh and curl) against a local server that keeps
// what it is sent the way Kibana's APIs do: imports replace by type and id and answer
// `"success": true`, rules live at /api/alerting/rule/<id> (404 until created, POST
// creates, PUT updates).
describe('the Kibana setup script, run twice', () => {
  let server: HttpRecorder;
  const objects = new Map<string, unknown>();
  const rules = new Map<string, any>();
  const calls: string[] = [];

  function kibana({ method, url, headers, body }: RecordedRequest): RecordedAnswer {
    calls.push(`${method} ${url}`);
    if (method !== 'GET' && headers['kbn-xsrf'] !== 'true') return 400;
    if (url === '/api/status') return 200;
    if (url === '/api/saved_objects/_import?overwrite=true') {
      const ndjson = body.slice(body.indexOf('\r\n\r\n') + 4, body.lastIndexOf('\r\n--'));
      const lines = ndjson.trimEnd().split('\n');
      for (const line of lines) {
        const o = JSON.parse(line);
        objects.set(`${o.type}:${o.id}`, o);
      }
      return {
        status: 200,
        body: JSON.stringify({ successCount: lines.length, success: true, warnings: [] }),
      };
    }
    const id = /^\/api\/alerting\/rule\/([-a-z]+)$/.exec(url)?.[1];
    if (id === undefined) return 404;
    const exists = rules.has(id);
    if (method === 'GET') return exists ? 200 : 404;
    if (method === 'POST' && !exists) return (rules.set(id, JSON.parse(body)), 200);
    if (method === 'PUT' && exists)
      return (rules.set(id, { ...rules.get(id), ...JSON.parse(body) }), 200);
    return exists ? 409 : 404;
  }

  beforeAll(async () => (server = await HttpRecorder.start(kibana)));
  afterAll(() => server.close());

  test('the second run updates what the first created and adds nothing', async () => {
    const first = synth({}, false);
    expect((await runJob(first.configMap, server.url)).code).toBe(0);
    expect([...objects.keys()]).toHaveLength(first.setup.savedObjectIds.length);
    expect([...rules.keys()].sort()).toEqual([...first.setup.ruleIds].sort());
    expect(rules.get(KIBANA_RULE_IDS.errorBurst).rule_type_id).toBe('.es-query');
    expect(calls).toContain(`POST /api/alerting/rule/${KIBANA_RULE_IDS.errorBurst}`);

    calls.length = 0;
    const second = synth({ alertRules: { errorBurst: { threshold: 50 } } }, false);
    expect((await runJob(second.configMap, server.url)).code).toBe(0);
    expect([...objects.keys()]).toHaveLength(first.setup.savedObjectIds.length);
    expect(rules.size).toBe(2);
    expect(calls.filter((c) => c.startsWith('POST /api/alerting'))).toEqual([]);
    expect(calls).toContain(`PUT /api/alerting/rule/${KIBANA_RULE_IDS.errorBurst}`);
    expect(rules.get(KIBANA_RULE_IDS.errorBurst).params.threshold).toEqual([50]);
  }, 20000);
});

// A partial failure as Kibana's saved objects import answers it: HTTP 200, `success` false,
// and the failed objects in `errors` (test/fixtures/kibana-import-partial-failure.json).
describe('the Kibana setup script checks what the saved objects import answers', () => {
  const partialFailure = readFileSync(
    join(__dirname, 'fixtures', 'kibana-import-partial-failure.json'),
    'utf8',
  );
  let importAnswer: string;
  let server: HttpRecorder;

  beforeAll(async () => {
    server = await HttpRecorder.start(({ method, url }) => {
      if (url === '/api/saved_objects/_import?overwrite=true')
        return { status: 200, body: importAnswer };
      if (url.startsWith('/api/alerting/rule/')) return method === 'GET' ? 404 : 200;
      return 200;
    });
  });
  afterAll(() => server.close());

  const run = (answer: string) => {
    importAnswer = answer;
    return runJob(synth({ maxAttempts: 1 }, false).configMap, server.url);
  };

  test.each([
    ['compact, as Kibana sends it', JSON.stringify(JSON.parse(partialFailure))],
    ['with spaces and line breaks', partialFailure],
  ])(
    '"success": false (%s) fails the Job, naming each failed object and its error',
    async (_, answer) => {
      const result = await run(answer);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'POST /api/saved_objects/_import?overwrite=true answered HTTP 200, but success is not true; errors:',
      );
      expect(result.stderr).toContain(
        '  - id="observability-errors" type="search" meta.title="Errors" error.type="missing_references" ' +
          'error.references.type="index-pattern" error.references.id="observability-logs-old"\n',
      );
      expect(result.stderr).toContain(
        '  - id="observability-overview" type="dashboard" meta.title="Logs overview" error.type="conflict"\n',
      );
      expect(result.stderr).not.toContain('discoverApp');
      expect(result.stdout).not.toContain('Kibana setup complete');
    },
  );

  test('a failed object with its title at the top, as 7.x answered, is named by it', async () => {
    const result = await run(
      '{"success":false,"successCount":0,"errors":[{"id":"v1","type":"visualization","title":"Old vis","error":{"type":"unsupported_type"}}]}',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      '  - id="v1" type="visualization" title="Old vis" error.type="unsupported_type"\n',
    );
  });

  test.each([
    ['{"successCount":20,"success":true,"warnings":[]}'],
    ['{ "successCount": 20, "success": true, "warnings": [] }'],
  ])('"success": true passes and the rules follow: %s', async (answer) => {
    const result = await run(answer);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`done: alert rule ${KIBANA_RULE_IDS.errorBurst}`);
    expect(result.stdout).toContain('Kibana setup complete');
  });
});
