import { AlertRunbook, ElasticsearchMethod, esGet } from '../prometheus/alert-runbook';

const ES_PODS =
  'kubectl -n observability get pods -l app.kubernetes.io/instance=elasticsearch -o wide';

const DISK_CHECKS = [
  {
    text: "See every data node's disk and shard count, and the largest indices (backing indices of the log data streams are `.ds-logs-<class>-default-*`, Jaeger's are `jaeger-span-*`):",
    elasticsearch: [
      esGet('/_cat/allocation?v&s=disk.percent:desc'),
      esGet(
        '/_cat/indices?v&expand_wildcards=all&s=store.size:desc&h=index,health,docs.count,store.size&bytes=gb',
      ),
    ],
  },
  {
    text: 'See how fast the data path fills, and when it will be full at that rate:',
    promql: 'predict_linear(elasticsearch_filesystem_data_available_bytes[6h], 24 * 3600) < 0',
  },
  {
    text: 'Check which log class grows fastest, and that ILM deletes old indices (an index whose step is `ERROR` is never deleted):',
    elasticsearch: [
      esGet('/_data_stream/logs-*/_stats?human'),
      esGet('/.ds-logs-*/_ilm/explain?only_errors=true&filter_path=indices.*.step_info'),
    ],
  },
];

const DISK_FIXES = [
  {
    text: 'Shorten the retention of the class that holds the most (`logClasses[].retention`, or `withLogRetention(DEFAULT_LOG_CLASSES, { all: "14d" })`), synthesize and apply: the new `elasticsearch-setup-<hash>` Job updates the ILM policy `logs-<class>-retention`, and ILM deletes indices past it within its poll interval (10 minutes). For Jaeger, lower `jaeger.retention`; the `jaeger-index-cleaner` CronJob deletes at 00:15 UTC.',
  },
  {
    text: 'Free space now by deleting the oldest backing index of a class (never the write index, the last one listed; its documents are gone unless a snapshot holds them):',
    elasticsearch: [
      esGet('/_data_stream/logs-<class>-default?filter_path=data_streams.indices.index_name'),
      { method: ElasticsearchMethod.DELETE, path: '/<oldest .ds-logs-<class>-default-* index>' },
    ],
  },
  {
    text: "Grow the volumes where the storage class allows expansion: patch each claim (`data-elasticsearch-data-<n>` in prod, `data-elasticsearch-node-<n>` in dev and staging). Kubernetes refuses a change to a StatefulSet's claim template, so also set `elasticsearch.data.storage.size` and recreate the StatefulSet without its pods (`kubectl -n observability delete statefulset <name> --cascade=orphan`, then apply) so new replicas get the new size.",
    shell:
      'kubectl -n observability patch pvc data-elasticsearch-data-0 -p \'{"spec":{"resources":{"requests":{"storage":"<new size>"}}}}\'',
  },
  {
    text: 'Or add data nodes (`elasticsearch.data.replicas`): Elasticsearch rebalances shards onto them.',
  },
];

export const ELASTICSEARCH_CLUSTER_RED_RUNBOOK: AlertRunbook = {
  meaning: `The Elasticsearch exporter has read cluster health \`red\` for 2 minutes: at least one primary shard is unassigned. Documents routed to that shard can be neither searched nor written. When it is the write index of a log data stream (\`logs-<class>-default\`), Logstash's bulk requests for that class fail and are retried, its persistent queue fills, and Filebeat stops shipping the nodes' logs (\`LogstashPipelineStalled\`, \`FilebeatOutputStalled\` follow); Jaeger's span writes fail the same way (\`JaegerDroppingSpans\`). A new index is red for the moment its primaries are allocated, which the 2 minutes absorb.`,
  check: [
    {
      text: 'Confirm, and count nodes and unassigned shards:',
      elasticsearch: [
        esGet(
          '/_cluster/health?filter_path=status,number_of_nodes,number_of_data_nodes,unassigned_shards,initializing_shards',
        ),
      ],
    },
    {
      text: 'Find the red indices and their unassigned primaries (data stream backing indices are hidden `.ds-*` names, hence `expand_wildcards=all`):',
      elasticsearch: [
        esGet('/_cat/indices?v&health=red&expand_wildcards=all'),
        esGet(
          '/_cat/shards?v&h=index,shard,prirep,state,unassigned.reason,node&s=state&expand_wildcards=all',
        ),
      ],
    },
    {
      text: 'Ask Elasticsearch why a primary is not allocated (index and shard from the previous step); the answer names the node-level deciders that said no (disk watermark, allocation filtering, a node that left, a failed allocation):',
      elasticsearch: [
        {
          method: ElasticsearchMethod.GET,
          path: '/_cluster/allocation/explain',
          body: { index: '<index>', shard: 0, primary: true },
        },
      ],
    },
    {
      text: 'Check that every Elasticsearch pod runs and is ready, and that the claims are bound (prod: `elasticsearch-master-*` and `elasticsearch-data-*`; dev and staging: `elasticsearch-node-*`). A node that left takes its primaries with it until it is back:',
      shell: [
        ES_PODS,
        'kubectl -n observability get pvc -l app.kubernetes.io/instance=elasticsearch',
      ].join('\n'),
    },
  ],
  fix: [
    {
      text: 'A node is missing: bring it back. A pending pod is usually its claim bound to a volume in another zone, or no node with the memory it requests (`kubectl -n observability describe pod <pod>`); a crashing one, see `KubePodCrashLooping`. Its shards recover when it rejoins.',
    },
    {
      text: 'The allocation failed too often (`unassigned.reason` `ALLOCATION_FAILED`, the explanation says the maximum retries were reached) and the cause is gone: retry it.',
      elasticsearch: [
        { method: ElasticsearchMethod.POST, path: '/_cluster/reroute?retry_failed=true' },
      ],
    },
    {
      text: 'A disk past the watermarks: see `ElasticsearchDiskWatermarkHigh`.',
    },
    {
      text: 'While a red backing index is being repaired, roll its data stream over so new log events go to a new write index (its primaries are allocated on the healthy nodes):',
      elasticsearch: [
        { method: ElasticsearchMethod.POST, path: '/logs-<class>-default/_rollover' },
      ],
    },
    {
      text: 'Every copy of the shard is gone (all nodes that held it lost their volumes): restore the index from the snapshot repository `logs-snapshots` (docs/backup-restore.md), or, accepting the loss of its documents, delete the backing index (not the write index: roll over first) with `es DELETE /<index>`.',
    },
  ],
};

