import { exploreLink, PanelLink } from '../grafana/dashboard-panels';
import { DatasourceUids } from '../grafana/grafana-config';

// The data links of the mixins' dashboards: from a series to its logs (Explore on the
// `elasticsearch` data source, the fields Filebeat enriches every event with) or its traces
// (Explore on the `jaeger` data source). One place, so every dashboard links the same way.

const ELASTICSEARCH = { type: 'elasticsearch', uid: DatasourceUids.elasticsearch } as const;
const JAEGER = { type: 'jaeger', uid: DatasourceUids.jaeger } as const;

/** A data link to the log documents a Lucene query selects, newest first. */
export function logsLink(title: string, lucene: string): PanelLink {
  return exploreLink(title, ELASTICSEARCH, {
    query: lucene,
    metrics: [{ id: '1', type: 'logs' }],
    bucketAggs: [],
    timeField: '@timestamp',
  });
}

/**
 * A data link to the logs of the pod a series names (`kubernetes.namespace`,
 * `kubernetes.pod.name`). `namespace` is fixed for the stack's own components, else the series'
 * `namespace` label; `podLabel` is the series label holding the pod name: `pod`, or `name` for
 * an Elasticsearch node (its node name is its pod name).
 */
export function podLogsLink(namespace?: string, podLabel = 'pod'): PanelLink {
  const ns = namespace ?? '${__field.labels.namespace}';
  return logsLink(
    `Logs of pod ${ns}/\${__field.labels.${podLabel}}`,
    `kubernetes.namespace:"${ns}" AND kubernetes.pod.name:"\${__field.labels.${podLabel}}"`,
  );
}

/**
 * A data link to the logs of every pod on the node a series names (`kubernetes.node.name`).
 * Node names are host names, not DNS labels: the value is percent-encoded into the URL.
 */
export function nodeLogsLink(): PanelLink {
  return logsLink(
    'Logs of node ${__field.labels.node}',
    'kubernetes.node.name:"${__field.labels.node:percentencode}"',
  );
}

/** A data link to a trace search on the `jaeger` data source, of one service when given. */
export function tracesLink(service?: string): PanelLink {
  return exploreLink(
    service ? `Traces of ${service}` : 'Search traces',
    JAEGER,
    service ? { queryType: 'search', service } : { queryType: 'search' },
  );
}
