import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component, ComponentProps } from '../core/component';
import { configChecksum, renderYaml } from '../core/config';
import { ServiceEndpoint } from '../core/endpoint';
import { invalidProp } from '../core/errors';
import { ExternalPeer } from '../core/network-flow';
import { Images } from '../core/images';
import { validateInteger } from '../core/names';
import { httpProbe, tcpProbe } from '../core/probes';
import { ContainerResources } from '../core/resources';
import {
  BasicAuthSecretRef,
  SecretFile,
  secretFilesMount,
  SecretFilesMount,
  SecretKeyRef,
  validateSecretRef,
} from '../core/secrets';
import { PersistentStorage, renderVolumeClaimSpec } from '../core/storage';
import {
  renderContainer,
  addWorkload,
  scrapeAnnotations,
  Spread,
  spreadPods,
} from '../core/workload';
import {
  ElasticsearchCaMount,
  elasticsearchCaMount,
  IElasticsearchCluster,
} from '../elasticsearch/elasticsearch-reference';
import {
  describePrivileges,
  ElasticsearchPrivileges,
  ElasticsearchUser,
} from '../elasticsearch/elasticsearch-users';
import { IJaeger } from '../jaeger/jaeger-reference';
import { IPrometheus } from '../prometheus/prometheus-reference';
import {
  renderDashboardProviders,
  renderGrafanaDatasources,
  renderGrafanaIni,
} from './grafana-config';

const PORT = 3000;

/** SQL databases outside the stack: Grafana's `database`. */
export const DATABASES_PEER: ExternalPeer = {
  name: 'databases',
  address: { kind: 'cidr', option: 'databasesCidr' },
};
const UID = 472;
const DATA_PATH = '/var/lib/grafana';
const DASHBOARDS_PATH = '/var/lib/grafana/dashboards';
const PROVISIONING_PATH = '/etc/grafana/provisioning';
const CA_DIR = '/etc/grafana/elasticsearch-ca';
/** Where the Secret keys Grafana reads are mounted as files. */
const SECRETS_DIR = '/etc/grafana/secrets';
const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '100m',
  memoryRequest: '256Mi',
  memoryLimit: '512Mi',
};
const DASHBOARD_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

type ElasticsearchDatasource = NonNullable<
  Parameters<typeof renderGrafanaDatasources>[0]['elasticsearch']
>;

/** What the Grafana pod is built from. */
interface GrafanaPod {
  readonly env: k8s.EnvVar[];
  readonly configMapName: string;
  /** The config files whose checksum rolls the pods (the dashboards join at synthesis). */
  readonly config: Record<string, string>;
  /** The Elasticsearch CA (if any) and the credential files. */
  readonly mounts: (SecretFilesMount | ElasticsearchCaMount | undefined)[];
  /** The data claim of `storage`; without it the data volume is an emptyDir. */
  readonly dataClaim?: k8s.PersistentVolumeClaimSpec;
}

/** The external SQL database that holds Grafana's state when it runs more than one replica. */
export interface GrafanaDatabase {
  /** `database.type`. */
  readonly type: 'postgres' | 'mysql';
  /** `host:port` of the database server. */
  readonly host: string;
  /** Database name. */
  readonly name: string;
  /** Secret with the database user and password. */
  readonly credentials: BasicAuthSecretRef;
  /**
   * `database.ssl_mode` (postgres) or TLS mode (mysql).
   * @default 'require' for postgres, 'true' for mysql
   */
  readonly sslMode?: string;
}

/** The Elasticsearch logs data source. */
export interface GrafanaElasticsearchSource {
  readonly cluster: IElasticsearchCluster;
  /**
   * Secret with the user Grafana reads logs as; used only when the cluster has security enabled.
   * @default { secretName: '<name>-elasticsearch-credentials' }
   */
  readonly credentials?: BasicAuthSecretRef;
  /**
   * Index pattern of the logs.
   * @default 'logs-*'
   */
  readonly index?: string;
}