export const ELASTICSEARCH_CLUSTER_YELLOW_RUNBOOK: AlertRunbook = {
  meaning: `Cluster health has been \`yellow\` for 15 minutes: every primary shard is assigned, but some replicas are not. Search and indexing work, but the shards without a replica live on one node only: losing that node loses them (red, and data loss if its volume is gone too). Yellow is normal for a few minutes while a node restarts; the stack's Elasticsearch pods leave through the node shutdown API and their readiness waits for green after a start, so a rolling update stays yellow only while replicas recover.`,
  check: [
    {
      text: 'Confirm, and see whether it is recovering (initializing shards, active shards percent rising):',
      elasticsearch: [
        esGet(
          '/_cluster/health?filter_path=status,number_of_data_nodes,unassigned_shards,initializing_shards,relocating_shards,active_shards_percent_as_number',
        ),
        esGet('/_cat/recovery?v&active_only=true'),
      ],
    },
    {
      text: 'List the unassigned replicas and ask why one is not allocated:',
      elasticsearch: [
        esGet(
          '/_cat/shards?v&h=index,shard,prirep,state,unassigned.reason,node&s=state&expand_wildcards=all',
        ),
        {
          method: ElasticsearchMethod.GET,
          path: '/_cluster/allocation/explain',
          body: { index: '<index>', shard: 0, primary: false },
        },
      ],
    },
    {
      text: 'Look for the usual causes: a data node missing, a node past the low watermark (`ElasticsearchDiskWatermarkLow`), allocation left disabled after maintenance, or a node shutdown record that was never cleared:',
      elasticsearch: [
        esGet('/_cat/nodes?v&h=name,node.role,heap.percent,disk.used_percent'),
        esGet('/_cluster/settings?filter_path=*.cluster.routing'),
        esGet('/_nodes/shutdown'),
      ],
      shell: ES_PODS,
    },
  ],
  fix: [
    {
      text: 'A node is missing: bring it back (see `ElasticsearchClusterRed`, first fix step).',
    },
    {
      text: 'Allocation disabled (`cluster.routing.allocation.enable` set to `primaries` or `none`): reset it.',
      elasticsearch: [
        {
          method: ElasticsearchMethod.PUT,
          path: '/_cluster/settings',
          body: { persistent: { 'cluster.routing.allocation.enable': null } },
        },
      ],
    },
    {
      text: 'A stale shutdown record for a node that is running again (its readiness probe clears its own record when it starts, so this is rare): delete it.',
      elasticsearch: [{ method: ElasticsearchMethod.DELETE, path: '/_nodes/<node-id>/shutdown' }],
    },
    {
      text: 'Failed allocations that hit the retry limit: `es POST /_cluster/reroute?retry_failed=true`.',
    },
    {
      text: "More replicas than the cluster can place: the stack's templates ask for 0 replicas on a one-node cluster and 1 otherwise, but an index made by someone else may ask for more. Lower it:",
      elasticsearch: [
        {
          method: ElasticsearchMethod.PUT,
          path: '/<index>/_settings',
          body: { index: { number_of_replicas: 1 } },
        },
      ],
    },
  ],
};

