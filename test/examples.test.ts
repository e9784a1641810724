import { Testing } from 'cdk8s';
import { LoggingChart } from '../examples/custom-stack';
import { KUBERNETES_VERSIONS, KubeSchema } from './support/kube-schema';

describe('examples/custom-stack.ts (the README example)', () => {
  const chart = new LoggingChart(Testing.app(), 'logging');
  const objects = Testing.synth(chart) as any[];

  test('runs five master-eligible data nodes in its own namespace', () => {
    const sts = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'logs-node');
    expect(sts.spec.replicas).toBe(5);
    expect(sts.metadata.namespace).toBe('logging');
    expect(chart.elasticsearch.masterEligibleNodes).toBe(5);
  });

  test('ships logs from Filebeat straight to Elasticsearch', () => {
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'logging-agents');
    expect(Object.values(config.data).join('\n')).toContain('output.elasticsearch');
  });

  test.each(KUBERNETES_VERSIONS)('is valid against the strict Kubernetes %s schema', (version) => {
    const schema = new KubeSchema(version);
    expect(objects.flatMap((o) => schema.errors(o))).toEqual([]);
  });
});
