import { AlertRunbook, esGet } from './alert-runbook';

// The runbooks of the rules of stackAlertRules on the stack's components in general, its
// traces and its own alerting path (docs/runbooks/<alert>.md).

const AMTOOL =
  'kubectl -n observability exec statefulset/alertmanager -c alertmanager -- amtool --alertmanager.url=http://localhost:9093';

export const OBSERVABILITY_COMPONENT_DOWN_RUNBOOK: AlertRunbook = {
  meaning: `A scrape target in the stack's own namespaces (\`observability\`, \`observability-agents\`) has been down for \`alerts.targetDownFor\` (default 5 minutes): \`up == 0\`. The \`pod\` and \`job\` labels say which: the Elasticsearch exporter (9114), a Logstash or Filebeat exporter sidecar (9198, 9479), Alertmanager (9093), node-exporter (9100), Jaeger (8888), Grafana (3000) or a sign-in proxy (44180). Either the component is down, so logs, metrics, traces or notifications may be lost, or only its metrics are, so every alert on them is blind. Prometheus itself (job \`prometheus\`) and kube-state-metrics carry no namespace label and are not covered here: the \`Watchdog\` and \`TargetDown\` are.`,
  check: [
    {
      text: 'Which targets, on which pods and nodes:',
      promql: 'up{namespace=~"observability|observability-agents"} == 0',
    },
    {
      text: 'Is the pod running and ready, and what did it last say?',
      shell: [
        'kubectl -n <namespace> get pod <pod> -o wide',
        'kubectl -n <namespace> describe pod <pod> | tail -20',
        'kubectl -n <namespace> logs <pod> --all-containers --since=15m | tail -50',
      ].join('\n'),
    },
    {
      text: "A running pod that cannot be scraped: read Prometheus' scrape error for it. A timeout is usually the pod's NetworkPolicy (`allow-<instance>-<component>`, made from the flows: Prometheus to the pod's `prometheus.io/port`); `connection refused` is the exporter process itself:",
      shell: [
        'kubectl -n observability exec statefulset/prometheus -c prometheus -- wget -qO- \'http://localhost:9090/api/v1/targets?state=active\' | grep -oE \'"scrapeUrl":"[^"]*<pod-ip>[^"]*",[^}]*"lastError":"[^"]*"\'',
        'kubectl -n <namespace> get networkpolicy',
      ].join('\n'),
    },
  ],
  fix: [
    {
      text: "A crashing or pending pod: see `KubePodCrashLooping`, or for a pending StatefulSet pod its claim (`kubectl -n observability get pvc`) and the nodes' free memory.",
    },
    {
      text: 'An exporter sidecar down while the main container works (Logstash, Filebeat): restart the pod; for Filebeat on arm64 nodes, the beat-exporter image is amd64 only: give `filebeat.exporter.image` an arm64 build or set `filebeat: { exporter: false }`.',
      shell: 'kubectl -n <namespace> delete pod <pod>',
    },
    {
      text: "A NetworkPolicy that lost the flow (a policy edited by hand): re-apply the manifests of the environment (`kubectl apply --server-side -f dist/<env>/`); the policies are generated from the constructs' flows.",
    },
  ],
};