/**
 * A PersistentVolumeClaim for `/var/lib/grafana` (SQLite database, plugins).
 * @deprecated Use {@link PersistentStorage}, the storage type of every component.
 */
export type GrafanaStorage = PersistentStorage;

export interface GrafanaProps extends ComponentProps {
  /**
   * Replicas. More than one needs `database`: the default SQLite file is per pod.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * @default - 100m CPU, 256Mi memory request, 512Mi limit
   */
  readonly resources?: ContainerResources;
  /**
   * Secret with the initial admin user and password, mounted as files that
   * `GF_SECURITY_ADMIN_USER__FILE` / `GF_SECURITY_ADMIN_PASSWORD__FILE` name.
   * @default { secretName: '<name>-admin' }
   */
  readonly adminCredentials?: BasicAuthSecretRef;
  /**
   * External database for Grafana's state, passed as `GF_DATABASE_*` env vars (the user
   * and password as files, through `GF_DATABASE_USER__FILE` / `GF_DATABASE_PASSWORD__FILE`).
   * @default - SQLite in /var/lib/grafana (state other than provisioning is per pod)
   */
  readonly database?: GrafanaDatabase;
  /**
   * Secret key Grafana encrypts data source secrets in the database with. All
   * replicas sharing a database need the same one.
   * @default - with `database`: { name: '<name>-secret-key', key: 'secret-key' }; without: Grafana's built-in key
   */
  readonly secretKey?: SecretKeyRef;
  /**
   * Persistent volume for /var/lib/grafana (SQLite database, plugins).
   * @default - an emptyDir: the SQLite state is lost when the pod goes
   */
  readonly storage?: PersistentStorage;
  /** Prometheus data source (uid `prometheus`). @default - none */
  readonly prometheus?: IPrometheus;
  /** Elasticsearch logs data source (uid `elasticsearch`). @default - none */
  readonly elasticsearch?: GrafanaElasticsearchSource;
  /** Jaeger traces data source (uid `jaeger`). @default - none */
  readonly jaeger?: IJaeger;
  /**
   * Dashboards to provision, by file name; same as calling `addDashboard`. The stack's
   * dashboards come with the monitoring mixins (`applyMixins`).
   * @default - none
   */
  readonly dashboards?: Record<string, object>;
  /**
   * Public URL Grafana is served under (`server.root_url`), for links and redirects.
   * @default - Grafana's default (`http://localhost:3000/`)
   */
  readonly rootUrl?: string;
  /**
   * Send the session cookie only over HTTPS (`security.cookie_secure`).
   * Browsers also accept it on `http://localhost` (port-forward).
   * @default true
   */
  readonly cookieSecure?: boolean;
  /**
   * How replicas are kept apart.
   * @default - Spread.NONE for one replica, Spread.PREFERRED otherwise
   */
  readonly spread?: Spread;
}

/**
 * Grafana with provisioned Prometheus, Elasticsearch and Jaeger data sources
 * (fixed uids, linked by trace id) and file-provisioned dashboards.
 */
export class Grafana extends Component {
  public readonly replicas: number;
  public readonly resources: ContainerResources;
  /** The HTTP UI and API (port 3000). */
  public readonly endpoint: ServiceEndpoint;
  /** The data source provisioning file, as deployed. */
  public readonly datasources: object;
  /** Name of the ConfigMap that holds the dashboards. */
  public readonly dashboardsConfigMapName: string;
  /**
   * The user Grafana reads logs as, which `ElasticsearchUsers` creates; undefined unless the
   * logs data source is a secured Elasticsearch.
   */
  public readonly elasticsearchUser?: ElasticsearchUser;

  private readonly dashboards = new Map<string, Record<string, unknown>>();
  private readonly secretFiles: SecretFile[] = [];

