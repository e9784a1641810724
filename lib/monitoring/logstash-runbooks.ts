import { AlertRunbook, ElasticsearchMethod, esGet } from '../prometheus/alert-runbook';

const LOGSTASH_STATS =
  'kubectl -n observability port-forward pod/<pod> 9600 &\n' +
  "curl -s 'http://localhost:9600/_node/stats/pipelines?pretty'";

const LOGSTASH_OUTPUT_ERRORS =
  'kubectl -n observability logs <pod> -c logstash --since=30m | grep -iE "elasticsearch|retry|error" | tail -30';

export const LOGSTASH_PIPELINE_STALLED_RUNBOOK: AlertRunbook = {
  meaning: `A Logstash pipeline (\`main\`, which ships the nodes' logs, or \`dead-letters\`) took events in over \`alerts.logstashStalledFor\` (default 10 minutes) but sent none out (the exporter sidecar's \`logstash_stats_pipeline_events_in\` and \`_out\`). Its output is blocked (Elasticsearch refusing with 429 or 503, unreachable, or rejecting the credentials) or a filter hangs. With the persistent queue (staging, prod) events wait on the pod's claim \`data-logstash-<n>\` up to \`queue.max_bytes\`; when it is full, Logstash stops reading from Filebeat, which then holds the logs on the nodes (\`FilebeatOutputStalled\`). Logs are late, not lost, until a node's log files rotate past what Filebeat has read.`,
  check: [
    {
      text: "Read the pipeline's own view: events in, out and filtered per plugin, the queue's size, and the Elasticsearch output's failures:",
      shell: LOGSTASH_STATS,
    },
    {
      text: "Read the output's errors: `retrying failed action` with status 429 (Elasticsearch pushing back, often the flood-stage block), 503 (a red index), 401/403 (the user `logstash-elasticsearch-credentials` rejected or lacking the `logstash-writer` role), or connection errors (TLS, DNS, the NetworkPolicy `allow-logstash-pipeline`):",
      shell: LOGSTASH_OUTPUT_ERRORS,
    },
    {
      text: 'Check Elasticsearch itself (health, flood-stage block):',
      elasticsearch: [
        esGet('/_cluster/health?filter_path=status,unassigned_shards'),
        esGet('/_cat/allocation?v&h=node,disk.percent'),
      ],
    },
  ],
  fix: [
    {
      text: 'Elasticsearch is the cause: fix it first (`ElasticsearchClusterRed`, `ElasticsearchDiskWatermarkHigh`); Logstash resumes by itself and drains its queue.',
    },
    {
      text: 'Credentials: the `elasticsearch-users-<hash>` Job sets the password of the Logstash user from the Secret `logstash-elasticsearch-credentials`; after rotating it, apply the manifests (a new Job runs) and restart Logstash so it reads the new value from its environment.',
      shell: 'kubectl -n observability rollout restart statefulset/logstash',
    },
    {
      text: 'A hung filter with a healthy Elasticsearch: restart the pod. The persistent queue keeps what it has taken in on its claim, so nothing is lost; the in-memory `dead-letters` pipeline re-reads the dead-letter queue from its committed offset.',
      shell: 'kubectl -n observability delete pod <pod>',
    },
  ],
};

export const LOGSTASH_DEAD_LETTERS_RUNBOOK: AlertRunbook = {
  meaning: `Elasticsearch refused documents from Logstash for good in the last 5 minutes: answered 400, 404 or 409, which Logstash never retries (its Elasticsearch output's \`non_retryable_failures\`), or the \`dead-letters\` pipeline read new entries from the dead-letter queue. With the dead-letter queue (prod) the events are kept, in \`logs-deadletter-default\` with the tag \`dead_letter\` and the reason in \`error.message\` (\`LogsDeadLettered\` fires on that stream too); without it (dev, staging), they are lost.`,
  check: [
    {
      text: 'Which pods and how many:',
      promql:
        'sum by (pod) (increase(logstash_stats_pipeline_plugin_documents_non_retryable_failures{namespace="observability", plugin_type="output"}[1h]))',
    },
    {
      text: 'The reasons Elasticsearch gave, from the dead letters (prod):',
      elasticsearch: [
        {
          method: ElasticsearchMethod.POST,
          path: '/logs-deadletter-default/_search',
          body: {
            size: 5,
            sort: [{ '@timestamp': 'desc' }],
            query: { term: { tags: 'dead_letter' } },
            _source: ['@timestamp', 'error.message', 'service.name', 'data_stream'],
          },
        },
      ],
    },
    {
      text: 'Without the dead-letter queue the reason is only in the Logstash log (`Could not index event to Elasticsearch`, with the status and the error):',
      shell:
        'kubectl -n observability logs <pod> -c logstash --since=1h | grep -i "could not index" | tail -5',
    },
  ],
  fix: [
    {
      text: "A 400 (`document_parsing_exception`, the reason names the field): the document cannot be indexed as mapped, which the templates and Filebeat's merging script rule out for events that went through them; look for a sender that writes to Logstash's Beats port without the stack's Filebeat (an object where an ECS field is a value). Send it through Filebeat, or reshape the field in a Logstash filter (`logstash.filters`).",
    },
    {
      text: 'A 404 (`index_not_found_exception`): the data stream could not be created, because its index template is gone (deleted by hand). Re-run the setup Job: delete the finished `elasticsearch-setup-<hash>` Job and apply the manifests.',
    },
    {
      text: 'A 409: the same document id was sent twice, which is harmless for logs.',
    },
    {
      text: 'Replay the dead letters once the cause is gone: see `LogsDeadLettered`.',
    },
  ],
};

