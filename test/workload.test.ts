import { Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { ComponentIdentity } from '../lib/core/labels';
import {
  addWorkload,
  PodTemplateOptions,
  Spread,
  spreadPods,
  WorkloadSpecOptions,
} from '../lib/core/workload';

const identity: ComponentIdentity = {
  name: 'demo',
  instance: 'demo-a',
  component: 'server',
  version: '1.0.0',
};

const pod: PodTemplateOptions = {
  identity,
  serviceAccountName: 'demo-a',
  automountServiceAccountToken: false,
  containers: [{ name: 'demo', image: 'demo:1.0.0' }],
};

function synth(spec: WorkloadSpecOptions) {
  const chart = new Chart(Testing.app(), 'test');
  addWorkload(chart, 'workload', { metadata: { name: 'demo-a' }, spec });
  const [object] = Testing.synth(chart);
  return object;
}

const selector = {
  'app.kubernetes.io/name': 'demo',
  'app.kubernetes.io/instance': 'demo-a',
  'app.kubernetes.io/component': 'server',
};

describe('addWorkload', () => {
  test.each<WorkloadSpecOptions>([
    { kind: 'Deployment', replicas: 2, pod },
    { kind: 'StatefulSet', replicas: 2, serviceName: 'demo-a-headless', pod },
    { kind: 'DaemonSet', maxUnavailable: k8s.IntOrString.fromNumber(1), pod },
  ])('a $kind selects the pods of its template by their identity labels', (spec) => {
    const object = synth(spec);
    expect(object.kind).toBe(spec.kind);
    expect(object.spec.selector).toEqual({ matchLabels: selector });
    expect(object.spec.template.metadata.labels).toMatchObject(selector);
    expect(object.spec.template.metadata.labels['app.kubernetes.io/version']).toBe('1.0.0');
    expect(object.spec.template.spec.serviceAccountName).toBe('demo-a');
    expect(object.spec.template.spec.enableServiceLinks).toBe(false);
  });

  test('a Deployment carries its replicas and strategy', () => {
    const object = synth({ kind: 'Deployment', replicas: 3, strategy: { type: 'Recreate' }, pod });
    expect(object.spec.replicas).toBe(3);
    expect(object.spec.strategy).toEqual({ type: 'Recreate' });
  });

  test('a StatefulSet carries its Service, policies and claims, the claims as the API server stores them', () => {
    const object = synth({
      kind: 'StatefulSet',
      replicas: 3,
      serviceName: 'demo-a-headless',
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate' },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } },
          },
        },
      ],
      pod,
    });
    expect(object.spec).toMatchObject({
      replicas: 3,
      serviceName: 'demo-a-headless',
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate' },
    });
    expect(object.spec.volumeClaimTemplates).toEqual([
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data' },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '1Gi' } },
          volumeMode: 'Filesystem',
        },
        status: { phase: 'Pending' },
      },
    ]);
  });

  test('a DaemonSet rolls at most maxUnavailable nodes at a time', () => {
    const object = synth({
      kind: 'DaemonSet',
      maxUnavailable: k8s.IntOrString.fromString('10%'),
      pod,
    });
    expect(object.spec.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '10%' },
    });
    expect(object.spec.replicas).toBeUndefined();
  });
});

describe('spreadPods', () => {
  const zoneConstraint = (spread: Spread) => spreadPods(identity, spread).topologySpreadConstraints;
  const antiAffinity = (spread: Spread) => spreadPods(identity, spread).affinity?.podAntiAffinity;

  test('NONE sets no constraint', () => {
    expect(spreadPods(identity, Spread.NONE)).toEqual({});
  });

  test('PREFERRED prefers other nodes and spreads over zones softly', () => {
    expect(antiAffinity(Spread.PREFERRED)).toHaveProperty(
      'preferredDuringSchedulingIgnoredDuringExecution',
    );
    expect(zoneConstraint(Spread.PREFERRED)).toEqual([
      expect.objectContaining({
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        maxSkew: 1,
      }),
    ]);
  });

  test('REQUIRED requires other nodes and still spreads over zones softly', () => {
    expect(
      antiAffinity(Spread.REQUIRED)!.requiredDuringSchedulingIgnoredDuringExecution![0].topologyKey,
    ).toBe('kubernetes.io/hostname');
    expect(zoneConstraint(Spread.REQUIRED)![0].whenUnsatisfiable).toBe('ScheduleAnyway');
  });

  test('REQUIRED_ZONES requires other nodes and an even spread over zones (DoNotSchedule)', () => {
    expect(
      antiAffinity(Spread.REQUIRED_ZONES)!.requiredDuringSchedulingIgnoredDuringExecution![0]
        .topologyKey,
    ).toBe('kubernetes.io/hostname');
    expect(zoneConstraint(Spread.REQUIRED_ZONES)).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: {
          matchLabels: {
            'app.kubernetes.io/name': 'demo',
            'app.kubernetes.io/instance': 'demo-a',
            'app.kubernetes.io/component': 'server',
          },
        },
      },
    ]);
  });
});