  constructor(scope: Construct, id: string, props: GrafanaProps = {}) {
    super(scope, id, props, 'grafana', Images.grafana);
    this.replicas = this.validateReplicas(props);
    this.resources = props.resources ?? DEFAULT_RESOURCES;
    const dataClaim = this.renderDataClaim(props.storage);

    const env = this.credentialsEnv(props);
    const elasticsearch = props.elasticsearch && this.elasticsearchSource(props.elasticsearch);
    this.elasticsearchUser = elasticsearch?.user;
    this.datasources = this.connectDatasources(props, elasticsearch?.datasource);
    const config = this.renderConfig(props);
    const configMapName = this.addConfigMap('config', `${this.name}-config`, 'server', config);
    this.dashboardsConfigMapName = this.addDashboardsConfigMap();
    this.addInitialDashboards(props);

    this.endpoint = this.addServer(props, {
      env,
      dataClaim,
      configMapName,
      config,
      mounts: [elasticsearch?.ca, secretFilesMount('secrets', SECRETS_DIR, this.secretFiles)],
    });
  }

  /**
   * Provisions a dashboard from its JSON model as `<name>.json`. The dashboard
   * `uid` defaults to `name`, so links stay stable across pods and rollouts.
   */
  public addDashboard(name: string, json: object): void {
    if (!DASHBOARD_NAME.test(name) || name.length > 40) {
      invalidProp(
        this,
        'dashboards',
        name,
        'must be a lower-case name of at most 40 characters (it becomes the file name and uid)',
        "use letters, digits and '-', for example 'checkout-latency'",
      );
    }
    if (this.dashboards.has(name)) {
      invalidProp(
        this,
        'dashboards',
        name,
        'is already provisioned',
        'give each dashboard its own name',
      );
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      invalidProp(
        this,
        `dashboards.${name}`,
        json,
        'must be a dashboard JSON model (an object)',
        'pass the parsed dashboard JSON',
      );
    }
    const model = json as Record<string, unknown>;
    this.dashboards.set(name, { ...model, uid: model.uid ?? name });
  }

  /** The names of the provisioned dashboards. */
  public get dashboardNames(): string[] {
    return [...this.dashboards.keys()].sort();
  }

  /**
   * `replicas`, which above one needs `database` (the default SQLite file is per pod) and
   * no `storage` (a ReadWriteOnce volume is for one pod).
   */
  private validateReplicas(props: GrafanaProps): number {
    const replicas = validateInteger(this, 'replicas', props.replicas ?? 1, 1);
    if (replicas > 1 && !props.database) {
      invalidProp(
        this,
        'replicas',
        replicas,
        'needs an external database to run more than one replica (SQLite is per pod)',
        "set 'database' to a postgres or mysql server, or use replicas: 1",
      );
    }
    if (replicas > 1 && props.storage) {
      invalidProp(
        this,
        'storage',
        props.storage,
        'is a ReadWriteOnce volume that more than one replica cannot share',
        "drop 'storage' (state lives in 'database') or use replicas: 1",
      );
    }
    return replicas;
  }

  /** The claim of the data volume, from `storage`; none without it (an emptyDir then). */
  private renderDataClaim(
    storage: PersistentStorage | undefined,
  ): k8s.PersistentVolumeClaimSpec | undefined {
    return storage
      ? renderVolumeClaimSpec(this, 'storage', storage, { example: '5Gi' })
      : undefined;
  }

  /**
   * Every credential is a file in one Secret volume: the image's entrypoint reads the file a
   * GF_*__FILE variable names, and provisioning reads `$__file{...}`. Returns the file's path.
   */
  private secretFile(file: string, ref: SecretKeyRef): string {
    this.secretFiles.push({ ref, file });
    return `${SECRETS_DIR}/${file}`;
  }

