import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component, ComponentProps } from '../core/component';
import { PodSecurityLevel } from '../core/security';
import { configChecksum, renderYaml } from '../core/config';
import { ServiceEndpoint } from '../core/endpoint';
import { invalidProp } from '../core/errors';
import { NetworkPeer } from '../core/network-flow';
import { Images, validateImage } from '../core/images';
import { selectorLabels, standardLabels } from '../core/labels';
import { validateInteger } from '../core/names';
import { tcpProbe } from '../core/probes';
import { ContainerResources, memoryBytes } from '../core/resources';
import { secretFilesMount, SecretKeyRef, validateSecretRef } from '../core/secrets';
import { PersistentStorage, renderVolumeClaimTemplate } from '../core/storage';
import { addWorkload, fieldRefEnv, renderContainer, Spread, spreadPods } from '../core/workload';
import { CertificateIssuer, ElasticsearchCertificates } from './elasticsearch-certificates';
import { renderElasticsearchConfig } from './elasticsearch-config';
import {
  LocalNodeAccess,
  renderLifecycle,
  renderReadinessProbe,
  TERMINATION_GRACE_SECONDS,
} from './elasticsearch-lifecycle';
import { renderMaxMapCountContainer } from './elasticsearch-node-tuning';
import { renderStartScript } from './elasticsearch-start';
import {
  renderZoneInitContainer,
  ZONE_ATTRIBUTE,
  ZONE_DIR,
  ZONE_LOOKUP_RULES,
} from './elasticsearch-zone';
import { IElasticsearchCluster } from './elasticsearch-reference';
import {
  BoundSnapshotRepository,
  renderKeystoreScript,
  SNAPSHOT_STORAGE_PEER,
  SnapshotRepository,
} from './snapshot-repository';

/**
 * A persistent volume per node.
 * @deprecated Use {@link PersistentStorage}, the storage type of every component.
 */
export type VolumeClaimProps = PersistentStorage;

/** One group of nodes with the same roles. */
export interface ElasticsearchNodeGroupProps {
  /** Number of nodes. */
  readonly replicas: number;
  /** @default - 1 CPU, 4Gi memory for data nodes; 500m, 2Gi for dedicated masters */
  readonly resources?: ContainerResources;
  /** @default - 30Gi for data nodes, 5Gi for dedicated masters */
  readonly storage?: PersistentStorage;
  /**
   * JVM heap as a share of the memory limit. Elastic's guidance is at most half,
   * leaving the rest to the filesystem cache.
   * @default 0.5
   */
  readonly heapRatio?: number;
}

/** TLS and authentication. */
export interface ElasticsearchSecurityProps {
  /**
   * Turn TLS and authentication off. Only for a throwaway dev cluster:
   * anyone who reaches the Service can read and delete every log.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The node certificate for the HTTP and transport layers: a Secret with `tls.crt`,
   * `tls.key` and `ca.crt` that you create, or one cert-manager writes from a
   * `Certificate` the cluster emits.
   * @default ElasticsearchCertificates.fromSecret('<name>-certs')
   */
  readonly certificates?: ElasticsearchCertificates;
  /** Password of the built-in `elastic` user. @default { name: '<name>-elastic-password', key: 'password' } */
  readonly elasticPassword?: SecretKeyRef;
}

/**
 * How nodes get the `vm.max_map_count` (at least 1048576) that memory-mapped index
 * files need. Every choice but `NO_MMAP` sets `node.store.allow_mmap: true`; on a node
 * below the value, Elasticsearch then fails its bootstrap check and restarts.
 */
export enum VirtualMemory {
  /**
   * `node.store.allow_mmap: false`: runs anywhere without privileges, at the cost of
   * slower searches; Elastic advises against it in production. For dev.
   */
  NO_MMAP = 'no-mmap',
  /**
   * The nodes are already tuned (node image, managed node configuration): nothing is
   * deployed for it and the pods stay restricted, but the platform team must tune
   * every node Elasticsearch can land on.
   */
  PRECONFIGURED = 'preconfigured',
  /**
   * A privileged init container in each Elasticsearch pod raises the setting on its
   * node before Elasticsearch starts. Self-contained, but privileged: the namespace
   * must admit it (the stack relaxes its `enforce` level, keeping `warn` and `audit`).
   */
  INIT_CONTAINER = 'init-container',
  /**
   * An `ElasticsearchNodeTuning` DaemonSet, in a privileged namespace of its own, tunes
   * the nodes; the Elasticsearch pods stay restricted and assume the setting. Nodes
   * keep the value after the DaemonSet is removed, until they reboot.
   */
  NODE_TUNING = 'node-tuning',
}