export const LOGSTASH_DEAD_LETTER_QUEUE_DROPPING_RUNBOOK: AlertRunbook = {
  meaning: `The dead-letter queue of a Logstash pipeline is full (over 95 % of \`dead_letter_queue.max_bytes\`, 4096 MB in prod) or counted dropped events: with the stack's \`drop_older\` storage policy Logstash deletes the oldest unread dead letters to make room, with \`drop_newer\` it refuses new ones. Either way refused log events are now lost for good. The queue only fills when its reader, the \`dead-letters\` pipeline, cannot write them to \`logs-deadletter-default\` (Elasticsearch refusing that stream too, or the pipeline stalled), or when dead letters arrive faster than it writes.`,
  check: [
    {
      text: 'How full each queue is:',
      promql:
        'max by (pod, pipeline) (logstash_stats_pipeline_dead_letter_queue_size_in_bytes{namespace="observability"} / logstash_stats_pipeline_dead_letter_queue_max_size_in_bytes{namespace="observability"})',
    },
    {
      text: 'Whether the reader moves: events out of the `dead-letters` pipeline (near zero while the queue is full means it is stuck; a steady rate means dead letters arrive faster than it writes):',
      promql:
        'sum by (pod) (rate(logstash_stats_pipeline_events_out{namespace="observability", pipeline="dead-letters"}[5m]))',
    },
    {
      text: "The reader's output errors, and the queue on disk (segments under `/usr/share/logstash/data/dead_letter_queue/main`):",
      shell: [
        LOGSTASH_OUTPUT_ERRORS,
        'kubectl -n observability exec <pod> -c logstash -- du -sh /usr/share/logstash/data/dead_letter_queue/main',
      ].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Make the reader write again: `logs-deadletter-default` cannot refuse a document by its mapping, so a refusal there is a write block (free disk, `ElasticsearchDiskWatermarkHigh`) or a missing privilege of the `logstash-writer` role on `logs-deadletter-*` (apply the manifests so the users Job runs).',
    },
    {
      text: "Stop the inflow: the main pipeline's dead letters have a cause (`LogstashDeadLetters`); fix it and the queue drains, `clean_consumed` deleting what the reader has written.",
    },
    {
      text: "If bursts are expected to exceed the queue, give it more room: `dead_letter_queue.max_bytes` is 20 % of `logstash.persistentQueue.size`. Kubernetes refuses a change to the StatefulSet's claim template, so patch each claim `data-logstash-<n>` (where the storage class allows expansion), then recreate the StatefulSet without its pods (`kubectl -n observability delete statefulset logstash --cascade=orphan`) and apply the new size.",
    },
  ],
};

const LOGSTASH_PODS =
  'kubectl -n observability get pods -l app.kubernetes.io/instance=logstash -o wide';

export const LOGSTASH_HEAP_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `A Logstash pod has kept most of its JVM heap in use for 15 minutes (the exporter's \`logstash_stats_jvm_mem_heap_used_bytes\` over \`heap_max_bytes\`). Garbage collection takes the pipeline's CPU, throughput drops (\`LogstashBackpressure\`, \`FilebeatOutputStalled\`), and a full heap ends in \`OutOfMemoryError\` and a restart. With the in-memory queue (dev) that restart loses the events in flight.`,
  check: [
    {
      text: 'Heap per pod over time:',
      promql:
        'max by (pod) (logstash_stats_jvm_mem_heap_used_bytes{namespace="observability"} / logstash_stats_jvm_mem_heap_max_bytes{namespace="observability"})',
    },
    {
      text: "Logstash's own view (heap pools, GC counts), and whether the pod was restarted for memory:",
      shell: [
        'kubectl -n observability port-forward pod/<pod> 9600 &',
        "curl -s 'http://localhost:9600/_node/stats/jvm?pretty'",
        "kubectl -n observability get pod <pod> -o jsonpath='{.status.containerStatuses[*].lastState}'",
      ].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Give it a larger heap: `logstash.heap` (and the memory limit, which must leave room for off-heap memory), then apply; the StatefulSet rolls one pod at a time.',
    },
    {
      text: 'Fewer events in memory at once: lower `logstash.pipelineWorkers` (each worker holds a batch), or use the persistent queue (`logstash.persistentQueue`) so the backlog waits on disk.',
    },
  ],
};

