import { AlertRunbook } from '../prometheus/alert-runbook';

/** amtool in an Alertmanager pod, against its own API. */
export const AMTOOL =
  'kubectl -n observability exec statefulset/alertmanager -c alertmanager -- amtool --alertmanager.url=http://localhost:9093';

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

const AM_LOGS = 'kubectl -n observability logs statefulset/alertmanager -c alertmanager --since=1h';

export const ALERTMANAGER_FAILED_RELOAD_RUNBOOK: AlertRunbook = {
  meaning:
    'An Alertmanager pod failed to load its configuration (`alertmanager_config_last_reload_successful` is 0). It keeps routing with the last configuration it loaded, so receivers, routes and inhibitions changed since are not in effect, and the pod would not start again after a restart.',
  check: [
    {
      text: 'The log has the error (`Loading configuration file failed`, with the line and field):',
      shell: `${AM_LOGS} | grep -iE 'config' | grep -iE 'err|fail' | tail -5`,
    },
    {
      text: 'Check the mounted file with amtool:',
      shell:
        'kubectl -n observability exec statefulset/alertmanager -c alertmanager -- amtool check-config /etc/alertmanager/alertmanager.yml',
    },
  ],
  fix: [
    {
      text: 'Fix the receiver or route props that produced it, run `npx jest -c jest.tools.config.js --ci test/tools/alertmanager-config`, and deploy.',
    },
    {
      text: 'A referenced file missing (`*_file` of a receiver): the Secret it comes from must exist with that key.',
      shell:
        'kubectl -n observability exec statefulset/alertmanager -c alertmanager -- ls -lR /etc/alertmanager/secrets/',
    },
  ],
};

export const ALERTMANAGER_MEMBERS_INCONSISTENT_RUNBOOK: AlertRunbook = {
  meaning:
    'An Alertmanager pod sees fewer cluster members (`alertmanager_cluster_members`) than there are Alertmanager pods. The pods apart do not share their notification log and silences: the same alert may be notified more than once, and a silence made on one pod may not hold on another.',
  check: [
    {
      text: "Each pod's view of the cluster and its failed peers:",
      promql: 'alertmanager_cluster_members or alertmanager_cluster_failed_peers',
    },
    {
      text: 'The gossip log (`memberlist`, `Failed to join`):',
      shell: `${AM_LOGS} | grep -iE 'memberlist|join|peer' | tail -10`,
    },
  ],
  fix: [
    {
      text: 'The pods reach each other on port 9094, TCP and UDP, through the `alertmanager-cluster` headless Service: check the NetworkPolicy allows it and the Service lists every pod.',
      shell:
        'kubectl -n observability get endpointslices -l kubernetes.io/service-name=alertmanager-cluster -o wide',
    },
    {
      text: 'A pod that stays apart after the network is fixed rejoins when restarted.',
      shell: 'kubectl -n observability delete pod <pod>',
    },
  ],
};

export const ALERTMANAGER_FAILED_TO_SEND_ALERTS_RUNBOOK: AlertRunbook = {
  meaning:
    "A share of one Alertmanager pod's notification attempts to an integration fails (`alertmanager_notifications_failed_total` against `alertmanager_notifications_total`). Retries may still get them through, and the other pods notify too, but the integration is unreliable.",
  check: [
    {
      text: 'Failed share per pod and integration, with the reason:',
      promql:
        'sum by (pod, integration, reason) (rate(alertmanager_notifications_failed_total[5m])) / ignoring (reason) group_left () sum by (pod, integration) (rate(alertmanager_notifications_total[5m]))',
    },
    {
      text: 'The log has the answer of the receiver:',
      shell:
        'kubectl -n observability logs <pod> -c alertmanager --since=30m | grep -i notify | tail -10',
    },
  ],
  fix: [
    {
      text: 'Only one pod fails: look at that pod (its node, DNS, egress); restart it if the others are fine.',
    },
    {
      text: 'Credentials or the receiver: as for [`AlertmanagerNotificationsFailing`](AlertmanagerNotificationsFailing.md).',
    },
  ],
};

export const ALERTMANAGER_CLUSTER_FAILED_TO_SEND_ALERTS_CRITICAL_RUNBOOK: AlertRunbook = {
  meaning:
    "Every Alertmanager pod fails to notify a paging integration (PagerDuty or Opsgenie), even the best of them. Pages are not reaching the on-call person. It pages through the other integrations (Slack) and the dead man's switch.",
  check: [
    {
      text: 'Failures of the paging integrations per pod and reason:',
      promql:
        'sum by (pod, integration, reason) (rate(alertmanager_notifications_failed_total{integration=~"pagerduty|opsgenie"}[5m]))',
    },
    {
      text: "The receiver's answer in the log (`400 Invalid Routing Key`, `401`, timeouts):",
      shell: `${AM_LOGS} | grep -iE 'pagerduty|opsgenie' | tail -10`,
    },
  ],
  fix: [
    {
      text: 'A wrong or revoked routing key or API key: update its Secret (`alertmanager-pagerduty` key `routing-key`); the mounted file is updated within a minute or so and read at the next send.',
    },
    {
      text: 'Timeouts on every pod: egress to the service (`networkPolicies.alertReceiversCidr`, a proxy) or an incident of the service itself; meanwhile watch the Slack channel for criticals.',
    },
  ],
};

