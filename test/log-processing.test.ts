import * as vm from 'vm';
import { parse as parseJs } from 'acorn';
import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { ServiceEndpoint } from '../lib/core/endpoint';
import { Filebeat, FilebeatProps } from '../lib/filebeat/filebeat';
import {
  DECODED_LINE_FIELD,
  DEFAULT_SECRET_KEY_FRAGMENTS,
  LogProcessingParams,
  logProcessingParams,
  logProcessingSource,
  renderLogProcessingProcessor,
  ValueMask,
} from '../lib/filebeat/log-processing';
import { FLAT_TO_ECS_FIELDS } from '../lib/elasticsearch/log-shape';
import { DEFAULT_LOG_DOMAINS, LogClass, LogClassMatch, LogDomain } from '../lib/core/log-classes';
import { ILogstash } from '../lib/logstash/logstash-reference';

type Fields = Record<string, any>;

const isMap = (v: unknown): v is Fields => v !== null && typeof v === 'object' && !Array.isArray(v);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.values(value as object).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

// Values cross into Filebeat's Go maps by export: a copy, never the script's own object.
const exported = (value: unknown) =>
  value === undefined ? null : JSON.parse(JSON.stringify(value));

/** Beats' mapFind: the whole key if present as is, else split at the first dot. */
function find(map: Fields, key: string): { map: Fields; key: string } | undefined {
  if (Object.prototype.hasOwnProperty.call(map, key)) return { map, key };
  const dot = key.indexOf('.');
  if (dot < 0) return { map, key };
  const child = map[key.slice(0, dot)];
  return isMap(child) ? find(child, key.slice(dot + 1)) : undefined;
}

function putIn(map: Fields, key: string, value: unknown): Fields {
  const dot = key.indexOf('.');
  if (Object.prototype.hasOwnProperty.call(map, key) || dot < 0)
    return deepFreeze({ ...map, [key]: value });
  const head = key.slice(0, dot);
  const child = map[head] ?? {};
  if (!isMap(child)) throw new Error(`expected map but type is ${typeof child} at ${head}`);
  return deepFreeze({ ...map, [head]: putIn(child, key.slice(dot + 1), value) });
}

function deleteIn(map: Fields, key: string): Fields | undefined {
  if (Object.prototype.hasOwnProperty.call(map, key)) {
    const { [key]: _removed, ...rest } = map;
    return deepFreeze(rest);
  }
  const dot = key.indexOf('.');
  if (dot < 0) return undefined;
  const head = key.slice(0, dot);
  const child = map[head];
  if (!isMap(child)) return undefined;
  const updated = deleteIn(child, key.slice(dot + 1));
  return updated && deepFreeze({ ...map, [head]: updated });
}

/**
 * The Filebeat script processor's Event API (libbeat beatevent_v0) on a plain object.
 * The fields are frozen, so a script that mutated what Get returned instead of calling
 * Put would silently lose its change and fail the test.
 */
class ShimEvent {
  public fields: Fields;
  public cancelled = false;
  constructor(
    fields: Fields,
    private readonly failOnPut?: string,
  ) {
    this.fields = deepFreeze(exported(fields));
  }
  Get(key?: string): unknown {
    if (key === undefined) return this.fields;
    const found = find(this.fields, key);
    return found && Object.prototype.hasOwnProperty.call(found.map, found.key)
      ? found.map[found.key]
      : null;
  }
  Put(key: string, value: unknown): unknown {
    if (key === this.failOnPut) throw new Error(`refusing ${key}`);
    const old = this.Get(key);
    this.fields = putIn(this.fields, key, exported(value));
    return old;
  }
  Delete(key: string): boolean {
    const updated = deleteIn(this.fields, key);
    if (updated) this.fields = updated;
    return updated !== undefined;
  }
  Rename(from: string, to: string): boolean {
    if (this.Get(to) !== null || this.Get(from) === null) return false;
    const value = this.Get(from);
    this.Delete(from);
    this.Put(to, value);
    return true;
  }
  Tag(tag: string): void {
    const tags = (this.Get('tags') as string[] | null) ?? [];
    if (!tags.includes(tag)) this.Put('tags', [...tags, tag]);
  }
  AppendTo(key: string, value: string): void {
    const current = this.Get(key);
    if (current === null) this.Put(key, value);
    else if (typeof current === 'string') {
      if (current !== value) this.Put(key, [current, value]);
    } else if (Array.isArray(current)) {
      if (!current.includes(value)) this.Put(key, [...current, value]);
    } else throw new Error(`unexpected type for ${key}`);
  }
  Cancel(): void {
    this.cancelled = true;
  }
}

// Built-ins newer than ES5.1 are removed from the sandbox: goja may lack them.
const ES2015_BUILTINS = `
  delete String.prototype.includes; delete String.prototype.startsWith; delete String.prototype.endsWith;
  delete String.prototype.repeat; delete String.prototype.padStart; delete String.prototype.padEnd;
  delete String.prototype.trimStart; delete String.prototype.trimEnd; delete String.prototype.replaceAll;
  delete Array.prototype.includes; delete Array.prototype.find; delete Array.prototype.findIndex;
  delete Array.prototype.fill; delete Array.prototype.flat; delete Array.prototype.flatMap;
  delete Array.from; delete Array.of; delete Object.assign; delete Object.entries; delete Object.values;
  delete Number.isInteger; delete Number.isFinite;
  delete this.Map; delete this.Set; delete this.WeakMap; delete this.Promise; delete this.Proxy;
  delete this.Reflect; delete this.Symbol;
`;

interface Script {
  process(event: ShimEvent): void;
  register(params: LogProcessingParams): void;
  test(): void;
}

const SOURCE = logProcessingSource();

/** A fresh sandbox per call, like one Filebeat session, registered with `params`. */
function load(params: LogProcessingParams = logProcessingParams()): Script {
  const context = vm.createContext({ Event: ShimEvent });
  vm.runInContext(ES2015_BUILTINS, context);
  vm.runInContext(SOURCE, context, { filename: 'log-processing-script.js' });
  const script = context as unknown as Script;
  script.register(params);
  return script;
}

