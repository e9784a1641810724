import { AlertRunbook } from './alert-runbook';

// The runbooks of applicationAlertRules (docs/runbooks/<alert>.md). They name the metrics,
// labels and objects of this stack; thresholds belong in the rules' descriptions.

export const HTTP_5XX_ERROR_BURST_RUNBOOK: AlertRunbook = {
  meaning: `One service (the \`service\` label of its own \`http_requests_total\`, in the namespace Prometheus scraped it from) answered more requests with a 5xx status in the last 5 minutes than \`alerts.http5xxPerFiveMinutes\` allows (default 100). Users of that service are getting errors now, which is why it pages. The count is absolute, not a ratio: a busy service crosses it sooner than a quiet one.`,
  check: [
    {
      text: 'See which endpoints and statuses make up the burst, and whether it is still growing (per second, last 5 minutes):',
      promql:
        'sum by (namespace, service, endpoint, status) (rate(http_requests_total{status=~"5..", service="<service>"}[5m]))',
    },
    {
      text: "Compare with the service's total traffic: a burst that follows a traffic spike is overload, a burst at steady traffic is a fault. The Grafana dashboard `service-overview` shows rate, errors and p95 per service side by side.",
      promql:
        'sum by (service) (rate(http_requests_total{status=~"5..", service="<service>"}[5m])) / sum by (service) (rate(http_requests_total{service="<service>"}[5m]))',
    },
    {
      text: 'Read the errors themselves in Kibana (data view `logs-*`, or the `errors` saved search, whose events are in `logs-errors-default`): query `service.name : "<service>" and log.level : ("error" or "critical")` over the alert\'s window. `error.type` and `error.message` give the cause; a `trace.id` opens the failing request in Jaeger through the link on the field.',
    },
    {
      text: 'Check whether the pods of the service restarted, are not ready, or were just rolled out (a new version is the most common cause):',
      shell: [
        'kubectl -n <namespace> get pods -l app.kubernetes.io/name=<service> -o wide',
        'kubectl -n <namespace> rollout history deployment/<service>',
        'kubectl -n <namespace> get events --sort-by=.lastTimestamp | tail -20',
      ].join('\n'),
    },
  ],
  fix: [
    {
      text: 'If it started with a rollout, roll back and look at the change afterwards:',
      shell: 'kubectl -n <namespace> rollout undo deployment/<service>',
    },
    {
      text: 'If a dependency fails (database, cache, another API: `labels.event_domain` in the error logs says which), mitigate there and let the service recover; if the service is overloaded, scale it out (`kubectl -n <namespace> scale deployment/<service> --replicas=<n>`).',
    },
    {
      text: 'If the errors are expected for this service (a batch endpoint that returns 503 by design), raise `alerts.http5xxPerFiveMinutes` in the stack props, or silence the alert for that service in Alertmanager while the owners fix it.',
    },
  ],
};

export const HTTP_LATENCY_P95_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `The 95th percentile of one service's request duration (\`http_request_duration_seconds\` histogram, per \`namespace\` and \`service\`) has stayed above \`alerts.p95LatencySeconds\` (default 1 s) for \`alerts.latencyFor\` (default 10 minutes). One request in twenty is slower than that: users wait, and callers with timeouts may start failing. Nothing fails yet, so it is a warning.`,
  check: [
    {
      text: 'Find the slow endpoints (p95 per endpoint, last 5 minutes):',
      promql:
        'histogram_quantile(0.95, sum by (endpoint, le) (rate(http_request_duration_seconds_bucket{service="<service>"}[5m])))',
    },
    {
      text: 'Check whether traffic grew at the same time (saturation) or stayed flat (a slow dependency or a regression):',
      promql: 'sum by (service) (rate(http_requests_total{service="<service>"}[5m]))',
    },
    {
      text: "Open slow traces in Jaeger (service `<service>`, *Min Duration* at the threshold): the longest span names the slow dependency. Latency exemplars on Grafana's `service-overview` p95 panel open such traces directly.",
    },
    {
      text: 'Check the pods for CPU throttling (the fraction of CFS periods in which each container was throttled, from cAdvisor): a throttled container is slow although the node has CPU to spare:',
      promql:
        'sum by (pod, container) (rate(container_cpu_cfs_throttled_periods_total{namespace="<namespace>"}[5m])) / sum by (pod, container) (rate(container_cpu_cfs_periods_total{namespace="<namespace>"}[5m]))',
    },
  ],
  fix: [
    {
      text: 'Saturated: scale the service out, or raise its CPU limit if it is throttled.',
    },
    {
      text: 'A slow dependency: fix or fail over the dependency the traces point at; a regression after a rollout: `kubectl -n <namespace> rollout undo deployment/<service>`.',
    },
    {
      text: 'If the latency is normal for this service (reports, uploads), raise `alerts.p95LatencySeconds` or `alerts.latencyFor`; the threshold is one for every service, so consider splitting slow endpoints into their own service label.',
    },
  ],
};

