import { IConstruct } from 'constructs';
import { ServiceEndpoint } from '../core/endpoint';

/** What a client (Grafana) needs to query Prometheus. */
export interface IPrometheus extends IConstruct {
  /** The HTTP API (port 9090). */
  readonly endpoint: ServiceEndpoint;
  /**
   * Where clients send queries, when not `endpoint`: a Prometheus-compatible API over the
   * replicas, such as a Thanos querier.
   * @default - endpoint
   */
  readonly queryEndpoint?: ServiceEndpoint;
  /**
   * What answers at `queryEndpoint`, Grafana's `prometheusType`.
   * @default 'Prometheus'
   */
  readonly queryApi?: 'Prometheus' | 'Thanos';
}
