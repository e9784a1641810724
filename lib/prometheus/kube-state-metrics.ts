import { Construct } from 'constructs';
import { Component, ComponentProps } from '../core/component';
import { Images } from '../core/images';
import { selectorLabels } from '../core/labels';
import { httpProbe } from '../core/probes';
import { ContainerResources } from '../core/resources';
import { renderContainer, addWorkload } from '../core/workload';
import { KubernetesSdRole, RelabelAction, ScrapeJob } from './prometheus-config';

/** A kube-state-metrics resource (`--resources` name) and the API it lists. */
export interface KubeStateMetricsResource {
  /** API group, `''` for the core group. */
  readonly apiGroup: string;
  /** Plural resource name; also the kube-state-metrics `--resources` name. */
  readonly resource: string;
}

/**
 * What kube-state-metrics exports. Secrets and ConfigMaps are left out on
 * purpose: listing them would give the exporter every credential in the cluster.
 */
export const KUBE_STATE_METRICS_RESOURCES: readonly KubeStateMetricsResource[] = [
  ...[
    'pods',
    'nodes',
    'namespaces',
    'services',
    'endpoints',
    'persistentvolumeclaims',
    'persistentvolumes',
    'resourcequotas',
    'limitranges',
    'replicationcontrollers',
  ].map((resource) => ({ apiGroup: '', resource })),
  ...['deployments', 'daemonsets', 'statefulsets', 'replicasets'].map((resource) => ({
    apiGroup: 'apps',
    resource,
  })),
  ...['jobs', 'cronjobs'].map((resource) => ({ apiGroup: 'batch', resource })),
  { apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers' },
  { apiGroup: 'policy', resource: 'poddisruptionbudgets' },
  ...['ingresses', 'networkpolicies'].map((resource) => ({
    apiGroup: 'networking.k8s.io',
    resource,
  })),
  ...['storageclasses', 'volumeattachments'].map((resource) => ({
    apiGroup: 'storage.k8s.io',
    resource,
  })),
];

export interface KubeStateMetricsProps extends ComponentProps {
  /** @default { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' } */
  readonly resources?: ContainerResources;
}

const METRICS_PORT = 8080;
const TELEMETRY_PORT = 8081;
const UID = 65534;
const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '100m',
  memoryRequest: '128Mi',
  memoryLimit: '256Mi',
};

/**
 * kube-state-metrics v2: metrics about Kubernetes objects (deployments, pods,
 * nodes...), scraped through pod annotations. One replica: two would export
 * every series twice.
 */
export class KubeStateMetrics extends Component {
  /**
   * The scrape job for this exporter, to add to a Prometheus with `addScrapeJob`.
   * Not the pod-annotation job: its series carry `namespace`, `pod` and `container`
   * labels of the objects they describe, which only `honor_labels` keeps as they are.
   */
  public readonly scrapeJob: ScrapeJob;
  /**
   * The scrape job of its telemetry port (`<name>-telemetry`): kube-state-metrics' own health,
   * such as the `kube_state_metrics_list_total` and `kube_state_metrics_watch_total` calls to the
   * API server, which the Kubernetes mixin alerts on.
   */
  public readonly telemetryScrapeJob: ScrapeJob;
  /** Name of the read-only ClusterRole. */
  public readonly clusterRoleName: string;
  /** The resources it exports, also its `--resources`. */
  public readonly resources: readonly KubeStateMetricsResource[] = KUBE_STATE_METRICS_RESOURCES;

  constructor(scope: Construct, id: string, props: KubeStateMetricsProps = {}) {
    super(scope, id, props, 'kube-state-metrics', Images.kubeStateMetrics);
    const identity = this.identity('exporter');
    const serviceAccountName = this.addServiceAccount();
    this.clusterRoleName = this.addRbac(serviceAccountName);
    const ownPods = Object.entries(selectorLabels(identity)).map(([label, value]) => ({
      sourceLabels: [`__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9_]/g, '_')}`],
      regex: value,
      action: RelabelAction.KEEP,
    }));
    const port = (name: string) => ({
      sourceLabels: ['__meta_kubernetes_pod_container_port_name'],
      regex: name,
      action: RelabelAction.KEEP,
    });
    this.scrapeJob = {
      jobName: this.name,
      kubernetesSd: { role: KubernetesSdRole.POD, namespaces: [this.namespace] },
      honorLabels: true,
      relabelConfigs: [...ownPods, port('http-metrics')],
      networkTargets: [{ peer: this.podPeer('exporter'), ports: [{ port: METRICS_PORT }] }],
    };
    // Its own metrics carry no object labels: the target's namespace and pod name it.
    this.telemetryScrapeJob = {
      jobName: `${this.name}-telemetry`,
      kubernetesSd: { role: KubernetesSdRole.POD, namespaces: [this.namespace] },
      relabelConfigs: [
        ...ownPods,
        port('telemetry'),
        { sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace' },
        { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' },
      ],
      networkTargets: [{ peer: this.podPeer('exporter'), ports: [{ port: TELEMETRY_PORT }] }],
    };

    const container = renderContainer(this, 'resources', {
      name: 'kube-state-metrics',
      image: this.image,
      args: [
        `--port=${METRICS_PORT}`,
        `--telemetry-port=${TELEMETRY_PORT}`,
        // Only what the ClusterRole allows, so it never tries to list Secrets.
        `--resources=${this.resources.map((r) => r.resource).join(',')}`,
      ],
      ports: [
        { name: 'http-metrics', containerPort: METRICS_PORT },
        { name: 'telemetry', containerPort: TELEMETRY_PORT },
      ],
      resources: props.resources ?? DEFAULT_RESOURCES,
      livenessProbe: httpProbe('liveness', '/livez', 'http-metrics'),
      readinessProbe: httpProbe('readiness', '/readyz', 'telemetry'),
      runAsUser: UID,
    });

    addWorkload(this, 'deployment', {
      metadata: this.metadata(this.name, 'exporter'),
      spec: {
        kind: 'Deployment',
        replicas: 1,
        pod: {
          identity,
          serviceAccountName,
          automountServiceAccountToken: true,
          containers: [container],
          uid: UID,
        },
      },
    });
  }

  private addRbac(serviceAccountName: string): string {
    const groups = [...new Set(this.resources.map((r) => r.apiGroup))];
    return this.addClusterRole(
      'exporter',
      serviceAccountName,
      groups.map((group) => ({
        apiGroups: [group],
        resources: this.resources.filter((r) => r.apiGroup === group).map((r) => r.resource),
        verbs: ['list', 'watch'],
      })),
    );
  }
}