export const NODE_CPU_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `A node's CPUs (node-exporter's \`node_cpu_seconds_total\`, all modes but idle) have been busier than \`alerts.cpuUtilisation\` (default 80 %) for \`alerts.cpuFor\` (default 15 minutes). Pods on the node get less CPU than they request when they burst, latency grows, and new pods may not be scheduled there. It is capacity, not an outage: a warning.`,
  check: [
    {
      text: 'See which pods use the CPU of that node (cAdvisor, cores):',
      promql:
        'topk(10, sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{node="<node>", container!=""}[5m])))',
    },
    {
      text: "Compare usage with what the node's pods request, and look for pods without requests:",
      shell: [
        'kubectl describe node <node> | sed -n "/Allocated resources/,/Events/p"',
        'kubectl top pods -A --sort-by=cpu | head -20',
      ].join('\n'),
    },
    {
      text: 'Check whether it is steady load or one spike (iowait and steal point at the disk or the hypervisor, not at pods):',
      promql:
        'sum by (mode) (rate(node_cpu_seconds_total{node="<node>", mode!="idle"}[5m])) / scalar(count(node_cpu_seconds_total{node="<node>", mode="idle"}))',
    },
  ],
  fix: [
    {
      text: 'Move load off the node: cordon it and evict the heaviest pod so the scheduler places it elsewhere (`kubectl cordon <node>`, then `kubectl -n <namespace> delete pod <pod>`; `kubectl uncordon <node>` afterwards).',
    },
    {
      text: 'Give the heavy workload requests that match its use, so the scheduler spreads it, or add nodes to the pool.',
    },
    {
      text: 'If the node belongs to the stack itself (an Elasticsearch data node indexing a burst), see `ElasticsearchClusterYellow` before moving it: a rescheduled data node recovers its shards.',
    },
  ],
};

export const NODE_DISK_ALMOST_FULL_RUNBOOK: AlertRunbook = {
  meaning: `A real file system of a node (not tmpfs, overlay, squashfs or nsfs) is fuller than \`alerts.diskUtilisation\` (default 90 %) for \`alerts.diskFor\` (default 5 minutes), from node-exporter's \`node_filesystem_avail_bytes\` and \`node_filesystem_size_bytes\`. When the kubelet's file system passes its eviction threshold, the kubelet evicts pods and stops admitting new ones; when a volume fills, the program writing to it fails (an Elasticsearch or Prometheus volume shows up here too).`,
  check: [
    {
      text: 'See how fast it fills, and when it will be full at that rate:',
      promql:
        'predict_linear(node_filesystem_avail_bytes{node="<node>", mountpoint="<mountpoint>"}[1h], 4 * 3600) < 0',
    },
    {
      text: "Find out what the mount point is: the node's root or the kubelet's directory (`/var/lib/kubelet`, container logs and images) or a PersistentVolume (a path under `/var/lib/kubelet/pods/.../volumes/`). For a volume, find the claim:",
      shell: [
        'kubectl get pv -o custom-columns=PV:.metadata.name,CLAIM:.spec.claimRef.name,NS:.spec.claimRef.namespace,SIZE:.spec.capacity.storage',
        'kubectl describe node <node> | grep -i -A3 pressure',
      ].join('\n'),
    },
    {
      text: "For the node's own disk, the kubelet's summary names the pods using most ephemeral storage (emptyDir volumes, writable layers, their logs):",
      shell:
        'kubectl get --raw /api/v1/nodes/<node>/proxy/stats/summary | jq -r \'.pods[] | [.["ephemeral-storage"].usedBytes, .podRef.namespace + "/" + .podRef.name] | @tsv\' | sort -rn | head',
    },
  ],
  fix: [
    {
      text: "The node's own disk: remove unused images (`crictl rmi --prune` on the node), make the chatty pod log less, or replace the node with a larger disk.",
    },
    {
      text: 'An Elasticsearch volume: see `ElasticsearchDiskWatermarkHigh` (shorter retention, larger claims, more data nodes). A Prometheus volume: lower `prometheus.retention` (`time`, or `size` below the claim) or enlarge the claim `data-prometheus-<n>` where the storage class allows expansion.',
    },
    {
      text: 'If 90 % is normal for this mount point (a volume sized to be full), raise `alerts.diskUtilisation`.',
    },
  ],
};

