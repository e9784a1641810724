import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { find, podTemplateOf, synthEnvironment } from '../support/environments';
import {
  close,
  freePort,
  listen,
  prometheusApi,
  terminate,
  toolBinary,
  waitUntil,
} from './support/alert-harness';

/**
 * The de-duplicated HA Prometheus of prod with the real binaries: two Prometheus processes
 * scraping the same target, with the generated global section (the `replica` external label
 * from each pod's POD_NAME), a Thanos sidecar beside each with the generated sidecar flags, and
 * one Thanos querier with the generated querier flags, its endpoints mapped from the pods' DNS
 * names to the local sidecars. Only listen addresses and those names are replaced.
 */

const LOOPBACK = '127.0.0.1';
const METRIC = 'ha_probe_value';

jest.setTimeout(120_000);

interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-ha-'));
const procs: Proc[] = [];
let exporter: http.Server;

function start(name: string, tool: string, args: string[], env: Record<string, string> = {}): Proc {
  const logFile = path.join(dir, `${name}.log`);
  const log = fs.openSync(logFile, 'a');
  const child = spawn(toolBinary(tool), args, {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const proc = { name, child, logFile };
  procs.push(proc);
  return proc;
}

function logs(): string {
  return procs
    .map(
      (p) =>
        `--- ${p.name}\n${fs.readFileSync(p.logFile, 'utf8').split('\n').slice(-20).join('\n')}`,
    )
    .join('\n');
}

/** A flag's value in `args`, which must have it once. */
function flag(args: string[], name: string): string {
  const found = args.filter((a) => a.startsWith(`--${name}=`));
  if (found.length !== 1) throw new Error(`expected one --${name} in ${args.join(' ')}`);
  return found[0].slice(name.length + 3);
}

/** `args` with the values of the named flags replaced. */
function withFlags(args: string[], values: Record<string, string>): string[] {
  const out = args.map((a) => {
    const name = Object.keys(values).find((n) => a.startsWith(`--${n}=`));
    return name ? `--${name}=${values[name]}` : a;
  });
  for (const name of Object.keys(values)) flag(out, name);
  return out;
}

async function waitHttp(proc: Proc, url: string): Promise<void> {
  await waitUntil(
    `${proc.name} ${url}`,
    async () => {
      if (proc.child.exitCode !== null)
        throw new Error(`${proc.name} exited with ${proc.child.exitCode}`);
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return res.ok ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

const { objects } = synthEnvironment('prod');
const statefulSet = find(objects, 'StatefulSet', 'prometheus')!;
const podSpec = podTemplateOf(statefulSet).spec;
const sidecarArgs: string[] = podSpec.containers.find((c: any) => c.name === 'thanos-sidecar').args;
const querier = find(objects, 'Deployment', 'prometheus-thanos-query')!;
const queryArgs: string[] = podTemplateOf(querier).spec.containers[0].args;
const generatedConfig = parse(
  find(objects, 'ConfigMap', 'prometheus-config')!.data!['prometheus.yml'],
);

let queryUrl = '';

beforeAll(async () => {
  try {
    exporter = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE ${METRIC} gauge\n${METRIC} 42\n`);
    });
    const exporterPort = await listen(exporter);

    // The stable DNS names of the pods' sidecars, in the generated querier flags.
    const sd = parse(flag(queryArgs, 'endpoint.sd-config'));
    const addresses: string[] = sd.endpoints.map((e: any) => e.address);
    const pods = addresses.map((a) => a.split('.')[0]);

    const sidecarGrpc: Record<string, string> = {};
    for (const pod of pods) {
      const config = {
        global: { ...generatedConfig.global, scrape_interval: '1s' },
        scrape_configs: [
          { job_name: 'probe', static_configs: [{ targets: [`${LOOPBACK}:${exporterPort}`] }] },
        ],
      };
      const configFile = path.join(dir, `${pod}.yml`);
      fs.writeFileSync(configFile, stringify(config));
      const promPort = await freePort();
      const prometheus = start(
        pod,
        'prometheus',
        [
          `--config.file=${configFile}`,
          `--storage.tsdb.path=${path.join(dir, `${pod}-data`)}`,
          `--web.listen-address=${LOOPBACK}:${promPort}`,
        ],
        // As in the pod: the replica label is the pod's name.
        { POD_NAME: pod },
      );
      await waitHttp(prometheus, `http://${LOOPBACK}:${promPort}/-/ready`);

      const [grpcPort, httpPort] = [await freePort(), await freePort()];
      const sidecar = start(
        `${pod}-sidecar`,
        'thanos',
        withFlags(sidecarArgs, {
          'prometheus.url': `http://${LOOPBACK}:${promPort}`,
          'grpc-address': `${LOOPBACK}:${grpcPort}`,
          'http-address': `${LOOPBACK}:${httpPort}`,
        }),
      );
      await waitHttp(sidecar, `http://${LOOPBACK}:${httpPort}/-/ready`);
      sidecarGrpc[pod] = `${LOOPBACK}:${grpcPort}`;
    }

    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const localSd = stringify({
      endpoints: sd.endpoints.map((e: any) => ({
        ...e,
        address: sidecarGrpc[e.address.split('.')[0]],
      })),
    });
    const query = start(
      'thanos-query',
      'thanos',
      withFlags(queryArgs, {
        'http-address': `${LOOPBACK}:${httpPort}`,
        'grpc-address': `${LOOPBACK}:${grpcPort}`,
        'endpoint.sd-config': localSd,
      }),
    );
    queryUrl = `http://${LOOPBACK}:${httpPort}`;
    await waitHttp(query, `${queryUrl}/-/ready`);
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : e}\n${logs()}`, { cause: e });
  }
});

afterAll(async () => {
  await Promise.all(procs.map((p) => terminate(p.child)));
  if (exporter) await close(exporter);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function series(dedup: boolean): Promise<any[]> {
  const body = await prometheusApi(queryUrl, '/api/v1/query', {
    query: `${METRIC}{job="probe"}`,
    dedup: String(dedup),
  });
  if (body.status !== 'success') throw new Error(JSON.stringify(body));
  return body.data.result;
}

describe('HA Prometheus behind the generated Thanos querier (real binaries)', () => {
  test('the generated flags: the replica label, and one StoreAPI endpoint per prod replica', () => {
    expect(flag(queryArgs, 'query.replica-label')).toBe('replica');
    expect(parse(flag(queryArgs, 'endpoint.sd-config')).endpoints).toEqual([
      { address: 'prometheus-0.prometheus-headless.observability.svc:10901' },
      { address: 'prometheus-1.prometheus-headless.observability.svc:10901' },
    ]);
    expect(statefulSet.spec.replicas).toBe(2);
    expect(generatedConfig.global.external_labels.replica).toBe('${POD_NAME}');
  });

  test('dedup=false returns one series per replica; the default returns ONE, without the replica label', async () => {
    const raw = await waitUntil(
      'both replicas scraped through the querier',
      async () => {
        const result = await series(false);
        return result.length === 2 ? result : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    ).catch((e) => {
      throw new Error(`${e.message}\n${logs()}`);
    });
    expect(raw.map((s) => s.metric.replica).sort()).toEqual(['prometheus-0', 'prometheus-1']);

    const deduplicated = await series(true);
    expect(deduplicated).toHaveLength(1);
    expect(deduplicated[0].metric.replica).toBeUndefined();
    expect(deduplicated[0].metric).toMatchObject({ job: 'probe', env: 'prod', __name__: METRIC });
    expect(deduplicated[0].value[1]).toBe('42');

    // The querier's default (what Grafana gets, no dedup parameter) is de-duplicated too.
    const plain = await prometheusApi(queryUrl, '/api/v1/query', {
      query: `${METRIC}{job="probe"}`,
    });
    expect(plain.data.result).toHaveLength(1);
  });

  test('one replica down: the de-duplicated series stays', async () => {
    const down = procs.find((p) => p.name === 'prometheus-0')!;
    await terminate(down.child);
    const result = await series(true);
    expect(result).toHaveLength(1);
    expect(result[0].value[1]).toBe('42');
  });
});
