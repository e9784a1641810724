import { readFileSync } from 'fs';
import { join } from 'path';
import * as pulumi from '@pulumi/pulumi';
import * as k8s from '@pulumi/kubernetes';
import { parse } from 'yaml';
import { DEFAULT_LOG_CLASSES, withLogRetention } from '../lib/core/log-classes';
import {
  KubernetesObject,
  ObservabilityStackArgs,
  ObservabilityStackResource,
} from '../lib/pulumi';
import { deploymentOrder } from '../lib/pulumi/deployment-order';
import { environmentProfile } from '../stacks/environments';
import { stackArgsFromConfig } from '../stacks/pulumi-config';
import {
  ENVIRONMENTS,
  EnvironmentName,
  KubeObject,
  synthEnvironment,
} from './support/environments';

const PROJECT = 'observability-stack';
const COMPONENT_TYPE = 'observability:index:ObservabilityStack';

/** What the engine received for one resource: the RegisterResource request, as the mock monitor saw it. */
interface Registration {
  urn: string;
  type: string;
  name: string;
  parent: string;
  dependencies: string[];
  provider: string;
  inputs: KubeObject;
}

const registrations: Registration[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    },
    PROJECT,
    'test',
  );
  // The mocks' newResource sees neither parent nor dependencies: record the requests themselves.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: any, callback: (err: any, res: any) => void): Promise<void>;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (err, res) => {
      if (res) {
        registrations.push({
          urn: res.getUrn(),
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent(),
          dependencies: req.getDependenciesList(),
          provider: req.getProvider(),
          inputs: pulumi.runtime.deserializeProperties(req.getObject()) as KubeObject,
        });
      }
      callback(err, res);
    });
});

// Registrations still in flight (component outputs) finish before jest tears the file down.
afterAll(() => pulumi.runtime.disconnect());

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/**
 * Runs `work` with a plain stack trace format instead of jest's source-mapped one. Pulumi
 * formats a stack trace for every promise it makes (`debuggablePromise`) and for every resource
 * (`Resource.callsites`, with no depth limit): dozens per object, hundreds of objects per
 * deployment. Through jest's formatter, which maps each frame to its source, that was 40% of
 * this file's time. Here a trace is V8's own text of its first 10 frames (Node's default depth;
 * Pulumi reads the resource's position from the 6th), unmapped: the mocks ignore positions.
 * Jest's format is back for the assertions, so a failure still points at the source.
 */
async function withPlainStackTraces<T>(work: () => Promise<T>): Promise<T> {
  const jestFormat = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, frames) =>
    `${error}${frames
      .slice(0, 10)
      .map((frame) => `\n    at ${frame}`)
      .join('')}`;
  try {
    return await work();
  } finally {
    Error.prepareStackTrace = jestFormat;
  }
}

let deployments = 0;

/** Builds the component under the mocks and waits until every child is registered. */
function deploy(args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
  return withPlainStackTraces(() => deployUnderMocks(args, opts));
}

async function deployUnderMocks(
  args: ObservabilityStackArgs,
  opts?: pulumi.ComponentResourceOptions,
) {
  const component = new ObservabilityStackResource(`observability-${++deployments}`, args, opts);
  const urn = await promiseOf(component.urn);
  await promiseOf(pulumi.all(Object.values(component.resources).map((r) => r.urn)));
  const children = registrations.filter((r) => r.parent === urn);
  const child = (name: string) => {
    const found = children.find((r) => r.name === name);
    if (!found) throw new Error(`no child ${name} among ${children.map((r) => r.name).join(', ')}`);
    return found;
  };
  /** The logical names (the last part of a URN) of what `name` waits for. */
  const waitsFor = (name: string) => child(name).dependencies.map((dep) => dep.split('::').pop()!);
  return { component, urn, children, child, waitsFor };
}

const profile = (env: EnvironmentName) => ({ environment: env, profiles: environmentProfile });

const deployedProfiles = new Map<EnvironmentName, ReturnType<typeof deploy>>();
/** The deployment of a bundled profile, made once per file. */
function deployProfile(env: EnvironmentName): ReturnType<typeof deploy> {
  if (!deployedProfiles.has(env)) deployedProfiles.set(env, deploy(profile(env)));
  return deployedProfiles.get(env)!;
}
const identity = (o: KubeObject) =>
  `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? '-'} ${o.metadata.name}`;

