import { AlertRunbook } from '../prometheus/alert-runbook';

export const HTTP_5XX_ERROR_BURST_RUNBOOK: AlertRunbook = {
  meaning: `One service (the \`service\` label of its own \`http_requests_total\`, in the namespace Prometheus scraped it from) answered more requests with a 5xx status in the last 5 minutes than \`alerts.http5xxPerFiveMinutes\` allows (default 100). Users of that service are getting errors now, which is why it pages. The count is absolute, not a ratio: a busy service crosses it sooner than a quiet one.`,
  check: [
    {
      text: 'See which endpoints and statuses make up the burst, and whether it is still growing (per second, last 5 minutes):',
      promql:
        'sum by (namespace, service, endpoint, status) (rate(http_requests_total{status=~"5..", service="<service>"}[5m]))',
    },
    {
      text: "Compare with the service's total traffic: a burst that follows a traffic spike is overload, a burst at steady traffic is a fault. The Grafana dashboard `service-overview` shows rate, errors and p95 per service side by side.",
      promql:
        'sum by (service) (rate(http_requests_total{status=~"5..", service="<service>"}[5m])) / sum by (service) (rate(http_requests_total{service="<service>"}[5m]))',
    },
    {
      text: 'Read the errors themselves in Kibana (data view `logs-*`, or the `errors` saved search, whose events are in `logs-errors-default`): query `service.name : "<service>" and log.level : ("error" or "critical")` over the alert\'s window. `error.type` and `error.message` give the cause; a `trace.id` opens the failing request in Jaeger through the link on the field.',
    },
    {
      text: 'Check whether the pods of the service restarted, are not ready, or were just rolled out (a new version is the most common cause):',
      shell: [
        'kubectl -n <namespace> get pods -l app.kubernetes.io/name=<service> -o wide',
        'kubectl -n <namespace> rollout history deployment/<service>',
        'kubectl -n <namespace> get events --sort-by=.lastTimestamp | tail -20',
      ].join('\n'),
    },
  ],
  fix: [
    {
      text: 'If it started with a rollout, roll back and look at the change afterwards:',
      shell: 'kubectl -n <namespace> rollout undo deployment/<service>',
    },
    {
      text: 'If a dependency fails (database, cache, another API: `labels.event_domain` in the error logs says which), mitigate there and let the service recover; if the service is overloaded, scale it out (`kubectl -n <namespace> scale deployment/<service> --replicas=<n>`).',
    },
    {
      text: 'If the errors are expected for this service (a batch endpoint that returns 503 by design), raise `alerts.http5xxPerFiveMinutes` in the stack props, or silence the alert for that service in Alertmanager while the owners fix it.',
    },
  ],
};

export const HTTP_LATENCY_P95_HIGH_RUNBOOK: AlertRunbook = {
  meaning: `The 95th percentile of one service's request duration (\`http_request_duration_seconds\` histogram, per \`namespace\` and \`service\`) has stayed above \`alerts.p95LatencySeconds\` (default 1 s) for \`alerts.latencyFor\` (default 10 minutes). One request in twenty is slower than that: users wait, and callers with timeouts may start failing. Nothing fails yet, so it is a warning.`,
  check: [
    {
      text: 'Find the slow endpoints (p95 per endpoint, last 5 minutes):',
      promql:
        'histogram_quantile(0.95, sum by (endpoint, le) (rate(http_request_duration_seconds_bucket{service="<service>"}[5m])))',
    },
    {
      text: 'Check whether traffic grew at the same time (saturation) or stayed flat (a slow dependency or a regression):',
      promql: 'sum by (service) (rate(http_requests_total{service="<service>"}[5m]))',
    },
    {
      text: "Open slow traces in Jaeger (service `<service>`, *Min Duration* at the threshold): the longest span names the slow dependency. Latency exemplars on Grafana's `service-overview` p95 panel open such traces directly.",
    },
    {
      text: 'Check the pods for CPU throttling (the fraction of CFS periods in which each container was throttled, from cAdvisor): a throttled container is slow although the node has CPU to spare:',
      promql:
        'sum by (pod, container) (rate(container_cpu_cfs_throttled_periods_total{namespace="<namespace>"}[5m])) / sum by (pod, container) (rate(container_cpu_cfs_periods_total{namespace="<namespace>"}[5m]))',
    },
  ],
  fix: [
    {
      text: 'Saturated: scale the service out, or raise its CPU limit if it is throttled.',
    },
    {
      text: 'A slow dependency: fix or fail over the dependency the traces point at; a regression after a rollout: `kubectl -n <namespace> rollout undo deployment/<service>`.',
    },
    {
      text: 'If the latency is normal for this service (reports, uploads), raise `alerts.p95LatencySeconds` or `alerts.latencyFor`; the threshold is one for every service, so consider splitting slow endpoints into their own service label.',
    },
  ],
};

export const TARGET_DOWN_RUNBOOK: AlertRunbook = {
  meaning: `Prometheus has failed to scrape one or more targets of one job in one namespace for \`alerts.targetDownFor\` (default 5 minutes): \`up == 0\`. Their metrics are missing, so every alert on them is blind (an absent series fires nothing). Jobs: \`kubernetes-pods\` (annotated pods), \`kubernetes-service-endpoints\` (annotated Services), \`kubernetes-nodes-kubelet\` and \`kubernetes-nodes-cadvisor\` (no namespace label), \`kube-state-metrics\`, \`prometheus\`. For the stack's own namespaces, \`ObservabilityComponentDown\` pages as well.`,
  check: [
    {
      text: 'List the targets that are down, with the pod and node:',
      promql: 'up{job="<job>", namespace="<namespace>"} == 0',
    },
    {
      text: 'Read the scrape error Prometheus got (connection refused, timeout, 401/403, 404 on the path):',
      shell:
        'kubectl -n observability exec statefulset/prometheus -c prometheus -- wget -qO- \'http://localhost:9090/api/v1/targets?state=active\' | grep -oE \'"lastError":"[^"]+"\' | sort | uniq -c',
    },
    {
      text: 'Check the pod: is it running and ready, and do its annotations name the port and path it serves (`prometheus.io/scrape`, `prometheus.io/port`, `prometheus.io/path`, `prometheus.io/scheme`)?',
      shell: [
        'kubectl -n <namespace> get pod <pod> -o wide',
        "kubectl -n <namespace> get pod <pod> -o jsonpath='{.metadata.annotations}'",
      ].join('\n'),
    },
    {
      text: "A timeout with a healthy pod is usually a NetworkPolicy: the stack allows Prometheus out to any port of application pods (`networkPolicies.applications`), but the application namespace's own policies must let Prometheus in (from pods `app.kubernetes.io/instance=prometheus` in namespace `observability`). For the kubelet jobs, `networkPolicies.nodesCidr` must include the nodes.",
    },
  ],
  fix: [
    {
      text: 'A crashed or pending pod: fix the pod (see `KubePodCrashLooping`); the target comes back with it.',
    },
    {
      text: "Wrong annotations: correct the port or path in the workload's pod template; a NetworkPolicy: allow ingress from Prometheus on the metrics port in the application namespace.",
    },
    {
      text: 'A target that should not be scraped (a pod that has no metrics): remove its `prometheus.io/scrape` annotation.',
    },
  ],
};
