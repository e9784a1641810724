import { invalidProp } from '../core/errors';
import { AlertName, AlertSeverity, AlertSpec, alertRule } from '../prometheus/alert-rules';
import { infrastructureDashboard } from './infrastructure-dashboard';
import { kubernetesClusterDashboard } from './kubernetes-cluster-dashboard';
import { kubernetesNamespaceDashboard } from './kubernetes-namespace-dashboard';
import { kubernetesPodDashboard } from './kubernetes-pod-dashboard';
import { kubernetesVolumesDashboard } from './kubernetes-volumes-dashboard';
import { kubernetesWorkloadDashboard } from './kubernetes-workload-dashboard';
import {
  KUBELET_JOB,
  kubernetesRecordingRules,
  KubernetesRecords,
} from './kubernetes-recording-rules';
import * as runbooks from './kubernetes-runbooks';
import { alertsOf, MixinContext, MonitoringMixin } from './mixin';

/** The alerts of the Kubernetes mixin beyond `ContainerOomKilled` and `KubePodCrashLooping`. */
export enum KubernetesAlert {
  // Workloads.
  KUBE_POD_NOT_READY = 'KubePodNotReady',
  KUBE_DEPLOYMENT_GENERATION_MISMATCH = 'KubeDeploymentGenerationMismatch',
  KUBE_DEPLOYMENT_REPLICAS_MISMATCH = 'KubeDeploymentReplicasMismatch',
  KUBE_DEPLOYMENT_ROLLOUT_STUCK = 'KubeDeploymentRolloutStuck',
  KUBE_STATEFULSET_REPLICAS_MISMATCH = 'KubeStatefulSetReplicasMismatch',
  KUBE_STATEFULSET_GENERATION_MISMATCH = 'KubeStatefulSetGenerationMismatch',
  KUBE_STATEFULSET_UPDATE_NOT_ROLLED_OUT = 'KubeStatefulSetUpdateNotRolledOut',
  KUBE_DAEMONSET_ROLLOUT_STUCK = 'KubeDaemonSetRolloutStuck',
  KUBE_DAEMONSET_NOT_SCHEDULED = 'KubeDaemonSetNotScheduled',
  KUBE_DAEMONSET_MISSCHEDULED = 'KubeDaemonSetMisScheduled',
  KUBE_CONTAINER_WAITING = 'KubeContainerWaiting',
  KUBE_JOB_NOT_COMPLETED = 'KubeJobNotCompleted',
  KUBE_JOB_FAILED = 'KubeJobFailed',
  KUBE_HPA_REPLICAS_MISMATCH = 'KubeHpaReplicasMismatch',
  KUBE_HPA_MAXED_OUT = 'KubeHpaMaxedOut',
  KUBE_PDB_NOT_ENOUGH_HEALTHY_PODS = 'KubePdbNotEnoughHealthyPods',
  // Resources.
  KUBE_CPU_OVERCOMMIT = 'KubeCpuOvercommit',
  KUBE_MEMORY_OVERCOMMIT = 'KubeMemoryOvercommit',
  KUBE_CPU_QUOTA_OVERCOMMIT = 'KubeCpuQuotaOvercommit',
  KUBE_MEMORY_QUOTA_OVERCOMMIT = 'KubeMemoryQuotaOvercommit',
  KUBE_QUOTA_ALMOST_FULL = 'KubeQuotaAlmostFull',
  KUBE_QUOTA_FULLY_USED = 'KubeQuotaFullyUsed',
  KUBE_QUOTA_EXCEEDED = 'KubeQuotaExceeded',
  CPU_THROTTLING_HIGH = 'CpuThrottlingHigh',
  KUBE_CONTAINER_MEMORY_NEAR_LIMIT = 'KubeContainerMemoryNearLimit',
  // Storage.
  KUBE_PERSISTENT_VOLUME_FILLING_UP = 'KubePersistentVolumeFillingUp',
  KUBE_PERSISTENT_VOLUME_ALMOST_FULL = 'KubePersistentVolumeAlmostFull',
  KUBE_PERSISTENT_VOLUME_INODES_FILLING_UP = 'KubePersistentVolumeInodesFillingUp',
  KUBE_PERSISTENT_VOLUME_INODES_ALMOST_FULL = 'KubePersistentVolumeInodesAlmostFull',
  KUBE_PERSISTENT_VOLUME_ERRORS = 'KubePersistentVolumeErrors',
  KUBE_PERSISTENT_VOLUME_CLAIM_PENDING = 'KubePersistentVolumeClaimPending',
  KUBE_PERSISTENT_VOLUME_CLAIM_LOST = 'KubePersistentVolumeClaimLost',
  // Nodes and the kubelet.
  KUBE_NODE_NOT_READY = 'KubeNodeNotReady',
  KUBE_NODE_UNREACHABLE = 'KubeNodeUnreachable',
  KUBE_NODE_READINESS_FLAPPING = 'KubeNodeReadinessFlapping',
  KUBE_NODE_PRESSURE = 'KubeNodePressure',
  KUBELET_TOO_MANY_PODS = 'KubeletTooManyPods',
  KUBELET_PLEG_DURATION_HIGH = 'KubeletPlegDurationHigh',
  KUBELET_POD_START_UP_LATENCY_HIGH = 'KubeletPodStartUpLatencyHigh',
  KUBELET_DOWN = 'KubeletDown',
  KUBELET_CLIENT_CERTIFICATE_EXPIRATION = 'KubeletClientCertificateExpiration',
  KUBELET_SERVER_CERTIFICATE_EXPIRATION = 'KubeletServerCertificateExpiration',
  KUBELET_CLIENT_CERTIFICATE_RENEWAL_ERRORS = 'KubeletClientCertificateRenewalErrors',
  KUBELET_SERVER_CERTIFICATE_RENEWAL_ERRORS = 'KubeletServerCertificateRenewalErrors',
  // kube-state-metrics.
  KUBE_STATE_METRICS_LIST_ERRORS = 'KubeStateMetricsListErrors',
  KUBE_STATE_METRICS_WATCH_ERRORS = 'KubeStateMetricsWatchErrors',
  KUBE_STATE_METRICS_DOWN = 'KubeStateMetricsDown',
}

