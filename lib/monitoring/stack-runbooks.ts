import { AlertRunbook } from '../prometheus/alert-runbook';
import { AMTOOL } from './alertmanager-runbooks';

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
