import { DataLink, exploreLink } from '../grafana/dashboard-panels';
import { DatasourceUids } from '../grafana/grafana-config';

/**
 * A data link to the logs of the pod a series names, in Explore on the `elasticsearch` data
 * source (Filebeat's `kubernetes.namespace` and `kubernetes.pod.name`). `podLabel` is the
 * series label holding the pod name: `pod`, or `name` for an Elasticsearch node (its node
 * name is its pod name).
 */
export function podLogsLink(namespace: string, podLabel = 'pod'): DataLink {
  return exploreLink('Logs of this pod', DatasourceUids.elasticsearch, {
    query: `kubernetes.namespace:"${namespace}" AND kubernetes.pod.name:"\${__field.labels.${podLabel}}"`,
    metrics: [{ id: '1', type: 'logs' }],
    bucketAggs: [],
    timeField: '@timestamp',
  });
}

/** A data link to a trace search in Explore on the `jaeger` data source, of one service when given. */
export function tracesLink(service?: string): DataLink {
  return exploreLink(
    service ? `Traces of ${service}` : 'Search traces',
    DatasourceUids.jaeger,
    service ? { queryType: 'search', service } : { queryType: 'search' },
  );
}
