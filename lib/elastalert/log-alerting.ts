import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { IAlertmanager } from '../alertmanager/alertmanager-reference';
import { Component, ComponentProps } from '../core/component';
import { configChecksum, renderYaml } from '../core/config';
import { invalidProp } from '../core/errors';
import { Images } from '../core/images';
import { httpProbe } from '../core/probes';
import { ContainerResources } from '../core/resources';
import { BasicAuthSecretRef } from '../core/secrets';
import { addWorkload, renderContainer, scrapeAnnotations } from '../core/workload';
import {
  elasticsearchCaMount,
  IElasticsearchCluster,
} from '../elasticsearch/elasticsearch-reference';
import {
  describePrivileges,
  ElasticsearchPrivileges,
  ElasticsearchUser,
} from '../elasticsearch/elasticsearch-users';
import {
  KibanaAlertRuleOptions,
  ResolvedKibanaAlertRuleOptions,
  resolveKibanaAlertRuleOptions,
} from '../kibana/kibana-alert-rules';
import { LOGS_INDEX_PATTERN } from '../kibana/kibana-data-view';
import { DEFAULT_RUNBOOK_BASE_URL } from '../prometheus/alert-rules';
import {
  logAlertRuleFile,
  LogAlertSpec,
  logAlertSpecs,
  renderElastAlertConfig,
  renderElastAlertRule,
} from './log-alert-rules';

export interface LogAlertingProps extends ComponentProps {
  /** The cluster whose logs the rules search, and where ElastAlert keeps its state. */
  readonly elasticsearch: IElasticsearchCluster;
  /** Where the alerts go: the same Alertmanager, and so the same routing, as the metric alerts. */
  readonly alertmanager: IAlertmanager;
  /**
   * The two log alert rules: the options of the Kibana rules (`KibanaSetup`'s `alertRules`), so
   * that both read the same thresholds and windows.
   * @default - see KibanaAlertRuleOptions
   */
  readonly rules?: KibanaAlertRuleOptions;
  /**
   * Labels every alert carries, as Prometheus' external labels do for the metric alerts (the
   * stack sets `env` and `region`). `alertname`, `severity`, `service`, `namespace` and
   * `elastalert_rule` are set per alert and may not be given.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Base of every alert's `runbook_url` annotation; the alert name and `.md` are appended.
   * @default DEFAULT_RUNBOOK_BASE_URL
   */
  readonly runbookBaseUrl?: string;
  /**
   * Username and password ElastAlert searches the logs and keeps its state with; used only when
   * the cluster has security on. The user needs `read` on `logs-*` and, on the writeback
   * indices (`<writebackIndex>` and `<writebackIndex>_*`), `create_index`, `read`,
   * `view_index_metadata` and `write`.
   * @default { secretName: '<name>-credentials' } with keys `username` and `password`
   */
  readonly credentials?: BasicAuthSecretRef;
  /**
   * ElastAlert's own index (and its `_status`, `_silence`, `_error`, `_past` siblings): what each
   * rule has searched up to, the alerts it sent and the silences, so that a restart neither
   * repeats nor misses an alert.
   * @default 'elastalert'
   */
  readonly writebackIndex?: string;
  /**
   * ElastAlert's peak resident memory in the tools test, with both rules and their hits, is about
   * 70 MiB (`test/tools/log-alerts.tools.test.ts` holds it under the request).
   * @default { cpuRequest: '50m', memoryRequest: '96Mi', memoryLimit: '256Mi' }
   */
  readonly resources?: ContainerResources;
}

/** ElastAlert's metrics port (`--prometheus_port`), also its probes' port. */
export const LOG_ALERTING_METRICS_PORT = 9979;
const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '50m',
  memoryRequest: '96Mi',
  memoryLimit: '256Mi',
};
/**
 * `nobody`: the image's own user `elastalert` (1000) owns no file in it (everything ElastAlert
 * reads is root-owned and world-readable, and it writes nothing), so a high UID costs nothing.
 */
const UID = 65534;
const HOME = '/opt/elastalert';
const CONFIG_FILE = `${HOME}/config.yaml`;
const RULES_DIR = `${HOME}/rules`;
const CA_DIR = `${HOME}/ca`;
const CONFIG_KEY = 'config.yaml';
/** Labels the alerter sets itself, or the rules set per alert. */
const RESERVED_LABELS = ['alertname', 'severity', 'service', 'namespace', 'elastalert_rule'];

