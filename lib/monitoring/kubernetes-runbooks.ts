import { AlertRunbook } from '../prometheus/alert-runbook';

export const CONTAINER_OOM_KILLED_RUNBOOK: AlertRunbook = {
  meaning: `A container restarted in the last 10 minutes and its last termination was \`OOMKilled\` (kube-state-metrics' \`kube_pod_container_status_restarts_total\` and \`kube_pod_container_status_last_terminated_reason\`): it used more memory than its limit, or the node ran out. Its in-flight work was lost; repeated kills become \`KubePodCrashLooping\`.`,
  check: [
    {
      text: 'Confirm the reason and see the limit:',
      shell: [
        'kubectl -n <namespace> describe pod <pod> | grep -E "Last State|Reason|Limits|memory" -A2',
        'kubectl -n <namespace> logs <pod> -c <container> --previous | tail -50',
      ].join('\n'),
    },
    {
      text: 'Compare the working set before the kill with the limit: at the limit, the container outgrew it; well below it, the node ran out (see `NodeMemoryPressure`).',
      promql:
        'max by (namespace, pod, container) (max_over_time(container_memory_working_set_bytes{namespace="<namespace>", pod="<pod>", container="<container>"}[1h])) / on (namespace, pod, container) max by (namespace, pod, container) (kube_pod_container_resource_limits{resource="memory", namespace="<namespace>", pod="<pod>", container="<container>"})',
    },
  ],
  fix: [
    {
      text: "Raise the container's memory limit if it needs more. For the stack's own components, memory is a prop of each (`resources`, for example `logstash: { resources: ... }`); for the JVMs the heap is a share of the container's memory (Elasticsearch `heapRatio`, Logstash `heap`, 50 % of the limit by default), and the rest is the JVM's own and the file system cache, so raise the container's memory rather than the heap.",
    },
    {
      text: 'If it grows without bound, it leaks: keep the higher limit as a stopgap and fix the program.',
    },
  ],
};

export const KUBE_POD_CRASH_LOOPING_RUNBOOK: AlertRunbook = {
  meaning: `A container has restarted more than \`alerts.crashLoopRestarts\` times (default 3) within \`alerts.crashLoopWindow\` (default 15 minutes), or is waiting in \`CrashLoopBackOff\`, for 5 minutes (kube-state-metrics). The pod is not serving; with one replica, or all replicas looping, its service is down. It pages because it is an outage now.`,
  check: [
    {
      text: 'See why it exits: the last state (exit code, `OOMKilled`, `Error`) and the log of the previous run:',
      shell: [
        'kubectl -n <namespace> describe pod <pod> | grep -E "State|Reason|Exit Code|Restart Count" -A1',
        'kubectl -n <namespace> logs <pod> -c <container> --previous | tail -100',
        'kubectl -n <namespace> get events --field-selector involvedObject.name=<pod> --sort-by=.lastTimestamp',
      ].join('\n'),
    },
    {
      text: 'Exit code 137 with `OOMKilled` is memory (`ContainerOomKilled`); a failing liveness probe shows as `Liveness probe failed` in the events; an exit right after start is usually configuration (a missing Secret key, a bad flag).',
    },
    {
      text: "For the stack's own pods, the usual causes: Elasticsearch exits on a bad setting or a certificate that does not match its CA (Secret `elasticsearch-certs`); Logstash and Filebeat exit on a config error (the log names the file and line); a setup Job's pod (`elasticsearch-setup-*`, `elasticsearch-users-*`, `kibana-setup-*`) fails when Elasticsearch refuses its credentials. A pod that never starts (`CreateContainerConfigError`, stuck in `ContainerCreating`) is not looping: a Secret or key it reads is missing. The stack's Secrets and the pods that read them:",
      shell:
        'kubectl -n <namespace> get pod <pod> -o jsonpath=\'{range .spec.volumes[*]}{.secret.secretName}{"\\n"}{end}\' | sort -u\nnpm run --silent docs:secrets   # in this repository: every Secret, its keys and its reader',
    },
  ],
  fix: [
    {
      text: 'A bad rollout: `kubectl -n <namespace> rollout undo deployment/<name>` (or `statefulset/<name>`).',
    },
    {
      text: 'Credentials refused: the `elasticsearch-users-<hash>` Job sets every client\'s password from its Secret; after changing a Secret, apply the manifests so a new Job runs, then restart the client. A missing Secret: create it (README, "Secrets you create"); the pod starts on its next try.',
    },
    {
      text: 'A liveness probe that kills a slow start: give the container the CPU it needs to start in time (a throttled JVM starts slowly), or lengthen the probe of that workload.',
    },
  ],
};

type Runbooks = Readonly<Record<string, AlertRunbook>>;

const describe = (kind: string, name = kind) => `kubectl -n <namespace> describe ${kind} <${name}>`;

