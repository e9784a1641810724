import { KubeObject, podTemplateOf } from './environments';

/** Kinds without a namespace. */
export const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition', 'PriorityClass']);

export function matches(selector: Record<string, string>, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Every reference from one object to another, as [kind, namespace, name, where]. */
export function referencesOf(object: KubeObject): [string, string, string, string][] {
  const ns = object.metadata.namespace ?? '';
  const where = `${object.kind}/${ns}/${object.metadata.name}`;
  const refs: [string, string, string, string][] = [];
  const template = podTemplateOf(object);
  if (template) {
    const spec = template.spec;
    refs.push(['ServiceAccount', ns, spec.serviceAccountName ?? 'default', where]);
    const claimTemplates = new Set((object.spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata.name));
    for (const volume of spec.volumes ?? []) {
      if (volume.configMap) refs.push(['ConfigMap', ns, volume.configMap.name, where]);
      if (volume.secret) refs.push(['Secret', ns, volume.secret.secretName, where]);
      if (volume.persistentVolumeClaim) refs.push(['PersistentVolumeClaim', ns, volume.persistentVolumeClaim.claimName, where]);
      for (const source of volume.projected?.sources ?? []) {
        if (source.configMap) refs.push(['ConfigMap', ns, source.configMap.name, where]);
        if (source.secret) refs.push(['Secret', ns, source.secret.name, where]);
      }
    }
    const volumeNames = new Set([...(spec.volumes ?? []).map((v: any) => v.name), ...claimTemplates]);
    for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
      for (const env of container.env ?? []) {
        if (env.valueFrom?.secretKeyRef) refs.push(['Secret', ns, env.valueFrom.secretKeyRef.name, where]);
        if (env.valueFrom?.configMapKeyRef) refs.push(['ConfigMap', ns, env.valueFrom.configMapKeyRef.name, where]);
      }
      for (const from of container.envFrom ?? []) {
        if (from.secretRef) refs.push(['Secret', ns, from.secretRef.name, where]);
        if (from.configMapRef) refs.push(['ConfigMap', ns, from.configMapRef.name, where]);
      }
      for (const mount of container.volumeMounts ?? []) {
        if (!volumeNames.has(mount.name)) refs.push(['Volume', ns, mount.name, `${where} container ${container.name}`]);
      }
    }
  }
  if (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') {
    refs.push([object.roleRef.kind, object.roleRef.kind === 'ClusterRole' ? '' : ns, object.roleRef.name, where]);
    for (const subject of object.subjects ?? []) {
      if (subject.kind === 'ServiceAccount') refs.push(['ServiceAccount', subject.namespace ?? ns, subject.name, where]);
    }
  }
  if (!CLUSTER_SCOPED.has(object.kind)) refs.push(['Namespace', '', ns, where]);
  return refs;
}

/** `kind/namespace/name` of every object, the namespace empty for cluster-scoped kinds. */
export function definedObjects(objects: KubeObject[]): Set<string> {
  return new Set(objects.map((o) => `${o.kind}/${CLUSTER_SCOPED.has(o.kind) ? '' : o.metadata.namespace}/${o.metadata.name}`));
}

/** The references to ConfigMaps, ServiceAccounts, PVCs, Roles and Namespaces that no object defines, as `where -> kind/namespace/name`. */
export function danglingReferences(objects: KubeObject[]): string[] {
  const defined = definedObjects(objects);
  return objects.flatMap(referencesOf)
    .filter(([kind]) => kind !== 'Secret' && kind !== 'Volume')
    .filter(([kind, ns, name]) => !defined.has(`${kind}/${ns}/${name}`))
    .map(([kind, ns, name, where]) => `${where} -> ${kind}/${ns}/${name}`);
}
