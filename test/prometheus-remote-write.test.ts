import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { Prometheus, PrometheusProps, RelabelAction, RemoteWrite } from '../lib/prometheus';
import { NetworkPeer } from '../lib/core/network-flow';

function synth(props: PrometheusProps = {}) {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: 'observability' });
  const prometheus = new Prometheus(chart, 'prometheus', props);
  const objs = Testing.synth(chart);
  const configMap = objs.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config',
  );
  const config = parse(configMap.data['prometheus.yml']);
  const sts = objs.find((o) => o.kind === 'StatefulSet');
  return { prometheus, objs, config, sts, manifest: JSON.stringify(objs) };
}

const FULL: RemoteWrite = {
  url: 'https://metrics.example.com/api/v1/write',
  name: 'long-term',
  basicAuth: { secretName: 'remote-write', usernameKey: 'user', passwordKey: 'pass' },
  tls: { ca: { name: 'remote-write-ca', key: 'ca.crt' }, serverName: 'metrics.internal' },
  queue: {
    capacity: 20000,
    maxShards: 20,
    minShards: 2,
    maxSamplesPerSend: 5000,
    batchSendDeadline: '10s',
    minBackoff: '100ms',
    maxBackoff: '10s',
  },
  writeRelabelConfigs: [{ sourceLabels: ['__name__'], regex: 'go_.*', action: RelabelAction.DROP }],
  headers: { 'X-Scope-OrgID': 'acme' },
  sendExemplars: true,
};

