import { Chart, Testing } from 'cdk8s';
import {
  describePrivileges,
  ElasticsearchUser,
  ElasticsearchUsers,
  ElasticsearchUsersProps,
  LOG_WRITER_PRIVILEGES,
} from '../lib/elasticsearch';
import { ObservabilityStack } from '../lib/stack/observability-stack';
import { environmentProfile } from '../stacks/environments';
import { FakeElasticsearchCluster } from './support/fake-elasticsearch';

const writer: ElasticsearchUser = {
  role: 'logstash-writer',
  client: "Logstash 'logstash'",
  privileges: LOG_WRITER_PRIVILEGES,
  credentials: { secretName: 'logstash-elasticsearch-credentials' },
  namespace: 'observability',
};
const reader: ElasticsearchUser = {
  role: 'kibana-setup',
  client: "the 'kibana-setup' Job",
  privileges: { indices: [{ names: ['logs-*'], privileges: ['read'] }] },
  builtInRoles: ['kibana_admin'],
  credentials: { secretName: 'kibana-setup-credentials', usernameKey: 'user', passwordKey: 'pw' },
  namespace: 'observability',
};

function synth(props: Partial<ElasticsearchUsersProps> = {}, secure = true) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const users = new ElasticsearchUsers(chart, 'elasticsearch-users', {
    elasticsearch: new FakeElasticsearchCluster(chart, { securityEnabled: secure }),
    users: [writer, reader],
    kibanaSystemPassword: { name: 'kibana-system-password', key: 'password' },
    ...props,
  });
  const objects = Testing.synth(chart) as any[];
  const job = objects.find((o) => o.kind === 'Job');
  const configMap = objects.find((o) => o.kind === 'ConfigMap');
  return { users, objects, job, data: configMap.data as Record<string, string> };
}

describe('ElasticsearchUsers', () => {
  test('creates each role from its privileges, then each user with its role and built-in roles', () => {
    const { data } = synth();
    expect(JSON.parse(data['role.logstash-writer.json'])).toEqual({
      cluster: ['monitor'],
      indices: [{ names: ['logs-*'], privileges: ['create_doc', 'auto_configure'] }],
    });
    expect(JSON.parse(data['role.kibana-setup.json'])).toEqual({
      cluster: [],
      indices: [{ names: ['logs-*'], privileges: ['read'] }],
    });
    expect(JSON.parse(data['user.kibana-setup.json'])).toEqual({
      roles: ['kibana-setup', 'kibana_admin'],
      full_name: "the 'kibana-setup' Job",
      metadata: { managed_by: 'elasticsearch-users' },
    });
    // No password anywhere in the ConfigMap: the script reads it from the mounted Secret.
    expect(JSON.stringify(data)).not.toMatch(/"password"\s*:/);
  });

  test('the script puts every role first, then the users, then the kibana_system password', () => {
    const script = synth().data['setup.sh'];
    const order = [
      "'PUT _security/role/logstash-writer'",
      "'PUT _security/role/kibana-setup'",
      "'PUT _security/user for Logstash '\\''logstash'\\'' (role logstash-writer)' 'send_secret' 'PUT' '/_security/user/' 'logstash-writer-password' 'password' 'logstash-writer-username' 'user.logstash-writer.json'",
      "'send_secret' 'PUT' '/_security/user/' 'kibana-setup-password' 'password' 'kibana-setup-username' 'user.kibana-setup.json'",
      "'send_secret' 'POST' '/_security/user/kibana_system/_password' 'kibana-system-password' 'password' '' ''",
    ].map((step) => script.indexOf(step));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  test("mounts each user's Secret keys, under the file names the steps read, read-only", () => {
    const { job } = synth();
    const pod = job.spec.template.spec;
    const volume = pod.volumes.find((v: any) => v.name === 'setup-secrets');
    expect(volume.projected.sources).toEqual([
      {
        secret: {
          name: 'logstash-elasticsearch-credentials',
          items: [
            { key: 'username', path: 'logstash-writer-username' },
            { key: 'password', path: 'logstash-writer-password' },
          ],
        },
      },
      {
        secret: {
          name: 'kibana-setup-credentials',
          items: [
            { key: 'user', path: 'kibana-setup-username' },
            { key: 'pw', path: 'kibana-setup-password' },
          ],
        },
      },
      {
        secret: {
          name: 'kibana-system-password',
          items: [{ key: 'password', path: 'kibana-system-password' }],
        },
      },
    ]);
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: 'setup-secrets',
      mountPath: '/etc/setup-secrets',
      readOnly: true,
    });
    // The values never become environment variables.
    expect(JSON.stringify(pod.containers[0].env)).not.toContain('kibana-setup-credentials');
  });

  test('records every Secret it reads, with what the user may do', () => {
    const { users } = synth();
    expect(users.externalSecrets.map((s) => s.name)).toEqual([
      'logstash-elasticsearch-credentials',
      'kibana-setup-credentials',
      'kibana-system-password',
      'elasticsearch-elastic-password',
    ]);
    expect(users.externalSecrets[0].purpose).toBe(
      "Elasticsearch user Logstash 'logstash' logs in as (cluster privilege monitor; index privileges create_doc, auto_configure on logs-*), which the 'elasticsearch-users' Job creates",
    );
  });

  test('a client in another namespace needs a copy of its Secret where the Job runs', () => {
    const { users } = synth({ users: [{ ...writer, namespace: 'agents' }] });
    expect(users.externalSecrets[0]).toEqual(
      expect.objectContaining({
        name: 'logstash-elasticsearch-credentials',
        purpose: expect.stringMatching(/^copy \(from namespace agents\) of the Elasticsearch user/),
      }),
    );
  });

  test('without kibanaSystemPassword it leaves kibana_system alone', () => {
    const { data, users } = synth({ kibanaSystemPassword: undefined });
    expect(data['setup.sh']).not.toContain('kibana_system');
    expect(users.setsKibanaSystemPassword).toBe(false);
  });

  test('refuses a cluster without security, duplicate roles and Secrets, and empty grants', () => {
    expect(() => synth({}, false)).toThrow(/has security off/);
    expect(() => synth({ users: [writer, { ...reader, role: 'logstash-writer' }] })).toThrow(
      /users\[1\]\.role.*is the role of an earlier user too/s,
    );
    expect(() =>
      synth({ users: [writer, { ...reader, credentials: writer.credentials }] }),
    ).toThrow(/users\[1\]\.credentials\.secretName.*two clients would share one user/s);
    expect(() => synth({ users: [{ ...writer, privileges: {} }] })).toThrow(/grants nothing/);
    expect(() =>
      synth({
        users: [{ ...writer, privileges: { indices: [{ names: [], privileges: ['read'] }] } }],
      }),
    ).toThrow(/names and privileges must both be non-empty/);
    expect(() => synth({ users: [{ ...writer, role: 'Logstash' }] })).toThrow(/users\[0\]\.role/);
    expect(() =>
      synth({ users: [{ ...writer, privileges: { cluster: ['monitor; drop'] } }] }),
    ).toThrow(/is not a privilege name/);
    expect(() => synth({ users: [], kibanaSystemPassword: undefined })).toThrow(
      /the Job would do nothing/,
    );
  });

  test('describePrivileges says what a role grants', () => {
    expect(describePrivileges(LOG_WRITER_PRIVILEGES)).toBe(
      'cluster privilege monitor; index privileges create_doc, auto_configure on logs-*',
    );
  });
});