describe.each(ENVIRONMENTS)('ObservabilityStackResource, %s', (env) => {
  let deployed: Awaited<ReturnType<typeof deploy>>;
  const { objects } = synthEnvironment(env);
  const key = (kind: string, name: string, namespace?: string) =>
    [kind.toLowerCase(), ...(namespace ? [namespace] : []), name].join('/');
  const named = (kind: string, prefix = '') =>
    objects
      .filter((o) => o.kind === kind && o.metadata.name.startsWith(prefix))
      .map((o) => key(o.kind, o.metadata.name, o.metadata.namespace));

  beforeAll(async () => {
    deployed = await deployProfile(env);
  });

  test('registers one Kubernetes resource per object of the cdk8s synth, and no other', () => {
    expect(deployed.children.map((r) => identity(r.inputs)).sort()).toEqual(
      objects.map(identity).sort(),
    );
  });

  test('sends every object to the engine exactly as cdk8s synthesizes it', () => {
    for (const object of objects) {
      expect(
        deployed.child(key(object.kind, object.metadata.name, object.metadata.namespace)).inputs,
      ).toEqual(object);
    }
  });

  test('registers every child resource with the component as its parent', () => {
    expect(deployed.urn).toMatch(
      new RegExp(`^urn:pulumi:test::${PROJECT}::${COMPONENT_TYPE}::observability-\\d+$`),
    );
    // `children` are the registrations whose parent is the component's URN.
    expect(deployed.children.map((r) => r.name).sort()).toEqual(
      Object.keys(deployed.component.resources).sort(),
    );
    expect(deployed.children).toHaveLength(objects.length);
  });

  test('uses the typed @pulumi/kubernetes class of each built-in kind', () => {
    expect(deployed.child(key('Deployment', 'kibana', 'observability')).type).toBe(
      'kubernetes:apps/v1:Deployment',
    );
    expect(deployed.child(key('Namespace', 'observability')).type).toBe(
      'kubernetes:core/v1:Namespace',
    );
    expect(deployed.child(key('ClusterRole', 'observability-prometheus')).type).toBe(
      'kubernetes:rbac.authorization.k8s.io/v1:ClusterRole',
    );
  });

  test('creates every namespaced object after its Namespace', () => {
    for (const object of objects.filter((o) => o.metadata.namespace)) {
      expect(
        deployed.waitsFor(key(object.kind, object.metadata.name, object.metadata.namespace)),
      ).toContain(key('Namespace', object.metadata.namespace!));
    }
  });

  test('starts each workload after its own ServiceAccount and ConfigMaps', () => {
    expect(deployed.waitsFor(key('Deployment', 'grafana', 'observability'))).toEqual(
      expect.arrayContaining([
        key('ServiceAccount', 'grafana', 'observability'),
        key('ConfigMap', 'grafana-config', 'observability'),
        key('ConfigMap', 'grafana-dashboards', 'observability'),
      ]),
    );
    expect(deployed.waitsFor(key('DaemonSet', 'filebeat', 'observability-agents'))).toEqual(
      expect.arrayContaining([
        key('ClusterRole', 'observability-agents-filebeat'),
        key('ClusterRoleBinding', 'observability-agents-filebeat'),
      ]),
    );
  });

  test('starts Kibana, Logstash, Grafana and the Elasticsearch exporter after the Elasticsearch StatefulSets', () => {
    const elasticsearch = named('StatefulSet', 'elasticsearch-');
    expect(elasticsearch.length).toBeGreaterThan(0);
    for (const name of ['kibana', 'grafana', 'elasticsearch-exporter']) {
      expect(deployed.waitsFor(key('Deployment', name, 'observability'))).toEqual(
        expect.arrayContaining(elasticsearch),
      );
    }
    expect(deployed.waitsFor(key('StatefulSet', 'logstash', 'observability'))).toEqual(
      expect.arrayContaining(elasticsearch),
    );
  });

  test('runs the elasticsearch-setup Job after the Elasticsearch StatefulSets and Services', () => {
    const [job] = named('Job', 'elasticsearch-setup-');
    expect(deployed.waitsFor(job)).toEqual(
      expect.arrayContaining([
        ...named('StatefulSet', 'elasticsearch-'),
        key('Service', 'elasticsearch-http', 'observability'),
      ]),
    );
  });

  test('runs the kibana-setup Job after the Kibana Deployment', () => {
    const [job] = named('Job', 'kibana-setup-');
    expect(deployed.waitsFor(job)).toEqual(
      expect.arrayContaining([
        key('Deployment', 'kibana', 'observability'),
        key('Service', 'kibana', 'observability'),
      ]),
    );
  });

  test('ships Filebeat only after Logstash, which sits in front of Elasticsearch', () => {
    const waits = deployed.waitsFor(key('DaemonSet', 'filebeat', 'observability-agents'));
    expect(waits).toContain(key('StatefulSet', 'logstash', 'observability'));
    expect(
      waits.filter((name) => name.startsWith('statefulset/observability/elasticsearch-')),
    ).toEqual([]);
  });

  test("outputs the in-cluster URLs of the stack's Services", async () => {
    const { stack } = synthEnvironment(env);
    expect(await promiseOf(deployed.component.endpoints)).toEqual({
      elasticsearch: stack.elasticsearch.endpoint.url,
      kibana: stack.kibana.endpoint.url,
      grafana: stack.grafana.endpoint.url,
      jaegerQuery: stack.jaeger.queryEndpoint.url,
      prometheus: stack.prometheus.endpoint.url,
      alertmanager: stack.alertmanager.endpoint.url,
    });
  });

  test('outputs the Secrets the user creates, with namespaces and keys', async () => {
    const secrets = await promiseOf(deployed.component.externalSecrets);
    expect(secrets).toEqual(synthEnvironment(env).stack.externalSecrets);
    expect(secrets).toContainEqual(
      expect.objectContaining({
        name: 'grafana-admin',
        namespace: 'observability',
        keys: ['username', 'password'],
      }),
    );
  });
});

