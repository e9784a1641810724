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

/** A shell on the node, for the commands that read its state directly. */
const NODE_SHELL = 'kubectl debug node/<node> -it --image=busybox -- chroot /host sh';

const NODE_FILESYSTEM_SPACE_FILLING_UP_STEPS: Pick<AlertRunbook, 'check' | 'fix'> = {
  check: [
    {
      text: 'See the trend and when it reaches zero (the value is bytes left in 4 hours at the current rate):',
      promql:
        'predict_linear(node_filesystem_avail_bytes{node="<node>", mountpoint="<mountpoint>"}[6h], 4 * 3600)',
    },
    {
      text: "Find what grows: on the node, the largest directories of the mount point (the node's root, `/var/lib/kubelet` itself, a local data disk; volumes mounted under `/var/lib/kubelet/pods/` are not among node-exporter's file systems here).",
      shell: [NODE_SHELL, 'du -xh -d 2 <mountpoint> | sort -rh | head -20'].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Stop the growth at its source: a pod logging too much, a job writing without cleaning up, retention set too long (`prometheus.retention`, Elasticsearch ILM).',
    },
    {
      text: "Free space now: unused images (`crictl rmi --prune` on the node), old logs and dead containers' data; or give the node a larger disk. See also `NodeDiskAlmostFull`.",
    },
  ],
};

export const NODE_FILESYSTEM_SPACE_FILLING_UP_RUNBOOK: AlertRunbook = {
  meaning: `A writable file system of a node has little space left and, going by the trend of \`node_filesystem_avail_bytes\` over the last hours, will be full within a day. Nothing fails yet: there is time to find what grows in working hours. When it is full, whatever writes there fails (the kubelet evicts pods for its own disk; a program keeping data there stops writing).`,
  ...NODE_FILESYSTEM_SPACE_FILLING_UP_STEPS,
};

export const NODE_FILESYSTEM_SPACE_FILLING_UP_FAST_RUNBOOK: AlertRunbook = {
  meaning: `A writable file system of a node will be full within hours at the rate \`node_filesystem_avail_bytes\` has been falling, and little space is left. Act now: when it is full, whatever writes there fails (the kubelet evicts pods for its own disk; a program keeping data there stops writing, and may lose what it was writing).`,
  ...NODE_FILESYSTEM_SPACE_FILLING_UP_STEPS,
};

const NODE_FILESYSTEM_OUT_OF_SPACE_STEPS: Pick<AlertRunbook, 'check' | 'fix'> = {
  check: [
    {
      text: 'Confirm it, and see which other file systems of the node are close:',
      promql:
        'node_filesystem_avail_bytes{node="<node>"} / node_filesystem_size_bytes{node="<node>"}',
    },
    {
      text: 'Find what uses it (and whether the kubelet already reports DiskPressure):',
      shell: [
        'kubectl describe node <node> | grep -i pressure',
        NODE_SHELL,
        'du -xh -d 2 <mountpoint> | sort -rh | head -20',
      ].join('\n'),
    },
  ],
  fix: [
    {
      text: "Free space at once: remove unused images (`crictl rmi --prune`), rotated logs, finished jobs' data; data of a program (a hostPath or local disk) is deleted through the program, not under it.",
    },
    {
      text: 'Then make room for good: give the node a larger disk, or move the workload to nodes with more disk.',
    },
  ],
};

export const NODE_FILESYSTEM_ALMOST_OUT_OF_SPACE_RUNBOOK: AlertRunbook = {
  meaning: `A writable file system of a node has very little space left (\`node_filesystem_avail_bytes\` against \`node_filesystem_size_bytes\`), whatever its trend. It still works, but any burst of writes fills it; then the kubelet evicts pods for its own disk and refuses new ones, and programs with data there stop writing.`,
  ...NODE_FILESYSTEM_OUT_OF_SPACE_STEPS,
};

export const NODE_FILESYSTEM_OUT_OF_SPACE_RUNBOOK: AlertRunbook = {
  meaning: `A writable file system of a node has practically no space left (\`node_filesystem_avail_bytes\` against \`node_filesystem_size_bytes\`). Writes fail now or at the next burst: the kubelet evicts pods for its own disk and refuses new ones, and programs keeping data there (a hostPath, a local disk) stop writing or lose what they were writing.`,
  ...NODE_FILESYSTEM_OUT_OF_SPACE_STEPS,
};