export interface ElasticsearchClusterProps extends ComponentProps {
  /** `cluster.name`. @default - the resource name */
  readonly clusterName?: string;
  /**
   * Dedicated master-eligible nodes. Without them, the data nodes are master-eligible too.
   * @default - none
   */
  readonly masters?: ElasticsearchNodeGroupProps;
  /** Data (and ingest) nodes. @default - one node */
  readonly data?: ElasticsearchNodeGroupProps;
  /** @default - enabled, see ElasticsearchSecurityProps */
  readonly security?: ElasticsearchSecurityProps;
  /** @default VirtualMemory.NO_MMAP */
  readonly virtualMemory?: VirtualMemory;
  /**
   * Image of the `VirtualMemory.INIT_CONTAINER` init container; it needs `sh` and `sysctl`.
   * @default Images.sysctl
   */
  readonly sysctlImage?: string;
  /**
   * How nodes of a group are kept apart: `Spread.PREFERRED` (different nodes and zones if
   * possible), `REQUIRED` (different nodes always, zones if possible), `REQUIRED_ZONES`
   * (different nodes, and no zone two pods ahead of another: `DoNotSchedule`), `NONE`.
   * @default Spread.PREFERRED
   */
  readonly spread?: Spread;
  /**
   * Each node learns its zone (the `topology.kubernetes.io/zone` label of its Kubernetes node,
   * read by an init container allowed to `get` nodes) as `node.attr.zone`, and
   * `cluster.routing.allocation.awareness.attributes: zone` keeps a primary and its replicas
   * in different zones. A node without the label does not start (its init container fails
   * with the fix), since awareness would give it no shard: label every node, or turn this off.
   * @default - true when `spread` is not `Spread.NONE` and there is more than one data node
   */
  readonly zoneAwareness?: boolean;
  /**
   * Where snapshots go: `SnapshotRepository.s3(...)`, `.gcs(...)`, `.azure(...)` or
   * `.sharedFilesystem(...)`. Its credentials go from their Secrets into every node's keystore
   * (an init container builds it); a shared filesystem is mounted on every node (`path.repo`).
   * `ElasticsearchSetup` registers it and creates the snapshot policies (docs/backup-restore.md).
   * @default - none: no snapshots
   */
  readonly snapshotRepository?: SnapshotRepository;
}

const DATA_DEFAULTS: Required<Omit<ElasticsearchNodeGroupProps, 'replicas'>> = {
  resources: { cpuRequest: '1', memoryRequest: '4Gi', memoryLimit: '4Gi' },
  storage: { size: '30Gi' },
  heapRatio: 0.5,
};
const MASTER_DEFAULTS: Required<Omit<ElasticsearchNodeGroupProps, 'replicas'>> = {
  resources: { cpuRequest: '500m', memoryRequest: '2Gi', memoryLimit: '2Gi' },
  storage: { size: '5Gi' },
  heapRatio: 0.5,
};
const STORAGE_RULE = { example: '30Gi' };
const HTTP_PORT = 9200;
const TRANSPORT_PORT = 9300;
const CONFIG_DIR = '/usr/share/elasticsearch/config';
const CERTS_DIR = `${CONFIG_DIR}/certs`;
/** Where the keystore init container reads the Secret files and writes the config directory. */
const KEYSTORE_SECRETS_DIR = '/mnt/keystore-secrets';
const KEYSTORE_CONFIG_DIR = '/mnt/elasticsearch-config';

interface NodeGroup {
  /** The prop the group comes from, `masters` or `data`, for error messages. */
  readonly prop: string;
  readonly role: 'master' | 'data' | 'node';
  readonly roles: string[];
  readonly replicas: number;
  readonly resources: ContainerResources;
  readonly storage: PersistentStorage;
  readonly heapMegabytes: number;
}

/** What every node group's StatefulSet shares. */
interface NodeGroupContext {
  readonly serviceAccount: string;
  readonly transportService: string;
  readonly masterPods: string[];
  readonly singleNode: boolean;
  readonly dataNodes: number;
  readonly spread: Spread;
  readonly zoneAwareness: boolean;
  readonly allowMmap: boolean;
  readonly sysctlImage?: string;
}

