import { IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component } from '../core/component';
import { ServiceEndpoint } from '../core/endpoint';
import { SecretKeyRef } from '../core/secrets';
import { BoundSnapshotRepository } from './snapshot-repository';

/** What a client of an Elasticsearch cluster needs to know about it. */
export interface IElasticsearchCluster extends IConstruct {
  /** `cluster.name`. */
  readonly clusterName: string;
  /** The HTTP endpoint; scheme `https` when security is on. */
  readonly endpoint: ServiceEndpoint;
  /** Whether TLS and authentication are on. Clients must then verify TLS and log in. */
  readonly securityEnabled: boolean;
  /** The CA certificate that signs the HTTP certificate; undefined when security is off. */
  readonly caCertificate?: SecretKeyRef;
  /** Elasticsearch version, e.g. `9.4.1`. */
  readonly version: string;
  /**
   * The `elastic` superuser's password, when security is on and the cluster exposes it;
   * only setup jobs use it, every other client has its own user.
   */
  readonly elasticPassword?: SecretKeyRef;
  /**
   * The snapshot repository every node can write to (credentials in its keystore, `path.repo`
   * for a shared filesystem), which the setup Job registers. @default - none
   */
  readonly snapshotRepository?: BoundSnapshotRepository;
}

/** The CA file a client mounts to verify an Elasticsearch cluster's TLS certificate. */
export interface ElasticsearchCaMount {
  readonly volume: k8s.Volume;
  readonly volumeMount: k8s.VolumeMount;
  /** Absolute path of the CA file inside the container. */
  readonly caFile: string;
}

/**
 * The volume, mount and file path through which a client container trusts the
 * cluster's CA, or undefined when the cluster has no TLS. Only the CA key of the
 * Secret is projected. A client in another namespace than the cluster records the
 * Secret as one the user must copy there.
 */
export function elasticsearchCaMount(
  client: Component,
  cluster: IElasticsearchCluster,
  mountPath: string,
): ElasticsearchCaMount | undefined {
  const ca = cluster.caCertificate;
  if (!cluster.securityEnabled || !ca) return undefined;
  const clusterNamespace = cluster.endpoint.namespace;
  if (client.namespace !== clusterNamespace) {
    // A pod mounts Secrets of its own namespace only: the client's namespace needs a copy.
    client.recordExternalSecret({
      name: ca.name,
      keys: [ca.key],
      purpose: `copy of the CA certificate of Elasticsearch '${cluster.clusterName}' (from namespace ${clusterNamespace}) that '${client.name}' verifies it with`,
    });
  }
  return {
    volume: {
      name: 'elasticsearch-ca',
      secret: { secretName: ca.name, items: [{ key: ca.key, path: 'ca.crt' }] },
    },
    volumeMount: { name: 'elasticsearch-ca', mountPath, readOnly: true },
    caFile: `${mountPath}/ca.crt`,
  };
}