/** What the Kubernetes mixin needs to know of the stack beyond the alert thresholds. */
export interface KubernetesMixinOptions {
  /**
   * The scrape job of kube-state-metrics' metrics port (`KubeStateMetrics.scrapeJob.jobName`),
   * which `KubeStateMetricsDown` expects to be up.
   * @default 'kube-state-metrics'
   */
  readonly kubeStateMetricsJob?: string;
}

/** Thresholds of the rules: conventions of the Kubernetes monitoring mixins, not settings. */
const JOB_RUNNING_TOO_LONG_SECONDS = 12 * 3600;
const THROTTLED_RATIO = 0.25;
const MEMORY_NEAR_LIMIT_RATIO = 0.9;
const QUOTA_ALMOST_FULL_RATIO = 0.9;
const QUOTA_OVERCOMMIT_FACTOR = 1.5;
const VOLUME_FILLING_FREE_RATIO = 0.15;
const VOLUME_FULL_FREE_RATIO = 0.03;
const VOLUME_PREDICTION_SECONDS = 4 * 24 * 3600;
const PODS_CAPACITY_RATIO = 0.95;
const PLEG_P99_SECONDS = 10;
const POD_START_P99_SECONDS = 60;
const CERTIFICATE_WARNING_SECONDS = 7 * 24 * 3600;
const KSM_ERROR_RATIO = 0.01;

const KUBELET = `job="${KUBELET_JOB}"`;
const R = KubernetesRecords;

/** `kube_resourcequota` used / hard of each quota and resource (hard quotas of 0 left out). */
const QUOTA_USED_RATIO =
  'max by (namespace, resourcequota, resource) (kube_resourcequota{type="used"}) / on (namespace, resourcequota, resource) (max by (namespace, resourcequota, resource) (kube_resourcequota{type="hard"}) > 0)';

/** Pods not counted as workloads' replicas: those of Jobs finish on purpose. */
const NOT_JOB_PODS = 'unless on (namespace, pod) kube_pod_owner{owner_kind="Job"}';