/**
 * An Elasticsearch cluster: one StatefulSet per node group, a headless Service
 * for transport and discovery, an HTTP Service for clients, and PDBs.
 */
export class ElasticsearchCluster extends Component implements IElasticsearchCluster {
  public readonly clusterName: string;
  public readonly endpoint: ServiceEndpoint;
  public readonly securityEnabled: boolean;
  public readonly caCertificate?: SecretKeyRef;
  /** The Secret holding the node certificates, when security is on. */
  public readonly certificatesSecret?: string;
  /** The cert-manager issuer that signs the node certificate, when cert-manager issues it. */
  public readonly certificatesIssuer?: CertificateIssuer;
  /** How the nodes get their `vm.max_map_count`. */
  public readonly virtualMemory: VirtualMemory;
  /** The `elastic` user's password reference, when security is on. */
  public readonly elasticPassword?: SecretKeyRef;
  /** Number of master-eligible nodes (always odd). */
  public readonly masterEligibleNodes: number;
  /** Number of data nodes. */
  public readonly dataNodes: number;
  /** Whether nodes carry `node.attr.zone` and shard allocation is zone-aware. */
  public readonly zoneAwareness: boolean;
  /** The snapshot repository every node can write to, when `snapshotRepository` is set. */
  public readonly snapshotRepository?: BoundSnapshotRepository;
  /** The node groups as deployed: StatefulSet name, roles, replicas, heap in MiB. */
  public readonly nodeGroups: {
    statefulSet: string;
    roles: string[];
    replicas: number;
    heapMegabytes: number;
  }[];

  /**
   * The Pod Security Standard level the namespace must enforce to admit the pods:
   * `privileged` with `VirtualMemory.INIT_CONTAINER` (its sysctl step), else `restricted`.
   */
  public get podSecurityLevel(): PodSecurityLevel {
    return this.virtualMemory === VirtualMemory.INIT_CONTAINER ? 'privileged' : 'restricted';
  }

  constructor(scope: Construct, id: string, props: ElasticsearchClusterProps = {}) {
    super(scope, id, props, 'elasticsearch', Images.elasticsearch);
    this.clusterName = props.clusterName ?? this.name;
    const security = props.security ?? {};
    this.securityEnabled = security.enabled ?? true;
    const transportService = `${this.name}-transport`;
    const httpService = `${this.name}-http`;
    const tls = this.securityEnabled && this.bindSecurity(security, httpService, transportService);
    this.certificatesSecret = tls ? tls.certificatesSecret : undefined;
    this.certificatesIssuer = tls ? tls.certificatesIssuer : undefined;
    this.caCertificate = tls ? tls.caCertificate : undefined;
    this.elasticPassword = tls ? tls.elasticPassword : undefined;
    this.virtualMemory = this.validateVirtualMemory(props.virtualMemory ?? VirtualMemory.NO_MMAP);
    const sysctlImage = this.resolveSysctlImage(props.sysctlImage);

    this.snapshotRepository = this.bindSnapshotRepository(props.snapshotRepository);

    const groups = this.resolveGroups(props);
    this.masterEligibleNodes = groups
      .filter((g) => g.roles.includes('master'))
      .reduce((n, g) => n + g.replicas, 0);
    this.dataNodes = groups
      .filter((g) => g.roles.includes('data'))
      .reduce((n, g) => n + g.replicas, 0);
    this.validateQuorum(props.masters !== undefined);

    const spread = props.spread ?? Spread.PREFERRED;
    this.zoneAwareness = props.zoneAwareness ?? (spread !== Spread.NONE && this.dataNodes > 1);
    const serviceAccount = this.addServiceAccount();
    if (this.zoneAwareness) {
      // Least privilege for the zone init container: `get` on nodes, nothing else.
      this.addClusterRole('zone-lookup', serviceAccount, ZONE_LOOKUP_RULES);
    }
    this.addTransportService(transportService);
    this.recordTransportFlow();
    this.endpoint = this.addHttpService(httpService, groups);
    this.addNodeGroups(groups, {
      serviceAccount,
      transportService,
      spread,
      zoneAwareness: this.zoneAwareness,
      sysctlImage,
    });
    this.nodeGroups = groups.map((g) => ({
      statefulSet: `${this.name}-${g.role}`,
      roles: g.roles,
      replicas: g.replicas,
      heapMegabytes: g.heapMegabytes,
    }));
  }

