/** One synthesized Kubernetes object, as `ObservabilityStack.toJson()` returns it. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** Which objects one side of an {@link OrderingRule} means; an unset field matches anything. */
export interface ObjectSelector {
  /** `kind` is one of these. */
  readonly kinds?: readonly string[];
  /** `app.kubernetes.io/name` is one of these. */
  readonly apps?: readonly string[];
  /** `app.kubernetes.io/component` is one of these. */
  readonly components?: readonly string[];
  /** `app.kubernetes.io/component` is none of these. */
  readonly exceptComponents?: readonly string[];
}

/** How a prerequisite must relate to the object that waits for it, besides matching its selector. */
export enum Relation {
  /** Every match. */
  ANY = 'any',
  /** The same `app.kubernetes.io/instance`: a component's own ServiceAccount, RBAC and config. */
  SAME_INSTANCE = 'same-instance',
  /** The Namespace the object lives in. */
  OWN_NAMESPACE = 'own-namespace',
  /** The CustomResourceDefinition of the object's group and kind. */
  DEFINING_CRD = 'defining-crd',
}

/** Objects matching `dependents` are created after the objects matching `prerequisites`. */
export interface OrderingRule {
  /** Why the order matters, one line. */
  readonly reason: string;
  readonly dependents: ObjectSelector;
  /**
   * Alternatives in order of preference: the objects of the first alternative that
   * matches any object (under `relation`) are waited for, the rest are ignored.
   */
  readonly prerequisites: readonly ObjectSelector[];
  /** @default Relation.ANY */
  readonly relation?: Relation;
}

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];
const CONFIGURATION = [
  'ServiceAccount',
  'ConfigMap',
  'Secret',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'Certificate',
];
/** The cluster serving: its StatefulSets and Services (Pulumi waits until they are ready and have endpoints). */
const ELASTICSEARCH: ObjectSelector = {
  apps: ['elasticsearch'],
  kinds: ['StatefulSet', 'Service'],
  exceptComponents: ['setup'],
};
const LOGSTASH: ObjectSelector = { apps: ['logstash'], kinds: ['StatefulSet', 'Service'] };
const KIBANA: ObjectSelector = {
  apps: ['kibana'],
  kinds: ['Deployment', 'Service'],
  exceptComponents: ['setup'],
};

/**
 * The order in which `pulumi up` creates the stack's objects, as one table: each row
 * makes every object matching `dependents` wait for its prerequisites. Rows read kinds
 * and the `app.kubernetes.io/*` labels every component sets, never object names.
 */
export const DEPLOYMENT_ORDER: readonly OrderingRule[] = [
  {
    reason: 'a namespaced object needs its Namespace',
    dependents: {},
    prerequisites: [{ kinds: ['Namespace'] }],
    relation: Relation.OWN_NAMESPACE,
  },
  {
    reason: 'a custom object needs the CustomResourceDefinition of its kind',
    dependents: {},
    prerequisites: [{ kinds: ['CustomResourceDefinition'] }],
    relation: Relation.DEFINING_CRD,
  },
  {
    reason: 'a workload starts with its ServiceAccount, RBAC, ConfigMaps and certificate in place',
    dependents: { kinds: WORKLOADS },
    prerequisites: [{ kinds: CONFIGURATION }],
    relation: Relation.SAME_INSTANCE,
  },
  {
    reason:
      'Elasticsearch pods need vm.max_map_count set on their node first (VirtualMemory.NODE_TUNING)',
    dependents: { apps: ['elasticsearch'], kinds: ['StatefulSet'] },
    prerequisites: [{ apps: ['elasticsearch-node-tuning'], kinds: ['DaemonSet'] }],
  },
  {
    reason: 'clients of Elasticsearch start once it serves',
    dependents: {
      apps: ['kibana', 'logstash', 'grafana', 'elasticsearch-exporter'],
      kinds: WORKLOADS,
      exceptComponents: ['setup'],
    },
    prerequisites: [ELASTICSEARCH],
  },
  {
    reason:
      'Jaeger on Elasticsearch storage (collector, query, index cleaner; not the in-memory all-in-one) starts once it serves',
    dependents: {
      apps: ['jaeger'],
      components: ['collector', 'query', 'index-cleaner'],
      kinds: WORKLOADS,
    },
    prerequisites: [ELASTICSEARCH],
  },
  {
    reason:
      'Filebeat starts once its output serves: Logstash when there is one, else Elasticsearch',
    dependents: { apps: ['filebeat'], kinds: WORKLOADS },
    prerequisites: [LOGSTASH, ELASTICSEARCH],
  },
  {
    reason:
      'the elasticsearch-setup and elasticsearch-users Jobs apply policies, templates and users to the running cluster',
    dependents: { apps: ['elasticsearch'], components: ['setup'], kinds: ['Job'] },
    prerequisites: [ELASTICSEARCH],
  },
  {
    reason: 'the kibana-setup Job provisions the running Kibana',
    dependents: { apps: ['kibana'], components: ['setup'], kinds: ['Job'] },
    prerequisites: [KIBANA],
  },
];