function volumeRules(kind: 'bytes' | 'inodes'): Omit<AlertSpec, 'runbook'>[] {
  const [free, size, what] =
    kind === 'bytes'
      ? ['kubelet_volume_stats_available_bytes', 'kubelet_volume_stats_capacity_bytes', 'space']
      : ['kubelet_volume_stats_inodes_free', 'kubelet_volume_stats_inodes', 'inodes'];
  const ratio = `max by (namespace, persistentvolumeclaim) (${free}{${KUBELET}} / ${size}{${KUBELET}})`;
  // Read-only volumes do not fill.
  const writable =
    'unless on (namespace, persistentvolumeclaim) kube_persistentvolumeclaim_access_mode{access_mode="ReadOnlyMany"} == 1';
  const Kind = kind === 'bytes' ? '' : 'Inodes';
  return [
    {
      alert: `KubePersistentVolume${Kind}FillingUp`,
      expr: `(${ratio} < ${VOLUME_FILLING_FREE_RATIO} and on (namespace, persistentvolumeclaim) max by (namespace, persistentvolumeclaim) (predict_linear(${free}{${KUBELET}}[6h], ${VOLUME_PREDICTION_SECONDS})) < 0) ${writable}`,
      for: '1h',
      severity: AlertSeverity.WARNING,
      summary: `Persistent volume ${what} filling up`,
      description: `Volume claim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has {{ $value | humanizePercentage }} of its ${what} free and, at the rate of the last 6 hours, fills up within 4 days.`,
    },
    {
      alert: `KubePersistentVolume${Kind}AlmostFull`,
      expr: `(${ratio} < ${VOLUME_FULL_FREE_RATIO}) ${writable}`,
      for: '1m',
      severity: AlertSeverity.CRITICAL,
      summary: `Persistent volume ${what} almost exhausted`,
      description: `Volume claim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has only {{ $value | humanizePercentage }} of its ${what} free (below ${VOLUME_FULL_FREE_RATIO * 100}%): writes to it are about to fail.`,
    },
  ];
}