export const NODE_MEMORY_PRESSURE_RUNBOOK: AlertRunbook = {
  meaning: `A node has used more than \`alerts.memoryUtilisation\` (default 90 %) of its memory (1 - \`node_memory_MemAvailable_bytes\` / \`node_memory_MemTotal_bytes\`) for \`alerts.memoryFor\` (default 10 minutes). Near the kubelet's eviction threshold it evicts pods, starting with those using most above their requests; if the kernel runs out first, it OOM-kills containers (\`ContainerOomKilled\`).`,
  check: [
    {
      text: 'The pods using most memory on that node (working set, what eviction and the OOM killer count):',
      promql:
        'topk(10, sum by (namespace, pod) (container_memory_working_set_bytes{node="<node>", container!=""}))',
    },
    {
      text: 'Compare with requests and limits, and see whether the kubelet already reports pressure or evicted pods:',
      shell: [
        'kubectl describe node <node> | grep -E "MemoryPressure|Allocated" -A8',
        'kubectl get pods -A --field-selector spec.nodeName=<node>,status.phase=Failed',
      ].join('\n'),
    },
    {
      text: 'A steady climb over hours is a leak; a step is a new pod or a load change:',
      promql:
        '1 - node_memory_MemAvailable_bytes{node="<node>"} / node_memory_MemTotal_bytes{node="<node>"}',
    },
  ],
  fix: [
    {
      text: 'Give the heaviest pods memory requests close to their working set, so the scheduler stops packing them onto one node; set limits on those that have none.',
    },
    {
      text: 'A leaking container: restart it (`kubectl -n <namespace> rollout restart deployment/<name>`) to buy time, then fix the leak.',
    },
    {
      text: "Elasticsearch's file system cache is not what fires this (MemAvailable counts reclaimable cache as available): a data node that pushes a node's memory up does it with its heap (`ES_JAVA_OPTS`, `heapRatio` of its container's memory, half by default) and the JVM's own memory, within `elasticsearch.data.resources`. Give data nodes nodes of their own (`spread`, node pools) rather than lowering their memory.",
    },
  ],
};

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

export const TARGET_DOWN_RUNBOOK: AlertRunbook = {
  meaning: `Prometheus has failed to scrape one or more targets of one job in one namespace for \`alerts.targetDownFor\` (default 5 minutes): \`up == 0\`. Their metrics are missing, so every alert on them is blind (an absent series fires nothing). Jobs: \`kubernetes-pods\` (annotated pods), \`kubernetes-service-endpoints\` (annotated Services), \`kubernetes-nodes-kubelet\` and \`kubernetes-nodes-cadvisor\` (no namespace label), \`kube-state-metrics\`, \`prometheus\`. For the stack's own namespaces, \`ObservabilityComponentDown\` pages as well.`,
  check: [
    {
      text: 'List the targets that are down, with the pod and node:',
      promql: 'up{job="<job>", namespace="<namespace>"} == 0',
    },
    {
      text: 'Read the scrape error Prometheus got (connection refused, timeout, 401/403, 404 on the path):',
      shell:
        'kubectl -n observability exec statefulset/prometheus -c prometheus -- wget -qO- \'http://localhost:9090/api/v1/targets?state=active\' | grep -oE \'"lastError":"[^"]+"\' | sort | uniq -c',
    },
    {
      text: 'Check the pod: is it running and ready, and do its annotations name the port and path it serves (`prometheus.io/scrape`, `prometheus.io/port`, `prometheus.io/path`, `prometheus.io/scheme`)?',
      shell: [
        'kubectl -n <namespace> get pod <pod> -o wide',
        "kubectl -n <namespace> get pod <pod> -o jsonpath='{.metadata.annotations}'",
      ].join('\n'),
    },
    {
      text: "A timeout with a healthy pod is usually a NetworkPolicy: the stack allows Prometheus out to any port of application pods (`networkPolicies.applications`), but the application namespace's own policies must let Prometheus in (from pods `app.kubernetes.io/instance=prometheus` in namespace `observability`). For the kubelet jobs, `networkPolicies.nodesCidr` must include the nodes.",
    },
  ],
  fix: [
    {
      text: 'A crashed or pending pod: fix the pod (see `KubePodCrashLooping`); the target comes back with it.',
    },
    {
      text: "Wrong annotations: correct the port or path in the workload's pod template; a NetworkPolicy: allow ingress from Prometheus on the metrics port in the application namespace.",
    },
    {
      text: 'A target that should not be scraped (a pod that has no metrics): remove its `prometheus.io/scrape` annotation.',
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