export const ELASTICSEARCH_DISK_WATERMARK_LOW_RUNBOOK: AlertRunbook = {
  meaning: `An Elasticsearch node's data path has been fuller than \`alerts.elasticsearchDiskLowWatermark\` (default 85 %, Elasticsearch's own \`cluster.routing.allocation.disk.watermark.low\`) for 5 minutes, from the exporter's \`elasticsearch_filesystem_data_*_bytes\`. Past the low watermark Elasticsearch allocates no new shards to the node (new primaries of a fresh index excepted), so replicas of a daily rollover may stay unassigned (yellow). Nothing is refused yet: it is the time to act before the high watermark (90 %) and the flood stage (95 %).`,
  check: DISK_CHECKS,
  fix: DISK_FIXES,
};

export const ELASTICSEARCH_DISK_WATERMARK_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `An Elasticsearch node's data path has been fuller than \`alerts.elasticsearchDiskHighWatermark\` (default 90 %, Elasticsearch's \`cluster.routing.allocation.disk.watermark.high\`) for 5 minutes. Elasticsearch is moving shards away from the node, which costs I/O and fills the others. At the flood stage (95 %) it puts an \`index.blocks.read_only_allow_delete\` block on every index with a shard on that node: bulk writes are answered 429 (\`cluster_block_exception\`), Logstash retries them forever, and log ingestion stops for those classes. Elasticsearch lifts the block by itself once the node is below the high watermark again.`,
  check: [
    ...DISK_CHECKS,
    {
      text: 'See whether the flood-stage block is already on (writes refused):',
      elasticsearch: [
        esGet(
          '/_all/_settings/index.blocks.read_only_allow_delete?expand_wildcards=all&filter_path=*.settings',
        ),
      ],
    },
  ],
  fix: [
    ...DISK_FIXES,
    {
      text: "Once space is free the block goes by itself and the waiting log events are shipped: Logstash's queue (on its claim in staging and prod) first, then what Filebeat holds back on the nodes. Events are lost only if a node's container log files rotated away before Filebeat read them, or a Logstash pod with the in-memory queue (dev) restarted meanwhile. Watch `LogstashPipelineStalled` and `FilebeatOutputStalled` clear.",
    },
  ],
};

export const LOGS_DEAD_LETTERED_RUNBOOK: AlertRunbook = {
  meaning: `Log events arrived in the dead-letter data stream \`logs-deadletter-default\` within the last 10 minutes (the exporter's \`elasticsearch_indices_docs_primary\` of its \`.ds-logs-deadletter-*\` backing indices). Elasticsearch refused them in the data stream of their class, so they are not where searches and dashboards look, but they are not lost: Filebeat's \`non_indexable_policy\` (without Logstash) keeps the whole event as JSON text in \`message\`, the status in \`error.type\` and the reason in \`error.message\`; Logstash's dead-letters pipeline keeps the event's fields, the tag \`dead_letter\` and the reason in \`error.message\`. The templates accept any JSON shape, so a refusal means something else: a write block, a missing privilege, an oversized document, a conflict.`,
  check: [
    {
      text: 'Group the recent dead letters by status (`error.type` is mapped as a keyword; only `@timestamp`, `message`, `error.*`, `tags` and `data_stream.*` are indexed, the rest is in `_source`):',
      elasticsearch: [
        {
          method: ElasticsearchMethod.POST,
          path: '/logs-deadletter-default/_search?size=0',
          body: {
            query: { range: { '@timestamp': { gte: 'now-1h' } } },
            aggs: { status: { terms: { field: 'error.type' } } },
          },
        },
      ],
    },
    {
      text: 'Read the newest ones and their reasons (in Kibana: data view `logs-*`, filter `data_stream.dataset : "deadletter"`):',
      elasticsearch: [
        {
          method: ElasticsearchMethod.POST,
          path: '/logs-deadletter-default/_search',
          body: {
            size: 5,
            sort: [{ '@timestamp': 'desc' }],
            _source: ['@timestamp', 'error.type', 'error.message', 'tags', 'service.name'],
          },
        },
      ],
    },
    {
      text: "The reason names the cause: `cluster_block_exception` with 403 (a write block put on the indices by hand, `index.blocks.write`; the flood-stage block answers 429, which is retried instead of dead-lettered), `security_exception` / 403 (the writer's user lacks a privilege on a new class: the roles come from the `elasticsearch-users` Job), `document_parsing_exception` / 400 (rare by design: the templates map with `subobjects: false`, `ignore_malformed` and keywords with `ignore_above`, and Filebeat reshapes what would still conflict), `version_conflict_engine_exception` / 409 (a document id sent twice).",
    },
  ],
  fix: [
    {
      text: 'Fix the cause: lift a write block put by hand (`es PUT /<index>/_settings \'{"index.blocks.write":null}\'`), or re-apply the manifests so the `elasticsearch-users-<hash>` Job grants the roles of the current log classes; a 409 is a duplicate and harmless for logs.',
    },
    {
      text: "Replay Logstash's dead letters (their fields are intact) into their class once the cause is gone; the script drops what the dead-letters pipeline added, so the class data stream's own constant `data_stream` fields apply. Filebeat's (the event as text in `message`) can be kept for inspection: ILM deletes them after `deadLetterRetention` (30 days).",
      elasticsearch: [
        {
          method: ElasticsearchMethod.POST,
          path: '/_reindex',
          body: {
            source: { index: 'logs-deadletter-default', query: { term: { tags: 'dead_letter' } } },
            dest: { index: 'logs-<class>-default', op_type: 'create' },
            script: {
              source:
                "ctx._source.remove('data_stream'); ctx._source.remove('error'); ctx._source.tags.removeIf(t -> t == 'dead_letter')",
            },
          },
        },
      ],
    },
  ],
};