const NODE_FILESYSTEM_FILES_FILLING_UP_STEPS: Pick<AlertRunbook, 'check' | 'fix'> = {
  check: [
    {
      text: 'See the trend of free inodes:',
      promql:
        'node_filesystem_files_free{node="<node>", mountpoint="<mountpoint>"} / node_filesystem_files{node="<node>", mountpoint="<mountpoint>"}',
    },
    {
      text: 'Find the directories with most files (many small files: caches, session files, unrotated logs):',
      shell: [NODE_SHELL, 'du -x --inodes -d 3 <mountpoint> | sort -rn | head -20'].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Remove the small files at their source and stop whatever creates them without cleaning up (a cron job, a cache without eviction).',
    },
    {
      text: 'Unused container images hold many files: `crictl rmi --prune` on the node. A file system made with too few inodes must be recreated (or the node replaced).',
    },
  ],
};

export const NODE_FILESYSTEM_FILES_FILLING_UP_RUNBOOK: AlertRunbook = {
  meaning: `A writable file system of a node has few inodes left and, going by the trend of \`node_filesystem_files_free\`, will have none within a day. Nothing fails yet. Without inodes no file can be created, even with space left: containers fail to start, logs stop, programs fail on their next new file.`,
  ...NODE_FILESYSTEM_FILES_FILLING_UP_STEPS,
};

export const NODE_FILESYSTEM_FILES_FILLING_UP_FAST_RUNBOOK: AlertRunbook = {
  meaning: `A writable file system of a node will run out of inodes within hours at the rate \`node_filesystem_files_free\` has been falling. Act now: without inodes no file can be created, even with space left, so containers fail to start, logs stop and programs fail on their next new file.`,
  ...NODE_FILESYSTEM_FILES_FILLING_UP_STEPS,
};

const NODE_FILESYSTEM_OUT_OF_FILES_STEPS: Pick<AlertRunbook, 'check' | 'fix'> = {
  check: [
    {
      text: 'Confirm it with the inode view of the file systems:',
      shell: [NODE_SHELL, 'df -i'].join('\n'),
    },
    {
      text: 'Find the directories with most files:',
      shell: [NODE_SHELL, 'du -x --inodes -d 3 <mountpoint> | sort -rn | head -20'].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Delete the small files at once (caches, temporary or session files), and unused images (`crictl rmi --prune`).',
    },
    {
      text: 'Stop the program that creates them, or replace the node with a file system that has more inodes.',
    },
  ],
};

export const NODE_FILESYSTEM_ALMOST_OUT_OF_FILES_RUNBOOK: AlertRunbook = {
  meaning: `A writable file system of a node has very few inodes left (\`node_filesystem_files_free\` against \`node_filesystem_files\`), whatever its trend. Files can still be created, but not for long once something creates many small ones.`,
  ...NODE_FILESYSTEM_OUT_OF_FILES_STEPS,
};

export const NODE_FILESYSTEM_OUT_OF_FILES_RUNBOOK: AlertRunbook = {
  meaning: `A writable file system of a node has practically no inodes left (\`node_filesystem_files_free\` against \`node_filesystem_files\`). Creating a file there fails with "No space left on device" although \`df -h\` shows space: containers fail to start, logs stop, programs fail.`,
  ...NODE_FILESYSTEM_OUT_OF_FILES_STEPS,
};

const NODE_NETWORK_ERRORS_STEPS: Pick<AlertRunbook, 'check' | 'fix'> = {
  check: [
    {
      text: 'See the errors, drops and packets of the interface:',
      promql:
        'rate({__name__=~"node_network_(receive|transmit)_(errs|drop|packets)_total", node="<node>", device="<device>"}[5m])',
    },
    {
      text: "Read the driver's own counters (CRC, FIFO, missed) and the kernel log on the node:",
      shell: [NODE_SHELL, 'ip -s link show <device>', 'dmesg | tail -50'].join('\n'),
    },
  ],
  fix: [
    {
      text: 'A physical interface: a bad cable, port or transceiver, or a duplex or MTU mismatch with the switch; have it replaced or fixed. A cloud interface: drain the node and replace it.',
    },
    {
      text: 'Meanwhile move the load off it: `kubectl drain <node> --ignore-daemonsets --delete-emptydir-data`.',
    },
  ],
};