const defaultScript = load();

function run(input: Fields, script: Script = defaultScript): Fields {
  const event = new ShimEvent(input);
  script.process(event);
  return event.fields;
}

/** The input plus the three classification labels: everything else untouched. */
function withLabels(
  input: Fields,
  index_class: string,
  event_domain: string,
  severity_class: string,
): Fields {
  return {
    ...input,
    labels: { ...(input.labels ?? {}), severity_class, event_domain, index_class },
  };
}

const REDACTED = '***REDACTED***';

describe('log processing script: secrets in fields', () => {
  test('masks nested secrets of an ECS event, short ones fully, long ones around the middle', () => {
    const out = run({
      message: 'user login',
      log: { level: 'info', logger: 'app.auth' },
      service: { name: 'auth-service' },
      user: {
        name: 'bob',
        password: 'hunter2',
        credentials: { api_key: 'sk-live-1234567890abcdef' },
      },
    });
    expect(out.user).toEqual({
      name: 'bob',
      password: REDACTED,
      credentials: { api_key: 'sk-l...cdef' },
    });
    expect(out.message).toBe('user login');
  });

  test('masks secrets of the flat shape, renames it to ECS and leaves its timestamp and ids alone', () => {
    const input = {
      timestamp: '2024-01-15T10:30:45.123Z',
      level: 'INFO',
      service: 'payments',
      message: 'ok',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      client_secret: 'abc',
    };
    expect(run(input)).toEqual(
      withLabels(
        {
          timestamp: '2024-01-15T10:30:45.123Z',
          log: { level: 'INFO' },
          service: { name: 'payments' },
          message: 'ok',
          trace: { id: '4bf92f3577b34da6a3ce929d0e0e4736' },
          span: { id: '00f067aa0ba902b7' },
          client_secret: REDACTED,
        },
        'all',
        'other',
        'info',
      ),
    );
  });

  test('masks secrets inside arrays of objects', () => {
    const out = run({
      integrations: [
        { name: 'slack', token: 'xoxb-123456789012-abcdef' },
        { name: 'github', token: 'ghp_short' },
      ],
    });
    expect(out.integrations).toEqual([
      { name: 'slack', token: 'xoxb...cdef' },
      { name: 'github', token: REDACTED },
    ]);
  });

  test('10 characters are redacted whole, 11 keep 4 and 4', () => {
    const out = run({
      db_password: 'abcdefghij',
      refresh_token: 'abcdefghijk',
      secrets: ['0123456789', '0123456789ABCDEF'],
    });
    expect(out.db_password).toBe(REDACTED);
    expect(out.refresh_token).toBe('abcd...hijk');
    expect(out.secrets).toEqual([REDACTED, '0123...CDEF']);
  });

  test('masks Authorization and X-Api-Key headers, whatever their case', () => {
    const out = run({
      http: {
        request: {
          method: 'GET',
          headers: {
            Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig',
            'X-Api-Key': 'k-123',
            Accept: 'application/json',
          },
        },
      },
    });
    expect(out.http.request.headers).toEqual({
      Authorization: 'Bear....sig',
      'X-Api-Key': REDACTED,
      Accept: 'application/json',
    });
    expect(out.http.request.method).toBe('GET');
  });

  test('masks an upper-case API_KEY and every leaf of an object under a secret key', () => {
    const out = run({
      API_KEY: 'AKIAIOSFODNN7EXAMPLE',
      secret: { user: 'svc', pass: 'longer-than-ten' },
    });
    expect(out.API_KEY).toBe('AKIA...MPLE');
    expect(out.secret).toEqual({ user: REDACTED, pass: 'long...-ten' });
  });

  test('token counts survive, as numbers or digit strings, even under a secret-looking key', () => {
    const input = {
      message: 'completion done',
      service: { name: 'ai-gateway' },
      model: 'gpt-4o',
      usage: { prompt_tokens: 1200, completion_tokens: 350, total_tokens: 1550 },
      max_tokens: 4096,
      tokens: 12,
      labels: { prompt_tokens: '150' },
      token_usage: { prompt_tokens: 10, completion_tokens: 5 },
    };
    expect(run(input)).toEqual(withLabels(input, 'ai', 'ai', 'info'));
  });

  test('a number under a secret key that is not a count is masked; booleans and null stay', () => {
    const out = run({ access_token: 12345, password_reset_required: true, secret: null });
    expect(out.access_token).toBe(REDACTED);
    expect(out.password_reset_required).toBe(true);
    expect(out.secret).toBeNull();
  });

  test('a literal dotted key is masked in place', () => {
    const out = run({ 'user.password': 'hunter2', user: { name: 'bob' } });
    expect(out['user.password']).toBe(REDACTED);
    expect(out.user).toEqual({ name: 'bob' });
  });
});

