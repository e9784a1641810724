import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import * as k8s from '@pulumi/kubernetes';
import { EngineEvent, LocalWorkspace, PulumiCommand, Stack } from '@pulumi/pulumi/automation';
import { parseAllDocuments } from 'yaml';
import { ObservabilityStackResource } from '../../lib/pulumi';
import { environmentProfile } from '../../stacks/environments';
import { ENVIRONMENTS, EnvironmentName, KubeObject } from '../support/environments';
import { waitUntil } from './support/alert-harness';
import { ControlPlane } from './support/apiserver';
import { describeRun, tempDir, removeTempDirs, toolPath } from './support/tools';

/**
 * `pulumi up` for real: the Pulumi CLI and the Kubernetes provider built by
 * scripts/install-pulumi.sh, the package's `ObservabilityStackResource` run as an inline
 * program through the Automation API (this Node process is the language host, so no
 * language plugin binary), against the real kube-apiserver of the tools tier. For every
 * environment: preview, up, up again (no changes), preview with refresh (no changes), destroy; kubectl
 * sees every object of dist/<env> after up and none after destroy. Then the adoption of an
 * environment first applied with `kubectl apply`, without `PULUMI_K8S_ENABLE_PATCH_FORCE`.
 *
 * The API server runs no kubelet, so no pod ever becomes ready and the provider would wait
 * for each workload until its timeout. The test adds the provider's own skip-await
 * annotation (`pulumi.com/skipAwait`) to every object through a resource transform, and
 * nothing else: what is checked is the engine, the provider, the object set, its order and
 * the API server's acceptance, not readiness, which no kubelet-less cluster can show.
 */
jest.setTimeout(900_000);

const REPO = path.resolve(__dirname, '..', '..');
const PROJECT = 'observability-stack';

let plane: ControlPlane;
let command: PulumiCommand;
let state: string;

const PROVIDER_VERSION = JSON.parse(
  fs.readFileSync(path.join(REPO, 'node_modules', '@pulumi', 'kubernetes', 'package.json'), 'utf8'),
).pulumi.version as string;

beforeAll(async () => {
  command = await PulumiCommand.get({ root: path.dirname(path.dirname(toolPath('pulumi'))) });
  state = tempDir('pulumi-state-');
  // Installed as a plugin of the version the npm SDK asks for, as `pulumi up` would
  // download it, rather than found on PATH (which the engine warns about).
  const install = spawnSync(
    toolPath('pulumi'),
    [
      'plugin',
      'install',
      'resource',
      'kubernetes',
      PROVIDER_VERSION,
      '--file',
      toolPath('pulumi-resource-kubernetes'),
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, PULUMI_HOME: pulumiHome() },
    },
  );
  if (install.status !== 0)
    throw new Error(
      describeRun('pulumi', ['plugin', 'install'], {
        status: install.status,
        stdout: install.stdout,
        stderr: install.stderr,
      }),
    );
  plane = await ControlPlane.start();
  // The namespace controller finalizes the namespaces `destroy` deletes.
  await plane.startControllerManager();
}, 180_000);

afterAll(async () => {
  await plane?.stop();
  removeTempDirs();
}, 60_000);

function pulumiHome(): string {
  return path.join(state, '.pulumi-home');
}

function distObjects(env: EnvironmentName): KubeObject[] {
  const file = path.join(REPO, 'dist', env, 'observability.k8s.yaml');
  return parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJS())
    .filter(Boolean);
}

function distFile(env: EnvironmentName): string {
  return path.join(REPO, 'dist', env, 'observability.k8s.yaml');
}

/** Names kubectl finds of a manifest file's objects (`kind/name`); missing ones are left out. */
function liveNames(env: EnvironmentName): string[] {
  const result = plane.kubectl(['get', '-f', distFile(env), '--ignore-not-found', '-o', 'name']);
  if (result.status !== 0)
    throw new Error(describeRun('kubectl', ['get', '-f', distFile(env)], result));
  return result.stdout.trim().split('\n').filter(Boolean);
}

/** The stack of an environment: the component on a provider for the test's API server, every object unawaited. */
async function engineStack(
  env: EnvironmentName,
  extraEnv: Record<string, string> = {},
): Promise<Stack> {
  const kubeconfig = fs.readFileSync(plane.kubeconfig, 'utf8');
  const program = async () => {
    const provider = new k8s.Provider('cluster', { kubeconfig });
    const skipAwait: pulumi.ResourceTransform = (args) => {
      if (!args.type.startsWith('kubernetes:')) return undefined;
      const props = args.props as { metadata?: { annotations?: Record<string, string> } };
      return {
        props: {
          ...props,
          metadata: {
            ...props.metadata,
            annotations: { ...props.metadata?.annotations, 'pulumi.com/skipAwait': 'true' },
          },
        },
        opts: args.opts,
      };
    };
    const stack = new ObservabilityStackResource(
      'observability',
      { environment: env, profiles: environmentProfile },
      {
        providers: [provider],
        transforms: [skipAwait],
      },
    );
    return { objects: stack.manifests.length };
  };
  return LocalWorkspace.createOrSelectStack(
    { stackName: env, projectName: PROJECT, program },
    {
      pulumiCommand: command,
      workDir: tempDir(`pulumi-${env}-`),
      projectSettings: { name: PROJECT, runtime: 'nodejs', backend: { url: `file://${state}` } },
      envVars: {
        PULUMI_CONFIG_PASSPHRASE: 'test-tier-only',
        PULUMI_SKIP_UPDATE_CHECK: 'true',
        PULUMI_HOME: pulumiHome(),
        PULUMI_IGNORE_AMBIENT_PLUGINS: 'true',
        ...extraEnv,
      },
    },
  );
}

