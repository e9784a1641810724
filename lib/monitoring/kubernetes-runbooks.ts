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