function kubernetesAlertSpecs(kubeStateMetricsJob: string): AlertSpec[] {
  const specs: Omit<AlertSpec, 'runbook'>[] = [
    // Workloads.
    {
      alert: KubernetesAlert.KUBE_POD_NOT_READY,
      expr: [
        '((max by (namespace, pod) (kube_pod_status_ready{condition="false"}) == 1)',
        'or (max by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Unknown"}) == 1))',
        'unless on (namespace, pod) (max by (namespace, pod) (kube_pod_status_phase{phase=~"Succeeded|Failed"}) == 1)',
        NOT_JOB_PODS,
      ].join(' '),
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Pod not ready',
      description:
        'Pod {{ $labels.namespace }}/{{ $labels.pod }} has not been ready for 15 minutes: it receives no traffic from its Services.',
    },
    {
      alert: KubernetesAlert.KUBE_DEPLOYMENT_GENERATION_MISMATCH,
      expr: 'max by (namespace, deployment) (kube_deployment_metadata_generation) != on (namespace, deployment) max by (namespace, deployment) (kube_deployment_status_observed_generation)',
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Deployment change not picked up',
      description:
        'The controller has not acted on the latest change of Deployment {{ $labels.namespace }}/{{ $labels.deployment }} for 15 minutes (generation {{ $value }} not observed).',
    },
    {
      alert: KubernetesAlert.KUBE_DEPLOYMENT_REPLICAS_MISMATCH,
      expr: '(max by (namespace, deployment) (kube_deployment_spec_replicas) - on (namespace, deployment) max by (namespace, deployment) (kube_deployment_status_replicas_available) > 0) and on (namespace, deployment) (max by (namespace, deployment) (changes(kube_deployment_status_replicas_available[10m])) == 0)',
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Deployment short of available replicas',
      description:
        'Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has been {{ $value }} replica(s) short of its desired count for 15 minutes, with no progress.',
    },
    {
      alert: KubernetesAlert.KUBE_DEPLOYMENT_ROLLOUT_STUCK,
      expr: 'max by (namespace, deployment) (kube_deployment_status_condition{condition="Progressing",status="false"}) == 1',
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Deployment rollout stuck',
      description:
        'The rollout of Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has exceeded its progress deadline and has not progressed for 15 minutes.',
    },
    {
      alert: KubernetesAlert.KUBE_STATEFULSET_REPLICAS_MISMATCH,
      expr: '(max by (namespace, statefulset) (kube_statefulset_replicas) - on (namespace, statefulset) max by (namespace, statefulset) (kube_statefulset_status_replicas_ready) > 0) and on (namespace, statefulset) (max by (namespace, statefulset) (changes(kube_statefulset_status_replicas_ready[10m])) == 0)',
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'StatefulSet short of ready replicas',
      description:
        'StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} has been {{ $value }} replica(s) short of ready for 15 minutes, with no progress.',
    },
    {
      alert: KubernetesAlert.KUBE_STATEFULSET_GENERATION_MISMATCH,
      expr: 'max by (namespace, statefulset) (kube_statefulset_metadata_generation) != on (namespace, statefulset) max by (namespace, statefulset) (kube_statefulset_status_observed_generation)',
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'StatefulSet change not picked up',
      description:
        'The controller has not acted on the latest change of StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} for 15 minutes (generation {{ $value }} not observed).',
    },
    {
      alert: KubernetesAlert.KUBE_STATEFULSET_UPDATE_NOT_ROLLED_OUT,
      expr: '(max by (namespace, statefulset) (kube_statefulset_replicas) - on (namespace, statefulset) max by (namespace, statefulset) (kube_statefulset_status_replicas_updated) > 0) and on (namespace, statefulset) (max by (namespace, statefulset) (changes(kube_statefulset_status_replicas_updated[10m])) == 0)',
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'StatefulSet update not rolled out',
      description:
        'StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} has had {{ $value }} replica(s) on the old revision for 15 minutes, with no progress.',
    },
    {
      alert: KubernetesAlert.KUBE_DAEMONSET_ROLLOUT_STUCK,
      expr: [
        // Nodes without a pod that is both updated and available: desired minus the lower of the two.
        '(max by (namespace, daemonset) (kube_daemonset_status_desired_number_scheduled)',
        '- on (namespace, daemonset) min by (namespace, daemonset) ({__name__=~"kube_daemonset_status_updated_number_scheduled|kube_daemonset_status_number_available"}) > 0)',
        'and on (namespace, daemonset) (max by (namespace, daemonset) (changes(kube_daemonset_status_updated_number_scheduled[10m]) + changes(kube_daemonset_status_number_available[10m])) == 0)',
      ].join(' '),
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'DaemonSet rollout stuck',
      description:
        'DaemonSet {{ $labels.namespace }}/{{ $labels.daemonset }} has had {{ $value }} node(s) without an updated, available pod for 15 minutes, with no progress.',
    },
    {
      alert: KubernetesAlert.KUBE_DAEMONSET_NOT_SCHEDULED,
      expr: 'max by (namespace, daemonset) (kube_daemonset_status_desired_number_scheduled) - on (namespace, daemonset) max by (namespace, daemonset) (kube_daemonset_status_current_number_scheduled) > 0',
      for: '10m',
      severity: AlertSeverity.WARNING,
      summary: 'DaemonSet pods not scheduled',
      description:
        'DaemonSet {{ $labels.namespace }}/{{ $labels.daemonset }} has had no pod on {{ $value }} node(s) that should run one for 10 minutes.',
    },
    {
      alert: KubernetesAlert.KUBE_DAEMONSET_MISSCHEDULED,
      expr: 'max by (namespace, daemonset) (kube_daemonset_status_number_misscheduled) > 0',
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'DaemonSet pods on the wrong nodes',
      description:
        'DaemonSet {{ $labels.namespace }}/{{ $labels.daemonset }} has had {{ $value }} pod(s) on nodes that should not run it for 15 minutes.',
    },
    {
      alert: KubernetesAlert.KUBE_CONTAINER_WAITING,
      // A crash loop is KubePodCrashLooping's.
      expr: 'max by (namespace, pod, container, reason) (kube_pod_container_status_waiting_reason{reason!="CrashLoopBackOff"}) == 1',
      for: '1h',
      severity: AlertSeverity.WARNING,
      summary: 'Container waiting to start',
      description:
        'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} has been waiting ({{ $labels.reason }}) for an hour.',
    },
    {
      alert: KubernetesAlert.KUBE_JOB_NOT_COMPLETED,
      expr: `(time() - max by (namespace, job_name) (kube_job_status_start_time) > ${JOB_RUNNING_TOO_LONG_SECONDS}) and on (namespace, job_name) (max by (namespace, job_name) (kube_job_status_active) > 0)`,
      severity: AlertSeverity.WARNING,
      summary: 'Job running too long',
      description:
        'Job {{ $labels.namespace }}/{{ $labels.job_name }} started {{ $value | humanizeDuration }} ago and is still running (more than 12 hours).',
    },
    {
      alert: KubernetesAlert.KUBE_JOB_FAILED,
      expr: 'max by (namespace, job_name) (kube_job_failed{condition="true"}) == 1',
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Job failed',
      description:
        'Job {{ $labels.namespace }}/{{ $labels.job_name }} has failed: its pods exhausted their retries or its deadline. It stays failed until the Job is deleted or replaced.',
    },
    {
      alert: KubernetesAlert.KUBE_HPA_REPLICAS_MISMATCH,
      expr: [
        '(max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_desired_replicas) != on (namespace, horizontalpodautoscaler) max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_current_replicas))',
        'and on (namespace, horizontalpodautoscaler) (max by (namespace, horizontalpodautoscaler) (changes(kube_horizontalpodautoscaler_status_current_replicas[15m])) == 0)',
      ].join(' '),
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'HorizontalPodAutoscaler not reaching its desired replicas',
      description:
        'HorizontalPodAutoscaler {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} wants {{ $value }} replicas but has not reached them for 15 minutes.',
    },
    {
      alert: KubernetesAlert.KUBE_HPA_MAXED_OUT,
      expr: [
        '(max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_current_replicas) >= on (namespace, horizontalpodautoscaler) max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas))',
        // A fixed size (min = max) is not an autoscaler at its limit.
        'and on (namespace, horizontalpodautoscaler) (max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas) > on (namespace, horizontalpodautoscaler) max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_min_replicas))',
      ].join(' '),
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'HorizontalPodAutoscaler at its maximum',
      description:
        'HorizontalPodAutoscaler {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has run at its maximum of {{ $value }} replicas for 15 minutes: it cannot add capacity if load grows.',
    },
    {
      alert: KubernetesAlert.KUBE_PDB_NOT_ENOUGH_HEALTHY_PODS,
      expr: 'max by (namespace, poddisruptionbudget) (kube_poddisruptionbudget_status_desired_healthy) - on (namespace, poddisruptionbudget) max by (namespace, poddisruptionbudget) (kube_poddisruptionbudget_status_current_healthy) > 0',
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'PodDisruptionBudget not met',
      description:
        'PodDisruptionBudget {{ $labels.namespace }}/{{ $labels.poddisruptionbudget }} has been {{ $value }} healthy pod(s) short of its minimum for 15 minutes: node drains are blocked.',
    },
    // Resources (the overcommit alerts read recording rules: one evaluation of lag, which `for` absorbs).
    ...(['cpu', 'memory'] as const).map((resource) => {
      const requests = resource === 'cpu' ? R.clusterCpuRequests : R.clusterMemoryRequests;
      const allocatable = `kube_node_status_allocatable{resource="${resource}"}`;
      return {
        alert:
          resource === 'cpu'
            ? KubernetesAlert.KUBE_CPU_OVERCOMMIT
            : KubernetesAlert.KUBE_MEMORY_OVERCOMMIT,
        // Requests against what is left with the largest node gone; one node cannot lose one.
        expr: `(${requests} - on () (sum (${allocatable}) - max (${allocatable})) > 0) and on () (count (${allocatable}) > 1)`,
        for: '10m',
        severity: AlertSeverity.WARNING,
        summary: `Pods request more ${resource === 'cpu' ? 'CPU' : 'memory'} than the cluster has without its largest node`,
        description: `Pods request ${resource === 'cpu' ? '{{ $value | humanize }} CPU cores' : '{{ $value | humanize1024 }}B of memory'} more than the nodes could offer with the largest one lost: a node failure leaves pods unschedulable.`,
      };
    }),
    ...(['cpu', 'memory'] as const).map((resource) => ({
      alert:
        resource === 'cpu'
          ? KubernetesAlert.KUBE_CPU_QUOTA_OVERCOMMIT
          : KubernetesAlert.KUBE_MEMORY_QUOTA_OVERCOMMIT,
      expr: `sum (kube_resourcequota{type="hard",resource=~"(requests\\\\.)?${resource}"}) / on () sum (kube_node_status_allocatable{resource="${resource}"}) > ${QUOTA_OVERCOMMIT_FACTOR}`,
      for: '5m',
      severity: AlertSeverity.WARNING,
      summary: `${resource === 'cpu' ? 'CPU' : 'Memory'} quotas overcommit the cluster`,
      description: `The hard ${resource} quotas of all namespaces add up to {{ $value | humanizePercentage }} of the nodes' allocatable ${resource} (more than ${QUOTA_OVERCOMMIT_FACTOR * 100}%): namespaces can be within quota and still find no room.`,
    })),
    {
      alert: KubernetesAlert.KUBE_QUOTA_ALMOST_FULL,
      expr: `${QUOTA_USED_RATIO} > ${QUOTA_ALMOST_FULL_RATIO} < 1`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Resource quota almost used up',
      description: `Namespace {{ $labels.namespace }} uses {{ $value | humanizePercentage }} of its {{ $labels.resource }} quota ({{ $labels.resourcequota }}), more than ${QUOTA_ALMOST_FULL_RATIO * 100}%.`,
    },
    {
      alert: KubernetesAlert.KUBE_QUOTA_FULLY_USED,
      expr: `${QUOTA_USED_RATIO} == 1`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Resource quota used up',
      description:
        'Namespace {{ $labels.namespace }} uses all of its {{ $labels.resource }} quota ({{ $labels.resourcequota }}): new pods or objects that need it are refused.',
    },
    {
      alert: KubernetesAlert.KUBE_QUOTA_EXCEEDED,
      expr: `${QUOTA_USED_RATIO} > 1`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Resource quota exceeded',
      description:
        'Namespace {{ $labels.namespace }} uses {{ $value | humanizePercentage }} of its {{ $labels.resource }} quota ({{ $labels.resourcequota }}): the quota was lowered below what already runs.',
    },
    {
      alert: KubernetesAlert.CPU_THROTTLING_HIGH,
      expr: `sum by (namespace, pod, container) (increase(container_cpu_cfs_throttled_periods_total{container!=""}[5m])) / on (namespace, pod, container) (sum by (namespace, pod, container) (increase(container_cpu_cfs_periods_total{container!=""}[5m])) > 0) > ${THROTTLED_RATIO}`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Container CPU throttled',
      description: `Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} has been throttled in {{ $value | humanizePercentage }} of its CPU periods (more than ${THROTTLED_RATIO * 100}%) for 15 minutes: it runs slower than it could.`,
    },
    {
      alert: KubernetesAlert.KUBE_CONTAINER_MEMORY_NEAR_LIMIT,
      expr: `max by (namespace, pod, container) (container_memory_working_set_bytes{container!="",image!=""}) / on (namespace, pod, container) (max by (namespace, pod, container) (kube_pod_container_resource_limits{resource="memory"}) > 0) > ${MEMORY_NEAR_LIMIT_RATIO}`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Container close to its memory limit',
      description: `Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} has used {{ $value | humanizePercentage }} of its memory limit for 15 minutes (more than ${MEMORY_NEAR_LIMIT_RATIO * 100}%): it is close to an OOM kill.`,
    },
    // Storage.
    ...volumeRules('bytes'),
    ...volumeRules('inodes'),
    {
      alert: KubernetesAlert.KUBE_PERSISTENT_VOLUME_ERRORS,
      expr: 'max by (persistentvolume, phase) (kube_persistentvolume_status_phase{phase=~"Failed|Pending"}) == 1',
      for: '5m',
      severity: AlertSeverity.WARNING,
      summary: 'Persistent volume in a bad phase',
      description:
        'Persistent volume {{ $labels.persistentvolume }} has been {{ $labels.phase }} for 5 minutes.',
    },
    {
      alert: KubernetesAlert.KUBE_PERSISTENT_VOLUME_CLAIM_PENDING,
      expr: 'max by (namespace, persistentvolumeclaim) (kube_persistentvolumeclaim_status_phase{phase="Pending"}) == 1',
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Persistent volume claim not bound',
      description:
        'Volume claim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has been Pending for 15 minutes: the pods that mount it cannot start.',
    },
    {
      alert: KubernetesAlert.KUBE_PERSISTENT_VOLUME_CLAIM_LOST,
      expr: 'max by (namespace, persistentvolumeclaim) (kube_persistentvolumeclaim_status_phase{phase="Lost"}) == 1',
      for: '1m',
      severity: AlertSeverity.CRITICAL,
      summary: 'Persistent volume claim lost its volume',
      description:
        'Volume claim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is Lost: the volume it was bound to is gone, and so may be its data.',
    },
    // Nodes and the kubelet.
    {
      alert: KubernetesAlert.KUBE_NODE_NOT_READY,
      expr: 'max by (node) (kube_node_status_condition{condition="Ready",status="true"}) == 0',
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Node not ready',
      description:
        'Node {{ $labels.node }} has not been Ready for 15 minutes: no new pods go to it, and its pods are evicted.',
    },
    {
      alert: KubernetesAlert.KUBE_NODE_UNREACHABLE,
      expr: 'max by (node) (kube_node_spec_taint{key="node.kubernetes.io/unreachable",effect="NoSchedule"}) == 1',
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Node unreachable',
      description:
        'Node {{ $labels.node }} has carried the unreachable taint for 15 minutes: the control plane has not heard from its kubelet.',
    },
    {
      alert: KubernetesAlert.KUBE_NODE_READINESS_FLAPPING,
      expr: 'sum by (node) (changes(kube_node_status_condition{condition="Ready",status="true"}[15m])) > 2',
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Node readiness flapping',
      description:
        'Node {{ $labels.node }} changed its Ready condition {{ $value }} times in 15 minutes: its pods are rescheduled again and again.',
    },
    {
      alert: KubernetesAlert.KUBE_NODE_PRESSURE,
      expr: 'max by (node, condition) (kube_node_status_condition{condition=~"MemoryPressure|DiskPressure|PIDPressure",status="true"}) == 1',
      for: '5m',
      severity: AlertSeverity.WARNING,
      summary: 'Node under resource pressure',
      description:
        'Node {{ $labels.node }} has reported {{ $labels.condition }} for 5 minutes: the kubelet evicts pods and admits no new BestEffort pods.',
    },
    {
      alert: KubernetesAlert.KUBELET_TOO_MANY_PODS,
      expr: `max by (node) (kubelet_running_pods{${KUBELET}}) / on (node) (max by (node) (kube_node_status_capacity{resource="pods"}) > 0) > ${PODS_CAPACITY_RATIO}`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Kubelet close to its pod limit',
      description: `Node {{ $labels.node }} runs {{ $value | humanizePercentage }} of the pods it can hold (more than ${PODS_CAPACITY_RATIO * 100}%): new pods will not fit.`,
    },
    {
      alert: KubernetesAlert.KUBELET_PLEG_DURATION_HIGH,
      expr: `histogram_quantile(0.99, sum by (node, le) (rate(kubelet_pleg_relist_duration_seconds_bucket{${KUBELET}}[5m]))) >= ${PLEG_P99_SECONDS}`,
      for: '5m',
      severity: AlertSeverity.WARNING,
      summary: 'Kubelet PLEG relist slow',
      description: `The 99th percentile of the kubelet's pod lifecycle event relist on node {{ $labels.node }} is {{ $value | humanizeDuration }} (${PLEG_P99_SECONDS}s or more): the node is about to turn NotReady.`,
    },
    {
      alert: KubernetesAlert.KUBELET_POD_START_UP_LATENCY_HIGH,
      expr: `histogram_quantile(0.99, sum by (node, le) (rate(kubelet_pod_start_sli_duration_seconds_bucket{${KUBELET}}[5m]))) > ${POD_START_P99_SECONDS}`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Pods start slowly',
      description: `The 99th percentile of pod start-up on node {{ $labels.node }}, image pulls left out, is {{ $value | humanizeDuration }} (more than ${POD_START_P99_SECONDS}s).`,
    },
    {
      alert: KubernetesAlert.KUBELET_DOWN,
      expr: `absent(up{${KUBELET}} == 1)`,
      for: '15m',
      severity: AlertSeverity.CRITICAL,
      summary: 'No kubelet can be scraped',
      description: `Prometheus has scraped no kubelet (job ${KUBELET_JOB}) for 15 minutes: container, volume and kubelet metrics, and the alerts on them, are gone.`,
    },
    ...(['client', 'server'] as const).flatMap((side) => {
      const Side = side === 'client' ? 'Client' : 'Server';
      const errors =
        side === 'client'
          ? 'kubelet_certificate_manager_client_expiration_renew_errors'
          : 'kubelet_server_expiration_renew_errors';
      return [
        {
          alert: `Kubelet${Side}CertificateExpiration`,
          expr: `min by (node) (kubelet_certificate_manager_${side}_ttl_seconds{${KUBELET}}) < ${CERTIFICATE_WARNING_SECONDS}`,
          severity: AlertSeverity.WARNING,
          summary: `Kubelet ${side} certificate expires soon`,
          description: `The ${side} certificate of the kubelet on node {{ $labels.node }} expires in {{ $value | humanizeDuration }} (less than 7 days).`,
        },
        {
          alert: `Kubelet${Side}CertificateRenewalErrors`,
          expr: `sum by (node) (increase(${errors}{${KUBELET}}[5m])) > 0`,
          for: '15m',
          severity: AlertSeverity.WARNING,
          summary: `Kubelet fails to renew its ${side} certificate`,
          description: `The kubelet on node {{ $labels.node }} failed to renew its ${side} certificate {{ $value | humanize }} time(s) in the last 5 minutes.`,
        },
      ];
    }),
    // kube-state-metrics itself (the list and watch counters come from its telemetry port).
    ...(['list', 'watch'] as const).map((call) => ({
      alert:
        call === 'list'
          ? KubernetesAlert.KUBE_STATE_METRICS_LIST_ERRORS
          : KubernetesAlert.KUBE_STATE_METRICS_WATCH_ERRORS,
      expr: `sum by (resource) (rate(kube_state_metrics_${call}_total{result="error"}[5m])) / on (resource) (sum by (resource) (rate(kube_state_metrics_${call}_total[5m])) > 0) > ${KSM_ERROR_RATIO}`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: `kube-state-metrics ${call} requests failing`,
      description: `{{ $value | humanizePercentage }} of kube-state-metrics' ${call} requests for {{ $labels.resource }} have failed for 15 minutes: its metrics of them are stale or missing.`,
    })),
    {
      alert: KubernetesAlert.KUBE_STATE_METRICS_DOWN,
      expr: `absent(up{job="${kubeStateMetricsJob}"} == 1)`,
      for: '15m',
      severity: AlertSeverity.CRITICAL,
      summary: 'kube-state-metrics cannot be scraped',
      description: `Prometheus has not scraped kube-state-metrics (job ${kubeStateMetricsJob}) for 15 minutes: every alert on Kubernetes objects, crash loops included, is blind.`,
    },
  ];
  return specs.map((spec) => {
    const runbook = runbooks.KUBERNETES_RUNBOOKS[spec.alert];
    if (!runbook) throw new Error(`alert ${spec.alert} of the Kubernetes mixin has no runbook`);
    return { ...spec, runbook };
  });
}

