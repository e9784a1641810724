import { Chart, Testing } from 'cdk8s';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { Prometheus } from '../../lib/prometheus';
import {
  close,
  freePort,
  listen,
  prometheusApi,
  RunningProcess,
  spawnTool,
  terminate,
  waitReady,
  waitUntil,
  processLogs,
} from './support/alert-harness';

/**
 * Remote write with the real binaries: a Prometheus with the generated `remote_write` (basic
 * auth from the files of the generated projected Secret volume) sends to a second, real
 * Prometheus started with --web.enable-remote-write-receiver, through a proxy that admits
 * only the Secret's username and password. The samples must arrive, authenticated.
 */

jest.setTimeout(120_000);

const LOOPBACK = '127.0.0.1';
const METRIC = 'remote_write_probe';
const SECRET = { username: 'prometheus', password: 'hunter2-from-a-secret' };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-remote-write-'));
const processes: RunningProcess[] = [];
const servers: http.Server[] = [];
const requests = { admitted: 0, refused: 0 };
let receiverUrl = '';
let generated: any;

/** The generated prometheus.yml and StatefulSet of a Prometheus writing to `url`. */
function generate(url: string): { config: any; sts: any } {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  new Prometheus(chart, 'prometheus', {
    remoteWrite: [
      {
        url,
        name: 'receiver',
        basicAuth: { secretName: 'remote-write' },
        queue: { batchSendDeadline: '1s', minBackoff: '100ms', maxBackoff: '1s' },
      },
    ],
  });
  const objects = Testing.synth(chart);
  const configMap = objects.find((o) => o.kind === 'ConfigMap');
  return {
    config: parse(configMap.data['prometheus.yml']),
    sts: objects.find((o) => o.kind === 'StatefulSet'),
  };
}

/**
 * Writes each key of the projected Secret volume, as the kubelet would, under `root` at its
 * mount path; returns the mount path and its directory under `root`.
 */
function writeSecretVolume(sts: any, root: string): { mountPath: string; local: string } {
  const spec = sts.spec.template.spec;
  const volume = spec.volumes.find((v: any) => v.name === 'remote-write-secrets');
  const mount = spec.containers[0].volumeMounts.find((m: any) => m.name === volume.name);
  expect(mount.readOnly).toBe(true);
  const local = path.join(root, mount.mountPath);
  fs.mkdirSync(local, { recursive: true });
  const values: Record<string, string> = { username: SECRET.username, password: SECRET.password };
  for (const source of volume.projected.sources) {
    expect(source.secret.name).toBe('remote-write');
    for (const item of source.secret.items)
      fs.writeFileSync(path.join(local, item.path), values[item.key]);
  }
  return { mountPath: mount.mountPath, local };
}

beforeAll(async () => {
  try {
    // The receiver: a real Prometheus that accepts remote write, without auth of its own.
    const receiverPort = await freePort();
    const receiverDir = path.join(dir, 'receiver');
    fs.mkdirSync(receiverDir);
    fs.writeFileSync(path.join(receiverDir, 'prometheus.yml'), 'global: {}\n');
    const receiver = spawnTool(
      'prometheus',
      [
        `--config.file=${path.join(receiverDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(receiverDir, 'data')}`,
        `--web.listen-address=${LOOPBACK}:${receiverPort}`,
        '--web.enable-remote-write-receiver',
      ],
      receiverDir,
    );
    processes.push(receiver);
    receiverUrl = `http://${LOOPBACK}:${receiverPort}`;
    await waitReady(receiver, receiverUrl);

    // In front of it, the authentication the real endpoint would do: only the Secret's pair.
    const expected = `Basic ${Buffer.from(`${SECRET.username}:${SECRET.password}`).toString('base64')}`;
    const proxy = http.createServer((req, res) => {
      if (req.headers.authorization !== expected) {
        requests.refused++;
        res.writeHead(401).end();
        return;
      }
      requests.admitted++;
      const forward = http.request(
        `${receiverUrl}${req.url}`,
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      req.pipe(forward);
    });
    servers.push(proxy);
    const proxyPort = await listen(proxy);

    const exporter = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE ${METRIC} gauge\n${METRIC} 7\n`);
    });
    servers.push(exporter);
    const exporterPort = await listen(exporter);

    // The sender: the generated global section and remote_write, with the Secret files where
    // the volume puts them (under a temp root), and one static job on the exporter.
    const { config, sts } = generate(`http://${LOOPBACK}:${proxyPort}/api/v1/write`);
    generated = config;
    const senderDir = path.join(dir, 'sender');
    const { mountPath, local } = writeSecretVolume(sts, senderDir);
    const remoteWrite = JSON.parse(
      JSON.stringify(config.remote_write).split(mountPath).join(local),
    );
    const senderConfig = path.join(senderDir, 'prometheus.yml');
    fs.writeFileSync(
      senderConfig,
      stringify({
        global: { ...config.global, scrape_interval: '1s' },
        remote_write: remoteWrite,
        scrape_configs: [
          { job_name: 'app', static_configs: [{ targets: [`${LOOPBACK}:${exporterPort}`] }] },
        ],
      }),
    );
    const senderPort = await freePort();
    const sender = spawnTool(
      'prometheus',
      [
        `--config.file=${senderConfig}`,
        `--storage.tsdb.path=${path.join(senderDir, 'data')}`,
        `--web.listen-address=${LOOPBACK}:${senderPort}`,
      ],
      senderDir,
    );
    processes.push(sender);
    await waitReady(sender, `http://${LOOPBACK}:${senderPort}`);
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : e}\n${processLogs(processes)}`, {
      cause: e,
    });
  }
});

afterAll(async () => {
  await Promise.all(processes.map((p) => terminate(p.child)));
  await Promise.all(servers.map(close));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('remote write (real Prometheus to a real receiver)', () => {
  test('the generated entry reads both credentials from files, nothing inline', () => {
    expect(generated.remote_write).toHaveLength(1);
    const [entry] = generated.remote_write;
    expect(entry.basic_auth).toEqual({
      username_file: expect.stringMatching(/^\/etc\/prometheus-remote-write\//),
      password_file: expect.stringMatching(/^\/etc\/prometheus-remote-write\//),
    });
    expect(JSON.stringify(generated)).not.toContain(SECRET.password);
  });

  test('the samples arrive at the receiver, sent with the Secret credentials', async () => {
    const result = await waitUntil(
      `${METRIC} at the receiver`,
      async () => {
        const body = await prometheusApi(receiverUrl, '/api/v1/query', { query: METRIC });
        return body.data?.result?.length ? body.data.result : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    ).catch((e) => {
      throw new Error(
        `${e.message} (proxy: ${JSON.stringify(requests)})\n${processLogs(processes)}`,
      );
    });
    expect(result).toHaveLength(1);
    expect(result[0].metric).toMatchObject({ __name__: METRIC, job: 'app' });
    expect(result[0].value[1]).toBe('7');
    expect(requests.admitted).toBeGreaterThan(0);
    expect(requests.refused).toBe(0);
  });
});
