/**
 * Tier 4: `cluster.initial_master_nodes` only while no cluster has formed, on a real
 * three-node cluster on loopback (all nodes master-eligible, as staging's), each node started
 * through the start wrapper as the construct renders it (`renderStartScript`), run by bash
 * and exec'ing the distribution's `bin/elasticsearch` instead of the image's entrypoint. A
 * TCP stand-in plays the client Service: it forwards only to the nodes the test has seen pass
 * the rendered readiness check, as the Service's endpoints hold only ready pods.
 *
 * What it shows: the readiness check fails on a node that has not joined a cluster (so a
 * ready node means a formed cluster); on a first start nobody answers, every node gets the
 * setting as a list from `-E` and the cluster forms; a node of the formed cluster restarted
 * gets an HTTP answer (no credentials sent, so an error status; any status counts), starts without the setting and rejoins; after
 * a full cluster restart nobody answers, the setting is passed again and ignored: the nodes
 * come back into the same cluster (same `cluster_uuid`), each logging that it is locked into
 * that cluster and that the setting should be removed.
 *
 * What it cannot show: the image's entrypoint passing the `-E` arguments on (the wrapper
 * execs `docker-entrypoint.sh eswrapper`, whose `"$@"` goes to `bin/elasticsearch`; here the
 * wrapper execs `bin/elasticsearch` directly), kube-proxy and the Service's endpoints
 * themselves, and the case the setting guards against (a node restarted with an empty data
 * path while no node is ready), which no test can make safe: the docs say so.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderReadinessScript } from '../../lib/elasticsearch/elasticsearch-lifecycle';
import { renderStartScript } from '../../lib/elasticsearch/elasticsearch-start';
import { waitUntil } from './support/alert-harness';
import { runBash } from './support/tools';
import {
  ClientServiceStandIn,
  LocalCluster,
  LocalNode,
  ShutdownApiStandIn,
} from './support/elasticsearch-nodes';

jest.setTimeout(900_000);

const NAMES = ['es-0', 'es-1', 'es-2'];
let cluster: LocalCluster;
let service: ClientServiceStandIn;
/** Per node, the shutdown API the readiness check clears (the distribution has none; see disruption test). */
const shutdownApis = new Map<string, ShutdownApiStandIn>();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'es-bootstrap-'));

beforeAll(async () => {
  cluster = await LocalCluster.create(NAMES.map((name) => ({ name, roles: ['master', 'data'] })));
  service = await ClientServiceStandIn.start();
});

