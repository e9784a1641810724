import { AlertRunbook } from '../prometheus/alert-runbook';

export const PROMETHEUS_RULE_EVALUATION_FAILURES_RUNBOOK: AlertRunbook = {
  meaning: `Prometheus failed to evaluate rules of a rule group in the last 5 minutes (\`prometheus_rule_evaluation_failures_total\`, label \`rule_group\`: \`/etc/prometheus/rules.yml;<mixin>-alerts\`, such as \`;elasticsearch-alerts\`). A rule that fails to evaluate produces no alerts: whatever it watches can break silently. It pages because it silences other alerts.`,
  check: [
    {
      text: 'Find the failing rule (the name printed above each error) and its error (`lastError`, for example `found duplicate series for the match group` or `query timed out`):',
      shell:
        'kubectl -n observability exec statefulset/prometheus -c prometheus -- wget -qO- \'http://localhost:9090/api/v1/rules\' | grep -oE \'"name":"[A-Za-z0-9]+"|"lastError":"[^"]+"\' | grep -B1 lastError',
    },
    {
      text: "The Prometheus log says the same with the rule's expression:",
      shell:
        'kubectl -n observability logs statefulset/prometheus -c prometheus --since=30m | grep -i "rule" | tail -20',
    },
    {
      text: 'Evaluations that take longer than the interval are skipped too:',
      promql:
        'prometheus_rule_group_last_duration_seconds > prometheus_rule_group_interval_seconds or increase(prometheus_rule_group_iterations_missed_total[15m]) > 0',
    },
  ],
  fix: [
    {
      text: "`found duplicate series` / `many-to-many matching not allowed`: two series now match where the rule expected one, typically two pods of an exporter overlapping in a rollout or a label added by a new exporter version. Fix the rule's matching (aggregate with `max by (...)` before the join) in its mixin (`lib/monitoring/<mixin>.ts`), add a promtool case to `test/tools/rules/`, and check it with `npx jest -c jest.tools.config.js --ci test/tools/prometheus-rules`.",
    },
    {
      text: "`query timed out` or `query processing would load too many samples`: the rule reads too many series (a label explosion in some application's metrics): find the heavy metric and drop or limit it.",
      promql: 'topk(10, count by (__name__) ({__name__=~".+"}))',
    },
    {
      text: "A rule of your own (`prometheus.rules`): check the generated rules before applying them; in this repository the tools tier runs promtool's checks and unit tests on every environment's rules, and promtool in the pod checks the file it runs:",
      shell: [
        'npx jest -c jest.tools.config.js --ci test/tools/prometheus-rules',
        'kubectl -n observability exec statefulset/prometheus -c prometheus -- promtool check rules /etc/prometheus/rules.yml',
      ].join('\n'),
    },
  ],
};

/** The Prometheus HTTP API inside a server pod (the image has busybox `wget`). */
const PROM_API =
  "kubectl -n observability exec statefulset/prometheus -c prometheus -- wget -qO- 'http://localhost:9090";
/** The server's recent log. */
const PROM_LOGS = 'kubectl -n observability logs statefulset/prometheus -c prometheus --since=1h';

export const PROMETHEUS_BAD_CONFIG_RUNBOOK: AlertRunbook = {
  meaning:
    'Prometheus failed to load its configuration (`prometheus_config_last_reload_successful` is 0): it keeps running the last configuration it loaded, so scrape jobs, rules and Alertmanagers changed since are not in effect. A pod that restarts now would not start at all.',
  check: [
    {
      text: 'The log names the file and the error (`error loading config`, a YAML line, an unknown field):',
      shell: `${PROM_LOGS} | grep -iE 'error.*(config|rule)' | tail -5`,
    },
    {
      text: 'Check the files Prometheus reads, with the same promtool:',
      shell:
        'kubectl -n observability exec statefulset/prometheus -c prometheus -- promtool check config /etc/prometheus/prometheus.yml',
    },
  ],
  fix: [
    {
      text: 'Correct the prop or rule that produced the bad file, run `npx jest -c jest.tools.config.js --ci test/tools/prometheus-config test/tools/prometheus-rules`, and deploy: Prometheus reloads the ConfigMap by itself when the kubelet has updated the file (about a minute).',
    },
    {
      text: 'To get back to the last good configuration at once, roll back the ConfigMap to its previous version (`kubectl rollout history` does not cover ConfigMaps: apply the previous release).',
    },
  ],
};

