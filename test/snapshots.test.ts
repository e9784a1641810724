import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { ConfigError } from '../lib/core/errors';
import { DEFAULT_LOG_CLASSES, retentionDays, withLogRetention } from '../lib/core/log-classes';
import {
  ElasticsearchCluster,
  ElasticsearchClusterProps,
  ElasticsearchExporter,
  ElasticsearchSetup,
  ElasticsearchSetupProps,
  renderKeystoreScript,
  resolveSnapshotLifecycle,
  SnapshotRepository,
} from '../lib/elasticsearch';
import { AlertName } from '../lib/prometheus/alert-rules';
import { elasticsearchMixin, SnapshotAlertOptions } from '../lib/monitoring';
import { ObservabilityStack, ObservabilityStackProps } from '../lib/stack/observability-stack';
import { environmentProfile } from '../stacks/environments';

const S3 = () =>
  SnapshotRepository.s3({
    bucket: 'acme-logs-snapshots',
    credentials: {
      accessKey: { name: 'snapshot-s3', key: 'access-key' },
      secretKey: { name: 'snapshot-s3', key: 'secret-key' },
    },
  });

function cluster(props: ElasticsearchClusterProps = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const es = new ElasticsearchCluster(chart, 'elasticsearch', props);
  const objects = Testing.synth(chart) as any[];
  const statefulSet = objects.find((o) => o.kind === 'StatefulSet');
  const configMap = objects.find((o) => o.kind === 'ConfigMap');
  return {
    es,
    pod: statefulSet.spec.template.spec,
    config: parse(configMap.data['elasticsearch.yml']),
  };
}

function setup(
  repository: SnapshotRepository | undefined,
  props: Partial<ElasticsearchSetupProps> = {},
) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
  const es = new ElasticsearchCluster(chart, 'elasticsearch', { snapshotRepository: repository });
  const job = new ElasticsearchSetup(chart, 'elasticsearch-setup', { elasticsearch: es, ...props });
  const objects = Testing.synth(chart) as any[];
  const files = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === 'elasticsearch-setup-config',
  ).data as Record<string, string>;
  return { chart, es, job, files };
}

const expectConfigError = (fn: () => unknown, ...parts: string[]) => {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  for (const part of parts) expect((error as Error).message).toContain(part);
};