describe('log processing script: secrets and addresses in text', () => {
  test('masks secrets in a message that is still raw JSON, keeping counts', () => {
    const out = run({
      message:
        '{"user":"bob","password":"hunter2","api_key":"sk-1234567890abcdef","prompt_tokens":150}',
    });
    expect(out.message).toBe(
      '{"user":"bob","password":"***REDACTED***","api_key":"sk-1...cdef","prompt_tokens":150}',
    );
  });

  test('masks key=value pairs of logfmt and query strings', () => {
    const out = run({
      message:
        'GET /callback?code=abc&access_token=ya29.a0AfH6SMBx123456&state=xyz password=hunter2 total_tokens=42',
    });
    expect(out.message).toBe(
      'GET /callback?code=abc&access_token=ya29...3456&state=xyz password=***REDACTED*** total_tokens=42',
    );
  });

  test('masks Authorization headers written as text and Python dicts', () => {
    const out = run({
      message: 'upstream call with Authorization: Bearer eyJhbGciOiJIUzI1NiJ9 rejected',
      error: { message: "headers={'Authorization': 'Basic dXNlcjpwYXNz', 'Accept': '*/*'}" },
    });
    expect(out.message).toBe('upstream call with Authorization: Bear...NiJ9 rejected');
    expect(out.error.message).toBe("headers={'Authorization': 'Basi...YXNz', 'Accept': '*/*'}");
  });

  test('leaves prose that merely mentions a token alone', () => {
    const input = {
      message: 'invalid token: expired, please log in again',
      log: { level: 'warning' },
    };
    expect(run(input)).toEqual(withLabels(input, 'all', 'other', 'warning'));
  });

  test('truncates IPv4 addresses to their first octet, keeping ports and punctuation', () => {
    const out = run({
      message: 'Request from 203.0.113.7 via 10.0.0.12:8080 failed.',
      client: { ip: '198.51.100.23' },
    });
    expect(out.message).toBe('Request from 203.0.0.0 via 10.0.0.0:8080 failed.');
    expect(out.client.ip).toBe('198.0.0.0');
  });

  test('truncates IPv6 addresses, compressed, full, bracketed, zoned and IPv4-mapped', () => {
    const out = run({
      message:
        'peers 2001:db8:85a3::8a2e:370:7334 fe80::1%eth0 ::1 ::ffff:192.168.1.10 [2001:db8::1]:443 2001:0db8:0000:0000:0000:ff00:0042:8329 ip:2001:db8::2',
    });
    expect(out.message).toBe(
      'peers 2001:: fe80::%eth0 :: ::ffff:192.0.0.0 [2001::]:443 2001:: ip:2001::',
    );
  });

  test('leaves version strings, timestamps, times, MAC addresses, decimals and C++ names alone', () => {
    const input = {
      message:
        'upgraded to 1.2.3 (python 3.11.4, image redis:7.2.4, built 2024-01-15T10:30:45.123Z) at 10:30:45, mac 00:1a:2b:3c:4d:5e, ratio 0.75, std::vector',
      service: { name: 'deployer', version: '2.14.0' },
    };
    expect(run(input)).toEqual(withLabels(input, 'all', 'other', 'info'));
  });

  test('leaves Kubernetes, host, agent, container and log file metadata and trace ids alone', () => {
    const input = {
      '@timestamp': '2024-01-15T10:30:45.123Z',
      message: 'healthy',
      log: {
        level: 'info',
        file: { path: '/var/log/containers/api-7d9_default_api-1.log' },
        offset: 4096,
      },
      kubernetes: {
        pod: { name: 'api-7d9', ip: '10.244.1.5' },
        node: { name: 'node-1', hostname: '10.0.0.5' },
        labels: { token_rotation: 'enabled-for-this-pod' },
      },
      host: { name: 'node-1', ip: ['10.0.0.5', 'fe80::1'] },
      agent: { type: 'filebeat', version: '9.4.1', id: 'f2b8d3a1-0000-4000-8000-000000000001' },
      container: { id: 'containerd://abcdef', image: { name: 'registry:5000/api:1.2.3.4' } },
      trace: { id: '4bf92f3577b34da6a3ce929d0e0e4736' },
      span: { id: '00f067aa0ba902b7' },
      input: { type: 'filestream' },
      ecs: { version: '8.11.0' },
      stream: 'stdout',
    };
    expect(run(input)).toEqual(withLabels(input, 'all', 'other', 'info'));
  });

  test('an API access log with nothing to mask only gains its labels', () => {
    const input = {
      message: 'GET /api/v1/orders/status 200',
      log: { level: 'INFO', logger: 'uvicorn.access' },
      service: { name: 'orders-api', version: '1.4.2', environment: 'prod' },
      http: { request: { method: 'GET' }, response: { status_code: 200 } },
      url: { path: '/api/v1/orders/status' },
      labels: { team: 'core' },
    };
    expect(run(input)).toEqual(withLabels(input, 'all', 'api', 'info'));
  });

  test('masking is idempotent', () => {
    const input = {
      message:
        'from 203.0.113.7 password=hunter2 token=abcdefghijklmnop Authorization: Bearer abcdefghijklmnop',
      api_key: 'sk-1234567890abcdef',
      secret: 'x',
    };
    const once = run(input);
    expect(run(once)).toEqual(once);
  });
});

describe('log processing script: classification', () => {
  const classOf = (input: Fields) => run(input).labels;

  test('ERROR, CRITICAL and FATAL levels of both shapes are errors', () => {
    expect(classOf({ log: { level: 'ERROR' }, service: { name: 'orders-api' } })).toEqual({
      severity_class: 'error',
      event_domain: 'trading',
      index_class: 'errors',
    });
    expect(classOf({ level: 'CRITICAL', service: 'billing' })).toMatchObject({
      severity_class: 'error',
      index_class: 'errors',
    });
    expect(classOf({ level: 'fatal' })).toMatchObject({
      severity_class: 'error',
      index_class: 'errors',
    });
  });

  test("an error.type makes an error; Filebeat's own JSON decoding error does not", () => {
    expect(
      classOf({ log: { level: 'info' }, error: { type: 'ValueError', message: 'bad' } }),
    ).toMatchObject({ severity_class: 'error', index_class: 'errors' });
    expect(
      classOf({ message: '{"broken', error: { type: 'json', message: 'Error decoding JSON' } }),
    ).toMatchObject({ severity_class: 'info', index_class: 'all' });
  });

  test('warnings are classified, and stay in the all index', () => {
    expect(classOf({ level: 'WARN', logger: 'app.main' })).toEqual({
      severity_class: 'warning',
      event_domain: 'other',
      index_class: 'all',
    });
  });

  test('trading activity goes to the trades index, by service name or by trade fields', () => {
    expect(classOf({ level: 'INFO', service: 'trading-engine', message: 'order filled' })).toEqual({
      severity_class: 'info',
      event_domain: 'trading',
      index_class: 'trades',
    });
    expect(
      classOf({
        log: { level: 'info' },
        service: { name: 'gateway' },
        labels: { order_id: 'o-1' },
      }),
    ).toMatchObject({ event_domain: 'trading', index_class: 'trades' });
  });

  test('AI requests go to the ai index, by token counts or by logger name', () => {
    expect(
      classOf({ log: { level: 'info', logger: 'app.llm.client' }, service: { name: 'assistant' } }),
    ).toEqual({ severity_class: 'info', event_domain: 'ai', index_class: 'ai' });
    expect(classOf({ service: { name: 'email-service' }, prompt_tokens: 10 })).toMatchObject({
      event_domain: 'ai',
      index_class: 'ai',
    });
    expect(classOf({ service: { name: 'email-service' } })).toMatchObject({
      event_domain: 'other',
    });
  });

  test('database and cache events are classified by logger and stay in the all index', () => {
    expect(
      classOf({
        log: { level: 'info', logger: 'sqlalchemy.engine.Engine' },
        service: { name: 'trading-engine' },
      }),
    ).toEqual({ severity_class: 'info', event_domain: 'database', index_class: 'all' });
    expect(classOf({ logger: 'redis.client', service: 'quotes' })).toMatchObject({
      event_domain: 'cache',
      index_class: 'all',
    });
  });

  test('overwrites an index class the application set itself', () => {
    expect(classOf({ level: 'info', labels: { index_class: 'trades' } })).toMatchObject({
      index_class: 'all',
    });
  });

  test('a scalar labels field is left alone and the event still ships', () => {
    const input = { message: 'odd', labels: 'not-an-object' };
    expect(run(input)).toEqual(input);
  });
});

