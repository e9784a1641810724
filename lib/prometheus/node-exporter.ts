import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component, ComponentProps } from '../core/component';
import { PodSecurityLevel } from '../core/security';
import { invalidProp } from '../core/errors';
import { ComponentIdentity } from '../core/labels';
import { Images } from '../core/images';
import { validateInteger } from '../core/names';
import { httpProbe } from '../core/probes';
import { ContainerResources } from '../core/resources';
import { renderContainer, addWorkload, scrapeAnnotations } from '../core/workload';

export interface NodeExporterProps extends ComponentProps {
  /** @default { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '128Mi' } */
  readonly resources?: ContainerResources;
  /**
   * Port on each node (the pods use the host network, so this is a node port): not
   * one of the kubelet's or kube-proxy's.
   * @default 9100
   */
  readonly port?: number;
  /**
   * PriorityClass of the pods, such as `system-node-critical`, so they are not
   * the first evicted from a full node.
   * @default - none
   */
  readonly priorityClassName?: string;
}

const UID = 65534;
/** The node's filesystems the exporter reads, read-only. */
const HOST_MOUNTS = [
  { name: 'proc', hostPath: '/proc', mountPath: '/host/proc' },
  { name: 'sys', hostPath: '/sys', mountPath: '/host/sys' },
  { name: 'root', hostPath: '/', mountPath: '/host/root' },
] as const;
const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '50m',
  memoryRequest: '64Mi',
  memoryLimit: '128Mi',
};
// Container and kubelet mounts would double-count node disks.
const EXCLUDED_MOUNT_POINTS =
  '^/(dev|proc|sys|run/containerd/.+|var/lib/docker/.+|var/lib/containerd/.+|var/lib/kubelet/.+)($|/)';
// What already listens on every node's network, which node-exporter shares: a second
// listener on one of these ports fails to bind and crash-loops on every node.
const NODE_PORTS_IN_USE: Record<number, string> = {
  10248: 'the kubelet (healthz)',
  10249: 'kube-proxy (metrics)',
  10250: 'the kubelet (API, which Prometheus scrapes)',
  10255: 'the kubelet (read-only API)',
  10256: 'kube-proxy (healthz)',
};

/**
 * Prometheus node-exporter on every node, scraped through pod annotations.
 *
 * Exception to the restricted Pod Security Standard, documented here because it is
 * the reason to deploy this in its own namespace: the pods use the host network
 * (node metrics are about the node's interfaces) and read `/proc`, `/sys` and `/`
 * through read-only hostPath volumes. They stay non-root with every capability
 * dropped and no host PID namespace.
 */
export class NodeExporter extends Component {
  /** The port node-exporter listens on, on every node. */
  public readonly port: number;

  /** `privileged`: the host network and hostPath volumes of /proc, /sys and /. */
  public get podSecurityLevel(): PodSecurityLevel {
    return 'privileged';
  }

  constructor(scope: Construct, id: string, props: NodeExporterProps = {}) {
    super(scope, id, props, 'node-exporter', Images.nodeExporter);
    this.port = this.validatePort(props.port ?? 9100);
    const identity = this.identity('exporter');
    const serviceAccountName = this.addServiceAccount();
    const container = this.renderExporterContainer(props.resources ?? DEFAULT_RESOURCES);
    this.addDaemonSet(identity, serviceAccountName, container, props.priorityClassName);
  }

  /** `port`: a node port, not one the kubelet or kube-proxy already listens on. */
  private validatePort(port: number): number {
    validateInteger(this, 'port', port, 1, 65535);
    if (NODE_PORTS_IN_USE[port]) {
      invalidProp(
        this,
        'port',
        port,
        `is already used on every node by ${NODE_PORTS_IN_USE[port]}, and node-exporter runs on the host network`,
        'keep the default 9100, or choose a port nothing else on the nodes listens on',
      );
    }
    return port;
  }

  /** The node-exporter container, reading the node's /proc, /sys and / read-only. */
  private renderExporterContainer(resources: ContainerResources): k8s.Container {
    return renderContainer(this, 'resources', {
      name: 'node-exporter',
      image: this.image,
      args: [
        '--path.procfs=/host/proc',
        '--path.sysfs=/host/sys',
        '--path.rootfs=/host/root',
        `--web.listen-address=:${this.port}`,
        `--collector.filesystem.mount-points-exclude=${EXCLUDED_MOUNT_POINTS}`,
      ],
      ports: [{ name: 'metrics', containerPort: this.port }],
      resources,
      readinessProbe: httpProbe('readiness', '/', 'metrics'),
      livenessProbe: httpProbe('liveness', '/', 'metrics'),
      volumeMounts: HOST_MOUNTS.map((m) => ({
        name: m.name,
        mountPath: m.mountPath,
        readOnly: true,
        // Sees filesystems mounted on the node after the pod started.
        mountPropagation: m.name === 'root' ? 'HostToContainer' : undefined,
      })),
      runAsUser: UID,
    });
  }

  /** The DaemonSet on the host network, on every node (tainted or not). */
  private addDaemonSet(
    identity: ComponentIdentity,
    serviceAccountName: string,
    container: k8s.Container,
    priorityClassName: string | undefined,
  ): void {
    addWorkload(this, 'daemonset', {
      metadata: this.metadata(this.name, 'exporter'),
      spec: {
        kind: 'DaemonSet',
        maxUnavailable: k8s.IntOrString.fromString('10%'),
        pod: {
          identity,
          serviceAccountName,
          automountServiceAccountToken: false,
          containers: [container],
          volumes: HOST_MOUNTS.map((m) => ({
            name: m.name,
            hostPath: { path: m.hostPath, type: 'Directory' },
          })),
          annotations: scrapeAnnotations(this.port),
          uid: UID,
          hostNetwork: true,
          hostPid: false,
          // Every node, tainted or not, has metrics.
          tolerations: [{ operator: 'Exists' }],
          priorityClassName,
        },
      },
    });
  }
}
