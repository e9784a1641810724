/**
 * Tier 4: zone awareness on a real three-node cluster on loopback: two nodes in zone
 * `eu-west-1a` and one in `eu-west-1b`, each started through the start wrapper as the
 * construct renders it (`renderStartScript` with the zone file, which the `zone` init container
 * would have written), with the awareness setting of the rendered `elasticsearch.yml`.
 *
 * What it shows: each node carries its zone (`_cat/nodeattrs`), and every shard of an index
 * with one replica has its primary and its replica in different zones (`_cat/shards`), so the
 * one node of zone b holds a copy of every shard; with the awareness setting cleared, the same
 * index shape gets a shard with both copies in zone a (the control: the setting is what keeps
 * them apart). What it cannot show: the zone's origin (the node label read from the API server,
 * shown by elasticsearch-zone-lookup.tools.test.ts) and a zone outage.
 */
import * as fs from 'fs';
import * as path from 'path';
import { renderElasticsearchConfig } from '../../lib/elasticsearch/elasticsearch-config';
import { renderStartScript } from '../../lib/elasticsearch/elasticsearch-start';
import { ZONE_ATTRIBUTE } from '../../lib/elasticsearch/elasticsearch-zone';
import { LocalCluster, LocalNode } from './support/elasticsearch-nodes';

jest.setTimeout(900_000);

const ZONES: Record<string, string> = {
  'a-0': 'eu-west-1a',
  'a-1': 'eu-west-1a',
  'b-0': 'eu-west-1b',
};
const AWARENESS = 'cluster.routing.allocation.awareness.attributes';
let cluster: LocalCluster;

/** The awareness line of the rendered elasticsearch.yml. */
function awarenessLine(): string {
  const config = renderElasticsearchConfig({
    clusterName: 'zones',
    roles: ['master', 'data'],
    seedHost: 'unused',
    singleNode: false,
    allowMmap: false,
    awarenessAttributes: [ZONE_ATTRIBUTE],
  });
  expect(config[AWARENESS]).toBe('zone');
  return `${AWARENESS}: ${config[AWARENESS]}`;
}

/** The wrapper with the zone file the init container would have written. */
function wrapper(node: LocalNode): string {
  const zoneFile = path.join(node.dir, 'zone');
  fs.writeFileSync(zoneFile, `${ZONES[node.spec.name]}\n`);
  return renderStartScript({ entrypoint: [node.elasticsearchBin], zoneFile });
}

beforeAll(async () => {
  cluster = await LocalCluster.create([
    { name: 'a-0', roles: ['master', 'data'] },
    { name: 'a-1', roles: ['data'] },
    { name: 'b-0', roles: ['data'] },
  ]);
  try {
    const line = awarenessLine();
    for (const node of cluster.nodes) {
      const bootstrap = node.spec.name === 'a-0' ? ['cluster.initial_master_nodes: [a-0]'] : [];
      node.start([line, ...bootstrap], { wrapper: wrapper(node) });
    }
    for (const node of cluster.nodes) await node.waitUp();
    await cluster.ok(cluster.nodes[0], 'GET', '/_cluster/health?wait_for_nodes=3&timeout=120s');
  } catch (e) {
    const logs = cluster.logs();
    await cluster.stop();
    throw new Error(`${e}\n${logs}`, { cause: e });
  }
});

afterAll(async () => {
  await cluster?.stop();
});

/** The zone of each copy of each shard of `index`: `{ '0': ['eu-west-1a', 'eu-west-1b'], ... }`. */
async function copyZones(index: string): Promise<Record<string, string[]>> {
  const es = cluster.nodes[0];
  await cluster.ok(es, 'PUT', `/${index}`, {
    settings: { number_of_shards: 3, number_of_replicas: 1 },
  });
  await cluster.ok(es, 'GET', `/_cluster/health/${index}?wait_for_status=green&timeout=120s`);
  const shards: any[] = await cluster.ok(
    es,
    'GET',
    `/_cat/shards/${index}?format=json&h=shard,prirep,node`,
  );
  const zones: Record<string, string[]> = {};
  for (const s of shards) (zones[s.shard] ??= []).push(ZONES[s.node]);
  for (const z of Object.values(zones)) z.sort();
  return zones;
}

test('each node carries its zone as node.attr.zone, from the wrapper', async () => {
  const attrs: any[] = await cluster.ok(
    cluster.nodes[0],
    'GET',
    '/_cat/nodeattrs?format=json&h=node,attr,value',
  );
  const zones = Object.fromEntries(
    attrs.filter((a) => a.attr === ZONE_ATTRIBUTE).map((a) => [a.node, a.value]),
  );
  expect(zones).toEqual(ZONES);
  for (const node of cluster.nodes)
    expect(node.output()).toContain(`node.attr.zone: ${ZONES[node.spec.name]}`);
});

test('every primary and its replica are in different zones', async () => {
  expect(await copyZones('logs')).toEqual({
    '0': ['eu-west-1a', 'eu-west-1b'],
    '1': ['eu-west-1a', 'eu-west-1b'],
    '2': ['eu-west-1a', 'eu-west-1b'],
  });
});

test('control: without the awareness setting a shard ends up with both copies in one zone', async () => {
  const es = cluster.nodes[0];
  await cluster.ok(es, 'PUT', '/_cluster/settings', { persistent: { [AWARENESS]: '' } });
  try {
    const zones = await copyZones('unaware');
    expect(Object.values(zones)).toContainEqual(['eu-west-1a', 'eu-west-1a']);
  } finally {
    await cluster.ok(es, 'PUT', '/_cluster/settings', { persistent: { [AWARENESS]: null } });
  }
});
