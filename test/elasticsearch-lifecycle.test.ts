import { spawn } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  LocalNodeAccess,
  PRESTOP_WAIT_SECONDS,
  renderPreStopScript,
  renderReadinessScript,
  SHUTDOWN_ALLOCATION_DELAY,
} from '../lib/elasticsearch/elasticsearch-lifecycle';
import { HttpRecorder, RecordedAnswer, RecordedRequest } from './support/http-recorder';

// The scripts run for real (bash and curl, as in the Elasticsearch image) against a local
// server that answers as a node would. `sleep` and `date` are stand-ins first on PATH: a
// clock in a file that `sleep` moves on, so a wait of a minute costs no wall time.

// The give-up case runs the wait loop to its end: some 120 processes (curl, date, sleep), about
// 2 s on an idle machine and well over jest's default 5 s on a loaded one (CI runs two cores).
jest.setTimeout(60_000);

const NODE_ID = 'Kx2bq1XyRZ-abc_def';

let server: HttpRecorder;
let requests: RecordedRequest[];
let answer: (req: RecordedRequest) => RecordedAnswer;
let dir: string;
let access: LocalNodeAccess;

/** A node: answers health, its id, and the shutdown API from `shutdown` (status per GET). */
function node(options: {
  health?: string;
  statuses?: string[];
  put?: number;
  del?: number;
  master?: boolean;
}) {
  const statuses = [...(options.statuses ?? ['COMPLETE'])];
  return (req: RecordedRequest): RecordedAnswer => {
    if (req.url === '/_cluster/state/master_node?local=true')
      return {
        status: 200,
        body:
          options.master === false
            ? '{"cluster_name":"logs"}'
            : '{"cluster_name":"logs","master_node":"Mq1-master-id"}',
      };
    if (req.url.startsWith('/_cluster/health?'))
      return { status: 200, body: `{"status":"${options.health ?? 'green'}"}` };
    if (req.url.startsWith('/_nodes/_local?'))
      return { status: 200, body: `{"nodes":{"${NODE_ID}":{"name":"es-data-0"}}}` };
    if (req.url === `/_nodes/${NODE_ID}/shutdown`) {
      if (req.method === 'PUT') return options.put ?? 200;
      if (req.method === 'DELETE') return options.del ?? 200;
    }
    if (req.url === `/_nodes/${NODE_ID}/shutdown?filter_path=nodes.status`) {
      const status = statuses.length > 1 ? statuses.shift() : statuses[0];
      return { status: 200, body: `{"nodes":[{"status":"${status}"}]}` };
    }
    return 404;
  };
}

beforeAll(async () => {
  server = await HttpRecorder.start((req) => {
    requests.push(req);
    return answer(req);
  });
});
afterAll(() => server.close());

beforeEach(() => {
  requests = [];
  dir = mkdtempSync(join(tmpdir(), 'es-lifecycle-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'state'));
  writeFileSync(join(dir, 'clock'), '1000');
  writeFileSync(join(dir, 'bin', 'date'), '#!/bin/sh\ncat "$CLOCK"\n', { mode: 0o755 });
  writeFileSync(
    join(dir, 'bin', 'sleep'),
    '#!/bin/sh\necho $(( $(cat "$CLOCK") + $1 )) > "$CLOCK"\n',
    { mode: 0o755 },
  );
  access = { url: server.url, stateDir: join(dir, 'state') };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a script as the kubelet would (bash -c), without blocking the server's event loop. */
function run(script: string): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], {
      // No socket on stdin: bash would take itself for a remote shell and read ~/.bashrc.
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
        HOME: dir,
        CLOCK: join(dir, 'clock'),
        POD_NAME: 'es-data-0',
        ELASTIC_PASSWORD: 'secret',
      },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, out }));
  });
}

const calls = () => requests.map((r) => `${r.method} ${r.url}`);