describe('ObservabilityStackResource ordering per environment', () => {
  test('starts the in-memory Jaeger of dev without waiting for Elasticsearch', async () => {
    const { waitsFor } = await deployProfile('dev');
    expect(
      waitsFor('deployment/observability/jaeger').filter((n) => n.includes('elasticsearch')),
    ).toEqual([]);
  });

  test('starts the Jaeger collector and query of staging after Elasticsearch', async () => {
    const { waitsFor } = await deployProfile('staging');
    for (const name of ['jaeger-collector', 'jaeger-query']) {
      expect(waitsFor(`deployment/observability/${name}`)).toContain(
        'statefulset/observability/elasticsearch-node',
      );
    }
  });

  test('ships Filebeat after Elasticsearch when there is no Logstash', async () => {
    const { waitsFor } = await deploy({ ...profile('dev'), overrides: { logstash: false } });
    expect(waitsFor('daemonset/observability-agents/filebeat')).toContain(
      'statefulset/observability/elasticsearch-node',
    );
  });

  test('gives a changed setup Job a new logical name, so Pulumi creates it instead of updating an immutable spec', async () => {
    const before = await deployProfile('prod');
    const after = await deploy({
      ...profile('prod'),
      overrides: { logClasses: withLogRetention(DEFAULT_LOG_CLASSES, { errors: '180d' }) },
    });
    const jobs = (d: typeof before) =>
      d.children
        .filter((r) => r.inputs.kind === 'Job')
        .map((r) => r.name)
        .sort();
    expect(jobs(after)).not.toEqual(jobs(before));
    expect(jobs(after).filter((name) => name.includes('kibana-setup'))).toEqual(
      jobs(before).filter((name) => name.includes('kibana-setup')),
    );
  });
});

describe('ObservabilityStackResource args and options', () => {
  test('passes a Kubernetes provider given to the component to every child', async () => {
    const provider = new k8s.Provider('test-cluster', { context: 'test-context' });
    const providerUrn = await promiseOf(provider.urn);
    const { children } = await deploy(profile('dev'), { provider });
    expect(children.filter((r) => !r.provider.startsWith(`${providerUrn}::`))).toEqual([]);
  });

  test('deploys full props the same as the environment name', async () => {
    const byName = await deployProfile('staging');
    const byProps = await deploy(environmentProfile('staging'));
    expect(byProps.children.map((r) => r.inputs)).toEqual(byName.children.map((r) => r.inputs));
  });

  test('merges plain-object overrides key by key over the profile', async () => {
    const { component } = await deploy({
      ...profile('prod'),
      overrides: { access: { domain: 'obs.example.net' } },
    });
    expect(component.stack.kibana.replicas).toBe(2);
    expect(component.stack.access!.exposed.map((e) => e.teams)).toEqual(
      synthEnvironment('prod').stack.access!.exposed.map((e) => e.teams),
    );
    expect(await promiseOf(component.uiUrls)).toEqual(
      Object.fromEntries(
        ['kibana', 'grafana', 'jaeger', 'prometheus', 'alertmanager'].map((ui) => [
          ui,
          `https://${ui}.obs.example.net`,
        ]),
      ),
    );
  });

  test('outputs the UI URLs the profile sets', async () => {
    const { component } = await deployProfile('dev');
    expect(await promiseOf(component.uiUrls)).toEqual({ jaeger: 'http://localhost:16686' });
  });

  test('fails for an environment without a profile', () => {
    expect(
      () =>
        new ObservabilityStackResource('unknown', {
          environment: 'qa',
          profiles: environmentProfile,
        }),
    ).toThrow(/'environment' must be one of dev, staging, prod, got 'qa'/);
  });
});

