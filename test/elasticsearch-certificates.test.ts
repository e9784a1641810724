import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  CertManagerCertificatesOptions,
  ElasticsearchCertificates,
  ElasticsearchCluster,
  ElasticsearchClusterProps,
} from '../lib/elasticsearch';
import { KUBERNETES_VERSIONS, KubeSchema } from './support/kube-schema';

const ISSUER = { kind: 'ClusterIssuer', name: 'internal-ca' } as const;

function synth(props: ElasticsearchClusterProps = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const cluster = new ElasticsearchCluster(chart, 'elasticsearch', props);
  const objects = Testing.synth(chart) as any[];
  return { cluster, objects, certificate: objects.find((o) => o.kind === 'Certificate') };
}
const certManager = (
  options: Partial<CertManagerCertificatesOptions> = {},
  props: ElasticsearchClusterProps = {},
) =>
  synth({
    ...props,
    security: {
      certificates: ElasticsearchCertificates.certManager({ issuer: ISSUER, ...options }),
    },
  });

describe('certificates from a Secret the user creates', () => {
  test('are the default, named after the cluster, and listed as an external Secret', () => {
    const { cluster, certificate } = synth();
    expect(certificate).toBeUndefined();
    expect(cluster.certificatesSecret).toBe('elasticsearch-certs');
    expect(cluster.certificatesIssuer).toBeUndefined();
    expect(cluster.externalSecrets.find((s) => s.name === 'elasticsearch-certs')).toMatchObject({
      keys: ['tls.crt', 'tls.key', 'ca.crt'],
    });
  });

  test('can name another Secret, which the pods mount and clients trust', () => {
    const { cluster, objects } = synth({
      security: { certificates: ElasticsearchCertificates.fromSecret('es-tls') },
    });
    const pod = objects.find((o) => o.kind === 'StatefulSet').spec.template.spec;
    expect(pod.volumes.find((v: any) => v.name === 'certs').secret.secretName).toBe('es-tls');
    expect(cluster.caCertificate).toEqual({ name: 'es-tls', key: 'ca.crt' });
    expect(cluster.externalSecrets.map((s) => s.name)).toContain('es-tls');
  });

  test('fails on a Secret name that is not a Kubernetes name', () => {
    expect(() =>
      synth({ security: { certificates: ElasticsearchCertificates.fromSecret('ES_TLS') } }),
    ).toThrow(/'security.certificates' must be a DNS-1123 label.*got 'ES_TLS'/);
  });
});

