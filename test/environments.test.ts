import { parse } from 'yaml';
import {
  ENVIRONMENTS,
  KubeObject,
  find,
  podTemplateOf,
  synthEnvironment,
} from './support/environments';

const replicas = (objects: KubeObject[], kind: string, name: string) =>
  find(objects, kind, name)?.spec.replicas;
const containerImages = (objects: KubeObject[]) =>
  objects
    .map(podTemplateOf)
    .filter(Boolean)
    .flatMap((t) => [...(t.spec.initContainers ?? []), ...t.spec.containers])
    .map((c: any) => c.image as string);

describe.each(ENVIRONMENTS)('the %s environment', (env) => {
  const { objects, stack } = synthEnvironment(env);

  test('its configuration can deliver an alert within the 30 s target (scrape + evaluation + group_wait)', () => {
    const prometheus = parse(
      find(objects, 'ConfigMap', 'prometheus-config')!.data['prometheus.yml'],
    );
    const alertmanager = parse(
      find(objects, 'ConfigMap', 'alertmanager-config')!.data['alertmanager.yml'],
    );
    expect([
      prometheus.global.scrape_interval,
      prometheus.global.evaluation_interval,
      alertmanager.route.group_wait,
    ]).toEqual(['15s', '5s', '5s']);
    expect(stack.alertDeliveryBoundSeconds).toBe(25);
  });

  test('contains all eight components and both exporters', () => {
    const names = new Set(objects.map((o) => o.metadata.labels?.['app.kubernetes.io/name']));
    for (const app of [
      'elasticsearch',
      'kibana',
      'filebeat',
      'logstash',
      'prometheus',
      'node-exporter',
      'kube-state-metrics',
      'alertmanager',
      'grafana',
      'jaeger',
    ]) {
      expect(names).toContain(app);
    }
    expect(find(objects, 'DaemonSet', 'filebeat', 'observability-agents')).toBeDefined();
    expect(find(objects, 'DaemonSet', 'node-exporter', 'observability-agents')).toBeDefined();
  });

  test('pins every image to an exact version', () => {
    for (const image of containerImages(objects)) expect(image).toMatch(/:[0-9v][^:]*$|@sha256:/);
  });

  test('holds no secret values: no Secret objects, and secret-looking env vars come from Secrets or name a mounted Secret file', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const templates = objects.map(podTemplateOf).filter(Boolean);
    const inline = templates
      .flatMap((t) =>
        [...(t.spec.initContainers ?? []), ...t.spec.containers].map((c: any) => ({ t, c })),
      )
      .flatMap(({ t, c }) => (c.env ?? []).map((e: any) => ({ t, c, e })))
      .filter(({ e }) => /PASSWORD|TOKEN|SECRET|KEY/i.test(e.name) && e.value !== undefined)
      // `*_FILE` variables hold a path, which must lie in a volume mounted from Secrets.
      .filter(({ t, c, e }) => {
        if (!/_FILE$/.test(e.name)) return true;
        const mount = (c.volumeMounts ?? []).find((m: any) =>
          e.value.startsWith(`${m.mountPath}/`),
        );
        const volume = t.spec.volumes.find((v: any) => v.name === mount?.name);
        const fromSecrets =
          volume?.secret !== undefined ||
          (volume?.projected?.sources ?? []).every((s: any) => s.secret !== undefined);
        return !(volume && fromSecrets);
      })
      .map(({ e }) => e);
    expect(inline).toEqual([]);
  });

  test('every container has requests, a memory limit and a hardened security context', () => {
    for (const o of objects.filter(podTemplateOf)) {
      const template = podTemplateOf(o);
      for (const c of [...(template.spec.initContainers ?? []), ...template.spec.containers]) {
        expect(c.resources.requests.cpu).toBeDefined();
        expect(c.resources.requests.memory).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
        if (c.securityContext.privileged) {
          // The one privileged container, documented in policy-exceptions.yaml: the node tuner's
          // sysctl step (the API server refuses allowPrivilegeEscalation: false on it).
          expect([o.metadata.namespace, o.metadata.name, c.name]).toEqual([
            'observability-agents',
            'elasticsearch-node-tuning',
            'sysctl',
          ]);
        } else {
          expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
        }
        expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
        expect(
          c.securityContext.seccompProfile ?? template.spec.securityContext.seccompProfile,
        ).toEqual({ type: 'RuntimeDefault' });
      }
    }
  });

  test('every long-running container has readiness and liveness probes', () => {
    const workloads = objects.filter((o) =>
      ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind),
    );
    for (const w of workloads) {
      for (const c of w.spec.template.spec.containers) {
        // The node tuner's pause container has no port and no shell to probe: the kubelet
        // already sees the one thing a probe could, that the process runs.
        if (w.metadata.name === 'elasticsearch-node-tuning' && c.name === 'pause') continue;
        expect([
          w.metadata.name,
          c.name,
          Boolean(c.readinessProbe),
          Boolean(c.livenessProbe),
        ]).toEqual([w.metadata.name, c.name, true, true]);
      }
    }
  });
});