export const ELASTICSEARCH_SNAPSHOT_STALE_RUNBOOK: AlertRunbook = {
  meaning: `The log data streams are not being backed up on schedule: the repository \`logs-snapshots\` has no successful snapshot started within \`snapshots.staleAfter\` (the SLM interval plus 3 hours, 27h by default), has held none at all for that long, or one SLM policy \`logs-<class>-snapshots\` took none in that time (from the exporter's \`--collector.snapshots\` and \`--collector.slm\` metrics). Nothing is lost yet, but losing the cluster now would lose more than one schedule of logs; the trades class (365 days) is the one the backups exist for.`,
  check: [
    {
      text: "See each policy's last success and failure (with the error) and its next run, and whether SLM is running:",
      elasticsearch: [
        esGet(
          '/_slm/policy?human&filter_path=*.last_success,*.last_failure,*.next_execution,*.policy.schedule',
        ),
        esGet('/_slm/status'),
      ],
    },
    {
      text: 'List the newest snapshots and their state (`SUCCESS`, `PARTIAL`, `FAILED`):',
      elasticsearch: [
        esGet(
          '/_snapshot/logs-snapshots/*?sort=start_time&order=desc&size=5&filter_path=snapshots.snapshot,snapshots.state,snapshots.start_time,snapshots.failures',
        ),
      ],
    },
    {
      text: 'Check that every node can reach and write the repository (bucket, credentials, network):',
      elasticsearch: [
        { method: ElasticsearchMethod.POST, path: '/_snapshot/logs-snapshots/_verify' },
      ],
    },
    {
      text: "Compare the policies' successes and failures over the window:",
      promql:
        'sum by (policy) (increase(elasticsearch_slm_stats_snapshots_taken_total[1d])) or sum by (policy) (increase(elasticsearch_slm_stats_snapshots_failed_total[1d]))',
    },
  ],
  fix: [
    {
      text: 'SLM stopped (`operation_mode` `STOPPED`, someone ran `POST _slm/stop`): start it.',
      elasticsearch: [{ method: ElasticsearchMethod.POST, path: '/_slm/start' }],
    },
    {
      text: "Credentials refused (403, `InvalidAccessKeyId`): update the Secret `elasticsearch-snapshots-s3` (keys `access-key`, `secret-key`), then restart the Elasticsearch StatefulSets: the `keystore` init container builds each node's keystore from the Secret when the pod starts.",
      shell:
        'kubectl -n observability rollout restart statefulset -l app.kubernetes.io/instance=elasticsearch',
    },
    {
      text: "The object store is unreachable (`_verify` times out): the Elasticsearch pods' egress to it is `networkPolicies.snapshotStorageCidr` on 443; check the bucket's endpoint resolves and is inside that range.",
    },
    {
      text: 'The repository or the policies are missing (a rebuilt cluster): the setup Job registers them; delete the finished `elasticsearch-setup-<hash>` Job and apply the manifests again so it runs once more.',
    },
    {
      text: 'Once the cause is fixed, take the snapshots now instead of waiting for the schedule (one request per class):',
      elasticsearch: [
        { method: ElasticsearchMethod.POST, path: '/_slm/policy/logs-<class>-snapshots/_execute' },
      ],
    },
  ],
};

const NODE_STATS = esGet(
  '/_cat/nodes?v&h=name,node.role,master,heap.percent,ram.percent,cpu,load_1m,disk.used_percent&s=name',
);

const EXPORTER_LOGS =
  'kubectl -n observability logs deploy/elasticsearch-exporter --since=30m | grep -iE "error|fail|denied|x509" | tail -20';