describe('certificates from cert-manager', () => {
  test('emit a cert-manager.io/v1 Certificate that writes the Secret the pods mount', () => {
    const { cluster, objects, certificate } = certManager();
    expect(certificate.apiVersion).toBe('cert-manager.io/v1');
    expect(certificate.metadata).toMatchObject({
      name: 'elasticsearch-certs',
      namespace: 'observability',
    });
    expect(certificate.spec.secretName).toBe('elasticsearch-certs');
    const pod = objects.find((o) => o.kind === 'StatefulSet').spec.template.spec;
    expect(pod.volumes.find((v: any) => v.name === 'certs').secret.secretName).toBe(
      certificate.spec.secretName,
    );
    expect(cluster.caCertificate).toEqual({ name: 'elasticsearch-certs', key: 'ca.crt' });
  });

  test('reference the issuer the user names', () => {
    expect(certManager().certificate.spec.issuerRef).toEqual({
      group: 'cert-manager.io',
      kind: 'ClusterIssuer',
      name: 'internal-ca',
    });
    const namespaced = certManager({ issuer: { kind: 'Issuer', name: 'observability-ca' } });
    expect(namespaced.certificate.spec.issuerRef).toEqual({
      group: 'cert-manager.io',
      kind: 'Issuer',
      name: 'observability-ca',
    });
    expect(namespaced.cluster.certificatesIssuer).toEqual({
      kind: 'Issuer',
      name: 'observability-ca',
    });
  });

  test('cover the HTTP Service, the transport Service and its pods in every form', () => {
    const { certificate } = certManager();
    const forms = (host: string) => [
      host,
      `${host}.observability`,
      `${host}.observability.svc`,
      `${host}.observability.svc.cluster.local`,
    ];
    expect(certificate.spec.dnsNames).toEqual([
      ...forms('elasticsearch-http'),
      ...forms('elasticsearch-transport'),
      ...forms('*.elasticsearch-transport'),
    ]);
  });

  test('cover the names of a cluster with another name, namespace and cluster domain', () => {
    const chart = new Chart(Testing.app(), 'test');
    new ElasticsearchCluster(chart, 'logs', {
      namespace: 'logging',
      security: {
        certificates: ElasticsearchCertificates.certManager({
          issuer: ISSUER,
          clusterDomain: 'k8s.internal',
        }),
      },
    });
    const certificate = (Testing.synth(chart) as any[]).find((o) => o.kind === 'Certificate');
    expect(certificate.metadata.namespace).toBe('logging');
    expect(certificate.spec.dnsNames).toContain('logs-http.logging.svc.k8s.internal');
    expect(certificate.spec.dnsNames).toContain('*.logs-transport.logging.svc.k8s.internal');
  });

  test('are server and client certificates with a fresh RSA key at every renewal', () => {
    const { spec } = certManager().certificate;
    expect(spec.usages).toEqual([
      'server auth',
      'client auth',
      'digital signature',
      'key encipherment',
    ]);
    expect(spec.privateKey).toEqual({
      algorithm: 'RSA',
      size: 2048,
      encoding: 'PKCS8',
      rotationPolicy: 'Always',
    });
  });

  test('last 90 days and renew 30 days ahead by default, or as told', () => {
    expect(certManager().certificate.spec).toMatchObject({
      duration: '2160h',
      renewBefore: '720h',
    });
    expect(certManager({ duration: '720h', renewBefore: '240h' }).certificate.spec).toMatchObject({
      duration: '720h',
      renewBefore: '240h',
    });
  });

  test('label the Certificate and the Secret it writes as part of the cluster', () => {
    const { certificate } = certManager();
    expect(certificate.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'elasticsearch',
      'app.kubernetes.io/component': 'certificate',
    });
    expect(certificate.spec.secretTemplate.labels).toEqual(certificate.metadata.labels);
  });

  test('make the Secret no longer one the user creates', () => {
    const { cluster } = certManager();
    expect(cluster.externalSecrets.map((s) => s.name)).toEqual(['elasticsearch-elastic-password']);
  });

  test('keep the TLS settings on the mounted files', () => {
    const { objects } = certManager();
    const config = parse(objects.find((o) => o.kind === 'ConfigMap').data['elasticsearch.yml']);
    expect(config['xpack.security.http.ssl'].certificate_authorities).toEqual([
      '/usr/share/elasticsearch/config/certs/ca.crt',
    ]);
  });

  test('are not emitted when security is off', () => {
    const chart = new Chart(Testing.app(), 'test');
    new ElasticsearchCluster(chart, 'elasticsearch', {
      security: {
        enabled: false,
        certificates: ElasticsearchCertificates.certManager({ issuer: ISSUER }),
      },
    });
    expect((Testing.synth(chart) as any[]).filter((o) => o.kind === 'Certificate')).toEqual([]);
  });

  test.each(KUBERNETES_VERSIONS)(
    'pass the strict schema, Certificate included, on Kubernetes %s',
    (version) => {
      const schema = new KubeSchema(version);
      const { objects } = certManager({}, { masters: { replicas: 3 }, data: { replicas: 3 } });
      expect(
        objects.flatMap((o) => schema.errors(o).map((e) => `${o.kind}/${o.metadata.name}: ${e}`)),
      ).toEqual([]);
    },
  );

  describe('fail, naming the prop, on', () => {
    test('an empty issuer name', () => {
      expect(() => certManager({ issuer: { kind: 'ClusterIssuer', name: '' } })).toThrow(
        /'security.certificates.issuer.name' must name an existing cert-manager issuer, got ''/,
      );
    });

    test('an issuer kind that is not Issuer or ClusterIssuer', () => {
      expect(() => certManager({ issuer: { kind: 'AWSPCAIssuer' as any, name: 'pca' } })).toThrow(
        /'security.certificates.issuer.kind' must be one of Issuer, ClusterIssuer, got 'AWSPCAIssuer'/,
      );
    });

    test('a missing issuer', () => {
      expect(() =>
        synth({
          security: {
            certificates: ElasticsearchCertificates.certManager(
              {} as CertManagerCertificatesOptions,
            ),
          },
        }),
      ).toThrow(/'security.certificates.issuer.kind'/);
    });

    test('a renewBefore not shorter than the duration', () => {
      expect(() => certManager({ duration: '720h', renewBefore: '720h' })).toThrow(
        /'security.certificates.renewBefore' must be shorter than the duration 720h/,
      );
      expect(() => certManager({ duration: '24h', renewBefore: '48h' })).toThrow(
        /'security.certificates.renewBefore'/,
      );
    });

    test('a duration in days, which cert-manager does not read', () => {
      expect(() => certManager({ duration: '90d' })).toThrow(
        /'security.certificates.duration' is not a duration cert-manager reads, got '90d'/,
      );
    });

    test("durations below cert-manager's minimums", () => {
      expect(() => certManager({ duration: '30m', renewBefore: '10m' })).toThrow(
        /'security.certificates.duration' is below cert-manager's minimum of 1h/,
      );
      expect(() => certManager({ renewBefore: '1m' })).toThrow(
        /'security.certificates.renewBefore' is below cert-manager's minimum of 5m/,
      );
    });

    test('a Secret name that is not a Kubernetes name', () => {
      expect(() => certManager({ secretName: 'Certs!' })).toThrow(
        /'security.certificates.secretName'/,
      );
    });

    test('a cluster domain that is not a domain', () => {
      expect(() => certManager({ clusterDomain: 'cluster local' })).toThrow(
        /'security.certificates.clusterDomain'/,
      );
    });
  });
});
