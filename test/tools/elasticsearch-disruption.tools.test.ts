/**
 * Tier 4: taking an Elasticsearch node out and letting it back in, on a real three-node
 * cluster on loopback (512 MiB heap each), with the preStop hook and the readiness check as
 * the construct renders them, run by bash as the kubelet runs them.
 *
 * What it shows: the preStop hook registers a restart shutdown for the node's real id and
 * returns only once the status is COMPLETE; with the node stopped the cluster is yellow, not
 * red, and every document is still found; the restarted node clears its record and stays
 * not ready until the cluster is green again.
 *
 * What it cannot show: the distribution here has no x-pack-shutdown module, so
 * `_nodes/<id>/shutdown` is answered by a stand-in (support/elasticsearch-nodes.ts) that
 * keeps the record; what Elasticsearch does with a restart record (holding the node's
 * replicas for `allocation_delay`) is its own. Nor the kubelet: that it runs the hook before
 * SIGTERM within terminationGracePeriodSeconds, that the PodDisruptionBudget counts the
 * not-ready node, that the StatefulSet waits for it before the next pod.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  LocalNodeAccess,
  renderPreStopScript,
  renderReadinessScript,
  SHUTDOWN_ALLOCATION_DELAY,
} from '../../lib/elasticsearch/elasticsearch-lifecycle';
import { waitUntil } from './support/alert-harness';
import { runBash } from './support/tools';
import { LocalCluster, ShutdownApiStandIn } from './support/elasticsearch-nodes';

jest.setTimeout(600_000);

let cluster: LocalCluster;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'es-disruption-'));

beforeAll(async () => {
  cluster = await LocalCluster.create([
    { name: 'es-0', roles: ['master', 'data'] },
    { name: 'es-1', roles: ['data'] },
    { name: 'es-2', roles: ['data'] },
  ]);
  try {
    cluster.node('es-0').start(['cluster.initial_master_nodes: [es-0]']);
    cluster.node('es-1').start();
    cluster.node('es-2').start();
    for (const node of cluster.nodes) await node.waitUp();
    await cluster.ok(cluster.node('es-0'), 'GET', '/_cluster/health?wait_for_nodes=3&timeout=120s');
  } catch (e) {
    const logs = cluster.logs();
    await cluster.stop();
    throw new Error(`${e}\n${logs}`, { cause: e });
  }
});

afterAll(async () => {
  await cluster?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Runs a rendered script with bash, as a hook or exec probe runs in the container. */
function runScript(
  script: string,
  env: Record<string, string> = {},
): Promise<{ status: number | null; out: string }> {
  return runBash(script, { HOME: scratch, ELASTIC_PASSWORD: cluster.elasticPassword, ...env });
}

/** A new container layer: the markers of the previous run are gone. */
function containerStart(name: string): string {
  return fs.mkdtempSync(path.join(scratch, `${name}-`));
}

test('a node holding shard copies is taken out and let back in without the data going red', async () => {
  const es0 = cluster.node('es-0');
  const es2 = cluster.node('es-2');
  await cluster.ok(es0, 'PUT', '/logs', {
    settings: { number_of_shards: 3, number_of_replicas: 1 },
  });
  const docs = Array.from({ length: 60 }, (_, i) => `{"index":{}}\n{"n":${i}}\n`).join('');
  const bulk = await cluster.ok(es0, 'POST', '/logs/_bulk?refresh=true', docs, { ndjson: true });
  expect(bulk.errors).toBe(false);
  await cluster.ok(es0, 'GET', '/_cluster/health/logs?wait_for_status=green&timeout=60s');
  const shards: any[] = await cluster.ok(es0, 'GET', '/_cat/shards/logs?format=json');
  expect(shards.filter((s) => s.node === 'es-2').length).toBeGreaterThan(0);

  // preStop: the stand-in says IN_PROGRESS twice; the hook must wait for COMPLETE.
  const standIn = await ShutdownApiStandIn.start(cluster, es2, 2);
  try {
    const access: LocalNodeAccess = {
      url: standIn.url,
      passwordEnv: 'ELASTIC_PASSWORD',
      stateDir: containerStart('es-2'),
    };
    const nodeId = Object.keys((await cluster.ok(es2, 'GET', '/_nodes/_local')).nodes)[0];
    const stop = await runScript(renderPreStopScript(access), { POD_NAME: 'es-2' });
    expect(stop.out).toContain(`node ${nodeId} is ready to stop`);
    expect(stop.status).toBe(0);
    const record = standIn.records.get(nodeId)!;
    expect(record.body).toMatchObject({
      type: 'restart',
      allocation_delay: SHUTDOWN_ALLOCATION_DELAY,
    });
    expect(record.statusCalls).toBe(3);

    // SIGTERM after the hook: the other copies serve every document.
    await es2.stop();
    const health = await cluster.ok(es0, 'GET', '/_cluster/health?wait_for_nodes=2&timeout=60s');
    expect(health.status).toBe('yellow');
    expect((await cluster.ok(es0, 'GET', '/logs/_count')).count).toBe(60);

    // Replicas may not come back yet, so the cluster stays yellow after the restart.
    await cluster.ok(es0, 'PUT', '/_cluster/settings', {
      transient: { 'cluster.routing.allocation.enable': 'primaries' },
    });
    const restarted: LocalNodeAccess = { ...access, stateDir: containerStart('es-2') };
    es2.start();
    await es2.waitUp();
    const notReady = await waitUntil(
      'the restarted node to wait for green',
      async () => {
        const r = await runScript(renderReadinessScript(restarted, { waitForGreen: true }));
        return r.out.includes('waiting for the cluster to be green') ? r : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 2000 },
    );
    expect(notReady.status).toBe(1);
    expect(notReady.out).toContain('"status":"yellow"');
    expect(standIn.deleted).toContain(nodeId);
    expect(standIn.records.has(nodeId)).toBe(false);

    await cluster.ok(es0, 'PUT', '/_cluster/settings', {
      transient: { 'cluster.routing.allocation.enable': null },
    });
    await waitUntil(
      'the restarted node to be ready',
      async () => {
        const r = await runScript(renderReadinessScript(restarted, { waitForGreen: true }));
        return r.status === 0 ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 2000 },
    );
    expect(fs.existsSync(path.join(restarted.stateDir!, '.serving'))).toBe(true);
    expect((await cluster.ok(es0, 'GET', '/_cluster/health')).status).toBe('green');
  } finally {
    await standIn.close();
  }
});

test('every node has the security-analysis plugin, so native roles can be stored from any node', async () => {
  const plugins: { name: string; component: string }[] = await cluster.ok(
    cluster.node('es-0'),
    'GET',
    '/_cat/plugins?format=json&h=name,component',
  );
  expect(plugins.map((p) => `${p.name} ${p.component}`).sort()).toEqual([
    'es-0 security-analysis',
    'es-1 security-analysis',
    'es-2 security-analysis',
  ]);
  expect(
    await cluster.ok(cluster.node('es-2'), 'PUT', '/_security/role/logs_reader', {
      indices: [{ names: ['logs'], privileges: ['read'] }],
    }),
  ).toEqual({ role: { created: true } });
});