export const NODE_NETWORK_RECEIVE_ERRORS_RUNBOOK: AlertRunbook = {
  meaning: `A network interface of a node has been receiving a share of its packets damaged (\`node_network_receive_errs_total\` against \`node_network_receive_packets_total\`): CRC or frame errors, usually the cable, the port or the transceiver. The packets are lost and resent, so connections of the node's pods are slow and may time out.`,
  ...NODE_NETWORK_ERRORS_STEPS,
};

export const NODE_NETWORK_TRANSMIT_ERRORS_RUNBOOK: AlertRunbook = {
  meaning: `A network interface of a node has been failing to send a share of its packets (\`node_network_transmit_errs_total\` against \`node_network_transmit_packets_total\`): carrier or FIFO errors, usually the link or the driver. The packets are lost and resent, so connections of the node's pods are slow and may time out.`,
  ...NODE_NETWORK_ERRORS_STEPS,
};

export const NODE_NETWORK_INTERFACE_FLAPPING_RUNBOOK: AlertRunbook = {
  meaning: `The link of a network interface of a node keeps going down and up (\`node_network_carrier_changes_total\`). Each time it is down the node's pods lose their connections through it, and the node may be marked NotReady.`,
  check: [
    {
      text: 'See how often it changes state, and its state now:',
      promql:
        'increase(node_network_carrier_changes_total{node="<node>", device="<device>"}[10m]) and on (node, device) node_network_up{node="<node>"}',
    },
    {
      text: 'Read the kernel log about the link on the node:',
      shell: [NODE_SHELL, 'dmesg | grep -i "<device>" | tail -30'].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Fix the link: the cable, the switch port, auto-negotiation; in the cloud, replace the node.',
    },
    {
      text: 'Drain the node while it flaps: `kubectl drain <node> --ignore-daemonsets --delete-emptydir-data`.',
    },
  ],
};

export const NODE_BONDING_DEGRADED_RUNBOOK: AlertRunbook = {
  meaning: `A bonded network interface of a node has member interfaces down (\`node_bonding_slaves\` against \`node_bonding_active\`). The node still has network through the others, but with less bandwidth and without the redundancy the bond was built for.`,
  check: [
    {
      text: 'See the state of the bond and of each member on the node:',
      shell: [NODE_SHELL, 'cat /proc/net/bonding/<master>'].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Bring the member back: its cable, switch port or interface configuration; replace a failed network card.',
    },
  ],
};

export const NODE_CONNTRACK_ENTRIES_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `A node's kernel connection tracking table is filling up (\`node_nf_conntrack_entries\` against \`node_nf_conntrack_entries_limit\`). When it is full, the kernel drops packets of new connections ("nf_conntrack: table full" in its log): Services and NAT through the node fail at random.`,
  check: [
    {
      text: 'See the growth on that node against the others:',
      promql: 'node_nf_conntrack_entries / node_nf_conntrack_entries_limit',
    },
    {
      text: 'Find who holds the connections (many short-lived connections, a client without keep-alive, a flood):',
      shell: [
        NODE_SHELL,
        "cat /proc/net/nf_conntrack | awk '{print $7}' | sort | uniq -c | sort -rn | head",
      ].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Make the heavy client reuse connections (keep-alive, connection pools), or spread it over more nodes.',
    },
    {
      text: "Raise the limit where the node has memory for it (`net.netfilter.nf_conntrack_max`, kube-proxy's `conntrack.maxPerCore`).",
    },
  ],
};

export const NODE_CLOCK_SKEW_RUNBOOK: AlertRunbook = {
  meaning: `A node's clock is off its time source (\`node_timex_offset_seconds\`, from the kernel). Timestamps of its logs, spans and metrics are wrong, TLS certificates may look not yet valid or expired, and leases and distributed locks misbehave.`,
  check: [
    {
      text: 'Compare the offsets of the nodes:',
      promql: 'node_timex_offset_seconds',
    },
    {
      text: "Ask the node's time daemon (chrony or systemd-timesyncd) what it synchronises to:",
      shell: [NODE_SHELL, 'chronyc tracking || timedatectl timesync-status'].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Make the time daemon reach its servers (firewall rules for NTP, UDP port 123) or point it at a reachable one; restart it.',
    },
  ],
};

