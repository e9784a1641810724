/**
 * Tier 4 (docs/architecture.md#7-verification-tiers): native users and roles in the tools
 * tier's real, secured Elasticsearch 8.19, as the setup Job makes them. The distribution
 * (Maven Central's integration-test build) leaves out the analysis-common module that the
 * `.security` index's mapping needs; the security-analysis plugin
 * (test/tools/support/security-analysis-plugin/, built by scripts/build-security-analysis-plugin.sh)
 * stands in for that part of it, and every node the test support starts has it. Without it
 * the first `PUT _security/role` fails and so does this test.
 *
 * A role holding `create_doc` on `logs-*` and a user holding the role, both made through the
 * security API; the user authenticates from the native realm, writes into a `logs-x-y` data
 * stream and is refused (403) what the role does not grant. The file realm's users keep
 * working next to it.
 */
import { ElasticsearchServer, randomPassword } from './support/elasticsearch';

const ROLE = 'logs_writer';
const USER = 'shipper';
const DATA_STREAM = 'logs-x-y';

let es: ElasticsearchServer;
const password = randomPassword();
const as = () => ({ auth: `${USER}:${password}` });

beforeAll(async () => {
  es = await ElasticsearchServer.start({ users: { filer: { cluster: ['monitor'] } } });
}, 240_000);

afterAll(async () => {
  await es?.stop();
}, 60_000);

/** Fails with the node's log, which names the missing analysis component when there is one. */
async function ok(method: string, apiPath: string, body?: unknown): Promise<any> {
  try {
    return await es.ok(method, apiPath, body);
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : e}\n${es.logs()}`, { cause: e });
  }
}

describe('the native realm, with the security-analysis plugin', () => {
  test('a role and a user made through the security API are stored in the .security index', async () => {
    expect(
      await ok('PUT', `/_security/role/${ROLE}`, {
        indices: [{ names: ['logs-*'], privileges: ['create_doc'] }],
      }),
    ).toEqual({ role: { created: true } });
    expect(
      await ok('PUT', `/_security/user/${USER}`, {
        password,
        roles: [ROLE],
        full_name: 'Log Shipper',
      }),
    ).toEqual({ created: true });

    const index = await ok('GET', '/.security/_settings?filter_path=*.settings.index.analysis');
    const [name] = Object.keys(index);
    expect(name).toMatch(/^\.security-\d+$/);
    expect(index[name].settings.index.analysis.analyzer.email).toEqual({
      tokenizer: 'uax_url_email',
      filter: ['email', 'lowercase', 'unique'],
    });
    expect((await ok('GET', `/_security/user/${USER}`))[USER]).toMatchObject({
      username: USER,
      roles: [ROLE],
      enabled: true,
    });
  });

  test("the email analyzer's components tokenize as analysis-common's do", async () => {
    const res = await ok('POST', '/_analyze', {
      tokenizer: 'uax_url_email',
      filter: [
        {
          type: 'pattern_capture',
          preserve_original: true,
          patterns: ['([^@]+)', '(\\p{L}+)', '(\\d+)', '@(.+)'],
        },
        'lowercase',
        'unique',
      ],
      text: 'Jane.Doe42@Example.COM',
    });
    // `example.com` is captured twice (`([^@]+)` and `@(.+)`); `unique` keeps one.
    expect(res.tokens.map((t: { token: string }) => t.token).sort()).toEqual(
      [
        '42',
        'com',
        'doe',
        'example',
        'example.com',
        'jane',
        'jane.doe42',
        'jane.doe42@example.com',
      ].sort(),
    );
  });

  test('the user authenticates from the native realm; a wrong password is refused (401)', async () => {
    const me = await es.request('GET', '/_security/_authenticate', undefined, as());
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: USER, roles: [ROLE] });
    expect(me.body.authentication_realm.type).toBe('native');
    const wrong = await es.request('GET', '/_security/_authenticate', undefined, {
      auth: `${USER}:not-${password}`,
    });
    expect(wrong.status).toBe(401);
  });

  test('the user writes into a logs-x-y data stream (create_doc) and is refused (403) deleting its index and reading it', async () => {
    await ok('PUT', '/_index_template/logs-x', {
      index_patterns: ['logs-x-*'],
      data_stream: {},
      priority: 500,
      template: { mappings: { properties: { message: { type: 'text' } } } },
    });
    // `create_doc` writes into a data stream that exists; making one is `auto_configure`'s.
    const first = await ok('POST', `/${DATA_STREAM}/_doc`, {
      '@timestamp': new Date().toISOString(),
      message: 'created by elastic',
    });
    const backingIndex: string = first._index;
    expect(backingIndex).toMatch(/^\.ds-logs-x-y-/);

    const written = await es.request(
      'POST',
      `/${DATA_STREAM}/_doc?refresh=true`,
      { '@timestamp': new Date().toISOString(), message: 'written by the shipper' },
      as(),
    );
    expect({ status: written.status, index: written.body?._index }).toEqual({
      status: 201,
      index: backingIndex,
    });
    expect((await es.documents(DATA_STREAM)).map((d) => d._source.message).sort()).toEqual([
      'created by elastic',
      'written by the shipper',
    ]);

    const deleted = await es.request('DELETE', `/${backingIndex}`, undefined, as());
    expect(deleted.status).toBe(403);
    expect(deleted.body.error.type).toBe('security_exception');
    const read = await es.request('POST', `/${DATA_STREAM}/_search`, { size: 1 }, as());
    expect(read.status).toBe(403);
    expect(await ok('GET', `/${backingIndex}/_count`)).toMatchObject({ count: 2 });
  });

  test('the file realm users work next to it', async () => {
    const filer = es.user('filer');
    const me = await es.request('GET', '/_security/_authenticate', undefined, {
      auth: `${filer.username}:${filer.password}`,
    });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'filer', roles: ['filer_role'] });
    expect(me.body.authentication_realm.type).toBe('file');
  });
});
