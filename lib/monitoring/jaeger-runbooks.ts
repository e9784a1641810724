import { AlertRunbook, esGet } from '../prometheus/alert-runbook';

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

const JAEGER_PODS = 'kubectl -n observability get pods -l app.kubernetes.io/name=jaeger -o wide';

const JAEGER_ERRORS =
  'kubectl -n observability logs <pod> -c jaeger --since=30m | grep -iE "error|fail" | tail -30';

export const JAEGER_STORAGE_WRITES_FAILING_RUNBOOK: AlertRunbook = {
  meaning: `Jaeger's storage exporter has failed to write most of the spans it handled for 10 minutes (\`otelcol_exporter_send_failed_spans_total\` against \`otelcol_exporter_sent_spans_total\`). It has no sending queue, so every failed batch is lost after its retries: most traces of this period are missing in the Jaeger UI and behind Grafana's trace links. The storage (Elasticsearch in staging and prod) refuses or cannot be reached.`,
  check: [
    {
      text: 'Failed against written, per pod:',
      promql:
        'pod:jaeger_spans_export_failed:rate5m{namespace="observability"} / (pod:jaeger_spans_export_failed:rate5m{namespace="observability"} + pod:jaeger_spans_exported:rate5m{namespace="observability"})',
    },
    {
      text: 'The storage error in the collector log:',
      shell: JAEGER_ERRORS,
    },
    {
      text: 'The span indices and the cluster:',
      elasticsearch: [
        esGet('/_cat/indices/jaeger-span-*?v&s=index&h=index,health,docs.count'),
        esGet('/_cluster/health?filter_path=status'),
      ],
    },
  ],
  fix: [
    {
      text: 'Follow `JaegerDroppingSpans`: fix Elasticsearch, the credentials, or the collector capacity.',
    },
  ],
};

export const JAEGER_RECEIVER_FAILING_RUNBOOK: AlertRunbook = {
  meaning: `A Jaeger receiver (\`otlp\` or \`zipkin\`) has failed spans for 15 minutes (\`otelcol_receiver_failed_spans_total\`): its own error, not the pipeline's. Usually a sender posts requests Jaeger cannot decode (wrong protocol on a port, a payload over the size limit, a broken client). Those spans are lost; other senders are not affected.`,
  check: [
    {
      text: 'Which receiver and transport:',
      promql:
        'sum by (pod, receiver, transport) (rate(otelcol_receiver_failed_spans_total{namespace="observability"}[5m]))',
    },
    {
      text: 'The collector log names the decode error and often the peer:',
      shell: JAEGER_ERRORS,
    },
  ],
  fix: [
    {
      text: 'Point the sender at the right port for its protocol (OTLP gRPC 4317, OTLP HTTP 4318, Zipkin 9411), or upgrade its client library.',
    },
  ],
};

export const JAEGER_SPANS_NOT_ACCEPTED_RUNBOOK: AlertRunbook = {
  meaning: `Jaeger has accepted no span for 15 minutes after receiving spans in the hour before (\`otelcol_receiver_accepted_spans_total\`). The applications still ran an hour ago, so their spans most likely no longer reach the collector: a NetworkPolicy, a Service without endpoints, a changed exporter endpoint in the applications, or the collectors not ready. New traces are missing.`,
  check: [
    {
      text: 'Spans accepted per pod over the last hours:',
      promql: 'pod:jaeger_spans_accepted:rate5m{namespace="observability"}',
    },
    {
      text: "The collector pods and their Service's endpoints (`jaeger-collector` in staging and prod, `jaeger` all-in-one in dev):",
      shell:
        JAEGER_PODS + '\nkubectl -n observability get endpoints -l app.kubernetes.io/name=jaeger',
    },
  ],
  fix: [
    {
      text: 'No ready endpoints: see why the collectors are not ready (`JaegerDown`, `KubePodCrashLooping`).',
    },
    {
      text: "Endpoints fine: check from an application pod that the OTLP port answers, and that its namespace may reach Jaeger (the stack's NetworkPolicies admit the application namespaces it was given).",
    },
  ],
};

export const JAEGER_DOWN_RUNBOOK: AlertRunbook = {
  meaning: `Prometheus has had no telemetry from any Jaeger pod for 10 minutes (\`otelcol_process_uptime_seconds_total\` absent). Jaeger does not run, then no trace is collected, or it is not scraped, then its alerts cannot fire.`,
  check: [
    {
      text: 'The Jaeger Deployments and pods:',
      shell: 'kubectl -n observability get deploy -l app.kubernetes.io/name=jaeger\n' + JAEGER_PODS,
    },
    {
      text: 'Whether Prometheus has the targets:',
      promql: 'up{namespace="observability", pod=~"jaeger-.*"}',
    },
  ],
  fix: [
    {
      text: 'Pods not running: their events and logs (`kubectl -n observability describe pod <pod>`); see `KubePodCrashLooping`.',
    },
    {
      text: 'Pods running but not scraped: check their scrape annotations (port 8888) and that the NetworkPolicy lets Prometheus reach it.',
    },
  ],
};
