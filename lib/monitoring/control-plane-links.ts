import { DataLink } from '../grafana/dashboard-panels';
import { DatasourceUids } from '../grafana/grafana-config';

/**
 * A data link to a pod's logs in Grafana's Explore, on the `elasticsearch` data source, for
 * the dashboard's time range: the pod is the value's `pod` label, in `namespace`.
 */
export function podLogsLink(namespace: string): DataLink {
  const POD = '__POD__';
  const FROM = '__FROM__';
  const TO = '__TO__';
  const panes = {
    logs: {
      datasource: DatasourceUids.elasticsearch,
      queries: [
        {
          refId: 'A',
          datasource: { type: 'elasticsearch', uid: DatasourceUids.elasticsearch },
          query: `kubernetes.namespace:"${namespace}" AND kubernetes.pod.name:"${POD}"`,
          metrics: [{ id: '1', type: 'logs' }],
        },
      ],
      range: { from: FROM, to: TO },
    },
  };
  // Grafana fills the variables before it opens the link, so they stay outside the encoding.
  const encoded = encodeURIComponent(JSON.stringify(panes))
    .replace(POD, '${__field.labels.pod}')
    .replace(FROM, '${__from}')
    .replace(TO, '${__to}');
  return {
    title: 'Logs of ${__field.labels.pod}',
    url: `/explore?schemaVersion=1&orgId=1&panes=${encoded}`,
    targetBlank: true,
  };
}
