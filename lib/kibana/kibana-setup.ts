import { Construct } from 'constructs';
import { Images } from '../core/images';
import { renderJson } from '../core/config';
import { BasicAuthSecretRef } from '../core/secrets';
import { SetupJob, SetupJobProps } from '../core/setup-job';
import { SetupBody, SetupResponseCheck, SetupStep } from '../core/setup-script';
import { describePrivileges, ElasticsearchUser } from '../elasticsearch/elasticsearch-users';
import { Kibana } from './kibana';
import {
  KibanaAlertRuleOptions,
  kibanaAlertRules,
  ResolvedKibanaAlertRuleOptions,
  resolveKibanaAlertRuleOptions,
} from './kibana-alert-rules';
import { renderNdjson } from './kibana-ndjson';
import {
  KibanaContentOptions,
  kibanaSavedObjects,
  ResolvedKibanaContentOptions,
  resolveKibanaContentOptions,
} from './kibana-saved-objects';

export interface KibanaSetupProps extends SetupJobProps {
  /** The Kibana to provision. */
  readonly kibana: Kibana;
  /**
   * An Elasticsearch user with the `kibana_admin` role and `read` and
   * `view_index_metadata` on `logs-*` (the alert rules run with the privileges of the
   * user that saved them). Used only when the cluster has security on.
   * @default { secretName: '<name>-credentials' } with keys `username` and `password`
   */
  readonly credentials?: BasicAuthSecretRef;
  /** The data view, saved searches and dashboards. @default - see KibanaContentOptions */
  readonly content?: KibanaContentOptions;
  /** The two log alert rules. @default - see KibanaAlertRuleOptions */
  readonly alertRules?: KibanaAlertRuleOptions;
}

/** The ConfigMap key of the saved objects export. */
export const SAVED_OBJECTS_FILE = 'saved-objects.ndjson';

/**
 * Kibana's saved objects import answers HTTP 200 even when objects fail to import: `success`
 * is then false, `successCount` counts what was imported, and `errors` lists each failed
 * object by `id`, `type`, `meta.title` (7.x also put `title` at the top) and `error.type`:
 * `conflict`, `ambiguous_conflict`, `unsupported_type`, `missing_references` (the missing
 * ones in `error.references`, each a `type` and `id`) or `unknown` (with `error.message`).
 * Sources: the import objects API's response body
 * (https://www.elastic.co/docs/api/doc/kibana/v8/operation/operation-importsavedobjectsdefault,
 * https://www.elastic.co/guide/en/kibana/current/saved-objects-api-import.html) and
 * `SavedObjectsImportFailure` in Kibana's
 * packages/core/saved-objects/core-saved-objects-common/src/saved_objects_imports.ts.
 */
const SAVED_OBJECTS_IMPORT_CHECK: SetupResponseCheck = {
  trueField: 'success',
  failures: {
    field: 'errors',
    show: [
      'type',
      'id',
      'title',
      'meta.title',
      'error.type',
      'error.references.type',
      'error.references.id',
      'error.message',
    ],
  },
};

/** The ConfigMap key of an alert rule body (`create` or `update`). */
export function ruleFileName(id: string, operation: 'create' | 'update'): string {
  return `rule.${id}.${operation}.json`;
}

/**
 * A Job that provisions Kibana once it reports available: it imports the `logs-*` data
 * view, the saved searches and the dashboards with `overwrite=true`, then creates or
 * updates the log alert rules by their stable ids. Every object has a fixed id, so a
 * second run replaces what the first created instead of adding copies.
 */
export class KibanaSetup extends SetupJob {
  public readonly content: ResolvedKibanaContentOptions;
  public readonly alertRules: ResolvedKibanaAlertRuleOptions;
  /** The ids of the saved objects the Job imports, dependencies first. */
  public readonly savedObjectIds: string[];
  /** The ids of the alert rules the Job creates or updates. */
  public readonly ruleIds: string[];
  /**
   * The user the Job provisions Kibana as, which `ElasticsearchUsers` creates: Kibana's
   * `kibana_admin` role, and `read` on the logs, since the alert rules run with the privileges of
   * the user that saved them. Undefined when Kibana's cluster has security off.
   */
  public readonly elasticsearchUser?: ElasticsearchUser;

  constructor(scope: Construct, id: string, props: KibanaSetupProps) {
    super(scope, id, props, 'kibana', Images.kibana);
    this.content = resolveKibanaContentOptions(this, props.content, 'content');
    this.alertRules = resolveKibanaAlertRuleOptions(this, props.alertRules, 'alertRules');
    const kibana = props.kibana;
    this.elasticsearchUser = kibana.securityEnabled
      ? {
          role: this.name,
          client: `the '${this.name}' Job`,
          privileges: {
            indices: [{ names: ['logs-*'], privileges: ['read', 'view_index_metadata'] }],
          },
          builtInRoles: ['kibana_admin'],
          credentials: props.credentials ?? { secretName: `${this.name}-credentials` },
          namespace: this.namespace,
        }
      : undefined;

    const objects = kibanaSavedObjects(this.content);
    const rules = kibanaAlertRules(this.alertRules);
    this.savedObjectIds = objects.map((o) => o.id);
    this.ruleIds = rules.map((r) => r.id);

    const files: Record<string, string> = { [SAVED_OBJECTS_FILE]: renderNdjson(objects) };
    const steps: SetupStep[] = [
      {
        kind: 'request',
        description: `import ${objects.length} saved objects`,
        method: 'POST',
        path: '/api/saved_objects/_import?overwrite=true',
        file: SAVED_OBJECTS_FILE,
        bodyAs: SetupBody.UPLOAD,
        check: SAVED_OBJECTS_IMPORT_CHECK,
      },
    ];
    for (const rule of rules) {
      files[ruleFileName(rule.id, 'create')] = renderJson(rule.create);
      files[ruleFileName(rule.id, 'update')] = renderJson(rule.update);
      steps.push({
        kind: 'upsert',
        description: `alert rule ${rule.id}`,
        path: `/api/alerting/rule/${rule.id}`,
        createFile: ruleFileName(rule.id, 'create'),
        updateFile: ruleFileName(rule.id, 'update'),
      });
    }

    this.connectTo('setup', kibana.endpoint, 'imports saved objects and alert rules');
    this.addSetupJob(props, {
      target: 'Kibana',
      url: kibana.endpoint.url,
      credentials: this.elasticsearchUser
        ? this.basicAuthRefs(
            'credentials',
            this.elasticsearchUser.credentials,
            `Elasticsearch user (kibana_admin; ${describePrivileges(this.elasticsearchUser.privileges)}) the '${this.name}' Job provisions Kibana with`,
          )
        : undefined,
      // Every Kibana API refuses a write without this header (CSRF protection).
      headers: ['kbn-xsrf: true'],
      waitFor: {
        kind: 'request',
        description: 'waiting for Kibana to report available',
        method: 'GET',
        path: '/api/status',
      },
      steps,
      files,
    });
  }
}