  /** Binds the certificates and records the Secrets of TLS and of the `elastic` password. */
  private bindSecurity(
    security: ElasticsearchSecurityProps,
    httpService: string,
    transportService: string,
  ): {
    certificatesSecret: string;
    certificatesIssuer?: CertificateIssuer;
    caCertificate: SecretKeyRef;
    elasticPassword: SecretKeyRef;
  } {
    const certificates = (
      security.certificates ?? ElasticsearchCertificates.fromSecret(`${this.name}-certs`)
    ).bind(this, 'security.certificates', {
      name: this.name,
      namespace: this.namespace,
      labels: standardLabels(this.identity('certificate')),
      httpService,
      transportService,
    });
    const elasticPassword = validateSecretRef(
      this,
      'security.elasticPassword',
      security.elasticPassword ?? { name: `${this.name}-elastic-password`, key: 'password' },
    );
    if (certificates.external) {
      this.recordExternalSecret({
        name: certificates.secretName,
        keys: ['tls.crt', 'tls.key', 'ca.crt'],
        purpose: 'Elasticsearch node certificate and CA (HTTP and transport TLS)',
      });
    }
    this.recordExternalSecret({
      name: elasticPassword.name,
      keys: [elasticPassword.key],
      purpose: 'password of the Elasticsearch `elastic` superuser',
    });
    return {
      certificatesSecret: certificates.secretName,
      certificatesIssuer: certificates.issuer,
      caCertificate: { name: certificates.secretName, key: 'ca.crt' },
      elasticPassword,
    };
  }

  /** One of the `VirtualMemory` choices. */
  private validateVirtualMemory(virtualMemory: VirtualMemory): VirtualMemory {
    if (!Object.values(VirtualMemory).includes(virtualMemory)) {
      invalidProp(
        this,
        'virtualMemory',
        virtualMemory,
        'is not a VirtualMemory choice',
        `use one of ${Object.keys(VirtualMemory)
          .map((k) => `VirtualMemory.${k}`)
          .join(', ')}`,
      );
    }
    return virtualMemory;
  }

  /** The image of the sysctl init container, with `VirtualMemory.INIT_CONTAINER` only. */
  private resolveSysctlImage(sysctlImage: string | undefined): string | undefined {
    if (sysctlImage && this.virtualMemory !== VirtualMemory.INIT_CONTAINER) {
      invalidProp(
        this,
        'sysctlImage',
        sysctlImage,
        `is only used with VirtualMemory.INIT_CONTAINER, but virtualMemory is '${this.virtualMemory}'`,
        'remove sysctlImage, or use VirtualMemory.INIT_CONTAINER',
      );
    }
    return this.virtualMemory === VirtualMemory.INIT_CONTAINER
      ? validateImage(this, 'sysctlImage', sysctlImage ?? Images.sysctl)
      : undefined;
  }

  /** An odd number of master-eligible nodes, so that a majority survives a partition. */
  private validateQuorum(masters: boolean): void {
    if (this.masterEligibleNodes % 2 === 0) {
      invalidProp(
        this,
        masters ? 'masters.replicas' : 'data.replicas',
        this.masterEligibleNodes,
        'must give an odd number of master-eligible nodes to keep a quorum',
        `use ${this.masterEligibleNodes - 1} or ${this.masterEligibleNodes + 1}`,
      );
    }
  }

  /** Every node talks to every other, whatever the roles. */
  private recordTransportFlow(): void {
    const nodes = NetworkPeer.pods(this.namespace, this.allNodesSelector);
    this.recordFlow({
      from: nodes,
      to: nodes,
      ports: [{ port: TRANSPORT_PORT }],
      purpose: 'transport between nodes',
    });
  }

  /** The HTTP Service for clients. */
  private addHttpService(httpService: string, groups: NodeGroup[]): ServiceEndpoint {
    // Clients talk to the data nodes; dedicated masters stay out of the request path.
    const dataRole = groups[groups.length - 1].role;
    const [endpoint] = this.addService('http-service', httpService, dataRole, [
      { name: 'http', port: HTTP_PORT, scheme: this.securityEnabled ? 'https' : 'http' },
    ]);
    return endpoint;
  }

