import { IConstruct, Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Component, ComponentProps } from '../core/component';
import { PodSecurityLevel } from '../core/security';
import { Images, validateImage } from '../core/images';
import { ContainerResources } from '../core/resources';
import { renderContainer, addWorkload } from '../core/workload';

/** The `vm.max_map_count` Elasticsearch checks at start when it may memory-map its files. */
export const ELASTICSEARCH_MAX_MAP_COUNT = 1048576;

const SYSCTL_RESOURCES: ContainerResources = {
  cpuRequest: '10m',
  memoryRequest: '8Mi',
  memoryLimit: '16Mi',
};
const PAUSE_RESOURCES: ContainerResources = {
  cpuRequest: '1m',
  memoryRequest: '8Mi',
  memoryLimit: '16Mi',
};
// The user the pause image is built to run as.
const PAUSE_UID = 65535;

/**
 * The container that raises `vm.max_map_count` on its node to
 * {@link ELASTICSEARCH_MAX_MAP_COUNT}, and never lowers a higher value.
 * `image` must have a `sh` and a `sysctl`.
 *
 * The one exception to the restricted Pod Security Standard in this package's
 * Elasticsearch pods: `vm.max_map_count` is a node-wide kernel setting, and only a
 * privileged container running as root gets `/proc/sys` writable. It runs one command
 * and exits. The context differs from the restricted one only where it must:
 * privileged, root, no `runAsNonRoot` (a privileged container gets every capability
 * whatever it drops, but the rest of the restricted settings stay).
 */
export function renderMaxMapCountContainer(scope: IConstruct, image: string): k8s.Container {
  const target = ELASTICSEARCH_MAX_MAP_COUNT;
  const script = [
    'current="$(sysctl -n vm.max_map_count)"',
    `if [ "$current" -ge ${target} ]; then echo "vm.max_map_count is $current, kept"; exit 0; fi`,
    `sysctl -w vm.max_map_count=${target}`,
  ].join('\n');
  return renderContainer(scope, 'virtualMemory', {
    name: 'sysctl',
    image,
    command: ['sh', '-c', script],
    resources: SYSCTL_RESOURCES,
    securityContext: {
      privileged: true,
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  });
}

export interface ElasticsearchNodeTuningProps extends ComponentProps {
  /**
   * Only nodes with these labels are tuned. They must include every node an
   * Elasticsearch pod can be scheduled on.
   * @default - every node the tolerations admit
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Taints the tuning pods tolerate, to reach tainted nodes reserved for Elasticsearch.
   * @default - none: untainted nodes only, where Elasticsearch pods without tolerations run
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Image of the container that keeps each pod running once the node is tuned.
   * @default Images.pause
   */
  readonly pauseImage?: string;
  /** PriorityClass of the pods, such as `system-node-critical`. @default - none */
  readonly priorityClassName?: string;
}

/**
 * Sets `vm.max_map_count` on nodes, so that Elasticsearch pods can memory-map their
 * index files without privileges of their own (`VirtualMemory.NODE_TUNING`).
 *
 * A DaemonSet: on each selected node, a privileged init container raises the setting,
 * then the pause container, restricted and tiny, keeps the pod Ready so that a node
 * without it shows up as a missing pod. Put it in a namespace whose Pod Security level is `privileged` (the stack's agents
 * namespace). Removing it leaves the nodes tuned until they reboot.
 */
export class ElasticsearchNodeTuning extends Component {
  /** The value set on each node. */
  public readonly maxMapCount = ELASTICSEARCH_MAX_MAP_COUNT;
  /** The labels of the nodes tuned; empty for every node. */
  public readonly nodeSelector: Record<string, string>;
  /** The taints tolerated. */
  public readonly tolerations: k8s.Toleration[];
  /** The image of the pause container. */
  public readonly pauseImage: string;

  /** `privileged`: a privileged init container that writes `vm.max_map_count`. */
  public get podSecurityLevel(): PodSecurityLevel {
    return 'privileged';
  }

  constructor(scope: Construct, id: string, props: ElasticsearchNodeTuningProps = {}) {
    super(scope, id, props, 'elasticsearch-node-tuning', Images.sysctl);
    this.nodeSelector = props.nodeSelector ?? {};
    this.tolerations = props.tolerations ?? [];
    this.pauseImage = validateImage(this, 'pauseImage', props.pauseImage ?? Images.pause);
    const identity = this.identity('node-tuning');
    const serviceAccountName = this.addServiceAccount();

    const pause = renderContainer(this, 'resources', {
      name: 'pause',
      image: this.pauseImage,
      resources: PAUSE_RESOURCES,
      runAsUser: PAUSE_UID,
    });

    addWorkload(this, 'daemonset', {
      metadata: this.metadata(this.name, 'node-tuning'),
      spec: {
        kind: 'DaemonSet',
        maxUnavailable: k8s.IntOrString.fromString('10%'),
        pod: {
          identity,
          serviceAccountName,
          automountServiceAccountToken: false,
          initContainers: [renderMaxMapCountContainer(this, this.image)],
          containers: [pause],
          uid: PAUSE_UID,
          nodeSelector: Object.keys(this.nodeSelector).length > 0 ? this.nodeSelector : undefined,
          tolerations: this.tolerations.length > 0 ? this.tolerations : undefined,
          priorityClassName: props.priorityClassName,
          // The pause process exits at once on SIGTERM.
          terminationGracePeriodSeconds: 5,
        },
      },
    });
  }
}