export const PROMETHEUS_SERVICE_DISCOVERY_FAILING_RUNBOOK: AlertRunbook = {
  meaning:
    'A service discovery configuration of Prometheus could not be applied (`prometheus_sd_failed_configs`, label `name`: `scrape` for scrape jobs, `notify` for Alertmanagers). Its targets are not updated: new pods are not scraped, or new Alertmanager pods get no alerts.',
  check: [
    {
      text: 'The log names the failing configuration:',
      shell: `${PROM_LOGS} | grep -i 'discovery' | grep -i error | tail -10`,
    },
    {
      text: 'What discovery finds per job now:',
      promql: 'sum by (name, config) (prometheus_sd_discovered_targets)',
    },
  ],
  fix: [
    {
      text: 'A configuration error (a namespace that does not exist, a bad selector): fix the scrape job (`scrapeJobs`, `addScrapeJob`) and deploy.',
    },
    {
      text: 'Permissions: the ClusterRole of Prometheus must allow `list` and `watch` on what the job discovers:',
      shell:
        'kubectl auth can-i list endpointslices.discovery.k8s.io --as=system:serviceaccount:observability:prometheus -A',
    },
  ],
};

export const PROMETHEUS_KUBERNETES_LIST_WATCH_FAILURES_RUNBOOK: AlertRunbook = {
  meaning:
    'Prometheus keeps failing to list or watch Kubernetes objects for service discovery (`prometheus_sd_kubernetes_failures_total`). Until it succeeds it works from what it last saw: new pods and Services are not scraped and gone ones are scraped in vain.',
  check: [
    {
      text: 'The log has the API answer (`forbidden`, `connection refused`, `too many requests`):',
      shell: `${PROM_LOGS} | grep -iE 'kubernetes|k8s' | grep -iE 'fail|error' | tail -10`,
    },
    {
      text: "Whether Prometheus' service account may read what it discovers:",
      shell: [
        'kubectl auth can-i watch pods --as=system:serviceaccount:observability:prometheus -A',
        'kubectl auth can-i watch endpointslices.discovery.k8s.io --as=system:serviceaccount:observability:prometheus -A',
      ].join('\n'),
    },
  ],
  fix: [
    {
      text: '`forbidden`: the ClusterRole or its binding was changed or removed outside this package; deploy the stack again to restore them.',
    },
    {
      text: 'Timeouts or throttling: the API server is overloaded or unreachable; check its health and the egress NetworkPolicy of Prometheus to the API server (`apiServer` network option).',
    },
  ],
};

export const PROMETHEUS_NOTIFICATION_QUEUE_RUNNING_FULL_RUNBOOK: AlertRunbook = {
  meaning:
    'The queue of alert notifications Prometheus has yet to send is growing towards its capacity (`prometheus_notifications_queue_length` against `prometheus_notifications_queue_capacity`). Once full, Prometheus drops new notifications: alerts get lost or arrive late.',
  check: [
    {
      text: 'Queue length per Alertmanager, and how fast alerts are sent and fail:',
      promql:
        'prometheus_notifications_queue_length or rate(prometheus_notifications_sent_total[5m]) or rate(prometheus_notifications_errors_total[5m])',
    },
    {
      text: 'How many alerts are active (a flood of alerts fills the queue too):',
      promql: 'count by (alertname) (ALERTS{alertstate="firing"})',
    },
  ],
  fix: [
    {
      text: 'Alertmanager slow or failing: see [`PrometheusErrorSendingAlertsToSomeAlertmanagers`](PrometheusErrorSendingAlertsToSomeAlertmanagers.md) and check the Alertmanager pods.',
      shell: 'kubectl -n observability get pods -l app.kubernetes.io/name=alertmanager',
    },
    {
      text: 'An alert flood (one rule firing for thousands of series): fix or aggregate that rule so it yields one alert per thing a person acts on.',
    },
  ],
};

