import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { ENVIRONMENTS, EnvironmentName, KubeObject } from '../support/environments';
import { waitUntil } from './support/alert-harness';
import { ControlPlane } from './support/apiserver';
import { describeRun } from './support/tools';

/**
 * Every environment's committed dist/<env>/observability.k8s.yaml, applied as the README
 * says (`kubectl apply --server-side`), to a real kube-apiserver 1.36 with etcd on
 * 127.0.0.1 (scripts/install-apiserver.sh builds both, and kubectl and
 * kube-controller-manager with them):
 *
 * 1. every object is admitted (schema with strict field validation, validation, the default
 *    admission plugins) and GETs back; PodSecurity's warn level, which our namespaces set,
 *    reports no pod template (nor does the server warn about anything else);
 * 2. a second apply changes nothing: every object's resourceVersion stays as it was;
 * 3. with kube-controller-manager started, the Deployments, StatefulSets and Jobs create
 *    their pods, which PodSecurity admits at the level our namespaces enforce (no
 *    scheduler and no kubelet: they stay Pending; no node, so the DaemonSets make none);
 * 4. `kubectl delete -f` removes every object, and the namespace controller finalizes the
 *    namespaces until they are gone.
 *
 * The environments share their namespace names, so they go one after another through ONE
 * server, each deleted before the next is applied: a leftover (an object, a namespace stuck
 * in Terminating) fails the next environment's apply instead of passing unnoticed.
 * kube-controller-manager runs only for steps 3 and 4: its status writes would bump the
 * resourceVersions that step 2 compares.
 */
jest.setTimeout(300_000);

const REPO = path.resolve(__dirname, '..', '..');
const FIELD_MANAGER = 'observability-stack';

let plane: ControlPlane;

beforeAll(async () => {
  plane = await ControlPlane.start();
}, 120_000);

afterAll(async () => {
  await plane?.stop();
}, 60_000);

/** An object as the API server returns it. */
type LiveObject = KubeObject & {
  metadata: KubeObject['metadata'] & {
    resourceVersion: string;
    managedFields?: any[];
    ownerReferences?: any[];
  };
};

function distFile(env: EnvironmentName): string {
  return path.join(REPO, 'dist', env, 'observability.k8s.yaml');
}

function distObjects(env: EnvironmentName): KubeObject[] {
  return parseAllDocuments(fs.readFileSync(distFile(env), 'utf8'))
    .map((doc) => doc.toJS())
    .filter(Boolean);
}