/** Runbooks of the workload alerts. */
const WORKLOAD_RUNBOOKS: Runbooks = {
  KubePodNotReady: {
    meaning:
      'A pod of a Deployment, StatefulSet or DaemonSet has been Pending, Unknown or not Ready for a while (kube-state-metrics `kube_pod_status_phase`, `kube_pod_status_ready`). Its Services send it no traffic: the workload runs with less capacity, or not at all with one replica.',
    check: [
      {
        text: 'See its phase, conditions and events: `Pending` with `FailedScheduling` is no room or an unmet constraint; `Running` but not Ready is a failing readiness probe.',
        shell: `kubectl -n <namespace> get pod <pod> -o wide\nkubectl -n <namespace> describe pod <pod> | sed -n '/Conditions/,$p'`,
      },
      {
        text: 'Its logs, for a readiness probe that fails:',
        shell: 'kubectl -n <namespace> logs <pod> --all-containers --tail=100',
      },
    ],
    fix: [
      {
        text: 'Not schedulable: free room (scale down something, add a node) or relax the constraint (node selector, affinity, a volume in another zone). See `KubeCpuOvercommit` and `KubeMemoryOvercommit`.',
      },
      {
        text: 'Not ready: fix what the probe checks (a dependency down, a slow start) or the probe itself; `kubectl -n <namespace> delete pod <pod>` once the cause is gone if it does not recover.',
      },
    ],
  },
  KubeDeploymentGenerationMismatch: {
    meaning:
      'The Deployment controller has not observed the latest change of a Deployment (`kube_deployment_metadata_generation` above `kube_deployment_status_observed_generation`): the change is not being rolled out. Usually the controller manager is down or overloaded.',
    check: [
      {
        text: 'Compare the generations and see the controller manager:',
        shell:
          'kubectl -n <namespace> get deployment <deployment> -o jsonpath=\'{.metadata.generation} {.status.observedGeneration}{"\\n"}\'\nkubectl -n kube-system get pods -l component=kube-controller-manager',
      },
    ],
    fix: [
      {
        text: "Bring the controller manager back (a managed cluster: the provider's status page or support). The rollout continues on its own once it runs.",
      },
    ],
  },
  KubeDeploymentReplicasMismatch: {
    meaning:
      'A Deployment has fewer available replicas than it wants and the count has not moved for a while (`kube_deployment_spec_replicas`, `kube_deployment_status_replicas_available`). It runs with less capacity than planned; new pods fail to start or to become ready.',
    check: [
      {
        text: "See the Deployment's pods that are not available and why:",
        shell: `kubectl -n <namespace> get pods -o wide | grep "^<deployment>-"\n${describe('deployment')}`,
      },
      {
        text: 'The pods have their own alerts: `KubePodNotReady`, `KubePodCrashLooping`, `KubeContainerWaiting`.',
      },
    ],
    fix: [
      {
        text: 'Fix what keeps the pods from starting (room, image, configuration), or roll back a bad release:',
        shell: 'kubectl -n <namespace> rollout undo deployment/<deployment>',
      },
    ],
  },
  KubeDeploymentRolloutStuck: {
    meaning:
      'A Deployment\'s rollout passed its progress deadline (`kube_deployment_status_condition{condition="Progressing",status="false"}`, reason `ProgressDeadlineExceeded`): new pods do not become available, so the old ReplicaSet keeps running and the release is not out.',
    check: [
      {
        text: "See the rollout status and the new ReplicaSet's pods:",
        shell:
          'kubectl -n <namespace> rollout status deployment/<deployment> --timeout=5s\nkubectl -n <namespace> get rs | grep "^<deployment>-"',
      },
    ],
    fix: [
      {
        text: 'Roll back, fix the release, and roll out again:',
        shell: 'kubectl -n <namespace> rollout undo deployment/<deployment>',
      },
    ],
  },
  KubeStatefulSetReplicasMismatch: {
    meaning:
      'A StatefulSet has fewer ready replicas than it wants and the count has not moved for a while (`kube_statefulset_replicas`, `kube_statefulset_status_replicas_ready`). StatefulSets start pods one by one, so one stuck pod holds back every later one. For the stack this is Elasticsearch or Logstash with fewer members.',
    check: [
      {
        text: 'Find the first pod that is not ready, and its volume claim:',
        shell:
          'kubectl -n <namespace> get pods -o wide | grep "^<statefulset>-"\nkubectl -n <namespace> get pvc',
      },
    ],
    fix: [
      {
        text: 'Fix that pod (its own alerts say why); a claim that cannot bind is `KubePersistentVolumeClaimPending`. Do not delete claims of a StatefulSet to unblock it: their data goes with them.',
      },
    ],
  },
  KubeStatefulSetGenerationMismatch: {
    meaning:
      'The StatefulSet controller has not observed the latest change of a StatefulSet (`kube_statefulset_metadata_generation` above `kube_statefulset_status_observed_generation`): the change is not applied. Usually the controller manager is down.',
    check: [
      {
        text: 'Compare the generations and see the controller manager:',
        shell:
          'kubectl -n <namespace> get statefulset <statefulset> -o jsonpath=\'{.metadata.generation} {.status.observedGeneration}{"\\n"}\'\nkubectl -n kube-system get pods -l component=kube-controller-manager',
      },
    ],
    fix: [{ text: 'Bring the controller manager back; the StatefulSet catches up on its own.' }],
  },
  KubeStatefulSetUpdateNotRolledOut: {
    meaning:
      'Some replicas of a StatefulSet still run the old revision and none has been updated for a while (`kube_statefulset_status_replicas_updated` below `kube_statefulset_replicas`). The update stopped at a pod that does not become ready, or the StatefulSet uses `OnDelete` (or a `partition`) and waits for pods to be deleted.',
    check: [
      {
        text: 'See the revisions and the update strategy:',
        shell:
          'kubectl -n <namespace> get statefulset <statefulset> -o jsonpath=\'{.spec.updateStrategy}{"\\n"}{.status.currentRevision} {.status.updateRevision}{"\\n"}\'\nkubectl -n <namespace> get pods -L controller-revision-hash | grep "^<statefulset>-"',
      },
    ],
    fix: [
      {
        text: 'Fix the updated pod that is not ready, or roll back: `kubectl -n <namespace> rollout undo statefulset/<statefulset>`. With `OnDelete`, delete the old pods one at a time, waiting for each to be ready.',
      },
    ],
  },
  KubeDaemonSetRolloutStuck: {
    meaning:
      'Some nodes of a DaemonSet have no pod that is both updated and available, and that has not changed for a while (`kube_daemonset_status_*`). On those nodes the agent is old or not running: for the stack, Filebeat (logs of the node lost) or node-exporter.',
    check: [
      {
        text: 'Find the nodes whose pod is not updated or not ready:',
        shell:
          'kubectl -n <namespace> rollout status daemonset/<daemonset> --timeout=5s\nkubectl -n <namespace> get pods -o wide | grep "^<daemonset>-"',
      },
    ],
    fix: [
      {
        text: 'Fix the failing pod (its own alerts say why), or roll back: `kubectl -n <namespace> rollout undo daemonset/<daemonset>`.',
      },
    ],
  },
  KubeDaemonSetNotScheduled: {
    meaning:
      'Nodes that should run a pod of a DaemonSet have none (`kube_daemonset_status_desired_number_scheduled` above `..._current_number_scheduled`): on them the agent does not run at all.',
    check: [
      {
        text: 'Find the nodes without the pod, and the events that say why (no room, a taint the DaemonSet does not tolerate):',
        shell: `kubectl get nodes\nkubectl -n <namespace> get pods -o wide | grep "^<daemonset>-"\n${describe('daemonset')}`,
      },
    ],
    fix: [
      {
        text: "Free room on those nodes (a DaemonSet pod needs its requests to fit), or give the DaemonSet the tolerations of the nodes' taints.",
      },
    ],
  },
  KubeDaemonSetMisScheduled: {
    meaning:
      'Pods of a DaemonSet run on nodes that no longer match its node selector, affinity or tolerations (`kube_daemonset_status_number_misscheduled`): they use room they should not, and the DaemonSet controller does not remove them.',
    check: [
      {
        text: 'Find the pods and compare their nodes with the selector:',
        shell:
          'kubectl -n <namespace> get pods -o wide | grep "^<daemonset>-"\nkubectl -n <namespace> get daemonset <daemonset> -o jsonpath=\'{.spec.template.spec.nodeSelector}{"\\n"}\'',
      },
    ],
    fix: [
      { text: 'Delete the misplaced pods, or fix the node labels or the selector that changed.' },
    ],
  },
  KubeContainerWaiting: {
    meaning:
      'A container has been waiting to start for an hour (`kube_pod_container_status_waiting_reason`), for a reason other than a crash loop: `ImagePullBackOff`, `ErrImagePull`, `CreateContainerConfigError`, `ContainerCreating`. Its pod does no work.',
    check: [
      {
        text: 'The reason is in the alert; the events say what is missing (the image, a Secret or ConfigMap key, a volume):',
        shell: "kubectl -n <namespace> describe pod <pod> | sed -n '/Events/,$p'",
      },
    ],
    fix: [
      {
        text: 'An image pull: fix the image name or tag, or the pull Secret. A config error: create the Secret or key it reads (for the stack, README "Secrets you create", or `npm run --silent docs:secrets`). A volume: see the claim (`KubePersistentVolumeClaimPending`).',
      },
    ],
  },
  KubeJobNotCompleted: {
    meaning:
      "A Job has been running far longer than a batch task should (`kube_job_status_start_time`, `kube_job_status_active`): it is stuck or its pods keep being retried. A CronJob's next run may be skipped while it runs (`concurrencyPolicy: Forbid`).",
    check: [
      {
        text: "See the Job's pods and their logs:",
        shell:
          'kubectl -n <namespace> get pods -l job-name=<job_name>\nkubectl -n <namespace> logs -l job-name=<job_name> --tail=50',
      },
    ],
    fix: [
      {
        text: 'Fix what it waits on, then delete the Job (its CronJob, if any, starts the next run on schedule): `kubectl -n <namespace> delete job <job_name>`. Give long Jobs an `activeDeadlineSeconds`.',
      },
    ],
  },
  KubeJobFailed: {
    meaning:
      'A Job failed (`kube_job_failed{condition="true"}`): its pods used up their retries (`backoffLimit`) or its deadline, and the work it does did not happen. The stack\'s own Jobs are among them: `elasticsearch-setup-<hash>` (index templates, ILM policies, snapshot repository and policies), `elasticsearch-users-<hash>` (users and passwords of every client), `kibana-setup-<hash>` (Kibana\'s data views and saved objects), and the Jobs of the `jaeger-index-cleaner` CronJob (daily deletion of span indices past the retention). A failed setup Job leaves Elasticsearch or Kibana on the previous configuration; a failed index-cleaner Job leaves old span indices filling the disk.',
    check: [
      {
        text: "See why: the Job's condition and the logs of its last pod:",
        shell:
          "kubectl -n <namespace> describe job <job_name> | sed -n '/Conditions/,$p'\nkubectl -n <namespace> logs job/<job_name> --tail=100",
      },
      {
        text: "For the stack's Jobs the usual cause is Elasticsearch or Kibana refusing the request: not reachable, not green, or the credentials rejected (the log shows the HTTP status and the response body).",
      },
    ],
    fix: [
      {
        text: 'Fix the cause, then run the Job again: for the setup Jobs apply the manifests again (a Job is immutable, so delete the failed one first: `kubectl -n <namespace> delete job <job_name>`, then apply); for a CronJob, delete the failed Job and start one now:',
        shell:
          'kubectl -n <namespace> create job --from=cronjob/<cronjob> <cronjob>-manual-$(date +%s)',
      },
      { text: 'The alert clears when the failed Job is deleted or replaced.' },
    ],
  },
  KubeHpaReplicasMismatch: {
    meaning:
      'A HorizontalPodAutoscaler wants a number of replicas its workload has not reached for a while (`kube_horizontalpodautoscaler_status_desired_replicas`, `..._current_replicas`): the new pods do not start, or the workload cannot be scaled.',
    check: [
      {
        text: "See the autoscaler's conditions and events, then the workload's pods:",
        shell: describe('hpa', 'horizontalpodautoscaler'),
      },
    ],
    fix: [
      {
        text: 'Fix what keeps the pods from starting (room: `KubeCpuOvercommit`; a quota: `KubeQuotaFullyUsed`), or the metrics the autoscaler reads.',
      },
    ],
  },
  KubeHpaMaxedOut: {
    meaning:
      'A HorizontalPodAutoscaler has run at its maximum replicas for a while (`kube_horizontalpodautoscaler_spec_max_replicas`): if load grows further the workload cannot add capacity, and latency or errors follow.',
    check: [
      {
        text: 'See the metric it scales on against its target:',
        shell: 'kubectl -n <namespace> get hpa <horizontalpodautoscaler>',
      },
    ],
    fix: [
      {
        text: 'Raise `maxReplicas` if the cluster has room, or make each replica handle more (more CPU, a faster code path).',
      },
    ],
  },
  KubePdbNotEnoughHealthyPods: {
    meaning:
      'A PodDisruptionBudget has fewer healthy pods than its minimum (`kube_poddisruptionbudget_status_current_healthy` below `..._desired_healthy`): the workload already runs below what its owner called safe, and voluntary evictions (node drains, upgrades) of its pods are refused.',
    check: [
      {
        text: 'See the budget and the unhealthy pods:',
        shell:
          'kubectl -n <namespace> get pdb <poddisruptionbudget>\nkubectl -n <namespace> get pdb <poddisruptionbudget> -o jsonpath=\'{.spec.selector.matchLabels}{"\\n"}\'\nkubectl -n <namespace> get pods -l <key>=<value>   # a label of its selector',
      },
    ],
    fix: [
      {
        text: 'Fix the unhealthy pods (their own alerts say why). A drain that waits on the budget continues once they are healthy; do not delete the budget to force it.',
      },
    ],
  },
};

