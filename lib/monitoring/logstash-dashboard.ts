import { dashboardModel, labelValuesVariable, timeseriesPanel } from '../grafana/dashboard-panels';
import { podLogsLink } from './dashboard-links';

/** What the Logstash dashboard draws beyond the pipelines: the queues Logstash runs. */
export interface LogstashDashboardOptions {
  /** The persistent queue's fill panel. */
  readonly persistentQueue: boolean;
  /** The dead-letter queue's size panel. */
  readonly deadLetterQueue: boolean;
}

const SEL = 'pod=~"$pod", pipeline=~"$pipeline"';

/**
 * The `logstash` dashboard, on the logstash-exporter's metrics and the mixin's recording
 * rules: events in, out and filtered per pipeline, events queued, the persistent and
 * dead-letter queues (when Logstash runs them), input back-pressure, Elasticsearch output
 * errors and the JVM heap. Panels link to the logs of the pod of a series.
 */
export function logstashDashboard(
  namespace: string,
  options: LogstashDashboardOptions,
): Record<string, unknown> {
  const links = [podLogsLink(namespace)];
  const panels = [
    timeseriesPanel(
      1,
      'Events in per pipeline',
      { x: 0, y: 0, w: 8, h: 8 },
      [
        {
          expr: `sum by (pod, pipeline) (pipeline:logstash_events_in:rate5m{${SEL}})`,
          legendFormat: '{{pod}} {{pipeline}}',
        },
      ],
      { unit: 'ops', links },
    ),
    timeseriesPanel(
      2,
      'Events out per pipeline',
      { x: 8, y: 0, w: 8, h: 8 },
      [
        {
          expr: `sum by (pod, pipeline) (pipeline:logstash_events_out:rate5m{${SEL}})`,
          legendFormat: '{{pod}} {{pipeline}}',
        },
      ],
      { unit: 'ops', links },
    ),
    timeseriesPanel(
      3,
      'Events filtered per pipeline',
      { x: 16, y: 0, w: 8, h: 8 },
      [
        {
          expr: `sum by (pod, pipeline) (pipeline:logstash_events_filtered:rate5m{${SEL}})`,
          legendFormat: '{{pod}} {{pipeline}}',
        },
      ],
      { unit: 'ops', links },
    ),
    timeseriesPanel(
      4,
      'Events in the queue',
      { x: 0, y: 8, w: 12, h: 8 },
      [
        {
          expr: `max by (pod, pipeline) (logstash_stats_pipeline_queue_events_count{${SEL}})`,
          legendFormat: '{{pod}} {{pipeline}}',
        },
      ],
      { unit: 'short', links },
    ),
    timeseriesPanel(
      5,
      'Input back-pressure',
      { x: 12, y: 8, w: 12, h: 8 },
      [
        {
          expr: `max by (pod, pipeline) (logstash_stats_pipeline_flow_queue_backpressure_current{${SEL}})`,
          legendFormat: '{{pod}} {{pipeline}}',
        },
      ],
      { unit: 'percentunit', min: 0, thresholds: [[0.5, 'orange']], links },
    ),
    ...(options.persistentQueue
      ? [
          timeseriesPanel(
            6,
            'Persistent queue used',
            { x: 0, y: 16, w: 12, h: 8 },
            [
              {
                expr: `max by (pod, pipeline) (logstash_stats_pipeline_queue_events_queue_size{${SEL}} / (logstash_stats_pipeline_queue_max_size_in_bytes{${SEL}} > 0))`,
                legendFormat: '{{pod}} {{pipeline}}',
              },
            ],
            { unit: 'percentunit', min: 0, max: 1, thresholds: [[0.8, 'orange']], links },
          ),
        ]
      : []),
    ...(options.deadLetterQueue
      ? [
          timeseriesPanel(
            7,
            'Dead-letter queue size',
            { x: 12, y: 16, w: 12, h: 8 },
            [
              {
                expr: `max by (pod, pipeline) (logstash_stats_pipeline_dead_letter_queue_size_in_bytes{${SEL}})`,
                legendFormat: '{{pod}} {{pipeline}}',
              },
            ],
            { unit: 'bytes', links },
          ),
        ]
      : []),
    timeseriesPanel(
      8,
      'Elasticsearch output: bulk requests with errors',
      { x: 0, y: 24, w: 12, h: 8 },
      [
        {
          expr: `sum by (pod, pipeline, plugin_id) (rate(logstash_stats_pipeline_plugin_bulk_requests_errors{plugin_type="output", ${SEL}}[$__rate_interval]))`,
          legendFormat: '{{pod}} {{pipeline}} {{plugin_id}}',
        },
      ],
      { unit: 'ops', links },
    ),
    timeseriesPanel(
      9,
      'JVM heap used',
      { x: 12, y: 24, w: 12, h: 8 },
      [
        {
          expr: 'max by (pod) (logstash_stats_jvm_mem_heap_used_bytes{pod=~"$pod"} / logstash_stats_jvm_mem_heap_max_bytes{pod=~"$pod"})',
          legendFormat: '{{pod}}',
        },
      ],
      { unit: 'percentunit', min: 0, max: 1, thresholds: [[0.9, 'red']], links },
    ),
  ];
  return dashboardModel(
    'logstash',
    'Logstash',
    ['observability-stack', 'logstash'],
    [
      labelValuesVariable('pod', 'Pod', 'logstash_stats_jvm_mem_heap_used_bytes'),
      labelValuesVariable('pipeline', 'Pipeline', 'logstash_stats_pipeline_events_in'),
    ],
    panels,
  );
}