describe('in the stack', () => {
  const stack = (env: 'dev' | 'staging' | 'prod') =>
    new ObservabilityStack(Testing.app(), 'observability', environmentProfile(env));

  test('staging and prod create a user for every client of the cluster, each with its own role', () => {
    for (const env of ['staging', 'prod'] as const) {
      const s = stack(env);
      expect(s.elasticsearchUsers!.users.map((u) => [u.role, u.credentials.secretName])).toEqual([
        ['logstash-writer', 'logstash-elasticsearch-credentials'],
        ['jaeger-spans', 'jaeger-elasticsearch-credentials'],
        ['grafana-logs-reader', 'grafana-elasticsearch-credentials'],
        ['elasticsearch-exporter', 'elasticsearch-exporter-credentials'],
        ['kibana-setup', 'kibana-setup-credentials'],
        ['log-alerting', 'log-alerting-credentials'],
      ]);
      expect(s.elasticsearchUsers!.setsKibanaSystemPassword).toBe(true);
      // Each client reads the very Secret its user is created from.
      expect(s.logstash!.credentials).toEqual(s.elasticsearchUsers!.users[0].credentials);
    }
  });

  test('without Logstash, Filebeat writes to Elasticsearch as a user the Job creates', () => {
    const profile = environmentProfile('staging');
    const s = new ObservabilityStack(Testing.app(), 'observability', {
      ...profile,
      logstash: false,
    });
    const filebeat = s.elasticsearchUsers!.users.find((u) => u.role === 'filebeat-writer')!;
    expect(filebeat.privileges).toEqual(LOG_WRITER_PRIVILEGES);
    expect(filebeat.namespace).toBe('observability-agents');
    expect(s.elasticsearchUsers!.externalSecrets).toContainEqual(
      expect.objectContaining({
        name: 'filebeat-elasticsearch-credentials',
        purpose: expect.stringContaining('copy (from namespace observability-agents)'),
      }),
    );
  });

  test('dev, with security off, has no users Job', () => {
    expect(stack('dev').elasticsearchUsers).toBeUndefined();
  });
});
