import { App, Testing } from 'cdk8s';
import { DEFAULT_LOG_CLASSES, withLogRetention } from '../lib/core/log-classes';
import { ObservabilityStack, ObservabilityStackProps, StackUi } from '../lib';
import { Images } from '../lib/core/images';
import { ENVIRONMENTS, environmentProfile } from '../stacks/environments';
import { KubeObject } from './support/environments';

// Stability (docs/architecture.md#6-rules-that-hold-everywhere): the same props always give the same bytes, and the settings an
// operator tunes day to day never touch a field Kubernetes refuses to change in place.

/** The manifests of one stack as the CLI writes them: the same YAML writer, without touching the disk. */
function synthYaml(props: ObservabilityStackProps): string {
  const app = new App();
  new ObservabilityStack(app, 'observability', props);
  return app.synthYaml();
}

const synthesized = new Map<ObservabilityStackProps, KubeObject[]>();

/** The objects of one stack, synthesized once per props object: several tests read each variant. */
function synthObjects(props: ObservabilityStackProps): KubeObject[] {
  let objects = synthesized.get(props);
  if (!objects) {
    objects = Testing.synth(
      new ObservabilityStack(Testing.app(), 'observability', props),
    ) as KubeObject[];
    synthesized.set(props, objects);
  }
  return objects;
}

const key = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const WORKLOADS = ['StatefulSet', 'Deployment', 'DaemonSet'];

/** The fields of a claim template a StatefulSet cannot change; `size` only unless the size prop itself changed. */
function claimTemplates(sts: KubeObject, withSize: boolean) {
  return (sts.spec.volumeClaimTemplates ?? []).map((t: any) => ({
    name: t.metadata.name,
    storageClassName: t.spec.storageClassName,
    accessModes: t.spec.accessModes,
    ...(withSize ? { size: t.spec.resources?.requests?.storage } : {}),
  }));
}

/**
 * What must not change for an in-place apply, per object: workload selectors (and a
 * StatefulSet's Service name and claim templates), Service selectors and ClusterIP mode.
 * The object's presence under its name is part of it: a renamed object is a replaced one.
 */
function immutableFields(
  objects: KubeObject[],
  options: { sizeChanged?: boolean } = {},
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const o of objects) {
    if (WORKLOADS.includes(o.kind)) {
      fields[key(o)] = {
        selector: o.spec.selector,
        ...(o.kind === 'StatefulSet'
          ? {
              serviceName: o.spec.serviceName,
              volumeClaimTemplates: claimTemplates(o, !options.sizeChanged),
            }
          : {}),
      };
    } else if (o.kind === 'Service') {
      fields[key(o)] = {
        selector: o.spec.selector,
        clusterIP: o.spec.clusterIP ?? null,
        type: o.spec.type ?? null,
      };
    }
  }
  return fields;
}

const prod = environmentProfile('prod');
const prodLogstash = prod.logstash || {};

