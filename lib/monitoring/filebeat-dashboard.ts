import {
  dashboardModel,
  labelValuesVariable,
  statPanel,
  timeseriesPanel,
} from '../grafana/dashboard-panels';
import { podLogsLink } from './dashboard-links';

const NODE = 'node=~"$node"';

/**
 * The `filebeat` dashboard, on the beat-exporter's metrics and the mixin's recording rules,
 * per node (each node runs one Filebeat pod): events published, acknowledged, failed and
 * dropped, events waiting in the pipeline, output write errors and memory. Filebeat's
 * filestream inputs report no harvester counts, so none is drawn. Panels link to the logs of
 * the Filebeat pod of a series (`namespace`, the agents' namespace).
 */
export function filebeatDashboard(namespace: string): Record<string, unknown> {
  const links = [podLogsLink(namespace)];
  // The recorded series keep namespace and pod; the node comes from the exporter's own series
  // (counted, so that a pod not answering does not multiply its rates by 0).
  const perNode = (record: string) =>
    `sum by (node, pod) (${record} * on (namespace, pod) group_left (node) count by (namespace, pod, node) (filebeat_up{${NODE}}))`;
  return dashboardModel(
    'filebeat',
    'Filebeat',
    ['observability-stack', 'filebeat'],
    [labelValuesVariable('node', 'Node', 'filebeat_up')],
    [
      statPanel(
        1,
        'Filebeat pods answering',
        { x: 0, y: 0, w: 6, h: 5 },
        [{ expr: `sum(filebeat_up{${NODE}}) or vector(0)`, legendFormat: 'up' }],
        { unit: 'short' },
      ),
      statPanel(
        2,
        'Events acknowledged (per second)',
        { x: 6, y: 0, w: 6, h: 5 },
        [
          {
            expr: `sum(${perNode('pod:filebeat_events_acked:rate5m')}) or vector(0)`,
            legendFormat: 'acked',
          },
        ],
        { unit: 'ops' },
      ),
      statPanel(
        3,
        'Events failed (per second)',
        { x: 12, y: 0, w: 6, h: 5 },
        [
          {
            expr: `sum(${perNode('pod:filebeat_events_failed:rate5m')}) or vector(0)`,
            legendFormat: 'failed',
          },
        ],
        { unit: 'ops', thresholds: [[0.001, 'orange']] },
      ),
      statPanel(
        4,
        'Events dropped (per second)',
        { x: 18, y: 0, w: 6, h: 5 },
        [
          {
            expr: `sum(${perNode('pod:filebeat_events_dropped:rate5m')}) or vector(0)`,
            legendFormat: 'dropped',
          },
        ],
        { unit: 'ops', thresholds: [[0.001, 'red']] },
      ),
      timeseriesPanel(
        5,
        'Events published per node',
        { x: 0, y: 5, w: 12, h: 8 },
        [{ expr: perNode('pod:filebeat_events_published:rate5m'), legendFormat: '{{node}}' }],
        { unit: 'ops', links },
      ),
      timeseriesPanel(
        6,
        'Events acknowledged per node',
        { x: 12, y: 5, w: 12, h: 8 },
        [{ expr: perNode('pod:filebeat_events_acked:rate5m'), legendFormat: '{{node}}' }],
        { unit: 'ops', links },
      ),
      timeseriesPanel(
        7,
        'Events failed and dropped per node',
        { x: 0, y: 13, w: 12, h: 8 },
        [
          { expr: perNode('pod:filebeat_events_failed:rate5m'), legendFormat: '{{node}} failed' },
          { expr: perNode('pod:filebeat_events_dropped:rate5m'), legendFormat: '{{node}} dropped' },
        ],
        { unit: 'ops', links },
      ),
      timeseriesPanel(
        8,
        'Events waiting in the pipeline per node',
        { x: 12, y: 13, w: 12, h: 8 },
        [
          {
            expr: `max by (node, pod) (filebeat_libbeat_pipeline_events{type="active", ${NODE}})`,
            legendFormat: '{{node}}',
          },
        ],
        { unit: 'short', links },
      ),
      timeseriesPanel(
        9,
        'Output write errors per node',
        { x: 0, y: 21, w: 12, h: 8 },
        [
          {
            expr: `sum by (node, pod) (rate(filebeat_libbeat_output_write_errors_total{${NODE}}[$__rate_interval]))`,
            legendFormat: '{{node}}',
          },
        ],
        { unit: 'ops', links },
      ),
      timeseriesPanel(
        10,
        'Memory (RSS) per node',
        { x: 12, y: 21, w: 12, h: 8 },
        [{ expr: `max by (node, pod) (filebeat_memstats_rss{${NODE}})`, legendFormat: '{{node}}' }],
        { unit: 'bytes', links },
      ),
    ],
  );
}
