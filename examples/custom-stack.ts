import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ElasticsearchCluster,
  ElasticsearchSetup,
  Filebeat,
  Kibana,
  ObservabilityNamespace,
  Spread,
} from '@observability/k8s-stack';

/** The logs pillar alone, in its own namespaces: five data nodes, Filebeat straight to Elasticsearch. */
export class LoggingChart extends Chart {
  public readonly elasticsearch: ElasticsearchCluster;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Each gets the Pod Security level its components need (`privileged` for Filebeat's host
    // paths) and NetworkPolicies made at synthesis from the flows of every chart of the App.
    new ObservabilityNamespace(this, 'logging');
    new ObservabilityNamespace(this, 'logging-agents');
    this.elasticsearch = new ElasticsearchCluster(this, 'logs', {
      namespace: 'logging',
      data: { replicas: 5, storage: { size: '500Gi', storageClassName: 'gp3' } },
      spread: Spread.REQUIRED,
    });
    // The Job that applies the retention (ILM policies) and the index templates.
    new ElasticsearchSetup(this, 'logs-setup', {
      namespace: 'logging',
      elasticsearch: this.elasticsearch,
    });
    new Kibana(this, 'kibana', { namespace: 'logging', elasticsearch: this.elasticsearch });
    new Filebeat(this, 'filebeat', {
      namespace: 'logging-agents',
      elasticsearch: this.elasticsearch,
    });
  }
}

if (require.main === module) {
  const app = new App();
  new LoggingChart(app, 'logging');
  app.synth();
}
