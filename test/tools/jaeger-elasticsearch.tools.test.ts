/**
 * Tier 4 (docs/architecture.md#7-verification-tiers): the generated staging Jaeger configs (collector and query,
 * Elasticsearch storage) run by the real Jaeger v2 binary against a real, secured
 * Elasticsearch 8.19 (test/tools/support/jaeger-on-elasticsearch.ts). A span sent over
 * OTLP/HTTP ends up in the daily span index and comes back through the query API; the
 * generated configs are changed only where this machine differs from a pod (addresses, ports,
 * the CA, the password file, the mounted sampling file). Needs `bash scripts/install-tools.sh`:
 * without the tools every test fails, none is skipped.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { parse } from 'yaml';
import { JaegerPorts } from '../../lib/jaeger/jaeger-config';
import { waitUntil } from './support/alert-harness';
import {
  generatedJaegerConfigs,
  JAEGER_ES_USER,
  jaegerRole,
  JaegerOnElasticsearch,
} from './support/jaeger-on-elasticsearch';

// Elasticsearch takes up to a minute to start on a small machine, Jaeger a few seconds.
const START_TIMEOUT_MS = 240_000;

const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Every key a rewrite may touch: listen addresses, the cluster's URL, the CA, the password file, the mounted sampling file. */
const ADDRESS_AND_CREDENTIAL_KEYS: readonly RegExp[] = [
  /^jaeger-(collector|query): (receivers\.(otlp\.protocols\.(grpc|http)|zipkin)|extensions\.(jaeger_query\.(http|grpc)|remote_sampling\.http|healthcheckv2\.http))\.endpoint$/,
  /^jaeger-(collector|query): service\.telemetry\.metrics\.readers\.0\.pull\.exporter\.prometheus\.(host|port)$/,
  /^jaeger-(collector|query): extensions\.jaeger_storage\.backends\.trace_storage\.elasticsearch\.(server_urls|tls\.ca_file|auth\.basic\.password_file)$/,
  /^jaeger-collector: extensions\.remote_sampling\.file\.path$/,
];

