/**
 * Tier 4 (docs/architecture.md#7-verification-tiers): the generated Jaeger configs run by the real Jaeger v2 binary
 * (.cache/tools/bin/jaeger, built by scripts/install-tools.sh from the Go module of the image's
 * version).
 *
 * - dev: the all-in-one config (memory storage) and its sampling strategies, as synthesized,
 *   run on 127.0.0.1. A trace goes in over OTLP/HTTP (JSON) and a span over OTLP/gRPC, and
 *   both come back through the query API; remote sampling serves the generated strategies;
 *   the telemetry endpoint serves the collector metrics the generated alert rules and
 *   dashboards query.
 * - staging and prod: every Jaeger Deployment's config (collector and query, Elasticsearch
 *   storage) passes `jaeger validate`, Jaeger's own check; a config with an unknown key fails it.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http2 from 'http2';
import * as path from 'path';
import { parse, parseDocument } from 'yaml';
import { JAEGER_HEALTH_PATH, JaegerPorts } from '../../lib/jaeger/jaeger-config';
import {
  ENVIRONMENTS,
  EnvironmentName,
  KubeObject,
  podTemplateOf,
  synthEnvironment,
} from '../support/environments';
import {
  freePort,
  processLogs,
  RunningProcess,
  spawnTool,
  terminate,
  waitUntil,
} from './support/alert-harness';
import { describeRun, removeTempDirs, run, tempDir } from './support/tools';
import { listenEndpoints } from './support/jaeger-on-elasticsearch';

const LOOPBACK = '127.0.0.1';
const JAEGER_IMAGE = /^docker\.io\/jaegertracing\/jaeger:/;

/** One Jaeger Deployment's files as its pod reads them. */
interface JaegerFiles {
  readonly deployment: string;
  /** The config file named by `--config`, the exact ConfigMap text. */
  readonly configPath: string;
  readonly configText: string;
  /** The remote sampling strategies file the config names, when it names one. */
  readonly samplingPath?: string;
  readonly samplingText?: string;
}

/** The config (and sampling file) of every Jaeger Deployment of one environment. */
function jaegerFiles(env: EnvironmentName): JaegerFiles[] {
  const { objects } = synthEnvironment(env);
  const files: JaegerFiles[] = [];
  for (const object of objects) {
    const spec = podTemplateOf(object)?.spec;
    const container = (spec?.containers ?? []).find((c: any) => JAEGER_IMAGE.test(c.image ?? ''));
    if (!container) continue;
    const configArg = (container.args ?? []).find((a: string) => a.startsWith('--config='));
    if (!configArg)
      throw new Error(
        `${object.metadata.name}: no --config= argument in ${JSON.stringify(container.args)}`,
      );
    const configPath = configArg.slice('--config='.length);
    const configText = mountedFile(objects, spec, container, configPath);
    const samplingPath: string | undefined =
      parse(configText)?.extensions?.remote_sampling?.file?.path;
    files.push({
      deployment: object.metadata.name,
      configPath,
      configText,
      samplingPath,
      samplingText: samplingPath ? mountedFile(objects, spec, container, samplingPath) : undefined,
    });
  }
  if (files.length === 0) throw new Error(`no Deployment of ${env} runs the Jaeger image`);
  return files;
}

/** The text of the ConfigMap key that a container sees at `file` (a directory mount of a ConfigMap). */
function mountedFile(objects: KubeObject[], spec: any, container: any, file: string): string {
  const mount = (container.volumeMounts ?? []).find(
    (m: any) => !m.subPath && m.mountPath === path.posix.dirname(file),
  );
  const volume = mount && (spec.volumes ?? []).find((v: any) => v.name === mount.name);
  const name = volume?.configMap?.name;
  const configMap = name && objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
  const text = configMap?.data?.[path.posix.basename(file)];
  if (typeof text !== 'string') throw new Error(`no ConfigMap key is mounted at ${file}`);
  return text;
}