const overcommit = (resource: 'CPU' | 'memory', requests: string): AlertRunbook => ({
  meaning: `The ${resource} that pods request adds up to more than the nodes would offer with the largest node lost (\`${requests}\` against \`kube_node_status_allocatable\`). Everything fits now, but after a node failure or during a node upgrade some pods find no room and stay Pending.`,
  check: [
    {
      text: `Requests and allocatable ${resource} per node, and the namespaces that request most:`,
      shell: 'kubectl describe nodes | grep -A8 "Allocated resources"',
      promql: `topk(10, namespace_${resource === 'CPU' ? 'cpu' : 'memory'}:kube_pod_container_resource_requests:sum)`,
    },
  ],
  fix: [
    {
      text: 'Add a node (or larger nodes), or lower requests that are far above what the pods use (the `kubernetes-namespace` dashboard shows usage against requests).',
    },
  ],
});

const quotaOvercommit = (resource: 'CPU' | 'memory'): AlertRunbook => ({
  meaning: `The hard ${resource} quotas of the namespaces add up to far more than the nodes can allocate (\`kube_resourcequota{type="hard"}\` against \`kube_node_status_allocatable\`): quotas no longer protect the cluster, and a namespace within its quota can still find no room.`,
  check: [{ text: 'List the quotas:', shell: 'kubectl get resourcequota -A' }],
  fix: [{ text: 'Lower the quotas that are far above what their namespaces use, or add nodes.' }],
});

