/**
 * Typed `remote_write` of `prometheus.yml`: where Prometheus ships a copy of its samples
 * (a long-term store such as Thanos Receive, Mimir or VictoriaMetrics). Credentials come
 * from Secrets mounted as files (`*_file`), never from the manifest.
 */

import { durationToSeconds, validateDuration } from '../core/duration';
import { ErrorScope, invalidProp } from '../core/errors';
import { ExternalPeer, NetworkTarget } from '../core/network-flow';
import { validateInteger } from '../core/names';
import { BasicAuthSecretRef, SecretKeyRef, validateSecretRef } from '../core/secrets';
import { RelabelConfig, renderRelabelConfig } from './prometheus-config';

/**
 * The remote-write receivers, outside the stack's pods: where `networkPolicies.remoteWriteCidr`
 * says (every address by default). A receiver inside the cluster is better named by the
 * remote write's `networkTargets`.
 */
export const REMOTE_WRITE_PEER: ExternalPeer = {
  name: 'remote-write',
  address: { kind: 'cidr', option: 'remoteWriteCidr' },
};

/** OAuth 2.0 client credentials (`oauth2`): Prometheus fetches a token from `tokenUrl`. */
export interface RemoteWriteOAuth2 {
  /** `client_id`. */
  readonly clientId: string;
  /** The client secret, mounted as the file of `client_secret_file`. */
  readonly clientSecret: SecretKeyRef;
  /** `token_url`, http(s). It is reached through the same egress as the remote URL. */
  readonly tokenUrl: string;
  /** `scopes`. @default - none */
  readonly scopes?: string[];
}

/** `tls_config` of the connection to the receiver. */
export interface RemoteWriteTls {
  /** A CA certificate (PEM) to verify the receiver with, mounted as `ca_file`. @default - the system roots */
  readonly ca?: SecretKeyRef;
  /** `server_name`, when the certificate names another host than the URL. @default - the URL's host */
  readonly serverName?: string;
}

/**
 * `queue_config`: how samples are buffered and sent. Unset fields keep Prometheus' defaults
 * (capacity 10000, shards 1 to 50, 2000 samples per send, deadline 5s, backoff 30ms to 5s).
 */
export interface RemoteWriteQueue {
  /** `capacity`: samples buffered per shard. @default 10000 */
  readonly capacity?: number;
  /** `max_shards`. @default 50 */
  readonly maxShards?: number;
  /** `min_shards`, at most `maxShards`. @default 1 */
  readonly minShards?: number;
  /** `max_samples_per_send`, at most `capacity`. @default 2000 */
  readonly maxSamplesPerSend?: number;
  /** `batch_send_deadline`: longest wait for a batch to fill. @default '5s' */
  readonly batchSendDeadline?: string;
  /** `min_backoff`: first retry delay of a failed send. @default '30ms' */
  readonly minBackoff?: string;
  /** `max_backoff`, at least `minBackoff`. @default '5s' */
  readonly maxBackoff?: string;
}

/** One `remote_write` entry. At most one of `basicAuth`, `bearerToken` and `oauth2`. */
export interface RemoteWrite {
  /** `url`, http or https, without credentials in it. */
  readonly url: string;
  /**
   * `name`, unique among the remote writes: the `remote_name` label of the
   * `prometheus_remote_storage_*` metrics.
   * @default - a hash Prometheus derives from the entry
   */
  readonly name?: string;
  /** Basic auth: both keys mounted as files (`username_file`, `password_file`). @default - none */
  readonly basicAuth?: BasicAuthSecretRef;
  /** A bearer token, mounted as `authorization.credentials_file`. @default - none */
  readonly bearerToken?: SecretKeyRef;
  /** OAuth 2.0 client credentials. @default - none */
  readonly oauth2?: RemoteWriteOAuth2;
  /** @default - verify against the system roots */
  readonly tls?: RemoteWriteTls;
  /** `queue_config`. @default - Prometheus' defaults */
  readonly queue?: RemoteWriteQueue;
  /** `write_relabel_configs`: which series (and labels) leave. @default - every series */
  readonly writeRelabelConfigs?: RelabelConfig[];
  /**
   * `headers`, such as a tenant header (`X-Scope-OrgID`). Not for credentials: they would be in
   * the manifest; `Authorization` and the headers Prometheus reserves are refused.
   * @default - none
   */
  readonly headers?: Record<string, string>;
  /** `send_exemplars` (the server stores exemplars). @default false */
  readonly sendExemplars?: boolean;
  /**
   * Where the receiver is, for the stack's network policies (not rendered into
   * `prometheus.yml`), when it runs in the cluster.
   * @default - REMOTE_WRITE_PEER on the URL's port (and the OAuth 2.0 token URL's)
   */
  readonly networkTargets?: NetworkTarget[];
}

