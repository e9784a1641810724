import { AlertRunbook, ElasticsearchMethod } from '../prometheus/alert-runbook';

/** The latest logs of one service at some levels, newest first, with what locates and explains them. */
function latestLogs(levels: readonly string[]) {
  return {
    method: ElasticsearchMethod.POST,
    path: '/logs-*/_search?filter_path=hits.hits._source',
    body: {
      size: 10,
      sort: [{ '@timestamp': 'desc' }],
      _source: [
        '@timestamp',
        'kubernetes.namespace',
        'kubernetes.pod.name',
        'message',
        'error.type',
        'error.message',
        'trace.id',
      ],
      query: {
        bool: {
          filter: [
            { term: { 'service.name': '<service>' } },
            { terms: { 'log.level': [...levels] } },
            { range: { '@timestamp': { gte: 'now-30m' } } },
          ],
        },
      },
    },
  };
}

const ELASTALERT_LOGS =
  'kubectl -n observability logs deployment/log-alerting --since=30m | grep -iE "error|alertmanager|Queried rule" | tail -30';

export const ERROR_LOG_BURST_RUNBOOK: AlertRunbook = {
  meaning: `One service (the \`service\` label; \`namespace\` where Filebeat added Kubernetes metadata) wrote many ERROR logs in a short time, counted by ElastAlert 2 over the \`logs-*\` data streams. Something it depends on fails, or a release broke a code path: its users likely see errors now. The alert is a log signal, so it also fires for a service that logs errors it handles; the service's HTTP metrics tell whether users are hit.`,
  check: [
    {
      text: 'Read the latest errors of the service: the `error.type` and `message` usually name the failing dependency or code path, and `trace.id` opens the request in Jaeger:',
      elasticsearch: [latestLogs(['ERROR', 'error'])],
    },
    {
      text: 'See whether users are hit: the 5xx ratio of the service (`Http5xxErrorBurst` fires on it too when it is high):',
      promql:
        'sum by (namespace) (rate(http_requests_total{service="<service>", status=~"5.."}[5m])) / sum by (namespace) (rate(http_requests_total{service="<service>"}[5m]))',
    },
    {
      text: 'A recent rollout is the usual cause; compare its time with the start of the burst:',
      shell: 'kubectl -n <namespace> rollout history deployment/<service>',
    },
  ],
  fix: [
    {
      text: 'A release introduced it: roll back, then fix forward.',
      shell: 'kubectl -n <namespace> rollout undo deployment/<service>',
    },
    {
      text: 'A dependency fails (database, cache, another service): follow that alert or that team; the errors stop when it recovers. If the service logs expected, handled conditions as ERROR, have its owners lower them to WARNING: the alert is meant to fire on failures only.',
    },
  ],
};

export const CRITICAL_LOG_RUNBOOK: AlertRunbook = {
  meaning: `A service wrote a log line at level CRITICAL, which services use for a failure they cannot recover from by themselves (a lost connection pool, corrupt state, a trade or request that could not be completed or rolled back). ElastAlert 2 found it in the \`logs-*\` data streams and posts one alert per service (the \`service\` label); the \`description\` quotes the line. Treat it as user or data impact until the line says otherwise.`,
  check: [
    {
      text: 'Read the CRITICAL lines of the service with their context (`error.*`, the pod, the trace):',
      elasticsearch: [latestLogs(['CRITICAL', 'critical'])],
    },
    {
      text: 'Check whether the pod still serves or restarts (a CRITICAL log often precedes an exit):',
      shell: 'kubectl -n <namespace> get pods -l app.kubernetes.io/name=<service> -o wide',
    },
  ],
  fix: [
    {
      text: 'Act on what the line says: restore the dependency or state it names, or roll back the release that brought it. Once the cause is gone, the alert resolves by itself when no new CRITICAL line arrives.',
      shell: 'kubectl -n <namespace> rollout undo deployment/<service>',
    },
    {
      text: 'No alert arrives although CRITICAL lines are in Kibana: check that ElastAlert runs and reaches Elasticsearch and Alertmanager (its log shows each run and each post).',
      shell: ELASTALERT_LOGS,
    },
  ],
};
