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
