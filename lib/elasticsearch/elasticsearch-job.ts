import { Construct } from 'constructs';
import { Images } from '../core/images';
import { invalidProp } from '../core/errors';
import { BasicAuthSecretRef, SecretFile, validateSecretRef } from '../core/secrets';
import { SetupCredentials, SetupJob, SetupJobProps } from '../core/setup-job';
import { SetupStep } from '../core/setup-script';
import { elasticsearchCaMount, IElasticsearchCluster } from './elasticsearch-reference';

/** Props of every Job that sets up an Elasticsearch cluster through its API. */
export interface ElasticsearchJobProps extends SetupJobProps {
  /** The cluster to set up. */
  readonly elasticsearch: IElasticsearchCluster;
  /**
   * The user the Job calls the API as, with the cluster privileges its steps need (each Job
   * names them). Used only when the cluster has security on.
   * @default - the cluster's `elastic` user (its `elasticPassword` Secret)
   */
  readonly credentials?: BasicAuthSecretRef;
}

/** What an Elasticsearch Job applies, besides the cluster it applies it to. */
export interface ElasticsearchJobSteps {
  /** What the Job does, for its network flow and its credentials' purpose. */
  readonly does: string;
  /** The cluster privileges a `credentials` user needs, for the error that asks for one. */
  readonly privileges: string;
  readonly steps: SetupStep[];
  readonly files: Record<string, string>;
  /** @default - none */
  readonly secrets?: readonly SecretFile[];
}

/**
 * The base of the Jobs that set an Elasticsearch cluster up (its lifecycle policies and
 * templates, its users): the cluster's own image and CA, the `elastic` user unless given
 * another, and a wait for the cluster to be at least yellow before the first step.
 */
export abstract class ElasticsearchJob extends SetupJob {
  protected constructor(scope: Construct, id: string, props: ElasticsearchJobProps) {
    super(scope, id, props, 'elasticsearch', Images.elasticsearch);
  }

  /**
   * Adds the Job with these steps. Call once, from the subclass constructor.
   * @internal The setup steps are this package's own; the declarations leave it out.
   */
  protected addElasticsearchJob(props: ElasticsearchJobProps, job: ElasticsearchJobSteps): void {
    const es = props.elasticsearch;
    this.connectTo('setup', es.endpoint, job.does);
    this.addSetupJob(props, {
      target: 'Elasticsearch',
      url: es.endpoint.url,
      ca: elasticsearchCaMount(this, es, '/etc/elasticsearch-ca'),
      credentials: es.securityEnabled ? this.jobCredentials(props, job) : undefined,
      waitFor: {
        kind: 'request',
        description: 'waiting for cluster health yellow',
        method: 'GET',
        path: '/_cluster/health?wait_for_status=yellow&timeout=30s',
      },
      steps: job.steps,
      files: job.files,
      secrets: job.secrets,
    });
  }

  private jobCredentials(
    props: ElasticsearchJobProps,
    job: ElasticsearchJobSteps,
  ): SetupCredentials {
    const es = props.elasticsearch;
    if (props.credentials) {
      return this.basicAuthRefs(
        'credentials',
        props.credentials,
        `Elasticsearch user (${job.privileges}) the '${this.name}' Job ${job.does} as`,
      );
    }
    if (!es.elasticPassword) {
      return invalidProp(
        this,
        'credentials',
        undefined,
        'must be set when the cluster does not expose its elastic password',
        `give a Secret with a user that has ${job.privileges}, e.g. { secretName: '${this.name}-credentials' }`,
      );
    }
    const password = validateSecretRef(this, 'elasticsearch.elasticPassword', es.elasticPassword);
    this.recordExternalSecret({
      name: password.name,
      keys: [password.key],
      purpose: 'password of the Elasticsearch `elastic` superuser',
    });
    return { username: 'elastic', password };
  }
}
