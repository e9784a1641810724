/**
 * Tier 4: no hand-made Elasticsearch users. Staging's generated `elasticsearch-users` Job script
 * runs (POSIX sh and curl, as in its pod) against a real Elasticsearch 8.19 with security on and
 * the native realm, with its Secret files laid out as the Job's projected volume lays them out
 * and random passwords in them. Then every client logs in as the user the Job made and:
 *
 * - can do its job: Logstash appends to the log data streams, Grafana and the Kibana setup user
 *   search them, Jaeger creates, writes, reads and deletes its span indices and puts its
 *   templates, the exporter reads cluster health, node stats, the dead-letter stream's index
 *   stats, the log indices' metadata and the snapshot repositories, Kibana's server authenticates as `kibana_system`;
 * - is refused (403) everything else its role does not grant: a writer cannot read, delete an
 *   index or touch Jaeger's indices, the readers cannot write, nobody but Jaeger touches
 *   `jaeger-*`, nobody manages users.
 *
 * The Job runs twice: the second run (every object replaced) succeeds and changes nothing a
 * client sees. Passwords never appear in its output.
 */
import * as fs from 'fs';
import * as path from 'path';
import { synthEnvironment } from '../support/environments';
import { ElasticsearchServer } from './support/elasticsearch';
import { rewriteForDistribution } from './support/logs-pipeline';
import { drawUsersJobSecrets } from './support/users-job-secrets';
import { runSetupJob, SetupJobRunResult } from './support/setup-job-run';
import { describeRun, removeTempDirs, tempDir } from './support/tools';

jest.setTimeout(600_000);

interface Client {
  readonly username: string;
  readonly password: string;
}

