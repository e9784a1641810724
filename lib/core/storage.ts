import { k8s } from 'cdk8s-plus-27';
import { ErrorScope, invalidProp } from './errors';

/**
 * A persistent volume: the storage prop of every component that keeps data on disk
 * (Elasticsearch node groups, Prometheus, Alertmanager, Grafana, the Logstash queue).
 */
export interface PersistentStorage {
  /**
   * Size of the volume (of each replica's volume for a StatefulSet), a Kubernetes quantity:
   * decimal (`50G`, 10^9 bytes) or binary (`50Gi`, 2^30 bytes) suffix, no space. It is
   * rendered as written.
   */
  readonly size: string;
  /**
   * StorageClass of the volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

// The Kubernetes resource-quantity grammar (k8s.io/apimachinery `resource.Quantity`): a signed
// decimal number, then a binary suffix, a decimal exponent or a decimal SI suffix.
const QUANTITY =
  /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?[0-9]+)|([mkMGTPE]))?$/;
const BINARY_FACTORS: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL_EXPONENTS: Record<string, number> = { m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * The value of a Kubernetes quantity (`5Gi`, `5G`, `5e9`, `500m`), or `undefined` when
 * `quantity` does not follow the quantity grammar.
 */
export function quantityValue(quantity: string): number | undefined {
  const match = typeof quantity === 'string' ? QUANTITY.exec(quantity) : null;
  if (!match) return undefined;
  const [, sign, number, binary, exponent, decimal] = match;
  const magnitude = Number(number);
  const factor = binary
    ? BINARY_FACTORS[binary]
    : 10 ** (exponent !== undefined ? Number(exponent) : decimal ? DECIMAL_EXPONENTS[decimal] : 0);
  return (sign === '-' ? -1 : 1) * magnitude * factor;
}

/** What a volume-size prop accepts beyond the grammar. */
export interface StorageSizeRule {
  /** A size the fix suggests, such as `50Gi`. */
  readonly example: string;
  /** The smallest size accepted, a quantity such as `1Gi`. @default - any size above zero */
  readonly minimum?: string;
}

/**
 * Checks a volume size: a Kubernetes quantity of at least one byte (and at least
 * `rule.minimum`). Returns its bytes.
 */
export function validateStorageSize(
  scope: ErrorScope,
  prop: string,
  size: string,
  rule: StorageSizeRule,
): number {
  const fix = `use a size such as '${rule.example}'`;
  const bytes = quantityValue(size);
  if (bytes === undefined) {
    return invalidProp(
      scope,
      prop,
      size,
      'is not a Kubernetes quantity',
      `${fix}: a number, then a decimal (k, M, G, T, P, E) or binary (Ki, Mi, Gi, Ti, Pi, Ei) suffix, no space`,
    );
  }
  if (bytes <= 0) invalidProp(scope, prop, size, 'must be larger than zero', fix);
  if (bytes < 1)
    invalidProp(scope, prop, size, 'is less than one byte', `${fix} ('m' is milli, 'M' is mega)`);
  const minimum = rule.minimum === undefined ? undefined : quantityValue(rule.minimum);
  if (minimum !== undefined && bytes < minimum)
    invalidProp(scope, prop, size, `must be at least ${rule.minimum}`, fix);
  return bytes;
}

/**
 * Validates `storage.size` (reported as `<prop>.size`) and renders the spec of a
 * ReadWriteOnce claim for it, with the size as the user wrote it.
 */
export function renderVolumeClaimSpec(
  scope: ErrorScope,
  prop: string,
  storage: PersistentStorage,
  rule: StorageSizeRule,
): k8s.PersistentVolumeClaimSpec {
  validateStorageSize(scope, `${prop}.size`, storage.size, rule);
  return {
    accessModes: ['ReadWriteOnce'],
    storageClassName: storage.storageClassName,
    resources: { requests: { storage: k8s.Quantity.fromString(storage.size) } },
  };
}

/** Validates `storage` and renders the StatefulSet claim template named `name`. */
export function renderVolumeClaimTemplate(
  scope: ErrorScope,
  prop: string,
  name: string,
  storage: PersistentStorage,
  rule: StorageSizeRule,
  labels?: Record<string, string>,
): k8s.KubePersistentVolumeClaimProps {
  return {
    metadata: labels ? { name, labels } : { name },
    spec: renderVolumeClaimSpec(scope, prop, storage, rule),
  };
}