export const PROMETHEUS_NOTIFICATIONS_DROPPED_RUNBOOK: AlertRunbook = {
  meaning:
    'Prometheus discarded alert notifications without sending them (`prometheus_notifications_dropped_total`): its queue was full, or it had no Alertmanager to send to. Those alerts reached no Alertmanager and nobody was told. It pages because alerting itself is losing data.',
  check: [
    {
      text: 'Whether Prometheus knows any Alertmanager, and how full its queue is:',
      promql:
        'prometheus_notifications_alertmanagers_discovered or prometheus_notifications_queue_length / on (job, instance) group_left () prometheus_notifications_queue_capacity',
    },
    {
      text: 'The log says why sending fails:',
      shell: `${PROM_LOGS} | grep -i 'notifier' | tail -10`,
    },
  ],
  fix: [
    {
      text: 'No Alertmanager: see [`PrometheusNotConnectedToAlertmanagers`](PrometheusNotConnectedToAlertmanagers.md). A full queue: see [`PrometheusNotificationQueueRunningFull`](PrometheusNotificationQueueRunningFull.md).',
    },
    {
      text: 'Alerts dropped are not resent: once the cause is fixed, look at the firing alerts in the Prometheus UI (`/alerts`) for what may not have been notified.',
    },
  ],
};

export const PROMETHEUS_ERROR_SENDING_ALERTS_TO_SOME_ALERTMANAGERS_RUNBOOK: AlertRunbook = {
  meaning:
    'Prometheus fails to send part of its alerts to one Alertmanager pod (`prometheus_notifications_errors_total`, label `alertmanager`). The other Alertmanager pods still receive them, so notifications go out, but one more failure would lose them.',
  check: [
    {
      text: 'Error ratio per Alertmanager:',
      promql:
        'rate(prometheus_notifications_errors_total[5m]) / rate(prometheus_notifications_sent_total[5m])',
    },
    {
      text: 'The Prometheus log has the error for that address (timeouts, `connection refused`, HTTP 4xx/5xx):',
      shell: `${PROM_LOGS} | grep -i 'notifier' | grep -i error | tail -10`,
    },
  ],
  fix: [
    {
      text: 'A pod that is restarting or not ready: wait for it, or look at why it restarts.',
      shell: 'kubectl -n observability get pods -l app.kubernetes.io/name=alertmanager -o wide',
    },
    {
      text: "Refused connections from Prometheus only: check the Alertmanager NetworkPolicy allows Prometheus' pods on port 9093.",
      shell: 'kubectl -n observability get networkpolicy -o name | grep alertmanager',
    },
  ],
};

export const PROMETHEUS_ERROR_SENDING_ALERTS_TO_ANY_ALERTMANAGER_RUNBOOK: AlertRunbook = {
  meaning:
    "Prometheus fails to send alerts to every one of its Alertmanager pods, even the best of them (`prometheus_notifications_errors_total`). Alerts are being lost between Prometheus and Alertmanager. It pages; the page itself may only arrive through the dead man's switch.",
  check: [
    {
      text: 'Error ratio per Alertmanager:',
      promql:
        'rate(prometheus_notifications_errors_total[5m]) / rate(prometheus_notifications_sent_total[5m])',
    },
    {
      text: 'Alertmanager pods and their log:',
      shell: [
        'kubectl -n observability get pods -l app.kubernetes.io/name=alertmanager',
        'kubectl -n observability logs statefulset/alertmanager -c alertmanager --since=30m | tail -20',
      ].join('\n'),
    },
  ],
  fix: [
    {
      text: 'All Alertmanager pods down: see [`AlertmanagerClusterDown`](AlertmanagerClusterDown.md).',
    },
    {
      text: "Alertmanager up but refusing Prometheus (HTTP 400 on invalid alerts, or the NetworkPolicy): check Alertmanager's log for `invalid` and that the NetworkPolicy allows Prometheus on port 9093.",
    },
  ],
};