export const ELASTICSEARCH_HEAP_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `An Elasticsearch node has kept most of its JVM heap in use for 15 minutes (the exporter's \`elasticsearch_jvm_memory_used_bytes{area="heap"}\` over \`elasticsearch_jvm_memory_max_bytes\`). Old-generation collections stop freeing enough, pauses grow (\`ElasticsearchGcTimeHigh\`), the parent circuit breaker starts refusing bulk and search requests with 429 (\`ElasticsearchCircuitBreakerTripped\`), and a node that runs out of heap dies and leaves the cluster.`,
  check: [
    {
      text: 'Which nodes, and since when:',
      promql: 'node:elasticsearch_jvm_heap_used:ratio',
    },
    {
      text: 'What holds the heap: field data, segments, the query and request caches, and the breakers (a large `fielddata` is usually an aggregation on a text field):',
      elasticsearch: [
        NODE_STATS,
        esGet(
          '/_nodes/stats/breaker,indices?filter_path=nodes.*.name,nodes.*.breakers.*.estimated_size,nodes.*.indices.fielddata,nodes.*.indices.segments.count',
        ),
        esGet('/_cat/shards?v&s=store:desc&h=index,shard,prirep,store,node&expand_wildcards=all'),
      ],
    },
  ],
  fix: [
    {
      text: 'Clear the caches to win time (they refill on demand):',
      elasticsearch: [
        { method: ElasticsearchMethod.POST, path: '/_cache/clear?fielddata=true&request=true' },
      ],
    },
    {
      text: 'Too many shards per node (each costs heap): lower the number of backing indices with a longer rollover (`logClasses[].rollover`) or shorter retention, and let ILM delete the old ones.',
    },
    {
      text: 'Give the nodes more memory: raise `elasticsearch.data.resources.memoryRequest`/`memoryLimit` (the heap is half of the limit) and apply; the StatefulSet rolls one node at a time.',
    },
  ],
};

export const ELASTICSEARCH_UNASSIGNED_SHARDS_RUNBOOK: AlertRunbook = {
  meaning: `Elasticsearch has had shards it does not place for 30 minutes (\`elasticsearch_cluster_health_unassigned_shards\`, not counting the ones it delays on purpose while a node that left may come back). Replicas missing leave data on one copy (\`ElasticsearchClusterYellow\`); a primary missing makes its index unwritable (\`ElasticsearchClusterRed\`). Unlike a restart, this does not heal by itself: an allocation decider says no.`,
  check: [
    {
      text: 'List the unassigned shards and why they are unassigned:',
      elasticsearch: [
        esGet(
          '/_cat/shards?v&h=index,shard,prirep,state,unassigned.reason&s=state&expand_wildcards=all',
        ),
      ],
    },
    {
      text: 'Ask the allocator to explain the first unassigned shard it finds (it names the deciders that refuse each node):',
      elasticsearch: [
        esGet(
          '/_cluster/allocation/explain?filter_path=index,shard,primary,allocate_explanation,node_allocation_decisions.node_name,node_allocation_decisions.deciders',
        ),
      ],
    },
  ],
  fix: [
    {
      text: 'Disk watermark (`disk_threshold` decider): free space first, see `ElasticsearchDiskWatermarkLow`.',
    },
    {
      text: '`max_retry` decider (allocation failed five times, the cause now gone): retry.',
      elasticsearch: [
        { method: ElasticsearchMethod.POST, path: '/_cluster/reroute?retry_failed=true' },
      ],
    },
    {
      text: '`same_shard` or `awareness` decider (more replicas than nodes or zones that may hold them): lower `number_of_replicas` of that index, or add a data node.',
      elasticsearch: [
        {
          method: ElasticsearchMethod.PUT,
          path: '/<index>/_settings',
          body: { index: { number_of_replicas: 1 } },
        },
      ],
    },
  ],
};

export const ELASTICSEARCH_SHARDS_MOVING_STUCK_RUNBOOK: AlertRunbook = {
  meaning: `Elasticsearch has had shards relocating or initializing for an hour without a break (\`elasticsearch_cluster_health_relocating_shards\` plus \`initializing_shards\`). Recoveries copy whole shards over the network, which costs disk and network I/O on both nodes; one that never ends is stuck (a node that keeps restarting, a full target disk, a throttle set too low) or the balancer is moving shards back and forth.`,
  check: [
    {
      text: 'Which recoveries run, how far they are and how fast they go:',
      elasticsearch: [
        esGet(
          '/_cat/recovery?v&active_only=true&h=index,shard,type,stage,source_node,target_node,bytes_percent,time',
        ),
      ],
    },
    {
      text: 'The recovery throttle and the allocation settings someone may have changed:',
      elasticsearch: [
        esGet(
          '/_cluster/settings?include_defaults=true&filter_path=*.indices.recovery.max_bytes_per_sec,*.cluster.routing',
        ),
      ],
    },
    {
      text: 'Whether a node keeps restarting (each restart starts its recoveries over):',
      shell: ES_PODS,
    },
  ],
  fix: [
    {
      text: 'A restarting node: fix it first (`KubePodCrashLooping`, its log); recoveries finish once it stays.',
    },
    {
      text: 'Too slow: raise the recovery throttle for the duration, then reset it.',
      elasticsearch: [
        {
          method: ElasticsearchMethod.PUT,
          path: '/_cluster/settings',
          body: { persistent: { 'indices.recovery.max_bytes_per_sec': '200mb' } },
        },
      ],
    },
    {
      text: 'Shards moving back and forth (nodes near the disk watermarks): free disk so the balancer settles, see `ElasticsearchDiskWatermarkLow`.',
    },
  ],
};

