import { spawn } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  renderSetupScript,
  SetupBody,
  SetupResponseCheck,
  SetupScriptOptions,
  SetupSecretRequest,
} from '../lib/core/setup-script';
import { HttpRecorder, RecordedAnswer, RecordedRequest } from './support/http-recorder';

// The setup script is run for real: /bin/sh (dash on Debian, as in the images) and curl,
// against a local HTTP server that records every request and answers as scripted. Only
// `sleep` is a stand-in (first on PATH): it records how long the script would wait, and
// returns at once, so a retry costs no wall time.

type Answer = (req: RecordedRequest) => RecordedAnswer;

let server: HttpRecorder;
let url: string;
let requests: RecordedRequest[];
let answer: Answer;
let dir: string;

beforeAll(async () => {
  server = await HttpRecorder.start((req) => {
    requests.push(req);
    return answer(req);
  });
  url = server.url;
});
afterAll(() => server.close());

beforeEach(() => {
  requests = [];
  answer = () => 200;
  dir = mkdtempSync(join(tmpdir(), 'setup-script-'));
  writeFileSync(join(dir, 'policy.json'), '{"policy":1}\n');
  writeFileSync(join(dir, 'objects.ndjson'), '{"id":"a"}\n{"id":"b"}\n');
  writeFileSync(join(dir, 'rule.create.json'), '{"create":true}\n');
  writeFileSync(join(dir, 'rule.update.json'), '{"update":true}\n');
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'sleep'), '#!/bin/sh\necho "$1" >> "$SLEEP_LOG"\n', {
    mode: 0o755,
  });
});

/** The seconds each `sleep` of the last run was asked for. */
const sleeps = () => {
  const log = join(dir, 'sleeps.log');
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
};
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function options(overrides: Partial<SetupScriptOptions> = {}): SetupScriptOptions {
  return {
    target: 'Test API',
    configDir: dir,
    headers: ['kbn-xsrf: true'],
    waitFor: { kind: 'request', description: 'waiting for status', method: 'GET', path: '/status' },
    steps: [
      {
        kind: 'request',
        description: 'PUT policy',
        method: 'PUT',
        path: '/policy/a',
        file: 'policy.json',
      },
      {
        kind: 'request',
        description: 'import',
        method: 'POST',
        path: '/import?overwrite=true',
        file: 'objects.ndjson',
        bodyAs: SetupBody.UPLOAD,
      },
      {
        kind: 'upsert',
        description: 'rule',
        path: '/rule/r1',
        createFile: 'rule.create.json',
        updateFile: 'rule.update.json',
      },
    ],
    maxAttempts: 3,
    retrySeconds: 1,
    ...overrides,
  };
}

