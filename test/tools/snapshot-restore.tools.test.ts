/**
 * Tier 4: backups as Elasticsearch itself takes and restores them (docs/backup-restore.md).
 *
 * - Every SLM policy body of every environment goes through Elasticsearch's own parser and
 *   validation (`slm-check`, x-pack-core; this distribution has no SLM module), which also
 *   gives the interval of the schedule as Elasticsearch computes it and the create-snapshot
 *   request SLM sends at a run.
 * - The keystore init container's script, run with the distribution's `elasticsearch-keystore`,
 *   leaves exactly the Secret files' values in the keystore.
 * - The procedure: staging's stack with a shared-filesystem repository; cluster A (path.repo)
 *   runs the generated setup Job script (repository registered with Elasticsearch's
 *   verification, templates installed), takes in trades and errors logs, and takes the
 *   snapshot SLM would take for the trades policy. Cluster B, fresh, on the same path.repo,
 *   runs the setup Job of a stack with the repository read-only, lists the snapshots, restores
 *   the trades data stream as the doc says (then once more renamed, beside it), and has the
 *   documents back; the errors class was not in that snapshot and stays absent.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { ElasticStackVersion } from '../../lib/core/images';
import { snapshotPolicyFileName } from '../../lib/elasticsearch/elasticsearch-setup';
import { renderKeystoreScript, SnapshotRepository } from '../../lib/elasticsearch';
import { ObservabilityStack } from '../../lib/stack/observability-stack';
import { environmentProfile } from '../../stacks/environments';
import { ENVIRONMENTS, KubeObject, synthEnvironment } from '../support/environments';
import { ElasticsearchServer, elasticsearchHome, javaHome } from './support/elasticsearch';
import { rewriteForDistribution } from './support/logs-pipeline';
import { runSetupJob } from './support/setup-job-run';
import { describeRun, removeTempDirs, run, tempDir } from './support/tools';

jest.setTimeout(600_000);

const MOUNT_PATH = '/usr/share/elasticsearch/snapshots';
const REPOSITORY = 'logs-snapshots';

interface SlmCheckOk {
  readonly interval_seconds: number;
  readonly repository: string;
  readonly snapshot: string;
  readonly body: Record<string, unknown>;
}

/** Runs slm-check; each line `OK <file> <json>` or `INVALID <file>: <message>`. */
function slmCheck(files: string[]): { status: number | null; lines: string[] } {
  const result = run('slm-check', files);
  if (result.status !== 0 && result.status !== 1)
    throw new Error(describeRun('slm-check', files, result));
  return { status: result.status, lines: result.stdout.split('\n').filter((l) => l !== '') };
}

function okResult(line: string): SlmCheckOk {
  const match = /^OK \S+ (\{.*\})$/.exec(line);
  if (!match) throw new Error(`not an OK line: ${line}`);
  return JSON.parse(match[1]);
}

/** The setup Job ConfigMap's SLM policy files of `objects`, written under their key names. */
function writePolicies(objects: KubeObject[], prefix: string): string[] {
  const configMap = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === 'elasticsearch-setup-config',
  )!;
  const dir = tempDir(prefix);
  return Object.keys(configMap.data ?? {})
    .filter((k) => k.startsWith('slm-policy.'))
    .sort()
    .map((key) => {
      const file = path.join(dir, key);
      fs.writeFileSync(file, configMap.data[key]);
      return file;
    });
}

/** Staging on the 8.19 line with a shared-filesystem repository (read-only for the restoring cluster). */
function stackWithSharedRepository(readonly: boolean): {
  stack: ObservabilityStack;
  objects: KubeObject[];
} {
  const staging = environmentProfile('staging');
  const stack = new ObservabilityStack(Testing.app(), 'observability', {
    ...staging,
    elasticStackVersion: ElasticStackVersion.V8_19,
    logstash: false,
    elasticsearch: {
      ...staging.elasticsearch,
      snapshotRepository: SnapshotRepository.sharedFilesystem({
        claimName: 'logs-snapshots',
        mountPath: MOUNT_PATH,
        readonly,
      }),
    },
  });
  return { stack, objects: Testing.synth(stack) as KubeObject[] };
}

afterAll(() => removeTempDirs());

