import { AlertRunbook, esGet } from '../prometheus/alert-runbook';

const FILEBEAT_LOGS =
  'kubectl -n observability-agents logs <pod> -c filebeat --since=30m | grep -iE "error|failed|drop|connect" | tail -30';

export const FILEBEAT_OUTPUT_STALLED_RUNBOOK: AlertRunbook = {
  meaning: `A Filebeat pod has held events in its pipeline for all of \`alerts.filebeatStalledFor\` (default 10 minutes) while its output acknowledged none (the beat-exporter sidecar's \`filebeat_libbeat_pipeline_events{type="active"}\` and \`filebeat_libbeat_output_events{type="acked"}\`). That node's logs are not shipped: its output (Logstash on \`logstash.observability.svc:5044\`, or Elasticsearch without Logstash) is unreachable or refuses. Filebeat keeps its read position in the registry on the host, so the logs are shipped once the output recovers, unless the kubelet rotates the container log files away first.`,
  check: [
    {
      text: 'One node or all? All Filebeat pods stalled points at Logstash or Elasticsearch; one points at that node (its network, DNS, or the pod):',
      promql:
        'sum by (pod, node) (rate(filebeat_libbeat_output_events{namespace="observability-agents", type="acked"}[5m]))',
    },
    {
      text: 'Read what the output says (`connection refused`, `i/o timeout`, TLS errors, or nothing: back-pressure from a stalled Logstash):',
      shell: FILEBEAT_LOGS,
    },
    {
      text: "Filebeat's own stats (output events, errors, the queue), on its HTTP endpoint:",
      shell: [
        'kubectl -n observability-agents port-forward pod/<pod> 5066 &',
        "curl -s 'http://localhost:5066/stats?pretty' | grep -A12 '\"output\"'",
      ].join('\n'),
    },
    {
      text: 'Check the next hop: `LogstashPipelineStalled` and the Logstash pods, or Elasticsearch without Logstash:',
      shell: 'kubectl -n observability get pods -l app.kubernetes.io/instance=logstash -o wide',
    },
  ],
  fix: [
    {
      text: 'Logstash or Elasticsearch is the cause: fix it (`LogstashPipelineStalled`, `ElasticsearchClusterRed`); Filebeat reconnects and ships the backlog by itself.',
    },
    {
      text: 'Only this node: check the pod can reach `logstash.observability.svc:5044` (the NetworkPolicies `allow-filebeat-agent` in `observability-agents` and `allow-logstash-pipeline` in `observability` allow exactly that flow), then restart the pod; the registry keeps its position.',
      shell: 'kubectl -n observability-agents delete pod <pod>',
    },
  ],
};

export const FILEBEAT_DROPPING_EVENTS_RUNBOOK: AlertRunbook = {
  meaning: `A Filebeat pod dropped log events in the last 5 minutes (\`filebeat_libbeat_output_events{type="dropped"}\` plus \`filebeat_libbeat_pipeline_events{type="dropped"}\`). Failed sends are retried and not counted here: dropped is final. The output refused those events for good, or the pipeline could not publish them; they never reach Elasticsearch and are not in the dead-letter data stream.`,
  check: [
    {
      text: 'Which pods, which side (output or pipeline):',
      promql:
        'sum by (pod, type) (increase(filebeat_libbeat_output_events{namespace="observability-agents", type="dropped"}[1h])) or sum by (pod, type) (increase(filebeat_libbeat_pipeline_events{namespace="observability-agents", type="dropped"}[1h]))',
    },
    {
      text: 'The log says why for each drop (`Dropping event`, `Cannot index event`, an event too large for the output):',
      shell: FILEBEAT_LOGS,
    },
    {
      text: 'Without Logstash, refused events should go to `logs-deadletter-default` (`non_indexable_policy`); a drop then means the dead-letter index refused them as well, usually a write block:',
      elasticsearch: [esGet('/_cat/allocation?v&h=node,disk.percent')],
    },
  ],
  fix: [
    {
      text: 'Fix what the log names: a write block (`ElasticsearchDiskWatermarkHigh`), a privilege of the Filebeat user on the data streams (re-apply so the users Job runs), or an application writing single log lines too large to send (make it log less per line).',
    },
    {
      text: "Lost events cannot be recovered from Filebeat: if the container's log file is still on the node, the lines are in `/var/log/pods/<namespace>_<pod>_<uid>/`.",
    },
  ],
};

const FILEBEAT_PODS =
  'kubectl -n observability-agents get pods -l app.kubernetes.io/name=filebeat -o wide';