export const JAEGER_DROPPING_SPANS_RUNBOOK: AlertRunbook = {
  meaning: `Jaeger lost spans in the last 5 minutes: its storage exporter failed to write them after retrying (\`otelcol_exporter_send_failed_spans_total\`, label \`exporter\`), or a receiver refused them because the pipeline behind it returned an error (\`otelcol_receiver_refused_spans_total\`, label \`receiver\`: \`otlp\` or \`zipkin\`). Those traces are incomplete or missing in the Jaeger UI, and Grafana's trace links for them open nothing. Logs and metrics are not affected.`,
  check: [
    {
      text: 'Which side and how many, per pod (`jaeger-collector-*` in staging and prod, `jaeger-*` all-in-one in dev):',
      promql:
        'sum by (pod, exporter) (rate(otelcol_exporter_send_failed_spans_total{namespace="observability"}[5m])) or sum by (pod, receiver) (rate(otelcol_receiver_refused_spans_total{namespace="observability"}[5m]))',
    },
    {
      text: "The collector's log names the storage error (Elasticsearch 429 or a write block, 401/403 for the user of `jaeger-elasticsearch-credentials`, TLS, timeouts). In dev, the all-in-one `deployment/jaeger` keeps spans in memory, so only refusals apply there:",
      shell:
        'kubectl -n observability logs <pod> -c jaeger --since=30m | grep -iE "error|fail" | tail -30',
    },
    {
      text: "Check the span indices (`jaeger-span-<date>`, daily) and the cluster's health and disk:",
      elasticsearch: [
        esGet('/_cat/indices/jaeger-*?v&s=index&h=index,health,docs.count,store.size'),
        esGet('/_cluster/health?filter_path=status'),
      ],
    },
    {
      text: "The collector's health endpoint (the readiness probe reads it):",
      shell: [
        'kubectl -n observability port-forward pod/<pod> 13133 &',
        'curl -s http://localhost:13133/status',
      ].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Elasticsearch refuses or is red: fix it (`ElasticsearchClusterRed`, `ElasticsearchDiskWatermarkHigh`); or lower `jaeger.retention` to free disk (the `jaeger-index-cleaner` CronJob deletes span indices past it daily at 00:15 UTC).',
    },
    {
      text: 'Credentials: the Jaeger pods re-read the password file every minute (`reload_interval`), so a rotated `jaeger-elasticsearch-credentials` password takes effect without a restart once the `elasticsearch-users-<hash>` Job has set it.',
    },
    {
      text: 'Too many spans for the collectors (refusals that follow traffic): scale `jaeger-collector` out, or lower the sampling rate (10 % by default, per service overrides in the Jaeger props).',
      shell: 'kubectl -n observability scale deployment/jaeger-collector --replicas=<n>',
    },
  ],
};