const quota = (what: string, cost: string): AlertRunbook => ({
  meaning: `A namespace's ResourceQuota is ${what} (\`kube_resourcequota\` used against hard). ${cost}`,
  check: [
    {
      text: 'See the quota and what uses it:',
      shell:
        'kubectl -n <namespace> describe resourcequota <resourcequota>\nkubectl -n <namespace> get pods -o wide',
    },
  ],
  fix: [
    {
      text: 'Raise the quota if the namespace needs more, or free some: delete finished pods and unused objects, lower requests that are far above usage.',
    },
  ],
});

/** Runbooks of the resource alerts. */
const RESOURCE_RUNBOOKS: Runbooks = {
  KubeCpuOvercommit: overcommit('CPU', 'cluster_cpu:kube_pod_container_resource_requests:sum'),
  KubeMemoryOvercommit: overcommit(
    'memory',
    'cluster_memory:kube_pod_container_resource_requests:sum',
  ),
  KubeCpuQuotaOvercommit: quotaOvercommit('CPU'),
  KubeMemoryQuotaOvercommit: quotaOvercommit('memory'),
  KubeQuotaAlmostFull: quota(
    'close to its limit',
    'The next pods or objects of the namespace may be refused.',
  ),
  KubeQuotaFullyUsed: quota(
    'used up',
    'New pods or objects that need the resource are refused: a rollout or a scale-up stalls.',
  ),
  KubeQuotaExceeded: quota(
    'exceeded: it was lowered below what already runs',
    'Nothing new that needs the resource is admitted until usage falls below the quota.',
  ),
  CpuThrottlingHigh: {
    meaning:
      'A container spends a large share of its CPU scheduling periods throttled by its CPU limit (cAdvisor `container_cpu_cfs_throttled_periods_total` against `container_cpu_cfs_periods_total`). It runs slower than the node could let it: higher latency, slow starts, failed liveness probes; JVMs suffer most in garbage collection.',
    check: [
      {
        text: 'Usage against the limit, on the `kubernetes-pod` dashboard, or:',
        promql:
          'namespace_pod_container:container_cpu_cfs_throttled_periods:ratio_rate5m{namespace="<namespace>", pod="<pod>"}',
      },
    ],
    fix: [
      {
        text: "Raise the container's CPU limit (or remove it and keep the request), or make it use less. Short bursts throttle even when average usage is well below the limit.",
      },
    ],
  },
  KubeContainerMemoryNearLimit: {
    meaning:
      "A container's working set (cAdvisor `container_memory_working_set_bytes`) has been close to its memory limit for a while: the next spike gets it OOM-killed (`ContainerOomKilled`).",
    check: [
      {
        text: 'Its memory over the last day against the limit, on the `kubernetes-pod` dashboard, or:',
        promql:
          'max_over_time(node_namespace_pod_container:container_memory_working_set_bytes{namespace="<namespace>", pod="<pod>"}[1d])',
      },
    ],
    fix: [
      {
        text: "Raise the memory limit if it needs more (for the stack's JVMs, raise the container's memory, not the heap), or find what grows.",
      },
    ],
  },
};