/**
 * The log alerts, delivered like the metric alerts: ElastAlert 2 (one replica: two would send
 * every alert twice and race on the writeback index) runs one rule per log alert rule over
 * `logs-*` and posts what fires to Alertmanager's API v2, with `severity`, the log's `service`
 * and `namespace`, `summary`, `description` and `runbook_url`, so Alertmanager routes, groups,
 * inhibits and silences them with the rest. Needed on Kibana's free licence, whose rules have no
 * connector that reaches on-call.
 */
export class LogAlerting extends Component {
  /** The rule options after defaults, shared with the Kibana rules. */
  public readonly rules: ResolvedKibanaAlertRuleOptions;
  /** The log alerts, with their labels, text and runbooks. */
  public readonly alerts: readonly LogAlertSpec[];
  public readonly writebackIndex: string;
  public readonly runbookBaseUrl: string;
  /** The ConfigMap with config.yaml and the rule files. */
  public readonly configMapName: string;
  /** The credentials Secret; undefined when the cluster has no security. */
  public readonly credentials?: BasicAuthSecretRef;
  /** The user ElastAlert logs in as, which `ElasticsearchUsers` creates; undefined without security. */
  public readonly elasticsearchUser?: ElasticsearchUser;
  public readonly metricsPort = LOG_ALERTING_METRICS_PORT;

