import { AlertRunbook } from '../prometheus/alert-runbook';

const AMTOOL =
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