  /** The admin user, then the database (or the secret key alone), read from secret files. */
  private credentialsEnv(props: GrafanaProps): k8s.EnvVar[] {
    const env: k8s.EnvVar[] = [];
    const admin = this.basicAuthRefs(
      'adminCredentials',
      props.adminCredentials ?? { secretName: `${this.name}-admin` },
      'Grafana admin user and password',
    );
    env.push(
      {
        name: 'GF_SECURITY_ADMIN_USER__FILE',
        value: this.secretFile('admin-user', admin.username),
      },
      {
        name: 'GF_SECURITY_ADMIN_PASSWORD__FILE',
        value: this.secretFile('admin-password', admin.password),
      },
    );

    if (props.database) env.push(...this.databaseEnv(props.database, props.secretKey));
    else if (props.secretKey) env.push(this.secretKeyEnv(props.secretKey));
    return env;
  }

  /** The logs data source: its index, credentials and CA, and the flow to the cluster. */
  private elasticsearchSource(source: GrafanaElasticsearchSource): {
    datasource: ElasticsearchDatasource;
    ca?: ElasticsearchCaMount;
    user?: ElasticsearchUser;
  } {
    const cluster = source.cluster;
    const index = source.index ?? 'logs-*';
    if (!index || /[\s,"]/.test(index)) {
      invalidProp(
        this,
        'elasticsearch.index',
        index,
        'must be one index pattern',
        "use a pattern such as 'logs-*'",
      );
    }
    const ca = elasticsearchCaMount(this, cluster, CA_DIR);
    let basicAuth: { usernameFile: string; passwordFile: string } | undefined;
    let user: ElasticsearchUser | undefined;
    if (cluster.securityEnabled) {
      const ref = source.credentials ?? {
        secretName: `${this.name}-elasticsearch-credentials`,
      };
      // Searches and field lists of the data source's index; `monitor` for the version check.
      const privileges: ElasticsearchPrivileges = {
        cluster: ['monitor'],
        indices: [{ names: [index], privileges: ['read', 'view_index_metadata'] }],
      };
      const keys = this.basicAuthRefs(
        'elasticsearch.credentials',
        ref,
        `Elasticsearch user Grafana reads logs as (${describePrivileges(privileges)})`,
      );
      user = {
        role: `${this.name}-logs-reader`,
        client: `Grafana '${this.name}'`,
        privileges,
        credentials: ref,
        namespace: this.namespace,
      };
      basicAuth = {
        usernameFile: this.secretFile('elasticsearch-username', keys.username),
        passwordFile: this.secretFile('elasticsearch-password', keys.password),
      };
    }
    this.connectTo('server', cluster.endpoint, 'logs data source');
    return {
      datasource: { url: cluster.endpoint.url, index, basicAuth, caFile: ca?.caFile },
      ca,
      user,
    };
  }

  /** The data source provisioning file; records the flows to Prometheus and Jaeger. */
  private connectDatasources(
    props: GrafanaProps,
    elasticsearch: ElasticsearchDatasource | undefined,
  ): object {
    // The querier over the replicas when there is one (Thanos), else Prometheus itself.
    const prometheus = props.prometheus?.queryEndpoint ?? props.prometheus?.endpoint;
    if (prometheus) this.connectTo('server', prometheus, 'metrics data source');
    if (props.jaeger) this.connectTo('server', props.jaeger.queryEndpoint, 'traces data source');

    return renderGrafanaDatasources({
      prometheus: prometheus
        ? { url: prometheus.url, type: props.prometheus?.queryApi ?? 'Prometheus' }
        : undefined,
      elasticsearch,
      jaeger: props.jaeger ? { url: props.jaeger.queryEndpoint.url } : undefined,
    });
  }

  /** grafana.ini and the provisioning files. */
  private renderConfig(props: GrafanaProps): Record<string, string> {
    return {
      'grafana.ini': renderGrafanaIni({
        httpPort: PORT,
        rootUrl: props.rootUrl,
        cookieSecure: props.cookieSecure ?? true,
        dataPath: DATA_PATH,
        provisioningPath: PROVISIONING_PATH,
      }),
      'datasources.yaml': renderYaml(this.datasources),
      'dashboards.yaml': renderYaml(renderDashboardProviders({ path: DASHBOARDS_PATH })),
    };
  }

  /** Dashboards can be added after construction, so their data and checksum resolve at synth time. */
  private addDashboardsConfigMap(): string {
    return this.addConfigMap(
      'dashboards',
      `${this.name}-dashboards`,
      'server',
      Lazy.any({ produce: () => this.dashboardFiles() }),
    );
  }

  /** The dashboards of `props.dashboards`, by name. */
  private addInitialDashboards(props: GrafanaProps): void {
    for (const name of Object.keys(props.dashboards ?? {}).sort())
      this.addDashboard(name, props.dashboards![name]);
  }

  /** The grafana container: its config, provisioning, dashboards and data, then `mounts`. */
  private renderServerContainer(env: k8s.EnvVar[], mounts: k8s.VolumeMount[]): k8s.Container {
    return renderContainer(this, 'resources', {
      name: 'grafana',
      image: this.image,
      env,
      ports: [{ name: 'http', containerPort: PORT }],
      resources: this.resources,
      readinessProbe: httpProbe('readiness', '/api/health', 'http'),
      livenessProbe: tcpProbe('liveness', 'http'),
      volumeMounts: [
        {
          name: 'config',
          mountPath: '/etc/grafana/grafana.ini',
          subPath: 'grafana.ini',
          readOnly: true,
        },
        {
          name: 'provisioning-datasources',
          mountPath: `${PROVISIONING_PATH}/datasources`,
          readOnly: true,
        },
        {
          name: 'provisioning-dashboards',
          mountPath: `${PROVISIONING_PATH}/dashboards`,
          readOnly: true,
        },
        { name: 'data', mountPath: DATA_PATH },
        { name: 'dashboards', mountPath: DASHBOARDS_PATH, readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'logs', mountPath: '/var/log/grafana' },
        ...mounts,
      ],
      runAsUser: UID,
    });
  }

  /** The data volume: an emptyDir, or a claim of `storage`. */
  private addDataVolume(dataClaim: k8s.PersistentVolumeClaimSpec | undefined): k8s.Volume {
    let data: k8s.Volume = { name: 'data', emptyDir: {} };
    if (dataClaim) {
      const claimName = `${this.name}-data`;
      new k8s.KubePersistentVolumeClaim(this, 'data', {
        metadata: this.metadata(claimName, 'server'),
        spec: dataClaim,
      });
      data = { name: 'data', persistentVolumeClaim: { claimName } };
    }
    return data;
  }

  /** The server: its ServiceAccount, data volume, Deployment, disruption budget and Service. */
  private addServer(props: GrafanaProps, pod: GrafanaPod): ServiceEndpoint {
    const { env, configMapName, config } = pod;
    const mounts = pod.mounts.filter((m) => m !== undefined);
    const volumes = mounts.map((m) => m.volume);
    const serviceAccountName = this.addServiceAccount();
    const identity = this.identity('server');
    const container = this.renderServerContainer(
      env,
      mounts.map((m) => m.volumeMount),
    );
    const data = this.addDataVolume(pod.dataClaim);
    addWorkload(this, 'deployment', {
      metadata: this.metadata(this.name, 'server'),
      spec: {
        kind: 'Deployment',
        replicas: this.replicas,
        // A ReadWriteOnce volume cannot be attached to the old and the new pod at once.
        strategy: props.storage ? { type: 'Recreate' } : undefined,
        pod: {
          identity,
          serviceAccountName,
          automountServiceAccountToken: false,
          containers: [container],
          volumes: [
            {
              name: 'config',
              configMap: {
                name: configMapName,
                items: [{ key: 'grafana.ini', path: 'grafana.ini' }],
              },
            },
            {
              name: 'provisioning-datasources',
              configMap: {
                name: configMapName,
                items: [{ key: 'datasources.yaml', path: 'datasources.yaml' }],
              },
            },
            {
              name: 'provisioning-dashboards',
              configMap: {
                name: configMapName,
                items: [{ key: 'dashboards.yaml', path: 'dashboards.yaml' }],
              },
            },
            { name: 'dashboards', configMap: { name: this.dashboardsConfigMapName } },
            data,
            { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
            { name: 'logs', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            ...volumes,
          ],
          annotations: {
            ...scrapeAnnotations(PORT, '/metrics'),
            'checksum/config': Lazy.any({
              produce: () => configChecksum({ ...config, ...this.dashboardFiles() }),
            }),
          },
          uid: UID,
          ...spreadPods(
            identity,
            props.spread ?? (this.replicas > 1 ? Spread.PREFERRED : Spread.NONE),
          ),
        },
      },
    });
    this.addDisruptionBudget('pdb', this.name, 'server', this.replicas);
    const [endpoint] = this.addService('service', this.name, 'server', [
      { name: 'http', port: PORT },
    ]);
    return endpoint;
  }

  /**
   * The dashboards as compact JSON: indented, the stack's 18 would put the ConfigMap past what
   * `kubectl apply` (client-side) can record in its last-applied annotation (256 KiB).
   */
  private dashboardFiles(): Record<string, string> {
    const files: Record<string, string> = {};
    for (const name of this.dashboardNames)
      files[`${name}.json`] = `${JSON.stringify(this.dashboards.get(name))}\n`;
    return files;
  }

  private secretKeyEnv(ref: SecretKeyRef): k8s.EnvVar {
    validateSecretRef(this, 'secretKey', ref);
    this.recordExternalSecret({
      name: ref.name,
      keys: [ref.key],
      purpose: 'Grafana secret_key, encrypts data source secrets in the database',
    });
    return { name: 'GF_SECURITY_SECRET_KEY__FILE', value: this.secretFile('secret-key', ref) };
  }

  private databaseEnv(
    database: GrafanaDatabase,
    secretKey: SecretKeyRef | undefined,
  ): k8s.EnvVar[] {
    if (database.type !== 'postgres' && database.type !== 'mysql') {
      invalidProp(
        this,
        'database.type',
        database.type,
        "must be 'postgres' or 'mysql'",
        "use 'postgres'",
      );
    }
    if (!/^[A-Za-z0-9.-]+(:[0-9]+)?$/.test(database.host ?? '')) {
      invalidProp(
        this,
        'database.host',
        database.host,
        'must be host or host:port',
        "use for example 'grafana-db.observability.svc:5432'",
      );
    }
    const port = database.host.split(':')[1] ?? (database.type === 'postgres' ? '5432' : '3306');
    this.connectTo('server', DATABASES_PEER, `${database.type} database`, [{ port: Number(port) }]);
    if (!database.name) {
      invalidProp(
        this,
        'database.name',
        database.name,
        'must name the database',
        "use for example 'grafana'",
      );
    }
    const credentials = this.basicAuthRefs(
      'database.credentials',
      database.credentials,
      `Grafana ${database.type} database user`,
    );
    return [
      { name: 'GF_DATABASE_TYPE', value: database.type },
      { name: 'GF_DATABASE_HOST', value: database.host },
      { name: 'GF_DATABASE_NAME', value: database.name },
      {
        name: 'GF_DATABASE_USER__FILE',
        value: this.secretFile('database-user', credentials.username),
      },
      {
        name: 'GF_DATABASE_PASSWORD__FILE',
        value: this.secretFile('database-password', credentials.password),
      },
      {
        name: 'GF_DATABASE_SSL_MODE',
        value: database.sslMode ?? (database.type === 'postgres' ? 'require' : 'true'),
      },
      this.secretKeyEnv(secretKey ?? { name: `${this.name}-secret-key`, key: 'secret-key' }),
    ];
  }
}
