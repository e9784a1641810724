import { execFileSync } from 'child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { ElasticsearchCluster } from '../lib/elasticsearch';
import { IMAGE_ENTRYPOINT, renderStartScript } from '../lib/elasticsearch/elasticsearch-start';
import { named, ofKind } from './support/objects';

function synth(props: ConstructorParameters<typeof ElasticsearchCluster>[2] = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  new ElasticsearchCluster(chart, 'elasticsearch', props);
  return Testing.synth(chart) as any[];
}

const container = (objects: any[], statefulSet: string) =>
  named(objects, 'StatefulSet', statefulSet).spec.template.spec.containers[0];

/**
 * Runs the rendered wrapper with bash; `curl` answers `httpCode` (000: nothing answered) and
 * the entrypoint prints the arguments it is given, one a line.
 */
function runWrapper(script: string, httpCode: string): { args: string[]; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'es-start-'));
  try {
    writeFileSync(join(dir, 'curl'), `#!/bin/sh\nprintf '%s' '${httpCode}'\n`);
    writeFileSync(join(dir, 'entrypoint'), `#!/bin/sh\nfor a in "$@"; do echo "arg:$a"; done\n`);
    for (const f of ['curl', 'entrypoint']) chmodSync(join(dir, f), 0o755);
    const out = execFileSync('bash', ['-c', script], {
      env: { PATH: `${dir}:/usr/bin:/bin` },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const args = out
      .split('\n')
      .filter((l) => l.startsWith('arg:'))
      .map((l) => l.slice(4));
    return { args, out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('renderStartScript', () => {
  test('passes the zone the init container wrote as node.attr.zone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'es-zone-file-'));
    try {
      writeFileSync(join(dir, 'zone'), 'eu-west-1c\n');
      const script = renderStartScript({
        entrypoint: ['entrypoint', 'eswrapper'],
        zoneFile: join(dir, 'zone'),
      });
      const { args, out } = runWrapper(script, '000');
      expect(args).toEqual(['eswrapper', '-Enode.attr.zone=eu-west-1c']);
      expect(out).toContain('node.attr.zone: eu-west-1c');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const bootstrap = {
    clientUrl: 'https://elasticsearch-http.observability.svc:9200/',
    caFile: '/certs/ca.crt',
    initialMasterNodes: ['es-0', 'es-1', 'es-2'],
  };

  test('passes cluster.initial_master_nodes when no ready node answers on the client Service', () => {
    const script = renderStartScript({ entrypoint: ['entrypoint', 'eswrapper'], bootstrap });
    const { args, out } = runWrapper(script, '000');
    expect(args).toEqual(['eswrapper', '-Ecluster.initial_master_nodes=es-0,es-1,es-2']);
    expect(out).toContain('no ready node answers on https://elasticsearch-http');
  });

  test.each(['200', '401', '503'])(
    'starts without it when a node answers, whatever the status (HTTP %s)',
    (code) => {
      const script = renderStartScript({ entrypoint: ['entrypoint', 'eswrapper'], bootstrap });
      const { args, out } = runWrapper(script, code);
      expect(args).toEqual(['eswrapper']);
      expect(out).toContain(`(HTTP ${code}): the cluster has formed`);
    },
  );

  test('asks the client Service with its CA and no credentials', () => {
    const script = renderStartScript({ bootstrap });
    expect(script).toContain("--cacert '/certs/ca.crt'");
    expect(script).toContain("client='https://elasticsearch-http.observability.svc:9200/'");
    expect(script).not.toMatch(/-u |ELASTIC_PASSWORD/);
  });

  test("hands over to the image's entrypoint with eswrapper", () => {
    expect(IMAGE_ENTRYPOINT).toEqual(['/usr/local/bin/docker-entrypoint.sh', 'eswrapper']);
    expect(renderStartScript({ bootstrap })).toContain(
      `exec '/usr/local/bin/docker-entrypoint.sh' 'eswrapper' "\${settings[@]}"`,
    );
  });
});

describe('ElasticsearchCluster: cluster.initial_master_nodes only at bootstrap', () => {
  test('no node group writes cluster.initial_master_nodes into elasticsearch.yml', () => {
    const objects = synth({ masters: { replicas: 3 }, data: { replicas: 3 } });
    for (const cm of ofKind(objects, 'ConfigMap')) {
      const yml = parse(cm.data['elasticsearch.yml']);
      expect([cm.metadata.name, yml['cluster.initial_master_nodes']]).toEqual([
        cm.metadata.name,
        undefined,
      ]);
    }
  });

  test("dedicated masters start through the wrapper, which checks the data nodes' client Service", () => {
    const objects = synth({
      masters: { replicas: 3 },
      data: { replicas: 3 },
      zoneAwareness: false,
    });
    const master = container(objects, 'elasticsearch-master');
    expect(master.command).toBeUndefined();
    expect(master.args.slice(0, 2)).toEqual(['bash', '-c']);
    const { args } = runWrapper(
      master.args[2].replace(
        "'/usr/local/bin/docker-entrypoint.sh' 'eswrapper'",
        "'entrypoint' 'eswrapper'",
      ),
      '000',
    );
    expect(args).toEqual([
      'eswrapper',
      '-Ecluster.initial_master_nodes=elasticsearch-master-0,elasticsearch-master-1,elasticsearch-master-2',
    ]);
    expect(master.args[2]).toContain("client='https://elasticsearch-http.observability.svc:9200/'");
    expect(master.args[2]).toContain("--cacert '/usr/share/elasticsearch/config/certs/ca.crt'");
  });

  test('master-ineligible data nodes without zone awareness keep the image entrypoint untouched', () => {
    const objects = synth({
      masters: { replicas: 3 },
      data: { replicas: 3 },
      zoneAwareness: false,
    });
    expect(container(objects, 'elasticsearch-data').args).toBeUndefined();
  });

  test('a single node uses discovery.type: single-node and no wrapper', () => {
    const objects = synth();
    expect(container(objects, 'elasticsearch-node').args).toBeUndefined();
    const yml = parse(
      named(objects, 'ConfigMap', 'elasticsearch-node-config').data['elasticsearch.yml'],
    );
    expect(yml['discovery.type']).toBe('single-node');
  });

  test('all-role nodes of a three-node cluster ask over plain HTTP when security is off', () => {
    const objects = synth({ data: { replicas: 3 }, security: { enabled: false } });
    const script = container(objects, 'elasticsearch-node').args[2];
    expect(script).toContain("client='http://elasticsearch-http.observability.svc:9200/'");
    expect(script).not.toContain('--cacert');
  });

  test('the nodes that ask may reach the client Service on 9200', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
    const cluster = new ElasticsearchCluster(chart, 'elasticsearch', {
      masters: { replicas: 3 },
      data: { replicas: 3 },
    });
    const flow = cluster.networkFlows.find((f) => /start wrapper/.test(f.purpose))!;
    expect(flow.from).toMatchObject({
      podSelector: { 'app.kubernetes.io/component': 'master' },
    });
    expect(flow.to).toMatchObject({ podSelector: { 'app.kubernetes.io/component': 'data' } });
    expect(flow.ports).toEqual([{ port: 9200 }]);
  });
});
