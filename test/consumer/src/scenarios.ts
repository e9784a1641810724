import { App, Chart } from 'cdk8s';
import {
  AlertReceiver,
  Alertmanager,
  DEFAULT_LOG_CLASSES,
  DEFAULT_LOG_DOMAINS,
  ElasticsearchCluster,
  ElasticsearchSetup,
  Grafana,
  Kibana,
  LogClass,
  LogClassMatch,
  NetworkPeer,
  NodeExporter,
  ObservabilityNamespace,
  ObservabilityStack,
  Prometheus,
} from '@observability/k8s-stack';
import { LoggingChart } from './custom-stack';

/**
 * The apps a consumer composes, unlike the bundled environments. Each builds into `app`;
 * `synth.ts` synthesizes it and the test checks the manifests.
 */
export const SCENARIOS: Record<string, (app: App) => void> = {
  /**
   * The whole stack in namespaces of its own, without Logstash, with five data nodes, its
   * own receivers and routes, its own log classes, and a scrape target outside the cluster
   * added after the stack is built.
   */
  'whole-stack': (app) => {
    const payments = AlertReceiver.slack('slack-payments', {
      channel: '#payments-oncall',
      secret: { name: 'payments-alerting', key: 'slack-url' },
    });
    const platform = AlertReceiver.opsgenie('opsgenie-platform');
    const classes: LogClass[] = [
      {
        name: 'audit',
        match: LogClassMatch.fieldEquals('event.category', ['authentication', 'iam']),
        retention: '400d',
        ingestShare: 0.02,
        description: 'Sign-ins and permission changes.',
      },
      { name: 'payments', match: LogClassMatch.domain('payments'), retention: '180d', shards: 2 },
      ...DEFAULT_LOG_CLASSES.filter((c) => c.name !== 'trades' && c.name !== 'ai'),
    ];
    const stack = new ObservabilityStack(app, 'observability', {
      environment: 'shop-prod',
      region: 'eu-central-1',
      namespace: 'telemetry',
      agentsNamespace: 'telemetry-nodes',
      logstash: false,
      elasticsearch: { data: { replicas: 5 } },
      logClasses: classes,
      filebeat: {
        logProcessing: {
          domains: [
            {
              name: 'payments',
              keys: ['payment_id', 'card_token'],
              words: ['payment', 'payments', 'checkout'],
            },
            ...DEFAULT_LOG_DOMAINS,
          ],
        },
      },
      alertmanager: {
        receivers: [payments, platform],
        routes: [
          { receiver: payments, matchers: ['namespace="payments"'] },
          { receiver: platform, matchers: ['severity="critical"'] },
        ],
      },
    });
    stack.prometheus.addScrapeJob({
      jobName: 'legacy-vms',
      staticTargets: ['198.51.100.10:9100', '198.51.100.11:9100'],
      networkTargets: [{ peer: NetworkPeer.ipBlock('198.51.100.0/24'), ports: [{ port: 9100 }] }],
    });
  },

  /** Prometheus, Alertmanager and node-exporter alone in the consumer's own chart: no Elasticsearch. */
  'metrics-only': (app) => {
    const chart = new Chart(app, 'metrics');
    new ObservabilityNamespace(chart, 'monitoring');
    new ObservabilityNamespace(chart, 'monitoring-nodes');
    const oncall = AlertReceiver.pagerDuty('pagerduty-oncall');
    const alertmanager = new Alertmanager(chart, 'alertmanager', {
      namespace: 'monitoring',
      receivers: [oncall],
      defaultReceiver: oncall,
    });
    const prometheus = new Prometheus(chart, 'prometheus', {
      namespace: 'monitoring',
      alertmanager,
      externalLabels: { cluster: 'edge-1' },
    });
    const nodeExporter = new NodeExporter(chart, 'node-exporter', {
      namespace: 'monitoring-nodes',
    });
    void prometheus;
    void nodeExporter;
  },

  /** Kibana and Grafana on an Elasticsearch the consumer builds, in a second chart of the same app. */
  'shared-elasticsearch': (app) => {
    const data = new Chart(app, 'search');
    new ObservabilityNamespace(data, 'search');
    const cluster = new ElasticsearchCluster(data, 'cluster', {
      name: 'search',
      namespace: 'search',
      data: { replicas: 3 },
    });
    new ElasticsearchSetup(data, 'search-setup', {
      namespace: 'search',
      elasticsearch: cluster,
      logClasses: DEFAULT_LOG_CLASSES,
    });

    const uis = new Chart(app, 'uis');
    new ObservabilityNamespace(uis, 'dashboards');
    new Kibana(uis, 'kibana', { namespace: 'dashboards', elasticsearch: cluster });
    new Grafana(uis, 'grafana', { namespace: 'dashboards', elasticsearch: { cluster } });
  },

  /** The README's example (examples/custom-stack.ts), as it is. */
  'readme-example': (app) => {
    new LoggingChart(app, 'logging');
  },
};