describe('log processing script: classes and domains as data', () => {
  const PAYMENTS: LogDomain = {
    name: 'payments',
    keys: ['payment_id', 'refund_id'],
    words: ['payments', 'billing', 'stripe'],
  };
  const CLASSES: LogClass[] = [
    {
      name: 'audit',
      match: LogClassMatch.fieldEquals('event.category', ['authentication']),
      retention: '400d',
    },
    { name: 'errors', match: LogClassMatch.severity('error'), retention: '90d' },
    { name: 'payments', match: LogClassMatch.domain('payments'), retention: '2555d' },
    { name: 'rest', match: LogClassMatch.everything(), retention: '14d' },
  ];
  const script = load(
    logProcessingParams({ domains: [...DEFAULT_LOG_DOMAINS, PAYMENTS] }, CLASSES),
  );
  const classOf = (input: Fields) => run(input, script).labels;

  test('the default params are the default tables: every class in order with its field and values, the catch-all last', () => {
    expect(logProcessingParams().classes).toEqual(DEFAULT_CLASS_PARAMS);
    expect(logProcessingParams().domains.map((d) => d.name)).toEqual([
      'ai',
      'trading',
      'database',
      'cache',
      'api',
    ]);
  });

  test('a field match takes the event when the field holds the value, also as an item of a list', () => {
    expect(
      classOf({ message: 'signed in', event: { category: ['authentication', 'session'] } }),
    ).toMatchObject({ index_class: 'audit' });
    expect(classOf({ message: 'signed in', event: { category: 'authentication' } })).toMatchObject({
      index_class: 'audit',
    });
    expect(classOf({ message: 'viewed', event: { category: ['web'] } })).toMatchObject({
      index_class: 'rest',
    });
  });

  test('the first class that takes an event wins: an authentication error is audit, a payments error is an error', () => {
    expect(classOf({ level: 'ERROR', event: { category: ['authentication'] } })).toEqual({
      severity_class: 'error',
      event_domain: 'other',
      index_class: 'audit',
    });
    expect(classOf({ level: 'ERROR', service: 'billing' })).toEqual({
      severity_class: 'error',
      event_domain: 'payments',
      index_class: 'errors',
    });
  });

  test('an added domain is detected by its key names and its words, after the domains before it', () => {
    expect(
      classOf({ level: 'info', service: 'checkout', labels: { payment_id: 'p-1' } }),
    ).toMatchObject({ severity_class: 'info', event_domain: 'payments', index_class: 'payments' });
    expect(classOf({ logger: 'stripe.client', service: 'checkout' })).toMatchObject({
      event_domain: 'payments',
      index_class: 'payments',
    });
    // trading comes first in the list: an order with a payment id is trading, which this table keeps in rest.
    expect(classOf({ order_id: 'o-1', payment_id: 'p-1' })).toMatchObject({
      event_domain: 'trading',
      index_class: 'rest',
    });
  });

  test('a domain left out of the list is never detected', () => {
    const noAi = load(
      logProcessingParams({ domains: DEFAULT_LOG_DOMAINS.filter((d) => d.name !== 'ai') }),
    );
    expect(run({ logger: 'app.llm.client', prompt_tokens: 3 }, noAi).labels).toMatchObject({
      event_domain: 'other',
      index_class: 'all',
    });
  });

  test('without classes the script writes no class, and removes one the application set', () => {
    const none = load({ ...logProcessingParams(), classes: [] });
    expect(run({ level: 'ERROR', labels: { index_class: 'errors' } }, none).labels).toEqual({
      severity_class: 'error',
      event_domain: 'other',
    });
  });
});