const volumeFilling = (what: 'space' | 'inodes', predicted: boolean): AlertRunbook => {
  const metric =
    what === 'space' ? 'kubelet_volume_stats_available_bytes' : 'kubelet_volume_stats_inodes_free';
  return {
    meaning: predicted
      ? `A persistent volume is low on free ${what} (the kubelet's \`${metric}\`) and, at the rate of the last hours, runs out within days. When it does, writes fail: for Elasticsearch, indices turn read-only and logs and spans are lost.`
      : `A persistent volume has almost no free ${what} left (the kubelet's \`${metric}\`): writes fail now or within minutes. For Elasticsearch, indices are read-only past the flood-stage watermark and logs and spans are dropped; for Prometheus and Alertmanager, samples and silences are lost.`,
    check: [
      {
        text: `Free ${what} of the claim over the last days, on the \`kubernetes-volumes\` dashboard, or:`,
        promql: `${metric}{namespace="<namespace>", persistentvolumeclaim="<persistentvolumeclaim>"}`,
      },
      {
        text: 'Which pod mounts it, and what fills it:',
        shell: `kubectl -n <namespace> get pods -o json | jq -r '.items[] | select(.spec.volumes[]?.persistentVolumeClaim.claimName=="<persistentvolumeclaim>") | .metadata.name'\nkubectl -n <namespace> exec <pod> -- df -${what === 'space' ? 'h' : 'i'}`,
      },
    ],
    fix: [
      {
        text: 'Expand the claim if its StorageClass allows it (`allowVolumeExpansion`): `kubectl -n <namespace> patch pvc <persistentvolumeclaim> -p \'{"spec":{"resources":{"requests":{"storage":"<larger size>"}}}}\'`.',
      },
      {
        text: "Or free it: for the stack's Elasticsearch shorten the retention (`logClasses[].retention`, `jaeger.retention`) or delete old indices; for Prometheus shorten its retention.",
      },
    ],
  };
};