describe('Prometheus remoteWrite', () => {
  test('renders url, name, credentials files, TLS, queue, relabelling, headers and exemplars', () => {
    const { config } = synth({ remoteWrite: [FULL] });
    expect(config.remote_write).toEqual([
      {
        url: 'https://metrics.example.com/api/v1/write',
        name: 'long-term',
        headers: { 'X-Scope-OrgID': 'acme' },
        basic_auth: {
          username_file: '/etc/prometheus-remote-write/remote-write-0-username',
          password_file: '/etc/prometheus-remote-write/remote-write-0-password',
        },
        tls_config: {
          ca_file: '/etc/prometheus-remote-write/remote-write-0-ca.crt',
          server_name: 'metrics.internal',
        },
        queue_config: {
          capacity: 20000,
          max_shards: 20,
          min_shards: 2,
          max_samples_per_send: 5000,
          batch_send_deadline: '10s',
          min_backoff: '100ms',
          max_backoff: '10s',
        },
        write_relabel_configs: [{ source_labels: ['__name__'], regex: 'go_.*', action: 'drop' }],
        send_exemplars: true,
      },
    ]);
  });

  test('no remote_write, no volume without it', () => {
    const { config, sts } = synth();
    expect(config.remote_write).toBeUndefined();
    expect(JSON.stringify(sts)).not.toContain('remote-write');
  });

  test('mounts the Secret keys read-only as a projected volume; no secret value in the manifest', () => {
    const { sts, prometheus } = synth({ remoteWrite: [FULL] });
    const spec = sts.spec.template.spec;
    expect(spec.volumes).toContainEqual({
      name: 'remote-write-secrets',
      projected: {
        defaultMode: 0o440,
        sources: [
          {
            secret: {
              name: 'remote-write',
              items: [
                { key: 'user', path: 'remote-write-0-username' },
                { key: 'pass', path: 'remote-write-0-password' },
              ],
            },
          },
          {
            secret: {
              name: 'remote-write-ca',
              items: [{ key: 'ca.crt', path: 'remote-write-0-ca.crt' }],
            },
          },
        ],
      },
    });
    expect(spec.containers[0].volumeMounts).toContainEqual({
      name: 'remote-write-secrets',
      mountPath: '/etc/prometheus-remote-write',
      readOnly: true,
    });
    // Secrets are only referenced: no env var, no secret data.
    expect(spec.containers[0].env).toBeUndefined();
    expect(prometheus.externalSecrets).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'remote-write', keys: ['user', 'pass'] }),
        expect.objectContaining({ name: 'remote-write-ca', keys: ['ca.crt'] }),
      ]),
    );
  });

  test('bearer token and OAuth 2.0 read their secrets from files', () => {
    const { config } = synth({
      remoteWrite: [
        { url: 'https://a.example.com/write', bearerToken: { name: 'rw-token', key: 'token' } },
        {
          url: 'https://b.example.com:8443/write',
          oauth2: {
            clientId: 'prometheus',
            clientSecret: { name: 'rw-oauth', key: 'secret' },
            tokenUrl: 'https://login.example.com/token',
            scopes: ['metrics.write'],
          },
        },
      ],
    });
    expect(config.remote_write[0].authorization).toEqual({
      type: 'Bearer',
      credentials_file: '/etc/prometheus-remote-write/remote-write-0-token',
    });
    expect(config.remote_write[1].oauth2).toEqual({
      client_id: 'prometheus',
      client_secret_file: '/etc/prometheus-remote-write/remote-write-1-client-secret',
      token_url: 'https://login.example.com/token',
      scopes: ['metrics.write'],
    });
  });

  test('egress to the remote-write peer on the ports of the URL and token URL, or to networkTargets', () => {
    const { prometheus } = synth({
      remoteWrite: [
        {
          url: 'https://b.example.com:8443/write',
          oauth2: {
            clientId: 'p',
            clientSecret: { name: 'o', key: 's' },
            tokenUrl: 'https://login.example.com/token',
          },
        },
        {
          url: 'http://receiver.metrics.svc:19291/api/v1/receive',
          name: 'in-cluster',
          networkTargets: [{ peer: NetworkPeer.namespace('metrics'), ports: [{ port: 19291 }] }],
        },
      ],
    });
    const flows = prometheus.networkFlows.filter((f) => f.purpose.startsWith('remote write'));
    expect(flows.map((f) => ({ to: f.to.name, ports: f.ports }))).toEqual([
      { to: 'remote-write', ports: [{ port: 8443 }, { port: 443 }] },
      { to: 'metrics', ports: [{ port: 19291 }] },
    ]);
  });

  describe('rejects', () => {
    const bad = (rw: Partial<RemoteWrite>, message: RegExp) =>
      expect(() =>
        synth({ remoteWrite: [{ url: 'https://m.example.com/write', ...rw } as RemoteWrite] }),
      ).toThrow(message);

    test('a URL that is not http(s)', () =>
      bad({ url: 'ftp://m.example.com' }, /remoteWrite\[0\]\.url.*http or https/));
    test('a URL that is no URL', () =>
      bad({ url: 'metrics.example.com/write' }, /remoteWrite\[0\]\.url/));
    test('credentials in the URL, without echoing them', () => {
      expect(() =>
        synth({ remoteWrite: [{ url: 'https://u:hunter2@m.example.com/write' }] }),
      ).toThrow(/carries credentials/);
      expect(() =>
        synth({ remoteWrite: [{ url: 'https://u:hunter2@m.example.com/write' }] }),
      ).not.toThrow(/hunter2/);
    });
    test('two authentications', () =>
      bad(
        { basicAuth: { secretName: 'a' }, bearerToken: { name: 'b', key: 't' } },
        /more than one authentication/,
      ));
    test('a bad Secret reference', () =>
      bad(
        { bearerToken: { name: 'Not_A_Name', key: 't' } },
        /remoteWrite\[0\]\.bearerToken\.name/,
      ));
    test('a zero or fractional queue number', () => {
      bad({ queue: { maxShards: 0 } }, /remoteWrite\[0\]\.queue\.maxShards.*integer at least 1/);
      bad({ queue: { capacity: 2.5 } }, /remoteWrite\[0\]\.queue\.capacity/);
    });
    test('minShards over maxShards', () =>
      bad({ queue: { minShards: 10, maxShards: 5 } }, /queue\.minShards.*more than maxShards/));
    test('maxSamplesPerSend over capacity', () =>
      bad({ queue: { capacity: 100, maxSamplesPerSend: 500 } }, /maxSamplesPerSend.*capacity/));
    test('a bad duration', () =>
      bad({ queue: { batchSendDeadline: '5 seconds' } }, /queue\.batchSendDeadline.*duration/));
    test('minBackoff over maxBackoff', () =>
      bad(
        { queue: { minBackoff: '1m', maxBackoff: '10s' } },
        /minBackoff.*longer than maxBackoff/,
      ));
    test('an Authorization or reserved header', () => {
      bad({ headers: { Authorization: 'Bearer x' } }, /remoteWrite\[0\]\.headers/);
      bad({ headers: { 'Content-Type': 'x' } }, /remoteWrite\[0\]\.headers/);
      bad({ headers: { 'Bad Header': 'x' } }, /not an HTTP header name/);
    });
    test('two remote writes of one name', () =>
      expect(() =>
        synth({
          remoteWrite: [
            { url: 'https://a.example.com/w', name: 'x' },
            { url: 'https://b.example.com/w', name: 'x' },
          ],
        }),
      ).toThrow(/remoteWrite\[1\]\.name/));
    test('an OAuth 2.0 token URL that is not http(s)', () =>
      bad(
        { oauth2: { clientId: 'p', clientSecret: { name: 'o', key: 's' }, tokenUrl: 'token' } },
        /oauth2\.tokenUrl/,
      ));
  });
});