// --- OTLP payloads ----------------------------------------------------------------------------

/**
 * Minimal protobuf writer for the OTLP messages below (field numbers of opentelemetry-proto),
 * on plain byte arrays.
 */
type Bytes = number[];
function varint(n: number): Bytes {
  const bytes: Bytes = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) bytes.push((n % 128) | 0x80);
  bytes.push(n);
  return bytes;
}
const utf8 = (text: string): Bytes => [...Buffer.from(text, 'utf8')];
const hex = (text: string): Bytes => [...Buffer.from(text, 'hex')];
const lengthDelimited = (field: number, value: Bytes): Bytes => [
  ...varint((field << 3) | 2),
  ...varint(value.length),
  ...value,
];
const varintField = (field: number, value: number): Bytes => [
  ...varint(field << 3),
  ...varint(value),
];
const fixed64Field = (field: number, value: bigint): Bytes => {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(value);
  return [...varint((field << 3) | 1), ...bytes];
};

interface TestSpan {
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
}

/** OTLP span kind SERVER. */
const SPAN_KIND_SERVER = 2;

/** An ExportTraceServiceRequest in the OTLP/JSON encoding (ids in hex, times as strings). */
function otlpJson(
  service: string,
  traceId: string,
  spans: readonly TestSpan[],
  startNs: bigint,
): object {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'jaeger.tools.test' },
            spans: spans.map((span, i) => ({
              traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              kind: SPAN_KIND_SERVER,
              startTimeUnixNano: String(startNs + BigInt(i) * 1_000_000n),
              endTimeUnixNano: String(startNs + BigInt(i + 1) * 5_000_000n),
            })),
          },
        ],
      },
    ],
  };
}

/** The same request in the protobuf encoding, for OTLP/gRPC. */
function otlpProtobuf(
  service: string,
  traceId: string,
  spans: readonly TestSpan[],
  startNs: bigint,
): Bytes {
  const keyValue = lengthDelimited(1, [
    ...lengthDelimited(1, utf8('service.name')),
    ...lengthDelimited(2, lengthDelimited(1, utf8(service))),
  ]);
  const resource = lengthDelimited(1, keyValue);
  const scope = lengthDelimited(1, lengthDelimited(1, utf8('jaeger.tools.test')));
  const encoded = spans.flatMap((span, i) =>
    lengthDelimited(2, [
      ...lengthDelimited(1, hex(traceId)),
      ...lengthDelimited(2, hex(span.spanId)),
      ...(span.parentSpanId ? lengthDelimited(4, hex(span.parentSpanId)) : []),
      ...lengthDelimited(5, utf8(span.name)),
      ...varintField(6, SPAN_KIND_SERVER),
      ...fixed64Field(7, startNs + BigInt(i) * 1_000_000n),
      ...fixed64Field(8, startNs + BigInt(i + 1) * 5_000_000n),
    ]),
  );
  const scopeSpans = lengthDelimited(2, [...scope, ...encoded]);
  return lengthDelimited(1, [...resource, ...scopeSpans]);
}