describe('log processing script: flat shape to ECS', () => {
  test('the renames come from the one table the Logstash pipeline uses too', () => {
    expect(logProcessingParams().ecs_renames).toEqual(
      FLAT_TO_ECS_FIELDS.map(({ from, to }) => ({ from, to: to.join('.') })),
    );
    expect(logProcessingParams().ecs_renames.map((r) => `${r.from}->${r.to}`)).toEqual([
      'level->log.level',
      'service->service.name',
      'trace_id->trace.id',
      'span_id->span.id',
    ]);
  });

  test('a flat event next to what Filebeat adds under log ends with the same names as an ECS one', () => {
    const flat = run({
      level: 'ERROR',
      service: 'checkout',
      trace_id: 'abc123',
      message: 'boom',
      log: { offset: 42, file: { path: '/var/log/containers/x.log' } },
    });
    const ecs = run({
      log: { level: 'ERROR', offset: 42, file: { path: '/var/log/containers/x.log' } },
      service: { name: 'checkout' },
      trace: { id: 'abc123' },
      message: 'boom',
    });
    expect(flat).toEqual(ecs);
    expect(flat.labels.index_class).toBe('errors');
  });

  test('an ECS field already set wins; the flat one stays where it was', () => {
    const input = {
      level: 'debug',
      log: { level: 'info' },
      trace_id: 'flat',
      trace: { id: 'ecs' },
    };
    expect(run(input)).toEqual(withLabels(input, 'all', 'other', 'info'));
  });

  test('an object or array at the flat name is not the flat shape and is left alone', () => {
    const input = { service: { version: '1.2.0', environment: 'prod' }, level: ['info'] };
    expect(run(input)).toEqual(withLabels(input, 'all', 'other', 'info'));
  });

  test('a numeric level moves too; a scalar where the ECS object belongs blocks the move without failing', () => {
    expect(run({ level: 30 }).log).toEqual({ level: 30 });
    const out = run({ trace: 'not-an-object', trace_id: 'abc' });
    expect(out).toEqual(
      withLabels({ trace: 'not-an-object', trace_id: 'abc' }, 'all', 'other', 'info'),
    );
    expect(out.tags).toBeUndefined();
  });

  test('with masking and classification off, the script still renames and touches nothing else', () => {
    const input = {
      level: 'error',
      service: 'api',
      password: 'hunter2',
      message: 'from 203.0.113.7',
    };
    expect(run(input, load(logProcessingParams({ enabled: false })))).toEqual({
      log: { level: 'error' },
      service: { name: 'api' },
      password: 'hunter2',
      message: 'from 203.0.113.7',
    });
  });
});

describe('log processing script: params and failure', () => {
  test('custom fragments replace the defaults', () => {
    const out = run(
      { passwd: 'hunter2', password: 'visible', message: 'passwd=hunter2' },
      load(logProcessingParams({ secretKeyFragments: ['passwd'] })),
    );
    expect(out).toMatchObject({
      passwd: REDACTED,
      password: 'visible',
      message: 'passwd=***REDACTED***',
    });
  });

  test('IP masking and classification can be turned off', () => {
    const input = { message: 'from 203.0.113.7', password: 'hunter2' };
    const out = run(input, load(logProcessingParams({ maskIpAddresses: false, classify: false })));
    expect(out).toEqual({ message: 'from 203.0.113.7', password: REDACTED });
  });

  test('an event that fails processing is withheld, not shipped half-masked', () => {
    const event = new ShimEvent(
      {
        message: 'from 203.0.113.7',
        password: 'hunter2',
        user: { token: 'abcdefghijklmnop' },
        kubernetes: { pod: { name: 'api-1' } },
        trace: { id: 'abc' },
      },
      'user',
    );
    defaultScript.process(event);
    expect(event.fields).toEqual({
      message: '[withheld: log masking failed on this event]',
      kubernetes: { pod: { name: 'api-1' } },
      trace: { id: 'abc' },
      tags: ['log_processing_failed'],
    });
  });

  test('the load-time self test of the script passes', () => {
    expect(() => defaultScript.test()).not.toThrow();
  });
});

// The kubelet's name for a container's log file: <pod>_<namespace>_<container>-<container id>.log
const CONTAINER_LOG = `/var/log/containers/checkout-7d9f8_shop_checkout-${'0123456789abcdef'.repeat(4)}.log`;
const FILEBEAT_LOG = { file: { path: CONTAINER_LOG }, offset: 10 };

/**
 * An event as Filebeat hands it to the script: the raw line in `message`, its JSON decoded
 * by decode_json_fields into `decoded_line` (absent when the line is not JSON), and where
 * it was read. `decoded` is written as decode_json_fields leaves it, dotted keys expanded.
 */
function fromLine(decoded: Fields | undefined, raw: string = JSON.stringify(decoded)): Fields {
  return {
    message: raw,
    ...(decoded === undefined ? {} : { [DECODED_LINE_FIELD]: decoded }),
    log: FILEBEAT_LOG,
  };
}

const everywhere = (out: Fields) => JSON.stringify(out);