  /** One StatefulSet per group, all seeded with the master-eligible pods. */
  private addNodeGroups(
    groups: NodeGroup[],
    context: Pick<
      NodeGroupContext,
      'serviceAccount' | 'transportService' | 'spread' | 'zoneAwareness' | 'sysctlImage'
    >,
  ): void {
    const masterPods = groups
      .filter((g) => g.roles.includes('master'))
      .flatMap((g) => Array.from({ length: g.replicas }, (_, i) => `${this.name}-${g.role}-${i}`));
    const singleNode = groups.length === 1 && groups[0].replicas === 1;
    for (const group of groups) {
      this.addNodeGroup(group, {
        ...context,
        masterPods,
        singleNode,
        dataNodes: this.dataNodes,
        allowMmap: this.virtualMemory !== VirtualMemory.NO_MMAP,
      });
    }
  }

  /**
   * Validates the repository, records the Secrets of its keystore settings and, for an object
   * store, the nodes' egress to it (HTTPS).
   */
  private bindSnapshotRepository(
    repository: SnapshotRepository | undefined,
  ): BoundSnapshotRepository | undefined {
    if (!repository) return undefined;
    const bound = repository.bind(this, 'snapshotRepository', { clusterName: this.clusterName });
    for (const setting of bound.keystore) {
      this.recordExternalSecret({
        name: setting.secret.name,
        keys: [setting.secret.key],
        purpose: `${setting.purpose} of snapshot repository '${bound.name}' (keystore setting ${setting.setting})`,
      });
    }
    if (!bound.sharedFilesystem) {
      this.recordFlow({
        from: NetworkPeer.pods(this.namespace, this.allNodesSelector),
        to: NetworkPeer.external(SNAPSHOT_STORAGE_PEER),
        ports: [{ port: 443 }],
        purpose: `snapshots to ${bound.type} repository ${bound.name}`,
      });
    }
    return bound;
  }

  /**
   * The init container that builds the keystore from the Secret files, and what the node
   * container mounts for it: the config directory (image's files and keystore) from an emptyDir.
   */
  private keystoreInitContainer():
    | {
        initContainer: k8s.Container;
        volumes: k8s.Volume[];
        volumeMount: k8s.VolumeMount;
      }
    | undefined {
    const settings = this.snapshotRepository?.keystore ?? [];
    if (settings.length === 0) return undefined;
    const secrets = secretFilesMount(
      'keystore-secrets',
      KEYSTORE_SECRETS_DIR,
      settings.map((s) => ({ ref: s.secret, file: s.setting })),
    );
    const script = renderKeystoreScript(settings, {
      configSource: CONFIG_DIR,
      configTarget: KEYSTORE_CONFIG_DIR,
      secretsDir: KEYSTORE_SECRETS_DIR,
    });
    const initContainer = renderContainer(this, 'resources', {
      name: 'keystore',
      image: this.image,
      command: ['bash', '-c', script],
      resources: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
      volumeMounts: [
        secrets.volumeMount,
        { name: 'elasticsearch-config', mountPath: KEYSTORE_CONFIG_DIR },
        { name: 'tmp', mountPath: '/tmp' },
      ],
    });
    return {
      initContainer,
      volumes: [secrets.volume, { name: 'elasticsearch-config', emptyDir: {} }],
      volumeMount: { name: 'elasticsearch-config', mountPath: CONFIG_DIR },
    };
  }

  private resolveGroups(props: ElasticsearchClusterProps): NodeGroup[] {
    const groups: NodeGroup[] = [];
    if (props.masters)
      groups.push(
        this.resolveGroup('masters', 'master', ['master'], props.masters, MASTER_DEFAULTS),
      );
    const data = props.data ?? { replicas: 1 };
    const dataRoles = props.masters ? ['data', 'ingest'] : ['master', 'data', 'ingest'];
    groups.push(
      this.resolveGroup('data', props.masters ? 'data' : 'node', dataRoles, data, DATA_DEFAULTS),
    );
    return groups;
  }

