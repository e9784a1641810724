import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { ExternalPeer } from '../core/network-flow';
import { validateDnsLabel } from '../core/names';
import { SecretKeyRef, validateSecretRef } from '../core/secrets';

/**
 * The object store a cloud snapshot repository writes to (S3, GCS, Azure Blob Storage), over
 * HTTPS. Its address comes from the `snapshotStorageCidr` option of `networkPolicies`.
 */
export const SNAPSHOT_STORAGE_PEER: ExternalPeer = {
  name: 'snapshot-storage',
  address: { kind: 'cidr', option: 'snapshotStorageCidr' },
};

/** Where the snapshot repository's mount of a shared filesystem is, in every node. */
export const DEFAULT_SNAPSHOT_MOUNT_PATH = '/usr/share/elasticsearch/snapshots';

/** What every kind of repository has. */
export interface SnapshotRepositoryBaseOptions {
  /** The repository's name in Elasticsearch (`PUT _snapshot/<name>`). @default 'logs-snapshots' */
  readonly name?: string;
  /**
   * Register the repository read-only: the cluster restores from it but never writes, and the
   * setup Job creates no snapshot policies. For a cluster that restores another cluster's
   * snapshots (docs/backup-restore.md): two clusters must never write to one repository.
   * @default false
   */
  readonly readonly?: boolean;
}

/** An S3 bucket (the `repository-s3` module of the Elasticsearch image). */
export interface S3RepositoryOptions extends SnapshotRepositoryBaseOptions {
  /** The bucket, which must exist. */
  readonly bucket: string;
  /** Path inside the bucket. @default - the cluster name */
  readonly basePath?: string;
  /** The `s3.client.<client>.*` settings the repository uses. @default 'default' */
  readonly client?: string;
  /**
   * An access key, put into the keystore as `s3.client.<client>.access_key` and `secret_key`.
   * @default - none: the pods' own AWS identity (IRSA / EKS Pod Identity on the service account, or the node's instance profile)
   */
  readonly credentials?: {
    readonly accessKey: SecretKeyRef;
    readonly secretKey: SecretKeyRef;
  };
}

/** A Google Cloud Storage bucket (the `repository-gcs` module). */
export interface GcsRepositoryOptions extends SnapshotRepositoryBaseOptions {
  readonly bucket: string;
  /** @default - the cluster name */
  readonly basePath?: string;
  /** The `gcs.client.<client>.*` settings the repository uses. @default 'default' */
  readonly client?: string;
  /**
   * A service account key (JSON), put into the keystore as the file `gcs.client.<client>.credentials_file`.
   * @default - none: the pods' own identity (GKE Workload Identity)
   */
  readonly credentials?: SecretKeyRef;
}

/** An Azure Blob Storage container (the `repository-azure` module). */
export interface AzureRepositoryOptions extends SnapshotRepositoryBaseOptions {
  readonly container: string;
  /** @default - the cluster name */
  readonly basePath?: string;
  /** The `azure.client.<client>.*` settings the repository uses. @default 'default' */
  readonly client?: string;
  /** The storage account name: `azure.client.<client>.account`. */
  readonly account: SecretKeyRef;
  /** The account key, `azure.client.<client>.key`. Give it or `sasToken`. @default - none */
  readonly key?: SecretKeyRef;
  /** A shared access signature, `azure.client.<client>.sas_token`. Give it or `key`. @default - none */
  readonly sasToken?: SecretKeyRef;
}

/**
 * A shared filesystem (NFS, CephFS, EFS, ...) that every node mounts at the same path: a
 * `ReadWriteMany` PersistentVolumeClaim you create in the cluster's namespace. For small
 * clusters without an object store; the path becomes the node's `path.repo`.
 */
export interface SharedFilesystemRepositoryOptions extends SnapshotRepositoryBaseOptions {
  /** The `ReadWriteMany` PersistentVolumeClaim, in the cluster's namespace. */
  readonly claimName: string;
  /** Where every node mounts it (`path.repo`, the repository's `location`). @default DEFAULT_SNAPSHOT_MOUNT_PATH */
  readonly mountPath?: string;
}

/** The repository types Elasticsearch knows (`type` of `PUT _snapshot/<name>`). */
export type SnapshotRepositoryType = 's3' | 'gcs' | 'azure' | 'fs';

/** One secure setting of the Elasticsearch keystore, read from a Secret key. */
export interface KeystoreSetting {
  /** The setting, such as `s3.client.default.access_key`. */
  readonly setting: string;
  readonly secret: SecretKeyRef;
  /** `file` for a file setting (`elasticsearch-keystore add-file`), else a string setting. */
  readonly kind: 'string' | 'file';
  /** What the Secret key holds, for the list of Secrets the user creates. */
  readonly purpose: string;
}