/** A Secret key a remote write reads, and the file name it is mounted as. */
export interface RemoteWriteSecretFile {
  readonly ref: SecretKeyRef;
  readonly file: string;
  /** For `externalSecrets`. */
  readonly purpose: string;
}

/** Headers Prometheus rejects in `headers` (config/config.go, reservedHeaders), lower case. */
const RESERVED_HEADERS = [
  'authorization',
  'host',
  'content-encoding',
  'content-length',
  'content-type',
  'user-agent',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'www-authenticate',
  'accept-encoding',
  'x-prometheus-remote-write-version',
  'x-prometheus-remote-read-version',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
];
/** An HTTP header name (a token of RFC 9110). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Checks an http(s) URL without credentials; returns the port it connects to. */
export function validateRemoteUrl(scope: ErrorScope, prop: string, value: string): number {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    invalidProp(
      scope,
      prop,
      value,
      'is not an http or https URL',
      "give the receiver's write endpoint, such as 'https://metrics.example.com/api/v1/write'",
    );
  }
  if (url.username || url.password) {
    invalidProp(
      scope,
      prop,
      value.replace(/\/\/[^@/]*@/, '//***@'),
      'carries credentials, which would be in the manifest',
      'remove them from the URL and use basicAuth (a Secret) instead',
    );
  }
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/**
 * Validates a remote write (`prop` is `remoteWrite[i]`): URL, one authentication, Secret
 * references, queue numbers and durations, headers. Returns the ports its egress needs.
 */
export function validateRemoteWrite(scope: ErrorScope, prop: string, rw: RemoteWrite): number[] {
  const ports = new Set([validateRemoteUrl(scope, `${prop}.url`, rw.url)]);
  if (rw.name !== undefined && !/^[-_.a-zA-Z0-9]+$/.test(rw.name)) {
    invalidProp(
      scope,
      `${prop}.name`,
      rw.name,
      'must be a non-empty name of letters, digits, -, _ and .',
      "name it after the receiver, such as 'long-term'",
    );
  }
  const auths = (['basicAuth', 'bearerToken', 'oauth2'] as const).filter((a) => rw[a]);
  if (auths.length > 1) {
    invalidProp(
      scope,
      prop,
      auths,
      'sets more than one authentication',
      'keep one of basicAuth, bearerToken and oauth2',
    );
  }
  if (rw.basicAuth) {
    const { secretName, usernameKey, passwordKey } = rw.basicAuth;
    validateSecretRef(scope, `${prop}.basicAuth`, {
      name: secretName,
      key: usernameKey ?? 'username',
    });
    validateSecretRef(scope, `${prop}.basicAuth`, {
      name: secretName,
      key: passwordKey ?? 'password',
    });
  }
  if (rw.bearerToken) validateSecretRef(scope, `${prop}.bearerToken`, rw.bearerToken);
  if (rw.oauth2) {
    if (!rw.oauth2.clientId)
      invalidProp(
        scope,
        `${prop}.oauth2.clientId`,
        rw.oauth2.clientId,
        'must not be empty',
        "give the OAuth 2.0 client's id",
      );
    validateSecretRef(scope, `${prop}.oauth2.clientSecret`, rw.oauth2.clientSecret);
    ports.add(validateRemoteUrl(scope, `${prop}.oauth2.tokenUrl`, rw.oauth2.tokenUrl));
  }
  if (rw.tls?.ca) validateSecretRef(scope, `${prop}.tls.ca`, rw.tls.ca);
  if (rw.queue) validateQueue(scope, `${prop}.queue`, rw.queue);
  for (const [name, value] of Object.entries(rw.headers ?? {})) {
    if (!HEADER_NAME.test(name)) {
      invalidProp(
        scope,
        `${prop}.headers`,
        name,
        'is not an HTTP header name',
        'use letters, digits and - (such as X-Scope-OrgID)',
      );
    }
    if (RESERVED_HEADERS.includes(name.toLowerCase())) {
      invalidProp(
        scope,
        `${prop}.headers`,
        name,
        'is a header Prometheus sets itself or refuses',
        'authenticate with basicAuth, bearerToken or oauth2, and leave the protocol headers out',
      );
    }
    if (typeof value !== 'string' || /[\r\n]/.test(value)) {
      invalidProp(
        scope,
        `${prop}.headers.${name}`,
        value,
        'must be a single-line string',
        'give the header value on one line',
      );
    }
  }
  return [...ports];
}

