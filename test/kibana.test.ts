import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { Spread } from '../lib/core/workload';
import { Kibana, KibanaProps } from '../lib/kibana';
import { FakeElasticsearchCluster } from './support/fake-elasticsearch';
import { named } from './support/objects';

function synth(props: Partial<KibanaProps> = {}, secure = true) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const kibana = new Kibana(chart, 'kibana', {
    elasticsearch: new FakeElasticsearchCluster(chart, { securityEnabled: secure }),
    ...props,
  });
  return { kibana, objects: Testing.synth(chart) as any[] };
}
const pod = (objects: any[]) => named(objects, 'Deployment', 'kibana').spec.template.spec;
const config = (objects: any[]) =>
  parse(named(objects, 'ConfigMap', 'kibana-config').data['kibana.yml']);
const env = (objects: any[], name: string) =>
  pod(objects).containers[0].env.find((e: any) => e.name === name);

describe('Kibana', () => {
  test('kibana.yml listens on all interfaces and points at the cluster over verified TLS', () => {
    const { objects } = synth();
    const c = config(objects);
    expect(c['server.host']).toBe('0.0.0.0');
    expect(c['server.name']).toBe('kibana');
    expect(c['elasticsearch.hosts']).toEqual(['https://elasticsearch-http.observability.svc:9200']);
    expect(c['elasticsearch.ssl.certificateAuthorities']).toEqual([
      '/usr/share/kibana/config/certs/ca.crt',
    ]);
    expect(c['elasticsearch.ssl.verificationMode']).toBe('full');
    expect(c['server.publicBaseUrl']).toBeUndefined();
  });

  test('Kibana connects as kibana_system, its password reaching kibana.yml through an environment variable from the default Secret', () => {
    const { kibana, objects } = synth();
    expect(config(objects)['elasticsearch.username']).toBe('kibana_system');
    expect(config(objects)['elasticsearch.password']).toBe('${KIBANA_SYSTEM_PASSWORD}');
    expect(env(objects, 'KIBANA_SYSTEM_PASSWORD').valueFrom.secretKeyRef).toEqual({
      name: 'kibana-system-password',
      key: 'password',
    });
    expect(kibana.systemPassword).toEqual({ name: 'kibana-system-password', key: 'password' });
    expect(kibana.externalSecrets).toContainEqual(
      expect.objectContaining({ name: 'kibana-system-password', keys: ['password'] }),
    );
  });

  test('systemPassword names another Secret and key', () => {
    const { objects } = synth({ systemPassword: { name: 'es-kibana', key: 'pw' } });
    expect(env(objects, 'KIBANA_SYSTEM_PASSWORD').valueFrom.secretKeyRef).toEqual({
      name: 'es-kibana',
      key: 'pw',
    });
  });

  test('the encryption keys come from one Secret with three keys', () => {
    const { kibana, objects } = synth();
    const c = config(objects);
    expect(c['xpack.encryptedSavedObjects.encryptionKey']).toBe(
      '${KIBANA_ENCRYPTED_SAVED_OBJECTS_KEY}',
    );
    expect(c['xpack.security.encryptionKey']).toBe('${KIBANA_SECURITY_ENCRYPTION_KEY}');
    expect(c['xpack.reporting.encryptionKey']).toBe('${KIBANA_REPORTING_ENCRYPTION_KEY}');
    expect(env(objects, 'KIBANA_ENCRYPTED_SAVED_OBJECTS_KEY').valueFrom.secretKeyRef).toEqual({
      name: 'kibana-encryption-keys',
      key: 'encrypted-saved-objects',
    });
    expect(kibana.externalSecrets).toContainEqual(
      expect.objectContaining({
        name: 'kibana-encryption-keys',
        keys: ['encrypted-saved-objects', 'security', 'reporting'],
      }),
    );
  });

  test('without security there is no user, no TLS settings and no password Secret', () => {
    const { kibana, objects } = synth({}, false);
    const c = config(objects);
    expect(c['elasticsearch.hosts']).toEqual(['http://elasticsearch-http.observability.svc:9200']);
    expect(c['elasticsearch.username']).toBeUndefined();
    expect(c['elasticsearch.password']).toBeUndefined();
    expect(c['elasticsearch.ssl.verificationMode']).toBeUndefined();
    expect(env(objects, 'KIBANA_SYSTEM_PASSWORD')).toBeUndefined();
    expect(kibana.externalSecrets.map((s) => s.name)).toEqual(['kibana-encryption-keys']);
  });

  test('publicBaseUrl is written to server.publicBaseUrl', () => {
    const { objects } = synth({ publicBaseUrl: 'https://kibana.example.com' });
    expect(config(objects)['server.publicBaseUrl']).toBe('https://kibana.example.com');
  });

  test('a Service named http on 5601 is the endpoint', () => {
    const { kibana, objects } = synth();
    expect(named(objects, 'Service', 'kibana').spec.ports).toEqual([
      { name: 'http', port: 5601, targetPort: 'http', protocol: 'TCP' },
    ]);
    expect(kibana.endpoint.url).toBe('http://kibana.observability.svc:5601');
  });

  test('readiness asks /api/status, liveness only checks the port', () => {
    const { objects } = synth();
    const c = pod(objects).containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/api/status', port: 'http', scheme: 'HTTP' });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'http' });
  });

  test('runs as uid 1000 on a read-only root with writable data, logs and /tmp', () => {
    const { objects } = synth();
    const spec = pod(objects);
    const c = spec.containers[0];
    expect(c.securityContext).toMatchObject({
      runAsUser: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(spec.securityContext.runAsUser).toBe(1000);
    expect(spec.automountServiceAccountToken).toBe(false);
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m.name]));
    expect(mounts['/usr/share/kibana/data']).toBe('data');
    expect(mounts['/tmp']).toBe('tmp');
    expect(spec.volumes.find((v: any) => v.name === 'data').emptyDir).toBeDefined();
    expect(c.volumeMounts).toContainEqual({
      name: 'config',
      mountPath: '/usr/share/kibana/config/kibana.yml',
      subPath: 'kibana.yml',
      readOnly: true,
    });
    expect(
      named(objects, 'Deployment', 'kibana').spec.template.metadata.annotations['checksum/config'],
    ).toMatch(/^[0-9a-f]{16}$/);
  });

  test('one replica has no disruption budget, two have one and can be kept apart', () => {
    expect(named(synth().objects, 'PodDisruptionBudget', 'kibana')).toBeUndefined();
    const { objects } = synth({ replicas: 2, spread: Spread.REQUIRED });
    expect(named(objects, 'PodDisruptionBudget', 'kibana')).toBeDefined();
    expect(
      pod(objects).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution,
    ).toHaveLength(1);
  });

  test('fails when replicas is not a positive integer', () => {
    expect(() => synth({ replicas: 0 })).toThrow(/replicas/);
  });

  test('fails when publicBaseUrl has a trailing slash or no scheme', () => {
    expect(() => synth({ publicBaseUrl: 'https://kibana.example.com/' })).toThrow(/publicBaseUrl/);
    expect(() => synth({ publicBaseUrl: 'kibana.example.com' })).toThrow(/publicBaseUrl/);
  });

  test('fails when an encryption key reference has no key', () => {
    const ref = { name: 'keys', key: '' };
    expect(() =>
      synth({ encryptionKeys: { encryptedSavedObjects: ref, security: ref, reporting: ref } }),
    ).toThrow(/encryptionKeys/);
  });
});