/** A snapshot repository as a cluster uses it. */
export interface BoundSnapshotRepository {
  readonly name: string;
  readonly type: SnapshotRepositoryType;
  readonly readonly: boolean;
  /** The body of `PUT _snapshot/<name>`. */
  readonly body: {
    readonly type: SnapshotRepositoryType;
    readonly settings: Record<string, unknown>;
  };
  /** The secure settings the keystore of every node needs. */
  readonly keystore: readonly KeystoreSetting[];
  /** The shared filesystem every node mounts, for `fs`. */
  readonly sharedFilesystem?: { readonly claimName: string; readonly mountPath: string };
}

/** What a cluster tells its repository. */
export interface SnapshotRepositoryContext {
  readonly clusterName: string;
}

/**
 * Where an Elasticsearch cluster keeps its snapshots: a bucket of an object store (S3, GCS,
 * Azure) or a shared filesystem. Credentials are references to Secret keys, which an init
 * container writes into the nodes' keystore; they never appear in a manifest.
 */
export abstract class SnapshotRepository {
  /** An S3 bucket. */
  public static s3(options: S3RepositoryOptions): SnapshotRepository {
    return new ObjectStoreRepository('s3', options, (client) =>
      options.credentials
        ? [
            keystoreString(
              `s3.client.${client}.access_key`,
              options.credentials.accessKey,
              'credentials.accessKey',
              'AWS access key id',
            ),
            keystoreString(
              `s3.client.${client}.secret_key`,
              options.credentials.secretKey,
              'credentials.secretKey',
              'AWS secret access key',
            ),
          ]
        : [],
    );
  }

  /** A Google Cloud Storage bucket. */
  public static gcs(options: GcsRepositoryOptions): SnapshotRepository {
    return new ObjectStoreRepository('gcs', options, (client) =>
      options.credentials
        ? [
            {
              ...keystoreString(
                `gcs.client.${client}.credentials_file`,
                options.credentials,
                'credentials',
                'Google service account key (JSON)',
              ),
              kind: 'file',
            },
          ]
        : [],
    );
  }

  /** An Azure Blob Storage container. */
  public static azure(options: AzureRepositoryOptions): SnapshotRepository {
    return new ObjectStoreRepository(
      'azure',
      { ...options, bucket: options.container },
      (client, scope, prop) => {
        if ((options.key === undefined) === (options.sasToken === undefined)) {
          invalidProp(
            scope,
            `${prop}.key`,
            options.key,
            options.key ? 'and sasToken are both set' : 'and sasToken are both missing',
            'give the account key or a SAS token, not both',
          );
        }
        return [
          keystoreString(
            `azure.client.${client}.account`,
            options.account,
            'account',
            'Azure storage account name',
          ),
          options.key
            ? keystoreString(
                `azure.client.${client}.key`,
                options.key,
                'key',
                'Azure storage account key',
              )
            : keystoreString(
                `azure.client.${client}.sas_token`,
                options.sasToken!,
                'sasToken',
                'Azure shared access signature',
              ),
        ];
      },
    );
  }

  /** A `ReadWriteMany` PersistentVolumeClaim every node mounts. */
  public static sharedFilesystem(options: SharedFilesystemRepositoryOptions): SnapshotRepository {
    return new SharedFilesystemRepository(options);
  }

  /** Validates the repository; `prop` prefixes error messages. */
  public abstract bind(
    scope: IConstruct,
    prop: string,
    context: SnapshotRepositoryContext,
  ): BoundSnapshotRepository;
}

/** A keystore string setting, with the prop its Secret reference came from (validated at bind). */
interface PendingSetting extends KeystoreSetting {
  readonly prop: string;
}

function keystoreString(
  setting: string,
  secret: SecretKeyRef,
  prop: string,
  purpose: string,
): PendingSetting {
  return { setting, secret, kind: 'string', prop, purpose };
}

// Elasticsearch's repository names: no upper case, none of the characters index names refuse.
const REPOSITORY_NAME = /^[a-z0-9][-a-z0-9_.]*$/;
// Bucket and container names: S3's and GCS's rules (3-222, lower case, digits, '-', '_', '.'),
// and Azure's (3-63, lower case, digits, '-') fit in it.
const BUCKET_NAME = /^[a-z0-9][-a-z0-9_.]{1,220}[a-z0-9]$/;
// A Kubernetes client setting name: what follows `s3.client.` in a setting key.
const CLIENT_NAME = /^[a-z0-9][-a-z0-9_]*$/;
const BASE_PATH = /^[^/\s][^\s]*[^/\s]$|^[^/\s]$/;
const ABSOLUTE_PATH = /^\/[-_.a-zA-Z0-9/]*[^/]$/;

function bindName(
  scope: IConstruct,
  prop: string,
  options: SnapshotRepositoryBaseOptions,
): { name: string; readonly: boolean } {
  const name = options.name ?? 'logs-snapshots';
  if (!REPOSITORY_NAME.test(name) || name.length > 100) {
    invalidProp(
      scope,
      `${prop}.name`,
      name,
      'is not a snapshot repository name',
      "use lower-case letters, digits, '-', '_' and '.', such as 'logs-snapshots'",
    );
  }
  return { name, readonly: options.readonly ?? false };
}