export const FILEBEAT_OUTPUT_ERRORS_RUNBOOK: AlertRunbook = {
  meaning: `A Filebeat pod has had write errors on its output for 15 minutes (\`filebeat_libbeat_output_write_errors_total\`): the connection to Logstash (or to Elasticsearch without Logstash) breaks, times out or is refused. Filebeat reconnects and resends, so the node's logs are late rather than lost, as long as the container log files are not rotated away first.`,
  check: [
    {
      text: 'One node or all (all points at the output, one at that node):',
      promql:
        'sum by (pod) (rate(filebeat_libbeat_output_write_errors_total{namespace="observability-agents"}[5m]))',
    },
    {
      text: 'The errors in its log (`connection reset`, `i/o timeout`, TLS):',
      shell: FILEBEAT_LOGS,
    },
  ],
  fix: [
    {
      text: 'All pods: Logstash is down or overloaded (`LogstashPipelineStalled`, `LogstashBackpressure`), or its Service has no ready endpoints.',
      shell: 'kubectl -n observability get endpoints logstash',
    },
    {
      text: "One pod: that node's network or DNS; restart the pod (the registry on the host keeps its position).",
      shell: 'kubectl -n observability-agents delete pod <pod>',
    },
  ],
};

export const FILEBEAT_EVENTS_FAILING_RUNBOOK: AlertRunbook = {
  meaning: `A large share of the events a Filebeat pod sent have failed for 15 minutes (\`filebeat_libbeat_output_events{type="failed"}\` against \`acked\`). Filebeat retries failed batches, so they are not lost, but the node's logs fall behind and its queue fills until back-pressure stops reading files. Events the output refuses for good are counted as dropped instead (\`FilebeatDroppingEvents\`).`,
  check: [
    {
      text: 'Failed against acknowledged, per pod:',
      promql:
        'pod:filebeat_events_failed:rate5m{namespace="observability-agents"} / (pod:filebeat_events_acked:rate5m{namespace="observability-agents"} + pod:filebeat_events_failed:rate5m{namespace="observability-agents"})',
    },
    {
      text: 'The reasons in its log:',
      shell: FILEBEAT_LOGS,
    },
  ],
  fix: [
    {
      text: 'Logstash refusing or too slow (its inputs blocked): see `LogstashBackpressure`; Elasticsearch refusing (without Logstash): see `ElasticsearchThreadPoolRejections`.',
    },
  ],
};

export const FILEBEAT_NOT_ANSWERING_RUNBOOK: AlertRunbook = {
  meaning: `The beat-exporter sidecar of a Filebeat pod has reported \`filebeat_up\` 0 for 5 minutes: Filebeat does not answer its stats endpoint on port 5066. It is hung, restarting, or out of memory; that node's logs are probably not being shipped.`,
  check: [
    {
      text: 'The pod, its restarts and its last state:',
      shell:
        FILEBEAT_PODS +
        "\nkubectl -n observability-agents describe pod <pod> | grep -A6 'Last State'",
    },
    {
      text: 'Its log:',
      shell: FILEBEAT_LOGS,
    },
  ],
  fix: [
    {
      text: 'Restart the pod; the registry on the host keeps its read positions, so nothing is read twice or skipped.',
      shell: 'kubectl -n observability-agents delete pod <pod>',
    },
    {
      text: 'Killed for memory (`OOMKilled`): raise `filebeat.resources.memoryLimit`.',
    },
  ],
};

export const FILEBEAT_DOWN_RUNBOOK: AlertRunbook = {
  meaning: `Prometheus has had no Filebeat metrics at all for 10 minutes (\`filebeat_up\` absent from the agents' namespace). Either no Filebeat pod runs, and then no node's logs are shipped, or none is scraped, and then the Filebeat alerts cannot fire. A DaemonSet with fewer ready pods than nodes is the Kubernetes alerts' concern; this is the case where there is nothing to count.`,
  check: [
    {
      text: 'The DaemonSet and its pods:',
      shell: 'kubectl -n observability-agents get daemonset filebeat\n' + FILEBEAT_PODS,
    },
    {
      text: 'Whether Prometheus has the targets:',
      promql: 'up{namespace="observability-agents", pod=~"filebeat-.*"}',
    },
  ],
  fix: [
    {
      text: 'DaemonSet gone or scheduling nothing (node selector, taints): apply the manifests again and check its events (`kubectl -n observability-agents describe daemonset filebeat`).',
    },
    {
      text: "Pods running but not scraped: check their scrape annotations, and that the NetworkPolicy in `observability-agents` lets Prometheus reach the exporter's port 9479.",
    },
  ],
};
