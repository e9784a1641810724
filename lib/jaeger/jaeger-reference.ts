import { IConstruct } from 'constructs';
import { ServiceEndpoint } from '../core/endpoint';

/** What clients need to send spans to Jaeger and to query them. */
export interface IJaeger extends IConstruct {
  /** Query API and UI (port 16686). */
  readonly queryEndpoint: ServiceEndpoint;
  /** OTLP over gRPC (port 4317). */
  readonly otlpGrpcEndpoint: ServiceEndpoint;
  /** OTLP over HTTP (port 4318). */
  readonly otlpHttpEndpoint: ServiceEndpoint;
}
