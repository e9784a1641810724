import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { stringify } from 'yaml';
import { Component, ComponentProps } from '../core/component';
import { ServiceEndpoint } from '../core/endpoint';
import { Images } from '../core/images';
import { NetworkTarget } from '../core/network-flow';
import { validateInteger } from '../core/names';
import { httpProbe } from '../core/probes';
import { ContainerResources } from '../core/resources';
import {
  addWorkload,
  renderContainer,
  scrapeAnnotations,
  spreadPods,
  Spread,
} from '../core/workload';

/** The Thanos StoreAPI (gRPC) of the sidecar in each Prometheus pod. */
export const THANOS_GRPC_PORT = 10901;
/** The HTTP port of Thanos components: the querier's Prometheus-compatible API, metrics, probes. */
export const THANOS_HTTP_PORT = 10902;

/** Runs as nobody, like Prometheus: the image's user is not relied on. */
const UID = 65534;

const DEFAULT_SIDECAR_RESOURCES: ContainerResources = {
  cpuRequest: '50m',
  memoryRequest: '128Mi',
  memoryLimit: '256Mi',
};

const DEFAULT_QUERY_RESOURCES: ContainerResources = {
  cpuRequest: '100m',
  memoryRequest: '256Mi',
  memoryLimit: '512Mi',
};

/**
 * De-duplicated queries over HA Prometheus replicas (`PrometheusProps.thanos`): a Thanos
 * sidecar in each Prometheus pod serves its TSDB over the StoreAPI, and a Thanos Query
 * Deployment merges the replicas, dropping the `replica` label (`--query.replica-label`).
 * No object storage: the sidecars upload nothing, retention stays Prometheus'.
 */
export interface PrometheusThanosProps {
  /** The image of the sidecar and the querier, pinned. @default - Images.thanos */
  readonly image?: string;
  /** @default { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '256Mi' } */
  readonly sidecarResources?: ContainerResources;
  /** Querier pods. @default 2 */
  readonly queryReplicas?: number;
  /** @default { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' } */
  readonly queryResources?: ContainerResources;
}

/** The Thanos sidecar container of a Prometheus pod, next to Prometheus on `prometheusPort`. */
export function thanosSidecarContainer(
  scope: Construct,
  image: string,
  prometheusPort: number,
  resources: ContainerResources | undefined,
): k8s.Container {
  return renderContainer(scope, 'thanos.sidecarResources', {
    name: 'thanos-sidecar',
    image,
    args: thanosSidecarArgs(`http://localhost:${prometheusPort}`),
    ports: [
      { name: 'grpc', containerPort: THANOS_GRPC_PORT },
      { name: 'thanos-http', containerPort: THANOS_HTTP_PORT },
    ],
    resources: resources ?? DEFAULT_SIDECAR_RESOURCES,
    // Ready once it has read Prometheus' external labels, which it needs to answer queries.
    readinessProbe: httpProbe('readiness', '/-/ready', 'thanos-http'),
    livenessProbe: httpProbe('liveness', '/-/healthy', 'thanos-http'),
    runAsUser: UID,
  });
}

/** The sidecar's flags: Prometheus' URL and the two listen addresses; no upload. */
export function thanosSidecarArgs(prometheusUrl: string): string[] {
  return [
    'sidecar',
    `--prometheus.url=${prometheusUrl}`,
    `--grpc-address=0.0.0.0:${THANOS_GRPC_PORT}`,
    `--http-address=0.0.0.0:${THANOS_HTTP_PORT}`,
  ];
}

/** What a {@link ThanosQuery} needs. */
export interface ThanosQueryProps extends ComponentProps {
  /** The StoreAPI addresses (`host:port`), one per sidecar. */
  readonly storeAddresses: string[];
  /** Where the sidecars are, for the network policies. */
  readonly stores: NetworkTarget;
  /** The external label that tells replicas apart, deduplicated away. */
  readonly replicaLabel: string;
  /** @default 2 */
  readonly replicas?: number;
  readonly resources?: ContainerResources;
  /** @default Spread.NONE */
  readonly spread?: Spread;
}

/**
 * A Thanos Query Deployment and its Service: the Prometheus HTTP API (port 10902) over the
 * stores it is given, with series of replicas that differ only in `replicaLabel` merged into
 * one. Made by the Prometheus construct when `thanos` is on; its objects are named
 * `<name>-thanos-query`.
 */
export class ThanosQuery extends Component {
  /** The Prometheus-compatible HTTP API (port 10902). */
  public readonly endpoint: ServiceEndpoint;
  public readonly replicas: number;
  /** The querier's flags, as rendered. */
  public readonly args: readonly string[];

  constructor(scope: Construct, id: string, props: ThanosQueryProps) {
    super(scope, id, props, 'thanos', Images.thanos);
    this.replicas = validateInteger(this, 'thanos.queryReplicas', props.replicas ?? 2, 1);
    const name = `${this.name}-thanos-query`;
    const identity = this.identity('query');
    const serviceAccountName = this.addServiceAccount(name);
    this.args = thanosQueryArgs(props.storeAddresses, props.replicaLabel);
    const container = renderContainer(this, 'thanos.queryResources', {
      name: 'thanos-query',
      image: this.image,
      args: [...this.args],
      ports: [{ name: 'http', containerPort: THANOS_HTTP_PORT }],
      resources: props.resources ?? DEFAULT_QUERY_RESOURCES,
      readinessProbe: httpProbe('readiness', '/-/ready', 'http'),
      livenessProbe: httpProbe('liveness', '/-/healthy', 'http'),
      runAsUser: UID,
    });
    addWorkload(this, 'deployment', {
      metadata: this.metadata(name, 'query'),
      spec: {
        kind: 'Deployment',
        replicas: this.replicas,
        pod: {
          identity,
          serviceAccountName,
          automountServiceAccountToken: false,
          containers: [container],
          annotations: scrapeAnnotations(THANOS_HTTP_PORT),
          uid: UID,
          ...spreadPods(identity, props.spread ?? Spread.NONE),
        },
      },
    });
    [this.endpoint] = this.addService('service', name, 'query', [
      { name: 'http', port: THANOS_HTTP_PORT },
    ]);
    this.addDisruptionBudget('pdb', name, 'query', this.replicas);
    this.connectTo('query', props.stores, 'queries the Thanos sidecars (StoreAPI)');
  }
}

/**
 * The querier's flags: its HTTP API, the replica label, and the stores as an inline
 * `--endpoint.sd-config` (the `--endpoint` flag is deprecated in Thanos 0.42).
 */
export function thanosQueryArgs(storeAddresses: string[], replicaLabel: string): string[] {
  const endpoints = stringify(
    { endpoints: storeAddresses.map((address) => ({ address })) },
    { lineWidth: 0 },
  ).trimEnd();
  return [
    'query',
    `--http-address=0.0.0.0:${THANOS_HTTP_PORT}`,
    `--grpc-address=0.0.0.0:${THANOS_GRPC_PORT}`,
    `--query.replica-label=${replicaLabel}`,
    `--endpoint.sd-config=${endpoints}`,
  ];
}