function run(
  script: string,
  env: Record<string, string> = {},
  shellOptions: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const path = join(dir, 'setup.sh');
  writeFileSync(path, script);
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', [...shellOptions, path], {
      env: {
        PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
        SLEEP_LOG: join(dir, 'sleeps.log'),
        API_URL: url,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const lines = () => requests.map((r) => `${r.method} ${r.url}`);

test('waits for the API, then runs every step in order with the fixed headers', async () => {
  const result = await run(renderSetupScript(options()));
  expect(result.code).toBe(0);
  expect(lines()).toEqual([
    'GET /status',
    'PUT /policy/a',
    'POST /import?overwrite=true',
    'GET /rule/r1',
    'PUT /rule/r1',
  ]);
  expect(requests.every((r) => r.headers['kbn-xsrf'] === 'true')).toBe(true);
  expect(result.stdout).toContain('Test API setup complete');
});

test('sends JSON files as JSON bodies and uploads as a multipart field named file', async () => {
  await run(renderSetupScript(options()));
  const put = requests.find((r) => r.url === '/policy/a')!;
  expect(put.headers['content-type']).toBe('application/json');
  expect(put.body).toBe('{"policy":1}\n');
  const upload = requests.find((r) => r.url.startsWith('/import'))!;
  expect(upload.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
  expect(upload.body).toContain('name="file"; filename="objects.ndjson"');
  expect(upload.body).toContain('{"id":"a"}\n{"id":"b"}\n');
});

test('an upsert creates with POST when the object is missing and updates with PUT when it exists', async () => {
  answer = (r) => (r.method === 'GET' && r.url === '/rule/r1' ? 404 : 200);
  await run(renderSetupScript(options()));
  expect(lines().slice(-2)).toEqual(['GET /rule/r1', 'POST /rule/r1']);
  expect(requests[requests.length - 1].body).toBe('{"create":true}\n');

  requests = [];
  answer = () => 200;
  await run(renderSetupScript(options()));
  expect(lines().slice(-2)).toEqual(['GET /rule/r1', 'PUT /rule/r1']);
  expect(requests[requests.length - 1].body).toBe('{"update":true}\n');
});

test('retries until the API is up', async () => {
  let statusCalls = 0;
  answer = (r) => (r.url === '/status' && ++statusCalls < 3 ? 503 : 200);
  const result = await run(renderSetupScript(options()));
  expect(result.code).toBe(0);
  expect(lines().filter((l) => l === 'GET /status')).toHaveLength(3);
  expect(result.stderr).toContain('waiting for status failed (attempt 2 of 3)');
  expect(sleeps()).toEqual(['1', '1']);
});

test('gives up with a non-zero exit after maxAttempts, and runs no later step', async () => {
  answer = (r) => (r.url === '/policy/a' ? 500 : 200);
  const result = await run(renderSetupScript(options({ maxAttempts: 2 })));
  expect(result.code).toBe(1);
  expect(lines()).toEqual(['GET /status', 'PUT /policy/a', 'PUT /policy/a']);
  expect(result.stderr).toContain('giving up on PUT policy after 2 attempts');
  expect(sleeps()).toEqual(['1']);
});

test('an unexpected status on the upsert probe is a failure, not a guess', async () => {
  answer = (r) => (r.method === 'GET' && r.url === '/rule/r1' ? 403 : 200);
  const result = await run(renderSetupScript(options({ maxAttempts: 1 })));
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('GET /rule/r1 answered HTTP 403');
  expect(lines()).not.toContain('POST /rule/r1');
});

test('reads the user name and password from the mounted Secret files, trailing newline and all', async () => {
  writeFileSync(join(dir, 'username'), 'setup\n');
  writeFileSync(join(dir, 'password'), 'from-a-file\n');
  const result = await run(renderSetupScript(options()), {
    API_USERNAME_FILE: join(dir, 'username'),
    API_PASSWORD_FILE: join(dir, 'password'),
  });
  expect(result.code).toBe(0);
  const expected = `Basic ${Buffer.from('setup:from-a-file').toString('base64')}`;
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.every((r) => r.headers.authorization === expected)).toBe(true);
});

test('logs in with basic authentication when a password is set, and only then', async () => {
  await run(renderSetupScript(options()), {
    API_USERNAME: 'setup',
    API_PASSWORD: 'not-a-real-password',
  });
  const expected = `Basic ${Buffer.from('setup:not-a-real-password').toString('base64')}`;
  expect(requests.every((r) => r.headers.authorization === expected)).toBe(true);

  requests = [];
  await run(renderSetupScript(options()));
  expect(requests.every((r) => r.headers.authorization === undefined)).toBe(true);
});

test('fails at once when API_URL is missing', async () => {
  const path = join(dir, 'setup.sh');
  writeFileSync(path, renderSetupScript(options()));
  const result = await new Promise<number>((resolve) => {
    spawn('/bin/sh', [path], { env: { PATH: process.env.PATH! } }).on('close', (code) =>
      resolve(code ?? -1),
    );
  });
  expect(result).not.toBe(0);
  expect(requests).toEqual([]);
});

// What Elasticsearch answers to a PUT with a setting it does not know.
const UNKNOWN_SETTING = JSON.stringify({
  error: {
    root_cause: [
      {
        type: 'illegal_argument_exception',
        reason: 'unknown setting [index.foo] please check that any required plugins are installed',
      },
    ],
    type: 'illegal_argument_exception',
    reason: 'unknown setting [index.foo] please check that any required plugins are installed',
  },
  status: 400,
});

describe('when an answer is not a success', () => {
  test('a 400 fails the step, and stderr carries the status and the error body', async () => {
    answer = (r) => (r.url === '/policy/a' ? { status: 400, body: UNKNOWN_SETTING } : 200);
    const result = await run(renderSetupScript(options({ maxAttempts: 1 })));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PUT /policy/a answered HTTP 400:');
    expect(result.stderr).toContain('unknown setting [index.foo]');
    expect(result.stderr).toContain('giving up on PUT policy after 1 attempts');
  });

  test('every failed attempt says why, and the retries are unchanged', async () => {
    answer = (r) => (r.url === '/policy/a' ? { status: 400, body: UNKNOWN_SETTING } : 200);
    const result = await run(renderSetupScript(options({ maxAttempts: 2 })));
    expect(lines()).toEqual(['GET /status', 'PUT /policy/a', 'PUT /policy/a']);
    expect(result.stderr.split('PUT /policy/a answered HTTP 400:')).toHaveLength(3);
    expect(result.stderr).toContain('PUT policy failed (attempt 1 of 2)');
    expect(sleeps()).toEqual(['1']);
  });

  test('a huge error body is cut to its first 4 KiB', async () => {
    answer = (r) => (r.url === '/policy/a' ? { status: 500, body: 'x'.repeat(100 * 1024) } : 200);
    const result = await run(renderSetupScript(options({ maxAttempts: 1 })));
    expect(result.code).toBe(1);
    expect(result.stderr.match(/x/g)).toHaveLength(4096);
    expect(result.stderr).toContain(`[${100 * 1024 - 4096} more bytes not shown]`);
  });

  test('the body of a 2xx answer goes to stdout, and stderr stays empty', async () => {
    answer = () => ({ status: 200, body: '{"acknowledged":true}' });
    const result = await run(renderSetupScript(options()));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('{"acknowledged":true}');
    expect(result.stderr).toBe('');
  });

  test('an unexpected status on the upsert probe logs its body too', async () => {
    answer = (r) =>
      r.method === 'GET' && r.url === '/rule/r1'
        ? { status: 403, body: '{"message":"no privilege on rules"}' }
        : 200;
    const result = await run(renderSetupScript(options({ maxAttempts: 1 })));
    expect(result.stderr).toContain(
      'GET /rule/r1 answered HTTP 403:\n{"message":"no privilege on rules"}',
    );
  });

  test('without any answer, curl says why', async () => {
    const result = await run(renderSetupScript(options({ maxAttempts: 1 })), {
      API_URL: 'http://127.0.0.1:1',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/curl: \(7\)/);
  });

  test('the password from the Secret file never reaches the log, not even under sh -x', async () => {
    const password = 'pw-only-in-the-secret-file';
    writeFileSync(join(dir, 'password'), `${password}\n`);
    answer = (r) => (r.url === '/policy/a' ? { status: 400, body: UNKNOWN_SETTING } : 200);
    for (const shellOptions of [[], ['-x']]) {
      const result = await run(
        renderSetupScript(options({ maxAttempts: 1 })),
        { API_USERNAME: 'setup', API_PASSWORD_FILE: join(dir, 'password') },
        shellOptions,
      );
      expect(result.stderr).toContain('unknown setting [index.foo]');
      const log = result.stdout + result.stderr;
      expect(log).not.toContain(password);
      expect(log).not.toContain(Buffer.from(`setup:${password}`).toString('base64'));
    }
  });

  test('request bodies never reach the log', async () => {
    answer = (r) => (r.url === '/policy/a' ? { status: 400, body: UNKNOWN_SETTING } : 200);
    const result = await run(renderSetupScript(options({ maxAttempts: 1 })));
    expect(requests.find((r) => r.url === '/policy/a')!.body).toBe('{"policy":1}\n');
    expect(result.stdout + result.stderr).not.toContain('{"policy":1}');
  });
});

describe('a response check', () => {
  const checked = (check: SetupResponseCheck) =>
    options({
      steps: [
        {
          kind: 'request',
          description: 'import',
          method: 'POST',
          path: '/import',
          file: 'objects.ndjson',
          bodyAs: SetupBody.UPLOAD,
          check,
        },
      ],
      maxAttempts: 1,
    });
  const failures = { field: 'failed', show: ['name', 'cause.kind'] };

  test('passes when the field is true at the top, with or without spaces', async () => {
    for (const body of ['{"ok":true,"failed":[]}', '{ "ok" : true }', '{\n  "ok": true\n}']) {
      answer = () => ({ status: 200, body });
      expect((await run(renderSetupScript(checked({ trueField: 'ok', failures })))).code).toBe(0);
    }
  });

  test('fails a 2xx answer whose field is false, missing, or true only further down', async () => {
    for (const body of [
      '{"ok":false}',
      '{"ok":"true"}',
      '{}',
      '{"inner":{"ok":true}}',
      'not json',
    ]) {
      answer = () => ({ status: 200, body });
      const result = await run(renderSetupScript(checked({ trueField: 'ok' })));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `POST /import answered HTTP 200, but ok is not true:\n${body}\n`,
      );
    }
  });

  test("names each listed failure by the fields shown, in the answer's order", async () => {
    answer = () => ({
      status: 200,
      body: '{"ok":false,"failed":[{"name":"a","other":"hidden","cause":{"kind":"gone"}},{"cause":{"kind":"bad [x] {y}"},"name":"b \\"q\\""}]}',
    });
    const result = await run(renderSetupScript(checked({ trueField: 'ok', failures })));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'POST /import answered HTTP 200, but ok is not true; failed:\n' +
        '  - name="a" cause.kind="gone"\n' +
        '  - cause.kind="bad [x] {y}" name="b \\"q\\""\n',
    );
    expect(result.stderr).not.toContain('hidden');
  });
});

describe('rendering', () => {
  test('rejects paths, files and headers that could leave their shell word', () => {
    const step = (path: string) =>
      options({ steps: [{ kind: 'request', description: 'x', method: 'GET', path }] });
    expect(() => renderSetupScript(step("/a'; rm -rf /"))).toThrow(/path/);
    expect(() => renderSetupScript(step('/a b'))).toThrow(/path/);
    expect(() =>
      renderSetupScript(
        options({
          steps: [{ kind: 'request', description: 'x', method: 'PUT', path: '/a', file: '../x' }],
        }),
      ),
    ).toThrow(/file/);
    expect(() => renderSetupScript(options({ headers: ['x: $(id)'] }))).toThrow(/header/);
  });

  test('quotes descriptions, so a quote in one is harmless', async () => {
    const script = renderSetupScript(
      options({
        steps: [{ kind: 'request', description: "it's fine", method: 'GET', path: '/x' }],
      }),
    );
    const result = await run(script);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("done: it's fine");
  });

  test('rejects check fields that are not plain names or dotted paths', () => {
    const step = (check: SetupResponseCheck) =>
      options({ steps: [{ kind: 'request', description: 'x', method: 'GET', path: '/x', check }] });
    expect(() => renderSetupScript(step({ trueField: "a'b" }))).toThrow(/check\.trueField/);
    expect(() =>
      renderSetupScript(step({ trueField: 'ok', failures: { field: 'a b', show: ['id'] } })),
    ).toThrow(/check\.failures\.field/);
    expect(() =>
      renderSetupScript(
        step({ trueField: 'ok', failures: { field: 'errors', show: ['error..type'] } }),
      ),
    ).toThrow(/check\.failures\.show/);
    expect(() =>
      renderSetupScript(step({ trueField: 'ok', failures: { field: 'errors', show: [] } })),
    ).toThrow(/at least one field/);
  });

  test('rejects a wait that is not a plain GET and a non-positive retry budget', () => {
    expect(() =>
      renderSetupScript(
        options({ waitFor: { kind: 'request', description: 'x', method: 'POST', path: '/x' } }),
      ),
    ).toThrow(/waitFor/);
    expect(() => renderSetupScript(options({ maxAttempts: 0 }))).toThrow(/maxAttempts/);
  });
});

describe('a secret-request step', () => {
  const secretStep = (overrides: Partial<SetupSecretRequest> = {}): SetupSecretRequest => ({
    kind: 'secret-request',
    description: 'PUT user',
    method: 'PUT',
    path: '/_security/user/',
    nameSecret: 'writer-username',
    secret: 'writer-password',
    field: 'password',
    file: 'user.json',
    ...overrides,
  });
  const secretOptions = (step: SetupSecretRequest = secretStep()) =>
    options({ secretsDir: join(dir, 'secrets'), steps: [step], maxAttempts: 1 });
  const writeSecret = (name: string, value: string) => {
    mkdirSync(join(dir, 'secrets'), { recursive: true });
    writeFileSync(join(dir, 'secrets', name), value);
  };
  beforeEach(() => {
    writeFileSync(join(dir, 'user.json'), '{\n  "roles": ["writer"],\n  "full_name": "x"\n}\n');
    writeSecret('writer-username', 'logstash\n');
  });

  test('sends the Secret value as a JSON string field, then the file fields, at the path plus the name', async () => {
    writeSecret('writer-password', 'p"w\\1\n');
    const result = await run(renderSetupScript(secretOptions()));
    expect(result.code).toBe(0);
    const sent = requests.find((r) => r.method === 'PUT')!;
    expect(sent.url).toBe('/_security/user/logstash');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent.body)).toEqual({
      password: 'p"w\\1',
      roles: ['writer'],
      full_name: 'x',
    });
  });

  test('without a file or a name, the body is the field alone and the path as given', async () => {
    writeSecret('writer-password', 'secret');
    const step = secretStep({
      method: 'POST',
      path: '/_security/user/kibana_system/_password',
      nameSecret: undefined,
      file: undefined,
    });
    const result = await run(renderSetupScript(secretOptions(step)));
    expect(result.code).toBe(0);
    const sent = requests.find((r) => r.method === 'POST')!;
    expect(sent.url).toBe('/_security/user/kibana_system/_password');
    expect(JSON.parse(sent.body)).toEqual({ password: 'secret' });
  });

  test('refuses a value with a control character inside, and a name that is not plain, sending nothing', async () => {
    writeSecret('writer-password', 'two\nlines');
    let result = await run(renderSetupScript(secretOptions()));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('writer-password holds a control character');
    expect(result.stderr).not.toContain('two');
    writeSecret('writer-password', 'fine');
    writeSecret('writer-username', '../_all');
    result = await run(renderSetupScript(secretOptions()));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('writer-username must hold a plain name');
    expect(requests.filter((r) => r.method === 'PUT')).toEqual([]);
  });

  test('the value never reaches the log, not even under sh -x or when the API refuses it', async () => {
    const password = 'value-only-in-the-secret-file';
    writeSecret('writer-password', password);
    answer = (r) => (r.method === 'PUT' ? { status: 400, body: '{"error":"bad"}' } : 200);
    for (const shellOptions of [[], ['-x']]) {
      const result = await run(renderSetupScript(secretOptions()), {}, shellOptions);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('PUT /_security/user/logstash answered HTTP 400');
      expect(result.stdout + result.stderr).not.toContain(password);
    }
  });

  test('the body goes to curl through a pipe, never a here-document (a temporary file in some shells)', () => {
    const script = renderSetupScript(secretOptions());
    expect(script).toContain('--data-binary @-');
    expect(script).not.toContain('<<');
  });

  test('rendering needs a secrets directory and plain names', () => {
    expect(() => renderSetupScript(options({ steps: [secretStep()] }))).toThrow(/need secretsDir/);
    expect(() => renderSetupScript(secretOptions(secretStep({ secret: "a'; rm -rf /" })))).toThrow(
      /secret/,
    );
    expect(() => renderSetupScript(secretOptions(secretStep({ field: 'pass word' })))).toThrow(
      /field/,
    );
  });
});
