import { IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { validateImage } from './images';
import { ProbeTiming, tcpProbe } from './probes';
import { ContainerResources } from './resources';
import { renderContainer } from './workload';

/** Name of an exporter sidecar's container port; the components' own ports are named otherwise. */
export const EXPORTER_PORT_NAME = 'metrics';
// Exporter images ship a static binary and set no USER: any non-root UID runs it.
const EXPORTER_UID = 65534;

/** What a construct's `exporter` prop may set. */
export interface ExporterSidecarProps {
  readonly image?: string;
  readonly resources?: ContainerResources;
}

/** What differs between the exporter sidecars. */
export interface ExporterSidecarOptions {
  /** The pinned image used when `props.image` is unset. */
  readonly defaultImage: string;
  /** The resources used when `props.resources` is unset. */
  readonly defaultResources: ContainerResources;
  /** The port Prometheus scrapes. */
  readonly port: number;
  readonly args?: string[];
  readonly env?: k8s.EnvVar[];
  /** @default - the package's liveness timing */
  readonly livenessTiming?: ProbeTiming;
}

/**
 * A metrics exporter container that reads the component in the same pod over
 * localhost, so that every replica is scraped as its own target. Hardened like every
 * container (non-root, read-only root, no capabilities) and probed by TCP on its
 * metrics port. Errors name `exporter.image` and `exporter.resources` of `scope`.
 */
export function renderExporterSidecar(
  scope: IConstruct,
  props: ExporterSidecarProps,
  options: ExporterSidecarOptions,
): k8s.Container {
  const image = validateImage(scope, 'exporter.image', props.image ?? options.defaultImage);
  return renderContainer(scope, 'exporter.resources', {
    name: 'exporter',
    image,
    args: options.args,
    env: options.env,
    ports: [{ name: EXPORTER_PORT_NAME, containerPort: options.port }],
    resources: props.resources ?? options.defaultResources,
    readinessProbe: tcpProbe('readiness', EXPORTER_PORT_NAME),
    livenessProbe: tcpProbe('liveness', EXPORTER_PORT_NAME, options.livenessTiming),
    runAsUser: EXPORTER_UID,
  });
}
