import { IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { ErrorScope, invalidProp } from './errors';
import { validateDnsLabel } from './names';

/**
 * A reference to one key of a Secret that already exists in the namespace.
 * Props never carry secret values, only these references.
 */
export interface SecretKeyRef {
  /** Name of the Secret. */
  readonly name: string;
  /** Key inside the Secret. */
  readonly key: string;
}

/** Validates a Secret reference: a valid object name and a non-empty key. */
export function validateSecretRef(
  scope: ErrorScope,
  prop: string,
  ref: SecretKeyRef,
): SecretKeyRef {
  validateDnsLabel(scope, `${prop}.name`, ref.name, 253);
  if (!ref.key || !/^[-._a-zA-Z0-9]+$/.test(ref.key)) {
    invalidProp(
      scope,
      `${prop}.key`,
      ref.key,
      'must name a key of the Secret',
      "give the key that holds the value, for example { name: 'grafana-admin', key: 'password' }",
    );
  }
  return ref;
}

/** An environment variable read from a Secret key. */
export function envFromSecret(name: string, ref: SecretKeyRef): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}

/**
 * A Secret the stack expects but does not create: its name, keys and purpose.
 * Constructs list theirs in `externalSecrets` so that docs and checks can name them.
 */
export interface ExternalSecret {
  readonly name: string;
  readonly keys: string[];
  readonly purpose: string;
}

/** A username and password kept in one Secret. */
export interface BasicAuthSecretRef {
  /** Name of the Secret. */
  readonly secretName: string;
  /** @default 'username' */
  readonly usernameKey?: string;
  /** @default 'password' */
  readonly passwordKey?: string;
}

/** The two key references of a {@link BasicAuthSecretRef}, validated. */
export function basicAuthKeys(
  scope: IConstruct,
  prop: string,
  ref: BasicAuthSecretRef,
): { username: SecretKeyRef; password: SecretKeyRef } {
  return {
    username: validateSecretRef(scope, prop, {
      name: ref.secretName,
      key: ref.usernameKey ?? 'username',
    }),
    password: validateSecretRef(scope, prop, {
      name: ref.secretName,
      key: ref.passwordKey ?? 'password',
    }),
  };
}

/** One Secret key to mount as a file: `file` is its name inside the mounted directory. */
export interface SecretFile {
  readonly ref: SecretKeyRef;
  readonly file: string;
}

/** A projected volume of Secret keys, its read-only mount, and the path of each file. */
export interface SecretFilesMount {
  readonly volume: k8s.Volume;
  readonly volumeMount: k8s.VolumeMount;
  /** The path of each file, by its `file` name. */
  readonly paths: Record<string, string>;
}

/**
 * Mounts Secret keys as files in one directory (a projected volume, read-only), for programs
 * that read a credential from a file instead of the environment. Mode 0440: the files belong
 * to root and to the pod's fsGroup, which the kubelet sets on the volume, so only the pod's
 * own user (a member of that group) reads them.
 */
export function secretFilesMount(
  volumeName: string,
  directory: string,
  files: readonly SecretFile[],
): SecretFilesMount {
  if (files.length === 0) throw new Error(`secret volume ${volumeName} has no files`);
  const paths: Record<string, string> = {};
  // One source per Secret, its keys in the order given.
  const bySecret = new Map<string, k8s.KeyToPath[]>();
  for (const { ref, file } of files) {
    if (paths[file] !== undefined)
      throw new Error(`secret volume ${volumeName} has two files named ${file}`);
    paths[file] = `${directory}/${file}`;
    if (!bySecret.has(ref.name)) bySecret.set(ref.name, []);
    bySecret.get(ref.name)!.push({ key: ref.key, path: file });
  }
  return {
    volume: {
      name: volumeName,
      projected: {
        defaultMode: 0o440,
        sources: [...bySecret].map(([name, items]) => ({ secret: { name, items } })),
      },
    },
    volumeMount: { name: volumeName, mountPath: directory, readOnly: true },
    paths,
  };
}
