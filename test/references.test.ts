import { readFileSync } from 'fs';
import { join } from 'path';
import { ENVIRONMENTS, podTemplateOf, synthEnvironment } from './support/environments';
import { CLUSTER_SCOPED, referencesOf, serviceProblems } from './support/manifest-checks';

/** `namespace/name` of each Secret in the README's table of Secrets the user creates. */
function documentedSecrets(): Set<string> {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Secrets you create'));
  if (!section) throw new Error("README.md has no '## Secrets you create' section");
  return new Set(
    [...section.matchAll(/^\| `([a-z0-9.-]+)` \| ([a-z0-9-]+) \|/gm)].map((m) => `${m[2]}/${m[1]}`),
  );
}

describe.each(ENVIRONMENTS)('the %s environment', (env) => {
  const { stack, objects } = synthEnvironment(env);
  const defined = new Set(
    objects.map(
      (o) =>
        `${o.kind}/${CLUSTER_SCOPED.has(o.kind) ? '' : o.metadata.namespace}/${o.metadata.name}`,
    ),
  );
  const external = new Set(stack.externalSecrets.map((s) => `${s.namespace}/${s.name}`));
  // Kubernetes publishes the cluster's CA as ConfigMap kube-root-ca.crt in every namespace.
  for (const ns of objects.filter((o) => o.kind === 'Namespace'))
    defined.add(`ConfigMap/${ns.metadata.name}/kube-root-ca.crt`);

  test('every namespaced object names its namespace explicitly', () => {
    expect(
      objects
        .filter((o) => !CLUSTER_SCOPED.has(o.kind) && !o.metadata.namespace)
        .map((o) => `${o.kind}/${o.metadata.name}`),
    ).toEqual([]);
  });

  test('no cluster-scoped object carries a namespace', () => {
    expect(
      objects
        .filter((o) => CLUSTER_SCOPED.has(o.kind) && o.metadata.namespace !== undefined)
        .map((o) => `${o.kind}/${o.metadata.name}`),
    ).toEqual([]);
  });

  test('every Service selects the pods of a workload and targets ports they declare', () => {
    expect(serviceProblems(objects)).toEqual([]);
  });

  test('every ConfigMap, ServiceAccount, PVC, Role, volume and namespace a pod or binding refers to is defined', () => {
    const dangling = objects
      .flatMap(referencesOf)
      .filter(([kind]) => kind !== 'Secret' && kind !== 'Volume')
      .filter(([kind, ns, name]) => !defined.has(`${kind}/${ns}/${name}`))
      .map(([kind, ns, name, where]) => `${where} -> ${kind}/${ns}/${name}`);
    expect(dangling).toEqual([]);
  });

  test('every volume a container mounts is a volume of its pod', () => {
    expect(objects.flatMap(referencesOf).filter(([kind]) => kind === 'Volume')).toEqual([]);
  });

  test('every Secret a pod reads is one the stack declares as external, and the README documents it', () => {
    const documented = documentedSecrets();
    const read = objects.flatMap(referencesOf).filter(([kind]) => kind === 'Secret');
    expect(
      read
        .filter(([, ns, name]) => !external.has(`${ns}/${name}`))
        .map(([, ns, name, where]) => `${where} -> ${ns}/${name}`),
    ).toEqual([]);
    expect([...external].filter((secret) => !documented.has(secret))).toEqual([]);
  });

  test('writes out what the API server defaults inside the structures server-side apply treats as one unit', () => {
    // Claim templates (an atomic list) and fieldRefs: left out, a second applier conflicts with the first.
    const claims = objects
      .filter((o) => o.kind === 'StatefulSet')
      .flatMap((o) => o.spec.volumeClaimTemplates ?? []);
    expect(claims.length).toBeGreaterThan(0);
    for (const claim of claims) {
      expect(claim).toMatchObject({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        spec: { volumeMode: 'Filesystem' },
        status: { phase: 'Pending' },
      });
    }
    const fieldRefs = objects
      .flatMap((o) => podTemplateOf(o)?.spec.containers ?? [])
      .flatMap((c: any) => c.env ?? [])
      .map((e: any) => e.valueFrom?.fieldRef)
      .filter(Boolean);
    expect(fieldRefs.length).toBeGreaterThan(0);
    expect(fieldRefs.filter((ref: any) => ref.apiVersion !== 'v1')).toEqual([]);
  });

  test('every Secret the stack declares is read by some pod', () => {
    const read = new Set(
      objects
        .flatMap(referencesOf)
        .filter(([kind]) => kind === 'Secret')
        .map(([, ns, name]) => `${ns}/${name}`),
    );
    expect([...external].filter((secret) => !read.has(secret))).toEqual([]);
  });
});
