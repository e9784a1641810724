import { Construct } from 'constructs';
import { renderJson } from '../core/config';
import { invalidProp } from '../core/errors';
import {
  basicAuthKeys,
  BasicAuthSecretRef,
  SecretFile,
  SecretKeyRef,
  validateSecretRef,
} from '../core/secrets';
import { SetupStep } from '../core/setup-script';
import { ElasticsearchJob, ElasticsearchJobProps } from './elasticsearch-job';

/** What a role may do on some indices. */
export interface ElasticsearchIndexPrivileges {
  /** Index, alias and data stream names or patterns, e.g. `logs-*`. */
  readonly names: string[];
  /** Index privileges, e.g. `create_doc`, `read`. */
  readonly privileges: string[];
}

/** What one client may do: the role the users Job creates for it. */
export interface ElasticsearchPrivileges {
  /** Cluster privileges, e.g. `monitor`. @default - none */
  readonly cluster?: string[];
  /** @default - none */
  readonly indices?: ElasticsearchIndexPrivileges[];
}

/**
 * A client of the cluster with a user of its own. {@link ElasticsearchUsers} creates the role
 * `role` with `privileges`, and the user that the client logs in as, with the name and
 * password of its `credentials` Secret (the Secret the client reads), holding that role and
 * any `builtInRoles`.
 */
export interface ElasticsearchUser {
  /** The role's name, e.g. `logstash-writer`: lower-case letters, digits and `-`. */
  readonly role: string;
  /** What the role grants: the least the client needs. */
  readonly privileges: ElasticsearchPrivileges;
  /** Elasticsearch's own roles the user also holds, e.g. `kibana_admin`. @default - none */
  readonly builtInRoles?: string[];
  /** The Secret with the user's name and password, which the client reads. */
  readonly credentials: BasicAuthSecretRef;
  /**
   * The client's namespace, where its Secret is. The Job reads the Secret in its own
   * namespace, so a client elsewhere needs a copy there (the list of Secrets says so).
   */
  readonly namespace: string;
  /** Who logs in as the user, e.g. `Logstash 'logstash'`. */
  readonly client: string;
}

/**
 * The privileges in words, e.g. `cluster privilege monitor; index privileges create_doc,
 * auto_configure on logs-*`.
 */
export function describePrivileges(privileges: ElasticsearchPrivileges): string {
  const words = (kind: string, names: string[]) =>
    `${kind} privilege${names.length > 1 ? 's' : ''} ${names.join(', ')}`;
  return [
    ...(privileges.cluster?.length ? [words('cluster', privileges.cluster)] : []),
    ...(privileges.indices ?? []).map(
      (i) => `${words('index', i.privileges)} on ${i.names.join(', ')}`,
    ),
  ].join('; ');
}

/** Props of {@link ElasticsearchUsers}. A `credentials` user needs `manage_security`. */
export interface ElasticsearchUsersProps extends ElasticsearchJobProps {
  /**
   * The clients' users, each with a role of its own: the Job creates each role, then each user
   * with the name and password its Secret holds. Role names and Secrets each once.
   */
  readonly users: readonly ElasticsearchUser[];
  /**
   * The password the Job gives the built-in `kibana_system` user, which Kibana connects as.
   * @default - the Job leaves `kibana_system` alone
   */
  readonly kibanaSystemPassword?: SecretKeyRef;
}

/** The ConfigMap key of a role body. */
export function roleFileName(role: string): string {
  return `role.${role}.json`;
}

/** The ConfigMap key of the body (all but the password) of a role's user. */
export function userFileName(role: string): string {
  return `user.${role}.json`;
}