export const PROMETHEUS_NOT_CONNECTED_TO_ALERTMANAGERS_RUNBOOK: AlertRunbook = {
  meaning:
    "Prometheus has discovered no Alertmanager to send alerts to (`prometheus_notifications_alertmanagers_discovered` is 0). Every alert it fires is dropped. It pages; the page may only arrive through the dead man's switch, since it is Prometheus that cannot notify.",
  check: [
    {
      text: 'The Alertmanager Service must have ready endpoints:',
      shell:
        'kubectl -n observability get endpointslices -l kubernetes.io/service-name=alertmanager',
    },
    {
      text: 'What Prometheus discovers for notifications, and its errors:',
      shell: `${PROM_API}/api/v1/alertmanagers'`,
    },
  ],
  fix: [
    {
      text: 'No ready Alertmanager pod: fix Alertmanager first ([`AlertmanagerClusterDown`](AlertmanagerClusterDown.md)).',
    },
    {
      text: 'Pods ready but not discovered: Prometheus cannot list EndpointSlices in the Alertmanager namespace (RBAC) or the Service was renamed; deploy the stack again so both match.',
    },
  ],
};

export const PROMETHEUS_TSDB_RELOADS_FAILING_RUNBOOK: AlertRunbook = {
  meaning:
    'Prometheus failed to reload its TSDB blocks from disk (`prometheus_tsdb_reloads_failures_total`), usually because a block is corrupt or the disk is full. New blocks are not queryable and retention does not delete old blocks, so the volume keeps filling.',
  check: [
    {
      text: 'The log names the block directory (a ULID) and the error:',
      shell: `${PROM_LOGS} | grep -iE 'reload|block' | grep -iE 'err|fail' | tail -10`,
    },
    {
      text: 'How full the data volume is:',
      shell:
        'kubectl -n observability exec statefulset/prometheus -c prometheus -- df -h /prometheus',
    },
  ],
  fix: [
    {
      text: 'Disk full: grow the PersistentVolumeClaim (`storage.size`, where the storage class allows expansion) or lower `retention.size`.',
    },
    {
      text: 'A corrupt block: move it out of `/prometheus` (its samples are lost; with several replicas the other keeps them) and let Prometheus go on.',
      shell:
        'kubectl -n observability exec prometheus-0 -c prometheus -- mv /prometheus/<ULID> /prometheus/<ULID>.corrupt',
    },
  ],
};

export const PROMETHEUS_TSDB_COMPACTIONS_FAILING_RUNBOOK: AlertRunbook = {
  meaning:
    'Prometheus failed to compact its in-memory head into blocks on disk, or to merge blocks (`prometheus_tsdb_compactions_failed_total`). The head then keeps growing in memory and the WAL on disk, until the pod runs out of memory or disk.',
  check: [
    {
      text: 'The log has the compaction error:',
      shell: `${PROM_LOGS} | grep -i compact | grep -iE 'err|fail' | tail -10`,
    },
    {
      text: 'Head size and disk use:',
      promql:
        'prometheus_tsdb_head_series or prometheus_tsdb_storage_blocks_bytes or prometheus_tsdb_wal_storage_size_bytes',
    },
  ],
  fix: [
    {
      text: 'Disk full: grow the volume (`storage.size`) or lower `retention.size`; compaction needs free space about the size of the blocks it merges.',
    },
    {
      text: 'Out-of-memory kills during compaction: raise `resources.memoryLimit` of Prometheus.',
    },
  ],
};

export const PROMETHEUS_TSDB_WAL_CORRUPTIONS_RUNBOOK: AlertRunbook = {
  meaning:
    'Prometheus found a corrupt record in its write-ahead log (`prometheus_tsdb_wal_corruptions_total`), typically after an unclean shutdown or a disk error, and repaired it by cutting the log there. The samples after the corruption that were not yet in a block are lost.',
  check: [
    {
      text: 'The log says which segment was repaired:',
      shell: `${PROM_LOGS} | grep -iE 'wal|corrupt|repair' | tail -10`,
    },
    {
      text: 'Whether the pod was killed (OOMKilled, eviction, node failure):',
      shell:
        'kubectl -n observability describe pod -l app.kubernetes.io/name=prometheus | grep -A5 "Last State"',
    },
  ],
  fix: [
    {
      text: 'Out-of-memory kills: raise `resources.memoryLimit`. Evictions: check the node. The `terminationGracePeriodSeconds` lets Prometheus flush on a normal stop.',
    },
    {
      text: 'Repeated corruption without kills points at the disk: move the pod to another node and volume.',
    },
  ],
};

