import { IConstruct } from 'constructs';
import { ServiceEndpoint } from '../core/endpoint';

/** What Prometheus needs to send alerts to Alertmanager. */
export interface IAlertmanager extends IConstruct {
  /** The HTTP API (port 9093). */
  readonly endpoint: ServiceEndpoint;
}
