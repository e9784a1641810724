import { stringify } from 'yaml';
import { ENVIRONMENTS, EnvironmentName, KubeObject } from '../support/environments';
import {
  PREVIOUS_RELEASE,
  REPO,
  droppedObjects,
  manifestDir,
  manifestObjects,
  objectKey,
  readmeApplyCommand,
  restartedWorkloads,
  upgradeCommands,
  upgradeNotes,
} from '../support/releases';
import { waitUntil } from './support/alert-harness';
import { ControlPlane } from './support/apiserver';
import { describeRun } from './support/tools';

/**
 * Upgrading a running environment from the previous release (docs/upgrading.md), on a real
 * kube-apiserver 1.36 with kube-controller-manager: each environment is installed from
 * 0.1.0's committed manifests (`test/fixtures/releases/0.1.0/<env>/`) with the README's
 * command, its StatefulSets make their claims, and then the CHANGELOG's "Upgrading from
 * 0.1.0" commands for that environment run exactly as written, `dist/` meaning this tree's.
 *
 * Every command must exit 0 with no warning (an immutable field, a StatefulSet selector or
 * claim template change, fails the apply); every object both releases render, and every
 * claim, keeps its uid (updated in place, never deleted and recreated); the objects 0.1.0
 * had and this release no longer renders are exactly those the notes delete, and are gone;
 * and the workloads whose stored pod template changed, so whose pods restart, are exactly
 * those the notes' "Pods restart" bullet names.
 */
jest.setTimeout(300_000);

let plane: ControlPlane;

beforeAll(async () => {
  plane = await ControlPlane.start();
  // The StatefulSet controller makes the claims; the namespace controller finalizes the
  // namespaces deleted between environments.
  await plane.startControllerManager();
}, 120_000);

afterAll(async () => {
  await plane?.stop();
}, 60_000);

interface LiveObject extends KubeObject {
  metadata: KubeObject['metadata'] & { uid: string };
}

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** kubectl's warnings (admission warnings, deprecations). */
function warnings(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('Warning:'));
}