export const PROMETHEUS_HEAD_SERIES_GROWING_FAST_RUNBOOK: AlertRunbook = {
  meaning:
    'The number of series Prometheus holds in memory (`prometheus_tsdb_head_series`) grew by more than half within an hour. That is usually a label explosion: a request id, user id or timestamp used as a label. Memory follows the series count, so Prometheus may be OOM-killed and lose samples.',
  check: [
    {
      text: 'The metric names with the most series:',
      promql: 'topk(10, count by (__name__) ({__name__=~".+"}))',
    },
    {
      text: 'Which targets expose the most samples:',
      promql: 'topk(10, scrape_samples_post_metric_relabeling)',
    },
  ],
  fix: [
    {
      text: "Drop the offending label or metric in the job's `metricRelabelConfigs`, or cap the job with `sampleLimit`, and ask the application's owners to fix the instrumentation.",
    },
    {
      text: 'A planned growth (new services): raise `resources.memoryLimit` of Prometheus.',
    },
  ],
};

export const PROMETHEUS_NOT_INGESTING_SAMPLES_RUNBOOK: AlertRunbook = {
  meaning:
    'Prometheus appends no samples to its TSDB (`prometheus_tsdb_head_samples_appended_total` does not grow). No metrics are being recorded, dashboards go flat and alerts see no new data. It pages: metrics are lost for as long as it lasts.',
  check: [
    {
      text: 'Whether any target is scraped, and what discovery sees:',
      promql: 'count by (job) (up == 1) or prometheus_target_scrape_pool_targets',
    },
    {
      text: 'The log, for storage errors (`out of bounds`, disk full, read-only file system):',
      shell: `${PROM_LOGS} | grep -iE 'err|fail' | tail -20`,
    },
  ],
  fix: [
    {
      text: 'No targets: see [`PrometheusServiceDiscoveryFailing`](PrometheusServiceDiscoveryFailing.md) and [`PrometheusBadConfig`](PrometheusBadConfig.md).',
    },
    {
      text: 'Storage errors: free or grow the volume (`storage.size`); restart the pod once it has space.',
      shell:
        'kubectl -n observability exec statefulset/prometheus -c prometheus -- df -h /prometheus',
    },
  ],
};

export const PROMETHEUS_DUPLICATE_TIMESTAMPS_RUNBOOK: AlertRunbook = {
  meaning:
    'Prometheus drops scraped samples because a target exposed the same series twice in one scrape with different values (`prometheus_target_scrapes_sample_duplicate_timestamp_total`). Only one of them is kept, so that metric is wrong. Nothing else is affected.',
  check: [
    {
      text: 'The log names the target and the series (`Duplicate sample for timestamp`):',
      shell: `${PROM_LOGS} | grep -i 'duplicate sample' | tail -10`,
    },
  ],
  fix: [
    {
      text: "The application exposes the series twice (two collectors registering one metric): its owners fix the instrumentation. Meanwhile drop the series with the job's `metricRelabelConfigs`.",
    },
  ],
};

export const PROMETHEUS_OUT_OF_ORDER_TIMESTAMPS_RUNBOOK: AlertRunbook = {
  meaning:
    'Prometheus drops scraped samples that are older than the newest sample of their series (`prometheus_target_scrapes_sample_out_of_order_total`), typically from targets that expose their own timestamps or two targets writing the same series. The dropped samples are missing from the series.',
  check: [
    {
      text: 'The log names the target (`Out of order sample`):',
      shell: `${PROM_LOGS} | grep -i 'out of order' | tail -10`,
    },
    {
      text: 'Two targets with identical labels (after relabelling) write into the same series:',
      promql: 'count by (job, instance) (up) > 1',
    },
  ],
  fix: [
    {
      text: 'Explicit timestamps in the exposition (federation, pushgateway-like exporters): drop them with `honor_timestamps: false`, or have the exporter stop setting them.',
    },
    {
      text: 'Duplicate targets: make the relabelling keep a label that tells them apart (`pod`, `instance`).',
    },
  ],
};