/** Runbooks of the storage alerts. */
const STORAGE_RUNBOOKS: Runbooks = {
  KubePersistentVolumeFillingUp: volumeFilling('space', true),
  KubePersistentVolumeAlmostFull: volumeFilling('space', false),
  KubePersistentVolumeInodesFillingUp: volumeFilling('inodes', true),
  KubePersistentVolumeInodesAlmostFull: volumeFilling('inodes', false),
  KubePersistentVolumeErrors: {
    meaning:
      'A persistent volume is `Failed` (its reclaim failed) or `Pending` (not available for binding) (`kube_persistentvolume_status_phase`). A claim waiting for it cannot bind, and a failed volume may still hold data nobody can mount.',
    check: [
      {
        text: 'See its phase, reclaim policy and events:',
        shell: 'kubectl describe pv <persistentvolume>',
      },
    ],
    fix: [
      {
        text: "Fix the storage back end the events name (the provisioner's logs), then delete the volume if its data is not needed, or recreate a claim bound to it.",
      },
    ],
  },
  KubePersistentVolumeClaimPending: {
    meaning:
      'A volume claim has not been bound to a volume for a while (`kube_persistentvolumeclaim_status_phase{phase="Pending"}`): the pods that mount it cannot start (a StatefulSet stops at that pod).',
    check: [
      {
        text: 'The events say why: no StorageClass, a provisioner failing, no volume that matches, a zone no node is in:',
        shell:
          'kubectl -n <namespace> describe pvc <persistentvolumeclaim>\nkubectl get storageclass',
      },
    ],
    fix: [
      {
        text: 'Give the claim a StorageClass that exists (for the stack: the `storageClass` props of its components), fix the provisioner, or create a matching volume.',
      },
    ],
  },
  KubePersistentVolumeClaimLost: {
    meaning:
      'A volume claim is `Lost` (`kube_persistentvolumeclaim_status_phase{phase="Lost"}`): the volume it was bound to no longer exists. The pods that mount it cannot start, and its data may be gone.',
    check: [
      {
        text: 'See the claim and look for its volume:',
        shell:
          'kubectl -n <namespace> describe pvc <persistentvolumeclaim>\nkubectl get pv | grep <persistentvolumeclaim>',
      },
    ],
    fix: [
      {
        text: 'If the volume still exists in the storage back end, recreate the PersistentVolume object bound to the claim. Otherwise delete the claim and let it be provisioned anew, and restore its data: for Elasticsearch from a snapshot, or let replicas on other nodes recover it.',
      },
    ],
  },
};

