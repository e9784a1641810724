import { PrometheusRule } from '../prometheus/prometheus-config';

/**
 * Recording rules of the Kubernetes mixin (group `kubernetes-rules`): container CPU and memory
 * from cAdvisor summed per container, pod, workload, namespace and cluster; requests and limits
 * from kube-state-metrics per pod, workload, namespace, node and cluster; and the pod-to-workload
 * mapping the workload sums join on. Rules of one group run in order, so the later sums read the
 * earlier ones of the same evaluation.
 */

/** The cAdvisor job of `defaultScrapeJobs`. */
export const CADVISOR_JOB = 'kubernetes-nodes-cadvisor';
/** The kubelet job of `defaultScrapeJobs`; it also serves `kubelet_volume_stats_*`. */
export const KUBELET_JOB = 'kubernetes-nodes-kubelet';

/**
 * Per-container cgroups of cAdvisor: without `container` a series is a pod's or the node's
 * total, without `image` it is the pause container.
 */
const CONTAINERS = `job="${CADVISOR_JOB}",container!="",container!="POD",image!=""`;

/** The recorded series, by what they hold: dashboards and alerts name them from here. */
export const KubernetesRecords = {
  containerCpu: 'node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m',
  podCpu: 'namespace_pod:container_cpu_usage_seconds_total:sum_rate5m',
  namespaceCpu: 'namespace:container_cpu_usage_seconds_total:sum_rate5m',
  workloadCpu: 'namespace_workload:container_cpu_usage_seconds_total:sum_rate5m',
  clusterCpu: 'cluster:container_cpu_usage_seconds_total:sum_rate5m',
  containerThrottled: 'namespace_pod_container:container_cpu_cfs_throttled_periods:ratio_rate5m',
  containerWorkingSet: 'node_namespace_pod_container:container_memory_working_set_bytes',
  containerRss: 'node_namespace_pod_container:container_memory_rss',
  containerCache: 'node_namespace_pod_container:container_memory_cache',
  podWorkingSet: 'namespace_pod:container_memory_working_set_bytes:sum',
  podRss: 'namespace_pod:container_memory_rss:sum',
  podCache: 'namespace_pod:container_memory_cache:sum',
  namespaceWorkingSet: 'namespace:container_memory_working_set_bytes:sum',
  namespaceRss: 'namespace:container_memory_rss:sum',
  namespaceCache: 'namespace:container_memory_cache:sum',
  workloadWorkingSet: 'namespace_workload:container_memory_working_set_bytes:sum',
  clusterWorkingSet: 'cluster:container_memory_working_set_bytes:sum',
  podOwner: 'namespace_workload_pod:kube_pod_owner:relabel',
  podCpuRequests: 'namespace_pod_cpu:kube_pod_container_resource_requests:sum',
  podMemoryRequests: 'namespace_pod_memory:kube_pod_container_resource_requests:sum',
  podCpuLimits: 'namespace_pod_cpu:kube_pod_container_resource_limits:sum',
  podMemoryLimits: 'namespace_pod_memory:kube_pod_container_resource_limits:sum',
  namespaceCpuRequests: 'namespace_cpu:kube_pod_container_resource_requests:sum',
  namespaceMemoryRequests: 'namespace_memory:kube_pod_container_resource_requests:sum',
  namespaceCpuLimits: 'namespace_cpu:kube_pod_container_resource_limits:sum',
  namespaceMemoryLimits: 'namespace_memory:kube_pod_container_resource_limits:sum',
  workloadCpuRequests: 'namespace_workload_cpu:kube_pod_container_resource_requests:sum',
  workloadMemoryRequests: 'namespace_workload_memory:kube_pod_container_resource_requests:sum',
  nodeCpuRequests: 'node_cpu:kube_pod_container_resource_requests:sum',
  nodeMemoryRequests: 'node_memory:kube_pod_container_resource_requests:sum',
  clusterCpuRequests: 'cluster_cpu:kube_pod_container_resource_requests:sum',
  clusterMemoryRequests: 'cluster_memory:kube_pod_container_resource_requests:sum',
  clusterCpuLimits: 'cluster_cpu:kube_pod_container_resource_limits:sum',
  clusterMemoryLimits: 'cluster_memory:kube_pod_container_resource_limits:sum',
  clusterCpuAllocatable: 'cluster_cpu:kube_node_status_allocatable:sum',
  clusterMemoryAllocatable: 'cluster_memory:kube_node_status_allocatable:sum',
  volumeUsedRatio: 'namespace_persistentvolumeclaim:kubelet_volume_stats_used_bytes:ratio',
} as const;