describe('preStop hook', () => {
  test('registers a restart shutdown with the allocation delay, then waits for COMPLETE', async () => {
    answer = node({ statuses: ['IN_PROGRESS', 'IN_PROGRESS', 'COMPLETE'] });
    const r = await run(renderPreStopScript(access));
    expect(r.out).toContain(`node ${NODE_ID} is ready to stop`);
    expect(r.status).toBe(0);
    const put = requests.find((q) => q.method === 'PUT')!;
    expect(put.url).toBe(`/_nodes/${NODE_ID}/shutdown`);
    expect(JSON.parse(put.body)).toEqual({
      type: 'restart',
      reason: 'pod es-data-0 stopping (preStop hook)',
      allocation_delay: SHUTDOWN_ALLOCATION_DELAY,
    });
    expect(calls().filter((c) => c.endsWith('shutdown?filter_path=nodes.status'))).toHaveLength(3);
    expect(existsSync(join(dir, 'state', '.stopping'))).toBe(true);
  });

  test('gives up after the wait budget, with the last status, and fails', async () => {
    answer = node({ statuses: ['STALLED'] });
    const r = await run(renderPreStopScript(access));
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      `not COMPLETE after ${PRESTOP_WAIT_SECONDS}s: {"nodes":[{"status":"STALLED"}]}`,
    );
  });

  test('fails when the shutdown cannot be registered, without waiting', async () => {
    answer = node({ put: 403 });
    const r = await run(renderPreStopScript(access));
    expect(r.status).toBe(1);
    expect(r.out).toContain(`could not register the shutdown of node ${NODE_ID}`);
    expect(calls().some((c) => c.startsWith('GET /_nodes/' + NODE_ID))).toBe(false);
  });

  test('sends the elastic user and verifies the CA when security is on', async () => {
    answer = node({});
    const script = renderPreStopScript({
      ...access,
      caFile: '/certs/ca.crt',
      passwordEnv: 'ELASTIC_PASSWORD',
    });
    expect(script).toContain(`--cacert '/certs/ca.crt'`);
    await run(script);
    expect(requests[0].headers.authorization).toBe(
      `Basic ${Buffer.from('elastic:secret').toString('base64')}`,
    );
  });
});

describe('readiness check', () => {
  test('after a start: clears the shutdown record and waits for green, then only local health', async () => {
    answer = node({ health: 'yellow' });
    const script = renderReadinessScript(access, { waitForGreen: true });
    const first = await run(script);
    expect(first.status).toBe(1);
    expect(first.out).toContain(
      'started, waiting for the cluster to be green: {"status":"yellow"}',
    );
    expect(calls()).toContain(`DELETE /_nodes/${NODE_ID}/shutdown`);

    answer = node({ health: 'green', del: 404 });
    expect((await run(script)).status).toBe(0);
    requests = [];
    answer = node({ health: 'red' });
    expect((await run(script)).status).toBe(0);
    expect(calls()).toEqual(['GET /_cluster/state/master_node?local=true']);
  });

  test('is not ready while its own cluster state names no elected master (not joined to a cluster)', async () => {
    answer = node({ master: false });
    const result = await run(renderReadinessScript(access, { waitForGreen: false }));
    expect(result.status).toBe(1);
    expect(result.out).toContain('no elected master in this node');
    expect(calls()).toEqual(['GET /_cluster/state/master_node?local=true']);
  });

  test('is not ready while the node does not answer', async () => {
    answer = () => 503;
    expect((await run(renderReadinessScript(access, { waitForGreen: false }))).status).not.toBe(0);
  });

  test('without waitForGreen, a started node is ready once its record is cleared', async () => {
    answer = node({ health: 'yellow' });
    expect((await run(renderReadinessScript(access, { waitForGreen: false }))).status).toBe(0);
    expect(calls()).not.toContain(
      'GET /_cluster/health?filter_path=status,unassigned_shards,initializing_shards',
    );
  });

  test('stays not ready when the record cannot be cleared', async () => {
    answer = node({ del: 503 });
    const r = await run(renderReadinessScript(access, { waitForGreen: true }));
    expect(r.status).toBe(1);
    expect(r.out).toContain(`clearing the shutdown record of node ${NODE_ID} answered HTTP 503`);
  });

  test('a node stopping before it was ever ready keeps its shutdown record', async () => {
    answer = node({});
    await run(renderPreStopScript(access));
    requests = [];
    const r = await run(renderReadinessScript(access, { waitForGreen: true }));
    expect(r.status).toBe(1);
    expect(calls().some((c) => c.startsWith('DELETE'))).toBe(false);
  });
});