describe('deploymentOrder', () => {
  const object = (
    apiVersion: string,
    kind: string,
    name: string,
    extra: object = {},
  ): KubernetesObject => ({ apiVersion, kind, metadata: { name }, ...extra });

  test('creates a custom object after the CustomResourceDefinition of its kind', () => {
    const crd = object(
      'apiextensions.k8s.io/v1',
      'CustomResourceDefinition',
      'widgets.example.com',
      { spec: { group: 'example.com', names: { kind: 'Widget' } } },
    );
    const widget = object('example.com/v1', 'Widget', 'w');
    expect(deploymentOrder([widget, crd]).map((o) => [o.key, o.dependsOn])).toEqual([
      ['customresourcedefinition/widgets.example.com', []],
      ['widget/w', ['customresourcedefinition/widgets.example.com']],
    ]);
  });

  test('fails when two objects have the same kind, namespace and name', () => {
    expect(() =>
      deploymentOrder([object('v1', 'Namespace', 'a'), object('v1', 'Namespace', 'a')]),
    ).toThrow(/two objects are both 'namespace\/a'/);
  });

  test('fails when the rules wait in a circle', () => {
    const rules = [
      {
        reason: 'a circle',
        dependents: { kinds: ['ConfigMap'] },
        prerequisites: [{ kinds: ['ConfigMap'] }],
      },
    ];
    expect(() =>
      deploymentOrder([object('v1', 'ConfigMap', 'a'), object('v1', 'ConfigMap', 'b')], rules),
    ).toThrow(/wait in a circle among configmap\/a, configmap\/b/);
  });
});

describe('the Pulumi program and its stack config', () => {
  afterEach(() => pulumi.runtime.setAllConfig({}));

  const setStackConfig = (config: Record<string, unknown>) =>
    pulumi.runtime.setAllConfig(
      Object.fromEntries(
        Object.entries(config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
      ),
    );

  test.each(ENVIRONMENTS)(
    'Pulumi.%s.yaml deploys the objects cdk8s synthesizes for that environment',
    async (env) => {
      setStackConfig(
        parse(readFileSync(join(__dirname, '..', `Pulumi.${env}.yaml`), 'utf8')).config,
      );
      const { children } = await deploy(stackArgsFromConfig(new pulumi.Config()));
      expect(children.map((r) => r.inputs)).toEqual(
        expect.arrayContaining(synthEnvironment(env).objects),
      );
      expect(children).toHaveLength(synthEnvironment(env).objects.length);
    },
  );

  test('environment, region and overrides from stack config reach the objects and outputs', async () => {
    setStackConfig({
      [`${PROJECT}:environment`]: 'staging',
      [`${PROJECT}:region`]: 'us-east-1',
      [`${PROJECT}:overrides`]: {
        namespace: 'monitoring',
        access: { hosts: { grafana: 'grafana.example.com' } },
      },
    });
    const { component, child } = await deploy(stackArgsFromConfig(new pulumi.Config()));
    expect(component.stack.environment).toBe('staging');
    expect(child('configmap/monitoring/prometheus-config').inputs.data['prometheus.yml']).toMatch(
      /region: us-east-1/,
    );
    expect((await promiseOf(component.endpoints)).kibana).toMatch(
      /^https?:\/\/kibana\.monitoring\.svc:5601$/,
    );
    expect(await promiseOf(component.uiUrls)).toEqual(
      expect.objectContaining({
        grafana: 'https://grafana.example.com',
        kibana: 'https://kibana.staging.observability.example.com',
      }),
    );
  });

  test('fails when the stack config names no environment', () => {
    setStackConfig({ [`${PROJECT}:region`]: 'us-east-1' });
    expect(() => stackArgsFromConfig(new pulumi.Config())).toThrow(/environment/);
  });

  test('the program exports the environment, endpoints, UI URLs and Secrets', async () => {
    setStackConfig({ [`${PROJECT}:environment`]: 'dev' });
    const program = await withPlainStackTraces(() => import('../stacks/pulumi'));
    expect(program.environment).toBe('dev');
    const [endpoints, uiUrls, externalSecrets] = await withPlainStackTraces(() =>
      Promise.all([
        promiseOf(program.endpoints),
        promiseOf(program.uiUrls),
        promiseOf(program.externalSecrets),
      ]),
    );
    expect(endpoints).toEqual(
      expect.objectContaining({ grafana: synthEnvironment('dev').stack.grafana.endpoint.url }),
    );
    expect(uiUrls).toEqual({ jaeger: 'http://localhost:16686' });
    expect(externalSecrets.map((s) => s.name)).toContain('kibana-encryption-keys');
  });
});
