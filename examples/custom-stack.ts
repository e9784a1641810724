import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ElasticsearchCluster, Filebeat, Kibana, Spread } from '@observability/k8s-stack';

/** The logs pillar alone, in its own namespace: five data nodes, Filebeat straight to Elasticsearch. */
export class LoggingChart extends Chart {
  public readonly elasticsearch: ElasticsearchCluster;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.elasticsearch = new ElasticsearchCluster(this, 'logs', {
      namespace: 'logging',
      data: { replicas: 5, storage: { size: '500Gi', storageClassName: 'gp3' } },
      spread: Spread.REQUIRED,
    });
    new Kibana(this, 'kibana', { namespace: 'logging', elasticsearch: this.elasticsearch });
    new Filebeat(this, 'filebeat', { namespace: 'logging-agents', elasticsearch: this.elasticsearch });
  }
}

if (require.main === module) {
  const app = new App();
  new LoggingChart(app, 'logging');
  app.synth();
}