export const ELASTICSEARCH_PENDING_TASKS_RUNBOOK: AlertRunbook = {
  meaning: `The elected master has had cluster state updates waiting for 15 minutes (\`elasticsearch_cluster_health_number_of_pending_tasks\`). Every index creation, rollover, mapping update, ILM step and shard allocation goes through that queue, so log classes cannot roll over, new fields wait to be mapped and bulk requests that need a mapping change time out. The master is overloaded (too many shards, too many dynamic fields) or a task is blocked.`,
  check: [
    {
      text: 'What waits, and for how long (the oldest first):',
      elasticsearch: [esGet('/_cluster/pending_tasks?human')],
    },
    {
      text: "The master's own load, and the cluster's shard and field counts:",
      elasticsearch: [
        NODE_STATS,
        esGet(
          '/_cluster/stats?filter_path=indices.shards.total,indices.mappings.total_field_count',
        ),
      ],
    },
  ],
  fix: [
    {
      text: 'Mapping updates dominate (`put-mapping`): a sender writes ever new field names; find it in the newest backing index mapping and reshape the field in a Logstash filter.',
    },
    {
      text: 'Shard count too high for the master: lower the number of backing indices (longer rollover, shorter retention); in prod give the dedicated masters more CPU and memory (`elasticsearch.masters.resources`).',
    },
    {
      text: 'A master that does not recover: restart it, and another master-eligible node takes over.',
      shell: 'kubectl -n observability delete pod <master pod>',
    },
  ],
};

export const ELASTICSEARCH_NODES_MISSING_RUNBOOK: AlertRunbook = {
  meaning: `Cluster health has counted fewer Elasticsearch nodes than the stack runs for 5 minutes (\`elasticsearch_cluster_health_number_of_nodes\`). The shards of the missing nodes are unassigned or recovering on the others, which fills their disks and heap; losing master-eligible nodes past a majority stops the cluster (\`ElasticsearchNoMaster\`).`,
  check: [
    {
      text: 'Which pods are not running or not ready, and which nodes the cluster sees:',
      shell: ES_PODS,
      elasticsearch: [NODE_STATS],
    },
    {
      text: "Why a pod is not running (pending: no node with its memory or its volume's zone; crashing: its log):",
      shell:
        'kubectl -n observability describe pod <pod> | tail -20\nkubectl -n observability logs <pod> --previous | tail -30',
    },
  ],
  fix: [
    {
      text: 'A pending pod whose claim is bound to a volume in another zone: make room for it in that zone (cordoned or full nodes), or delete the claim and the pod to start the node empty (its shards recover from the replicas).',
    },
    {
      text: 'A crashing pod: see `KubePodCrashLooping`; out of memory, raise the memory of its node group.',
    },
  ],
};

export const ELASTICSEARCH_NO_MASTER_RUNBOOK: AlertRunbook = {
  meaning: `Elasticsearch answers its root endpoint but has given the exporter no cluster health for 2 minutes: no master is elected (the health API needs one and answers \`master_not_discovered_exception\`). Without a master nothing changes in the cluster: no index or data stream is created or rolled over, mappings are not updated, and writes that need either fail. Searches on existing indices may still work. Usually a majority of the master-eligible nodes is down or cannot reach each other.`,
  check: [
    {
      text: 'See the master-eligible pods (prod: `elasticsearch-master-*`; dev and staging: `elasticsearch-node-*`) and whether they run:',
      shell: ES_PODS,
    },
    {
      text: 'Ask one node what it sees; the log of a master-eligible node says which nodes it tries to discover and why the election fails:',
      elasticsearch: [esGet('/_cat/master?v'), esGet('/_cluster/health?timeout=5s')],
      shell:
        'kubectl -n observability logs <master-eligible pod> --since=10m | grep -iE "master not discovered|election|quorum" | tail -10',
    },
  ],
  fix: [
    {
      text: 'Bring the master-eligible nodes back (a majority is needed): pending pods, see `ElasticsearchNodesMissing`; crashing pods, see `KubePodCrashLooping`.',
    },
    {
      text: "Nodes running but unable to reach each other on the transport port 9300: check the NetworkPolicies of the `observability` namespace and the transport Service's endpoints.",
      shell: 'kubectl -n observability get endpoints -l app.kubernetes.io/instance=elasticsearch',
    },
  ],
};

