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
