/**
 * Checks of a set of synthesized objects as a whole, for the bundled environments and for
 * apps composed by a package consumer alike: references between objects, namespaces, and
 * network policies. Each returns the problems it finds, one line each; none is a pass.
 */
import { KubeObject, podTemplateOf } from './environments';

export const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
  'CustomResourceDefinition',
  'PriorityClass',
]);
const NAMESPACE_NAME = 'kubernetes.io/metadata.name';

export function matchesLabels(
  selector: Record<string, string>,
  labels: Record<string, string> = {},
): boolean {
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
    const claimTemplates = new Set(
      (object.spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata.name),
    );
    for (const volume of spec.volumes ?? []) {
      if (volume.configMap) refs.push(['ConfigMap', ns, volume.configMap.name, where]);
      if (volume.secret) refs.push(['Secret', ns, volume.secret.secretName, where]);
      if (volume.persistentVolumeClaim)
        refs.push(['PersistentVolumeClaim', ns, volume.persistentVolumeClaim.claimName, where]);
      for (const source of volume.projected?.sources ?? []) {
        if (source.configMap) refs.push(['ConfigMap', ns, source.configMap.name, where]);
        if (source.secret) refs.push(['Secret', ns, source.secret.name, where]);
      }
    }
    const volumeNames = new Set([
      ...(spec.volumes ?? []).map((v: any) => v.name),
      ...claimTemplates,
    ]);
    for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
      for (const env of container.env ?? []) {
        if (env.valueFrom?.secretKeyRef)
          refs.push(['Secret', ns, env.valueFrom.secretKeyRef.name, where]);
        if (env.valueFrom?.configMapKeyRef)
          refs.push(['ConfigMap', ns, env.valueFrom.configMapKeyRef.name, where]);
      }
      for (const from of container.envFrom ?? []) {
        if (from.secretRef) refs.push(['Secret', ns, from.secretRef.name, where]);
        if (from.configMapRef) refs.push(['ConfigMap', ns, from.configMapRef.name, where]);
      }
      for (const mount of container.volumeMounts ?? []) {
        if (!volumeNames.has(mount.name))
          refs.push(['Volume', ns, mount.name, `${where} container ${container.name}`]);
      }
    }
  }
  if (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') {
    refs.push([
      object.roleRef.kind,
      object.roleRef.kind === 'ClusterRole' ? '' : ns,
      object.roleRef.name,
      where,
    ]);
    for (const subject of object.subjects ?? []) {
      if (subject.kind === 'ServiceAccount')
        refs.push(['ServiceAccount', subject.namespace ?? ns, subject.name, where]);
    }
  }
  if (!CLUSTER_SCOPED.has(object.kind)) refs.push(['Namespace', '', ns, where]);
  return refs;
}

/**
 * References to objects that are not among `objects`: ConfigMaps, ServiceAccounts, claims,
 * roles, volumes and namespaces must all be defined. A Secret counts as defined when it is
 * one of `secrets` (`namespace/name`), the ones the user is told to create.
 */