describe('log processing script: lines as decode_json_fields leaves them', () => {
  test('given secrets in arrays and objects of a line without a message, then the message is the masked line and no secret is left', () => {
    const secrets = [
      'p1-long-secret-value',
      'p2-other-secret-value',
      'primary-api-key-value',
      'item-token-value-123',
    ];
    const out = run(
      fromLine({
        user: 'bob',
        password: [secrets[0], secrets[1]],
        credentials: { api_key: secrets[2] },
        items: [{ sku: 'a-1', token: secrets[3] }],
      }),
    );
    expect(JSON.parse(out.message)).toEqual({
      user: 'bob',
      password: ['p1-l...alue', 'p2-o...alue'],
      credentials: { api_key: 'prim...alue' },
      items: [{ sku: 'a-1', token: 'item...-123' }],
    });
    for (const secret of secrets) expect(everywhere(out)).not.toContain(secret);
  });

  test('given a reshaped line with secrets, then event.original is the masked line as written', () => {
    const out = run(
      fromLine({
        message: 'login failed',
        error: 'rejected password=kv-secret-99',
        session: { token: 'session-token-value-1' },
      }),
    );
    expect(out.tags).toEqual(['fields_moved']);
    expect(JSON.parse(out.event.original)).toEqual({
      message: 'login failed',
      error: 'rejected password=kv-s...t-99',
      session: { token: 'sess...ue-1' },
    });
    expect(everywhere(out)).not.toContain('kv-secret-99');
    expect(everywhere(out)).not.toContain('session-token-value-1');
  });

  test('given secrets in fields moved aside, including fields Filebeat owns, then moved, message and event.original are all masked', () => {
    const out = run(
      fromLine({
        error: 'token=abcdefghijklmnop',
        _password: 'underscore-secret-1',
        kubernetes: { token: 'k8s-token-value-123' },
        host: { password: 'hunter2' },
        log: { file: { path: '/tmp/x?api_key=path-api-key-777' } },
      }),
    );
    expect(out.moved).toEqual({
      error: 'token=abcd...mnop',
      _password: 'unde...et-1',
      kubernetes: { token: 'k8s-...-123' },
      host: { password: REDACTED },
      'log.file': { path: '/tmp/x?api_key=path...-777' },
    });
    expect(out.log).toEqual(FILEBEAT_LOG);
    expect(out.message).toBe(out.event.original);
    for (const secret of [
      'abcdefghijklmnop',
      'underscore-secret-1',
      'k8s-token-value-123',
      'hunter2',
      'path-api-key-777',
    ]) {
      expect(everywhere(out)).not.toContain(secret);
    }
  });

  test('given a secret under ecs in the line, then it is masked and ecs.version is left as written', () => {
    const out = run(
      fromLine({ message: 'up', ecs: { version: '8.11.0', password: 'ecs-secret-value-77' } }),
    );
    expect(out.ecs).toEqual({ version: '8.11.0', password: 'ecs-...e-77' });
    expect(everywhere(out)).not.toContain('ecs-secret-value-77');
  });

  test('given {"log":"text"}, then log.file.path and log.offset are kept and the text moves to moved.log', () => {
    const out = run(fromLine({ log: 'text' }));
    expect(out.log).toEqual(FILEBEAT_LOG);
    expect(out.moved).toEqual({ log: 'text' });
    expect(out.tags).toEqual(['fields_moved']);
    expect(out.event.original).toBe('{"log":"text"}');
  });

  test('given a flat level, then it joins the log object Filebeat wrote and classifies the event', () => {
    const out = run(fromLine({ level: 'error', message: 'charge failed' }));
    expect(out.log).toEqual({ ...FILEBEAT_LOG, level: 'error' });
    expect(out.labels).toMatchObject({ severity_class: 'error', index_class: 'errors' });
    expect(out.tags).toBeUndefined();
  });

  test('given error, url, labels and trace as strings, then they are moved aside and classification still writes labels', () => {
    const out = run(
      fromLine({
        level: 'warn',
        message: 'legacy',
        error: 'boom',
        url: 'https://shop.example/cart',
        labels: 'blue',
        trace: 'sampled',
      }),
    );
    expect(out.moved).toEqual({
      error: 'boom',
      url: 'https://shop.example/cart',
      labels: 'blue',
      trace: 'sampled',
    });
    expect(out.error).toBeUndefined();
    expect(out.url).toBeUndefined();
    expect(out.trace).toBeUndefined();
    expect(out.labels).toEqual({
      severity_class: 'warning',
      event_domain: 'api',
      index_class: 'all',
    });
    expect(out.tags).toEqual(['fields_moved']);
  });

  test('given message as an object, then it is moved aside and the message is the masked line', () => {
    const out = run(
      fromLine({
        log: { level: 'info' },
        message: { text: 'stock low', secret: 'object-message-secret-42' },
      }),
    );
    expect(out.moved).toEqual({ message: { text: 'stock low', secret: 'obje...t-42' } });
    expect(JSON.parse(out.message)).toEqual({
      log: { level: 'info' },
      message: { text: 'stock low', secret: 'obje...t-42' },
    });
    expect(out.event.original).toBe(out.message);
    expect(out.log).toEqual({ ...FILEBEAT_LOG, level: 'info' });
  });

  test('given msg and no message, then msg becomes the message', () => {
    const out = run(fromLine({ level: 'info', msg: 'login ok', service: 'gateway' }));
    expect(out.message).toBe('login ok');
    expect(out.msg).toBeUndefined();
    expect(out.service).toEqual({ name: 'gateway' });
    expect(out.tags).toBeUndefined();
  });

  test('given _id at top level, then it is moved aside; an _id deeper down stays', () => {
    const out = run(fromLine({ message: 'hi', _id: 'doc-1', order: { _id: 'o-1' } }));
    expect(out._id).toBeUndefined();
    expect(out.moved).toEqual({ _id: 'doc-1' });
    expect(out.order).toEqual({ _id: 'o-1' });
    expect(out.tags).toEqual(['fields_moved']);
  });

  test('given blank keys, then they become blank_key and the original keeps them as written', () => {
    const out = run(fromLine({ message: 'hi', '  ': 'blank', user: { '': 'anon' } }));
    expect(out.blank_key).toBe('blank');
    expect(out.user).toEqual({ blank_key: 'anon' });
    expect(out.tags).toEqual(['fields_moved']);
    expect(out.event.original).toBe('{"message":"hi","  ":"blank","user":{"":"anon"}}');
  });

  test('given arrays that mix kinds, then every value at that path becomes a string', () => {
    const out = run(
      fromLine({
        message: 'mixed',
        tags_list: [1, 'a', true],
        items: [{ qty: 1 }, { qty: 'two' }],
      }),
    );
    expect(out.tags_list).toEqual(['1', 'a', 'true']);
    expect(out.items).toEqual([{ qty: '1' }, { qty: 'two' }]);
    expect(out.tags).toEqual(['fields_moved']);
    expect(JSON.parse(out.event.original).tags_list).toEqual([1, 'a', true]);
  });

  test('given arrays of one kind, then numbers stay numbers and nothing is reshaped', () => {
    const line = { message: 'same', counts: [1, 2, 3], items: [{ qty: 1 }, { qty: 2 }] };
    const out = run(fromLine(line));
    expect(out.counts).toEqual([1, 2, 3]);
    expect(out.items).toEqual([{ qty: 1 }, { qty: 2 }]);
    expect(out.tags).toBeUndefined();
    expect(out.event).toBeUndefined();
  });

  test('given card numbers in text and as a JSON number, then every digit but the last four is masked', () => {
    const out = run(
      fromLine({
        message: 'charged 4111 1111 1111 1111, refunded 5500-0000-0000-0004',
        card: 4111111111111111,
      }),
    );
    expect(out.message).toBe('charged **** **** **** 1111, refunded ****-****-****-0004');
    expect(out.card).toBe('************1111');
    expect(everywhere(out)).not.toMatch(/4111 ?1111 ?1111/);
  });

  test('given a 16-digit order id that fails the Luhn check and a 12-digit number, then both are kept', () => {
    const luhnValid = (digits: string) =>
      [...digits].reverse().reduce((sum, c, i) => {
        const d = Number(c) * (i % 2 === 1 ? 2 : 1);
        return sum + (d > 9 ? d - 9 : d);
      }, 0) %
        10 ===
      0;
    expect(luhnValid('1234567890123456')).toBe(false);
    expect(luhnValid('4111111111111111')).toBe(true);
    const out = run(
      fromLine({
        message: 'order 1234567890123456 ref 123456789012',
        order_id: 1234567890123456,
        ref: 123456789012,
      }),
    );
    expect(out.message).toBe('order 1234567890123456 ref 123456789012');
    expect(out.order_id).toBe(1234567890123456);
    expect(out.ref).toBe(123456789012);
  });

  test('by default, e-mail addresses are kept', () => {
    const out = run(
      fromLine({
        message: 'refund sent to alice.smith@example.com',
        contact: 'alice.smith@example.com',
      }),
    );
    expect(out.message).toBe('refund sent to alice.smith@example.com');
    expect(out.contact).toBe('alice.smith@example.com');
  });

  test('with ValueMask.EMAIL_ADDRESSES, an e-mail address keeps its first character and its domain', () => {
    const script = load(
      logProcessingParams({ valueMasks: [ValueMask.PAYMENT_CARDS, ValueMask.EMAIL_ADDRESSES] }),
    );
    const out = run(
      fromLine({
        message: 'refund sent to alice.smith@example.com',
        contact: 'alice.smith@example.com',
      }),
      script,
    );
    expect(out.message).toBe('refund sent to a***@example.com');
    expect(out.contact).toBe('a***@example.com');
    expect(everywhere(out)).not.toContain('alice.smith');
  });

  test('with a custom ValueMask pattern, its matches become ***REDACTED*** in text and fields', () => {
    const script = load(
      logProcessingParams({ valueMasks: [ValueMask.pattern('iban', '\\bDE[0-9]{20}\\b')] }),
    );
    const out = run(
      fromLine({
        message: 'pay to DE89370400440532013000 now',
        account: { iban: 'DE89370400440532013000' },
        error: 'DE89370400440532013000',
      }),
      script,
    );
    expect(out.message).toBe(`pay to ${REDACTED} now`);
    expect(out.account).toEqual({ iban: REDACTED });
    expect(out.moved).toEqual({ error: REDACTED });
    expect(everywhere(out)).not.toContain('DE89370400440532013000');
  });

  test('masking a decoded line is idempotent: the script run on its own output changes nothing more', () => {
    const script = load(
      logProcessingParams({
        valueMasks: [
          ValueMask.PAYMENT_CARDS,
          ValueMask.EMAIL_ADDRESSES,
          ValueMask.pattern('iban', '\\bDE[0-9]{20}\\b'),
        ],
      }),
    );
    const once = run(
      fromLine({
        level: 'info',
        msg: 'paid 4111 1111 1111 1111 from 203.0.113.7 by alice@example.com to DE89370400440532013000',
        password: ['p1-long-secret-value'],
        error: 'password=kv-secret-99',
        log: 'text',
        _id: 'x',
        items: [1, 'a'],
        card: 4111111111111111,
      }),
      script,
    );
    expect(once.tags).toEqual(['fields_moved']);
    expect(run(once, script)).toEqual(once);
  });

  test('given no service name, then it is the container name from the log file name', () => {
    expect(run(fromLine({ message: 'hi' })).service).toEqual({ name: 'checkout' });
  });

  test('given a service name in the line, then the log file name does not override it', () => {
    expect(run(fromLine({ message: 'hi', service: 'payments' })).service).toEqual({
      name: 'payments',
    });
    expect(
      run(fromLine({ message: 'hi', service: { name: 'orders', version: '1.2.0' } })).service,
    ).toEqual({ name: 'orders', version: '1.2.0' });
  });

  test('given a line that is not JSON, then its masked text is the message and there is no event.original', () => {
    const jsonError = {
      type: 'json',
      message: "Error decoding JSON: invalid character 'p' looking for beginning of value",
    };
    const out = run({
      ...fromLine(
        undefined,
        'plain text password=hunter2 card 4111 1111 1111 1111 from 203.0.113.7',
      ),
      error: jsonError,
    });
    expect(out.message).toBe(
      'plain text password=***REDACTED*** card **** **** **** 1111 from 203.0.0.0',
    );
    expect(out.event).toBeUndefined();
    expect(out.tags).toBeUndefined();
    expect(out.error).toEqual(jsonError);
    expect(out.labels.severity_class).toBe('info');
  });

  test('the decoded field never ships', () => {
    expect(run(fromLine({ message: 'hi' }))[DECODED_LINE_FIELD]).toBeUndefined();
    expect(run(fromLine({ message: 'hi', log: 'text' }))[DECODED_LINE_FIELD]).toBeUndefined();
  });
});