export const NODE_CLOCK_NOT_SYNCHRONISING_RUNBOOK: AlertRunbook = {
  meaning: `Nothing is synchronising a node's clock: the kernel reports it unsynchronised (\`node_timex_sync_status\` 0, \`node_timex_maxerror_seconds\` at its cap). The clock drifts from now on, and with it the timestamps of the node's logs, spans and metrics.`,
  check: [
    {
      text: 'See whether the time daemon runs and has a source:',
      shell: [NODE_SHELL, 'chronyc sources || timedatectl status'].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Start or fix the time daemon and let it reach its NTP servers (UDP port 123), then watch `node_timex_sync_status` return to 1.',
    },
  ],
};

export const NODE_RAID_DEGRADED_RUNBOOK: AlertRunbook = {
  meaning: `A software RAID (md) array of a node is running with fewer active disks than it needs (\`node_md_disks_required\` against \`node_md_disks{state="active"}\`). It still serves data, without redundancy: one more failed disk may lose everything on it.`,
  check: [
    {
      text: 'See the state of the array and of its disks on the node:',
      shell: [NODE_SHELL, 'cat /proc/mdstat', 'mdadm --detail /dev/<device>'].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Replace the failed disk and add it back to the array (`mdadm --manage /dev/<device> --add <disk>`); the array rebuilds.',
    },
    {
      text: 'Until it has rebuilt, keep data that lives only there safe: drain the node (`kubectl drain <node> --ignore-daemonsets`) and check the backups.',
    },
  ],
};

export const NODE_RAID_DISK_FAILURE_RUNBOOK: AlertRunbook = {
  meaning: `A disk of a software RAID (md) array of a node is marked failed (\`node_md_disks{state="failed"}\`). The array may still have its redundancy (a spare took over), but it has one disk less to lose.`,
  check: [
    {
      text: 'See which disk failed and whether a spare is rebuilding:',
      shell: [NODE_SHELL, 'cat /proc/mdstat', 'mdadm --detail /dev/<device>'].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Remove the failed disk from the array (`mdadm --manage /dev/<device> --remove <disk>`), replace it, and add the new one.',
    },
  ],
};

const NODE_FILE_DESCRIPTORS_STEPS: Pick<AlertRunbook, 'check' | 'fix'> = {
  check: [
    {
      text: 'See how fast it grows (a leak climbs steadily):',
      promql: 'node_filefd_allocated{node="<node>"}',
    },
    {
      text: 'Find the processes with most open descriptors on the node:',
      shell: [
        NODE_SHELL,
        'for p in /proc/[0-9]*; do echo "$(ls $p/fd 2>/dev/null | wc -l) $(cat $p/comm)"; done | sort -rn | head',
      ].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Restart the leaking container (`kubectl -n <namespace> delete pod <pod>`) to release its descriptors, then fix the leak.',
    },
    {
      text: 'If the node needs more, raise `fs.file-max` on it.',
    },
  ],
};

export const NODE_FILE_DESCRIPTOR_LIMIT_RUNBOOK: AlertRunbook = {
  meaning: `A node's kernel has allocated much of its file descriptors (\`node_filefd_allocated\` against \`node_filefd_maximum\`). Nothing fails yet; a steady climb is usually a program leaking descriptors. At the limit, every program on the node fails to open files and sockets.`,
  ...NODE_FILE_DESCRIPTORS_STEPS,
};

export const NODE_FILE_DESCRIPTORS_EXHAUSTED_RUNBOOK: AlertRunbook = {
  meaning: `A node's kernel has allocated nearly all of its file descriptors (\`node_filefd_allocated\` against \`node_filefd_maximum\`). Programs on the node are about to fail to open files and sockets ("Too many open files"): requests fail, logs are not written.`,
  ...NODE_FILE_DESCRIPTORS_STEPS,
};

export const NODE_SYSTEM_SATURATION_RUNBOOK: AlertRunbook = {
  meaning: `A node's load average per CPU (\`node_load1\` over its CPUs) is high: more tasks are ready to run or waiting for disk than it has CPUs. Everything on the node waits: latency of its pods grows, probes may time out.`,
  check: [
    {
      text: 'CPU or IO? High CPU use points at CPU; low CPU with high iowait points at the disk (see `NodeDiskIoSaturation`):',
      promql: 'sum by (mode) (rate(node_cpu_seconds_total{node="<node>", mode!="idle"}[5m]))',
    },
    {
      text: 'The pods using most CPU on the node:',
      promql:
        'topk(10, sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{node="<node>", container!=""}[5m])))',
    },
  ],
  fix: [
    {
      text: 'Move load off the node (cordon it and evict the heaviest pod), give that workload CPU requests and limits, or add nodes. See `NodeCpuHigh`.',
    },
  ],
};