/** Runbooks of the node and kubelet alerts. */
const NODE_RUNBOOKS: Runbooks = {
  KubeNodeNotReady: {
    meaning:
      "A node's Ready condition has been false or unknown for a while (`kube_node_status_condition`): no new pods go to it, and after the eviction timeout its pods are moved, losing what was only on the node (emptyDir, local volumes).",
    check: [
      {
        text: 'See its conditions; then, on the node, the kubelet and the container runtime:',
        shell:
          "kubectl describe node <node> | sed -n '/Conditions/,/Addresses/p'\njournalctl -u kubelet --since '-30 min' | tail -50   # on the node",
      },
    ],
    fix: [
      {
        text: 'Restart the kubelet or the container runtime if they hang; free the disk or memory a pressure condition names; replace the node if it does not recover (`kubectl drain <node> --ignore-daemonsets --delete-emptydir-data`, then remove it).',
      },
    ],
  },
  KubeNodeUnreachable: {
    meaning:
      'A node carries the `node.kubernetes.io/unreachable` taint (`kube_node_spec_taint`): the control plane has not heard from its kubelet. Its pods are evicted once their toleration runs out, and its StatefulSet pods stay stuck until the node is back or removed.',
    check: [
      {
        text: 'Is the machine up and on the network?',
        shell: 'kubectl get node <node> -o wide\nping -c3 <node address>',
      },
    ],
    fix: [
      {
        text: 'Bring the machine back (the cloud console), or delete the node object so its StatefulSet pods can start elsewhere: `kubectl delete node <node>`.',
      },
    ],
  },
  KubeNodeReadinessFlapping: {
    meaning:
      "A node's Ready condition keeps changing (`kube_node_status_condition`): each time it turns NotReady its pods may be evicted and rescheduled, and work is lost and repeated.",
    check: [
      {
        text: "The kubelet's log around the changes; a flapping network or an overloaded node (PLEG, `KubeletPlegDurationHigh`) are the usual causes:",
        shell:
          "kubectl get events -A --field-selector involvedObject.kind=Node,involvedObject.name=<node>\njournalctl -u kubelet --since '-1 hour' | grep -i -E 'not ready|pleg|timeout'   # on the node",
      },
    ],
    fix: [
      {
        text: 'Cordon the node (`kubectl cordon <node>`) so nothing new goes to it, fix the network or the load, then uncordon it.',
      },
    ],
  },
  KubeNodePressure: {
    meaning:
      'A node reports `MemoryPressure`, `DiskPressure` or `PIDPressure` (`kube_node_status_condition`): the kubelet evicts pods to recover and admits no new BestEffort pods.',
    check: [
      {
        text: 'See the condition and what uses the resource:',
        shell:
          "kubectl describe node <node> | sed -n '/Conditions/,/Addresses/p'\nkubectl top pods -A --sort-by=memory | head",
      },
    ],
    fix: [
      {
        text: "Memory: lower what the largest pods use or move them. Disk: free the node's disk (images, logs; `NodeDiskAlmostFull`). PIDs: find the pod that forks without end.",
      },
    ],
  },
  KubeletTooManyPods: {
    meaning:
      'A node runs nearly as many pods as its kubelet allows (`kubelet_running_pods` against `kube_node_status_capacity{resource="pods"}`): new pods do not fit there even with CPU and memory free.',
    check: [
      {
        text: 'Count its pods and see its capacity:',
        shell:
          'kubectl get pods -A --field-selector spec.nodeName=<node> | wc -l\nkubectl get node <node> -o jsonpath=\'{.status.capacity.pods}{"\\n"}\'',
      },
    ],
    fix: [
      {
        text: "Add nodes, clean up finished pods, or raise the kubelet's `maxPods` (with the network plugin's IP limits in mind).",
      },
    ],
  },
  KubeletPlegDurationHigh: {
    meaning:
      "The kubelet's pod lifecycle event generator takes long to list the containers (`kubelet_pleg_relist_duration_seconds`): the container runtime is slow or overloaded. When it takes too long, the kubelet reports the node NotReady.",
    check: [
      {
        text: "See the runtime's health and the node's load:",
        shell:
          "journalctl -u containerd --since '-30 min' | tail -50   # on the node\ncrictl ps | wc -l   # on the node",
      },
    ],
    fix: [
      {
        text: 'Move pods off the node or restart the container runtime; too many containers or an I/O-starved disk are the usual causes.',
      },
    ],
  },
  KubeletPodStartUpLatencyHigh: {
    meaning:
      'Pods take long to start on a node, image pulls left out (`kubelet_pod_start_sli_duration_seconds`): rollouts, scale-ups and recoveries are slow.',
    check: [
      {
        text: 'The events of a slow pod show where the time goes (volumes attaching, init containers, the runtime):',
        shell: "kubectl -n <namespace> describe pod <pod> | sed -n '/Events/,$p'",
      },
    ],
    fix: [
      {
        text: 'Fix the slow step: the storage provisioner or attacher, an overloaded runtime (`KubeletPlegDurationHigh`), or a node short of CPU.',
      },
    ],
  },
  KubeletDown: {
    meaning:
      'Prometheus scrapes no kubelet at all (`up` of the kubelet job absent or 0 for every node): container CPU and memory, volume usage and the kubelet alerts have no data. A missing kubelet job or a broken service-account token or RBAC is likelier than every node down.',
    check: [
      {
        text: "See the targets' errors in Prometheus (Status, Targets) or:",
        promql: 'up{job="kubernetes-nodes-kubelet"}',
      },
      {
        text: "A `401`/`403` is Prometheus' service account lacking `nodes/metrics`; an x509 error is the kubelet's certificate (`kubeletInsecureSkipVerify` on clusters with self-signed ones).",
      },
    ],
    fix: [
      {
        text: "Fix the error the targets show: the ClusterRole of Prometheus, the CA, or a NetworkPolicy that blocks the nodes' port 10250.",
      },
    ],
  },
  KubeletClientCertificateExpiration: {
    meaning:
      "The kubelet's client certificate, with which it talks to the API server, expires soon (`kubelet_certificate_manager_client_ttl_seconds`). When it does, the node turns NotReady and its pods are evicted.",
    check: [
      {
        text: 'Is rotation on, and does it fail?',
        shell:
          'journalctl -u kubelet | grep -i certificate | tail -20   # on the node\nkubectl get csr',
      },
    ],
    fix: [
      {
        text: 'Approve pending kubelet CSRs (`kubectl certificate approve <csr>`), or enable rotation (`rotateCertificates: true`) and restart the kubelet.',
      },
    ],
  },
  KubeletServerCertificateExpiration: {
    meaning:
      "The kubelet's serving certificate expires soon (`kubelet_certificate_manager_server_ttl_seconds`). When it does, `kubectl logs` and `exec` and the metrics scrapes of the node fail.",
    check: [
      {
        text: 'Look for pending serving CSRs and rotation errors:',
        shell:
          'kubectl get csr | grep kubelet-serving\njournalctl -u kubelet | grep -i certificate | tail -20   # on the node',
      },
    ],
    fix: [
      {
        text: 'Approve the pending serving CSRs (`kubectl certificate approve <csr>`), or enable `serverTLSBootstrap` and restart the kubelet.',
      },
    ],
  },
  KubeletClientCertificateRenewalErrors: {
    meaning:
      'The kubelet fails to renew its client certificate (`kubelet_certificate_manager_client_expiration_renew_errors`). It keeps working until the current one expires, then the node turns NotReady.',
    check: [
      {
        text: "The kubelet's log names the error (CSR denied, API server unreachable):",
        shell: "journalctl -u kubelet | grep -i -E 'certificate|csr' | tail -20   # on the node",
      },
    ],
    fix: [
      {
        text: 'Fix what the log names; approve its CSR if nothing approves kubelet CSRs automatically.',
      },
    ],
  },
  KubeletServerCertificateRenewalErrors: {
    meaning:
      'The kubelet fails to renew its serving certificate (`kubelet_server_expiration_renew_errors`). When the current one expires, logs, exec and metrics of the node fail.',
    check: [
      {
        text: "The kubelet's log and the pending CSRs:",
        shell:
          "journalctl -u kubelet | grep -i -E 'certificate|csr' | tail -20   # on the node\nkubectl get csr | grep kubelet-serving",
      },
    ],
    fix: [
      {
        text: 'Approve its serving CSR (`kubectl certificate approve <csr>`); serving certificates are not approved automatically by default.',
      },
    ],
  },
};

