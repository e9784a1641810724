import { ObservabilityStack } from '../../lib';
import { ElasticsearchServer } from './support/elasticsearch';
import { ConfigRewrite, FilebeatRun, KEYS_7_17_READS_DIFFERENTLY } from './support/filebeat';
import { HOSTILE_LOGS, LogCase, SECRETS } from './support/hostile-logs';
import { LogsPipeline, podName } from './support/logs-pipeline';
import { waitUntil } from './support/alert-harness';

/**
 * The logs pipeline run for real: staging's configuration with `logstash: false` on the
 * 8.19 line (ElasticStackVersion.V8_19), a secured Elasticsearch 8.19 (TLS with this run's
 * CA, passwords only in files), the generated setup Job script applying the index templates,
 * and the generated filebeat.yml in a real Filebeat reading CRI container log files. Then
 * every document is read back from Elasticsearch.
 *
 * What the test changes in the generated files is printed and checked below (REWRITES);
 * nothing else is touched.
 */

let pipeline: LogsPipeline;
let es: ElasticsearchServer;
let filebeat: FilebeatRun;
let stack: ObservabilityStack;
let rewrites: ConfigRewrite[] = [];
let docs: { _index: string; _id: string; _source: any; _ignored?: string[] }[] = [];
let setupOutput = '';

