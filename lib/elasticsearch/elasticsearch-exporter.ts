import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component, ComponentProps } from '../core/component';
import { Images } from '../core/images';
import { ComponentIdentity } from '../core/labels';
import { httpProbe } from '../core/probes';
import { ContainerResources } from '../core/resources';
import { BasicAuthSecretRef } from '../core/secrets';
import { renderContainer, addWorkload, scrapeAnnotations } from '../core/workload';
import { elasticsearchCaMount, IElasticsearchCluster } from './elasticsearch-reference';
import {
  describePrivileges,
  ElasticsearchPrivileges,
  ElasticsearchUser,
} from './elasticsearch-users';
import { DEAD_LETTER_TEMPLATE } from './index-templates';

export interface ElasticsearchExporterProps extends ComponentProps {
  /** The cluster to export metrics of. */
  readonly elasticsearch: IElasticsearchCluster;
  /**
   * Username and password the exporter reads the cluster with; used only when the
   * cluster has security on. The user needs the `monitor` cluster privilege and, for
   * `indices`, the `monitor` index privilege on `logs-deadletter-*`.
   * @default { secretName: '<name>-credentials' }
   */
  readonly credentials?: BasicAuthSecretRef;
  /**
   * Export node stats (filesystem, JVM, indexing) of every node (`--es.all`), not only
   * of the node the HTTP Service happens to route a scrape to. The disk watermark alerts
   * need every data node's filesystem; one exporter per cluster keeps the series single.
   * @default true
   */
  readonly allNodes?: boolean;
  /**
   * Export per-index stats (`--es.indices`), among them the document count of each backing
   * index, `elasticsearch_indices_docs_primary{index}`, which the `LogsDeadLettered` alert
   * reads for the dead-letter data stream. The exporter sees only the indices its user may
   * `monitor` (wildcards resolve to authorized indices only): granted on `logs-deadletter-*`
   * alone, that is a handful of series; on `*`, dozens of series for each of the hundreds of
   * backing indices prod keeps.
   * @default true
   */
  readonly indices?: boolean;
  /**
   * Export the snapshots of every repository (`--collector.snapshots`, among them
   * `elasticsearch_snapshot_stats_latest_snapshot_timestamp_seconds{repository}`) and the
   * snapshot policies' counters (`--collector.slm`, `elasticsearch_slm_stats_snapshots_taken_total{policy}`),
   * which the `ElasticsearchSnapshotStale` alert reads. The user then needs the
   * `monitor_snapshot` and `read_slm` cluster privileges.
   * @default - true when the cluster has a snapshot repository
   */
  readonly snapshots?: boolean;
  /**
   * Export the index lifecycle state of every index (`--collector.ilm`, among them
   * `elasticsearch_ilm_index_status{index,phase,action,step}`), which the
   * `ElasticsearchIlmErrors` alert reads for indices stuck at the `ERROR` step. The user then
   * needs the `read_ilm` cluster privilege (`GET _ilm/status`) and `view_index_metadata` on the
   * log and trace indices (`ILM_INDICES`, `GET <index>/_ilm/explain`).
   * @default true
   */
  readonly ilm?: boolean;
  /** @default { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '128Mi' } */
  readonly resources?: ContainerResources;
}

/**
 * The indices whose lifecycle the exporter reads with `ilm`: the log data streams (their
 * backing indices follow the data stream's privileges) and Jaeger's span and service indices.
 */
export const ILM_INDICES: readonly string[] = ['logs-*', 'jaeger-*'];

/** The exporter's metrics port (its registered default). */
export const ELASTICSEARCH_EXPORTER_PORT = 9114;
const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '50m',
  memoryRequest: '64Mi',
  memoryLimit: '128Mi',
};
// The image runs as `nobody`.
const UID = 65534;
const CA_DIR = '/etc/elasticsearch-exporter/ca';

/** What the exporter container and pod need to reach the cluster. */
interface ClusterAccess {
  readonly args: string[];
  readonly env: k8s.EnvVar[];
  readonly volumes: k8s.Volume[];
  readonly volumeMounts: k8s.VolumeMount[];
}

/**
 * prometheus-community `elasticsearch_exporter` for one cluster: a one-replica
 * Deployment (two would export every series twice) that queries the cluster's HTTP
 * Service and is scraped through pod annotations. Source of the
 * `elasticsearch_cluster_health_status`, `elasticsearch_filesystem_data_*` and
 * `elasticsearch_indices_docs_primary` series the stack alerts use.
 */
export class ElasticsearchExporter extends Component {
  /** The metrics port of the exporter pod. */
  public readonly port: number = ELASTICSEARCH_EXPORTER_PORT;
  /** The credentials Secret; undefined when the cluster has no security. */
  public readonly credentials?: BasicAuthSecretRef;
  /** The user the exporter reads as, which `ElasticsearchUsers` creates; undefined without security. */
  public readonly elasticsearchUser?: ElasticsearchUser;
  /** Whether node stats of every node are exported (`--es.all`). */
  public readonly allNodes: boolean;
  /** Whether per-index stats are exported (`--es.indices`). */
  public readonly indices: boolean;
  /** Whether snapshot and snapshot policy stats are exported (`--collector.snapshots`, `--collector.slm`). */
  public readonly snapshots: boolean;
  /** Whether the indices' lifecycle state is exported (`--collector.ilm`). */
  public readonly ilm: boolean;

