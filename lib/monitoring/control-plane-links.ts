import { exploreLink, PanelLink } from '../grafana/dashboard-panels';
import { DatasourceUids } from '../grafana/grafana-config';

/**
 * A data link to a pod's logs in Grafana's Explore, on the `elasticsearch` data source, for the
 * dashboard's time range: the pod is the value's `pod` label, in `namespace`.
 */
export function podLogsLink(namespace: string): PanelLink {
  return {
    ...exploreLink(
      'Logs of ${__field.labels.pod}',
      { type: 'elasticsearch', uid: DatasourceUids.elasticsearch },
      {
        query: `kubernetes.namespace:"${namespace}" AND kubernetes.pod.name:"\${__field.labels.pod}"`,
        metrics: [{ id: '1', type: 'logs' }],
      },
    ),
    targetBlank: true,
  };
}