/** Every change of an operation that is not `same`, by kind of operation. */
function changes(
  summary: { resourceChanges?: Record<string, number> } | undefined,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(summary?.resourceChanges ?? {}).filter(([op, n]) => op !== 'same' && n > 0),
  );
}

async function waitGone(env: EnvironmentName): Promise<void> {
  await waitUntil(
    `every object of ${env} to be gone`,
    () => (liveNames(env).length === 0 ? true : undefined),
    { timeoutMs: 180_000, intervalMs: 1000 },
  );
}

describe.each(ENVIRONMENTS)('pulumi, for real, on the %s environment', (env) => {
  let stack: Stack;
  const objects = distObjects(env);

  beforeAll(async () => {
    stack = await engineStack(env);
  });

  test('preview plans to create every object of dist/, and creates nothing', async () => {
    const result = await stack.preview({ color: 'never' });
    expect(changes({ resourceChanges: result.changeSummary })).toEqual({
      create: objects.length + 3,
    });
    expect(liveNames(env)).toEqual([]);
  });

  test('up creates every object of dist/, and kubectl finds each', async () => {
    const events: EngineEvent[] = [];
    const result = await stack.up({ color: 'never', onEvent: (e) => events.push(e) });
    expect(result.summary.result).toBe('succeeded');
    // No warning from the engine or the provider (deprecated APIs, version mismatches...).
    // Except the API server's own ClusterIP repair loop: it can list a Service created an
    // instant ago before its IPAddress object reaches the loop's cache, and then posts a
    // ClusterIPNotAllocated event ("... is not allocated; repairing") that the provider shows
    // as a warning. That is a race inside kube-apiserver, not a property of the manifests.
    expect(
      [result.stdout, result.stderr]
        .join('\n')
        .split('\n')
        .filter((l) => /warning/i.test(l))
        .filter(
          (l) =>
            !/warning: ClusterIPNotAllocated: Cluster IP \[IPv[46]\]: [0-9a-f.:]+ is not allocated; repairing$/.test(
              l,
            ),
        ),
    ).toEqual([]);
    // The objects, the component, the provider and the stack itself.
    expect(changes(result.summary)).toEqual({ create: objects.length + 3 });
    expect(result.outputs.objects.value).toBe(objects.length);
    expect(liveNames(env)).toHaveLength(objects.length);

    // In the engine's own order: the Namespaces are created before anything in them starts,
    // and each setup Job starts only once what it configures is there.
    const started = (urn: string) =>
      events.findIndex((e) => e.resourcePreEvent?.metadata.urn === urn);
    const done = (urn: string) => events.findIndex((e) => e.resOutputsEvent?.metadata.urn === urn);
    const urns = [
      ...new Set(
        events.map((e) => e.resourcePreEvent?.metadata.urn).filter((u): u is string => !!u),
      ),
    ];
    const named = (pattern: RegExp) => urns.filter((u) => pattern.test(u.split('::').pop()!));
    const namespaces = named(/^namespace\//);
    expect(namespaces).toHaveLength(2);
    const lastNamespace = Math.max(...namespaces.map(done));
    expect(
      named(/^(configmap|deployment|statefulset|service|networkpolicy)\//).every(
        (u) => started(u) > lastNamespace,
      ),
    ).toBe(true);
    for (const [job, before] of [
      [/^job\/observability\/elasticsearch-setup-/, /^statefulset\/observability\/elasticsearch/],
      [/^job\/observability\/kibana-setup-/, /^deployment\/observability\/kibana$/],
    ] as const) {
      const [setup] = named(job);
      expect(named(before).length).toBeGreaterThan(0);
      expect(named(before).every((u) => done(u) < started(setup))).toBe(true);
    }
  });

  test('a second up changes nothing', async () => {
    const result = await stack.up({ color: 'never' });
    expect(changes(result.summary)).toEqual({});
  });

  test('a preview after refreshing from the cluster expects no change', async () => {
    const result = await stack.preview({ refresh: true, expectNoChanges: true, color: 'never' });
    expect(changes({ resourceChanges: result.changeSummary })).toEqual({});
  });

  test('destroy deletes every object, and the namespaces go', async () => {
    const result = await stack.destroy({ color: 'never' });
    expect(result.summary.result).toBe('succeeded');
    expect(changes(result.summary)).toEqual({ delete: objects.length + 3 });
    await waitGone(env);
  });
});

describe('adopting an environment first applied with kubectl', () => {
  const env: EnvironmentName = 'prod';

  test('pulumi up takes it over without PULUMI_K8S_ENABLE_PATCH_FORCE, then destroys it', async () => {
    const applied = plane.kubectl(['apply', '-f', distFile(env)]);
    expect(applied.status).toBe(0);
    const stack = await engineStack(env, { PULUMI_K8S_UPSERT_EXISTING_OBJECTS: 'true' });
    expect(process.env.PULUMI_K8S_ENABLE_PATCH_FORCE).toBeUndefined();
    const result = await stack.up({ color: 'never' });
    expect(result.summary.result).toBe('succeeded');
    expect(liveNames(env)).toHaveLength(distObjects(env).length);
    await stack.destroy({ color: 'never' });
    await waitGone(env);
  });
});