  constructor(scope: Construct, id: string, props: ElasticsearchExporterProps) {
    // Its own app name: the cluster's transport Service selects every pod labelled
    // `elasticsearch` of the cluster's instance, which must never include the exporter.
    super(scope, id, props, 'elasticsearch-exporter', Images.elasticsearchExporter);
    const es = props.elasticsearch;
    this.allNodes = props.allNodes ?? true;
    this.indices = props.indices ?? true;
    this.snapshots = props.snapshots ?? es.snapshotRepository !== undefined;
    this.ilm = props.ilm ?? true;
    const identity = this.identity('exporter');
    const serviceAccountName = this.addServiceAccount();

    this.connectTo('exporter', es.endpoint, 'reads cluster health and stats');
    this.credentials = es.securityEnabled
      ? (props.credentials ?? { secretName: `${this.name}-credentials` })
      : undefined;
    this.elasticsearchUser = this.credentials && {
      role: this.name,
      client: `exporter '${this.name}'`,
      privileges: this.privileges(),
      credentials: this.credentials,
      namespace: this.namespace,
    };
    const access = this.renderClusterAccess(es);
    const container = this.renderExporterContainer(props.resources ?? DEFAULT_RESOURCES, access);
    this.addDeployment(identity, serviceAccountName, container, access.volumes);
  }

  /**
   * Read-only: cluster health and stats (`monitor`), snapshots and their policies with
   * `--collector.snapshots`/`--collector.slm`, the dead-letter stream's stats with
   * `--es.indices` (the only index stats the alerts read), and the lifecycle state of the log
   * and trace indices with `--collector.ilm`.
   */
  private privileges(): ElasticsearchPrivileges {
    return {
      cluster: [
        'monitor',
        ...(this.snapshots ? ['monitor_snapshot', 'read_slm'] : []),
        // GET _ilm/status, which the ILM collector reads with the explain of every index.
        ...(this.ilm ? ['read_ilm'] : []),
      ],
      indices: [
        ...(this.indices
          ? [{ names: [`${DEAD_LETTER_TEMPLATE}-*`], privileges: ['monitor'] }]
          : []),
        ...(this.ilm ? [{ names: [...ILM_INDICES], privileges: ['view_index_metadata'] }] : []),
      ],
    };
  }

  /**
   * How the exporter reaches the cluster: its URL and what to export, and with security the
   * credentials (from the environment) and the CA.
   */
  private renderClusterAccess(es: IElasticsearchCluster): ClusterAccess {
    const args = [`--es.uri=${es.endpoint.url}`, `--web.listen-address=:${this.port}`];
    if (this.allNodes) args.push('--es.all');
    if (this.indices) args.push('--es.indices');
    if (this.snapshots) args.push('--collector.snapshots', '--collector.slm');
    if (this.ilm) args.push('--collector.ilm');
    const access: ClusterAccess = { args, env: [], volumes: [], volumeMounts: [] };
    if (this.credentials) {
      // Read from the environment (exporter >= 1.3), so the password stays out of the
      // URL, the args and the process list.
      access.env.push(
        ...this.basicAuthEnv(
          'credentials',
          this.credentials,
          'ES_USERNAME',
          'ES_PASSWORD',
          `Elasticsearch user exporter '${this.name}' reads cluster health and node stats as (${describePrivileges(this.elasticsearchUser!.privileges)})`,
        ),
      );
      const ca = elasticsearchCaMount(this, es, CA_DIR);
      if (ca) {
        args.push(`--es.ca=${ca.caFile}`);
        access.volumes.push(ca.volume);
        access.volumeMounts.push(ca.volumeMount);
      }
    }
    return access;
  }

  /** The exporter container, with the args, env and mounts of `access`. */
  private renderExporterContainer(
    resources: ContainerResources,
    access: ClusterAccess,
  ): k8s.Container {
    return renderContainer(this, 'resources', {
      name: 'exporter',
      image: this.image,
      args: access.args,
      env: access.env,
      ports: [{ name: 'metrics', containerPort: this.port }],
      resources,
      // `/healthz` answers without calling Elasticsearch: a red or unreachable cluster is
      // what the exporter reports, not a reason to restart it.
      readinessProbe: httpProbe('readiness', '/healthz', 'metrics'),
      livenessProbe: httpProbe('liveness', '/healthz', 'metrics', { initialDelaySeconds: 10 }),
      volumeMounts: access.volumeMounts,
      runAsUser: UID,
    });
  }

  /** The exporter Deployment: one replica, so the series stay single. */
  private addDeployment(
    identity: ComponentIdentity,
    serviceAccountName: string,
    container: k8s.Container,
    volumes: k8s.Volume[],
  ): void {
    addWorkload(this, 'deployment', {
      metadata: this.metadata(this.name, 'exporter'),
      spec: {
        kind: 'Deployment',
        replicas: 1,
        pod: {
          identity,
          serviceAccountName,
          automountServiceAccountToken: false,
          containers: [container],
          volumes,
          annotations: scrapeAnnotations(this.port),
          uid: UID,
        },
      },
    });
  }
}