class ObjectStoreRepository extends SnapshotRepository {
  constructor(
    private readonly type: 's3' | 'gcs' | 'azure',
    private readonly options: SnapshotRepositoryBaseOptions & {
      readonly bucket: string;
      readonly basePath?: string;
      readonly client?: string;
    },
    private readonly settings: (
      client: string,
      scope: IConstruct,
      prop: string,
    ) => PendingSetting[],
  ) {
    super();
  }

  public bind(
    scope: IConstruct,
    prop: string,
    context: SnapshotRepositoryContext,
  ): BoundSnapshotRepository {
    const { name, readonly } = bindName(scope, prop, this.options);
    const bucketProp = this.type === 'azure' ? 'container' : 'bucket';
    const bucket = this.options.bucket;
    if (typeof bucket !== 'string' || !BUCKET_NAME.test(bucket)) {
      invalidProp(
        scope,
        `${prop}.${bucketProp}`,
        bucket,
        `is not a ${this.type === 'azure' ? 'container' : 'bucket'} name`,
        "use 3 to 222 lower-case letters, digits, '-', '_' or '.', such as 'acme-logs-snapshots'",
      );
    }
    const basePath = this.options.basePath ?? context.clusterName;
    if (!BASE_PATH.test(basePath)) {
      invalidProp(
        scope,
        `${prop}.basePath`,
        basePath,
        'must be a path inside the bucket, without a leading or trailing slash or spaces',
        "use a path such as 'elasticsearch/prod'",
      );
    }
    const client = this.options.client ?? 'default';
    if (!CLIENT_NAME.test(client)) {
      invalidProp(
        scope,
        `${prop}.client`,
        client,
        'is not a client name',
        "use lower-case letters, digits, '-' and '_', such as 'default'",
      );
    }
    const keystore = this.settings(client, scope, prop).map(({ prop: secretProp, ...setting }) => ({
      ...setting,
      secret: validateSecretRef(scope, `${prop}.${secretProp}`, setting.secret),
    }));
    return {
      name,
      type: this.type,
      readonly,
      body: {
        type: this.type,
        settings: {
          [bucketProp]: bucket,
          base_path: basePath,
          client,
          ...(readonly ? { readonly: true } : {}),
        },
      },
      keystore,
    };
  }
}

class SharedFilesystemRepository extends SnapshotRepository {
  constructor(private readonly options: SharedFilesystemRepositoryOptions) {
    super();
  }

  public bind(scope: IConstruct, prop: string): BoundSnapshotRepository {
    const { name, readonly } = bindName(scope, prop, this.options);
    const claimName = validateDnsLabel(scope, `${prop}.claimName`, this.options.claimName, 253);
    const mountPath = this.options.mountPath ?? DEFAULT_SNAPSHOT_MOUNT_PATH;
    if (!ABSOLUTE_PATH.test(mountPath) || mountPath.startsWith('/usr/share/elasticsearch/data')) {
      invalidProp(
        scope,
        `${prop}.mountPath`,
        mountPath,
        'must be an absolute path outside the data path, without a trailing slash',
        `use a path such as '${DEFAULT_SNAPSHOT_MOUNT_PATH}'`,
      );
    }
    return {
      name,
      type: 'fs',
      readonly,
      body: {
        type: 'fs',
        settings: { location: mountPath, ...(readonly ? { readonly: true } : {}) },
      },
      keystore: [],
      sharedFilesystem: { claimName, mountPath },
    };
  }
}

/** Where the keystore init container finds the config directory and the Secret files. */
export interface KeystoreScriptPaths {
  /** The image's config directory, copied first. */
  readonly configSource: string;
  /** The directory the node then uses as its config directory (an emptyDir in the pod). */
  readonly configTarget: string;
  /** The directory holding one file per setting, named after it. */
  readonly secretsDir: string;
}

/**
 * The shell script of the keystore init container: copies the image's config directory into
 * `configTarget` and builds `elasticsearch.keystore` there, one setting per Secret file. The
 * values go from file to keystore and are never in an argument, the environment or a manifest.
 * The image's entrypoint later adds `bootstrap.password` to the same keystore.
 */
export function renderKeystoreScript(
  settings: readonly KeystoreSetting[],
  paths: KeystoreScriptPaths,
): string {
  const lines = [
    'set -eu',
    `cp -R ${paths.configSource}/. ${paths.configTarget}/`,
    `export ES_PATH_CONF=${paths.configTarget}`,
    `rm -f ${paths.configTarget}/elasticsearch.keystore`,
    'elasticsearch-keystore create',
  ];
  for (const s of settings) {
    const file = `${paths.secretsDir}/${s.setting}`;
    lines.push(
      s.kind === 'file'
        ? `elasticsearch-keystore add-file ${s.setting} ${file}`
        : `elasticsearch-keystore add -x ${s.setting} < ${file}`,
    );
  }
  lines.push('elasticsearch-keystore list');
  return lines.join('\n') + '\n';
}