describe('Jaeger staging (collector + query) on a secured Elasticsearch, the real binaries on 127.0.0.1', () => {
  let jaeger: JaegerOnElasticsearch;

  beforeAll(async () => {
    jaeger = await JaegerOnElasticsearch.start();
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await jaeger?.stop();
  }, 60_000);

  test('runs the two staging Deployments, jaeger-collector and jaeger-query, each with its own generated config', () => {
    expect(jaeger.processes.map((p) => p.deployment)).toEqual(['jaeger-collector', 'jaeger-query']);
    for (const p of jaeger.processes) expect(p.child.exitCode).toBeNull();
  });

  test('stores a span sent over OTLP/HTTP in the daily span index, and the query API returns its trace', async () => {
    const service = `checkout-${randomHex(3)}`;
    const traceId = randomHex(16);
    const spanId = randomHex(8);
    const answer = await jaeger.sendSpan({ service, traceId, spanId, name: 'POST /pay' });
    expect(answer).toEqual({ status: 200, text: '{"partialSuccess":{}}' });

    const trace = await waitUntil(
      `trace ${traceId} in the query API`,
      () => jaeger.getTrace(traceId),
      { timeoutMs: 15_000, intervalMs: 100 },
    ).catch((e) => {
      throw new Error(`${e.message}\n${jaeger.logs()}`);
    });
    expect(trace.traceID).toBe(traceId);
    expect(trace.spans).toHaveLength(1);
    expect(trace.spans[0]).toMatchObject({
      traceID: traceId,
      spanID: spanId,
      operationName: 'POST /pay',
    });
    expect(trace.processes[trace.spans[0].processID].serviceName).toBe(service);

    // In Elasticsearch: the daily index of today (UTC), named by the generated date_layout.
    const day = new Date().toISOString().slice(0, 10);
    const indices = await jaeger.es.ok(
      'GET',
      `/_cat/indices/${jaeger.spanIndexPattern}?format=json&h=index`,
    );
    expect(indices.map((i: any) => i.index)).toContain(`jaeger-span-${day}`);
    const docs = await jaeger.es.documents(`jaeger-span-${day}`);
    const stored = docs.filter((d) => d._source.traceID === traceId);
    expect(stored).toHaveLength(1);
    expect(stored[0]._source).toMatchObject({
      spanID: spanId,
      operationName: 'POST /pay',
      process: { serviceName: service },
    });
    const services = await jaeger.es.documents(`jaeger-service-${day}`);
    expect(services.map((d) => d._source)).toContainEqual(
      expect.objectContaining({ serviceName: service, operationName: 'POST /pay' }),
    );
  });

  test('Jaeger logs in as the jaeger user (name from the environment, password from its file) over TLS and made its span and service templates', async () => {
    // The span and service stores only: the sampling and dependencies stores are not used by this config.
    const templates = await jaeger.es.ok('GET', '/_index_template/jaeger-*');
    expect(templates.index_templates.map((t: any) => t.name).sort()).toEqual([
      'jaeger-service',
      'jaeger-span',
    ]);
    const who = await jaeger.es.request('GET', '/_security/_authenticate', undefined, {
      auth: `${JAEGER_ES_USER}:${jaeger.es.user(JAEGER_ES_USER).password}`,
    });
    expect(who.body).toMatchObject({ username: JAEGER_ES_USER, roles: [`${JAEGER_ES_USER}_role`] });
    for (const p of jaeger.processes) {
      const config = parse(fs.readFileSync(p.configFile, 'utf8'));
      const es = config.extensions.jaeger_storage.backends.trace_storage.elasticsearch;
      expect(es.auth.basic.username).toBe('${env:ES_USERNAME}');
      expect(es.server_urls).toEqual([jaeger.esUrl]);
      expect(es.server_urls[0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(es.tls.ca_file).toBe(jaeger.es.certificates.caFile);
    }
  });

  test('the generated configs change only in addresses, ports, the CA, the password file and the mounted sampling file', () => {
    expect(jaeger.tuning).toEqual([]);
    expect(jaeger.rewrites.length).toBeGreaterThan(0);
    expect(
      jaeger.rewrites
        .filter((r) => !ADDRESS_AND_CREDENTIAL_KEYS.some((k) => k.test(r.key)))
        .map((r) => r.key),
    ).toEqual([]);
    for (const r of jaeger.rewrites) expect(r.why).not.toBe('');

    // Beyond the listed keys, each config is the generated one, value for value.
    for (const generated of generatedJaegerConfigs('staging')) {
      const proc = jaeger.processes.find((p) => p.deployment === generated.deployment)!;
      const running = parse(fs.readFileSync(proc.configFile, 'utf8'));
      const original = parse(generated.configText);
      for (const r of jaeger.rewrites.filter((x) =>
        x.key.startsWith(`${generated.deployment}: `),
      )) {
        const at = r.key.slice(generated.deployment.length + 2).split('.');
        expect(getIn(original, at)).toEqual(r.from);
        expect(getIn(running, at)).toEqual(r.to);
        setIn(running, at, r.from);
      }
      expect(running).toEqual(original);
      expect(fs.readFileSync(proc.configFile, 'utf8')).not.toMatch(
        /0\.0\.0\.0|\/etc\/jaeger|elasticsearch-http\.observability/,
      );
    }
  });

  test('the query listens where the generated config says, moved to loopback: the UI port answers', async () => {
    const res = await fetch(jaeger.url('jaeger-query', JaegerPorts.query, '/api/services'), {
      signal: AbortSignal.timeout(5000),
    });
    expect(res.status).toBe(200);
  });
});

test(
  'with only the index privileges the README documents (all on jaeger-*), Jaeger does not start: it needs manage_index_templates',
  async () => {
    const documented = jaegerRole();
    expect(documented.indices).toEqual([{ names: ['jaeger-*'], privileges: ['all'] }]);
    await expect(
      JaegerOnElasticsearch.start({ role: { indices: documented.indices } }),
    ).rejects.toThrow(
      /jaeger-collector exited[\s\S]*action \[indices:admin\/index_template\/put\] is unauthorized for user \[jaeger\]/,
    );
  },
  START_TIMEOUT_MS,
);

const getIn = (node: any, at: string[]): unknown => at.reduce((n, k) => n?.[k], node);
function setIn(node: any, at: string[], value: unknown): void {
  const parent = at.slice(0, -1).reduce((n, k) => n[k], node);
  parent[at[at.length - 1]] = value;
}
