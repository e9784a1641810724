import { Construct } from 'constructs';
import { ServiceEndpoint } from '../../lib/core/endpoint';
import { SecretKeyRef } from '../../lib/core/secrets';
import { IElasticsearchCluster } from '../../lib/elasticsearch/elasticsearch-reference';

export interface FakeElasticsearchOptions {
  /** @default true */
  readonly securityEnabled?: boolean;
  /** Expose the `elastic` password reference (security on only). @default true */
  readonly exposePassword?: boolean;
  /** @default 'fake-es' */
  readonly id?: string;
  /** @default 'elasticsearch' */
  readonly clusterName?: string;
}

/**
 * An Elasticsearch cluster known only through its interface, as an external
 * cluster would be: what a client construct's tests wire against.
 */
export class FakeElasticsearchCluster extends Construct implements IElasticsearchCluster {
  public readonly clusterName: string;
  public readonly version = '9.4.1';
  public readonly securityEnabled: boolean;
  public readonly endpoint: ServiceEndpoint;
  public readonly caCertificate?: SecretKeyRef;
  public readonly elasticPassword?: SecretKeyRef;

  constructor(scope: Construct, options: FakeElasticsearchOptions = {}) {
    super(scope, options.id ?? 'fake-es');
    this.clusterName = options.clusterName ?? 'elasticsearch';
    this.securityEnabled = options.securityEnabled ?? true;
    this.endpoint = new ServiceEndpoint(
      'elasticsearch-http',
      'observability',
      9200,
      this.securityEnabled ? 'https' : 'http',
    );
    this.caCertificate = this.securityEnabled
      ? { name: 'elasticsearch-certs', key: 'ca.crt' }
      : undefined;
    this.elasticPassword =
      this.securityEnabled && (options.exposePassword ?? true)
        ? { name: 'elasticsearch-elastic-password', key: 'password' }
        : undefined;
  }
}
