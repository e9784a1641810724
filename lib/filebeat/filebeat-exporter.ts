import { IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { renderExporterSidecar } from '../core/exporter-sidecar';
import { Images } from '../core/images';
import { ContainerResources } from '../core/resources';
import { FILEBEAT_HTTP_PORT } from './filebeat-config';

/** The trustpilot `beat-exporter` sidecar of each Filebeat pod. */
export interface FilebeatExporterProps {
  /** @default - the version pinned in `Images.beatExporter` */
  readonly image?: string;
  /** @default { cpuRequest: '10m', memoryRequest: '32Mi', memoryLimit: '64Mi' } */
  readonly resources?: ContainerResources;
}

/** The sidecar's metrics port (the exporter's default); Filebeat's own is `http` on 5066. */
export const FILEBEAT_EXPORTER_PORT = 9479;
// One per node: kept smaller than the Logstash exporter's.
const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '10m',
  memoryRequest: '32Mi',
  memoryLimit: '64Mi',
};

/**
 * The exporter container that reads the stats of the Filebeat in the same pod
 * (`localhost:5066/stats`, JSON) and serves them in the Prometheus format on port 9479:
 * `filebeat_libbeat_pipeline_events{type="published"}`,
 * `filebeat_libbeat_output_events{type="acked|failed|dropped"}`,
 * `filebeat_libbeat_output_write_errors_total` and `filebeat_up` (0 when Filebeat
 * does not answer). It opens its port only after Filebeat has answered once, which the
 * default liveness timing leaves time for. `props` errors are reported as `exporter.*` of `scope`.
 */
export function renderFilebeatExporterContainer(
  scope: IConstruct,
  props: FilebeatExporterProps = {},
): k8s.Container {
  return renderExporterSidecar(scope, props, {
    defaultImage: Images.beatExporter,
    defaultResources: DEFAULT_RESOURCES,
    port: FILEBEAT_EXPORTER_PORT,
    args: [
      `-beat.uri=http://localhost:${FILEBEAT_HTTP_PORT}`,
      `-web.listen-address=:${FILEBEAT_EXPORTER_PORT}`,
    ],
  });
}