describe.each(ENVIRONMENTS)('the %s environment', (env) => {
  test('every SLM policy is accepted by Elasticsearch, and its schedule runs more often than the alert allows', () => {
    const { stack, objects } = synthEnvironment(env);
    const setup = stack.elasticsearchSetup;
    const files = writePolicies(objects, `slm-policy-${env}-`);
    expect(files.map((f) => path.basename(f))).toEqual(
      setup.snapshotPolicies.map((p) => snapshotPolicyFileName(p.id)).sort(),
    );
    if (files.length === 0) {
      // dev has no repository: nothing to check, and nothing to alert on.
      expect(stack.elasticsearch.snapshotRepository).toBeUndefined();
      return;
    }
    const { status, lines } = slmCheck(files);
    expect({ status, invalid: lines.filter((l) => !l.startsWith('OK ')) }).toEqual({
      status: 0,
      invalid: [],
    });
    for (const line of lines) {
      const result = okResult(line);
      expect(result.interval_seconds).toBeLessThan(setup.snapshotLifecycle!.staleAfterSeconds);
      expect(result.repository).toBe(setup.snapshotRepository!.name);
    }
  });
});

test('slm-check refuses what Elasticsearch refuses, with its message', () => {
  const dir = tempDir('slm-policy-bad-');
  const good = JSON.parse(
    fs.readFileSync(writePolicies(synthEnvironment('prod').objects, 'slm-policy-prod-')[0], 'utf8'),
  );
  const cases: Record<string, unknown> = {
    'bad-cron': { ...good, schedule: '0 30 25 * * ?' },
    'no-repository': { ...good, repository: '' },
    'bad-retention': { ...good, retention: { ...good.retention, min_count: 10, max_count: 2 } },
    'unknown-field': { ...good, scheduel: good.schedule },
  };
  const files = Object.entries(cases).map(([id, body]) => {
    const file = path.join(dir, snapshotPolicyFileName(id));
    fs.writeFileSync(file, JSON.stringify(body));
    return file;
  });
  const { status, lines } = slmCheck(files);
  expect(status).toBe(1);
  expect(lines).toEqual([
    expect.stringMatching(/^INVALID .*bad-cron\.json: .*invalid schedule/),
    expect.stringMatching(
      /^INVALID .*no-repository\.json: .*invalid repository name \[\]: cannot be empty/,
    ),
    expect.stringMatching(
      /^INVALID .*bad-retention\.json: .*minimum snapshot count 10 cannot be larger than maximum snapshot count 2/,
    ),
    // Elasticsearch ignores unknown fields of a policy: a misspelt one would be dropped
    // silently, which is why the unit tests pin every key of the generated bodies.
    expect.stringMatching(/^OK .*unknown-field\.json /),
  ]);
});

