import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { Grafana } from '../lib/grafana';
import { Images } from '../lib/core/images';
import { Prometheus, PrometheusProps } from '../lib/prometheus';
import { synthStack } from './support/objects';

function synth(props: PrometheusProps = {}) {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: 'observability' });
  const prometheus = new Prometheus(chart, 'prometheus', props);
  const grafana = new Grafana(chart, 'grafana', { prometheus });
  const objs = Testing.synth(chart);
  const find = (kind: string, name: string) =>
    objs.find((o) => o.kind === kind && o.metadata.name === name);
  return { prometheus, grafana, objs, find };
}

const datasource = (objs: any[]) => {
  const cm = objs.find(
    (o) => o.kind === 'ConfigMap' && Object.keys(o.data ?? {}).includes('datasources.yaml'),
  );
  return parse(cm.data['datasources.yaml']).datasources.find((d: any) => d.uid === 'prometheus');
};

describe('Prometheus thanos', () => {
  test('adds a Thanos sidecar to each Prometheus pod, restricted, with its StoreAPI on 10901', () => {
    const { find } = synth({ replicas: 2, thanos: {} });
    const containers = find('StatefulSet', 'prometheus').spec.template.spec.containers;
    expect(containers.map((c: any) => c.name)).toEqual(['prometheus', 'thanos-sidecar']);
    const sidecar = containers[1];
    expect(sidecar.image).toBe(Images.thanos);
    expect(sidecar.args).toEqual([
      'sidecar',
      '--prometheus.url=http://localhost:9090',
      '--grpc-address=0.0.0.0:10901',
      '--http-address=0.0.0.0:10902',
    ]);
    expect(sidecar.ports).toEqual([
      { name: 'grpc', containerPort: 10901, protocol: 'TCP' },
      { name: 'thanos-http', containerPort: 10902, protocol: 'TCP' },
    ]);
    expect(sidecar.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(sidecar.resources).toEqual({
      requests: { cpu: '50m', memory: '128Mi' },
      limits: { memory: '256Mi' },
    });
    expect(sidecar.readinessProbe.httpGet).toMatchObject({ path: '/-/ready', port: 'thanos-http' });
  });

  test('a querier Deployment de-duplicates on replica over each pod by its stable DNS name', () => {
    const { find, prometheus } = synth({ replicas: 3, thanos: { queryReplicas: 2 } });
    const deployment = find('Deployment', 'prometheus-thanos-query');
    expect(deployment.spec.replicas).toBe(2);
    const [container] = deployment.spec.template.spec.containers;
    expect(container.args).toEqual([
      'query',
      '--http-address=0.0.0.0:10902',
      '--grpc-address=0.0.0.0:10901',
      '--query.replica-label=replica',
      `--endpoint.sd-config=endpoints:\n` +
        [0, 1, 2]
          .map((i) => `  - address: prometheus-${i}.prometheus-headless.observability.svc:10901`)
          .join('\n'),
    ]);
    expect(prometheus.thanosQuery?.args).toEqual(container.args);
    const sd = parse(container.args[4].slice('--endpoint.sd-config='.length));
    expect(sd.endpoints).toHaveLength(3);
    expect(deployment.spec.template.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'thanos',
      'app.kubernetes.io/instance': 'prometheus',
      'app.kubernetes.io/component': 'query',
      'app.kubernetes.io/version': 'v0.42.4',
    });
    expect(find('Service', 'prometheus-thanos-query').spec.ports).toEqual([
      { name: 'http', port: 10902, targetPort: 'http', protocol: 'TCP' },
    ]);
    expect(find('PodDisruptionBudget', 'prometheus-thanos-query')).toBeDefined();
    expect(prometheus.queryEndpoint.url).toBe(
      'http://prometheus-thanos-query.observability.svc:10902',
    );
  });

  test("Grafana's Prometheus data source is the querier (type Thanos) with thanos, else Prometheus", () => {
    const on = datasource(synth({ replicas: 2, thanos: {} }).objs);
    expect(on.url).toBe('http://prometheus-thanos-query.observability.svc:10902');
    expect(on.jsonData.prometheusType).toBe('Thanos');
    const off = datasource(synth({ replicas: 2 }).objs);
    expect(off.url).toBe('http://prometheus.observability.svc:9090');
    expect(off.jsonData.prometheusType).toBe('Prometheus');
  });

  test('without thanos: one container, no querier', () => {
    const { objs, prometheus } = synth({ replicas: 2 });
    expect(objs.filter((o) => o.kind === 'Deployment')).toHaveLength(1); // Grafana's
    expect(prometheus.queryEndpoint).toBe(prometheus.endpoint);
  });

  test('the stack wires Grafana to the querier', () => {
    const { objects } = synthStack({ prometheus: { replicas: 2, thanos: {} } });
    expect(datasource(objects).url).toMatch(/^http:\/\/prometheus-thanos-query\..*:10902$/);
  });

  test('rejects thanos on a single replica', () =>
    expect(() => synth({ thanos: {} })).toThrow(/'thanos'.*needs replicas >= 2/));

  test('rejects a querier of zero replicas and an unpinned image', () => {
    expect(() => synth({ replicas: 2, thanos: { queryReplicas: 0 } })).toThrow(
      /thanos\.queryReplicas/,
    );
    expect(() => synth({ replicas: 2, thanos: { image: 'quay.io/thanos/thanos' } })).toThrow(
      /image.*pinned/,
    );
  });
});