  private resolveGroup(
    prop: string,
    role: NodeGroup['role'],
    roles: string[],
    group: ElasticsearchNodeGroupProps,
    defaults: Required<Omit<ElasticsearchNodeGroupProps, 'replicas'>>,
  ): NodeGroup {
    validateInteger(this, `${prop}.replicas`, group.replicas, 1);
    const resources = group.resources ?? defaults.resources;
    const heapRatio = group.heapRatio ?? defaults.heapRatio;
    if (!(heapRatio > 0 && heapRatio <= 0.75)) {
      invalidProp(
        this,
        `${prop}.heapRatio`,
        heapRatio,
        'must leave memory for the filesystem cache and off-heap buffers',
        'use a share above 0 and at most 0.75 of the memory limit (0.5 is the vendor guidance)',
      );
    }
    const limitMegabytes = memoryBytes(resources.memoryLimit) / 1024 ** 2;
    const heapMegabytes = Math.floor(limitMegabytes * heapRatio);
    if (heapMegabytes < 256) {
      invalidProp(
        this,
        `${prop}.resources.memoryLimit`,
        resources.memoryLimit,
        `gives a heap of ${heapMegabytes}Mi, below the 256Mi Elasticsearch needs`,
        'raise the memory limit to at least 1Gi',
      );
    }
    return {
      prop,
      role,
      roles,
      replicas: group.replicas,
      resources,
      storage: group.storage ?? defaults.storage,
      heapMegabytes,
    };
  }

  private initContainers(
    sysctlImage: string | undefined,
    keystore: k8s.Container | undefined,
    zone: k8s.Container | undefined,
  ): k8s.Container[] | undefined {
    const containers = [
      ...(sysctlImage ? [renderMaxMapCountContainer(this, sysctlImage)] : []),
      ...(keystore ? [keystore] : []),
      ...(zone ? [zone] : []),
    ];
    return containers.length > 0 ? containers : undefined;
  }

  /** Selects every node of the cluster, whatever its role. */
  private get allNodesSelector(): Record<string, string> {
    return { 'app.kubernetes.io/name': 'elasticsearch', 'app.kubernetes.io/instance': this.name };
  }

  private addTransportService(name: string): void {
    // Selects every node of the cluster, whatever its role, and publishes pods before
    // they are ready: nodes must find each other to become ready at all.
    new k8s.KubeService(this, 'transport-service', {
      metadata: this.metadata(name, 'transport'),
      spec: {
        clusterIp: 'None',
        publishNotReadyAddresses: true,
        selector: this.allNodesSelector,
        ports: [
          {
            name: 'transport',
            port: TRANSPORT_PORT,
            targetPort: k8s.IntOrString.fromString('transport'),
            protocol: 'TCP',
          },
        ],
      },
    });
  }

