import { ENVIRONMENTS, synthEnvironment } from './support/environments';
import { KUBERNETES_VERSIONS, KubeSchema } from './support/kube-schema';

const schemas = KUBERNETES_VERSIONS.map((v) => new KubeSchema(v));

describe('the strict validator', () => {
  const schema = schemas[0];
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 80 }] } };

  test('accepts a valid object', () => {
    expect(schema.errors(service)).toEqual([]);
  });

  test('rejects an unknown field', () => {
    expect(schema.errors({ ...service, spec: { ...service.spec, selectr: { a: 'b' } } }).join('\n')).toMatch(/must NOT have additional properties: selectr/);
  });

  test('rejects a wrong type', () => {
    expect(schema.errors({ ...service, spec: { ports: [{ port: '80' }] } }).join('\n')).toMatch(/port must be integer/);
  });

  test('rejects a missing required field', () => {
    expect(schema.errors({ ...service, spec: { ports: [{ name: 'http' }] } }).join('\n')).toMatch(/must have required property 'port'/);
  });

  test('rejects a kind the version does not serve', () => {
    expect(schema.errors({ apiVersion: 'policy/v1beta1', kind: 'PodSecurityPolicy', metadata: { name: 'x' } }).join('\n')).toMatch(/not served/);
  });
});

describe.each(ENVIRONMENTS)('the %s environment', (env) => {
  test.each(KUBERNETES_VERSIONS.map((v, i) => [v, i] as const))('has zero strict-schema errors on Kubernetes %s', (_version, index) => {
    const { objects } = synthEnvironment(env);
    const errors = objects.flatMap((o) => schemas[index].errors(o).map((e) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}: ${e}`));
    expect(errors).toEqual([]);
    expect(objects.length).toBeGreaterThan(30);
  });
});
