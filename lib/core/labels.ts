/** The value of `app.kubernetes.io/part-of` on every object of this package. */
export const PART_OF = 'observability-stack';

export interface ComponentIdentity {
  /** The application, e.g. `elasticsearch` (`app.kubernetes.io/name`). */
  readonly name: string;
  /** The resource name of this instance (`app.kubernetes.io/instance`). */
  readonly instance: string;
  /** The role inside the application, e.g. `master` (`app.kubernetes.io/component`). */
  readonly component: string;
  /** The image version (`app.kubernetes.io/version`); never part of a selector. */
  readonly version?: string;
}

/**
 * Labels that select the pods of one workload. They never contain the version,
 * so a new release of the package never changes an immutable selector.
 */
export function selectorLabels(id: ComponentIdentity): Record<string, string> {
  return {
    'app.kubernetes.io/name': id.name,
    'app.kubernetes.io/instance': id.instance,
    'app.kubernetes.io/component': id.component,
  };
}

/** The full set of recommended labels for objects and pod templates. */
export function standardLabels(id: ComponentIdentity): Record<string, string> {
  const labels: Record<string, string> = {
    ...selectorLabels(id),
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
  if (id.version) labels['app.kubernetes.io/version'] = id.version;
  return labels;
}