/** Day-to-day changes of the prod profile; none may touch an immutable field. */
const VARIANTS: { name: string; props: ObservabilityStackProps; sizeChanged?: boolean }[] = [
  {
    name: 'Logstash replicas 3 -> 4',
    props: { ...prod, logstash: { ...prodLogstash, replicas: 4 } },
  },
  {
    name: 'Logstash replicas 3 -> 2',
    props: { ...prod, logstash: { ...prodLogstash, replicas: 2 } },
  },
  { name: 'Kibana replicas 2 -> 3', props: { ...prod, kibana: { ...prod.kibana, replicas: 3 } } },
  {
    name: 'Prometheus replicas 2 -> 3',
    props: { ...prod, prometheus: { ...prod.prometheus, replicas: 3 } },
  },
  // No 2 -> 1: prod's Thanos querier needs two replicas, and dropping it deletes its objects.
  { name: 'Jaeger replicas 2 -> 4', props: { ...prod, jaeger: { ...prod.jaeger, replicas: 4 } } },
  {
    name: 'Alertmanager replicas 3 -> 5',
    props: { ...prod, alertmanager: { ...prod.alertmanager, replicas: 5 } },
  },
  {
    name: 'Elasticsearch data nodes 3 -> 5',
    props: {
      ...prod,
      elasticsearch: { ...prod.elasticsearch, data: { ...prod.elasticsearch!.data!, replicas: 5 } },
    },
  },
  {
    name: 'resources of Elasticsearch, Logstash, Kibana, Prometheus and Jaeger',
    props: {
      ...prod,
      elasticsearch: {
        ...prod.elasticsearch,
        data: {
          ...prod.elasticsearch!.data!,
          resources: { cpuRequest: '4', memoryRequest: '16Gi', memoryLimit: '16Gi' },
        },
      },
      logstash: {
        ...prodLogstash,
        resources: { cpuRequest: '1', memoryRequest: '4Gi', memoryLimit: '4Gi' },
      },
      kibana: {
        ...prod.kibana,
        resources: { cpuRequest: '1', memoryRequest: '2Gi', memoryLimit: '2Gi' },
      },
      prometheus: {
        ...prod.prometheus,
        resources: { cpuRequest: '2', memoryRequest: '8Gi', memoryLimit: '8Gi' },
      },
      jaeger: {
        ...prod.jaeger,
        resources: { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '1Gi' },
      },
    },
  },
  {
    name: 'access: teams, hosts, proxy replicas and image',
    props: {
      ...prod,
      access: {
        ...prod.access!,
        teams: [
          ...prod.access!.teams,
          { name: 'auditors', groups: ['auditors'], uis: [StackUi.KIBANA, StackUi.ALERTMANAGER] },
        ],
        hosts: { grafana: 'dashboards.example.com' },
        replicas: 3,
        image: bumped(Images.oauth2Proxy),
      },
    },
  },
  {
    name: 'log retention',
    props: {
      ...prod,
      logClasses: withLogRetention(DEFAULT_LOG_CLASSES, {
        all: '14d',
        errors: '60d',
        trades: '2y',
        ai: '7d',
      }),
    },
  },
  {
    name: 'Prometheus retention',
    props: {
      ...prod,
      prometheus: { ...prod.prometheus, retention: { time: '30d', size: '180GB' } },
    },
  },
  {
    name: 'Jaeger sampling 0.1 -> 0.5',
    props: {
      ...prod,
      jaeger: { ...prod.jaeger, samplingRate: 0.5, serviceSamplingRates: { checkout: 1 } },
    },
  },
  {
    name: 'environment and region',
    props: { ...prod, environment: 'production', region: 'us-east-1' },
  },
  { name: 'chart labels', props: { ...prod, labels: { team: 'sre', env: 'prod' } } },
  {
    name: 'image versions',
    props: {
      ...prod,
      elasticsearch: { ...prod.elasticsearch, image: bumped(Images.elasticsearch) },
      kibana: { ...prod.kibana, image: bumped(Images.kibana) },
      logstash: { ...prodLogstash, image: bumped(Images.logstash) },
      prometheus: { ...prod.prometheus, image: bumped(Images.prometheus) },
      jaeger: { ...prod.jaeger, image: bumped(Images.jaeger) },
      filebeat: { image: bumped(Images.filebeat) },
      alertmanager: { ...prod.alertmanager, image: bumped(Images.alertmanager) },
      grafana: { ...prod.grafana, image: bumped(Images.grafana) },
      nodeExporter: { image: bumped(Images.nodeExporter) },
      kubeStateMetrics: { image: bumped(Images.kubeStateMetrics) },
      elasticsearchExporter: { image: bumped(Images.elasticsearchExporter) },
    },
  },
  {
    name: 'storage sizes',
    sizeChanged: true,
    props: {
      ...prod,
      elasticsearch: {
        ...prod.elasticsearch,
        data: { ...prod.elasticsearch!.data!, storage: { size: '400Gi' } },
      },
      prometheus: { ...prod.prometheus, storage: { size: '200Gi' } },
      logstash: { ...prodLogstash, persistentQueue: { size: '40Gi' } },
    },
  },
];

/** The same image with another patch version, as a routine upgrade would set it. */
function bumped(image: string): string {
  const next = image.replace(
    /:(v?\d+\.\d+\.)(\d+)$/,
    (_, release, patch) => `:${release}${Number(patch) + 1}`,
  );
  if (next === image) throw new Error(`no version to bump in ${image}`);
  return next;
}

describe('synthesis is deterministic', () => {
  test.each(ENVIRONMENTS)('two synths of %s in fresh Apps are byte-identical', (env) => {
    const first = synthYaml(environmentProfile(env));
    const second = synthYaml(environmentProfile(env));
    expect(first.length).toBeGreaterThan(0);
    expect(second).toBe(first);
  });
});

describe('immutable fields survive day-to-day changes of the prod profile', () => {
  const base = synthObjects(prod);
  const baseFields = immutableFields(base);

  test('the base has the workloads and Services the comparison relies on', () => {
    const kinds = new Set(Object.keys(baseFields).map((k) => k.split(' ')[0]));
    expect([...kinds].sort()).toEqual(['DaemonSet', 'Deployment', 'Service', 'StatefulSet']);
    expect(Object.values(baseFields).some((f: any) => f.volumeClaimTemplates?.length > 0)).toBe(
      true,
    );
  });

  test('every variant changes the manifests (else it would test nothing)', () => {
    for (const v of VARIANTS)
      expect({
        variant: v.name,
        same: JSON.stringify(synthObjects(v.props)) === JSON.stringify(base),
      }).toEqual({ variant: v.name, same: false });
  });

  test.each(VARIANTS)(
    '$name keeps every selector, serviceName, claim template and Service',
    ({ props, sizeChanged }) => {
      const variant = immutableFields(synthObjects(props), { sizeChanged });
      expect(variant).toEqual(sizeChanged ? immutableFields(base, { sizeChanged }) : baseFields);
    },
  );

  test.each(VARIANTS)("$name never changes a Job's spec under the same name", ({ props }) => {
    const jobs = (objects: KubeObject[]) =>
      new Map(objects.filter((o) => o.kind === 'Job').map((o) => [key(o), o.spec]));
    const before = jobs(base);
    for (const [name, spec] of jobs(synthObjects(props))) {
      if (before.has(name)) expect({ name, spec }).toEqual({ name, spec: before.get(name) });
    }
  });

  test('a changed log retention gives the Elasticsearch setup Job a new name', () => {
    const setupJobs = (objects: KubeObject[]) =>
      objects
        .filter((o) => o.kind === 'Job' && o.metadata.name.startsWith('elasticsearch-setup-'))
        .map((o) => o.metadata.name);
    const retention = VARIANTS.find((v) => v.name === 'log retention')!;
    const [before] = setupJobs(base);
    const after = setupJobs(synthObjects(retention.props));
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before);
  });
});
