import { IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { invalidProp } from './errors';
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
export function validateSecretRef(scope: IConstruct, prop: string, ref: SecretKeyRef): SecretKeyRef {
  validateDnsLabel(scope, `${prop}.name`, ref.name, 253);
  if (!ref.key || !/^[-._a-zA-Z0-9]+$/.test(ref.key)) {
    invalidProp(scope, `${prop}.key`, ref.key, 'must name a key of the Secret',
      "give the key that holds the value, for example { name: 'grafana-admin', key: 'password' }");
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
export function basicAuthKeys(scope: IConstruct, prop: string, ref: BasicAuthSecretRef): { username: SecretKeyRef; password: SecretKeyRef } {
  return {
    username: validateSecretRef(scope, prop, { name: ref.secretName, key: ref.usernameKey ?? 'username' }),
    password: validateSecretRef(scope, prop, { name: ref.secretName, key: ref.passwordKey ?? 'password' }),
  };
}
