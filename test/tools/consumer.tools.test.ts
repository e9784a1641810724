/**
 * The package as another repo uses it: `npm pack` (which builds it on `prepack`), installed
 * from the tarball into a project of its own (test/consumer/), type-checked and run there.
 * The consumer sees only the two entry points of the `exports` map; every app it composes
 * passes the same strict-schema, reference and network policy checks as the bundled
 * environments.
 */
import { spawnSync, SpawnSyncOptions } from 'child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { KubeObject } from '../support/environments';
import { KUBERNETES_VERSIONS, KubeSchema } from '../support/kube-schema';
import {
  danglingReferences,
  namespaceProblems,
  networkPolicyProblems,
  scopeProblems,
  serviceProblems,
} from '../support/manifest-checks';
import { removeTempDirs, tempDir } from './support/tools';

const REPO = join(__dirname, '..', '..');
const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

/** The version this repo's lock file installs, so the consumer gets the same, from the npm cache. */
function locked(name: string): string {
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

function sh(command: string, args: string[], options: SpawnSyncOptions): string {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000,
    ...options,
  });
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`,
    );
  return String(result.stdout);
}

let project: string;
let tarball: string;

beforeAll(() => {
  const packDir = tempDir('consumer-pack-');
  const packed = JSON.parse(
    sh('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: REPO }),
  );
  tarball = join(packDir, packed[0].filename);

  project = tempDir('consumer-');
  cpSync(join(REPO, 'test', 'consumer'), project, { recursive: true });
  cpSync(join(REPO, 'examples', 'custom-stack.ts'), join(project, 'src', 'custom-stack.ts'));
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      {
        name: 'consumer',
        private: true,
        dependencies: {
          [pkg.name]: `file:${tarball}`,
          ...Object.fromEntries(
            [
              'cdk8s',
              'constructs',
              '@pulumi/pulumi',
              '@pulumi/kubernetes',
              'typescript',
              '@types/node',
              'yaml',
            ].map((n) => [n, locked(n)]),
          ),
        },
      },
      null,
      2,
    ),
  );
  sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project });
  // Compiled once for every test below; a type error fails them all, naming it.
  sh(
    process.execPath,
    [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
    { cwd: project },
  );
}, 900_000);

afterAll(() => removeTempDirs());

describe('the packed tarball', () => {
  test('holds the compiled library, its declarations and the files it reads at run time', () => {
    const files = sh('tar', ['tzf', tarball], {})
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'LICENSE',
        'README.md',
        'CHANGELOG.md',
        'build/lib/index.js',
        'build/lib/index.d.ts',
        'build/lib/pulumi/index.js',
        'build/lib/pulumi/index.d.ts',
        'build/lib/filebeat/log-processing-script.js',
      ]),
    );
    // Nothing of the repo's own programs, tests or benches.
    expect(
      files.filter((f) =>
        /^(build\/(test|stacks|bench|examples)|test|stacks|bench|dist)\//.test(f),
      ),
    ).toEqual([]);
  });

  test('opens two entry points and closes the rest', () => {
    const probe = (specifier: string) =>
      spawnSync(process.execPath, ['-e', `require(${JSON.stringify(specifier)})`], {
        cwd: project,
        encoding: 'utf8',
      });
    expect(probe(pkg.name).status).toBe(0);
    expect(probe(`${pkg.name}/pulumi`).status).toBe(0);
    const deep = probe(`${pkg.name}/build/lib/core/names`);
    expect(deep.status).not.toBe(0);
    expect(deep.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  test('type-checks the consumer with node16 resolution (exports, in beforeAll) and with node resolution (typesVersions)', () => {
    expect(existsSync(join(project, 'build', 'synth.js'))).toBe(true);
    const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
    sh(
      process.execPath,
      [
        tsc,
        '-p',
        'tsconfig.json',
        '--noEmit',
        '--module',
        'commonjs',
        '--moduleResolution',
        'node',
      ],
      { cwd: project },
    );
  }, 300_000);
});

/** The objects one scenario synthesizes and the Secrets it declares. */
function synthScenario(name: string): { objects: KubeObject[]; secrets: string[] } {
  const out = tempDir(`consumer-${name}-`);
  sh(process.execPath, [join(project, 'build', 'synth.js'), name, out], { cwd: project });
  const manifests = join(out, 'manifests');
  const objects = readdirSync(manifests)
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(manifests, file), 'utf8'))
        .map((d) => d.toJS() as KubeObject)
        .filter((o) => o),
    );
  return { objects, secrets: JSON.parse(readFileSync(join(out, 'secrets.json'), 'utf8')) };
}

const schemas = KUBERNETES_VERSIONS.map((v) => new KubeSchema(v));

/** Every whole-app check the bundled environments pass. */
function checks(objects: KubeObject[], secrets: string[]) {
  return {
    schema: schemas.flatMap((schema) =>
      objects.flatMap((o) =>
        schema.errors(o).map((e) => `${schema.version} ${o.kind}/${o.metadata.name}: ${e}`),
      ),
    ),
    references: danglingReferences(objects, secrets),
    scope: scopeProblems(objects),
    services: serviceProblems(objects),
    namespaces: namespaceProblems(objects),
    policies: networkPolicyProblems(objects),
  };
}
const CLEAN = { schema: [], references: [], scope: [], services: [], namespaces: [], policies: [] };

const find = (objects: KubeObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);
const configText = (objects: KubeObject[], name: string) =>
  Object.values(find(objects, 'ConfigMap', name)?.data ?? {}).join('\n');

describe('the whole stack, composed its own way: own namespaces, no Logstash, five data nodes, own receivers, routes and log classes', () => {
  let objects: KubeObject[];
  let secrets: string[];
  beforeAll(() => ({ objects, secrets } = synthScenario('whole-stack')), 120_000);

  test('passes every whole-app check', () => {
    expect(checks(objects, secrets)).toEqual(CLEAN);
  });

  test('lives in its own namespaces, with five data nodes and no Logstash', () => {
    expect(
      objects
        .filter((o) => o.kind === 'Namespace')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['telemetry', 'telemetry-nodes']);
    expect(
      objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'logstash'),
    ).toEqual([]);
    const data = objects.filter(
      (o) =>
        o.kind === 'StatefulSet' &&
        o.metadata.labels?.['app.kubernetes.io/name'] === 'elasticsearch',
    );
    expect(data.reduce((n, o) => n + o.spec.replicas, 0)).toBe(5);
  });

  test('routes the payments team to its own receiver, the Watchdog first', () => {
    const config = configText(objects, 'alertmanager-config');
    expect(config).toMatch(/name: slack-payments\n\s+slack_configs:/);
    expect(config).toContain('api_url_file: /etc/alertmanager/secrets/payments-alerting/slack-url');
    const routes = config.slice(config.indexOf('routes:'));
    expect(routes.indexOf('alertname="Watchdog"')).toBeLessThan(
      routes.indexOf('namespace="payments"'),
    );
    expect(secrets).toEqual(
      expect.arrayContaining([
        'telemetry/payments-alerting',
        'telemetry/alertmanager-opsgenie-platform',
      ]),
    );
  });

  test('keeps each of its own log classes for its own time, and ships them by its own rules', () => {
    const setup = objects
      .filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'telemetry')
      .map((o) => JSON.stringify(o.data))
      .join('\n');
    expect(setup).toContain('logs-audit-retention');
    expect(setup).toContain('400d');
    expect(setup).toContain('logs-payments-retention');
    expect(setup).not.toContain('logs-trades');
    const filebeat = objects
      .filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'telemetry-nodes')
      .map((o) => JSON.stringify(o.data))
      .join('\n');
    expect(filebeat).toContain('card_token');
    expect(filebeat).toMatch(
      /dataset: audit\\n\s+namespace: default\\n\s+when:\\n\s+equals:\\n\s+labels.index_class: audit/,
    );
  });

  test('opens the way to a scrape target outside the cluster, given as an IP block after the stack was built', () => {
    expect(configText(objects, 'prometheus-config')).toContain('198.51.100.10:9100');
    const policy = objects.find(
      (o) =>
        o.kind === 'NetworkPolicy' &&
        o.metadata.namespace === 'telemetry' &&
        o.metadata.name.startsWith('allow-prometheus'),
    );
    expect(policy?.spec.egress).toContainEqual({
      to: [{ ipBlock: { cidr: '198.51.100.0/24' } }],
      ports: [{ port: 9100, protocol: 'TCP' }],
    });
  });
});

describe('Prometheus, Alertmanager and node-exporter alone, with no Elasticsearch', () => {
  let objects: KubeObject[];
  let secrets: string[];
  beforeAll(() => ({ objects, secrets } = synthScenario('metrics-only')), 120_000);

  test('passes every whole-app check', () => {
    expect(checks(objects, secrets)).toEqual(CLEAN);
  });

  test('gets its namespaces at the Pod Security level each needs, and no log component', () => {
    const level = (ns: string) =>
      find(objects, 'Namespace', ns)?.metadata.labels?.['pod-security.kubernetes.io/enforce'];
    expect([level('monitoring'), level('monitoring-nodes')]).toEqual(['restricted', 'privileged']);
    expect(
      objects.filter((o) =>
        /elasticsearch|kibana|filebeat|logstash/.test(
          o.metadata.labels?.['app.kubernetes.io/name'] ?? '',
        ),
      ),
    ).toEqual([]);
  });

  test('lets Prometheus scrape the applications and send alerts, without the stack', () => {
    const policy = objects.find(
      (o) => o.kind === 'NetworkPolicy' && o.metadata.name.startsWith('allow-prometheus'),
    )!;
    expect(policy.spec.egress).toContainEqual({ to: [{ namespaceSelector: {} }] });
    expect(JSON.stringify(policy.spec.egress)).toContain('"port":9093');
  });
});

describe('Kibana and Grafana on an Elasticsearch the consumer builds, in a second chart of the same app', () => {
  let objects: KubeObject[];
  let secrets: string[];
  beforeAll(() => ({ objects, secrets } = synthScenario('shared-elasticsearch')), 120_000);

  test('passes every whole-app check', () => {
    expect(checks(objects, secrets)).toEqual(CLEAN);
  });

  test("admits the second chart's UIs into the first chart's Elasticsearch", () => {
    const ingress = objects
      .filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'search')
      .flatMap((o) => o.spec.ingress ?? []);
    const from = JSON.stringify(ingress);
    expect(from).toContain('"kubernetes.io/metadata.name":"dashboards"');
    expect(from).toContain('"app.kubernetes.io/name":"kibana"');
    expect(from).toContain('"app.kubernetes.io/name":"grafana"');
  });
});

describe('the README example (examples/custom-stack.ts), installed like any other consumer', () => {
  test('passes every whole-app check', () => {
    const { objects, secrets } = synthScenario('readme-example');
    expect(checks(objects, secrets)).toEqual(CLEAN);
    expect(objects.some((o) => o.kind === 'Job' && o.metadata.namespace === 'logging')).toBe(true);
  }, 120_000);
});

describe('the Pulumi entry point', () => {
  test("registers, under Pulumi's mocks, one Kubernetes resource per synthesized object", () => {
    const printed = JSON.parse(
      sh(process.execPath, [join(project, 'build', 'pulumi-program.js')], { cwd: project }),
    );
    expect(printed.synthesized.length).toBeGreaterThan(50);
    expect([...printed.registered].sort()).toEqual([...printed.synthesized].sort());
  }, 180_000);
});
