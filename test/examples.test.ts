import { Testing } from 'cdk8s';
import { LoggingChart } from '../examples/custom-stack';
import { KubeObject } from './support/environments';
import { KUBERNETES_VERSIONS, KubeSchema } from './support/kube-schema';
import { listExternalSecrets } from '../lib';
import {
  CLUSTER_SCOPED,
  danglingReferences,
  networkPolicyProblems,
  serviceProblems,
} from './support/manifest-checks';

describe('examples/custom-stack.ts (the README example)', () => {
  const chart = new LoggingChart(Testing.app(), 'logging');
  const objects = Testing.synth(chart) as KubeObject[];
  const namespaces = objects.filter((o) => o.kind === 'Namespace');

  test('runs five master-eligible data nodes in its own namespace', () => {
    const sts = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'logs-node')!;
    expect(sts.spec.replicas).toBe(5);
    expect(sts.metadata.namespace).toBe('logging');
    expect(chart.elasticsearch.masterEligibleNodes).toBe(5);
  });

  test('ships logs from Filebeat straight to Elasticsearch', () => {
    const config = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'logging-agents',
    )!;
    expect(Object.values(config.data).join('\n')).toContain('output.elasticsearch');
  });

  test('applies the retention: the setup Job carries the ILM policies', () => {
    const setup = objects.find((o) => o.kind === 'Job' && o.metadata.namespace === 'logging');
    expect(setup).toBeDefined();
    const configs = objects
      .filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'logging')
      .map((o) => JSON.stringify(o.data));
    expect(configs.some((data) => data.includes('delete'))).toBe(true);
  });

  test('defines every namespace its objects live in', () => {
    const defined = new Set(namespaces.map((o) => o.metadata.name));
    expect(
      objects
        .filter((o) => !CLUSTER_SCOPED.has(o.kind) && !defined.has(o.metadata.namespace!))
        .map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
    ).toEqual([]);
    expect([...defined]).toEqual(['logging', 'logging-agents']);
  });

  test('every ConfigMap, ServiceAccount, PVC, Role, namespace and Secret an object refers to is defined or declared', () => {
    const secrets = listExternalSecrets(chart).map((s) => `${s.namespace}/${s.name}`);
    expect(danglingReferences(objects, secrets)).toEqual([]);
  });

  test('every Service selects pods, and every flow is open at both ends', () => {
    expect([...serviceProblems(objects), ...networkPolicyProblems(objects)]).toEqual([]);
  });

  test('every namespace denies by default and admits its pods: privileged for Filebeat, restricted for the rest', () => {
    for (const namespace of namespaces.map((o) => o.metadata.name)) {
      const deny = objects.find(
        (o) =>
          o.kind === 'NetworkPolicy' &&
          o.metadata.namespace === namespace &&
          o.metadata.name === 'default-deny',
      );
      expect([namespace, deny?.spec]).toEqual([
        namespace,
        { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      ]);
    }
    const enforced = Object.fromEntries(
      namespaces.map((o) => [
        o.metadata.name,
        o.metadata.labels!['pod-security.kubernetes.io/enforce'],
      ]),
    );
    expect(enforced).toEqual({ logging: 'restricted', 'logging-agents': 'privileged' });
  });

  test('Filebeat, Kibana and the setup Job reach Elasticsearch through the policies', () => {
    const egress = (name: string) =>
      objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name)?.spec.egress ??
      [];
    for (const client of [
      'allow-filebeat-agent',
      'allow-kibana-server',
      'allow-logs-setup-setup',
    ]) {
      expect([
        client,
        egress(client).some((rule: any) => rule.ports?.some((p: any) => p.port === 9200)),
      ]).toEqual([client, true]);
    }
  });

  test.each(KUBERNETES_VERSIONS)('is valid against the strict Kubernetes %s schema', (version) => {
    const schema = new KubeSchema(version);
    expect(objects.flatMap((o) => schema.errors(o))).toEqual([]);
  });
});
