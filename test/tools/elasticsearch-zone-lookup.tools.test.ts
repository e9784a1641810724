/**
 * Tier 5: the Elasticsearch zone lookup against a real kube-apiserver 1.36 with etcd
 * (scripts/install-apiserver.sh). The ServiceAccount, ClusterRole and ClusterRoleBinding come
 * from the synthesized prod manifests, a token for the ServiceAccount from the TokenRequest API
 * (`kubectl create token`), and the `zone` init container's script is the one in prod's
 * `elasticsearch-data` StatefulSet, run by bash with curl as in the container: only its two
 * paths (the credentials directory and the zone file) point into a scratch directory, and
 * `KUBERNETES_SERVICE_HOST`/`_PORT`, which the kubelet would set, name this API server.
 *
 * What it shows: the script reads the zone label of its node with that token and writes it;
 * it fails with its message on a node without the label; the ServiceAccount may `get` nodes
 * and nothing else. What it cannot show: the kubelet (the projected token and `kube-root-ca.crt`
 * volume, the downward API's `spec.nodeName`, the init container ordering), and a
 * NetworkPolicy in force.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { stringify } from 'yaml';
import { API_CREDENTIALS_DIR, ZONE_DIR } from '../../lib/elasticsearch/elasticsearch-zone';
import { find, KubeObject, synthEnvironment } from '../support/environments';
import { ControlPlane } from './support/apiserver';

jest.setTimeout(300_000);

let plane: ControlPlane;
let objects: KubeObject[];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'es-zone-lookup-'));
const SA = 'system:serviceaccount:observability:elasticsearch';

beforeAll(async () => {
  plane = await ControlPlane.start();
  objects = synthEnvironment('prod').objects;
  const rbac = [
    find(objects, 'Namespace', 'observability')!,
    find(objects, 'ServiceAccount', 'elasticsearch')!,
    find(objects, 'ClusterRole', 'observability-elasticsearch')!,
    find(objects, 'ClusterRoleBinding', 'observability-elasticsearch')!,
  ];
  const nodes = [
    { name: 'worker-a', labels: { 'topology.kubernetes.io/zone': 'eu-west-1a' } },
    { name: 'worker-bare', labels: { 'kubernetes.io/hostname': 'worker-bare' } },
  ].map(({ name, labels }) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels } }));
  plane.kubectlOk(
    ['apply', '--server-side', '-f', '-'],
    [...rbac, ...nodes].map((o) => stringify(o)).join('---\n'),
  );
}, 180_000);

afterAll(async () => {
  await plane?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
}, 60_000);

/** The zone init container's script of prod's data nodes, with its paths moved to `dir`. */
function zoneScript(dir: string): string {
  const sts = find(objects, 'StatefulSet', 'elasticsearch-data')!;
  const init = sts.spec.template.spec.initContainers.find((c: any) => c.name === 'zone');
  expect(init.command.slice(0, 2)).toEqual(['bash', '-c']);
  const script: string = init.command[2];
  expect(script).toContain(`'${API_CREDENTIALS_DIR}'`);
  expect(script).toContain(`'${ZONE_DIR}/zone'`);
  return script
    .replace(`'${API_CREDENTIALS_DIR}'`, `'${dir}'`)
    .replace(`'${ZONE_DIR}/zone'`, `'${dir}/zone'`);
}

/** Runs the script as the init container would on `node`, with a fresh token of the ServiceAccount. */
function lookUp(node: string): { status: number | null; out: string; zone?: string } {
  const dir = fs.mkdtempSync(path.join(scratch, `${node}-`));
  const token = plane
    .kubectlOk(['-n', 'observability', 'create', 'token', 'elasticsearch', '--duration=10m'])
    .stdout.trim();
  fs.writeFileSync(path.join(dir, 'token'), token, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'ca.crt'), plane.caCertificate);
  const url = new URL(plane.apiserverUrl);
  const result = spawnSync('bash', ['-c', zoneScript(dir)], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_NAME: node,
      KUBERNETES_SERVICE_HOST: url.hostname,
      KUBERNETES_SERVICE_PORT: url.port,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const zoneFile = path.join(dir, 'zone');
  return {
    status: result.status,
    // stdout: the script's own messages (bash here may add stderr noise of the host's shell setup).
    out: result.stdout,
    zone: fs.existsSync(zoneFile) ? fs.readFileSync(zoneFile, 'utf8') : undefined,
  };
}

test("the init container's script reads its node's zone with the ServiceAccount's token", () => {
  const result = lookUp('worker-a');
  expect(result).toEqual({
    status: 0,
    out: 'node worker-a is in zone eu-west-1a\n',
    zone: 'eu-west-1a\n',
  });
});

test('on a node without topology.kubernetes.io/zone it fails with its message and writes nothing', () => {
  const result = lookUp('worker-bare');
  expect(result.status).toBe(1);
  expect(result.zone).toBeUndefined();
  expect(result.out).toContain('node worker-bare has no label topology.kubernetes.io/zone');
});

test('the ServiceAccount may get nodes and nothing else', () => {
  const can = (...args: string[]) =>
    plane.kubectl(['auth', 'can-i', `--as=${SA}`, ...args]).stdout.trim();
  expect(can('get', 'nodes')).toBe('yes');
  expect(can('list', 'nodes')).toBe('no');
  expect(can('watch', 'nodes')).toBe('no');
  expect(can('patch', 'nodes')).toBe('no');
  expect(can('get', 'pods', '-n', 'observability')).toBe('no');
  expect(can('get', 'secrets', '-n', 'observability')).toBe('no');
});