/** The object's logical name: `<kind>/<namespace>/<name>`, or `<kind>/<name>` when cluster-scoped; kind in lower case. */
export function objectKey(object: KubernetesObject): string {
  const { name, namespace } = object.metadata;
  return [object.kind.toLowerCase(), ...(namespace ? [namespace] : []), name].join('/');
}

/** One object in creation order, with the keys of the objects it waits for. */
export interface OrderedObject {
  readonly key: string;
  readonly object: KubernetesObject;
  readonly dependsOn: readonly string[];
}

/**
 * The objects in an order that creates every prerequisite before its dependents (the
 * synthesized order where the rules allow), each with what it waits for.
 */
export function deploymentOrder(
  objects: readonly KubernetesObject[],
  rules: readonly OrderingRule[] = DEPLOYMENT_ORDER,
): OrderedObject[] {
  const keys = objects.map(objectKey);
  const duplicate = keys.find((key, i) => keys.indexOf(key) !== i);
  if (duplicate)
    throw new Error(
      `two objects are both '${duplicate}': each object needs its own kind, namespace and name`,
    );

  const waitsFor = objects.map((object) => {
    const prerequisites = new Set<number>();
    for (const rule of rules.filter((r) => matches(object, r.dependents))) {
      const related = (candidate: KubernetesObject) =>
        candidate !== object && RELATIONS[rule.relation ?? Relation.ANY](object, candidate);
      for (const selector of rule.prerequisites) {
        const found = objects.flatMap((candidate, i) =>
          matches(candidate, selector) && related(candidate) ? [i] : [],
        );
        found.forEach((i) => prerequisites.add(i));
        if (found.length > 0) break;
      }
    }
    return [...prerequisites].sort((a, b) => a - b);
  });

  const ordered: OrderedObject[] = [];
  const placed = new Set<number>();
  while (placed.size < objects.length) {
    const next = objects.findIndex(
      (_, i) => !placed.has(i) && waitsFor[i].every((p) => placed.has(p)),
    );
    if (next < 0) {
      const stuck = keys.filter((_, i) => !placed.has(i));
      throw new Error(`the ordering rules wait in a circle among ${stuck.join(', ')}`);
    }
    placed.add(next);
    ordered.push({
      key: keys[next],
      object: objects[next],
      dependsOn: waitsFor[next].map((i) => keys[i]),
    });
  }
  return ordered;
}

const RELATIONS: Record<
  Relation,
  (dependent: KubernetesObject, prerequisite: KubernetesObject) => boolean
> = {
  [Relation.ANY]: () => true,
  [Relation.SAME_INSTANCE]: (dependent, prerequisite) => {
    const instance = label(dependent, 'instance');
    return instance !== undefined && instance === label(prerequisite, 'instance');
  },
  [Relation.OWN_NAMESPACE]: (dependent, prerequisite) =>
    dependent.metadata.namespace === prerequisite.metadata.name,
  [Relation.DEFINING_CRD]: (dependent, prerequisite) => {
    const spec = prerequisite.spec as { group?: string; names?: { kind?: string } } | undefined;
    const group = dependent.apiVersion.includes('/') ? dependent.apiVersion.split('/')[0] : '';
    return spec?.group === group && spec?.names?.kind === dependent.kind;
  },
};

function matches(object: KubernetesObject, selector: ObjectSelector): boolean {
  const component = label(object, 'component');
  return (
    (selector.kinds === undefined || selector.kinds.includes(object.kind)) &&
    (selector.apps === undefined || selector.apps.includes(label(object, 'name') ?? '')) &&
    (selector.components === undefined || selector.components.includes(component ?? '')) &&
    !(component !== undefined && selector.exceptComponents?.includes(component))
  );
}

function label(
  object: KubernetesObject,
  name: 'name' | 'instance' | 'component',
): string | undefined {
  return object.metadata.labels?.[`app.kubernetes.io/${name}`];
}