export function danglingReferences(objects: KubeObject[], secrets: Iterable<string>): string[] {
  const defined = new Set(
    objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`),
  );
  for (const secret of secrets) {
    const [namespace, name] = secret.split('/');
    defined.add(`Secret/${namespace}/${name}`);
  }
  // Kubernetes publishes the cluster's CA as ConfigMap kube-root-ca.crt in every namespace.
  for (const ns of objects.filter((o) => o.kind === 'Namespace'))
    defined.add(`ConfigMap/${ns.metadata.name}/kube-root-ca.crt`);
  for (const o of objects)
    if (o.metadata.namespace) defined.add(`ConfigMap/${o.metadata.namespace}/kube-root-ca.crt`);
  return objects
    .flatMap(referencesOf)
    .filter(
      ([kind, ns, name]) =>
        kind !== 'Volume' && !defined.has(`${kind}/${kind === 'Namespace' ? '' : ns}/${name}`),
    )
    .map(
      ([kind, ns, name, where]) =>
        `${where} refers to ${kind} ${ns ? `${ns}/` : ''}${name}, which is not defined`,
    )
    .concat(
      objects
        .flatMap(referencesOf)
        .filter(([kind]) => kind === 'Volume')
        .map(([, , name, where]) => `${where} mounts volume ${name}, which its pod lacks`),
    );
}

/** Problems of scoping: a namespaced object without its namespace, a cluster-scoped one with one. */
export function scopeProblems(objects: KubeObject[]): string[] {
  return objects.flatMap((o) => {
    const where = `${o.kind}/${o.metadata.name}`;
    if (CLUSTER_SCOPED.has(o.kind))
      return o.metadata.namespace
        ? [`${where} is cluster-scoped but has namespace ${o.metadata.namespace}`]
        : [];
    return o.metadata.namespace ? [] : [`${where} names no namespace`];
  });
}

/** Every Service selects the pods of a workload and targets ports each of them declares. */
export function serviceProblems(objects: KubeObject[]): string[] {
  const workloads = objects.filter((o) => podTemplateOf(o));
  const problems: string[] = [];
  for (const service of objects.filter((o) => o.kind === 'Service')) {
    const where = `Service/${service.metadata.namespace}/${service.metadata.name}`;
    const selector = service.spec.selector ?? {};
    if (Object.keys(selector).length === 0) {
      problems.push(`${where} has no selector`);
      continue;
    }
    const pods = workloads.filter(
      (w) =>
        w.metadata.namespace === service.metadata.namespace &&
        matchesLabels(selector, podTemplateOf(w).metadata.labels),
    );
    if (pods.length === 0) {
      problems.push(`${where} selects no workload`);
      continue;
    }
    for (const port of service.spec.ports) {
      const target = port.targetPort ?? port.port;
      for (const pod of pods) {
        const declared = podTemplateOf(pod).spec.containers.flatMap((c: any) => c.ports ?? []);
        const found = declared.some((p: any) =>
          typeof target === 'string' ? p.name === target : p.containerPort === target,
        );
        if (!found)
          problems.push(
            `${where} port ${port.name} targets ${target}, which ${pod.kind}/${pod.metadata.name} does not declare`,
          );
      }
    }
  }
  return problems;
}

/** The namespaces the objects live in, each defined once with a Pod Security level. */
export function namespaceProblems(objects: KubeObject[]): string[] {
  const used = new Set(
    objects
      .filter((o) => !CLUSTER_SCOPED.has(o.kind) && o.metadata.namespace)
      .map((o) => o.metadata.namespace!),
  );
  const defined = objects.filter((o) => o.kind === 'Namespace');
  return [...used].flatMap((ns) => {
    const namespace = defined.filter((d) => d.metadata.name === ns);
    if (namespace.length !== 1) return [`namespace ${ns} is defined ${namespace.length} times`];
    return namespace[0].metadata.labels?.['pod-security.kubernetes.io/enforce']
      ? []
      : [`namespace ${ns} has no Pod Security level`];
  });
}

interface Rule {
  readonly peers: any[];
  readonly ports?: any[];
}

function ruleAdmits(
  rule: Rule,
  namespace: string,
  podLabels: Record<string, string>,
  port: string | undefined,
): boolean {
  const peerOk = (rule.peers ?? []).some((peer) => {
    if (peer.ipBlock) return false;
    const nsOk = peer.namespaceSelector
      ? matchesLabels(peer.namespaceSelector.matchLabels ?? {}, { [NAMESPACE_NAME]: namespace })
      : true;
    const podOk = peer.podSelector
      ? matchesLabels(peer.podSelector.matchLabels ?? {}, podLabels)
      : true;
    return nsOk && podOk;
  });
  const portOk =
    port === undefined ||
    !rule.ports ||
    rule.ports.some((p) => `${p.port}/${p.protocol ?? 'TCP'}` === port);
  return peerOk && portOk;
}

/**
 * Network policies that hold together: each namespace of pods has `default-deny` and
 * `allow-dns`, every pod is selected by a policy that allows it something, and each flow is
 * rendered on both ends: an egress rule to pods of a namespace with policies is matched by an
 * ingress rule of theirs from these pods on the same ports, and the other way round.
 */
export function networkPolicyProblems(objects: KubeObject[]): string[] {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const managed = new Set(
    policies.filter((p) => p.metadata.name === 'default-deny').map((p) => p.metadata.namespace!),
  );
  const problems: string[] = [];
  const podNamespaces = new Set(
    objects.filter((o) => podTemplateOf(o)).map((o) => o.metadata.namespace!),
  );
  for (const ns of podNamespaces) {
    if (!managed.has(ns)) problems.push(`namespace ${ns} has pods but no default-deny policy`);
    if (!policies.some((p) => p.metadata.namespace === ns && p.metadata.name === 'allow-dns'))
      problems.push(`namespace ${ns} has no allow-dns policy`);
  }
  const allows = policies.filter((p) => !['default-deny', 'allow-dns'].includes(p.metadata.name));
  // Policies do not apply to pods on the host's network (node-exporter): those are the node's traffic.
  // The node tuner needs no traffic at all (a sysctl, then a pause process): deny-all is right.
  const noTraffic = (o: KubeObject) =>
    o.kind === 'DaemonSet' && o.metadata.name === 'elasticsearch-node-tuning';
  for (const workload of objects.filter(
    (o) => podTemplateOf(o) && !podTemplateOf(o).spec.hostNetwork && !noTraffic(o),
  )) {
    const labels = podTemplateOf(workload).metadata?.labels ?? {};
    const selected = allows.some(
      (p) =>
        p.metadata.namespace === workload.metadata.namespace &&
        matchesLabels(p.spec.podSelector?.matchLabels ?? {}, labels),
    );
    if (!selected)
      problems.push(
        `${workload.kind} ${workload.metadata.namespace}/${workload.metadata.name} is selected by no allow policy: all its traffic is denied`,
      );
  }
  // Each rule to or from pods of a managed namespace must be answered there.
  const podGroup = (
    peer: any,
  ): { namespace: string; labels: Record<string, string> } | undefined => {
    const namespace = peer.namespaceSelector?.matchLabels?.[NAMESPACE_NAME];
    if (!namespace || !managed.has(namespace) || !peer.podSelector?.matchLabels) return undefined;
    return { namespace, labels: peer.podSelector.matchLabels };
  };
  const answered = (
    namespace: string,
    labels: Record<string, string>,
    direction: 'ingress' | 'egress',
    from: { namespace: string; labels: Record<string, string> },
    ports: any[] | undefined,
  ): boolean =>
    allows
      .filter(
        (p) =>
          p.metadata.namespace === namespace &&
          matchesLabels(p.spec.podSelector?.matchLabels ?? {}, labels),
      )
      .some((p) =>
        (p.spec[direction] ?? []).some((r: any) => {
          const rule = { peers: direction === 'ingress' ? r.from : r.to, ports: r.ports };
          const wanted = ports?.map((x) => `${x.port}/${x.protocol ?? 'TCP'}`) ?? [undefined];
          return wanted.every((port) => ruleAdmits(rule, from.namespace, from.labels, port));
        }),
      );
  for (const policy of allows) {
    const self = {
      namespace: policy.metadata.namespace!,
      labels: policy.spec.podSelector?.matchLabels ?? {},
    };
    for (const rule of policy.spec.egress ?? []) {
      for (const peer of rule.to ?? []) {
        const target = podGroup(peer);
        if (target && !answered(target.namespace, target.labels, 'ingress', self, rule.ports)) {
          problems.push(
            `${self.namespace}/${policy.metadata.name} opens egress to ${JSON.stringify(target)} ports ${JSON.stringify(rule.ports)}, which admits no ingress from it`,
          );
        }
      }
    }
    for (const rule of policy.spec.ingress ?? []) {
      for (const peer of rule.from ?? []) {
        const source = podGroup(peer);
        if (source && !answered(source.namespace, source.labels, 'egress', self, rule.ports)) {
          problems.push(
            `${self.namespace}/${policy.metadata.name} admits ingress from ${JSON.stringify(source)} ports ${JSON.stringify(rule.ports)}, which has no egress to it`,
          );
        }
      }
    }
  }
  return problems;
}

/**
 * What `kubectl apply` (client-side) records of an object, its compact JSON in the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation, may not pass the API server's
 * 256 KiB limit on an object's annotations: an object over it can only be applied server-side.
 * One line per object too large, with its size.
 */
export const ANNOTATIONS_LIMIT_BYTES = 262144;

export function clientSideApplyProblems(objects: readonly KubeObject[]): string[] {
  return objects.flatMap((o) => {
    const bytes = Buffer.byteLength(JSON.stringify(o), 'utf8');
    return bytes >= ANNOTATIONS_LIMIT_BYTES
      ? [`${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}: ${bytes} bytes as JSON`]
      : [];
  });
}