/** A command of the docs as kubectl's arguments, `dist/<env>/` (or any relative path) made absolute. */
function kubectlArgs(command: string[], root: string): string[] {
  if (command[0] !== 'kubectl') throw new Error(`not a kubectl command: ${command.join(' ')}`);
  return command.slice(1).map((arg) => (/^(dist|test)\//.test(arg) ? `${root}/${arg}` : arg));
}

/** The README's apply command, reading from `source` (a directory with its `/`, or `-`). */
function readmeApply(source: string): string[] {
  const command = readmeApplyCommand();
  const file = command.findIndex((arg) => arg.startsWith('dist/'));
  if (file < 0)
    throw new Error(`the README's apply names no dist/ directory: ${command.join(' ')}`);
  return kubectlArgs(
    command.map((arg, i) => (i === file ? source : arg)),
    REPO,
  );
}

/**
 * The live objects of the manifests in `dirs` (those that exist) and every claim of their
 * namespaces, by key.
 */
function liveObjects(dirs: string[]): Map<string, LiveObject> {
  const live = new Map<string, LiveObject>();
  const namespaces = new Set<string>();
  for (const dir of dirs) {
    const list = JSON.parse(
      plane.kubectlOk(['get', '-f', `${dir}/`, '--ignore-not-found', '-o', 'json']).stdout || '{}',
    );
    for (const object of (list.items ?? []) as LiveObject[]) {
      live.set(objectKey(object), object);
      if (object.kind === 'Namespace') namespaces.add(object.metadata.name);
    }
  }
  for (const namespace of namespaces) {
    const claims = JSON.parse(plane.kubectlOk(['get', 'pvc', '-n', namespace, '-o', 'json']).stdout)
      .items as LiveObject[];
    for (const claim of claims) live.set(objectKey(claim), claim);
  }
  return live;
}

/** The claims each StatefulSet makes at once: one per template for every pod it starts. */
function expectedClaims(objects: KubeObject[]): string[] {
  return objects
    .filter((o) => o.kind === 'StatefulSet')
    .flatMap((sts) => {
      const pods = sts.spec.podManagementPolicy === 'Parallel' ? (sts.spec.replicas ?? 1) : 1;
      return (sts.spec.volumeClaimTemplates ?? []).flatMap((t: KubeObject) =>
        Array.from(
          { length: pods },
          (_, i) =>
            `PersistentVolumeClaim/${sts.metadata.namespace}/${t.metadata.name}-${sts.metadata.name}-${i}`,
        ),
      );
    });
}

async function deleteEverything(objects: KubeObject[]): Promise<void> {
  const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
  const clusterScoped = objects.filter((o) => !o.metadata.namespace && o.kind !== 'Namespace');
  for (const o of clusterScoped)
    plane.kubectlOk(['delete', o.kind, o.metadata.name, '--ignore-not-found', '--wait=false']);
  plane.kubectlOk(['delete', 'namespace', ...namespaces, '--ignore-not-found', '--wait=false']);
  await waitUntil(
    'the namespaces of the environment to be gone',
    () => {
      const left = plane.kubectlOk(['get', 'namespaces', '-o', 'name']).stdout;
      return namespaces.some((n) => left.includes(`namespace/${n}\n`)) ? undefined : true;
    },
    { timeoutMs: 120_000, intervalMs: 1000 },
  );
}

describe.each(ENVIRONMENTS)('%s: upgraded from 0.1.0 as the CHANGELOG says', (env) => {
  const previous = manifestObjects(manifestDir(env, PREVIOUS_RELEASE));
  const current = manifestObjects(manifestDir(env));
  const notes = upgradeNotes('0.2.0', PREVIOUS_RELEASE);
  const commands = upgradeCommands(notes, env as EnvironmentName);
  const dropped = droppedObjects(previous, current);
  let before = new Map<string, LiveObject>();
  let after = new Map<string, LiveObject>();

  afterAll(() => deleteEverything([...previous, ...current]), 180_000);

  test("0.1.0 installs with the README's command, and its StatefulSets make their claims", async () => {
    const args = readmeApply(`${manifestDir(env, PREVIOUS_RELEASE)}/`);
    const result = plane.kubectlOk(args);
    expect(warnings(result.stderr)).toEqual([]);
    const claims = expectedClaims(previous);
    expect(claims.length).toBeGreaterThan(0);
    await waitUntil(
      "the StatefulSets' claims",
      () => {
        before = liveObjects([manifestDir(env, PREVIOUS_RELEASE)]);
        return claims.every((c) => before.has(c)) ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect([...before.keys()].filter((k) => !k.startsWith('PersistentVolumeClaim/'))).toEqual(
      previous.map(objectKey),
    );
  });

  test('every command of the notes exits 0 with no warning', () => {
    expect(before.size).toBeGreaterThan(0);
    for (const command of commands) {
      const args = kubectlArgs(command, REPO);
      const result = plane.kubectl(args);
      const text = describeRun('kubectl', args, result);
      expect({ text, immutable: /field is immutable|Forbidden: updates to/.test(text) }).toEqual({
        text,
        immutable: false,
      });
      expect({ command: command.join(' '), status: result.status }).toEqual({
        command: command.join(' '),
        status: 0,
      });
      expect(warnings(result.stderr)).toEqual([]);
    }
    after = liveObjects([manifestDir(env, PREVIOUS_RELEASE), manifestDir(env)]);
  });

  test('every object both releases render, and every claim, keeps its uid', () => {
    expect(after.size).toBeGreaterThan(0);
    const replaced = [...before.entries()]
      .filter(([key]) => !dropped.includes(key))
      .filter(([key, o]) => after.get(key)?.metadata.uid !== o.metadata.uid)
      .map(([key, o]) => `${key}: ${o.metadata.uid} -> ${after.get(key)?.metadata.uid ?? 'gone'}`);
    expect(replaced).toEqual([]);
    // The StatefulSets, named: the objects whose replacement loses the most.
    const statefulSets = current.filter((o) => o.kind === 'StatefulSet').map(objectKey);
    expect(statefulSets.length).toBeGreaterThan(0);
    for (const key of statefulSets)
      expect({ key, uid: after.get(key)?.metadata.uid }).toEqual({
        key,
        uid: before.get(key)?.metadata.uid,
      });
  });

  test('what 0.1.0 had and this release no longer renders is gone; everything it renders is there', () => {
    expect(dropped.filter((key) => after.has(key))).toEqual([]);
    expect(current.map(objectKey).filter((key) => !after.has(key))).toEqual([]);
  });

  test('the pods that restart are exactly those the notes name', () => {
    const restarted = current
      .filter((o) => WORKLOAD_KINDS.includes(o.kind))
      .map(objectKey)
      .filter((key) => before.has(key))
      .filter(
        (key) =>
          JSON.stringify(before.get(key)!.spec.template) !==
          JSON.stringify(after.get(key)!.spec.template),
      )
      .map((key) => `${key.split('/')[0].toLowerCase()}/${key.split('/').pop()}`);
    // The notes name the workloads of every environment; this one's are those it renders.
    const rendered = new Set(current.map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}`));
    const named = restartedWorkloads(notes, env).filter((w) => rendered.has(w));
    expect(restarted.sort()).toEqual(named.sort());
  });
});

// Negative control: an upgrade that changes an immutable field is refused by this server, so
// the commands above could not have passed by the server accepting anything.
describe('an upgrade that changes a StatefulSet claim template', () => {
  const previous = manifestObjects(manifestDir('dev', PREVIOUS_RELEASE)).filter(
    (o) => o.kind === 'Namespace' || o.kind === 'StatefulSet',
  );
  afterAll(() => deleteEverything(previous), 180_000);

  test('is refused, naming the forbidden StatefulSet update, and leaves the StatefulSet as it was', () => {
    const manifest = (objects: KubeObject[]) => objects.map((o) => stringify(o)).join('---\n');
    const apply = readmeApply('-');
    const installed = plane.kubectl(apply, manifest(previous));
    expect(describeRun('kubectl', apply, installed)).toMatch(/exited 0/);

    const changed = structuredClone(previous);
    const sts = changed.find((o) => o.kind === 'StatefulSet')!;
    sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '999Gi';
    const refused = plane.kubectl(apply, manifest(changed));
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(
      /Forbidden: updates to statefulset spec for fields other than .* are forbidden/,
    );
    const live = JSON.parse(
      plane.kubectlOk([
        'get',
        'statefulset',
        sts.metadata.name,
        '-n',
        sts.metadata.namespace!,
        '-o',
        'json',
      ]).stdout,
    );
    expect(live.spec.volumeClaimTemplates[0].spec.resources.requests.storage).not.toBe('999Gi');
  });
});

// docs/upgrading.md's Elastic stack upgrade, the Kubernetes half (no kubelet here, so no
// Elasticsearch runs): staging's Elasticsearch StatefulSet held by a rollout partition keeps
// every pod through an apply of a new image, lowering the partition replaces exactly the
// next pod (and no further one until that pod is Ready), removing the partition hands the
// rollout back to the manifests, and Kibana scaled to zero comes back on apply. Every apply
// is the README's, and none conflicts.
describe('the Kubernetes steps of an Elastic stack upgrade (docs/upgrading.md)', () => {
  const objects = manifestObjects(manifestDir('staging'));
  const NEXT_ES = 'docker.elastic.co/elasticsearch/elasticsearch:9.5.0';
  const NEXT_KIBANA = 'docker.elastic.co/kibana/kibana:9.5.0';
  const sts = objects.find(
    (o) => o.kind === 'StatefulSet' && o.metadata.name === 'elasticsearch-node',
  )!;
  const ns = ['-n', 'observability'];
  const manifest = (os: KubeObject[]) => os.map((o) => stringify(o)).join('---\n');
  const withImage = (os: KubeObject[], kind: string, name: string, image: string) => {
    const copy = structuredClone(os);
    copy.find(
      (o) => o.kind === kind && o.metadata.name === name,
    )!.spec.template.spec.containers[0].image = image;
    return copy;
  };
  const applyOk = (os: KubeObject[]) => {
    const args = readmeApply('-');
    const result = plane.kubectl(args, manifest(os));
    expect({
      status: result.status,
      warnings: warnings(result.stderr),
      stderr: result.stderr,
    }).toEqual({
      status: 0,
      warnings: [],
      stderr: '',
    });
  };
  const partition = (n: number) =>
    plane.kubectlOk([
      ...ns,
      'patch',
      'statefulset',
      sts.metadata.name,
      '-p',
      JSON.stringify({ spec: { updateStrategy: { rollingUpdate: { partition: n } } } }),
    ]);
  /** pod name -> image, of the StatefulSet's pods that exist and are not terminating. */
  const podImages = () => {
    const pods = JSON.parse(
      plane.kubectlOk([
        ...ns,
        'get',
        'pods',
        '-l',
        'app.kubernetes.io/instance=elasticsearch',
        '-o',
        'json',
      ]).stdout,
    ).items as any[];
    return Object.fromEntries(
      pods
        .filter((p) => !p.metadata.deletionTimestamp)
        .map((p) => [p.metadata.name, p.spec.containers[0].image]),
    );
  };
  const untilImages = (want: Record<string, string>) =>
    waitUntil(
      `the Elasticsearch pods at ${JSON.stringify(want)}`,
      () => (JSON.stringify(podImages()) === JSON.stringify(want) ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 1000 },
    ).catch((e) => {
      throw new Error(`${e.message}; they are at ${JSON.stringify(podImages())}`);
    });
  const current = sts.spec.template.spec.containers[0].image;
  const at = (images: string[]) =>
    Object.fromEntries(images.map((image, i) => [`${sts.metadata.name}-${i}`, image]));

  afterAll(() => deleteEverything(objects), 180_000);

  test('a held StatefulSet keeps its pods through the apply; lowering the partition replaces exactly the next pod', async () => {
    expect(sts.spec.replicas).toBe(3);
    applyOk(objects);
    await untilImages(at([current, current, current]));

    partition(3);
    applyOk(withImage(objects, 'StatefulSet', sts.metadata.name, NEXT_ES));
    // The controller had its chance to replace a pod: it must not have.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(podImages()).toEqual(at([current, current, current]));

    partition(2);
    await untilImages(at([current, current, NEXT_ES]));
    // The controller also waits for the replaced pod to be Ready before it replaces the
    // next one, and with no kubelet here none becomes Ready: lowering the partition again
    // replaces nothing yet.
    partition(1);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(podImages()).toEqual(at([current, current, NEXT_ES]));

    plane.kubectlOk([
      ...ns,
      'patch',
      'statefulset',
      sts.metadata.name,
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/spec/updateStrategy/rollingUpdate"}]',
    ]);
    const strategy = plane.kubectlOk([
      ...ns,
      'get',
      'statefulset',
      sts.metadata.name,
      '-o',
      'jsonpath={.spec.updateStrategy}',
    ]).stdout;
    expect(JSON.parse(strategy)).toEqual(sts.spec.updateStrategy);
  });

  test('Kibana scaled to zero comes back at the new image on apply, with no conflict', async () => {
    const kibana = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'kibana')!;
    plane.kubectlOk([...ns, 'scale', 'deployment', 'kibana', '--replicas=0']);
    const next = withImage(
      withImage(objects, 'StatefulSet', sts.metadata.name, NEXT_ES),
      'Deployment',
      'kibana',
      NEXT_KIBANA,
    );
    applyOk(next);
    const live = JSON.parse(
      plane.kubectlOk([...ns, 'get', 'deployment', 'kibana', '-o', 'json']).stdout,
    );
    expect({
      replicas: live.spec.replicas,
      image: live.spec.template.spec.containers[0].image,
    }).toEqual({
      replicas: kibana.spec.replicas,
      image: NEXT_KIBANA,
    });
  });
});