/** One unary gRPC call over HTTP/2 without TLS; resolves with the grpc-status and grpc-message. */
function grpcUnary(
  port: number,
  method: string,
  message: Bytes,
): Promise<{ status: string; message: string }> {
  return new Promise((resolve, reject) => {
    const client = http2.connect(`http://${LOOPBACK}:${port}`);
    client.on('error', reject);
    // The gRPC message frame: not compressed (0), then the length as 4 bytes big-endian.
    const length = Buffer.alloc(4);
    length.writeUInt32BE(message.length);
    const req = client.request({
      ':method': 'POST',
      ':path': method,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    req.setTimeout(10_000, () => req.close(http2.constants.NGHTTP2_CANCEL));
    req.on('response', (h) => {
      headers = h;
    });
    req.on('trailers', (t) => {
      trailers = t;
    });
    req.on('data', () => undefined);
    req.on('error', (e) => {
      client.close();
      reject(e);
    });
    req.on('end', () => {
      client.close();
      // A trailers-only answer (an error) carries grpc-status in the headers.
      const status = trailers['grpc-status'] ?? headers['grpc-status'];
      const text = trailers['grpc-message'] ?? headers['grpc-message'] ?? '';
      if (status === undefined)
        reject(new Error(`no grpc-status in the answer (HTTP ${headers[':status']})`));
      else resolve({ status: String(status), message: decodeURIComponent(String(text)) });
    });
    req.end(Buffer.from([0, ...length, ...message]));
  });
}

const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

afterAll(() => removeTempDirs());

// --- dev: the all-in-one on loopback ---------------------------------------------------------

describe('Jaeger dev all-in-one (memory storage), the real binary on 127.0.0.1', () => {
  const generated = jaegerFiles('dev');
  let jaeger: RunningProcess | undefined;
  /** Loopback port that stands in for each generated port, by the generated port. */
  const ports = new Map<number, number>();
  const port = (generatedPort: number): number => {
    const local = ports.get(generatedPort);
    if (local === undefined)
      throw new Error(`the generated config does not listen on port ${generatedPort}`);
    return local;
  };
  const url = (generatedPort: number, p: string): string =>
    `http://${LOOPBACK}:${port(generatedPort)}${p}`;
  const logs = (): string => (jaeger ? processLogs([jaeger], 40) : '');
  const strategies = (): any => JSON.parse(generated[0].samplingText ?? '{}');

  beforeAll(async () => {
    expect(generated).toHaveLength(1);
    const { configText, samplingText } = generated[0];
    if (!samplingText) throw new Error('the dev config names no remote sampling strategies file');
    const dir = tempDir('jaeger-dev-');
    const samplingFile = path.join(dir, 'sampling-strategies.json');
    fs.writeFileSync(samplingFile, samplingText);

    // The generated config listens on fixed ports of 0.0.0.0, as a pod does. Here, on a shared
    // machine, every listener moves to a free port of 127.0.0.1 (nothing reachable from outside,
    // no clash with other tests or services), and the sampling file path points at the temp copy
    // of the generated strategies. Only those values change: the document is edited in place,
    // so every other key and scalar stays exactly as generated.
    const doc = parseDocument(configText);
    const config = doc.toJS();
    for (const listener of listenEndpoints(config)) {
      const local = await freePort();
      ports.set(listener.port, local);
      if (listener.kind === 'endpoint') {
        doc.setIn(listener.path, `${LOOPBACK}:${local}`);
      } else {
        doc.setIn([...listener.path, 'host'], LOOPBACK);
        doc.setIn([...listener.path, 'port'], local);
      }
    }
    doc.setIn(['extensions', 'remote_sampling', 'file', 'path'], samplingFile);
    const configFile = path.join(dir, 'config.yaml');
    fs.writeFileSync(configFile, doc.toString());
    expect(fs.readFileSync(configFile, 'utf8')).not.toContain('0.0.0.0');

    jaeger = spawnTool('jaeger', [`--config=${configFile}`], dir);
    const child = jaeger.child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) =>
        reject(new Error(`jaeger exited (${code ?? signal}) before it was healthy`)),
      ),
    );
    exited.catch(() => undefined);
    try {
      await Promise.race([
        waitUntil(
          `jaeger ${JAEGER_HEALTH_PATH}`,
          async () => {
            const res = await fetch(url(JaegerPorts.health, JAEGER_HEALTH_PATH), {
              signal: AbortSignal.timeout(2000),
            });
            return res.status === 200 ? true : undefined;
          },
          { timeoutMs: 30_000, intervalMs: 100 },
        ),
        exited,
      ]);
    } catch (e) {
      throw new Error(`${e instanceof Error ? e.message : e}\n${logs()}`, { cause: e });
    }
  });

  afterAll(async () => {
    if (jaeger) await terminate(jaeger.child);
  });

  /** Waits until the query API returns the trace with `count` spans; returns the trace. */
  async function readTrace(traceId: string, count: number): Promise<any> {
    return waitUntil(
      `trace ${traceId} with ${count} spans in the query API`,
      async () => {
        const { status, body } = await getJson(url(JaegerPorts.query, `/api/traces/${traceId}`));
        const trace = status === 200 ? body.data?.[0] : undefined;
        return trace?.spans?.length === count ? trace : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  }

  test('stores a trace sent over OTLP/HTTP (JSON) and serves it through the query API', async () => {
    const service = `otlp-http-${randomHex(4)}`;
    const traceId = randomHex(16);
    const parent: TestSpan = { spanId: randomHex(8), name: 'GET /checkout' };
    const child: TestSpan = {
      spanId: randomHex(8),
      parentSpanId: parent.spanId,
      name: 'charge card',
    };
    const res = await fetch(url(JaegerPorts.otlpHttp, '/v1/traces'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(
        otlpJson(service, traceId, [parent, child], BigInt(Date.now()) * 1_000_000n),
      ),
      signal: AbortSignal.timeout(5000),
    });
    expect(`${res.status} ${await res.text()}`).toMatch(/^200 /);

    const trace = await readTrace(traceId, 2).catch((e) => {
      throw new Error(`${e.message}\n${logs()}`);
    });
    expect(trace.traceID).toBe(traceId);
    const byName = new Map<string, any>(trace.spans.map((s: any) => [s.operationName, s]));
    expect([...byName.keys()].sort()).toEqual([child.name, parent.name].sort());
    expect(byName.get(parent.name).spanID).toBe(parent.spanId);
    expect(byName.get(parent.name).references).toEqual([]);
    expect(byName.get(child.name).spanID).toBe(child.spanId);
    expect(byName.get(child.name).references).toEqual([
      { refType: 'CHILD_OF', traceID: traceId, spanID: parent.spanId },
    ]);
    for (const span of trace.spans)
      expect(trace.processes[span.processID].serviceName).toBe(service);

    const services = await getJson(url(JaegerPorts.query, '/api/services'));
    expect(services.status).toBe(200);
    expect(services.body.data).toContain(service);
  });

  test('stores a span sent over OTLP/gRPC (protobuf)', async () => {
    const service = `otlp-grpc-${randomHex(4)}`;
    const traceId = randomHex(16);
    const span: TestSpan = { spanId: randomHex(8), name: 'POST /orders' };
    const answer = await grpcUnary(
      port(JaegerPorts.otlpGrpc),
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      otlpProtobuf(service, traceId, [span], BigInt(Date.now()) * 1_000_000n),
    );
    expect(answer).toEqual({ status: '0', message: '' });

    const trace = await readTrace(traceId, 1).catch((e) => {
      throw new Error(`${e.message}\n${logs()}`);
    });
    expect(trace.spans[0]).toMatchObject({
      traceID: traceId,
      spanID: span.spanId,
      operationName: span.name,
      references: [],
    });
    expect(trace.processes[trace.spans[0].processID].serviceName).toBe(service);
  });

  test('serves the generated sampling strategies through remote sampling', async () => {
    const generatedStrategies = strategies();
    const expectOperations = (answer: any, operations: any[] | undefined): void => {
      for (const op of operations ?? []) {
        expect(answer.operationSampling.perOperationStrategies).toContainEqual({
          operation: op.operation,
          probabilisticSampling: { samplingRate: op.param },
        });
      }
    };

    // The extension registers its handler at `/` of its own port (remotesampling/extension.go,
    // BasePath ""), so the v2 path `/sampling` and the v1 path `/api/sampling` answer alike.
    const unknown = `unknown-service-${randomHex(4)}`;
    const answers = await Promise.all(
      ['/sampling', '/api/sampling'].map((p) =>
        getJson(url(JaegerPorts.sampling, `${p}?service=${unknown}`)),
      ),
    );
    for (const answer of answers) expect(answer.status).toBe(200);
    expect(answers[1].body).toEqual(answers[0].body);
    const answer = answers[0].body;
    const defaults = generatedStrategies.default_strategy;
    expect(defaults.type).toBe('probabilistic');
    expect(answer).toMatchObject({
      strategyType: 0,
      probabilisticSampling: { samplingRate: defaults.param },
    });
    expect(answer.operationSampling.defaultSamplingProbability).toBe(defaults.param);
    // The construct's health and metrics operations are never sampled.
    const unsampled = (defaults.operation_strategies ?? [])
      .filter((op: any) => op.param === 0)
      .map((op: any) => op.operation);
    expect(unsampled).toEqual(expect.arrayContaining(['GET /health', 'GET /metrics']));
    expectOperations(answer, defaults.operation_strategies);

    for (const strategy of generatedStrategies.service_strategies ?? []) {
      const { status, body } = await getJson(
        url(JaegerPorts.sampling, `/sampling?service=${encodeURIComponent(strategy.service)}`),
      );
      expect(status).toBe(200);
      expect(body.probabilisticSampling).toEqual({ samplingRate: strategy.param });
      expectOperations(body, strategy.operation_strategies);
    }

    const missing = await getJson(url(JaegerPorts.sampling, '/sampling'));
    expect(missing.status).toBe(400);
  });

  test('serves its metrics in the Prometheus format, every otelcol_ metric the generated rules and dashboards use included', async () => {
    const scrape = async (): Promise<string> => {
      const res = await fetch(url(JaegerPorts.metrics, '/metrics'), {
        signal: AbortSignal.timeout(5000),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      return res.text();
    };
    /** `otelcol_receiver_accepted_spans_total{receiver="otlp",transport="http",...}`, 0 before the first span. */
    const acceptedOverHttp = (text: string): number => {
      const series = [
        ...text.matchAll(/^otelcol_receiver_accepted_spans_total\{([^}]*)\} (\S+)$/gm),
      ].find((m) => m[1].includes('receiver="otlp"') && m[1].includes('transport="http"'));
      return series ? Number(series[2]) : 0;
    };
    const before = acceptedOverHttp(await scrape());
    const traceId = randomHex(16);
    const res = await fetch(url(JaegerPorts.otlpHttp, '/v1/traces'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(
        otlpJson(
          'metrics-probe',
          traceId,
          [{ spanId: randomHex(8), name: 'probe' }],
          BigInt(Date.now()) * 1_000_000n,
        ),
      ),
      signal: AbortSignal.timeout(5000),
    });
    expect(res.status).toBe(200);
    await readTrace(traceId, 1);
    const text = await waitUntil(
      'the accepted span in otelcol_receiver_accepted_spans_total',
      async () => {
        const scraped = await scrape();
        return acceptedOverHttp(scraped) >= before + 1 ? scraped : undefined;
      },
      { timeoutMs: 5000, intervalMs: 100 },
    );
    expect(text).toMatch(
      /^otelcol_exporter_sent_spans_total\{[^}]*exporter="jaeger_storage_exporter"[^}]*\} \S+$/m,
    );

    const exposed = new Set([...text.matchAll(/^(\w+)(?:\{|\s)/gm)].map((m) => m[1]));
    // The collector metrics named anywhere in the generated ConfigMaps: alert rules and dashboards.
    const used = new Set<string>();
    for (const env of ENVIRONMENTS) {
      for (const object of synthEnvironment(env).objects) {
        if (object.kind !== 'ConfigMap') continue;
        for (const value of Object.values<string>(object.data ?? {})) {
          for (const m of value.matchAll(/\botelcol_\w+/g)) used.add(m[0]);
        }
      }
    }
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
  });
});

// --- staging and prod: Jaeger's own validation -----------------------------------------------

/** The environment of `jaeger validate`: a dummy user name for `${env:ES_USERNAME}` (the password is a file). */
const VALIDATE_ENV = { ...process.env, ES_USERNAME: 'jaeger-validate' };

/**
 * Writes one Deployment's config for `jaeger validate`: the exact ConfigMap text, with only the
 * absolute paths of the files it names (sampling strategies, Elasticsearch CA and password)
 * replaced, as whole strings, by temp files holding the generated strategies, a stub CA and a
 * dummy password. `jaeger validate`
 * of 2.13 decodes the config and runs every component's Validate() without starting anything,
 * so it opens neither file today; the files exist anyway so that the check does not depend on it.
 */
function writeForValidation(dir: string, files: JaegerFiles): string {
  let text = files.configText;
  const config = parse(text);
  const replace = (from: string, to: string): void => {
    if (!text.includes(from))
      throw new Error(`${files.deployment}: '${from}' is not verbatim in the config text`);
    text = text.split(from).join(to);
  };
  if (files.samplingPath && files.samplingText !== undefined) {
    const samplingFile = path.join(dir, `${files.deployment}-sampling-strategies.json`);
    fs.writeFileSync(samplingFile, files.samplingText);
    replace(files.samplingPath, samplingFile);
  }
  for (const backend of Object.values<any>(config?.extensions?.jaeger_storage?.backends ?? {})) {
    const caFile = backend?.elasticsearch?.tls?.ca_file;
    if (typeof caFile !== 'string') continue;
    const stub = path.join(dir, `${files.deployment}-ca.crt`);
    fs.writeFileSync(stub, '');
    replace(caFile, stub);
  }
  for (const backend of Object.values<any>(config?.extensions?.jaeger_storage?.backends ?? {})) {
    const passwordFile = backend?.elasticsearch?.auth?.basic?.password_file;
    if (typeof passwordFile !== 'string') continue;
    const stub = path.join(dir, `${files.deployment}-password`);
    fs.writeFileSync(stub, 'not-a-secret\n', { mode: 0o600 });
    replace(passwordFile, stub);
  }
  const file = path.join(dir, `${files.deployment}.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

describe.each(['staging', 'prod'] as const)('jaeger validate on the %s configs', (env) => {
  test("every Jaeger Deployment's config (Elasticsearch storage) passes Jaeger's own validation", () => {
    const all = jaegerFiles(env);
    expect(all.map((f) => f.deployment).sort()).toEqual(['jaeger-collector', 'jaeger-query']);
    const dir = tempDir(`jaeger-validate-${env}-`);
    const results = all.map((files) => {
      const args = ['validate', `--config=${writeForValidation(dir, files)}`];
      const result = run('jaeger', args, { env: VALIDATE_ENV });
      return {
        deployment: files.deployment,
        status: result.status,
        output: result.status === 0 ? '' : describeRun('jaeger', args, result),
      };
    });
    expect(results).toEqual(
      all.map((files) => ({ deployment: files.deployment, status: 0, output: '' })),
    );
  });
});

test('jaeger validate rejects a config with an unknown key (so the check above is not vacuous)', () => {
  const dir = tempDir('jaeger-validate-negative-');
  const doc = parseDocument(jaegerFiles('prod')[0].configText);
  doc.setIn(['receivers', 'otlp', 'protocols', 'http', 'not_a_jaeger_key'], true);
  const file = path.join(dir, 'unknown-key.yaml');
  fs.writeFileSync(file, doc.toString());
  const args = ['validate', `--config=${file}`];
  const result = run('jaeger', args, { env: VALIDATE_ENV });
  expect(result.status).not.toBe(0);
  expect(result.stderr).toMatch(/has invalid keys: not_a_jaeger_key/);
});
