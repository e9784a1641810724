import { IConstruct } from 'constructs';
import { ServiceEndpoint } from '../core/endpoint';

/** What a client (Grafana) needs to query Prometheus. */
export interface IPrometheus extends IConstruct {
  /** The HTTP API (port 9090). */
  readonly endpoint: ServiceEndpoint;
}
