import { IConstruct } from 'constructs';
import { ServiceEndpoint } from '../core/endpoint';

/** What a shipper (Filebeat) needs to send events to Logstash. */
export interface ILogstash extends IConstruct {
  /** The Beats input (`tcp`, port 5044 by default). */
  readonly beatsEndpoint: ServiceEndpoint;
}
