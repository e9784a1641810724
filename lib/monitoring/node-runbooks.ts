import { AlertRunbook } from '../prometheus/alert-runbook';

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