function validateQueue(scope: ErrorScope, prop: string, q: RemoteWriteQueue): void {
  const positive = (field: keyof RemoteWriteQueue) => {
    const value = q[field];
    if (value !== undefined) validateInteger(scope, `${prop}.${field}`, value as number, 1);
  };
  (['capacity', 'maxShards', 'minShards', 'maxSamplesPerSend'] as const).forEach(positive);
  for (const field of ['batchSendDeadline', 'minBackoff', 'maxBackoff'] as const) {
    const value = q[field];
    if (value !== undefined) validateDuration(scope, `${prop}.${field}`, value);
  }
  const minShards = q.minShards ?? 1;
  const maxShards = q.maxShards ?? 50;
  if (minShards > maxShards) {
    invalidProp(
      scope,
      `${prop}.minShards`,
      minShards,
      `is more than maxShards (${maxShards})`,
      'set minShards at most maxShards',
    );
  }
  const capacity = q.capacity ?? 10000;
  const perSend = q.maxSamplesPerSend ?? 2000;
  if (perSend > capacity) {
    invalidProp(
      scope,
      `${prop}.maxSamplesPerSend`,
      perSend,
      `is more than capacity (${capacity}): a batch could never fill`,
      'set maxSamplesPerSend at most capacity (Prometheus advises a capacity of 3 to 10 batches)',
    );
  }
  const minBackoff = durationToSeconds(q.minBackoff ?? '30ms');
  const maxBackoff = durationToSeconds(q.maxBackoff ?? '5s');
  if (minBackoff > maxBackoff) {
    invalidProp(
      scope,
      `${prop}.minBackoff`,
      q.minBackoff ?? '30ms',
      `is longer than maxBackoff (${q.maxBackoff ?? '5s'})`,
      'set minBackoff at most maxBackoff',
    );
  }
}

/** The Secret keys remote write `index` reads, each with the file name it is mounted as. */
export function remoteWriteSecretFiles(index: number, rw: RemoteWrite): RemoteWriteSecretFile[] {
  const base = `remote-write-${index}`;
  const what = `Prometheus remote write to ${rw.url}`;
  const files: RemoteWriteSecretFile[] = [];
  if (rw.basicAuth) {
    const name = rw.basicAuth.secretName;
    const username = { name, key: rw.basicAuth.usernameKey ?? 'username' };
    const password = { name, key: rw.basicAuth.passwordKey ?? 'password' };
    files.push({ ref: username, file: `${base}-username`, purpose: `${what}: username` });
    files.push({ ref: password, file: `${base}-password`, purpose: `${what}: password` });
  }
  if (rw.bearerToken)
    files.push({ ref: rw.bearerToken, file: `${base}-token`, purpose: `${what}: bearer token` });
  if (rw.oauth2)
    files.push({
      ref: rw.oauth2.clientSecret,
      file: `${base}-client-secret`,
      purpose: `${what}: OAuth 2.0 client secret`,
    });
  if (rw.tls?.ca) files.push({ ref: rw.tls.ca, file: `${base}-ca.crt`, purpose: `${what}: CA` });
  return files;
}

/**
 * Renders one `remote_write` entry; `paths` maps the file names of
 * {@link remoteWriteSecretFiles} to where they are mounted.
 */
export function renderRemoteWrite(
  index: number,
  rw: RemoteWrite,
  paths: Record<string, string>,
): Record<string, unknown> {
  const file = (suffix: string) => {
    const name = `remote-write-${index}-${suffix}`;
    const at = paths[name];
    if (at === undefined) throw new Error(`remote write ${index}: no mount for ${name}`);
    return at;
  };
  const q = rw.queue;
  const queue = q
    ? omitUndefined({
        capacity: q.capacity,
        max_shards: q.maxShards,
        min_shards: q.minShards,
        max_samples_per_send: q.maxSamplesPerSend,
        batch_send_deadline: q.batchSendDeadline,
        min_backoff: q.minBackoff,
        max_backoff: q.maxBackoff,
      })
    : undefined;
  const tls = rw.tls
    ? omitUndefined({
        ca_file: rw.tls.ca ? file('ca.crt') : undefined,
        server_name: rw.tls.serverName,
      })
    : undefined;
  return omitUndefined({
    url: rw.url,
    name: rw.name,
    headers: rw.headers && Object.keys(rw.headers).length > 0 ? { ...rw.headers } : undefined,
    basic_auth: rw.basicAuth
      ? { username_file: file('username'), password_file: file('password') }
      : undefined,
    authorization: rw.bearerToken ? { type: 'Bearer', credentials_file: file('token') } : undefined,
    oauth2: rw.oauth2
      ? omitUndefined({
          client_id: rw.oauth2.clientId,
          client_secret_file: file('client-secret'),
          token_url: rw.oauth2.tokenUrl,
          scopes: rw.oauth2.scopes && rw.oauth2.scopes.length > 0 ? rw.oauth2.scopes : undefined,
        })
      : undefined,
    tls_config: tls && Object.keys(tls).length > 0 ? tls : undefined,
    queue_config: queue && Object.keys(queue).length > 0 ? queue : undefined,
    write_relabel_configs:
      rw.writeRelabelConfigs && rw.writeRelabelConfigs.length > 0
        ? rw.writeRelabelConfigs.map(renderRelabelConfig)
        : undefined,
    send_exemplars: rw.sendExemplars || undefined,
  });
}

function omitUndefined(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) if (value !== undefined) out[key] = value;
  return out;
}