export const ELASTICSEARCH_ILM_ERRORS_RUNBOOK: AlertRunbook = {
  meaning: `Indices have stayed at the \`ERROR\` step of their index lifecycle policy for 30 minutes (the exporter's \`--collector.ilm\` metric \`elasticsearch_ilm_index_status{step="ERROR"}\`). ILM retries transient errors by itself; these it does not get past. An index stuck in \`rollover\` keeps growing as the write index, one stuck in \`delete\` is kept past its retention and fills the disk.`,
  check: [
    {
      text: 'Which indices and why (`step_info` holds the error):',
      elasticsearch: [
        esGet(
          '/*/_ilm/explain?only_errors=true&expand_wildcards=all&filter_path=indices.*.policy,indices.*.failed_step,indices.*.step_info',
        ),
      ],
    },
    {
      text: 'How many, per phase and action:',
      promql: 'count by (phase, action) (elasticsearch_ilm_index_status{step="ERROR"} == 1)',
    },
  ],
  fix: [
    {
      text: 'Fix the cause the error names (a rollover alias or data stream changed by hand, a write block, a shard allocation the policy cannot satisfy, a missing snapshot repository), then retry the failed step:',
      elasticsearch: [{ method: ElasticsearchMethod.POST, path: '/<index>/_ilm/retry' }],
    },
    {
      text: "A policy changed by hand: re-run the setup Job (delete the finished `elasticsearch-setup-<hash>` Job and apply the manifests), which puts the stack's policies back.",
    },
  ],
};

export const ELASTICSEARCH_THREAD_POOL_REJECTIONS_RUNBOOK: AlertRunbook = {
  meaning: `An Elasticsearch node's \`write\` or \`search\` thread pool has rejected requests for 10 minutes (\`elasticsearch_thread_pool_rejected_count\`): its queue is full because the node cannot keep up. Rejected bulk writes come back as 429 and are retried by Logstash and Filebeat, so logs are late and their queues grow; rejected searches fail in Kibana, Grafana and the Jaeger UI.`,
  check: [
    {
      text: 'Which nodes and pools, queued and rejected:',
      elasticsearch: [
        esGet(
          '/_cat/thread_pool/write,search?v&h=node_name,name,active,queue,rejected,completed&s=node_name',
        ),
      ],
    },
    {
      text: 'Whether one node takes more than its share (hot shards on it), and its CPU, heap and disk:',
      elasticsearch: [NODE_STATS, esGet('/_cat/allocation?v')],
    },
  ],
  fix: [
    {
      text: 'Spread the load: shards of the busiest write indices all on one node can be moved with `_cluster/reroute`, or the next rollover gets more primaries.',
    },
    {
      text: 'The cluster is simply too small for the ingest rate: add data nodes (`elasticsearch.data.replicas`) or give them more CPU; meanwhile Logstash keeps the backlog in its queue.',
    },
    {
      text: 'Searches: find expensive ones (Kibana dashboards over long ranges, wildcard queries) in the slow log, and shorten their range.',
    },
  ],
};

export const ELASTICSEARCH_CIRCUIT_BREAKER_TRIPPED_RUNBOOK: AlertRunbook = {
  meaning: `An Elasticsearch circuit breaker tripped in the last 5 minutes (\`elasticsearch_breakers_tripped\`, label \`breaker\`): a request would have taken more heap than the breaker allows, so Elasticsearch refused it with 429 \`circuit_breaking_exception\` instead of running out of memory. \`parent\` means the heap as a whole is full (\`ElasticsearchHeapHigh\`); \`fielddata\` an aggregation on a field not meant for it; \`request\` and \`in_flight_requests\` very large searches or bulk requests.`,
  check: [
    {
      text: 'Which breaker and node, its limit and its current estimate:',
      elasticsearch: [esGet('/_nodes/stats/breaker?filter_path=nodes.*.name,nodes.*.breakers')],
    },
    {
      text: 'Over time:',
      promql: 'sum by (name, breaker) (increase(elasticsearch_breakers_tripped[1h]))',
    },
  ],
  fix: [
    {
      text: '`parent`: relieve the heap, see `ElasticsearchHeapHigh`.',
    },
    {
      text: '`fielddata`: clear it (`POST /_cache/clear?fielddata=true`) and find the visualization that aggregates a text field; use its keyword sub-field instead.',
    },
    {
      text: "`in_flight_requests` from bulk writes: Logstash's batches are too large for the node; lower `logstash.pipelineWorkers` or the batch size, or add data nodes.",
    },
  ],
};

export const ELASTICSEARCH_GC_TIME_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `An Elasticsearch node has spent a large share of its time in garbage collection for 15 minutes (\`elasticsearch_jvm_gc_collection_seconds_sum\`). While the JVM collects, the node does nothing else: bulk and search requests stall, and long pauses make the master drop the node from the cluster. Nearly always the heap is too full for what the node holds.`,
  check: [
    {
      text: 'Time in GC per node and collector, next to the heap:',
      promql: 'sum by (name, gc) (rate(elasticsearch_jvm_gc_collection_seconds_sum[5m]))',
    },
    {
      text: 'The heap and what holds it:',
      elasticsearch: [NODE_STATS],
    },
  ],
  fix: [
    {
      text: 'Follow `ElasticsearchHeapHigh`: clear caches, lower the shard count, or give the nodes more memory.',
    },
  ],
};