/**
 * The Kubernetes mixin, on kube-state-metrics, the kubelet and cAdvisor: workloads (pods not
 * ready, crash loops, OOM kills, rollouts of Deployments, StatefulSets and DaemonSets, Jobs,
 * autoscalers, disruption budgets), resources (overcommit, quotas, throttling), persistent
 * volumes, nodes and the kubelet, and kube-state-metrics itself; recording rules of CPU, memory,
 * requests and limits per container, pod, workload, namespace and cluster
 * (`kubernetes-rules`); and the dashboards `infrastructure`, `kubernetes-cluster`,
 * `kubernetes-namespace`, `kubernetes-workload`, `kubernetes-pod` and `kubernetes-volumes`.
 * A crash loop, a volume about to fill, a lost volume claim and a blind kubelet or
 * kube-state-metrics page; the rest are warnings.
 */
export function kubernetesMixin(
  context: MixinContext,
  options: KubernetesMixinOptions = {},
): MonitoringMixin {
  const c = alertsOf(context);
  const kubeStateMetricsJob = options.kubeStateMetricsJob ?? 'kube-state-metrics';
  if (typeof kubeStateMetricsJob !== 'string' || !/^[a-zA-Z0-9_.:/-]+$/.test(kubeStateMetricsJob)) {
    invalidProp(
      context.scope ?? 'mixins',
      'kubeStateMetricsJob',
      kubeStateMetricsJob,
      'is not a scrape job name',
      "give the job name of kube-state-metrics' scrape job, such as 'kube-state-metrics'",
    );
  }
  return {
    name: 'kubernetes',
    ruleGroups: [
      { name: 'kubernetes-rules', rules: kubernetesRecordingRules() },
      {
        name: 'kubernetes-alerts',
        rules: [
          alertRule(c, {
            alert: AlertName.CONTAINER_OOM_KILLED,
            // A restart in the window whose last termination was an OOM kill.
            expr: 'increase(kube_pod_container_status_restarts_total[10m]) > 0 and on (namespace, pod, container) kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} == 1',
            severity: AlertSeverity.WARNING,
            summary: 'Container killed for lack of memory',
            description:
              'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} was OOM-killed in the last 10 minutes; raise its memory limit or find the leak.',
            runbook: runbooks.CONTAINER_OOM_KILLED_RUNBOOK,
          }),
          alertRule(c, {
            alert: AlertName.KUBE_POD_CRASH_LOOPING,
            // Restarts catch a fast loop before the back-off grows; the waiting reason catches a slow one.
            expr: [
              `sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total[${c.crashLoopWindow}])) > ${c.crashLoopRestarts}`,
              'or sum by (namespace, pod, container) (kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}) > 0',
            ].join(' '),
            for: '5m',
            severity: AlertSeverity.CRITICAL,
            summary: 'Pod crash looping',
            description: `Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} restarted more than ${c.crashLoopRestarts} times in ${c.crashLoopWindow} or is waiting in CrashLoopBackOff.`,
            runbook: runbooks.KUBE_POD_CRASH_LOOPING_RUNBOOK,
          }),
          ...kubernetesAlertSpecs(kubeStateMetricsJob).map((spec) => alertRule(c, spec)),
        ],
      },
    ],
    dashboards: [
      { name: 'infrastructure', json: infrastructureDashboard() },
      { name: 'kubernetes-cluster', json: kubernetesClusterDashboard() },
      { name: 'kubernetes-namespace', json: kubernetesNamespaceDashboard() },
      { name: 'kubernetes-workload', json: kubernetesWorkloadDashboard() },
      { name: 'kubernetes-pod', json: kubernetesPodDashboard() },
      { name: 'kubernetes-volumes', json: kubernetesVolumesDashboard() },
    ],
  };
}