describe('log processing script: source', () => {
  test('is ECMAScript 5.1, which goja runs', () => {
    expect(() => parseJs(SOURCE, { ecmaVersion: 5, sourceType: 'script' })).not.toThrow();
    // The check is not vacuous: each of these is ES2015+.
    for (const later of [
      'let x = 1;',
      'const x = 1;',
      'var f = (a) => a;',
      'var s = `x`;',
      'var { a } = {};',
      'class A {}',
    ]) {
      expect(() => parseJs(later, { ecmaVersion: 5, sourceType: 'script' })).toThrow();
    }
  });

  test('defines process and register, and has no ${ that Filebeat would expand as a variable', () => {
    expect(SOURCE).toMatch(/^function process\(event\)/m);
    expect(SOURCE).toMatch(/^function register\(params\)/m);
    expect(SOURCE).not.toContain('${');
  });
});

class FakeLogstash extends Construct implements ILogstash {
  public readonly beatsEndpoint = new ServiceEndpoint('logstash', 'observability', 5044, 'tcp');
  constructor(scope: Construct) {
    super(scope, 'fake-logstash');
  }
}

function filebeatYaml(props: Partial<FilebeatProps> = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const filebeat = new Filebeat(chart, 'filebeat', { logstash: new FakeLogstash(chart), ...props });
  const objects = Testing.synth(chart) as any[];
  const configMap = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === 'filebeat-config',
  );
  return { filebeat, config: parse(configMap.data['filebeat.yml']) };
}