export const PROMETHEUS_REMOTE_STORAGE_FAILURES_RUNBOOK: AlertRunbook = {
  meaning:
    'Prometheus fails to send part of its samples to a remote write endpoint (`prometheus_remote_storage_samples_failed_total`, labels `remote_name`, `url`), after retries. Samples that fail for good are missing from the remote storage for ever, and whatever reads there (long-term queries, global views) has gaps.',
  check: [
    {
      text: 'Failed and sent samples per endpoint:',
      promql:
        'rate(prometheus_remote_storage_samples_failed_total[5m]) or rate(prometheus_remote_storage_samples_total[5m])',
    },
    {
      text: 'The log has the HTTP answer of the endpoint (4xx errors are not retried):',
      shell: `${PROM_LOGS} | grep -i 'remote' | grep -iE 'err|fail' | tail -10`,
    },
  ],
  fix: [
    {
      text: 'HTTP 401/403: the credentials of the remote write endpoint changed; update the Secret it reads. HTTP 400: the receiver rejects samples (out of order, limits); see its own logs.',
    },
    {
      text: 'HTTP 5xx or timeouts: the receiver is overloaded or down; samples are retried while the WAL still holds them (about two hours).',
    },
  ],
};

export const PROMETHEUS_REMOTE_WRITE_BEHIND_RUNBOOK: AlertRunbook = {
  meaning:
    'Remote write lags behind what Prometheus has ingested (the newest sample sent against the newest read from the WAL). The remote storage shows stale data, and once the lag passes what the WAL keeps (about two hours) the samples in between are lost for the remote storage.',
  check: [
    {
      text: 'Lag per endpoint in seconds, and its shards:',
      promql:
        'prometheus_remote_storage_queue_highest_timestamp_seconds - prometheus_remote_storage_queue_highest_sent_timestamp_seconds or prometheus_remote_storage_shards',
    },
    {
      text: 'Send latency and retries:',
      promql:
        'histogram_quantile(0.99, rate(prometheus_remote_storage_sent_batch_duration_seconds_bucket[5m])) or rate(prometheus_remote_storage_samples_retried_total[5m])',
    },
  ],
  fix: [
    {
      text: 'The receiver is slow or failing: see [`PrometheusRemoteStorageFailures`](PrometheusRemoteStorageFailures.md) and the receiver itself.',
    },
    {
      text: 'Shards at their maximum: see [`PrometheusRemoteWriteDesiredShards`](PrometheusRemoteWriteDesiredShards.md).',
    },
  ],
};

export const PROMETHEUS_REMOTE_WRITE_DESIRED_SHARDS_RUNBOOK: AlertRunbook = {
  meaning:
    'Remote write computes that it needs more parallel senders (`prometheus_remote_storage_shards_desired`) than its `max_shards` allows (`prometheus_remote_storage_shards_max`). It cannot send as fast as samples arrive and will fall behind.',
  check: [
    {
      text: 'Desired, current and maximum shards per endpoint:',
      promql:
        'prometheus_remote_storage_shards_desired or prometheus_remote_storage_shards or prometheus_remote_storage_shards_max',
    },
  ],
  fix: [
    {
      text: 'Raise `max_shards` in the remote write queue configuration, if the receiver can take more parallel requests; otherwise make batches bigger (`max_samples_per_send`).',
    },
    {
      text: "Or send less: drop unneeded series with the remote write's `write_relabel_configs`.",
    },
  ],
};

export const PROMETHEUS_MISSING_RULE_EVALUATIONS_RUNBOOK: AlertRunbook = {
  meaning:
    'Prometheus skipped evaluations of a rule group because the previous one was still running (`prometheus_rule_group_iterations_missed_total`). Its alerts fire late or not at all and its recording rules have gaps.',
  check: [
    {
      text: 'Duration against interval per rule group:',
      promql:
        'prometheus_rule_group_last_duration_seconds / prometheus_rule_group_interval_seconds',
    },
    {
      text: "The slowest rules of the group (the UI's `/rules` page shows each rule's evaluation time too):",
      shell: `${PROM_API}/api/v1/rules' | grep -oE '"name":"[^"]+"|"evaluationTime":[0-9.e-]+' | paste - - | sort -t: -k3 -gr | head`,
    },
  ],
  fix: [
    {
      text: 'Make the slow rule cheaper (a recording rule for the heavy part, a shorter range) or give its group a longer `interval`.',
    },
    {
      text: 'Prometheus short of CPU: raise `resources.cpuRequest`; see also [`PrometheusHighQueryLoad`](PrometheusHighQueryLoad.md).',
    },
  ],
};