beforeAll(async () => {
  pipeline = await LogsPipeline.start({ containers: HOSTILE_LOGS.map((c) => c.container) });
  ({ es, filebeat, stack, rewrites, setupOutput } = pipeline);
  try {
    const before = await filebeat.handled();
    let events = 0;
    for (const c of HOSTILE_LOGS) {
      pipeline.appendLines(c.container, c.lines);
      events += c.lines.filter((l) => !l.partial).length;
    }
    await filebeat.waitForAcked(before + events, 60_000);
    docs = await es.documents('logs-*');
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : e}\n${pipeline.logs()}`, { cause: e });
  }
}, 300_000);

afterAll(async () => {
  await pipeline?.stop();
});

describe('what the test changes in the generated configuration', () => {
  test('only paths, addresses, outputs and what the distribution lacks are rewritten', () => {
    const allowed =
      /^(filebeat\.inputs\[0\]\.paths|processors\[\d+\]\.add_kubernetes_metadata(\.kube_config|\.matchers\[0\]\.logs_path\.logs_path)?|filebeat\.registry\.path|http\.host|http\.port|output\.elasticsearch\.hosts|output\.elasticsearch\.ssl\.certificate_authorities|setup\.sh CONFIG_DIR|setup\.sh step|index-template\.logs-[a-z]+\.json template\.(settings\.index\.lifecycle\.name|mappings\..*\.type))$/;
    for (const r of rewrites) expect(r.key).toMatch(allowed);
    // Printed so a reader of the test log sees every change.
    console.log(
      `rewrites of the generated configuration:\n${rewrites.map((r) => `  ${r.key}: ${JSON.stringify(r.from)} -> ${JSON.stringify(r.to)} (${r.why})`).join('\n')}\n` +
        `keys Filebeat 7.17 reads differently from 9.x:\n${KEYS_7_17_READS_DIFFERENTLY.map((k) => `  ${k.key}: ${k.how}`).join('\n')}`,
    );
  });

  test('the setup Job script applied every index template', async () => {
    expect(setupOutput).toContain('Elasticsearch setup complete');
    for (const t of stack.elasticsearchSetup.indexTemplates) {
      const res = await es.ok('GET', `/_index_template/${t.name}`);
      expect(res.index_templates[0].index_template.index_patterns).toEqual([t.indexPattern]);
    }
  });
});

describe('Kubernetes metadata from the real API server', () => {
  test('as root, add_kubernetes_metadata runs against a real API server and every event names its pod', () => {
    if (process.getuid?.() !== 0) {
      // Elsewhere the processor is removed, and the test says so in its rewrites.
      expect(
        rewrites.some((r) => /add_kubernetes_metadata$/.test(r.key) && r.to === undefined),
      ).toBe(true);
      return;
    }
    expect(pipeline.controlPlane).toBeDefined();
    for (const c of HOSTILE_LOGS) {
      const found = docs.filter((d) =>
        String(d._source.log?.file?.path ?? '').includes(`_${c.container}-`),
      );
      for (const d of found) {
        expect(d._source.kubernetes).toMatchObject({
          namespace: 'shop',
          pod: { name: podName(c.container) },
          container: { name: c.container },
          node: { name: 'node-1' },
          labels: { 'app_kubernetes_io/name': c.container },
        });
      }
    }
  });
});

describe('nothing lost', () => {
  test('Elasticsearch acknowledged every event and Filebeat dropped none', async () => {
    const stats = await filebeat.stats();
    expect(stats.libbeat.output.events.dropped).toBe(0);
    expect(stats.libbeat.output.events.failed).toBe(0);
    const expected = HOSTILE_LOGS.reduce((n, c) => n + c.lines.filter((l) => !l.partial).length, 0);
    expect(docs).toHaveLength(expected);
    expect(filebeat.output()).not.toMatch(/Cannot index event/);
  });

  test.each(HOSTILE_LOGS.map((c) => [c.name, c] as [string, LogCase]))(
    '%s: stored in its class, found by its fields',
    async (_name, c) => {
      const found = docs.filter((d) =>
        String(d._source.log?.file?.path ?? '').includes(`_${c.container}-`),
      );
      expect(found).toHaveLength(c.lines.filter((l) => !l.partial).length);
      for (const d of found)
        expect(d._index).toMatch(new RegExp(`^\\.ds-logs-${c.indexClass}-default-`));
      for (const [field, value] of Object.entries(c.findBy)) {
        const res = await es.ok('POST', '/logs-*/_search', {
          size: 100,
          query: {
            bool: {
              filter: [
                { term: { [field]: value } },
                { wildcard: { 'log.file.path': `*_${c.container}-*` } },
              ],
            },
          },
        });
        expect({ field, value, hits: res.hits.total.value }).toEqual({
          field,
          value,
          hits: found.length,
        });
      }
      for (const text of c.searchable ?? []) {
        const res = await es.ok('POST', '/logs-*/_search', {
          size: 100,
          query: {
            bool: {
              filter: [
                { match_phrase: { message: text } },
                { wildcard: { 'log.file.path': `*_${c.container}-*` } },
              ],
            },
          },
        });
        expect({ text, hits: res.hits.total.value }).toEqual({ text, hits: expect.any(Number) });
        expect(res.hits.total.value).toBeGreaterThan(0);
      }
    },
  );
});

describe('what does not fit is moved aside, tagged and kept', () => {
  const byMessage = (text: string) => {
    const d = docs.find(
      (doc) => typeof doc._source.message === 'string' && doc._source.message.includes(text),
    );
    if (!d) throw new Error(`no document with message '${text}'`);
    return d._source;
  };

  test('a string `log` lands in moved.log and Filebeat keeps log.file.path and log.offset', () => {
    const d = byMessage('log as a string');
    expect(d.moved).toEqual({ log: 'a string log field' });
    expect(d.log.file.path).toMatch(/legacy-7d9f8-abcde_shop_legacy-[0-9a-f]{64}\.log$/);
    expect(typeof d.log.offset).toBe('number');
    expect(d.tags).toContain('fields_moved');
    expect(JSON.parse(d.event.original)).toMatchObject({
      log: 'a string log field',
      message: 'log as a string',
    });
  });

  test('scalars where ECS has objects, and objects where it has values, are moved with their values', () => {
    expect(byMessage('error as a string').moved).toEqual({ error: 'connection reset' });
    expect(byMessage('trace as a string').moved).toEqual({ trace: 'sampled' });
    expect(byMessage('status as an object').moved).toEqual({
      'http.response.status_code': { value: 200 },
      'url.path': { raw: '/stock' },
    });
    const objectMessage = docs.find((doc) => doc._source.moved?.message !== undefined)!._source;
    expect(objectMessage.moved.message.text).toBe('stock low');
    expect(objectMessage.moved.message.secret).toBe('obje...t-42');
  });

  test('msg becomes message, and the secrets beside it stay masked', () => {
    expect(byMessage('login ok').msg).toBeUndefined();
    expect(byMessage('login ok').password).toEqual(['p1-l...alue', 'p2-o...alue']);
  });

  test('an array of mixed kinds is stored as strings; lines that fit are not tagged', () => {
    expect(byMessage('mixed types in one array').items).toEqual([
      { qty: '1' },
      { qty: 'two' },
      { qty: '2.5' },
    ]);
    expect(byMessage('mixed types in one array').tags_list).toEqual(['1', 'a', 'true']);
    expect(byMessage('trade filled').tags).toBeUndefined();
    expect(byMessage('trade filled').event?.original).toBeUndefined();
  });

  test('card numbers keep their last four digits and an order id that fails Luhn stays', () => {
    const d = byMessage('charged card');
    expect(d.message).toBe('charged card **** **** **** 1111 for order 1234567890123456');
    expect(d.card).toBe('************1111');
    expect(d.contact).toBe('a***@example.com');
  });

  test('a value that does not parse as its type is kept in _source and listed in _ignored, the rest indexed', () => {
    const duration = docs.filter((d) => d._ignored?.includes('event.duration'));
    expect(duration).toHaveLength(1);
    expect(duration[0]._source.event.duration).toBe('slow');
    expect(duration[0]._source.message).toBe('client.ip as an object');
    // Past the field limit, fields are stored and not indexed (ignore_dynamic_beyond_limit).
    const wide = docs.find((d) => d._source.message === 'twelve hundred keys')!;
    expect(Object.keys(wide._source.counts)).toHaveLength(1200);
    expect(wide._ignored!.length).toBeGreaterThan(0);
    const fieldsIgnored = docs.flatMap((d) => d._ignored ?? []);
    expect(
      fieldsIgnored.filter((f) => f !== 'event.duration' && !/^counts\.key_\d+$/.test(f)),
    ).toEqual([]);
  });
});

describe('an event Elasticsearch refuses is kept in the dead-letter data stream', () => {
  test('a write-blocked data stream sends the event, masked, to logs-deadletter-default, and Filebeat drops nothing', async () => {
    const trades = docs.find((d) => d._source.message === 'trade filled')!;
    await es.ok('PUT', `/${trades._index}/_settings`, { 'index.blocks.write': true });
    try {
      const before = (await filebeat.stats()).libbeat.output.events.acked;
      pipeline.appendLines('orders', [
        {
          text: JSON.stringify({
            'log.level': 'info',
            'service.name': 'orders',
            message: 'trade after the block password=blocked-secret-value-7',
            trade_id: 'T-1002',
          }),
        },
      ]);
      await waitUntil(
        'the dead-lettered event',
        async () =>
          (await filebeat.stats()).libbeat.output.events.acked > before ? true : undefined,
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      const dead = await es.documents('logs-deadletter-*');
      expect(dead).toHaveLength(1);
      const d = dead[0]._source;
      expect(dead[0]._index).toMatch(/^\.ds-logs-deadletter-default-/);
      // Filebeat writes the two as dotted keys.
      expect(String(d['error.type'])).toBe('403');
      expect(d['error.message']).toMatch(/blocked/);
      const found = await es.ok('POST', '/logs-deadletter-*/_search', {
        query: { term: { 'error.type': '403' } },
      });
      expect(found.hits.total.value).toBe(1);
      const original = JSON.parse(d.message);
      expect(original.message).toBe('trade after the block password=bloc...ue-7');
      expect(original.data_stream.dataset).toBe('trades');
      expect(JSON.stringify(d)).not.toContain('blocked-secret-value-7');
      const stats = await filebeat.stats();
      expect(stats.libbeat.output.events.dropped).toBe(0);
      // Counted: the refused attempt is a failed event before the dead letter is acknowledged.
      expect(stats.libbeat.output.events.failed).toBeGreaterThan(0);
    } finally {
      await es.ok('PUT', `/${trades._index}/_settings`, { 'index.blocks.write': false });
    }
  });
});

describe('nothing leaked', () => {
  test('no secret substring in any stored document, message and event.original included', () => {
    const leaks: string[] = [];
    for (const d of docs) {
      const text = JSON.stringify(d._source);
      for (const secret of SECRETS)
        if (text.includes(secret)) leaks.push(`${secret} in ${text.slice(0, 300)}`);
    }
    expect(leaks).toEqual([]);
  });
});