// The params every configuration shares: the rename table, the template's shapes, the decoded field.
const { ecs_renames, object_fields, leaf_fields, decoded_field } = logProcessingParams();
const SHARED_PARAMS = { ecs_renames, object_fields, leaf_fields, decoded_field };
// The default tables as the script gets them: today's domains and classes, as data.
const DEFAULT_DOMAIN_PARAMS = DEFAULT_LOG_DOMAINS.map((d) => ({
  name: d.name,
  keys: [...d.keys],
  words: [...d.words],
}));
const DEFAULT_CLASS_PARAMS = [
  { name: 'errors', field: 'labels.severity_class', values: ['error'] },
  { name: 'trades', field: 'labels.event_domain', values: ['trading'] },
  { name: 'ai', field: 'labels.event_domain', values: ['ai'] },
  { name: 'all' },
];

describe('Filebeat log processing', () => {
  test('filebeat.yml runs the same script source, untagged, right after decode_json_fields', () => {
    const { filebeat, config } = filebeatYaml();
    const processors = config['processors'];
    expect(Object.keys(processors[1])).toEqual(['decode_json_fields']);
    expect(processors[1].decode_json_fields.target).toBe(DECODED_LINE_FIELD);
    expect(processors[2]).toEqual({
      script: {
        lang: 'javascript',
        params: {
          secret_key_fragments: [...DEFAULT_SECRET_KEY_FRAGMENTS],
          mask_ip_addresses: true,
          classify: true,
          value_masks: [{ kind: 'payment_card' }],
          ...SHARED_PARAMS,
          domains: DEFAULT_DOMAIN_PARAMS,
          classes: DEFAULT_CLASS_PARAMS,
        },
        source: SOURCE,
      },
    });
    expect(processors[2]).toEqual(renderLogProcessingProcessor());
    expect(filebeat.logProcessing).toEqual(processors[2].script.params);
  });

  test('the script merges the field decode_json_fields writes, and knows where the template has objects and values', () => {
    expect(decoded_field).toBe('decoded_line');
    expect(object_fields).toEqual(
      expect.arrayContaining(['log', 'error', 'url', 'labels', 'trace', 'http.request']),
    );
    expect(leaf_fields).toEqual(
      expect.arrayContaining([
        'message',
        'log.level',
        'error.message',
        'url.path',
        'trace.id',
        'event.original',
      ]),
    );
    expect(object_fields.filter((f) => leaf_fields.includes(f))).toEqual([]);
  });

  test('custom fragments reach the params', () => {
    const { config } = filebeatYaml({
      logProcessing: { secretKeyFragments: ['passwd', 'x-session'], classify: false },
    });
    expect(config['processors'][2].script.params).toEqual({
      secret_key_fragments: ['passwd', 'x-session'],
      mask_ip_addresses: true,
      classify: false,
      value_masks: [{ kind: 'payment_card' }],
      ...SHARED_PARAMS,
      domains: [],
      classes: [],
    });
  });

  test('value masks reach the params in order, patterns with their name and regex', () => {
    const { config } = filebeatYaml({
      logProcessing: {
        valueMasks: [ValueMask.EMAIL_ADDRESSES, ValueMask.pattern('iban', '\\bDE[0-9]{20}\\b')],
      },
    });
    expect(config['processors'][2].script.params.value_masks).toEqual([
      { kind: 'email' },
      { kind: 'pattern', name: 'iban', regex: '\\bDE[0-9]{20}\\b' },
    ]);
  });

  test('can be turned off: the script then only renames the flat shape', () => {
    const { filebeat, config } = filebeatYaml({ logProcessing: { enabled: false } });
    const params = config['processors'][2].script.params;
    expect(params).toEqual({
      secret_key_fragments: [],
      mask_ip_addresses: false,
      classify: false,
      value_masks: [],
      ...SHARED_PARAMS,
      domains: [],
      classes: [],
    });
    expect(filebeat.logProcessing).toEqual(params);
  });

  test('fails on masking options given while it is off, instead of ignoring them', () => {
    expect(() =>
      filebeatYaml({ logProcessing: { enabled: false, maskIpAddresses: true } }),
    ).toThrow(/logProcessing\.maskIpAddresses.*has no effect with 'enabled: false'/);
  });

  test("sets @timestamp from the flat shape's ISO 8601 timestamp, checked by Filebeat at load", () => {
    const processors = filebeatYaml().config['processors'];
    expect(processors[3].timestamp).toMatchObject({
      field: 'timestamp',
      ignore_missing: true,
      ignore_failure: true,
    });
    expect(processors[3].timestamp.layouts).toContain('2006-01-02T15:04:05Z07:00');
    expect(processors[3].timestamp.test.length).toBeGreaterThan(0);
  });

  test('fails on an empty or unsafe fragment list', () => {
    expect(() => filebeatYaml({ logProcessing: { secretKeyFragments: [] } })).toThrow(
      /logProcessing\.secretKeyFragments/,
    );
    expect(() => filebeatYaml({ logProcessing: { secretKeyFragments: ['pass(word'] } })).toThrow(
      /logProcessing\.secretKeyFragments/,
    );
  });
});
