import { execFileSync } from 'child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Testing } from 'cdk8s';
import { Images } from '../lib/core';
import {
  ELASTICSEARCH_MAX_MAP_COUNT,
  ElasticsearchNodeTuning,
  renderMaxMapCountContainer,
} from '../lib/elasticsearch';
import { KUBERNETES_VERSIONS, KubeSchema } from './support/kube-schema';

function synth(props: ConstructorParameters<typeof ElasticsearchNodeTuning>[2] = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability-agents' });
  const tuning = new ElasticsearchNodeTuning(chart, 'elasticsearch-node-tuning', props);
  const objects = Testing.synth(chart) as any[];
  return { tuning, objects, daemonSet: objects.find((o) => o.kind === 'DaemonSet') };
}

/** Runs the container's script with a fake `sysctl` that reports `current`; returns the sysctl calls. */
function runScript(current: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'sysctl-'));
  try {
    const log = join(dir, 'calls');
    writeFileSync(log, '');
    writeFileSync(
      join(dir, 'sysctl'),
      `#!/bin/sh\necho "$*" >> '${log}'\n[ "$1" = -n ] && echo ${current}\nexit 0\n`,
    );
    chmodSync(join(dir, 'sysctl'), 0o755);
    const container = renderMaxMapCountContainer(new Chart(Testing.app(), 'test'), Images.sysctl);
    execFileSync(container.command![0], container.command!.slice(1), {
      env: { PATH: `${dir}:/usr/bin:/bin` },
    });
    return readFileSync(log, 'utf8').trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('renderMaxMapCountContainer', () => {
  test('raises a lower vm.max_map_count to 1048576', () => {
    expect(runScript(65530)).toEqual([
      '-n vm.max_map_count',
      `-w vm.max_map_count=${ELASTICSEARCH_MAX_MAP_COUNT}`,
    ]);
  });

  test('keeps a value that is already high enough, never lowering it', () => {
    expect(runScript(2097152)).toEqual(['-n vm.max_map_count']);
    expect(runScript(ELASTICSEARCH_MAX_MAP_COUNT)).toEqual(['-n vm.max_map_count']);
  });
});

describe('ElasticsearchNodeTuning', () => {
  test('is a DaemonSet in its namespace whose init container sets vm.max_map_count, privileged', () => {
    const { daemonSet } = synth();
    expect(daemonSet.metadata).toMatchObject({
      name: 'elasticsearch-node-tuning',
      namespace: 'observability-agents',
    });
    const [sysctl] = daemonSet.spec.template.spec.initContainers;
    expect(sysctl.image).toBe(Images.sysctl);
    expect(sysctl.command[2]).toContain('sysctl -w vm.max_map_count=1048576');
    expect(sysctl.securityContext).toMatchObject({
      privileged: true,
      runAsUser: 0,
      runAsNonRoot: false,
    });
  });

  test('then keeps each pod Ready with a pause container that is restricted and tiny', () => {
    const { daemonSet } = synth();
    const spec = daemonSet.spec.template.spec;
    expect(spec.containers).toHaveLength(1);
    const [pause] = spec.containers;
    expect(pause.image).toBe(Images.pause);
    expect(pause.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 65535,
      runAsGroup: 65535,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pause.resources).toEqual({
      requests: { cpu: '1m', memory: '8Mi' },
      limits: { memory: '16Mi' },
    });
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.hostNetwork).toBeUndefined();
    expect(spec.hostPID).toBeUndefined();
  });

  test('tunes every untainted node by default', () => {
    const { tuning, daemonSet } = synth();
    expect(daemonSet.spec.template.spec.nodeSelector).toBeUndefined();
    expect(daemonSet.spec.template.spec.tolerations).toBeUndefined();
    expect(tuning.maxMapCount).toBe(1048576);
  });

  test('tunes only the selected nodes, tolerating their taints', () => {
    const nodeSelector = { 'node-role.example.com/search': 'true' };
    const tolerations = [
      { key: 'dedicated', operator: 'Equal', value: 'search', effect: 'NoSchedule' },
    ];
    const { tuning, daemonSet } = synth({ nodeSelector, tolerations });
    expect(daemonSet.spec.template.spec.nodeSelector).toEqual(nodeSelector);
    expect(daemonSet.spec.template.spec.tolerations).toEqual(tolerations);
    expect(tuning.nodeSelector).toEqual(nodeSelector);
  });

  test('selects its own pods, labelled with the sysctl image version', () => {
    const { daemonSet } = synth();
    expect(daemonSet.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'elasticsearch-node-tuning',
      'app.kubernetes.io/instance': 'elasticsearch-node-tuning',
      'app.kubernetes.io/component': 'node-tuning',
    });
    expect(daemonSet.spec.template.metadata.labels).toMatchObject({
      ...daemonSet.spec.selector.matchLabels,
      'app.kubernetes.io/version': '1.37.0',
    });
  });

  test.each(KUBERNETES_VERSIONS)('passes the strict schema of Kubernetes %s', (version) => {
    const schema = new KubeSchema(version);
    const { objects } = synth({ nodeSelector: { a: 'b' }, tolerations: [{ operator: 'Exists' }] });
    expect(objects.flatMap((o) => schema.errors(o))).toEqual([]);
  });

  test('fails on an unpinned pause image', () => {
    expect(() => synth({ pauseImage: 'registry.k8s.io/pause' })).toThrow(
      /'pauseImage' must be pinned/,
    );
  });

  test('fails on an unpinned sysctl image', () => {
    expect(() => synth({ image: 'busybox:latest' })).toThrow(/'image' must be pinned/);
  });
});