test('the keystore script leaves exactly the Secret files’ values in the keystore', () => {
  const home = elasticsearchHome();
  const dir = tempDir('keystore-');
  const source = path.join(dir, 'image-config');
  fs.cpSync(path.join(home, 'config'), source, { recursive: true });
  const target = path.join(dir, 'config');
  fs.mkdirSync(target);
  const secrets = path.join(dir, 'secrets');
  fs.mkdirSync(secrets);
  const values: Record<string, string> = {
    's3.client.default.access_key': 'AKIAEXAMPLE',
    // kubectl create secret --from-file keeps the file's newline.
    's3.client.default.secret_key': 'wJalrXUtnFEMI/K7MDENG+bPxRfiCY\n',
    'gcs.client.default.credentials_file': '{"type": "service_account", "project_id": "acme"}\n',
  };
  for (const [setting, value] of Object.entries(values))
    fs.writeFileSync(path.join(secrets, setting), value);
  const bound = (
    SnapshotRepository.s3({
      bucket: 'acme-logs',
      credentials: { accessKey: { name: 's', key: 'a' }, secretKey: { name: 's', key: 'b' } },
    }) as any
  ).bind(Testing.chart(), 'snapshotRepository', { clusterName: 'logs' });
  const settings = [
    ...bound.keystore,
    {
      setting: 'gcs.client.default.credentials_file',
      secret: { name: 's', key: 'c' },
      kind: 'file',
      purpose: '',
    },
  ];
  const script = renderKeystoreScript(settings, {
    configSource: source,
    configTarget: target,
    secretsDir: secrets,
  });
  const env = {
    ...process.env,
    PATH: `${path.join(home, 'bin')}:${process.env.PATH}`,
    ES_JAVA_HOME: javaHome(),
  };
  const r = spawnSync('bash', ['-c', script], { env, encoding: 'utf8', timeout: 120_000 });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  // The image's files are there, beside the keystore.
  expect(fs.existsSync(path.join(target, 'jvm.options'))).toBe(true);
  const show = (setting: string) =>
    spawnSync(path.join(home, 'bin', 'elasticsearch-keystore'), ['show', setting], {
      env: { ...env, ES_PATH_CONF: target },
      encoding: 'utf8',
    });
  expect(show('s3.client.default.access_key').stdout).toBe('AKIAEXAMPLE');
  // A string setting is the file's first line: the Secret's trailing newline is not part of the key.
  expect(show('s3.client.default.secret_key').stdout).toBe('wJalrXUtnFEMI/K7MDENG+bPxRfiCY');
  expect(show('gcs.client.default.credentials_file').stdout).toBe(
    values['gcs.client.default.credentials_file'],
  );
  // `list` at the end prints the setting names (never values), after `create`'s own line.
  expect(
    r.stdout
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('Created elasticsearch keystore'))
      .sort(),
  ).toEqual(['keystore.seed', ...Object.keys(values)].sort());
});