const R = KubernetesRecords;

/** Pods that hold their requests: Pending or Running (a finished pod's requests are free again). */
const ACTIVE_PODS =
  'max by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running"} == 1)';

/** Sum of a kube-state-metrics resource series over the containers of each active pod. */
function podResource(metric: string, resource: 'cpu' | 'memory'): string {
  return `sum by (namespace, pod) (${metric}{resource="${resource}"}) * on (namespace, pod) group_left () ${ACTIVE_PODS}`;
}

/**
 * The workload a pod belongs to, with its kind in `workload_type`: a Deployment through its
 * ReplicaSet, a CronJob through its Job, and StatefulSets, DaemonSets, bare ReplicaSets and Jobs
 * as themselves. One series per pod.
 */
function ownerRules(): PrometheusRule[] {
  const through = (
    podOwnerKind: string,
    ownerMetric: string,
    ownerLabel: string,
    workloadKind: string,
  ) =>
    [
      `label_replace(`,
      `max by (namespace, pod, ${ownerLabel}) (label_replace(kube_pod_owner{owner_kind="${podOwnerKind}"}, "${ownerLabel}", "$1", "owner_name", "(.+)"))`,
      `* on (namespace, ${ownerLabel}) group_left (owner_name) max by (namespace, ${ownerLabel}, owner_name) (${ownerMetric}{owner_kind="${workloadKind}"}),`,
      `"workload", "$1", "owner_name", "(.+)")`,
    ].join(' ');
  const direct = (kind: string) =>
    `label_replace(max by (namespace, pod, owner_name) (kube_pod_owner{owner_kind="${kind}"}), "workload", "$1", "owner_name", "(.+)")`;
  // The kind is a label of the rule: one rule per kind, which promtool tells apart by it.
  const record = (type: string, expr: string): PrometheusRule => ({
    record: R.podOwner,
    expr: `max by (namespace, workload, pod) (${expr})`,
    labels: { workload_type: type },
  });
  return [
    record(
      'deployment',
      through('ReplicaSet', 'kube_replicaset_owner', 'replicaset', 'Deployment'),
    ),
    record(
      'replicaset',
      `${direct('ReplicaSet')} unless on (namespace, pod) max by (namespace, pod) (label_replace(kube_pod_owner{owner_kind="ReplicaSet"}, "replicaset", "$1", "owner_name", "(.+)") * on (namespace, replicaset) group_left () max by (namespace, replicaset) (kube_replicaset_owner{owner_kind="Deployment"}))`,
    ),
    record('statefulset', direct('StatefulSet')),
    record('daemonset', direct('DaemonSet')),
    record('cronjob', through('Job', 'kube_job_owner', 'job_name', 'CronJob')),
    record(
      'job',
      `${direct('Job')} unless on (namespace, pod) max by (namespace, pod) (label_replace(kube_pod_owner{owner_kind="Job"}, "job_name", "$1", "owner_name", "(.+)") * on (namespace, job_name) group_left () max by (namespace, job_name) (kube_job_owner{owner_kind="CronJob"}))`,
    ),
  ];
}

/** Per-pod sums joined to the pod's workload. */
function perWorkload(podRecord: string): string {
  return `sum by (namespace, workload, workload_type) (${podRecord} * on (namespace, pod) group_left (workload, workload_type) ${R.podOwner})`;
}

