import { readFileSync } from 'fs';
import { join } from 'path';
import { ENVIRONMENTS, podTemplateOf, synthEnvironment } from './support/environments';
import { CLUSTER_SCOPED, danglingReferences, matches, referencesOf } from './support/references';

/** `namespace/name` of each Secret in the README's table of Secrets the user creates. */
function documentedSecrets(): Set<string> {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Secrets you create'));
  if (!section) throw new Error("README.md has no '## Secrets you create' section");
  return new Set([...section.matchAll(/^\| `([a-z0-9.-]+)` \| ([a-z0-9-]+) \|/gm)].map((m) => `${m[2]}/${m[1]}`));
}

describe.each(ENVIRONMENTS)('the %s environment', (env) => {
  const { stack, objects } = synthEnvironment(env);
  const workloads = objects.filter((o) => podTemplateOf(o));
  const external = new Set(stack.externalSecrets.map((s) => `${s.namespace}/${s.name}`));

  test('every namespaced object names its namespace explicitly', () => {
    expect(objects.filter((o) => !CLUSTER_SCOPED.has(o.kind) && !o.metadata.namespace).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
  });

  test('no cluster-scoped object carries a namespace', () => {
    expect(objects.filter((o) => CLUSTER_SCOPED.has(o.kind) && o.metadata.namespace !== undefined).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
  });

  test('every Service selects the pods of a workload and targets ports they declare', () => {
    const problems: string[] = [];
    for (const service of objects.filter((o) => o.kind === 'Service')) {
      const where = `Service/${service.metadata.namespace}/${service.metadata.name}`;
      const selector = service.spec.selector ?? {};
      if (Object.keys(selector).length === 0) { problems.push(`${where} has no selector`); continue; }
      const pods = workloads.filter((w) => w.metadata.namespace === service.metadata.namespace && matches(selector, podTemplateOf(w).metadata.labels));
      if (pods.length === 0) { problems.push(`${where} selects no workload`); continue; }
      for (const port of service.spec.ports) {
        const target = port.targetPort ?? port.port;
        for (const pod of pods) {
          const declared = podTemplateOf(pod).spec.containers.flatMap((c: any) => c.ports ?? []);
          const found = declared.some((p: any) => (typeof target === 'string' ? p.name === target : p.containerPort === target));
          if (!found) problems.push(`${where} port ${port.name} targets ${target}, which ${pod.kind}/${pod.metadata.name} does not declare`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('every ConfigMap, ServiceAccount, PVC, Role, volume and namespace a pod or binding refers to is defined', () => {
    expect(danglingReferences(objects)).toEqual([]);
  });

  test('every volume a container mounts is a volume of its pod', () => {
    expect(objects.flatMap(referencesOf).filter(([kind]) => kind === 'Volume')).toEqual([]);
  });

  test('every Secret a pod reads is one the stack declares as external, and the README documents it', () => {
    const documented = documentedSecrets();
    const read = objects.flatMap(referencesOf).filter(([kind]) => kind === 'Secret');
    expect(read.filter(([, ns, name]) => !external.has(`${ns}/${name}`)).map(([, ns, name, where]) => `${where} -> ${ns}/${name}`)).toEqual([]);
    expect([...external].filter((secret) => !documented.has(secret))).toEqual([]);
  });

  test('every Secret the stack declares is read by some pod', () => {
    const read = new Set(objects.flatMap(referencesOf).filter(([kind]) => kind === 'Secret').map(([, ns, name]) => `${ns}/${name}`));
    expect([...external].filter((secret) => !read.has(secret))).toEqual([]);
  });
});