export const PROMETHEUS_RULE_GROUP_SLOW_RUNBOOK: AlertRunbook = {
  meaning:
    'Evaluating a rule group takes most of its evaluation interval (`prometheus_rule_group_last_duration_seconds` against `prometheus_rule_group_interval_seconds`). Nothing is lost yet, but a little more load and evaluations will be skipped.',
  check: [
    {
      text: 'Duration against interval per rule group:',
      promql:
        'sort_desc(prometheus_rule_group_last_duration_seconds / prometheus_rule_group_interval_seconds)',
    },
  ],
  fix: [
    {
      text: 'Split the group, move expensive subexpressions into recording rules, or raise the group `interval` where the alerts can afford it.',
    },
  ],
};

export const PROMETHEUS_TEMPLATE_EXPANSION_FAILURES_RUNBOOK: AlertRunbook = {
  meaning:
    'Prometheus failed to expand the Go templates of alert labels or annotations (`prometheus_template_text_expansion_failures_total`), such as a `humanize` on a value that is not a number. The alert still fires, but its notification carries an error text instead of the summary or description.',
  check: [
    {
      text: 'The log names the rule and the template error:',
      shell: `${PROM_LOGS} | grep -i 'expand' | tail -10`,
    },
  ],
  fix: [
    {
      text: 'Fix the template in the rule (its mixin in `lib/monitoring/`, or your own rule group) and add a promtool case with `exp_annotations`: promtool expands the templates like Prometheus.',
    },
  ],
};

export const PROMETHEUS_TARGET_LIMIT_HIT_RUNBOOK: AlertRunbook = {
  meaning:
    "A scrape job discovered more targets than its `target_limit` (`prometheus_target_scrape_pool_exceeded_target_limit_total`). Prometheus then scrapes none of that job's targets: all its metrics stop until the count drops or the limit is raised.",
  check: [
    {
      text: 'Targets per job against its limit:',
      promql: 'prometheus_target_scrape_pool_targets or prometheus_target_scrape_pool_target_limit',
    },
  ],
  fix: [
    {
      text: 'A real growth: raise the `targetLimit` of that job (`podScrapeLimits.targetLimit` for `kubernetes-pods`, `scrapeLimits.targetLimit` for the global default).',
    },
    {
      text: 'A discovery that selects too much (a missing namespace or annotation filter): narrow it with `relabelConfigs`.',
    },
  ],
};

export const PROMETHEUS_LABEL_LIMIT_HIT_RUNBOOK: AlertRunbook = {
  meaning:
    'Scrapes were rejected because a series had more labels than `label_limit`, or a label name or value longer than `label_name_length_limit` / `label_value_length_limit` (`prometheus_target_scrape_pool_exceeded_label_limits_total`). The whole scrape fails: the target is `up == 0` and none of its metrics are stored.',
  check: [
    {
      text: 'Targets down with a label limit error (the `/targets` page shows the error too):',
      shell: `${PROM_API}/api/v1/targets?state=active' | grep -oE '"scrapeUrl":"[^"]+"|"lastError":"[^"]*label[^"]*"' | grep -B1 lastError`,
    },
  ],
  fix: [
    {
      text: "Drop the long or numerous labels with the job's `metricRelabelConfigs` (`labeldrop`), and have the application's owners stop putting payloads in labels.",
    },
    {
      text: 'Labels that are legitimate: raise `labelLimit`, `labelNameLengthLimit` or `labelValueLengthLimit` of that job.',
    },
  ],
};

export const PROMETHEUS_SAMPLE_LIMIT_HIT_RUNBOOK: AlertRunbook = {
  meaning:
    "Scrapes were rejected because a target exposed more samples than its job's `sample_limit` (`prometheus_target_scrapes_exceeded_sample_limit_total`). The limit protects Prometheus from a target that explodes its series; the cost is that the target is `up == 0` and none of its metrics are stored.",
  check: [
    {
      text: 'Which targets fail (down, with the most samples at their last successful scrape):',
      promql: 'topk(10, max_over_time(scrape_samples_scraped[1h]) and on (job, instance) up == 0)',
    },
    {
      text: 'The `/targets` page says `sample limit exceeded` for them:',
      shell: `${PROM_API}/api/v1/targets?state=active' | grep -oE '"scrapeUrl":"[^"]+"|"lastError":"sample limit[^"]*"' | grep -B1 lastError`,
    },
  ],
  fix: [
    {
      text: "A label explosion in the target: drop the offending metrics with the job's `metricRelabelConfigs` (they count after relabelling) and have its owners fix it.",
    },
    {
      text: 'A target that legitimately exposes that much: raise the `sampleLimit` of its job, watching the memory of Prometheus.',
    },
  ],
};