  constructor(scope: Construct, id: string, props: LogAlertingProps) {
    super(scope, id, props, 'elastalert', Images.elastalert);
    const es = props.elasticsearch;
    this.rules = resolveKibanaAlertRuleOptions(this, props.rules, 'rules');
    this.alerts = logAlertSpecs(this.rules);
    this.writebackIndex = this.validateWritebackIndex(props.writebackIndex ?? 'elastalert');
    this.runbookBaseUrl = this.validateRunbookBaseUrl(
      props.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL,
    );
    const labels = this.validateLabels(props.labels ?? {});

    this.connectTo('elastalert', es.endpoint, 'searches the logs, keeps its state');
    this.connectTo('elastalert', props.alertmanager.endpoint, 'sends log alerts');
    this.credentials = es.securityEnabled
      ? (props.credentials ?? { secretName: `${this.name}-credentials` })
      : undefined;
    this.elasticsearchUser = this.credentials && {
      role: this.name,
      client: `ElastAlert '${this.name}'`,
      privileges: this.privileges(),
      credentials: this.credentials,
      namespace: this.namespace,
    };

    const env: k8s.EnvVar[] = this.credentials
      ? this.basicAuthEnv(
          'credentials',
          this.credentials,
          'ES_USERNAME',
          'ES_PASSWORD',
          `Elasticsearch user ElastAlert '${this.name}' runs the log alert rules as (${describePrivileges(this.elasticsearchUser!.privileges)})`,
        )
      : [];
    const ca = elasticsearchCaMount(this, es, CA_DIR);
    const data: Record<string, string> = {
      [CONFIG_KEY]: renderYaml(
        renderElastAlertConfig({
          rulesFolder: RULES_DIR,
          esHost: es.endpoint.host,
          esPort: es.endpoint.port,
          caFile: ca?.caFile,
          writebackIndex: this.writebackIndex,
          runEvery: { seconds: Math.min(...this.alerts.map((a) => a.query.run_every.seconds)) },
          bufferTime: { seconds: Math.max(...this.alerts.map((a) => a.query.buffer_time.seconds)) },
        }),
      ),
    };
    const delivery = {
      alertmanagerUrls: [props.alertmanager.endpoint.url],
      labels,
      runbookBaseUrl: this.runbookBaseUrl,
    };
    for (const alert of this.alerts)
      data[logAlertRuleFile(alert.alert)] = renderYaml(renderElastAlertRule(alert, delivery));
    this.configMapName = this.addConfigMap('config', `${this.name}-config`, 'elastalert', data);

    const volumes: k8s.Volume[] = [
      {
        name: 'config',
        configMap: {
          name: this.configMapName,
          items: [
            { key: CONFIG_KEY, path: CONFIG_KEY },
            ...this.alerts.map((a) => ({
              key: logAlertRuleFile(a.alert),
              path: `rules/${logAlertRuleFile(a.alert)}`,
            })),
          ],
        },
      },
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
      ...(ca ? [ca.volume] : []),
    ];
    const volumeMounts: k8s.VolumeMount[] = [
      // subPath mounts: only the files, not the ConfigMap volume's `..data` links, which
      // ElastAlert's loader (it scans rules_folder and its subdirectories) would read as a second
      // copy of every rule. They are not updated in place: `checksum/config` rolls the pod.
      { name: 'config', mountPath: CONFIG_FILE, subPath: CONFIG_KEY, readOnly: true },
      { name: 'config', mountPath: RULES_DIR, subPath: 'rules', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
      ...(ca ? [ca.volumeMount] : []),
    ];
    const resources = props.resources ?? DEFAULT_RESOURCES;
    const container = (name: string, command: string[], probes: boolean): k8s.Container =>
      renderContainer(this, 'resources', {
        name,
        image: this.image,
        command,
        env: [...env, { name: 'TZ', value: 'UTC' }],
        ports: probes ? [{ name: 'metrics', containerPort: this.metricsPort }] : undefined,
        resources,
        // The metrics server answers while the rule loop runs; an unreachable Elasticsearch or
        // Alertmanager is logged and retried by ElastAlert, not a reason to restart it.
        readinessProbe: probes ? httpProbe('readiness', '/', 'metrics') : undefined,
        livenessProbe: probes
          ? httpProbe('liveness', '/', 'metrics', { initialDelaySeconds: 20 })
          : undefined,
        volumeMounts,
        runAsUser: UID,
      });
    addWorkload(this, 'deployment', {
      metadata: this.metadata(this.name, 'elastalert'),
      spec: {
        kind: 'Deployment',
        replicas: 1,
        // Never two at once: both would send each alert.
        strategy: { type: 'Recreate' },
        pod: {
          identity: this.identity('elastalert'),
          serviceAccountName: this.addServiceAccount(),
          automountServiceAccountToken: false,
          // Creates the writeback indices when they do not exist yet, else does nothing.
          initContainers: [
            container('create-index', ['elastalert-create-index', '--config', CONFIG_FILE], false),
          ],
          containers: [
            container(
              'elastalert',
              [
                'elastalert',
                '--config',
                CONFIG_FILE,
                '--verbose',
                '--prometheus_port',
                String(this.metricsPort),
              ],
              true,
            ),
          ],
          volumes,
          annotations: {
            ...scrapeAnnotations(this.metricsPort),
            'checksum/config': configChecksum(data),
          },
          uid: UID,
        },
      },
    });
  }

  /** The alert names, for routes and silences. */
  public get alertNames(): string[] {
    return this.alerts.map((a) => a.alert);
  }

  /**
   * Read on the logs; on its own indices, what `elastalert-create-index` (exists, create, put
   * mapping) and the writeback need: without `view_index_metadata` the index check is refused,
   * and `manage` is not needed (the tools test runs with exactly these).
   */
  private privileges(): ElasticsearchPrivileges {
    return {
      // `GET /` (the cluster's version, read at start) needs `monitor`.
      cluster: ['monitor'],
      indices: [
        { names: [LOGS_INDEX_PATTERN], privileges: ['read'] },
        {
          names: [this.writebackIndex, `${this.writebackIndex}_*`],
          privileges: ['create_index', 'read', 'view_index_metadata', 'write'],
        },
      ],
    };
  }

  private validateWritebackIndex(index: string): string {
    if (typeof index !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,99}$/.test(index)) {
      invalidProp(
        this,
        'writebackIndex',
        index,
        'is not a valid Elasticsearch index name',
        "use lower-case letters, digits, '-' and '_', such as 'elastalert'",
      );
    }
    if (index.startsWith('logs-')) {
      invalidProp(
        this,
        'writebackIndex',
        index,
        'would be searched by the rules themselves (they read logs-*)',
        "use a name outside logs-*, such as 'elastalert'",
      );
    }
    return index;
  }

  private validateRunbookBaseUrl(url: string): string {
    if (typeof url !== 'string' || !/^https?:\/\/[^\s{}]+$/.test(url)) {
      invalidProp(
        this,
        'runbookBaseUrl',
        url,
        'is not an http(s) URL',
        `use a base such as '${DEFAULT_RUNBOOK_BASE_URL}'`,
      );
    }
    return url.endsWith('/') ? url : `${url}/`;
  }

  private validateLabels(labels: Record<string, string>): Record<string, string> {
    for (const [name, value] of Object.entries(labels)) {
      if (RESERVED_LABELS.includes(name)) {
        invalidProp(
          this,
          `labels.${name}`,
          value,
          'is set per alert',
          `remove it; labels may not be any of ${RESERVED_LABELS.join(', ')}`,
        );
      }
      if (
        !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) ||
        typeof value !== 'string' ||
        /[{}]/.test(value)
      ) {
        invalidProp(
          this,
          `labels.${name}`,
          value,
          'is not a Prometheus label name with a plain string value',
          "use names of letters, digits and '_' and values without '{' or '}'",
        );
      }
    }
    return { ...labels };
  }
}
