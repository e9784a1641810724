import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { Images } from '../lib/core';
import { ElasticsearchCluster, VirtualMemory } from '../lib/elasticsearch';
import { PRESTOP_WAIT_SECONDS } from '../lib/elasticsearch/elasticsearch-lifecycle';
import { named, ofKind } from './support/objects';

function synth(props: ConstructorParameters<typeof ElasticsearchCluster>[2] = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const cluster = new ElasticsearchCluster(chart, 'elasticsearch', props);
  return { cluster, objects: Testing.synth(chart) as any[] };
}

describe('ElasticsearchCluster', () => {
  test('a default cluster is one secured, master-eligible data node', () => {
    const { cluster, objects } = synth();
    const sts = named(objects, 'StatefulSet', 'elasticsearch-node');
    expect(sts.spec.replicas).toBe(1);
    const config = parse(
      named(objects, 'ConfigMap', 'elasticsearch-node-config').data['elasticsearch.yml'],
    );
    expect(config['node.roles']).toEqual(['master', 'data', 'ingest']);
    expect(config['discovery.type']).toBe('single-node');
    expect(config['xpack.security.enabled']).toBe(true);
    expect(config['xpack.security.http.ssl'].enabled).toBe(true);
    expect(cluster.endpoint.url).toBe('https://elasticsearch-http.observability.svc:9200');
    expect(cluster.caCertificate).toEqual({ name: 'elasticsearch-certs', key: 'ca.crt' });
  });

  test('dedicated masters make a master group and a data group with their own roles', () => {
    const { cluster, objects } = synth({ masters: { replicas: 3 }, data: { replicas: 4 } });
    const masters = parse(
      named(objects, 'ConfigMap', 'elasticsearch-master-config').data['elasticsearch.yml'],
    );
    const data = parse(
      named(objects, 'ConfigMap', 'elasticsearch-data-config').data['elasticsearch.yml'],
    );
    expect(masters['node.roles']).toEqual(['master']);
    expect(data['node.roles']).toEqual(['data', 'ingest']);
    expect(data['discovery.seed_hosts']).toEqual(['elasticsearch-transport']);
    expect(cluster.masterEligibleNodes).toBe(3);
    expect(cluster.dataNodes).toBe(4);
    expect(
      ofKind(objects, 'PodDisruptionBudget')
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(['elasticsearch-data', 'elasticsearch-master']);
  });

  test('the HTTP Service selects data nodes only, the transport Service every node', () => {
    const { objects } = synth({ masters: { replicas: 3 }, data: { replicas: 3 } });
    expect(
      named(objects, 'Service', 'elasticsearch-http').spec.selector['app.kubernetes.io/component'],
    ).toBe('data');
    const transport = named(objects, 'Service', 'elasticsearch-transport');
    expect(transport.spec.clusterIP).toBe('None');
    expect(transport.spec.publishNotReadyAddresses).toBe(true);
    expect(transport.spec.selector['app.kubernetes.io/component']).toBeUndefined();
  });

  test('the heap is half the memory limit by default, set through ES_JAVA_OPTS', () => {
    const { objects } = synth({
      data: {
        replicas: 1,
        resources: { cpuRequest: '1', memoryRequest: '4Gi', memoryLimit: '4Gi' },
      },
    });
    const container = named(objects, 'StatefulSet', 'elasticsearch-node').spec.template.spec
      .containers[0];
    expect(container.env.find((e: any) => e.name === 'ES_JAVA_OPTS').value).toBe(
      '-Xms2048m -Xmx2048m',
    );
    expect(container.resources.limits.memory).toBe('4Gi');
  });

  test('the elastic password and certificates come from Secrets, never inline', () => {
    const { cluster, objects } = synth();
    const pod = named(objects, 'StatefulSet', 'elasticsearch-node').spec.template.spec;
    expect(
      pod.containers[0].env.find((e: any) => e.name === 'ELASTIC_PASSWORD').valueFrom.secretKeyRef,
    ).toEqual({ name: 'elasticsearch-elastic-password', key: 'password' });
    expect(pod.volumes.find((v: any) => v.name === 'certs').secret.secretName).toBe(
      'elasticsearch-certs',
    );
    expect(cluster.externalSecrets.map((s) => s.name)).toEqual([
      'elasticsearch-certs',
      'elasticsearch-elastic-password',
    ]);
  });

  test('readiness asks for an elected master in the local cluster state, waiting for green only once after a start', () => {
    const { objects } = synth({ data: { replicas: 3 } });
    const container = named(objects, 'StatefulSet', 'elasticsearch-node').spec.template.spec
      .containers[0];
    const script = container.readinessProbe.exec.command.join(' ');
    expect(script).toContain('_cluster/state/master_node?local=true');
    expect(script).toContain('"status":"green"');
    expect(script).toContain('-X DELETE "$url/_nodes/$id/shutdown"');
    expect(container.lifecycle.preStop.exec.command.join(' ')).toContain(
      '-X PUT "$url/_nodes/$id/shutdown"',
    );
  });

  test('a one-node cluster never waits for green: it has no second copy to wait for', () => {
    const { objects } = synth();
    const probe = named(objects, 'StatefulSet', 'elasticsearch-node').spec.template.spec
      .containers[0].readinessProbe;
    expect(probe.exec.command.join(' ')).not.toContain('"status":"green"');
  });

  test('a stopping node gets the preStop wait and a minute to flush', () => {
    const { objects } = synth();
    expect(
      named(objects, 'StatefulSet', 'elasticsearch-node').spec.template.spec
        .terminationGracePeriodSeconds,
    ).toBe(PRESTOP_WAIT_SECONDS + 60);
  });

  test('data lives on a volume claim template per node', () => {
    const { objects } = synth({
      data: { replicas: 1, storage: { size: '100Gi', storageClassName: 'fast' } },
    });
    const sts = named(objects, 'StatefulSet', 'elasticsearch-node');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('100Gi');
    expect(sts.spec.volumeClaimTemplates[0].spec.storageClassName).toBe('fast');
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
  });

  test('mmap is off by default and on for pre-tuned nodes', () => {
    const off = parse(
      named(synth().objects, 'ConfigMap', 'elasticsearch-node-config').data['elasticsearch.yml'],
    );
    expect(off['node.store.allow_mmap']).toBe(false);
    const on = parse(
      named(
        synth({ virtualMemory: VirtualMemory.PRECONFIGURED }).objects,
        'ConfigMap',
        'elasticsearch-node-config',
      ).data['elasticsearch.yml'],
    );
    expect(on['node.store.allow_mmap']).toBe(true);
  });

  test.each([VirtualMemory.NO_MMAP, VirtualMemory.PRECONFIGURED, VirtualMemory.NODE_TUNING])(
    'with %s the pods have no init container and stay restricted',
    (virtualMemory) => {
      const { cluster, objects } = synth({ virtualMemory });
      const pod = named(objects, 'StatefulSet', 'elasticsearch-node').spec.template.spec;
      expect(pod.initContainers).toBeUndefined();
      expect(pod.containers[0].securityContext).toMatchObject({
        privileged: false,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(cluster.podSecurityLevel).toBe('restricted');
    },
  );

  test('node tuning turns mmap on and deploys nothing in the cluster itself', () => {
    const { objects } = synth({ virtualMemory: VirtualMemory.NODE_TUNING });
    expect(
      parse(named(objects, 'ConfigMap', 'elasticsearch-node-config').data['elasticsearch.yml'])[
        'node.store.allow_mmap'
      ],
    ).toBe(true);
    expect(ofKind(objects, 'DaemonSet')).toEqual([]);
  });

  describe('with VirtualMemory.INIT_CONTAINER', () => {
    const { cluster, objects } = synth({
      virtualMemory: VirtualMemory.INIT_CONTAINER,
      masters: { replicas: 3 },
      data: { replicas: 3 },
    });
    const pods = ['elasticsearch-master', 'elasticsearch-data'].map(
      (name) => named(objects, 'StatefulSet', name).spec.template.spec,
    );

    test('every node group runs a privileged sysctl init container that raises vm.max_map_count', () => {
      for (const pod of pods) {
        // First, before the zone lookup: nothing else runs on a node below the value.
        const [sysctl] = pod.initContainers;
        expect(pod.initContainers.filter((c: any) => c.securityContext.privileged)).toEqual([
          sysctl,
        ]);
        expect(sysctl.name).toBe('sysctl');
        expect(sysctl.image).toBe(Images.sysctl);
        expect(sysctl.command.slice(0, 2)).toEqual(['sh', '-c']);
        expect(sysctl.command[2]).toContain('sysctl -w vm.max_map_count=1048576');
        expect(sysctl.command[2]).toContain('-ge 1048576');
      }
    });

    test('the init container is privileged and root, and otherwise as restricted as the rest', () => {
      const sysctl = pods[0].initContainers[0];
      expect(sysctl.securityContext).toEqual({
        privileged: true,
        runAsUser: 0,
        runAsGroup: 0,
        runAsNonRoot: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(sysctl.securityContext.allowPrivilegeEscalation).toBeUndefined();
      expect(sysctl.resources.limits.memory).toBeDefined();
      expect(sysctl.resources.requests.cpu).toBeDefined();
    });

    test('Elasticsearch itself stays restricted and maps its files', () => {
      expect(pods[1].containers[0].securityContext).toMatchObject({
        privileged: false,
        runAsNonRoot: true,
      });
      const config = parse(
        named(objects, 'ConfigMap', 'elasticsearch-data-config').data['elasticsearch.yml'],
      );
      expect(config['node.store.allow_mmap']).toBe(true);
    });

    test('the cluster asks for a privileged namespace', () => {
      expect(cluster.virtualMemory).toBe(VirtualMemory.INIT_CONTAINER);
      expect(cluster.podSecurityLevel).toBe('privileged');
    });
  });

  test('the sysctl image can be replaced, pinned', () => {
    const { objects } = synth({
      virtualMemory: VirtualMemory.INIT_CONTAINER,
      sysctlImage: 'registry.example/tools/busybox:1.36.1',
    });
    expect(
      named(objects, 'StatefulSet', 'elasticsearch-node').spec.template.spec.initContainers[0]
        .image,
    ).toBe('registry.example/tools/busybox:1.36.1');
    expect(() =>
      synth({ virtualMemory: VirtualMemory.INIT_CONTAINER, sysctlImage: 'busybox' }),
    ).toThrow(/'sysctlImage' must be pinned/);
  });

  test('fails when a sysctl image is given for another choice, where it would be ignored', () => {
    expect(() =>
      synth({
        virtualMemory: VirtualMemory.NODE_TUNING,
        sysctlImage: 'registry.example/tools/busybox:1.36.1',
      }),
    ).toThrow(
      /'sysctlImage' is only used with VirtualMemory.INIT_CONTAINER, but virtualMemory is 'node-tuning'/,
    );
  });

  test('fails on a virtualMemory that is not a choice', () => {
    expect(() => synth({ virtualMemory: 'sysctl' as VirtualMemory })).toThrow(
      /'virtualMemory' is not a VirtualMemory choice, got 'sysctl'/,
    );
  });

  test('security can be turned off explicitly, and then no Secret is read', () => {
    const { cluster, objects } = synth({ security: { enabled: false } });
    const config = parse(
      named(objects, 'ConfigMap', 'elasticsearch-node-config').data['elasticsearch.yml'],
    );
    expect(config['xpack.security.enabled']).toBe(false);
    expect(cluster.endpoint.scheme).toBe('http');
    expect(cluster.externalSecrets).toEqual([]);
  });

  test('fails when the master-eligible count is even', () => {
    expect(() => synth({ masters: { replicas: 2 } })).toThrow(
      /'masters.replicas' must give an odd number.*got 2 \(use 1 or 3\)/,
    );
    expect(() => synth({ data: { replicas: 2 } })).toThrow(/'data.replicas'/);
  });

  test('fails when the heap ratio would starve the filesystem cache', () => {
    expect(() => synth({ data: { replicas: 1, heapRatio: 0.9 } })).toThrow(
      /'data.heapRatio'.*got 0.9/,
    );
  });

  test('fails when the memory limit is too small for a heap', () => {
    expect(() =>
      synth({
        data: {
          replicas: 1,
          resources: { cpuRequest: '1', memoryRequest: '256Mi', memoryLimit: '256Mi' },
        },
      }),
    ).toThrow(/'data.resources.memoryLimit'/);
  });

  test('fails on an invalid name', () => {
    expect(() => synth({ name: 'Elastic_Search' })).toThrow(/'name' must be a DNS-1123 label/);
  });

  test('fails on an unpinned image', () => {
    expect(() => synth({ image: 'docker.elastic.co/elasticsearch/elasticsearch:latest' })).toThrow(
      /'image' must be pinned/,
    );
  });
});
