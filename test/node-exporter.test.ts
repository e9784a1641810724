import { Chart, Testing } from 'cdk8s';
import { NodeExporter, NodeExporterProps } from '../lib/prometheus';
import { KUBERNETES_VERSIONS, KubeSchema } from './support/kube-schema';

function synth(props: NodeExporterProps = {}) {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: 'observability-agents' });
  const exporter = new NodeExporter(chart, 'node-exporter', props);
  const objs = Testing.synth(chart);
  const ds = objs.find((o) => o.kind === 'DaemonSet');
  return {
    exporter,
    objs,
    ds,
    pod: ds.spec.template.spec,
    container: ds.spec.template.spec.containers[0],
  };
}

describe('NodeExporter', () => {
  test('runs on every node, tainted or not, in the host network but not the host PID namespace', () => {
    const { pod } = synth();
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod.hostNetwork).toBe(true);
    expect(pod.hostPID).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('reads /proc, /sys and / read-only from the host', () => {
    const { pod, container } = synth();
    expect(pod.volumes).toEqual([
      { name: 'proc', hostPath: { path: '/proc', type: 'Directory' } },
      { name: 'sys', hostPath: { path: '/sys', type: 'Directory' } },
      { name: 'root', hostPath: { path: '/', type: 'Directory' } },
    ]);
    expect(container.volumeMounts.every((m: any) => m.readOnly)).toBe(true);
    expect(container.args).toEqual(
      expect.arrayContaining([
        '--path.procfs=/host/proc',
        '--path.sysfs=/host/sys',
        '--path.rootfs=/host/root',
      ]),
    );
  });

  test('runs as nobody with every capability dropped and a read-only root filesystem', () => {
    const { container } = synth();
    expect(container.securityContext).toMatchObject({
      runAsUser: 65534,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  test('is scraped through annotations and probed on port 9100', () => {
    const { ds, container } = synth();
    expect(ds.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9100',
    });
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: 9100, protocol: 'TCP' }]);
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/', port: 'metrics' });
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/', port: 'metrics' });
  });

  test('listens on another port when asked', () => {
    const { container, ds, exporter } = synth({ port: 9101 });
    expect(exporter.port).toBe(9101);
    expect(container.args).toContain('--web.listen-address=:9101');
    expect(ds.spec.template.metadata.annotations['prometheus.io/port']).toBe('9101');
  });

  test.each(KUBERNETES_VERSIONS)('passes the strict schema of Kubernetes %s', (version) => {
    const schema = new KubeSchema(version);
    expect(synth().objs.flatMap((o) => schema.errors(o))).toEqual([]);
  });

  test('fails when port is out of range', () => {
    expect(() => synth({ port: 70000 })).toThrow(/port/);
  });

  test('fails when port is one the kubelet already listens on in the host network', () => {
    expect(() => synth({ port: 10250 })).toThrow(
      /'port' is already used on every node by the kubelet.*got 10250 \(keep the default 9100/,
    );
  });

  test('fails when the memory limit is below the request', () => {
    expect(() =>
      synth({ resources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '64Mi' } }),
    ).toThrow(/resources.memoryLimit/);
  });
});
