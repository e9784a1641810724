import {
  dashboardModel,
  GridPos,
  labelValuesVariable,
  statPanel,
  timeseriesPanel,
} from '../grafana/dashboard-panels';
import { podLogsLink } from './dashboard-links';

const NODE = 'name=~"$name"';

/** A stat of each cluster's health colour (0 green, 1 yellow, 2 red), here and on `stack-health`. */
export function elasticsearchHealthPanel(id: number, title: string, gridPos: GridPos): object {
  return statPanel(
    id,
    title,
    gridPos,
    [
      {
        // The exporter sets the gauge of the current colour to 1 and the others to 0.
        expr: 'max by (cluster) (elasticsearch_cluster_health_status{color="yellow"}) + 2 * max by (cluster) (elasticsearch_cluster_health_status{color="red"})',
        legendFormat: '{{cluster}}',
      },
    ],
    {
      unit: 'none',
      thresholds: [
        [1, 'yellow'],
        [2, 'red'],
      ],
      valueMappings: {
        0: { text: 'green', color: 'green' },
        1: { text: 'yellow', color: 'yellow' },
        2: { text: 'red', color: 'red' },
      },
    },
  );
}

/**
 * The `elasticsearch` dashboard, on the elasticsearch_exporter's metrics and the mixin's
 * recording rules: cluster health, nodes, shards and pending tasks; per node heap, data disk,
 * garbage collection, thread pool rejections, indexing and search latency; indexing and
 * search rates per cluster. Per-node panels link to that node's logs (`namespace` is where
 * the Elasticsearch pods run).
 */
export function elasticsearchDashboard(namespace: string): Record<string, unknown> {
  const logs = [podLogsLink(namespace, 'name')];
  return dashboardModel(
    'elasticsearch',
    'Elasticsearch',
    ['observability-stack', 'elasticsearch'],
    [labelValuesVariable('name', 'Node', 'elasticsearch_jvm_memory_max_bytes')],
    [
      elasticsearchHealthPanel(1, 'Cluster health', { x: 0, y: 0, w: 6, h: 5 }),
      statPanel(
        2,
        'Nodes (data nodes)',
        { x: 6, y: 0, w: 6, h: 5 },
        [
          {
            expr: 'max by (cluster) (elasticsearch_cluster_health_number_of_nodes)',
            legendFormat: 'nodes',
          },
          {
            expr: 'max by (cluster) (elasticsearch_cluster_health_number_of_data_nodes)',
            legendFormat: 'data',
          },
        ],
        { unit: 'short' },
      ),
      statPanel(
        3,
        'Unassigned shards',
        { x: 12, y: 0, w: 6, h: 5 },
        [
          {
            expr: 'max by (cluster) (elasticsearch_cluster_health_unassigned_shards)',
            legendFormat: '{{cluster}}',
          },
        ],
        { unit: 'short', thresholds: [[1, 'orange']] },
      ),
      statPanel(
        4,
        'Pending cluster tasks',
        { x: 18, y: 0, w: 6, h: 5 },
        [
          {
            expr: 'max by (cluster) (elasticsearch_cluster_health_number_of_pending_tasks)',
            legendFormat: '{{cluster}}',
          },
        ],
        { unit: 'short', thresholds: [[1, 'orange']] },
      ),
      timeseriesPanel(
        5,
        'Heap used per node',
        { x: 0, y: 5, w: 12, h: 8 },
        [{ expr: `node:elasticsearch_jvm_heap_used:ratio{${NODE}}`, legendFormat: '{{name}}' }],
        { unit: 'percentunit', min: 0, max: 1, thresholds: [[0.9, 'red']], links: logs },
      ),
      timeseriesPanel(
        6,
        'Data disk used per node',
        { x: 12, y: 5, w: 12, h: 8 },
        [
          {
            expr: `max by (name, path) (1 - elasticsearch_filesystem_data_available_bytes{${NODE}} / elasticsearch_filesystem_data_size_bytes{${NODE}})`,
            legendFormat: '{{name}} {{path}}',
          },
        ],
        {
          unit: 'percentunit',
          min: 0,
          max: 1,
          thresholds: [
            [0.85, 'orange'],
            [0.9, 'red'],
          ],
          links: logs,
        },
      ),
      timeseriesPanel(
        7,
        'Indexing rate',
        { x: 0, y: 13, w: 12, h: 8 },
        [{ expr: 'cluster:elasticsearch_indexing_docs:rate5m', legendFormat: '{{cluster}}' }],
        { unit: 'ops' },
      ),
      timeseriesPanel(
        8,
        'Search rate',
        { x: 12, y: 13, w: 12, h: 8 },
        [{ expr: 'cluster:elasticsearch_search_queries:rate5m', legendFormat: '{{cluster}}' }],
        { unit: 'ops' },
      ),
      timeseriesPanel(
        9,
        'Indexing latency per document',
        { x: 0, y: 21, w: 12, h: 8 },
        [
          {
            expr: `node:elasticsearch_indexing_seconds_per_doc:rate5m{${NODE}}`,
            legendFormat: '{{name}}',
          },
        ],
        { unit: 's', links: logs },
      ),
      timeseriesPanel(
        10,
        'Search latency per query',
        { x: 12, y: 21, w: 12, h: 8 },
        [
          {
            expr: `node:elasticsearch_search_seconds_per_query:rate5m{${NODE}}`,
            legendFormat: '{{name}}',
          },
        ],
        { unit: 's', links: logs },
      ),
      timeseriesPanel(
        11,
        'Thread pool rejections (write, search)',
        { x: 0, y: 29, w: 12, h: 8 },
        [
          {
            expr: `max by (name, type) (rate(elasticsearch_thread_pool_rejected_count{type=~"write|search",${NODE}}[$__rate_interval]))`,
            legendFormat: '{{name}} {{type}}',
          },
        ],
        { unit: 'ops', links: logs },
      ),
      timeseriesPanel(
        12,
        'Shards',
        { x: 12, y: 29, w: 12, h: 8 },
        [
          {
            expr: 'max by (cluster) (elasticsearch_cluster_health_active_shards)',
            legendFormat: 'active',
          },
          {
            expr: 'max by (cluster) (elasticsearch_cluster_health_relocating_shards)',
            legendFormat: 'relocating',
          },
          {
            expr: 'max by (cluster) (elasticsearch_cluster_health_initializing_shards)',
            legendFormat: 'initializing',
          },
          {
            expr: 'max by (cluster) (elasticsearch_cluster_health_unassigned_shards)',
            legendFormat: 'unassigned',
          },
        ],
        { unit: 'short' },
      ),
      timeseriesPanel(
        13,
        'Time in garbage collection per node',
        { x: 0, y: 37, w: 24, h: 8 },
        [
          {
            expr: `max by (name, gc) (rate(elasticsearch_jvm_gc_collection_seconds_sum{${NODE}}[$__rate_interval]))`,
            legendFormat: '{{name}} {{gc}}',
          },
        ],
        { unit: 'percentunit', min: 0, links: logs },
      ),
    ],
  );
}