describe('snapshot and restore of one log class on a shared filesystem', () => {
  let repoDir: string;
  let a: ElasticsearchServer | undefined;
  let b: ElasticsearchServer | undefined;

  beforeAll(() => {
    repoDir = tempDir('snapshot-repo-');
    // Elasticsearch runs as `nobody` when the tests run as root.
    fs.chmodSync(repoDir, 0o777);
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  /** Runs the setup Job script of `objects` against `es`, with the repository's location the test's directory. */
  async function setupJob(es: ElasticsearchServer, objects: KubeObject[]) {
    const dir = tempDir('setup-job-');
    const usernameFile = path.join(dir, 'elastic-username');
    fs.writeFileSync(usernameFile, 'elastic');
    const result = await runSetupJob({
      objects,
      configMap: 'elasticsearch-setup-config',
      dir,
      apiUrl: es.url,
      caFile: es.certificates.caFile,
      usernameFile,
      passwordFile: es.elasticPasswordFile,
      dropSteps: {
        pattern: /\/_(ilm|slm)\/policy\//,
        why: 'no ILM or SLM module; their bodies are checked by Elasticsearch’s parsers',
      },
      rewriteFile: (file, body) => {
        const rewrites = rewriteForDistribution(file, body);
        if (file.startsWith('snapshot-repository.')) {
          expect(body.settings.location).toBe(MOUNT_PATH);
          rewrites.push({
            key: `${file} settings.location`,
            from: MOUNT_PATH,
            to: repoDir,
            why: 'the claim is mounted at a temp directory',
          });
          body.settings.location = repoDir;
        }
        return rewrites;
      },
    });
    if (result.status !== 0)
      throw new Error(`setup Job failed:\n${result.stdout}\n${result.stderr}\n${es.logs()}`);
    return result;
  }

  const docs = (cls: string, n: number) =>
    Array.from({ length: n }, (_, i) => [
      JSON.stringify({ create: {} }),
      JSON.stringify({
        '@timestamp': new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
        message: `${cls} event ${i}`,
        'service.name': 'orders',
        labels: { index_class: cls },
      }),
    ]).flat();

  test('the procedure of docs/backup-restore.md gives the class’s documents back', async () => {
    const writer = stackWithSharedRepository(false);
    expect(writer.stack.elasticsearch.snapshotRepository?.sharedFilesystem?.mountPath).toBe(
      MOUNT_PATH,
    );
    a = await ElasticsearchServer.start({ settings: { 'path.repo': [repoDir] } });

    // SLM is not in this distribution: the snapshot is taken by hand, with SLM's own request.
    const slm = await a.request('GET', '/_slm/policy');
    expect(slm.status).not.toBe(200);

    const setupA = await setupJob(a, writer.objects);
    expect(setupA.stdout).toContain(`PUT _snapshot/${REPOSITORY}`);
    const repo = await a.ok('GET', `/_snapshot/${REPOSITORY}`);
    expect(repo[REPOSITORY]).toEqual({ type: 'fs', settings: { location: repoDir } });

    for (const [cls, n] of [
      ['trades', 7],
      ['errors', 3],
    ] as const) {
      const bulk = await a.ok(
        'POST',
        `/logs-${cls}-default/_bulk?refresh=true`,
        docs(cls, n).join('\n') + '\n',
        { ndjson: true },
      );
      expect(bulk.errors).toBe(false);
    }
    expect((await a.ok('GET', '/logs-trades-default/_count')).count).toBe(7);

    // The request SLM sends at a run of logs-trades-snapshots, from Elasticsearch's own classes.
    const [policyFile] = writePolicies(writer.objects, 'slm-policy-writer-').filter((f) =>
      f.endsWith('logs-trades-snapshots.json'),
    );
    const { lines } = slmCheck([policyFile]);
    const request = okResult(lines[0]);
    expect(request.repository).toBe(REPOSITORY);
    const { repository: _repository, snapshot: _snapshot, ...body } = request.body;
    const created = await a.ok(
      'PUT',
      `/_snapshot/${REPOSITORY}/${request.snapshot}?wait_for_completion=true`,
      body,
    );
    expect(created.snapshot).toMatchObject({
      snapshot: request.snapshot,
      state: 'SUCCESS',
      data_streams: ['logs-trades-default'],
      include_global_state: false,
      metadata: { policy: 'logs-trades-snapshots', log_class: 'trades' },
    });
    await a.stop();
    a = undefined;

    // A fresh cluster on the same storage, with the repository read-only and no policies.
    const reader = stackWithSharedRepository(true);
    expect(reader.stack.elasticsearchSetup.snapshotPolicies).toEqual([]);
    b = await ElasticsearchServer.start({ settings: { 'path.repo': [repoDir] } });
    await setupJob(b, reader.objects);
    expect((await b.ok('GET', `/_snapshot/${REPOSITORY}`))[REPOSITORY].settings).toEqual({
      location: repoDir,
      readonly: 'true',
    });

    // 1. List the class's snapshots.
    const listed = await b.ok(
      'GET',
      `/_snapshot/${REPOSITORY}/logs-trades-*?sort=start_time&verbose=false`,
    );
    expect(listed.snapshots.map((s: any) => [s.snapshot, s.state])).toEqual([
      [request.snapshot, 'SUCCESS'],
    ]);
    // 3. Restore the data stream, without global state and without the ILM policy.
    const restored = await b.ok(
      'POST',
      `/_snapshot/${REPOSITORY}/${request.snapshot}/_restore?wait_for_completion=true`,
      {
        indices: 'logs-trades-*',
        include_global_state: false,
        ignore_index_settings: ['index.lifecycle.name'],
      },
    );
    expect(restored.snapshot.shards.failed).toBe(0);
    // 4. The documents are back; the errors class was not in this snapshot.
    const back = await b.documents('logs-trades-default');
    expect(back.map((d) => d._source.message).sort()).toEqual(
      Array.from({ length: 7 }, (_, i) => `trades event ${i}`).sort(),
    );
    expect((await b.request('GET', '/logs-errors-default/_count')).status).toBe(404);

    // Beside live data: renamed.
    await b.ok(
      'POST',
      `/_snapshot/${REPOSITORY}/${request.snapshot}/_restore?wait_for_completion=true`,
      {
        indices: 'logs-trades-*',
        include_global_state: false,
        rename_pattern: 'logs-(.+)',
        rename_replacement: 'restored-logs-$1',
      },
    );
    expect(await b.documents('restored-logs-trades-default')).toHaveLength(7);
    // A read-only repository takes no snapshot: the restoring cluster cannot corrupt it.
    const refused = await b.request(
      'PUT',
      `/_snapshot/${REPOSITORY}/from-b?wait_for_completion=true`,
      {
        indices: 'restored-logs-*',
      },
    );
    expect(refused.status).toBeGreaterThanOrEqual(400);
  });
});