/** The rules of the `kubernetes-rules` group, in the order they must run. */
export function kubernetesRecordingRules(): PrometheusRule[] {
  const memory = (metric: string) =>
    `sum by (node, namespace, pod, container) (${metric}{${CONTAINERS}})`;
  return [
    // CPU from cAdvisor.
    {
      record: R.containerCpu,
      expr: `sum by (node, namespace, pod, container) (rate(container_cpu_usage_seconds_total{${CONTAINERS}}[5m]))`,
    },
    { record: R.podCpu, expr: `sum by (namespace, pod) (${R.containerCpu})` },
    { record: R.namespaceCpu, expr: `sum by (namespace) (${R.podCpu})` },
    { record: R.clusterCpu, expr: `sum (${R.namespaceCpu})` },
    {
      record: R.containerThrottled,
      expr: `sum by (namespace, pod, container) (rate(container_cpu_cfs_throttled_periods_total{${CONTAINERS}}[5m])) / sum by (namespace, pod, container) (rate(container_cpu_cfs_periods_total{${CONTAINERS}}[5m]) > 0)`,
    },
    // Memory from cAdvisor.
    { record: R.containerWorkingSet, expr: memory('container_memory_working_set_bytes') },
    { record: R.containerRss, expr: memory('container_memory_rss') },
    { record: R.containerCache, expr: memory('container_memory_cache') },
    { record: R.podWorkingSet, expr: `sum by (namespace, pod) (${R.containerWorkingSet})` },
    { record: R.podRss, expr: `sum by (namespace, pod) (${R.containerRss})` },
    { record: R.podCache, expr: `sum by (namespace, pod) (${R.containerCache})` },
    { record: R.namespaceWorkingSet, expr: `sum by (namespace) (${R.podWorkingSet})` },
    { record: R.namespaceRss, expr: `sum by (namespace) (${R.podRss})` },
    { record: R.namespaceCache, expr: `sum by (namespace) (${R.podCache})` },
    { record: R.clusterWorkingSet, expr: `sum (${R.namespaceWorkingSet})` },
    // Requests and limits from kube-state-metrics, of the pods that hold them.
    { record: R.podCpuRequests, expr: podResource('kube_pod_container_resource_requests', 'cpu') },
    {
      record: R.podMemoryRequests,
      expr: podResource('kube_pod_container_resource_requests', 'memory'),
    },
    { record: R.podCpuLimits, expr: podResource('kube_pod_container_resource_limits', 'cpu') },
    {
      record: R.podMemoryLimits,
      expr: podResource('kube_pod_container_resource_limits', 'memory'),
    },
    { record: R.namespaceCpuRequests, expr: `sum by (namespace) (${R.podCpuRequests})` },
    { record: R.namespaceMemoryRequests, expr: `sum by (namespace) (${R.podMemoryRequests})` },
    { record: R.namespaceCpuLimits, expr: `sum by (namespace) (${R.podCpuLimits})` },
    { record: R.namespaceMemoryLimits, expr: `sum by (namespace) (${R.podMemoryLimits})` },
    { record: R.clusterCpuRequests, expr: `sum (${R.namespaceCpuRequests})` },
    { record: R.clusterMemoryRequests, expr: `sum (${R.namespaceMemoryRequests})` },
    { record: R.clusterCpuLimits, expr: `sum (${R.namespaceCpuLimits})` },
    { record: R.clusterMemoryLimits, expr: `sum (${R.namespaceMemoryLimits})` },
    {
      record: R.nodeCpuRequests,
      expr: `sum by (node) (kube_pod_container_resource_requests{resource="cpu"} * on (namespace, pod) group_left () ${ACTIVE_PODS})`,
    },
    {
      record: R.nodeMemoryRequests,
      expr: `sum by (node) (kube_pod_container_resource_requests{resource="memory"} * on (namespace, pod) group_left () ${ACTIVE_PODS})`,
    },
    {
      record: R.clusterCpuAllocatable,
      expr: 'sum (kube_node_status_allocatable{resource="cpu"})',
    },
    {
      record: R.clusterMemoryAllocatable,
      expr: 'sum (kube_node_status_allocatable{resource="memory"})',
    },
    // Workloads.
    ...ownerRules(),
    { record: R.workloadCpu, expr: perWorkload(R.podCpu) },
    { record: R.workloadWorkingSet, expr: perWorkload(R.podWorkingSet) },
    { record: R.workloadCpuRequests, expr: perWorkload(R.podCpuRequests) },
    { record: R.workloadMemoryRequests, expr: perWorkload(R.podMemoryRequests) },
    // Volumes.
    {
      record: R.volumeUsedRatio,
      expr: `max by (namespace, persistentvolumeclaim) (1 - kubelet_volume_stats_available_bytes{job="${KUBELET_JOB}"} / kubelet_volume_stats_capacity_bytes{job="${KUBELET_JOB}"})`,
    },
  ];
}