describe('snapshot repositories', () => {
  test('an S3 bucket: its body names bucket, base path and client; its keys go to the keystore, not the manifest', () => {
    const { es, pod, config } = cluster({ snapshotRepository: S3() });
    expect(es.snapshotRepository!.body).toEqual({
      type: 's3',
      settings: { bucket: 'acme-logs-snapshots', base_path: 'elasticsearch', client: 'default' },
    });
    const keystore = pod.initContainers.find((c: any) => c.name === 'keystore');
    expect(keystore.command[2]).toContain(
      'elasticsearch-keystore add -x s3.client.default.access_key < /mnt/keystore-secrets/s3.client.default.access_key',
    );
    // The values reach the init container as files only.
    expect(keystore.env ?? []).toEqual([]);
    expect(pod.volumes).toContainEqual({
      name: 'keystore-secrets',
      projected: {
        defaultMode: 0o440,
        sources: [
          {
            secret: {
              name: 'snapshot-s3',
              items: [
                { key: 'access-key', path: 's3.client.default.access_key' },
                { key: 'secret-key', path: 's3.client.default.secret_key' },
              ],
            },
          },
        ],
      },
    });
    // The node reads its config directory (and keystore) from the emptyDir the init container filled.
    const node = pod.containers[0];
    expect(node.volumeMounts[0]).toEqual({
      name: 'elasticsearch-config',
      mountPath: '/usr/share/elasticsearch/config',
    });
    expect(config['path.repo']).toBeUndefined();
    expect(es.externalSecrets.map((s) => s.name)).toContain('snapshot-s3');
  });

  test('S3 without credentials (the pods’ own AWS identity) needs no keystore init container', () => {
    const { pod } = cluster({
      snapshotRepository: SnapshotRepository.s3({ bucket: 'acme-logs', basePath: 'prod/logs' }),
    });
    expect(pod.initContainers).toBeUndefined();
  });

  test('GCS credentials are a file setting; Azure takes the account and a key', () => {
    const gcs = cluster({
      snapshotRepository: SnapshotRepository.gcs({
        bucket: 'acme-logs',
        client: 'backups',
        credentials: { name: 'snapshot-gcs', key: 'key.json' },
      }),
    });
    expect(gcs.pod.initContainers[0].command[2]).toContain(
      'elasticsearch-keystore add-file gcs.client.backups.credentials_file /mnt/keystore-secrets/gcs.client.backups.credentials_file',
    );
    const azure = cluster({
      snapshotRepository: SnapshotRepository.azure({
        container: 'logs',
        account: { name: 'snapshot-azure', key: 'account' },
        key: { name: 'snapshot-azure', key: 'key' },
      }),
    });
    expect(azure.es.snapshotRepository!.body.settings).toEqual({
      container: 'logs',
      base_path: 'elasticsearch',
      client: 'default',
    });
    expect(azure.es.snapshotRepository!.keystore.map((s) => s.setting)).toEqual([
      'azure.client.default.account',
      'azure.client.default.key',
    ]);
  });

  test('a shared filesystem: every node mounts the claim and lists it in path.repo', () => {
    const { pod, config, es } = cluster({
      snapshotRepository: SnapshotRepository.sharedFilesystem({ claimName: 'logs-snapshots' }),
    });
    expect(config['path.repo']).toEqual(['/usr/share/elasticsearch/snapshots']);
    expect(pod.volumes).toContainEqual({
      name: 'snapshots',
      persistentVolumeClaim: { claimName: 'logs-snapshots' },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: 'snapshots',
      mountPath: '/usr/share/elasticsearch/snapshots',
    });
    expect(es.snapshotRepository!.body).toEqual({
      type: 'fs',
      settings: { location: '/usr/share/elasticsearch/snapshots' },
    });
    // No object store: no egress for it.
    expect(es.networkFlows.filter((f) => f.purpose.startsWith('snapshots'))).toEqual([]);
  });

  test('an object store gets egress on 443 to the snapshot-storage peer', () => {
    const { es } = cluster({ snapshotRepository: S3() });
    const flow = es.networkFlows.find((f) => f.purpose.startsWith('snapshots'))!;
    expect(flow.ports).toEqual([{ port: 443 }]);
    expect(flow.to).toMatchObject({ kind: 'external', peer: { name: 'snapshot-storage' } });
  });

  test('the keystore script reads every value from a file', () => {
    const script = renderKeystoreScript(
      [
        {
          setting: 'azure.client.default.account',
          secret: { name: 's', key: 'a' },
          kind: 'string',
          purpose: '',
        },
      ],
      { configSource: '/src', configTarget: '/dst', secretsDir: '/secrets' },
    );
    expect(script).toBe(
      [
        'set -eu',
        'cp -R /src/. /dst/',
        'export ES_PATH_CONF=/dst',
        'rm -f /dst/elasticsearch.keystore',
        'elasticsearch-keystore create',
        'elasticsearch-keystore add -x azure.client.default.account < /secrets/azure.client.default.account',
        'elasticsearch-keystore list',
        '',
      ].join('\n'),
    );
  });

  describe('bad input names the prop, the value and the fix', () => {
    test.each([
      [
        'bucket',
        () => SnapshotRepository.s3({ bucket: 'Acme_Logs' }),
        ["'snapshotRepository.bucket'", "'Acme_Logs'", 'lower-case'],
      ],
      [
        'basePath',
        () => SnapshotRepository.s3({ bucket: 'acme-logs', basePath: '/prod/' }),
        ["'snapshotRepository.basePath'", "'/prod/'", 'leading or trailing slash'],
      ],
      [
        'client',
        () => SnapshotRepository.gcs({ bucket: 'acme-logs', client: 'My Client' }),
        ["'snapshotRepository.client'", "'My Client'", 'such as'],
      ],
      [
        'name',
        () => SnapshotRepository.s3({ bucket: 'acme-logs', name: 'Logs' }),
        ["'snapshotRepository.name'", "'Logs'", "'logs-snapshots'"],
      ],
      [
        'credentials',
        () =>
          SnapshotRepository.s3({
            bucket: 'acme-logs',
            credentials: {
              accessKey: { name: 's3', key: '' },
              secretKey: { name: 's3', key: 'k' },
            },
          }),
        ["'snapshotRepository.credentials.accessKey.key'", 'must name a key'],
      ],
      [
        'azure key and sasToken',
        () =>
          SnapshotRepository.azure({
            container: 'logs',
            account: { name: 'az', key: 'account' },
          }),
        ["'snapshotRepository.key'", 'both missing', 'not both'],
      ],
      [
        'claimName',
        () => SnapshotRepository.sharedFilesystem({ claimName: 'Snapshots' }),
        ["'snapshotRepository.claimName'", "'Snapshots'"],
      ],
      [
        'mountPath',
        () =>
          SnapshotRepository.sharedFilesystem({
            claimName: 'snapshots',
            mountPath: '/usr/share/elasticsearch/data/snapshots',
          }),
        ["'snapshotRepository.mountPath'", 'outside the data path'],
      ],
    ] as const)('%s', (_, repository, parts) => {
      expectConfigError(() => cluster({ snapshotRepository: repository() }), ...parts);
    });
  });
});