export const PROMETHEUS_SCRAPE_BODY_SIZE_LIMIT_HIT_RUNBOOK: AlertRunbook = {
  meaning:
    'Scrapes were rejected because the response body was larger than `body_size_limit` (`prometheus_target_scrapes_exceeded_body_size_limit_total`). The target is `up == 0` and none of its metrics are stored.',
  check: [
    {
      text: 'Targets failing with `body size limit exceeded`:',
      shell: `${PROM_API}/api/v1/targets?state=active' | grep -oE '"scrapeUrl":"[^"]+"|"lastError":"[^"]*body size[^"]*"' | grep -B1 lastError`,
    },
  ],
  fix: [
    {
      text: 'Have the target expose fewer series, or raise `body_size_limit` of its job if that much is intended.',
    },
  ],
};

export const PROMETHEUS_TARGET_SYNC_FAILURE_RUNBOOK: AlertRunbook = {
  meaning:
    "Prometheus could not build the scrapers for the targets of a scrape job (`prometheus_target_sync_failed_total`, label `scrape_job`), typically because of the job's HTTP client configuration (a missing CA or token file). New targets of that job are not scraped: their metrics are lost. It pages for that reason.",
  check: [
    {
      text: 'The log names the job and the error:',
      shell: `${PROM_LOGS} | grep -iE 'sync|scrape pool' | grep -iE 'err|fail' | tail -10`,
    },
    {
      text: 'The files the job reads must exist in the pod (service account token and CA for the kubelet jobs):',
      shell:
        'kubectl -n observability exec statefulset/prometheus -c prometheus -- ls -l /var/run/secrets/kubernetes.io/serviceaccount/',
    },
  ],
  fix: [
    {
      text: 'Fix the scrape job (`scrapeJobs`) so the files and settings it names exist, and deploy; the configuration reloads without a restart.',
    },
  ],
};

export const PROMETHEUS_HIGH_QUERY_LOAD_RUNBOOK: AlertRunbook = {
  meaning:
    'Prometheus is running close to the number of queries it may run at once (`prometheus_engine_queries` against `prometheus_engine_queries_concurrent_max`). Further queries wait: dashboards load slowly and rule evaluations (which share the engine) are delayed.',
  check: [
    {
      text: 'Queries running and the slowest query phases:',
      promql:
        'prometheus_engine_queries or prometheus_engine_query_duration_seconds{quantile="0.99"}',
    },
    {
      text: 'Who queries (API handlers by request rate):',
      promql: 'topk(5, sum by (handler) (rate(prometheus_http_requests_total[5m])))',
    },
  ],
  fix: [
    {
      text: 'A dashboard with heavy queries refreshed by many users: lengthen its refresh or move the heavy parts into recording rules.',
    },
    {
      text: 'Sustained load: raise `resources.cpuRequest` of Prometheus, or add replicas behind the Service for reads.',
    },
  ],
};

export const PROMETHEUS_SELF_SCRAPE_ABSENT_RUNBOOK: AlertRunbook = {
  meaning:
    'No Prometheus has a successful scrape of its own metrics (`up{job="prometheus"}` missing or 0). Every alert about Prometheus itself reads those metrics, so they are all blind. It pages because problems of Prometheus would now go unnoticed.',
  check: [
    {
      text: 'Whether the self-scrape job exists and why it fails:',
      shell: `${PROM_API}/api/v1/targets?scrapePool=prometheus'`,
    },
  ],
  fix: [
    {
      text: 'The job `prometheus` is one of the default scrape jobs; if it is missing, the configuration in the ConfigMap is not the generated one: deploy the stack again.',
    },
    {
      text: 'The scrape fails (timeouts on a loaded server): see [`PrometheusHighQueryLoad`](PrometheusHighQueryLoad.md) and the memory of the pod.',
    },
  ],
};
