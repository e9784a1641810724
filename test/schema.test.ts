import { Testing } from 'cdk8s';
import { ElasticsearchCertificates, ObservabilityStack, VirtualMemory } from '../lib';
import { environmentProfile } from '../stacks/environments';
import { ENVIRONMENTS, KubeObject, synthEnvironment } from './support/environments';
import { KUBERNETES_VERSIONS, KubeSchema } from './support/kube-schema';

const schemas = KUBERNETES_VERSIONS.map((v) => new KubeSchema(v));

describe('the strict validator', () => {
  const schema = schemas[0];
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'x' },
    spec: { ports: [{ port: 80 }] },
  };

  test('accepts a valid object', () => {
    expect(schema.errors(service)).toEqual([]);
  });

  test('rejects an unknown field', () => {
    expect(
      schema.errors({ ...service, spec: { ...service.spec, selectr: { a: 'b' } } }).join('\n'),
    ).toMatch(/must NOT have additional properties: selectr/);
  });

  test('rejects a wrong type', () => {
    expect(schema.errors({ ...service, spec: { ports: [{ port: '80' }] } }).join('\n')).toMatch(
      /port must be integer/,
    );
  });

  test('rejects a missing required field', () => {
    expect(schema.errors({ ...service, spec: { ports: [{ name: 'http' }] } }).join('\n')).toMatch(
      /must have required property 'port'/,
    );
  });

  test('rejects a kind the version does not serve', () => {
    expect(
      schema
        .errors({
          apiVersion: 'policy/v1beta1',
          kind: 'PodSecurityPolicy',
          metadata: { name: 'x' },
        })
        .join('\n'),
    ).toMatch(/not served/);
  });
});

describe('the strict validator on cert-manager kinds', () => {
  const certificate = {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'x', namespace: 'observability' },
    spec: {
      secretName: 'x',
      issuerRef: { kind: 'ClusterIssuer', name: 'ca' },
      dnsNames: ['x.observability.svc'],
      usages: ['server auth'],
    },
  };

  test.each(KUBERNETES_VERSIONS.map((v, i) => [v, i] as const))(
    'accepts a valid Certificate on Kubernetes %s',
    (_version, index) => {
      expect(schemas[index].knows('cert-manager.io/v1', 'Certificate')).toBe(true);
      expect(schemas[index].errors(certificate)).toEqual([]);
    },
  );

  test('rejects an unknown field of a Certificate', () => {
    expect(
      schemas[0]
        .errors({ ...certificate, spec: { ...certificate.spec, dnsName: ['x'] } })
        .join('\n'),
    ).toMatch(/must NOT have additional properties: dnsName/);
    expect(
      schemas[0]
        .errors({
          ...certificate,
          spec: { ...certificate.spec, privateKey: { algorithm: 'RSA', bits: 2048 } },
        })
        .join('\n'),
    ).toMatch(/privateKey must NOT have additional properties: bits/);
  });

  test('rejects a value outside the CRD enum', () => {
    expect(
      schemas[0]
        .errors({ ...certificate, spec: { ...certificate.spec, usages: ['server-auth'] } })
        .join('\n'),
    ).toMatch(/usages\/0 must be equal to one of the allowed values/);
  });

  test('rejects a Certificate without its required fields', () => {
    expect(
      schemas[0].errors({ ...certificate, spec: { issuerRef: { name: 'ca' } } }).join('\n'),
    ).toMatch(/must have required property 'secretName'/);
  });

  test('checks the metadata of a Certificate as Kubernetes object metadata', () => {
    expect(
      schemas[0].errors({ ...certificate, metadata: { name: 'x', label: { a: 'b' } } }).join('\n'),
    ).toMatch(/metadata must NOT have additional properties: label/);
  });

  test('rejects cert-manager kinds whose schema is not stored', () => {
    expect(
      schemas[0]
        .errors({
          apiVersion: 'cert-manager.io/v1',
          kind: 'ClusterIssuer',
          metadata: { name: 'ca' },
        })
        .join('\n'),
    ).toMatch(/cert-manager.io\/v1\/ClusterIssuer is not served/);
    expect(
      schemas[0].errors({ ...certificate, apiVersion: 'cert-manager.io/v1alpha2' }).join('\n'),
    ).toMatch(/not served/);
  });
});

describe.each(ENVIRONMENTS)('the %s environment', (env) => {
  test.each(KUBERNETES_VERSIONS.map((v, i) => [v, i] as const))(
    'has zero strict-schema errors on Kubernetes %s',
    (_version, index) => {
      const { objects } = synthEnvironment(env);
      const errors = objects.flatMap((o) =>
        schemas[index]
          .errors(o)
          .map((e) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}: ${e}`),
      );
      expect(errors).toEqual([]);
      expect(objects.length).toBeGreaterThan(30);
    },
  );
});

describe.each(Object.values(VirtualMemory))(
  'a prod stack with cert-manager certificates and virtualMemory %s',
  (virtualMemory) => {
    const prod = environmentProfile('prod');
    const stack = new ObservabilityStack(Testing.app(), 'observability', {
      ...prod,
      elasticsearch: {
        ...prod.elasticsearch,
        virtualMemory,
        security: {
          certificates: ElasticsearchCertificates.certManager({
            issuer: { kind: 'ClusterIssuer', name: 'internal-ca' },
          }),
        },
      },
    });
    const objects = Testing.synth(stack) as KubeObject[];

    test.each(KUBERNETES_VERSIONS.map((v, i) => [v, i] as const))(
      'has zero strict-schema errors on Kubernetes %s',
      (_version, index) => {
        const errors = objects.flatMap((o) =>
          schemas[index]
            .errors(o)
            .map((e) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}: ${e}`),
        );
        expect(errors).toEqual([]);
        expect(objects.filter((o) => o.kind === 'Certificate')).toHaveLength(1);
      },
    );
  },
);