describe('snapshot policies of the setup Job', () => {
  test('one per log class and the dead-letter stream, kept as long as the class keeps its data', () => {
    const { job, files } = setup(S3());
    expect(job.snapshotPolicies.map((p) => [p.id, p.body.retention])).toEqual([
      ['logs-all-snapshots', { expire_after: '30d', min_count: 5, max_count: 35 }],
      ['logs-errors-snapshots', { expire_after: '90d', min_count: 5, max_count: 95 }],
      ['logs-trades-snapshots', { expire_after: '365d', min_count: 5, max_count: 370 }],
      ['logs-ai-snapshots', { expire_after: '30d', min_count: 5, max_count: 35 }],
      ['logs-deadletter-snapshots', { expire_after: '30d', min_count: 5, max_count: 35 }],
    ]);
    expect(JSON.parse(files['slm-policy.logs-trades-snapshots.json'])).toEqual({
      schedule: '0 30 1 * * ?',
      name: '<logs-trades-{now/d}>',
      repository: 'logs-snapshots',
      config: {
        indices: ['logs-trades-*'],
        include_global_state: false,
        ignore_unavailable: true,
        partial: false,
        metadata: { log_class: 'trades', managed_by: 'observability-stack' },
      },
      retention: { expire_after: '365d', min_count: 5, max_count: 370 },
    });
    expect(JSON.parse(files['snapshot-repository.logs-snapshots.json'])).toEqual(
      (job.snapshotRepository as any).body,
    );
  });

  test('every class keeps its snapshots at least as long as its data, whatever the retention', () => {
    const classes = withLogRetention(DEFAULT_LOG_CLASSES, {
      all: '7d',
      errors: '400d',
      trades: '10y',
    });
    const { job } = setup(S3(), { logClasses: classes, snapshots: { everyHours: 6 } });
    for (const c of classes) {
      const policy = job.snapshotPolicies.find((p) => p.id === `logs-${c.name}-snapshots`)!;
      expect(parseInt(policy.body.retention.expire_after, 10)).toBeGreaterThanOrEqual(
        retentionDays(c),
      );
      // max_count never deletes a snapshot younger than expire_after: 4 a day.
      expect(policy.body.retention.max_count).toBeGreaterThanOrEqual(retentionDays(c) * 4 + 1);
    }
    expect(job.snapshotLifecycle!.schedule).toBe('0 30 1/6 * * ?');
  });

  test('the repository is registered after the templates, then the policies', () => {
    const { files } = setup(S3());
    const script = files['setup.sh'];
    const at = (s: string) => script.indexOf(s);
    expect(at('PUT _index_template/logs-deadletter')).toBeGreaterThan(-1);
    expect(at('PUT _snapshot/logs-snapshots')).toBeGreaterThan(
      at('PUT _index_template/logs-deadletter'),
    );
    expect(at('PUT _slm/policy/logs-all-snapshots')).toBeGreaterThan(
      at('PUT _snapshot/logs-snapshots'),
    );
  });

  test('a read-only repository is registered without policies', () => {
    const { job, files } = setup(SnapshotRepository.s3({ bucket: 'acme-logs', readonly: true }));
    expect(job.snapshotPolicies).toEqual([]);
    expect(JSON.parse(files['snapshot-repository.logs-snapshots.json']).settings.readonly).toBe(
      true,
    );
    expect(Object.keys(files).filter((k) => k.startsWith('slm-policy.'))).toEqual([]);
  });

  test('without a repository, nothing about snapshots', () => {
    const { job, files } = setup(undefined);
    expect(job.snapshotPolicies).toEqual([]);
    expect(Object.keys(files).filter((k) => k.includes('snapshot') || k.includes('slm'))).toEqual(
      [],
    );
  });

  describe('bad input names the prop, the value and the fix', () => {
    test.each([
      [{ everyHours: 5 }, ["'snapshots.everyHours'", 'got 5', '1, 2, 3, 4, 6, 8, 12, 24']],
      [{ everyHours: 6, startHour: 6 }, ["'snapshots.startHour'", 'got 6', 'between 0 and 5']],
      [{ minute: 60 }, ["'snapshots.minute'", 'got 60']],
      [{ minCount: 0 }, ["'snapshots.minCount'", 'got 0']],
      [{ staleAfter: '24h' }, ["'snapshots.staleAfter'", "'24h'", 'longer than everyHours (24h)']],
    ] as const)('%j', (snapshots, parts) => {
      expectConfigError(() => setup(S3(), { snapshots }), ...parts);
    });

    test('snapshots without a repository', () => {
      expectConfigError(
        () => setup(undefined, { snapshots: {} }),
        "'snapshots'",
        'the cluster has none',
        'set snapshotRepository',
      );
    });

    test('snapshots with a read-only repository', () => {
      expectConfigError(
        () =>
          setup(SnapshotRepository.s3({ bucket: 'acme-logs', readonly: true }), { snapshots: {} }),
        "'snapshots'",
        'read-only',
      );
    });
  });

  test('the stale threshold defaults to the interval plus 3 hours', () => {
    expect(resolveSnapshotLifecycle('t', 'snapshots', { everyHours: 12 })).toMatchObject({
      staleAfter: '15h',
      staleAfterSeconds: 15 * 3600,
      schedule: '0 30 1/12 * * ?',
    });
  });
});

