import { IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { EXPORTER_PORT_NAME, renderExporterSidecar } from '../core/exporter-sidecar';
import { Images } from '../core/images';
import { ContainerResources } from '../core/resources';
import { LOGSTASH_API_PORT } from './logstash-config';

/** The kuskoman `logstash-exporter` sidecar of each Logstash pod. */
export interface LogstashExporterProps {
  /** @default - the version pinned in `Images.logstashExporter` */
  readonly image?: string;
  /** @default { cpuRequest: '20m', memoryRequest: '32Mi', memoryLimit: '64Mi' } */
  readonly resources?: ContainerResources;
}

/** The sidecar's metrics port (the exporter's default). */
export const LOGSTASH_EXPORTER_PORT = 9198;
/** Name of the sidecar's container port; Logstash's own are `beats` and `http`. */
export const LOGSTASH_EXPORTER_PORT_NAME = EXPORTER_PORT_NAME;
const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '20m',
  memoryRequest: '32Mi',
  memoryLimit: '64Mi',
};

/**
 * The exporter container that reads the node stats API of the Logstash in the same pod
 * (`localhost:9600`) and serves `logstash_stats_pipeline_events_in|out` and friends on
 * port 9198. A sidecar, so that every replica is scraped as its own target.
 * `props.resources` errors are reported as `exporter.resources` of `scope`.
 */
export function renderLogstashExporterContainer(
  scope: IConstruct,
  props: LogstashExporterProps = {},
): k8s.Container {
  return renderExporterSidecar(scope, props, {
    defaultImage: Images.logstashExporter,
    defaultResources: DEFAULT_RESOURCES,
    port: LOGSTASH_EXPORTER_PORT,
    env: [
      { name: 'LOGSTASH_URL', value: `http://localhost:${LOGSTASH_API_PORT}` },
      { name: 'PORT', value: String(LOGSTASH_EXPORTER_PORT) },
    ],
    // TCP, not `/health`: that endpoint calls Logstash, which needs minutes to start, and
    // a failing liveness probe would restart the exporter the whole time.
    livenessTiming: { initialDelaySeconds: 10 },
  });
}