afterAll(async () => {
  for (const api of shutdownApis.values()) await api.close();
  await service?.close();
  await cluster?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** The wrapper as the construct renders it, with the client Service and CA of this run. */
function wrapper(node: LocalNode): string {
  return renderStartScript({
    entrypoint: [node.elasticsearchBin],
    bootstrap: {
      clientUrl: service.url,
      caFile: path.join(node.dir, 'config', 'ca.crt'),
      initialMasterNodes: NAMES,
    },
  });
}

/**
 * Runs the rendered readiness check once against `node`, as the kubelet's exec probe does,
 * through a shutdown API stand-in that forwards every other request to the node.
 */
async function readiness(node: LocalNode): Promise<{ status: number | null; out: string }> {
  let api = shutdownApis.get(node.spec.name);
  if (!api) {
    api = await ShutdownApiStandIn.start(cluster, node, 0);
    shutdownApis.set(node.spec.name, api);
  }
  const script = renderReadinessScript(
    {
      url: api.url,
      passwordEnv: 'ELASTIC_PASSWORD',
      stateDir: fs.mkdtempSync(path.join(scratch, `${node.spec.name}-`)),
    },
    { waitForGreen: true },
  );
  return runBash(script, { HOME: scratch, ELASTIC_PASSWORD: cluster.elasticPassword });
}

/** Waits for the readiness check to pass on `node`, then puts it behind the client Service. */
async function becomeReady(node: LocalNode): Promise<void> {
  await waitUntil(
    `${node.spec.name} to be ready`,
    async () => ((await readiness(node)).status === 0 ? true : undefined),
    { timeoutMs: 180_000, intervalMs: 2000 },
  );
  service.endpoints.push(node);
}

/** `cluster.initial_master_nodes` in the node's own settings (command line included), if any. */
async function initialMasterNodes(node: LocalNode): Promise<unknown> {
  const body = await cluster.ok(node, 'GET', '/_nodes/_local/settings?flat_settings=true');
  const info: any = Object.values(body.nodes)[0];
  return info.settings['cluster.initial_master_nodes'];
}

async function step(what: () => Promise<void>): Promise<void> {
  try {
    await what();
  } catch (e) {
    throw new Error(`${e}\n${cluster.logs()}`, { cause: e });
  }
}

test('the readiness check fails on a node that has not joined a cluster', async () => {
  const lone = await LocalCluster.create([{ name: 'lone', roles: ['master', 'data'] }]);
  try {
    const node = lone.node('lone');
    // Master-eligible, no initial_master_nodes, no peer: it can never form or join a cluster.
    node.start();
    await node.waitUp();
    const script = renderReadinessScript(
      {
        url: node.url,
        caFile: lone.certificates.caFile,
        passwordEnv: 'ELASTIC_PASSWORD',
        stateDir: fs.mkdtempSync(path.join(scratch, 'lone-')),
      },
      { waitForGreen: false },
    );
    const result = await new Promise<{ status: number | null; out: string }>((resolve) => {
      const child = spawn('bash', ['-c', script], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ELASTIC_PASSWORD: lone.elasticPassword },
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.on('close', (status) => resolve({ status, out }));
    });
    // Its own cluster state is not even recovered: the master_node request answers 503.
    expect(result.status).not.toBe(0);
    expect(result.out).toMatch(/returned error: 503|no elected master in this node/);
    // Why the check asks for a master: local health answers 200 on this node all the same.
    expect((await lone.request(node, 'GET', '/_cluster/health?local=true')).status).toBe(200);
  } finally {
    await lone.stop();
  }
});

test('a first start passes cluster.initial_master_nodes to every node, and the cluster forms', async () => {
  await step(async () => {
    for (const node of cluster.nodes) node.start([], { wrapper: wrapper(node) });
    for (const node of cluster.nodes) await node.waitUp();
    await cluster.ok(cluster.nodes[0], 'GET', '/_cluster/health?wait_for_nodes=3&timeout=120s');
  });
  for (const node of cluster.nodes) {
    expect(node.output()).toContain(
      `no ready node answers on ${service.url}: passing cluster.initial_master_nodes`,
    );
    // One -E argument (the node reads it as the list of three names: the cluster formed).
    expect(await initialMasterNodes(node)).toBe(NAMES.join(','));
  }
  await step(async () => {
    for (const node of cluster.nodes) await becomeReady(node);
  });
});

test('a restarted node of the formed cluster starts without it and rejoins', async () => {
  const es2 = cluster.node('es-2');
  service.endpoints.splice(service.endpoints.indexOf(es2), 1);
  await es2.stop();
  const before = fs.statSync(path.join(es2.dir, 'elasticsearch.out')).size;
  await step(async () => {
    es2.start([], { wrapper: wrapper(es2) });
    await es2.waitUp();
    await cluster.ok(cluster.nodes[0], 'GET', '/_cluster/health?wait_for_nodes=3&timeout=120s');
  });
  const run = es2.output().slice(before);
  expect(run).toMatch(
    /a ready node answers on \S+ \(HTTP [1-5]\d\d\): the cluster has formed, starting without cluster.initial_master_nodes/,
  );
  expect(await initialMasterNodes(es2)).toBeUndefined();
  const nodes: any[] = await cluster.ok(cluster.nodes[0], 'GET', '/_cat/nodes?format=json&h=name');
  expect(nodes.map((n) => n.name).sort()).toEqual(NAMES);
  await step(() => becomeReady(es2));
});

test('after a full cluster restart the setting is passed again and ignored: the same cluster comes back', async () => {
  const uuidPath = '/_cluster/state/metadata?filter_path=metadata.cluster_uuid';
  const clusterUuid = (await cluster.ok(cluster.nodes[0], 'GET', uuidPath)).metadata.cluster_uuid;
  expect(clusterUuid).toMatch(/^[\w-]{22}$/);
  service.endpoints.length = 0;
  await Promise.all(cluster.nodes.map((n) => n.stop()));
  const sizes = cluster.nodes.map((n) => n.output().length);
  await step(async () => {
    for (const node of cluster.nodes) node.start([], { wrapper: wrapper(node) });
    for (const node of cluster.nodes) await node.waitUp();
    await cluster.ok(cluster.nodes[0], 'GET', '/_cluster/health?wait_for_nodes=3&timeout=120s');
  });
  cluster.nodes.forEach((node, i) => {
    const run = node.output().slice(sizes[i]);
    expect(run).toContain('passing cluster.initial_master_nodes');
    // Elasticsearch's own word that it ignores it (and why the wrapper leaves it out otherwise).
    expect(run).toMatch(
      /this node is locked into cluster UUID \[[\w-]+\] but \[cluster.initial_master_nodes\] is set/,
    );
  });
  const after = await cluster.ok(cluster.nodes[0], 'GET', uuidPath);
  expect(after.metadata.cluster_uuid).toBe(clusterUuid);
});