export const LOGSTASH_PERSISTENT_QUEUE_FILLING_RUNBOOK: AlertRunbook = {
  meaning: `A Logstash persistent queue has been mostly full for 10 minutes (\`logstash_stats_pipeline_queue_events_queue_size\` over \`queue_max_size_in_bytes\`, the bytes on the pod's claim \`data-logstash-<n>\`). Events come in faster than the output writes them. Nothing is lost yet: once the queue is full Logstash stops accepting from Filebeat, which holds the logs on the nodes; they are lost only if the nodes rotate the container log files away before they are read.`,
  check: [
    {
      text: 'How full, per pod, and whether it still grows:',
      promql:
        'max by (pod, pipeline) (logstash_stats_pipeline_queue_events_queue_size{namespace="observability"} / (logstash_stats_pipeline_queue_max_size_in_bytes{namespace="observability"} > 0))',
    },
    {
      text: 'In against out: a stalled output (out near zero) or more traffic than it can take (out steady, in higher):',
      promql:
        'sum by (pod) (pipeline:logstash_events_in:rate5m{namespace="observability"}) - sum by (pod) (pipeline:logstash_events_out:rate5m{namespace="observability"})',
    },
  ],
  fix: [
    {
      text: 'Output stalled or refused: fix Elasticsearch first (`LogstashPipelineStalled`, `LogstashOutputRejected`); the queue drains by itself.',
    },
    {
      text: 'Sustained traffic above what one pod writes: scale Logstash out (`logstash.replicas`), or add Elasticsearch capacity if it is the one that cannot keep up.',
    },
    {
      text: 'More room for bursts: a larger `logstash.persistentQueue.size` (the claims must be expanded; see `LogstashDeadLetterQueueDropping` for how).',
    },
  ],
};

export const LOGSTASH_BACKPRESSURE_RUNBOOK: AlertRunbook = {
  meaning: `The inputs of a Logstash pipeline have spent much of their time for 15 minutes waiting for room in the queue (\`logstash_stats_pipeline_flow_queue_backpressure_current\`). The workers, filters or the Elasticsearch output cannot keep up, so Logstash accepts events from Filebeat more slowly and the nodes' logs are shipped late.`,
  check: [
    {
      text: "Which stage is slow: the pipeline's flow metrics and each plugin's time per event:",
      shell:
        "kubectl -n observability port-forward pod/<pod> 9600 &\ncurl -s 'http://localhost:9600/_node/stats/pipelines/main?pretty' | grep -A8 '\"flow\"'",
    },
    {
      text: 'Worker use (near the number of workers means they are all busy):',
      promql:
        'max by (pod, pipeline) (logstash_stats_pipeline_flow_worker_concurrency_current{namespace="observability"})',
    },
  ],
  fix: [
    {
      text: 'The output is slow (Elasticsearch rejecting or slow to index): see `LogstashOutputRejected` and `ElasticsearchIndexingLatencyHigh`.',
    },
    {
      text: 'The filters are slow (workers all busy, output idle): simplify the slow filter (`logstash.filters`), or give Logstash more CPU and workers.',
    },
    {
      text: 'Or spread the load over more pods: `logstash.replicas`.',
    },
  ],
};