export const NODE_MEMORY_MAJOR_PAGE_FAULTS_RUNBOOK: AlertRunbook = {
  meaning: `A node reads many memory pages back from disk (\`node_vmstat_pgmajfault\`): its programs' memory or the files they map does not fit in RAM. Each fault waits for the disk, so the node's pods slow down, often far more than its memory use alone suggests.`,
  check: [
    {
      text: "Compare with the node's memory use; a node near its limit thrashes:",
      promql:
        'instance:node_memory_utilisation:ratio{node="<node>"} and on (node) instance:node_vmstat_pgmajfault:rate5m{node="<node>"}',
    },
    {
      text: 'The pods with the largest working set on the node:',
      promql:
        'topk(10, sum by (namespace, pod) (container_memory_working_set_bytes{node="<node>", container!=""}))',
    },
  ],
  fix: [
    {
      text: "Give the node's pods memory requests close to their working set so the scheduler stops packing them, move the heaviest elsewhere, or use nodes with more memory. See `NodeMemoryPressure`.",
    },
  ],
};

export const NODE_DISK_IO_SATURATION_RUNBOOK: AlertRunbook = {
  meaning: `A disk of a node has many IOs in flight all the time (the rate of \`node_disk_io_time_weighted_seconds_total\`, the average queue). Reads and writes wait in the queue: programs on the node that use the disk (Elasticsearch, Prometheus, databases, container logs) slow down.`,
  check: [
    {
      text: "See the queue and the busy time of the node's disks:",
      promql:
        'instance_device:node_disk_io_time_weighted_seconds:rate5m{node="<node>"} or instance_device:node_disk_io_time_seconds:rate5m{node="<node>"}',
    },
    {
      text: 'Find the processes doing the IO on the node (`iotop`, or the per-process counters):',
      shell: [NODE_SHELL, 'cat /proc/diskstats'].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Move the IO-heavy pod to another node, or give it a faster volume (a storage class with more IOPS).',
    },
    {
      text: 'For a stack component: Elasticsearch data nodes on their own nodes (`spread`), Prometheus on a faster volume.',
    },
  ],
};

export const NODE_EXPORTER_DOWN_RUNBOOK: AlertRunbook = {
  meaning: `Prometheus has no node-exporter target that is up: the DaemonSet is gone, its pods do not run, or Prometheus cannot reach them. No node metrics are collected, so no other node alert (disks, memory, clock) can fire, and the node dashboards are empty.`,
  check: [
    {
      text: 'See the DaemonSet and its pods:',
      shell: [
        'kubectl -n observability-agents get daemonset node-exporter',
        'kubectl -n observability-agents get pods -l app.kubernetes.io/name=node-exporter -o wide',
      ].join('\n'),
    },
    {
      text: 'See what Prometheus finds of them (a target down, or none at all):',
      promql: 'up{job="kubernetes-pods", app_kubernetes_io_name="node-exporter"}',
    },
  ],
  fix: [
    {
      text: 'Pods not created: `kubectl -n observability-agents describe daemonset node-exporter` names the reason (Pod Security admission of the namespace, which must allow `privileged`; a quota).',
    },
    {
      text: 'Pods running but targets down: a NetworkPolicy or firewall between Prometheus and the node port, see `ObservabilityComponentDown`.',
    },
  ],
};

export const NODE_EXPORTER_TARGET_MISSING_RUNBOOK: AlertRunbook = {
  meaning: `A node that Kubernetes knows (\`kube_node_info\`, kube-state-metrics) has no node-exporter target in Prometheus: its pod is not running there. That node's CPU, memory, disks and network are not watched.`,
  check: [
    {
      text: 'Look for the node-exporter pod of that node and why it does not run:',
      shell: [
        'kubectl -n observability-agents get pods -l app.kubernetes.io/name=node-exporter -o wide --field-selector spec.nodeName=<node>',
        'kubectl -n observability-agents describe daemonset node-exporter | tail -20',
      ].join('\n'),
    },
  ],
  fix: [
    {
      text: 'A pod pending on the node: free the resources it requests there, or give node-exporter a PriorityClass (`nodeExporter.priorityClassName`, such as `system-node-critical`).',
    },
    {
      text: 'A pod failing to bind its port: another program uses the node-exporter port on that node; move it, or change `nodeExporter.port`.',
    },
  ],
};