describe('topology per environment (docs/architecture.md#4-environments)', () => {
  test('dev: one of everything, security relaxed explicitly, all-in-one Jaeger in memory', () => {
    const { objects, stack } = synthEnvironment('dev');
    expect(replicas(objects, 'StatefulSet', 'elasticsearch-node')).toBe(1);
    expect(stack.elasticsearch.securityEnabled).toBe(false);
    expect(replicas(objects, 'Deployment', 'kibana')).toBe(1);
    expect(replicas(objects, 'Deployment', 'grafana')).toBe(1);
    expect(replicas(objects, 'StatefulSet', 'logstash')).toBe(1);
    expect(replicas(objects, 'StatefulSet', 'prometheus')).toBe(1);
    expect(replicas(objects, 'StatefulSet', 'alertmanager')).toBe(1);
    expect(replicas(objects, 'Deployment', 'jaeger')).toBe(1);
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
  });

  test('staging: three all-role Elasticsearch nodes with TLS, two Logstash with a persistent queue, Jaeger on Elasticsearch', () => {
    const { objects, stack } = synthEnvironment('staging');
    expect(replicas(objects, 'StatefulSet', 'elasticsearch-node')).toBe(3);
    expect(stack.elasticsearch.masterEligibleNodes).toBe(3);
    expect(stack.elasticsearch.securityEnabled).toBe(true);
    expect(replicas(objects, 'StatefulSet', 'logstash')).toBe(2);
    expect(find(objects, 'StatefulSet', 'logstash')!.spec.volumeClaimTemplates).toHaveLength(1);
    expect(replicas(objects, 'Deployment', 'jaeger-collector')).toBe(1);
    expect(replicas(objects, 'Deployment', 'jaeger-query')).toBe(1);
    expect(find(objects, 'PodDisruptionBudget', 'elasticsearch-node')).toBeDefined();
    expect(find(objects, 'PodDisruptionBudget', 'logstash')).toBeDefined();
  });

  test('prod: three dedicated masters and three data nodes, HA pairs and clusters, required anti-affinity', () => {
    const { objects, stack } = synthEnvironment('prod');
    expect(replicas(objects, 'StatefulSet', 'elasticsearch-master')).toBe(3);
    expect(replicas(objects, 'StatefulSet', 'elasticsearch-data')).toBe(3);
    expect(stack.elasticsearch.masterEligibleNodes).toBe(3);
    expect(replicas(objects, 'Deployment', 'kibana')).toBe(2);
    expect(replicas(objects, 'Deployment', 'grafana')).toBe(1);
    expect(replicas(objects, 'StatefulSet', 'logstash')).toBeGreaterThanOrEqual(2);
    expect(replicas(objects, 'StatefulSet', 'prometheus')).toBe(2);
    expect(replicas(objects, 'StatefulSet', 'alertmanager')).toBe(3);
    expect(replicas(objects, 'Deployment', 'jaeger-collector')).toBeGreaterThanOrEqual(2);
    expect(replicas(objects, 'Deployment', 'jaeger-query')).toBeGreaterThanOrEqual(2);
    const logstashYml = parse(find(objects, 'ConfigMap', 'logstash-config')!.data['logstash.yml']);
    expect([logstashYml['queue.type'], logstashYml['dead_letter_queue.enable']]).toEqual([
      'persisted',
      true,
    ]);
    for (const name of [
      'elasticsearch-master',
      'elasticsearch-data',
      'logstash',
      'prometheus',
      'alertmanager',
    ]) {
      const affinity = find(objects, 'StatefulSet', name)!.spec.template.spec.affinity;
      expect([
        name,
        affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey,
      ]).toEqual([name, 'kubernetes.io/hostname']);
      expect(find(objects, 'PodDisruptionBudget', name)).toBeDefined();
    }
  });
});

describe('memory-mapped storage per environment (README "vm.max_map_count: who picks what")', () => {
  test('dev keeps node.store.allow_mmap off and deploys no node tuner', () => {
    const { objects } = synthEnvironment('dev');
    const yml = parse(
      find(objects, 'ConfigMap', 'elasticsearch-node-config')!.data['elasticsearch.yml'],
    );
    expect(yml['node.store.allow_mmap']).toBe(false);
    expect(find(objects, 'DaemonSet', 'elasticsearch-node-tuning')).toBeUndefined();
  });

  test.each([
    ['staging' as const, ['elasticsearch-node-config']],
    ['prod' as const, ['elasticsearch-master-config', 'elasticsearch-data-config']],
  ])(
    '%s memory-maps its index files, with the node tuner in the agents namespace',
    (env, configs) => {
      const { objects } = synthEnvironment(env);
      for (const name of configs) {
        const yml = parse(find(objects, 'ConfigMap', name)!.data['elasticsearch.yml']);
        expect([name, yml['node.store.allow_mmap']]).toEqual([name, true]);
      }
      const tuner = find(objects, 'DaemonSet', 'elasticsearch-node-tuning')!;
      expect(tuner.metadata.namespace).toBe('observability-agents');
      expect(tuner.spec.template.spec.initContainers[0].securityContext.privileged).toBe(true);
    },
  );
});

describe('the dev environment fits a laptop cluster (docs/architecture.md#4-environments)', () => {
  const cpu = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
  const gib = (q: string) => {
    const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
    const unit = Object.keys(units).find((u) => q.endsWith(u));
    return (unit ? Number(q.slice(0, -2)) * units[unit] : Number(q)) / 2 ** 30;
  };

  test('requests at most 2 CPU and 4 GiB on a one-node cluster', () => {
    const { objects } = synthEnvironment('dev');
    let cpus = 0;
    let memory = 0;
    for (const workload of objects.filter((o) =>
      ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind),
    )) {
      const replicas = workload.kind === 'DaemonSet' ? 1 : workload.spec.replicas;
      for (const c of workload.spec.template.spec.containers) {
        cpus += replicas * cpu(c.resources.requests.cpu);
        memory += replicas * gib(c.resources.requests.memory);
      }
    }
    expect(cpus).toBeLessThanOrEqual(2);
    expect(memory).toBeLessThanOrEqual(4);
  });
});