describe('the exporter and the alert', () => {
  test('the exporter reads snapshots and SLM stats when the cluster has a repository', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'observability' });
    const withRepo = new ElasticsearchCluster(chart, 'es', { snapshotRepository: S3() });
    const without = new ElasticsearchCluster(chart, 'es2', {});
    const args = (es: ElasticsearchCluster, id: string) => {
      const exporter = new ElasticsearchExporter(chart, id, { elasticsearch: es });
      return { exporter, id };
    };
    const a = args(withRepo, 'exporter-a');
    const b = args(without, 'exporter-b');
    const objects = Testing.synth(chart) as any[];
    const deployment = (name: string) =>
      objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name).spec.template.spec
        .containers[0].args as string[];
    expect(a.exporter.snapshots).toBe(true);
    expect(deployment(a.exporter.name)).toEqual(
      expect.arrayContaining(['--collector.snapshots', '--collector.slm']),
    );
    expect(b.exporter.snapshots).toBe(false);
    expect(deployment(b.exporter.name)).not.toContain('--collector.snapshots');
  });

  test('ElasticsearchSnapshotStale watches the repository and every policy', () => {
    const rules = (snapshots?: SnapshotAlertOptions) =>
      elasticsearchMixin({ namespace: 'observability' }, { snapshots }).ruleGroups.flatMap(
        (g) => g.rules,
      );
    const group = {
      rules: rules({
        repository: 'logs-snapshots',
        policies: ['logs-all-snapshots', 'logs-trades-snapshots'],
        staleAfter: '27h',
      }),
    };
    const rule = group.rules.find((r) => r.alert === AlertName.ELASTICSEARCH_SNAPSHOT_STALE)!;
    expect(rule.expr).toContain(
      'elasticsearch_snapshot_stats_latest_snapshot_timestamp_seconds{repository="logs-snapshots"}',
    );
    expect(rule.expr).toContain('> 97200');
    expect(rule.expr).toContain('policy=~"logs-all-snapshots|logs-trades-snapshots"');
    expect(rules().map((r) => r.alert)).not.toContain(AlertName.ELASTICSEARCH_SNAPSHOT_STALE);
  });

  test('a bad repository name in the alert options', () => {
    expectConfigError(
      () =>
        elasticsearchMixin(
          { namespace: 'observability' },
          { snapshots: { repository: 'Logs"', policies: [], staleAfter: '27h' } },
        ),
      "'snapshots.repository'",
      'Logs"',
    );
  });
});

describe('the stack', () => {
  const stack = (props: Partial<ObservabilityStackProps>) =>
    new ObservabilityStack(Testing.app(), 'stack', {
      environment: 'test',
      region: 'eu-west-1',
      ...props,
    });

  const alerts = (s: ObservabilityStack): string[] => {
    const configMap = (Testing.synth(s) as any[]).find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config',
    );
    return parse(configMap.data['rules.yml']).groups.flatMap((g: any) =>
      g.rules.map((r: any) => r.alert),
    );
  };

  test.each(['prod', 'staging'])('%s snapshots to S3 and alerts on stale snapshots', (env) => {
    const s = new ObservabilityStack(Testing.app(), env, environmentProfile(env));
    expect(s.elasticsearch.snapshotRepository?.type).toBe('s3');
    expect(s.elasticsearch.snapshotRepository?.readonly).toBe(false);
    expect(s.elasticsearchSetup.snapshotPolicies.length).toBe(s.logClasses.length + 1);
    expect(s.elasticsearchExporter?.snapshots).toBe(true);
    expect(alerts(s)).toContain(AlertName.ELASTICSEARCH_SNAPSHOT_STALE);
  });

  test('dev has no repository, no policies and no snapshot alert', () => {
    const dev = new ObservabilityStack(Testing.app(), 'dev', environmentProfile('dev'));
    expect(dev.elasticsearch.snapshotRepository).toBeUndefined();
    expect(alerts(dev)).not.toContain(AlertName.ELASTICSEARCH_SNAPSHOT_STALE);
  });

  test('snapshots without elasticsearch.snapshotRepository fails, naming the fix', () => {
    expectConfigError(() => stack({ snapshots: { everyHours: 12 } }), 'set snapshotRepository');
  });
});