describe('the elasticsearch-users Job against a real, secured Elasticsearch', () => {
  const { objects } = synthEnvironment('staging');
  let es: ElasticsearchServer;
  let dir: string;
  let secretsDir: string;
  const clients = new Map<string, Client>();
  const runs: SetupJobRunResult[] = [];

  const as = (client: string) => {
    const c = clients.get(client);
    if (!c) throw new Error(`no client ${client}`);
    return { auth: `${c.username}:${c.password}` };
  };
  const status = async (client: string, method: string, apiPath: string, body?: unknown) =>
    (await es.request(method, apiPath, body, as(client))).status;
  /**
   * The backing index of a data stream, as `elastic` sees it: deleting it is what a client
   * must not do (this distribution has no data streams module, so no `DELETE _data_stream`).
   */
  const backingIndex = async (stream: string) =>
    Object.keys(await es.ok('GET', `/${stream}/_settings`))[0];

  const runJob = async (configMap: string, secrets?: string) => {
    const usernameFile = path.join(dir, 'elastic-username');
    fs.writeFileSync(usernameFile, 'elastic');
    return runSetupJob({
      objects,
      configMap,
      dir,
      apiUrl: es.url,
      caFile: es.certificates.caFile,
      usernameFile,
      passwordFile: es.elasticPasswordFile,
      secretsDir: secrets,
      dropSteps: {
        pattern: /\/_(ilm|slm)\/policy\/|\/_snapshot\//,
        why: 'no ILM, SLM or repository-s3 module in this distribution (see the ilm-policy and snapshot-restore tools tests)',
      },
      rewriteFile: rewriteForDistribution,
    });
  };

  beforeAll(async () => {
    dir = tempDir('elasticsearch-users-');
    secretsDir = path.join(dir, 'secrets');
    // One username and one random password per Secret, as `npm run dev-secrets` would draw them.
    const values = drawUsersJobSecrets(objects, secretsDir);
    for (const [secret, keys] of values)
      clients.set(secret, { username: keys.username ?? 'kibana_system', password: keys.password });

    es = await ElasticsearchServer.start();
    // The log templates first, as in a cluster: the writer's data streams come from them.
    const setup = await runJob('elasticsearch-setup-config');
    if (setup.status !== 0) throw new Error(`elasticsearch-setup failed:\n${setup.stderr}`);
    runs.push(await runJob('elasticsearch-users-config', secretsDir));
    runs.push(await runJob('elasticsearch-users-config', secretsDir));
  });
  afterAll(async () => {
    await es?.stop();
    removeTempDirs();
  });

  test('runs to the end, twice, and never prints a password', () => {
    for (const r of runs) {
      expect(describeRun('sh', ['elasticsearch-users'], r)).toContain('exited 0');
      for (const c of clients.values()) expect(r.stdout + r.stderr).not.toContain(c.password);
    }
    expect(runs[0].stdout).toContain('done: PUT _security/role/logstash-writer');
    expect(runs[0].stdout).toContain('done: POST _security/user/kibana_system/_password');
  });

  test('each user authenticates with the password of its Secret and holds its own role only', async () => {
    const expected: Record<string, string[]> = {
      'logstash-elasticsearch-credentials': ['logstash-writer'],
      'jaeger-elasticsearch-credentials': ['jaeger-spans'],
      'grafana-elasticsearch-credentials': ['grafana-logs-reader'],
      'elasticsearch-exporter-credentials': ['elasticsearch-exporter'],
      'kibana-setup-credentials': ['kibana-setup', 'kibana_admin'],
    };
    for (const [secret, roles] of Object.entries(expected)) {
      const me = await es.request('GET', '/_security/_authenticate', undefined, as(secret));
      expect({ secret, status: me.status, roles: me.body?.roles }).toEqual({
        secret,
        status: 200,
        roles,
      });
      expect(me.body.authentication_realm.type).toBe('native');
    }
    const kibana = await es.request(
      'GET',
      '/_security/_authenticate',
      undefined,
      as('kibana-system-password'),
    );
    expect(kibana.status).toBe(200);
    expect(kibana.body.username).toBe('kibana_system');
    // A wrong password is refused: the users really have the Secrets' passwords.
    const wrong = await es.request('GET', '/_security/_authenticate', undefined, {
      auth: 'logstash:not-the-password',
    });
    expect(wrong.status).toBe(401);
  });

  test('the log writer appends events and can do nothing else', async () => {
    const writer = 'logstash-elasticsearch-credentials';
    const event = { '@timestamp': new Date().toISOString(), message: 'hello' };
    expect(await status(writer, 'POST', '/logs-all-default/_create/1', event)).toBe(201);
    expect(await status(writer, 'POST', '/logs-trades-default/_doc?op_type=create', event)).toBe(
      201,
    );
    expect(await status(writer, 'POST', '/logs-all-default/_search', {})).toBe(403);
    const backing = await backingIndex('logs-all-default');
    expect(backing).toMatch(/^\.ds-logs-all-default-/);
    expect(await status(writer, 'DELETE', `/${backing}`)).toBe(403);
    expect(await status(writer, 'DELETE', '/logs-all-default/_doc/1')).toBe(403);
    expect(await status(writer, 'PUT', '/jaeger-span-2026-01-01/_doc/1', event)).toBe(403);
    expect(await status(writer, 'PUT', '/other-index/_doc/1', event)).toBe(403);
    expect(await status(writer, 'GET', '/_cluster/health')).toBe(200);
  });

  test('Grafana and the Kibana setup user read the logs and cannot write them', async () => {
    await es.ok('POST', '/logs-*/_refresh');
    for (const reader of ['grafana-elasticsearch-credentials', 'kibana-setup-credentials']) {
      const found = await es.request('POST', '/logs-*/_search', { size: 10 }, as(reader));
      expect({ reader, status: found.status }).toEqual({ reader, status: 200 });
      expect(found.body.hits.total.value).toBeGreaterThanOrEqual(2);
      expect(await status(reader, 'GET', '/logs-*/_mapping')).toBe(200);
      expect(await status(reader, 'POST', '/logs-all-default/_doc', { message: 'x' })).toBe(403);
      expect(await status(reader, 'DELETE', `/${await backingIndex('logs-all-default')}`)).toBe(
        403,
      );
      expect(
        await status(reader, 'PUT', '/_security/user/intruder', {
          password: 'x'.repeat(12),
          roles: [],
        }),
      ).toBe(403);
    }
  });

  test('Jaeger owns its span indices and templates, and nothing else', async () => {
    const jaeger = 'jaeger-elasticsearch-credentials';
    const span = { traceID: 'abc', startTime: Date.now() };
    expect(
      await status(jaeger, 'PUT', '/_index_template/jaeger-span', {
        index_patterns: ['jaeger-span-*'],
        template: { settings: { number_of_replicas: 0 } },
      }),
    ).toBe(200);
    expect(await status(jaeger, 'PUT', '/jaeger-span-2026-01-01')).toBe(200);
    expect(await status(jaeger, 'POST', '/jaeger-span-2026-01-01/_doc?refresh=true', span)).toBe(
      201,
    );
    expect(await status(jaeger, 'POST', '/jaeger-span-*/_search', {})).toBe(200);
    // The index cleaner's work.
    expect(await status(jaeger, 'DELETE', '/jaeger-span-2026-01-01')).toBe(200);
    // A concrete name: a wildcard only leaves out the indices a user may not see.
    expect(await status(jaeger, 'POST', '/logs-all-default/_search', {})).toBe(403);
    expect(await status(jaeger, 'POST', '/logs-all-default/_doc', span)).toBe(403);
  });

  test('the exporter reads health, stats and snapshots, and writes nothing', async () => {
    const exporter = 'elasticsearch-exporter-credentials';
    for (const read of [
      '/_cluster/health',
      '/_nodes/stats',
      '/_cluster/settings',
      '/_snapshot/_all',
      '/logs-deadletter-*/_stats',
      // view_index_metadata on logs-* for --collector.ilm (its _ilm/explain needs no more; this
      // distribution has no ILM module to answer it): the data stream's backing index settings.
      '/logs-all-default/_settings',
    ])
      expect({ read, status: await status(exporter, 'GET', read) }).toEqual({ read, status: 200 });
    expect(await status(exporter, 'POST', '/logs-all-default/_search', {})).toBe(403);
    expect(await status(exporter, 'POST', '/logs-all-default/_doc', { message: 'x' })).toBe(403);
    expect(
      await status(exporter, 'PUT', '/_cluster/settings', {
        persistent: { 'cluster.routing.allocation.enable': 'all' },
      }),
    ).toBe(403);
  });
});
