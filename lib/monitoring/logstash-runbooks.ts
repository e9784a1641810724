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
