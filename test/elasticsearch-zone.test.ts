import { spawnSync } from 'child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { Spread } from '../lib/core/workload';
import { ElasticsearchCluster } from '../lib/elasticsearch';
import {
  renderZoneScript,
  ZONE_DIR,
  ZONE_LABEL,
  API_CREDENTIALS_DIR,
} from '../lib/elasticsearch/elasticsearch-zone';
import { synthEnvironment } from './support/environments';
import { named, ofKind } from './support/objects';

function synth(props: ConstructorParameters<typeof ElasticsearchCluster>[2] = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const cluster = new ElasticsearchCluster(chart, 'elasticsearch', props);
  return { cluster, objects: Testing.synth(chart) as any[] };
}

const podSpec = (objects: any[], statefulSet: string) =>
  named(objects, 'StatefulSet', statefulSet).spec.template.spec;

/**
 * Runs the rendered zone script with bash; `curl` prints `answer` (or fails with exit 22 when
 * it is undefined) and records its arguments.
 */
function runZoneScript(answer: string | undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'es-zone-'));
  try {
    writeFileSync(join(dir, 'token'), 'the-token');
    writeFileSync(join(dir, 'ca.crt'), 'the-ca');
    writeFileSync(join(dir, 'answer'), answer ?? '');
    writeFileSync(
      join(dir, 'curl'),
      `#!/bin/sh\nprintf '%s\\n' "$@" > '${dir}/curl-args'\n` +
        (answer === undefined ? 'echo "curl: (22) 403" >&2; exit 22\n' : `cat '${dir}/answer'\n`),
    );
    chmodSync(join(dir, 'curl'), 0o755);
    const zoneFile = join(dir, 'zone');
    const result = spawnSync('bash', ['-c', renderZoneScript({ zoneFile, credentialsDir: dir })], {
      env: {
        PATH: `${dir}:/usr/bin:/bin`,
        NODE_NAME: 'worker-1',
        KUBERNETES_SERVICE_HOST: '10.96.0.1',
        KUBERNETES_SERVICE_PORT: '443',
      },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return {
      status: result.status,
      out: result.stdout + result.stderr,
      zone: existsSync(zoneFile) ? readFileSync(zoneFile, 'utf8') : undefined,
      curlArgs: readFileSync(join(dir, 'curl-args'), 'utf8').trim().split('\n'),
      dir,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const nodeJson = (labels: Record<string, string>, pretty: boolean) =>
  JSON.stringify(
    {
      kind: 'Node',
      apiVersion: 'v1',
      metadata: {
        name: 'worker-1',
        labels,
        managedFields: [
          { fieldsV1: { 'f:metadata': { 'f:labels': { [`f:${ZONE_LABEL}`]: {} } } } },
        ],
      },
    },
    null,
    pretty ? 2 : undefined,
  );

describe('renderZoneScript', () => {
  test.each([true, false])(
    "writes the node's topology.kubernetes.io/zone label to the zone file (pretty-printed: %s)",
    (pretty) => {
      const result = runZoneScript(
        nodeJson({ 'kubernetes.io/hostname': 'worker-1', [ZONE_LABEL]: 'eu-west-1b' }, pretty),
      );
      expect(result.status).toBe(0);
      expect(result.zone).toBe('eu-west-1b\n');
      expect(result.out).toContain('node worker-1 is in zone eu-west-1b');
    },
  );

  test("asks the API server for the pod's own node with the pod's token and CA", () => {
    const result = runZoneScript(nodeJson({ [ZONE_LABEL]: 'a' }, false));
    expect(result.curlArgs).toContain('https://10.96.0.1:443/api/v1/nodes/worker-1');
    expect(result.curlArgs).toContain('Authorization: Bearer the-token');
    expect(result.curlArgs).toContain(`${result.dir}/ca.crt`);
  });

  test('fails, naming the node, the label and the fixes, when the node has no zone label', () => {
    const result = runZoneScript(nodeJson({ 'kubernetes.io/hostname': 'worker-1' }, true));
    expect(result.status).toBe(1);
    expect(result.zone).toBeUndefined();
    expect(result.out).toContain(
      'node worker-1 has no label topology.kubernetes.io/zone: Elasticsearch allocation awareness would place no shard on this node',
    );
    expect(result.out).toContain('zoneAwareness: false');
  });

  test('fails when the API server refuses or cannot be reached', () => {
    const result = runZoneScript(undefined);
    expect(result.status).toBe(1);
    expect(result.out).toContain('cannot read node worker-1 from the API server');
  });
});

describe('ElasticsearchCluster zone awareness', () => {
  test.each([
    [{ data: { replicas: 3 } }, true],
    [{ data: { replicas: 3 }, spread: Spread.REQUIRED }, true],
    [{ data: { replicas: 3 }, spread: Spread.REQUIRED_ZONES }, true],
    [{ data: { replicas: 3 }, spread: Spread.NONE }, false],
    [{}, false],
    [{ data: { replicas: 3 }, zoneAwareness: false }, false],
    [{ data: { replicas: 3 }, spread: Spread.NONE, zoneAwareness: true }, true],
  ])('%j: zoneAwareness %s', (props, expected) => {
    expect(synth(props).cluster.zoneAwareness).toBe(expected);
  });

  test('every node group gets the awareness attribute and its zone at start', () => {
    const { objects } = synth({ masters: { replicas: 3 }, data: { replicas: 3 } });
    for (const group of ['master', 'data']) {
      const yml = parse(
        named(objects, 'ConfigMap', `elasticsearch-${group}-config`).data['elasticsearch.yml'],
      );
      expect(yml['cluster.routing.allocation.awareness.attributes']).toBe('zone');
      const spec = podSpec(objects, `elasticsearch-${group}`);
      const es = spec.containers[0];
      expect(es.args[2]).toContain(`zone="$(cat '${ZONE_DIR}/zone')"`);
      expect(es.args[2]).toContain('settings+=("-Enode.attr.zone=$zone")');
      expect(es.volumeMounts).toContainEqual({ name: 'zone', mountPath: ZONE_DIR, readOnly: true });
      expect(spec.initContainers.map((c: any) => c.name)).toContain('zone');
    }
  });

  test("the init container reads spec.nodeName and holds the pod's only API token", () => {
    const { objects } = synth({ data: { replicas: 3 } });
    const spec = podSpec(objects, 'elasticsearch-node');
    expect(spec.automountServiceAccountToken).toBe(false);
    const zone = spec.initContainers.find((c: any) => c.name === 'zone');
    expect(zone.env).toContainEqual({
      name: 'NODE_NAME',
      valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } },
    });
    expect(zone.volumeMounts).toContainEqual({
      name: 'api-credentials',
      mountPath: API_CREDENTIALS_DIR,
      readOnly: true,
    });
    const credentials = spec.volumes.find((v: any) => v.name === 'api-credentials');
    expect(credentials.projected.sources).toEqual([
      { serviceAccountToken: { path: 'token', expirationSeconds: 600 } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
    ]);
    const mounting = [...spec.initContainers, ...spec.containers].filter((c: any) =>
      (c.volumeMounts ?? []).some((m: any) => m.name === 'api-credentials'),
    );
    expect(mounting.map((c: any) => c.name)).toEqual(['zone']);
  });

  test('the ServiceAccount may get nodes and nothing else', () => {
    const { objects } = synth({ data: { replicas: 3 } });
    const [role] = ofKind(objects, 'ClusterRole');
    expect(role.metadata.name).toBe('observability-elasticsearch');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }]);
    const [binding] = ofKind(objects, 'ClusterRoleBinding');
    expect(binding.roleRef.name).toBe('observability-elasticsearch');
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'elasticsearch', namespace: 'observability' },
    ]);
    expect(podSpec(objects, 'elasticsearch-node').serviceAccountName).toBe('elasticsearch');
  });

  test('without zone awareness: no role, no init container, no attribute', () => {
    const { objects } = synth({ data: { replicas: 3 }, zoneAwareness: false });
    expect(ofKind(objects, 'ClusterRole')).toEqual([]);
    const spec = podSpec(objects, 'elasticsearch-node');
    expect((spec.initContainers ?? []).map((c: any) => c.name)).not.toContain('zone');
    const yml = parse(
      named(objects, 'ConfigMap', 'elasticsearch-node-config').data['elasticsearch.yml'],
    );
    expect(yml['cluster.routing.allocation.awareness.attributes']).toBeUndefined();
    expect(spec.containers[0].args[2]).not.toContain('node.attr.zone');
  });

  test("prod: the Elasticsearch pods' policies let them reach the API server", () => {
    const { objects } = synthEnvironment('prod');
    for (const group of ['master', 'data']) {
      const policy = named(objects, 'NetworkPolicy', `allow-elasticsearch-${group}`);
      const ports = (policy.spec.egress ?? []).flatMap((r: any) =>
        r.to.some((t: any) => t.ipBlock) ? r.ports.map((p: any) => p.port) : [],
      );
      expect([group, ports.sort()]).toEqual([group, [443, 6443]]);
    }
  });
});