export const ALERTMANAGER_CLUSTER_FAILED_TO_SEND_ALERTS_RUNBOOK: AlertRunbook = {
  meaning:
    'Every Alertmanager pod fails to notify a non-paging integration (Slack, email, a webhook, Teams). Warnings sent there are not seen; pages still go through the paging integration.',
  check: [
    {
      text: 'Failures per integration and reason across the pods:',
      promql:
        'sum by (integration, reason) (rate(alertmanager_notifications_failed_total{integration!~"pagerduty|opsgenie"}[5m]))',
    },
    {
      text: 'The log has the answer of the receiver:',
      shell: `${AM_LOGS} | grep -i notify | tail -10`,
    },
  ],
  fix: [
    {
      text: 'Fix the credential or address of the receiver as for [`AlertmanagerNotificationsFailing`](AlertmanagerNotificationsFailing.md); Alertmanager resends what is still firing at its next `repeat_interval`.',
    },
  ],
};

export const ALERTMANAGER_CONFIG_INCONSISTENT_RUNBOOK: AlertRunbook = {
  meaning:
    'The Alertmanager pods have been running different configurations (`alertmanager_config_hash` differs) for longer than a ConfigMap update takes to reach them. An alert is routed differently depending on the pod that handles it.',
  check: [
    {
      text: 'Configuration hash and last reload per pod:',
      promql: 'alertmanager_config_hash or alertmanager_config_last_reload_successful',
    },
  ],
  fix: [
    {
      text: 'A pod whose reload failed: see [`AlertmanagerFailedReload`](AlertmanagerFailedReload.md). A pod whose mounted file did not update (a `subPath` mount, a stuck kubelet): restart that pod.',
      shell: 'kubectl -n observability delete pod <pod>',
    },
  ],
};

export const ALERTMANAGER_CLUSTER_DOWN_RUNBOOK: AlertRunbook = {
  meaning:
    "Half or more of the Alertmanager pods were down (not scraped) most of the last 5 minutes. The pods left carry all notifications, and if none is left no one is notified. It pages: the dead man's switch catches the case where nothing can send.",
  check: [
    {
      text: 'Pod status and the reason of the last restart:',
      shell: [
        'kubectl -n observability get pods -l app.kubernetes.io/name=alertmanager -o wide',
        'kubectl -n observability describe pods -l app.kubernetes.io/name=alertmanager | grep -A5 "Last State"',
      ].join('\n'),
    },
  ],
  fix: [
    {
      text: 'Pods pending: nodes, the PersistentVolumeClaims or the PodDisruptionBudget; pods crashing: see [`AlertmanagerClusterCrashLooping`](AlertmanagerClusterCrashLooping.md).',
    },
    {
      text: 'Pods running but not scraped: the NetworkPolicy from Prometheus to port 9093, or the `prometheus.io/*` annotations of the pods.',
    },
  ],
};

export const ALERTMANAGER_CLUSTER_CRASH_LOOPING_RUNBOOK: AlertRunbook = {
  meaning:
    'Half or more of the Alertmanager pods restarted several times within 10 minutes (`process_start_time_seconds` changed). Every restart loses in-flight notifications and may send duplicates; silences survive only on the pods that stay up.',
  check: [
    {
      text: 'Why they restart (OOMKilled, a configuration error at start, the liveness probe):',
      shell: [
        'kubectl -n observability describe pods -l app.kubernetes.io/name=alertmanager | grep -A5 "Last State"',
        'kubectl -n observability logs statefulset/alertmanager -c alertmanager --previous | tail -20',
      ].join('\n'),
    },
  ],
  fix: [
    {
      text: 'A configuration error: see [`AlertmanagerFailedReload`](AlertmanagerFailedReload.md). OOMKilled: raise `resources.memoryLimit` of Alertmanager (many alerts or silences need memory).',
    },
  ],
};

export const ALERTMANAGER_INVALID_ALERTS_RUNBOOK: AlertRunbook = {
  meaning:
    'Alertmanager rejected alerts it received as invalid (`alertmanager_alerts_invalid_total`): an empty label name, no labels, or an end before the start. Those alerts are never routed or notified.',
  check: [
    {
      text: 'The log says what was invalid:',
      shell: `${AM_LOGS} | grep -i invalid | tail -10`,
    },
    {
      text: 'Who sends them (Prometheus, or another client posting to the API):',
      promql: 'sum by (pod) (rate(alertmanager_alerts_received_total[5m]))',
    },
  ],
  fix: [
    {
      text: 'A rule whose labels render empty (a template on a missing label): fix that rule and add a promtool case; another client: fix what it posts.',
    },
  ],
};

export const ALERTMANAGER_ABSENT_RUNBOOK: AlertRunbook = {
  meaning:
    "No Alertmanager pod of the stack is scraped successfully (`up` of the Alertmanager pods missing or 0). Either Alertmanager is gone, so no alert is notified, or Prometheus cannot reach it, so its own alerts are blind. It pages; the dead man's switch covers the case where this page cannot be sent.",
  check: [
    {
      text: 'The StatefulSet and its pods:',
      shell: 'kubectl -n observability get statefulset,pods -l app.kubernetes.io/name=alertmanager',
    },
    {
      text: 'Whether Prometheus discovers the pods (`kubernetes-pods` job):',
      promql: 'up{app_kubernetes_io_name="alertmanager"}',
    },
  ],
  fix: [
    {
      text: 'No pods: deploy the stack again (the StatefulSet was deleted or scaled to zero). Pods running but not scraped: see [`AlertmanagerClusterDown`](AlertmanagerClusterDown.md).',
    },
  ],
};