function key(object: KubeObject): string {
  return `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}

/** kubectl, failing the test with everything kubectl and the servers said unless it exits 0. */

function applyArgs(file: string): string[] {
  return ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', file];
}

/** The live objects of a manifest file, in the file's order. */
function liveObjects(file: string): LiveObject[] {
  return JSON.parse(
    plane.kubectlOk(['get', '-f', file, '--show-managed-fields', '-o', 'json']).stdout,
  ).items;
}

function outputLines(stdout: string): string[] {
  return stdout.trim().split('\n').filter(Boolean);
}

/**
 * Expects one line of kubectl apply or delete per object, each matching `verb`
 * (`deployment.apps/grafana serverside-applied`, `configmap "x" deleted from y namespace`).
 */
function expectOneLinePerObject(stdout: string, objects: KubeObject[], verb: RegExp): void {
  const lines = outputLines(stdout);
  expect(lines.filter((line) => !verb.test(line))).toEqual([]);
  expect(lines).toHaveLength(objects.length);
}

/** kubectl's warnings (admission warnings such as PodSecurity's `would violate`, deprecations). */
function warnings(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('Warning:'));
}

/** The pods a workload creates at once here: every replica (Parallel) or the first one. */
function expectedPods(object: KubeObject): number {
  const spec = object.spec ?? {};
  switch (object.kind) {
    case 'Deployment':
      return spec.replicas ?? 1;
    case 'StatefulSet':
      return spec.podManagementPolicy === 'Parallel'
        ? (spec.replicas ?? 1)
        : Math.min(spec.replicas ?? 1, 1);
    case 'Job':
      return Math.min(spec.parallelism ?? 1, spec.completions ?? Infinity);
    default:
      return 0;
  }
}

/** Pods per owning workload (`Kind/namespace/name`), a Deployment's through its ReplicaSets. */
function podsByWorkload(): Map<string, number> {
  const list = JSON.parse(
    plane.kubectlOk(['get', 'pods,replicasets', '--all-namespaces', '-o', 'json']).stdout,
  ).items as LiveObject[];
  const owner = (o: LiveObject) =>
    o.metadata.ownerReferences?.find((r: any) => r.controller) as
      { kind: string; name: string } | undefined;
  const replicaSetOwner = new Map(
    list
      .filter((o) => o.kind === 'ReplicaSet')
      .map((rs) => [`${rs.metadata.namespace}/${rs.metadata.name}`, owner(rs)]),
  );
  const counts = new Map<string, number>();
  for (const pod of list.filter((o) => o.kind === 'Pod')) {
    let ref = owner(pod);
    if (ref?.kind === 'ReplicaSet')
      ref = replicaSetOwner.get(`${pod.metadata.namespace}/${ref.name}`) ?? ref;
    if (!ref) continue;
    const id = `${ref.kind}/${pod.metadata.namespace}/${ref.name}`;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** The messages of FailedCreate events (a controller's pod or ReplicaSet refused by admission). */
function failedCreates(): string[] {
  const events = JSON.parse(
    plane.kubectlOk([
      'get',
      'events',
      '--all-namespaces',
      '--field-selector=reason=FailedCreate',
      '-o',
      'json',
    ]).stdout,
  ).items;
  return events.map(
    (e: any) =>
      `${e.involvedObject.kind}/${e.involvedObject.namespace}/${e.involvedObject.name}: ${e.message}`,
  );
}

test('the bundled environments use only built-in APIs: no CRD has to be applied first', () => {
  // A cert-manager Certificate (`certificates: { certManager }` in the props) would need
  // cert-manager's CRDs applied before the environment; none of the bundled ones opts in.
  const served = new Set(outputLines(plane.kubectlOk(['api-versions']).stdout));
  for (const env of ENVIRONMENTS) {
    const unserved = distObjects(env)
      .filter((o) => !served.has(o.apiVersion))
      .map(key);
    expect({ env, unserved }).toEqual({ env, unserved: [] });
  }
});

describe.each(ENVIRONMENTS)('%s: dist applied to a real kube-apiserver', (env) => {
  const file = distFile(env);
  const objects = distObjects(env);
  let firstVersions = new Map<string, string>();

  test('every object is admitted by a server-side apply and GETs back, with no warning', () => {
    const result = plane.kubectlOk(applyArgs(file));
    expectOneLinePerObject(result.stdout, objects, / serverside-applied$/);
    // Our namespaces set PodSecurity's `warn` level, so a pod template that the enforced
    // level would reject shows up here, as would a deprecated API or field.
    expect(warnings(result.stderr)).toEqual([]);

    const live = liveObjects(file);
    expect(live.map(key)).toEqual(objects.map(key));
    for (const object of live) {
      const managers = (object.metadata.managedFields ?? [])
        .filter((f: any) => f.manager === FIELD_MANAGER)
        .map((f: any) => f.operation);
      expect({ object: key(object), managers }).toEqual({
        object: key(object),
        managers: ['Apply'],
      });
    }
    firstVersions = new Map(live.map((o) => [key(o), o.metadata.resourceVersion]));
  });

  test('a second server-side apply changes nothing: every resourceVersion stays', () => {
    expect(firstVersions.size).toBe(objects.length);
    const result = plane.kubectlOk(applyArgs(file));
    expectOneLinePerObject(result.stdout, objects, / serverside-applied$/);
    expect(warnings(result.stderr)).toEqual([]);
    const changed = liveObjects(file)
      .filter((o) => o.metadata.resourceVersion !== firstVersions.get(key(o)))
      .map((o) => `${key(o)}: ${firstVersions.get(key(o))} -> ${o.metadata.resourceVersion}`);
    expect(changed).toEqual([]);
  });

  test("the controllers create every workload's pods and PodSecurity admits them", async () => {
    await plane.startControllerManager();
    // DaemonSets make pods only for nodes, and this cluster has none; a CronJob makes a Job
    // only when its schedule comes. Their pod templates met PodSecurity's warn level above.
    const workloads = objects.filter((o) => expectedPods(o) > 0);
    expect(workloads.length).toBeGreaterThan(0);
    const missing = (counts: Map<string, number>) =>
      workloads
        .filter((o) => (counts.get(key(o)) ?? 0) < expectedPods(o))
        .map((o) => `${key(o)}: ${counts.get(key(o)) ?? 0} of ${expectedPods(o)} pods`);
    await waitUntil(
      'the pods of every Deployment, StatefulSet and Job',
      () => {
        return missing(podsByWorkload()).length === 0 ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 1000 },
    ).catch((e) => {
      throw new Error(
        `${e.message}\nmissing: ${missing(podsByWorkload()).join('; ')}\nFailedCreate: ${failedCreates().join('\n')}\n${plane.logs()}`,
      );
    });
    expect(failedCreates()).toEqual([]);
  });

  test('kubectl delete removes every object, and the namespaces are finalized and gone', async () => {
    try {
      const result = plane.kubectlOk(['delete', '-f', file, '--wait=false']);
      expectOneLinePerObject(result.stdout, objects, / deleted( from \S+ namespace)?$/);
      const remaining = () =>
        outputLines(
          plane.kubectlOk(['get', '-f', file, '--ignore-not-found', '-o', 'name']).stdout,
        );
      await waitUntil(
        'every object of the environment, namespaces included, to be gone',
        () => {
          return remaining().length === 0 ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 1000 },
      ).catch((e) => {
        const namespaces = plane.kubectl(['get', 'namespaces', '-o', 'yaml']).stdout;
        throw new Error(
          `${e.message}\nremaining: ${remaining().join(', ')}\n${namespaces}\n${plane.logs()}`,
        );
      });
      // The pods the controllers made went with their namespaces.
      expect(
        outputLines(plane.kubectlOk(['get', 'pods', '--all-namespaces', '-o', 'name']).stdout),
      ).toEqual([]);
    } finally {
      await plane.stopControllerManager();
    }
  });
});

// Negative controls: the server really validates and really enforces PodSecurity here, so
// the checks above cannot pass vacuously.
describe('the API server rejects what it must', () => {
  const deployment = () => {
    const found = distObjects('dev').find((o) => o.kind === 'Deployment');
    if (!found) throw new Error('dist/dev has no Deployment');
    return structuredClone(found);
  };

  const manifest = (objects: KubeObject[]) => objects.map((o) => stringify(o)).join('---\n');

  function applyYaml(objects: KubeObject[]) {
    const args = applyArgs('-');
    const result = plane.kubectl(args, manifest(objects));
    return { result, text: describeRun('kubectl', args, result) };
  }

  test('a Deployment with an invalid field value, or an unknown field, is rejected and not stored', () => {
    const invalid = deployment();
    invalid.metadata.namespace = 'default';
    invalid.spec.replicas = -1;
    const rejected = applyYaml([invalid]);
    expect(rejected.result.status).not.toBe(0);
    expect(rejected.text).toMatch(/spec\.replicas: Invalid value: -1/);

    const unknown = deployment();
    unknown.metadata.namespace = 'default';
    unknown.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    const strict = applyYaml([unknown]);
    expect(strict.result.status).not.toBe(0);
    expect(strict.text).toMatch(/imagePullPolicyy: field not declared in schema/);

    const get = plane.kubectl([
      'get',
      'deployment',
      invalid.metadata.name,
      '-n',
      'default',
      '--ignore-not-found',
      '-o',
      'name',
    ]);
    expect(get).toMatchObject({ status: 0, stdout: '' });
  });

  test('PodSecurity enforces the level our namespaces set: a privileged pod is refused, by a user or a controller', async () => {
    const namespace = distObjects('dev').find(
      (o) =>
        o.kind === 'Namespace' &&
        o.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted',
    );
    if (!namespace) throw new Error('dist/dev has no Namespace enforcing the restricted level');
    const ns = structuredClone(namespace);
    ns.metadata.name = 'pod-security-negative';
    // The ServiceAccount admission plugin, before PodSecurity, refuses a pod whose service
    // account does not exist; without kube-controller-manager nobody creates `default`.
    const serviceAccount: KubeObject = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: ns.metadata.name },
    };
    try {
      plane.kubectlOk(applyArgs('-'), manifest([ns, serviceAccount]));

      const privileged = deployment();
      privileged.metadata.namespace = ns.metadata.name;
      const container = privileged.spec.template.spec.containers[0];
      container.securityContext = { privileged: true };
      privileged.spec.template.spec.serviceAccountName = serviceAccount.metadata.name;
      // A workload is admitted, with PodSecurity's warning about its template...
      const warned = applyYaml([privileged]);
      expect(warned.result.status).toBe(0);
      expect(warnings(warned.result.stderr).join('\n')).toMatch(
        /would violate PodSecurity "restricted:latest": privileged/,
      );
      // ...a pod of that template is refused...
      const pod: KubeObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'privileged', namespace: ns.metadata.name },
        spec: {
          containers: [
            { name: container.name, image: container.image, securityContext: { privileged: true } },
          ],
        },
      };
      const refused = applyYaml([pod]);
      expect(refused.result.status).not.toBe(0);
      expect(refused.text).toMatch(/violates PodSecurity "restricted:latest": privileged/);
      // ...and so are the pods the Deployment's ReplicaSet tries to create: what the
      // environments' check above would see, had one of their templates been refused.
      await plane.startControllerManager();
      const refusals = await waitUntil(
        "a FailedCreate event of the privileged Deployment's ReplicaSet",
        () => {
          const found = failedCreates().filter((e) =>
            e.startsWith(`ReplicaSet/${ns.metadata.name}/${privileged.metadata.name}-`),
          );
          return found.length > 0 ? found : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1000 },
      );
      expect(refusals[0]).toMatch(/violates PodSecurity "restricted:latest": privileged/);
      expect(podsByWorkload().get(key(privileged)) ?? 0).toBe(0);
    } finally {
      plane.kubectlOk(['delete', 'namespace', ns.metadata.name, '--wait=false']);
      await plane.stopControllerManager();
    }
  });
});