  private addNodeGroup(group: NodeGroup, context: NodeGroupContext): void {
    const name = `${this.name}-${group.role}`;
    const identity = this.identity(group.role);
    const config = renderYaml(
      renderElasticsearchConfig({
        clusterName: this.clusterName,
        roles: group.roles,
        seedHost: context.transportService,
        singleNode: context.singleNode,
        security: this.securityEnabled ? { certificatesDir: CERTS_DIR } : undefined,
        allowMmap: context.allowMmap,
        awarenessAttributes: context.zoneAwareness ? [ZONE_ATTRIBUTE] : undefined,
        snapshotPaths: this.snapshotRepository?.sharedFilesystem
          ? [this.snapshotRepository.sharedFilesystem.mountPath]
          : undefined,
      }),
    );
    const configMap = this.addConfigMap(`${group.role}-config`, `${name}-config`, group.role, {
      'elasticsearch.yml': config,
    });

    const env: k8s.EnvVar[] = [
      fieldRefEnv('POD_NAME', 'metadata.name'),
      fieldRefEnv('POD_IP', 'status.podIP'),
      { name: 'ES_JAVA_OPTS', value: `-Xms${group.heapMegabytes}m -Xmx${group.heapMegabytes}m` },
    ];
    const keystore = this.keystoreInitContainer();
    const zone = context.zoneAwareness ? renderZoneInitContainer(this, this.image) : undefined;
    const sharedFilesystem = this.snapshotRepository?.sharedFilesystem;
    const volumeMounts: k8s.VolumeMount[] = [
      // The config directory first: the files below are mounted into it.
      ...(keystore ? [keystore.volumeMount] : []),
      { name: 'data', mountPath: '/usr/share/elasticsearch/data' },
      {
        name: 'config',
        mountPath: '/usr/share/elasticsearch/config/elasticsearch.yml',
        subPath: 'elasticsearch.yml',
        readOnly: true,
      },
      { name: 'tmp', mountPath: '/tmp' },
    ];
    const volumes: k8s.Volume[] = [
      { name: 'config', configMap: { name: configMap } },
      { name: 'tmp', emptyDir: {} },
      ...(keystore?.volumes ?? []),
      ...(zone?.volumes ?? []),
    ];
    if (zone) volumeMounts.push(zone.volumeMount);
    if (sharedFilesystem) {
      volumeMounts.push({ name: 'snapshots', mountPath: sharedFilesystem.mountPath });
      volumes.push({
        name: 'snapshots',
        persistentVolumeClaim: { claimName: sharedFilesystem.claimName },
      });
    }
    let access: LocalNodeAccess = { url: `http://127.0.0.1:${HTTP_PORT}` };
    if (this.securityEnabled) {
      // Not ELASTIC_PASSWORD_FILE: the image's entrypoint accepts only a file of mode 400 or 600
      // (bin/elasticsearch-env-from-file), and the kubelet adds group read (0440) to Secret files
      // for the pod's fsGroup, which the data volume needs. See policy-exceptions.yaml.
      env.push({
        name: 'ELASTIC_PASSWORD',
        valueFrom: {
          secretKeyRef: { name: this.elasticPassword!.name, key: this.elasticPassword!.key },
        },
      });
      volumeMounts.push({ name: 'certs', mountPath: CERTS_DIR, readOnly: true });
      volumes.push({ name: 'certs', secret: { secretName: this.certificatesSecret! } });
      access = {
        url: `https://127.0.0.1:${HTTP_PORT}`,
        caFile: `${CERTS_DIR}/ca.crt`,
        passwordEnv: 'ELASTIC_PASSWORD',
      };
    }

    // The first election needs the master-eligible names once; a single node needs none.
    const bootstrap =
      group.roles.includes('master') && !context.singleNode
        ? {
            clientUrl: `${this.endpoint.url}/`,
            caFile: this.securityEnabled ? `${CERTS_DIR}/ca.crt` : undefined,
            initialMasterNodes: context.masterPods,
          }
        : undefined;
    if (bootstrap) {
      this.connectTo(
        group.role,
        this.endpoint,
        'at start, whether a ready node answers, so a cluster has formed (start wrapper)',
      );
    }
    const container = renderContainer(
      this,
      `${group.role === 'master' ? 'masters' : 'data'}.resources`,
      {
        name: 'elasticsearch',
        image: this.image,
        // args, not command: the image's entrypoint (tini, docker-entrypoint.sh) runs the
        // wrapper, which execs the entrypoint again with `eswrapper` and its -E settings.
        args:
          bootstrap || zone
            ? [
                'bash',
                '-c',
                renderStartScript({ bootstrap, zoneFile: zone ? `${ZONE_DIR}/zone` : undefined }),
              ]
            : undefined,
        env,
        ports: [
          { name: 'http', containerPort: HTTP_PORT },
          { name: 'transport', containerPort: TRANSPORT_PORT },
        ],
        resources: group.resources,
        // Ready while the cluster is yellow, except once after a start: see renderReadinessScript.
        readinessProbe: renderReadinessProbe(access, { waitForGreen: context.dataNodes > 1 }),
        lifecycle: renderLifecycle(access),
        livenessProbe: tcpProbe('liveness', 'transport', {
          initialDelaySeconds: 60,
          periodSeconds: 20,
          failureThreshold: 6,
        }),
        volumeMounts,
        // The image's entrypoint writes the keystore into its config directory at start.
        readOnlyRootFilesystem: false,
      },
    );

    addWorkload(this, `${group.role}-statefulset`, {
      metadata: this.metadata(name, group.role),
      spec: {
        kind: 'StatefulSet',
        serviceName: context.transportService,
        replicas: group.replicas,
        // Masters must all start to elect a leader: ordered start-up would wait forever.
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate' },
        pod: {
          identity,
          serviceAccountName: context.serviceAccount,
          automountServiceAccountToken: false,
          initContainers: this.initContainers(
            context.sysctlImage,
            keystore?.initContainer,
            zone?.initContainer,
          ),
          containers: [container],
          volumes,
          annotations: { 'checksum/config': configChecksum({ 'elasticsearch.yml': config }) },
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          ...spreadPods(identity, context.spread),
        },
        volumeClaimTemplates: [
          renderVolumeClaimTemplate(
            this,
            `${group.prop}.storage`,
            'data',
            group.storage,
            STORAGE_RULE,
            selectorLabels(identity),
          ),
        ],
      },
    });
    this.addDisruptionBudget(`${group.role}-pdb`, name, group.role, group.replicas);
  }
}