const ROLE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PRIVILEGE = /^[a-z][a-z_:/*]*$/;
const BUILT_IN_ROLE = /^[a-z][a-z0-9_]*$/;

/**
 * A Job that creates the role and user of every client of the cluster (each with least
 * privilege), and sets the `kibana_system` password, from the Secrets the clients read: no
 * user is made by hand. Each role and user is replaced (`PUT`), so every run converges and
 * running it again is harmless. Passwords travel from their mounted Secret files to the
 * request body only. A `credentials` user needs the `manage_security` cluster privilege.
 *
 * Users whose names change in their Secret are not removed; a changed password is applied
 * when the Job runs again (its name is a hash of its spec, so delete it to run it again).
 */
export class ElasticsearchUsers extends ElasticsearchJob {
  /** The users the Job creates, in order. */
  public readonly users: readonly ElasticsearchUser[];
  /** Whether the Job sets the `kibana_system` password. */
  public readonly setsKibanaSystemPassword: boolean;

  constructor(scope: Construct, id: string, props: ElasticsearchUsersProps) {
    super(scope, id, props);
    if (!props.elasticsearch.securityEnabled) {
      invalidProp(
        this,
        'elasticsearch',
        props.elasticsearch.clusterName,
        'has security off: it has no users to create',
        'turn security on in the cluster, or leave ElasticsearchUsers out',
      );
    }
    this.users = this.validateUsers(props.users);
    this.setsKibanaSystemPassword = props.kibanaSystemPassword !== undefined;

    const files: Record<string, string> = {};
    const steps: SetupStep[] = [];
    const secrets: SecretFile[] = [];
    for (const user of this.users) {
      files[roleFileName(user.role)] = renderJson({
        cluster: user.privileges.cluster ?? [],
        indices: user.privileges.indices ?? [],
      });
      steps.push({
        kind: 'request',
        description: `PUT _security/role/${user.role}`,
        method: 'PUT',
        path: `/_security/role/${user.role}`,
        file: roleFileName(user.role),
      });
    }
    // Users after every role: a user names its roles.
    this.users.forEach((user, i) => {
      const keys = basicAuthKeys(this, `users[${i}].credentials`, user.credentials);
      const copy =
        user.namespace === this.namespace ? '' : `copy (from namespace ${user.namespace}) of the `;
      this.recordExternalSecret({
        name: user.credentials.secretName,
        keys: [keys.username.key, keys.password.key],
        purpose: `${copy}Elasticsearch user ${user.client} logs in as (${describePrivileges(user.privileges)}), which the '${this.name}' Job creates`,
      });
      secrets.push(
        { ref: keys.username, file: `${user.role}-username` },
        { ref: keys.password, file: `${user.role}-password` },
      );
      files[userFileName(user.role)] = renderJson({
        roles: [user.role, ...(user.builtInRoles ?? [])],
        full_name: user.client,
        metadata: { managed_by: this.name },
      });
      steps.push({
        kind: 'secret-request',
        description: `PUT _security/user for ${user.client} (role ${user.role})`,
        method: 'PUT',
        path: '/_security/user/',
        nameSecret: `${user.role}-username`,
        secret: `${user.role}-password`,
        field: 'password',
        file: userFileName(user.role),
      });
    });
    if (props.kibanaSystemPassword) {
      const ref = validateSecretRef(this, 'kibanaSystemPassword', props.kibanaSystemPassword);
      this.recordExternalSecret({
        name: ref.name,
        keys: [ref.key],
        purpose: `password of the built-in kibana_system user that Kibana connects as, which the '${this.name}' Job sets`,
      });
      secrets.push({ ref, file: 'kibana-system-password' });
      steps.push({
        kind: 'secret-request',
        description: 'POST _security/user/kibana_system/_password',
        method: 'POST',
        path: '/_security/user/kibana_system/_password',
        secret: 'kibana-system-password',
        field: 'password',
      });
    }
    if (steps.length === 0) {
      invalidProp(
        this,
        'users',
        [],
        'is empty and kibanaSystemPassword is unset: the Job would do nothing',
        'give at least one user, or leave ElasticsearchUsers out',
      );
    }
    this.addElasticsearchJob(props, {
      does: 'creates the roles and users of the clients',
      privileges: 'manage_security',
      steps,
      files,
      secrets,
    });
  }

  private validateUsers(users: readonly ElasticsearchUser[]): readonly ElasticsearchUser[] {
    const roles = new Set<string>();
    const secretNames = new Set<string>();
    users.forEach((user, i) => {
      const prop = `users[${i}]`;
      if (!ROLE.test(user.role) || user.role.length > 63) {
        invalidProp(
          this,
          `${prop}.role`,
          user.role,
          'is not a role name of lower-case letters, digits and "-" (at most 63)',
          "name the role after its client, e.g. 'logstash-writer'",
        );
      }
      if (roles.has(user.role)) {
        invalidProp(
          this,
          `${prop}.role`,
          user.role,
          'is the role of an earlier user too',
          'give each user a role of its own',
        );
      }
      roles.add(user.role);
      if (secretNames.has(user.credentials.secretName)) {
        invalidProp(
          this,
          `${prop}.credentials.secretName`,
          user.credentials.secretName,
          'is the Secret of an earlier user too: two clients would share one user',
          'give each client a Secret of its own',
        );
      }
      secretNames.add(user.credentials.secretName);
      const privileges = [
        ...(user.privileges.cluster ?? []),
        ...(user.privileges.indices ?? []).flatMap((i) => i.privileges),
      ];
      for (const privilege of privileges) {
        if (!PRIVILEGE.test(privilege)) {
          invalidProp(
            this,
            `${prop}.privileges`,
            privilege,
            'is not a privilege name',
            "use Elasticsearch's privilege names, such as 'monitor' or 'create_doc'",
          );
        }
      }
      for (const indices of user.privileges.indices ?? []) {
        if (indices.names.length === 0 || indices.privileges.length === 0) {
          invalidProp(
            this,
            `${prop}.privileges.indices`,
            indices,
            'grants nothing: names and privileges must both be non-empty',
            'list the indices and what the client may do on them',
          );
        }
      }
      if (privileges.length === 0 && !(user.builtInRoles ?? []).length) {
        invalidProp(
          this,
          `${prop}.privileges`,
          user.privileges,
          'grants nothing',
          'give the cluster and index privileges the client needs',
        );
      }
      for (const role of user.builtInRoles ?? []) {
        if (!BUILT_IN_ROLE.test(role)) {
          invalidProp(
            this,
            `${prop}.builtInRoles`,
            role,
            'is not a built-in role name',
            "use Elasticsearch's role names, such as 'kibana_admin'",
          );
        }
      }
    });
    return users;
  }
}

/**
 * What a writer of log events needs: to append documents to the `logs-*` data streams
 * (creating a stream from its template on the first event), and `monitor` for the version
 * and licence checks a client makes when it connects. It cannot read, update or delete.
 */
export const LOG_WRITER_PRIVILEGES: ElasticsearchPrivileges = {
  cluster: ['monitor'],
  indices: [{ names: ['logs-*'], privileges: ['create_doc', 'auto_configure'] }],
};
