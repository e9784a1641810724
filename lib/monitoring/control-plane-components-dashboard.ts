import { dashboardModel, statPanel, timeseriesPanel } from '../grafana/dashboard-panels';
import { podLogsLink } from './dashboard-links';

/**
 * The first row of a leader-elected control-plane component's dashboard: its instances up and
 * how many lead (one is right: none leads, or two do, is red).
 */
function leaderPanels(job: string): object[] {
  return [
    statPanel(
      1,
      'Instances up',
      { x: 0, y: 0, w: 12, h: 6 },
      [{ expr: `count(up{${job}} == 1) or vector(0)`, legendFormat: 'up' }],
      {
        unit: 'short',
        thresholds: [
          [0, 'red'],
          [1, 'green'],
        ],
      },
    ),
    statPanel(
      2,
      'Leading instances',
      { x: 12, y: 0, w: 12, h: 6 },
      [
        {
          expr: `sum(leader_election_master_status{${job}}) or vector(0)`,
          legendFormat: 'leaders',
        },
      ],
      {
        unit: 'short',
        thresholds: [
          [0, 'red'],
          [1, 'green'],
          [2, 'red'],
        ],
      },
    ),
  ];
}

/**
 * The `kube-scheduler` dashboard (with the control-plane mixin's `scheduler` option): instances
 * up and leading, scheduling attempts per result, pods waiting per queue and the p99 of a
 * scheduling attempt; per-pod panels link to the pod's logs.
 */
export function kubeSchedulerDashboard(): Record<string, unknown> {
  const job = 'job="kube-scheduler"';
  return dashboardModel(
    'kube-scheduler',
    'kube-scheduler',
    ['kubernetes', 'control-plane', 'scheduler'],
    [],
    [
      ...leaderPanels(job),
      timeseriesPanel(
        3,
        'Scheduling attempts per result',
        { x: 0, y: 6, w: 12, h: 8 },
        [
          {
            expr: `sum by (result) (rate(scheduler_schedule_attempts_total{${job}}[$__rate_interval]))`,
            legendFormat: '{{result}}',
          },
        ],
        { unit: 'ops', stacked: true },
      ),
      timeseriesPanel(
        4,
        'Pods waiting per queue',
        { x: 12, y: 6, w: 12, h: 8 },
        [
          {
            expr: `sum by (queue) (scheduler_pending_pods{${job}})`,
            legendFormat: '{{queue}}',
          },
        ],
        { unit: 'short' },
      ),
      timeseriesPanel(
        5,
        'Scheduling attempt p99 per pod',
        { x: 0, y: 14, w: 24, h: 8 },
        [
          {
            expr: `histogram_quantile(0.99, sum by (pod, le) (rate(scheduler_scheduling_attempt_duration_seconds_bucket{${job}}[$__rate_interval])))`,
            legendFormat: '{{pod}}',
          },
        ],
        { unit: 's', links: [podLogsLink('kube-system')] },
      ),
    ],
  );
}

/**
 * The `kube-controller-manager` dashboard (with the `controllerManager` option): instances up
 * and leading, and per controller work queue its depth, additions, retries and the p99 wait of
 * an item; the API requests it fails.
 */
export function kubeControllerManagerDashboard(): Record<string, unknown> {
  const job = 'job="kube-controller-manager"';
  return dashboardModel(
    'kube-controller-manager',
    'kube-controller-manager',
    ['kubernetes', 'control-plane', 'controller-manager'],
    [],
    [
      ...leaderPanels(job),
      timeseriesPanel(
        3,
        'Work queue depth (top 10)',
        { x: 0, y: 6, w: 12, h: 8 },
        [
          {
            expr: `topk(10, sum by (name) (workqueue_depth{${job}}))`,
            legendFormat: '{{name}}',
          },
        ],
        { unit: 'short' },
      ),
      timeseriesPanel(
        4,
        'Work queue additions and retries (top 10)',
        { x: 12, y: 6, w: 12, h: 8 },
        [
          {
            expr: `topk(10, sum by (name) (rate(workqueue_adds_total{${job}}[$__rate_interval])))`,
            legendFormat: '{{name}} adds',
          },
          {
            expr: `topk(10, sum by (name) (rate(workqueue_retries_total{${job}}[$__rate_interval]))) > 0`,
            legendFormat: '{{name}} retries',
          },
        ],
        { unit: 'ops' },
      ),
      timeseriesPanel(
        5,
        'Work queue wait p99 (top 10)',
        { x: 0, y: 14, w: 12, h: 8 },
        [
          {
            expr: `topk(10, histogram_quantile(0.99, sum by (name, le) (rate(workqueue_queue_duration_seconds_bucket{${job}}[$__rate_interval]))))`,
            legendFormat: '{{name}}',
          },
        ],
        { unit: 's' },
      ),
      timeseriesPanel(
        6,
        'API requests failing per pod',
        { x: 12, y: 14, w: 12, h: 8 },
        [
          {
            expr: `sum by (pod, code) (rate(rest_client_requests_total{${job},code=~"5..|<error>"}[$__rate_interval]))`,
            legendFormat: '{{pod}} {{code}}',
          },
        ],
        { unit: 'reqps', links: [podLogsLink('kube-system')] },
      ),
    ],
  );
}