export const ELASTICSEARCH_INDEXING_LATENCY_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `Indexing on an Elasticsearch node has been slow for 15 minutes: the mean time per indexed document (\`elasticsearch_indices_indexing_index_time_seconds_total\` over \`index_total\`) is far above normal. Log ingestion falls behind, Logstash's queue grows and logs reach Kibana late. The usual causes are slow disks, merges and refreshes competing for I/O, a heap under pressure, or a mapping that grows with every document.`,
  check: [
    {
      text: 'Per node, next to the indexing rate:',
      promql: 'node:elasticsearch_indexing_seconds_per_doc:rate5m',
    },
    {
      text: 'Disk I/O, merges and the hot threads of the slow node:',
      elasticsearch: [
        esGet('/_nodes/stats/indices/merge,refresh?filter_path=nodes.*.name,nodes.*.indices'),
        esGet('/_nodes/hot_threads?threads=3'),
      ],
    },
  ],
  fix: [
    {
      text: 'Heap pressure: see `ElasticsearchHeapHigh`. Disk saturated: a storage class with more IOPS, or more data nodes to spread the writes.',
    },
    {
      text: 'Mapping explosion (field count growing): find the sender that invents field names and reshape them in a Logstash filter.',
    },
  ],
};

export const ELASTICSEARCH_SEARCH_LATENCY_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `Searches on an Elasticsearch node have been slow for 15 minutes: the mean time of a query phase (\`elasticsearch_indices_search_query_time_seconds\` over \`search_query_total\`) is far above normal. Kibana, Grafana's log panels and the Jaeger UI are slow or time out. Log ingestion is not affected unless the same node is also short of CPU or heap.`,
  check: [
    {
      text: 'Per node:',
      promql: 'node:elasticsearch_search_seconds_per_query:rate5m',
    },
    {
      text: 'What runs now (long-running searches, with their source) and the hot threads:',
      elasticsearch: [
        esGet('/_tasks?actions=*search*&detailed=true&group_by=parents'),
        esGet('/_nodes/hot_threads?threads=3'),
      ],
    },
  ],
  fix: [
    {
      text: 'Cancel a runaway search (`POST /_tasks/<task id>/_cancel`) and shorten the time range of the dashboard that sent it.',
    },
    {
      text: 'Heap or CPU short: see `ElasticsearchHeapHigh`, or add data nodes.',
    },
  ],
};

export const ELASTICSEARCH_EXPORTER_DOWN_RUNBOOK: AlertRunbook = {
  meaning: `Prometheus has had no series from the Elasticsearch exporter for 10 minutes (\`elasticsearch_node_stats_up\` absent). Every Elasticsearch alert reads the exporter's metrics, so none of them can fire: a red cluster or a full disk goes unnoticed. The exporter's Deployment is gone, its pod does not start, or Prometheus does not scrape it (its scrape annotations).`,
  check: [
    {
      text: 'The exporter pod and its events:',
      shell:
        'kubectl -n observability get deploy,pods -l app.kubernetes.io/name=elasticsearch-exporter\nkubectl -n observability describe pod -l app.kubernetes.io/name=elasticsearch-exporter | tail -20',
    },
    {
      text: 'Whether Prometheus has the target:',
      promql: 'up{namespace="observability", pod=~"elasticsearch-exporter.*"}',
    },
  ],
  fix: [
    {
      text: 'Apply the manifests again if the Deployment is gone; a crashing pod, see its log and `KubePodCrashLooping`.',
    },
    {
      text: 'Target missing while the pod runs: check its `prometheus.io/scrape` and `prometheus.io/port` annotations and that the NetworkPolicy lets Prometheus reach port 9114.',
    },
  ],
};

export const ELASTICSEARCH_EXPORTER_UNREACHABLE_RUNBOOK: AlertRunbook = {
  meaning: `The Elasticsearch exporter runs and is scraped, but has failed to read Elasticsearch for 5 minutes (\`elasticsearch_clusterinfo_up\` or \`elasticsearch_node_stats_up\` at 0). The Elasticsearch alerts see no fresh data: Elasticsearch is down or unreachable from the exporter, or it refuses the exporter's user or CA.`,
  check: [
    {
      text: "The exporter's log names the error (connection refused, 401/403, x509):",
      shell: EXPORTER_LOGS,
    },
    {
      text: 'Elasticsearch itself:',
      shell: ES_PODS,
      elasticsearch: [esGet('/_cluster/health?filter_path=status,number_of_nodes')],
    },
  ],
  fix: [
    {
      text: "401: the exporter user's password differs from its Secret; apply the manifests so the `elasticsearch-users-<hash>` Job sets it again, then restart the exporter. 403: the user lacks a privilege its flags need (the same Job grants them).",
      shell: 'kubectl -n observability rollout restart deploy/elasticsearch-exporter',
    },
    {
      text: 'x509: the CA mounted in the exporter is not the one that signed the HTTP certificate (after a certificate rotation); restart the exporter so it mounts the current one.',
    },
  ],
};