export const LOGSTASH_OUTPUT_ERRORS_RUNBOOK: AlertRunbook = {
  meaning: `Logstash's Elasticsearch output has sent bulk requests with failed documents for 15 minutes (\`logstash_stats_pipeline_plugin_bulk_requests_errors\`). Documents answered 429 or 5xx are retried, which delays every log class; those answered 400 or 404 are dead-lettered or lost (\`LogstashDeadLetters\`).`,
  check: [
    {
      text: 'Which output and how many:',
      promql:
        'sum by (pod, pipeline, plugin_id) (rate(logstash_stats_pipeline_plugin_bulk_requests_errors{namespace="observability"}[5m]))',
    },
    {
      text: "The reasons in Logstash's log (`retrying failed action` with the status and error type):",
      shell: LOGSTASH_OUTPUT_ERRORS,
    },
  ],
  fix: [
    {
      text: '429 (`es_rejected_execution_exception`, `circuit_breaking_exception`): Elasticsearch is overloaded, see `ElasticsearchThreadPoolRejections` and `ElasticsearchCircuitBreakerTripped`.',
    },
    {
      text: '403 `cluster_block_exception` (flood stage): free disk, see `ElasticsearchDiskWatermarkHigh`. 400/404: see `LogstashDeadLetters`.',
    },
  ],
};

export const LOGSTASH_OUTPUT_REJECTED_RUNBOOK: AlertRunbook = {
  meaning: `Elasticsearch has answered whole bulk requests from Logstash with 429 or 5xx for 10 minutes (\`logstash_stats_pipeline_plugin_bulk_requests_responses\` by \`code\`). Logstash retries them with backoff, so nothing is lost while its queue has room, but ingestion slows and the queue grows (\`LogstashPersistentQueueFilling\`).`,
  check: [
    {
      text: 'Responses by code, per pod:',
      promql:
        'sum by (pod, code) (rate(logstash_stats_pipeline_plugin_bulk_requests_responses{namespace="observability"}[5m]))',
    },
    {
      text: "Elasticsearch's health and its write thread pools:",
      elasticsearch: [
        esGet('/_cluster/health?filter_path=status,number_of_nodes,unassigned_shards'),
        esGet('/_cat/thread_pool/write?v&h=node_name,active,queue,rejected'),
      ],
    },
  ],
  fix: [
    {
      text: '429: see `ElasticsearchThreadPoolRejections`; 503: a red index or no master, see `ElasticsearchClusterRed` and `ElasticsearchNoMaster`.',
    },
    {
      text: 'Short bursts: fewer, larger batches ease Elasticsearch; lower `logstash.pipelineWorkers` if every pod sends at full tilt.',
    },
  ],
};

export const LOGSTASH_DEAD_LETTER_QUEUE_GROWING_RUNBOOK: AlertRunbook = {
  meaning: `A Logstash dead-letter queue has kept growing for half an hour without shrinking (\`logstash_stats_pipeline_dead_letter_queue_size_in_bytes\`). Its reader, the \`dead-letters\` pipeline, deletes what it has written (\`clean_consumed\`), so a queue that only grows is not being read fast enough or at all. Nothing is lost yet; once the queue reaches \`dead_letter_queue.max_bytes\`, dead letters are dropped (\`LogstashDeadLetterQueueDropping\`).`,
  check: [
    {
      text: 'Size and growth per pod:',
      promql:
        'max by (pod, pipeline) (logstash_stats_pipeline_dead_letter_queue_size_in_bytes{namespace="observability"})',
    },
    {
      text: 'Whether the reader moves (events out of the `dead-letters` pipeline):',
      promql:
        'sum by (pod) (pipeline:logstash_events_out:rate5m{namespace="observability", pipeline="dead-letters"})',
    },
  ],
  fix: [
    {
      text: "Reader stuck: see `LogstashDeadLetterQueueDropping`'s fix steps (its Elasticsearch output refused, or the pipeline stalled).",
    },
    {
      text: 'Reader fine but dead letters pour in: fix their cause, see `LogstashDeadLetters`.',
    },
  ],
};

export const LOGSTASH_EXPORTER_DOWN_RUNBOOK: AlertRunbook = {
  meaning: `Prometheus has had no Logstash stats for 10 minutes (\`logstash_stats_jvm_mem_heap_used_bytes\` absent): no logstash-exporter sidecar is scraped, or none can read Logstash's API on port 9600. No Logstash alert can fire, a stalled pipeline included.`,
  check: [
    {
      text: 'The pods and their containers (`logstash` and `exporter`):',
      shell: LOGSTASH_PODS,
    },
    {
      text: "The exporter's log (Logstash's API refusing or not yet started):",
      shell: 'kubectl -n observability logs <pod> -c exporter --since=30m | tail -20',
    },
    {
      text: 'Whether Prometheus has the targets:',
      promql: 'up{namespace="observability", pod=~"logstash-.*"}',
    },
  ],
  fix: [
    {
      text: 'Logstash not running: see `KubePodCrashLooping` for its pods.',
    },
    {
      text: "Pods fine but no target: check the pods' `prometheus.io/scrape` and `prometheus.io/port` annotations, and that the NetworkPolicy lets Prometheus reach the exporter port.",
    },
  ],
};