export const PROMETHEUS_RULE_EVALUATION_FAILURES_RUNBOOK: AlertRunbook = {
  meaning: `Prometheus failed to evaluate rules of a rule group in the last 5 minutes (\`prometheus_rule_evaluation_failures_total\`, label \`rule_group\`: \`/etc/prometheus/rules.yml;application-alerts\` or \`;observability-stack-alerts\`). A rule that fails to evaluate produces no alerts: whatever it watches can break silently. It pages because it silences other alerts.`,
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
      text: "`found duplicate series` / `many-to-many matching not allowed`: two series now match where the rule expected one, typically two pods of an exporter overlapping in a rollout or a label added by a new exporter version. Fix the rule's matching (aggregate with `max by (...)` before the join) in `lib/prometheus/*-alert-rules.ts`, add a promtool case to `test/tools/rules/`, and check it with `npx jest -c jest.tools.config.js --ci test/tools/prometheus-rules`.",
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

export const ALERTMANAGER_NOTIFICATIONS_FAILING_RUNBOOK: AlertRunbook = {
  meaning: `An Alertmanager pod failed to deliver notifications to an integration (\`integration\` label: \`slack\`, \`pagerduty\`, \`email\`, \`webhook\`, \`msteamsv2\`, \`opsgenie\`) for 5 minutes, after its own retries. Alerts routed there are not reaching people. It pages: critical alerts go to both PagerDuty and Slack in prod, so one failing integration is reported through the other.`,
  check: [
    {
      text: 'Which integration, which pods, and why (the `reason` label, where the Alertmanager version has it, tells client errors from server errors):',
      promql:
        'sum by (pod, integration, reason) (increase(alertmanager_notifications_failed_total{namespace="observability"}[15m]))',
    },
    {
      text: "The log has the receiver's answer (Slack `invalid_token` or `channel_not_found`, PagerDuty `400 Invalid Routing Key`, an SMTP refusal, `i/o timeout`):",
      shell:
        'kubectl -n observability logs <pod> -c alertmanager --since=30m | grep -i "notify" | tail -20',
    },
    {
      text: 'Check the credential files the receivers read (`*_file`, each Secret mounted under `/etc/alertmanager/secrets/<secret>/`; `alertmanager-slack` key `api-url`, `alertmanager-pagerduty` key `routing-key`):',
      shell: [
        'kubectl -n observability get secret alertmanager-slack alertmanager-pagerduty',
        'kubectl -n observability exec statefulset/alertmanager -c alertmanager -- ls -l /etc/alertmanager/secrets/',
      ].join('\n'),
    },
    {
      text: 'Send a test alert and follow it (it routes as a warning of namespace `observability`):',
      shell: `${AMTOOL} alert add RunbookTest severity=warning namespace=observability --annotation=summary="runbook test"`,
    },
  ],
  fix: [
    {
      text: 'A revoked or wrong credential: put the new value in the Secret. The kubelet updates the mounted file within a minute or so and Alertmanager reads the file when it sends, so no restart is needed; restart the StatefulSet if the failures go on.',
      shell:
        'kubectl -n observability create secret generic alertmanager-slack --from-literal=api-url=<webhook URL> --dry-run=client -o yaml | kubectl apply -f -',
    },
    {
      text: "Timeouts: Alertmanager's egress is `networkPolicies.alertReceiversCidr` on 443 (a webhook's `port`, the SMTP `smarthost` port); an egress proxy or firewall outside the cluster must let it through too.",
    },
    {
      text: 'The receiver itself is down (Slack or PagerDuty incident): nothing to fix here; Alertmanager keeps retrying, and the other integration carries criticals meanwhile.',
    },
  ],
};

export const WATCHDOG_RUNBOOK: AlertRunbook = {
  meaning: `The Watchdog always fires (\`vector(1)\`): it proves that Prometheus evaluates rules, that alerts reach Alertmanager, and that Alertmanager sends. Its severity is \`none\` and its route is the first of the tree: in prod it goes every minute to the dead-man's switch (the webhook in the Secret \`alertmanager-dead-mans-switch\`, key \`url\`), elsewhere to \`null\` unless \`alertmanager.deadMansSwitch\` is set. It never pages anyone by itself; the heartbeat service behind the switch pages when it *stops* arriving, and that page is why you are reading this: Prometheus, Alertmanager, or the path between them or to the outside is broken, and no other alert can be trusted to arrive.`,
  check: [
    {
      text: 'Is Prometheus up, and does it evaluate the Watchdog?',
      shell: [
        'kubectl -n observability get pods -l app.kubernetes.io/instance=prometheus -o wide',
        'kubectl -n observability exec statefulset/prometheus -c prometheus -- promtool query instant http://localhost:9090 \'ALERTS{alertname="Watchdog"}\'',
      ].join('\n'),
    },
    {
      text: 'Does Prometheus find Alertmanager and deliver to it (discovered Alertmanagers above zero, no errors or drops)?',
      promql:
        'prometheus_notifications_alertmanagers_discovered or rate(prometheus_notifications_errors_total[5m]) > 0 or rate(prometheus_notifications_dropped_total[5m]) > 0',
    },
    {
      text: 'Does Alertmanager hold the Watchdog, and does it send it to the switch?',
      shell: `kubectl -n observability get pods -l app.kubernetes.io/instance=alertmanager -o wide\n${AMTOOL} alert query alertname=Watchdog`,
      promql:
        'sum by (pod) (rate(alertmanager_notifications_total{integration="webhook"}[5m])) or sum by (pod) (rate(alertmanager_notifications_failed_total{integration="webhook"}[5m]))',
    },
    {
      text: "Everything above works: the path out is broken (egress to `networkPolicies.alertReceiversCidr` on 443, a proxy), or the URL in `alertmanager-dead-mans-switch` no longer matches the heartbeat service's check.",
    },
  ],
  fix: [
    {
      text: 'Prometheus or Alertmanager down: get them running (`KubePodCrashLooping`; a full volume: `NodeDiskAlmostFull`). Until the Watchdog arrives again, watch the cluster by hand: no alert may reach you.',
    },
    {
      text: "Notifications to the switch failing: see `AlertmanagerNotificationsFailing`; a changed heartbeat URL goes into the Secret's `url` key.",
    },
    {
      text: 'Never silence the Watchdog in Alertmanager: a silence stops the heartbeat and the switch pages. For planned maintenance, pause the check in the heartbeat service instead.',
    },
  ],
};
