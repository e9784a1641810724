import { IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { invalidProp } from './errors';
import { memoryBytes } from './resources';

/** A persistent volume per replica, claimed through the StatefulSet's `volumeClaimTemplates`. */
export interface PersistentStorage {
  /** Size of each replica's volume, a Kubernetes quantity such as `50Gi`. */
  readonly size: string;
  /**
   * StorageClass of the volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

/** Validates `storage` and renders the claim template named `name`. */
export function renderVolumeClaimTemplate(
  scope: IConstruct,
  prop: string,
  name: string,
  storage: PersistentStorage,
  labels: Record<string, string>,
): k8s.KubePersistentVolumeClaimProps {
  let bytes = 0;
  try {
    bytes = memoryBytes(storage.size);
  } catch {
    invalidProp(
      scope,
      `${prop}.size`,
      storage.size,
      'is not a Kubernetes quantity',
      "use a size such as '50Gi'",
    );
  }
  if (bytes <= 0)
    invalidProp(
      scope,
      `${prop}.size`,
      storage.size,
      'must be larger than zero',
      "use a size such as '50Gi'",
    );
  return {
    metadata: { name, labels },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: storage.storageClassName,
      resources: { requests: { storage: k8s.Quantity.fromString(storage.size) } },
    },
  };
}