const ksmErrors = (call: 'list' | 'watch'): AlertRunbook => ({
  meaning: `kube-state-metrics' ${call} requests to the API server fail (\`kube_state_metrics_${call}_total{result="error"}\` on its telemetry port): its metrics of that resource are stale or missing, and the alerts on them may stay silent.`,
  check: [
    {
      text: 'Its log names the resource and the error; `forbidden` is its ClusterRole:',
      shell:
        'kubectl -n <namespace> logs deployment/kube-state-metrics --tail=100 | grep -i -E "error|forbidden"',
    },
  ],
  fix: [
    {
      text: 'Forbidden: the ClusterRole lacks the resource (`KUBE_STATE_METRICS_RESOURCES` grants list and watch on what it exports); apply the manifests. Timeouts: the API server is overloaded, or kube-state-metrics needs more CPU or memory (`kubeStateMetrics.resources`).',
    },
  ],
});

/** Runbooks of kube-state-metrics' own alerts. */
const KSM_RUNBOOKS: Runbooks = {
  KubeStateMetricsListErrors: ksmErrors('list'),
  KubeStateMetricsWatchErrors: ksmErrors('watch'),
  KubeStateMetricsDown: {
    meaning:
      'Prometheus has not scraped kube-state-metrics for a while (`up` of its job absent or 0): every alert on Kubernetes objects (crash loops, rollouts, Jobs, volumes, nodes) is blind, and no one is told.',
    check: [
      {
        text: 'Is its pod running, and what does the target error say?',
        shell:
          'kubectl -n <namespace> get pods -l app.kubernetes.io/name=kube-state-metrics\nkubectl -n <namespace> logs deployment/kube-state-metrics --tail=50',
        promql: 'up{job="kube-state-metrics"}',
      },
    ],
    fix: [
      {
        text: "An OOM kill: raise `kubeStateMetrics.resources` (it grows with the number of objects in the cluster). Not scheduled or crash looping: see its pod's alerts. A NetworkPolicy or a renamed port: apply the manifests again.",
      },
    ],
  },
};

/** Every runbook of the Kubernetes mixin's alerts beyond the two above, by alert name. */
export const KUBERNETES_RUNBOOKS: Runbooks = {
  ...WORKLOAD_RUNBOOKS,
  ...RESOURCE_RUNBOOKS,
  ...STORAGE_RUNBOOKS,
  ...NODE_RUNBOOKS,
  ...KSM_RUNBOOKS,
};
