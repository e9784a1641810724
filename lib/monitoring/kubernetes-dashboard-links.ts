import { DatasourceUids } from '../grafana/grafana-config';
import { PanelLink } from '../grafana/dashboard-panels';

/** Grafana's data link variables, put into the URL as they are (they must not be percent-encoded). */
const PLACEHOLDERS: Readonly<Record<string, string>> = {
  K8S_NAMESPACE_: '${__field.labels.namespace}',
  K8S_POD_: '${__field.labels.pod}',
  K8S_FROM_: '${__from}',
  K8S_TO_: '${__to}',
};

/**
 * A data link to the logs of the series' pod in Grafana Explore, on the `elasticsearch` data
 * source: the documents Filebeat enriched with `kubernetes.namespace` and `kubernetes.pod.name`,
 * over the dashboard's time range. The panel's series must carry `namespace` and `pod`.
 */
export function podLogsLink(): PanelLink {
  const panes = {
    logs: {
      datasource: DatasourceUids.elasticsearch,
      queries: [
        {
          refId: 'A',
          datasource: { type: 'elasticsearch', uid: DatasourceUids.elasticsearch },
          query: 'kubernetes.namespace:"K8S_NAMESPACE_" AND kubernetes.pod.name:"K8S_POD_"',
          metrics: [{ id: '1', type: 'logs' }],
          bucketAggs: [],
          timeField: '@timestamp',
        },
      ],
      range: { from: 'K8S_FROM_', to: 'K8S_TO_' },
    },
  };
  let encoded = encodeURIComponent(JSON.stringify(panes));
  for (const [placeholder, variable] of Object.entries(PLACEHOLDERS))
    encoded = encoded.split(placeholder).join(variable);
  return {
    title: 'Logs of pod ${__field.labels.namespace}/${__field.labels.pod}',
    url: `/explore?schemaVersion=1&orgId=1&panes=${encoded}`,
    targetBlank: true,
  };
}
