import { dashboardModel, statPanel, timeseriesPanel } from '../grafana/dashboard-panels';
import { podLogsLink } from './dashboard-links';

const COREDNS = 'job="coredns"';

/**
 * The `coredns` dashboard: pods up, queries per pod (linked to the pod's logs), answers per
 * response code, p99 latency, SERVFAIL ratio and cache hits, and per upstream the forwarded
 * queries, their latency and SERVFAIL ratio.
 */
export function corednsDashboard(): Record<string, unknown> {
  const logs = [podLogsLink('kube-system')];
  return dashboardModel(
    'coredns',
    'CoreDNS',
    ['kubernetes', 'control-plane', 'dns'],
    [],
    [
      statPanel(
        1,
        'CoreDNS pods up',
        { x: 0, y: 0, w: 6, h: 6 },
        [{ expr: `count(up{${COREDNS}} == 1) or vector(0)`, legendFormat: 'up' }],
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
        'SERVFAIL ratio',
        { x: 6, y: 0, w: 6, h: 6 },
        [{ expr: 'job:coredns_dns_responses_servfail:ratio_rate5m', legendFormat: 'SERVFAIL' }],
        { unit: 'percentunit', thresholds: [[0.03, 'red']] },
      ),
      statPanel(
        3,
        'p99 latency',
        { x: 12, y: 0, w: 6, h: 6 },
        [{ expr: 'job:coredns_dns_request_duration_seconds:p99_rate5m', legendFormat: 'p99' }],
        { unit: 's', thresholds: [[1, 'red']] },
      ),
      statPanel(
        4,
        'Cache hit ratio',
        { x: 18, y: 0, w: 6, h: 6 },
        [
          {
            expr: `sum(rate(coredns_cache_hits_total{${COREDNS}}[$__rate_interval])) / (sum(rate(coredns_cache_hits_total{${COREDNS}}[$__rate_interval])) + sum(rate(coredns_cache_misses_total{${COREDNS}}[$__rate_interval])))`,
            legendFormat: 'hits',
          },
        ],
        { unit: 'percentunit' },
      ),
      timeseriesPanel(
        5,
        'Queries per pod',
        { x: 0, y: 6, w: 12, h: 8 },
        [{ expr: 'pod:coredns_dns_requests:rate5m', legendFormat: '{{pod}}' }],
        { unit: 'reqps', stacked: true, links: logs },
      ),
      timeseriesPanel(
        6,
        'Answers per response code',
        { x: 12, y: 6, w: 12, h: 8 },
        [{ expr: 'rcode:coredns_dns_responses:rate5m', legendFormat: '{{rcode}}' }],
        { unit: 'reqps', stacked: true },
      ),
      timeseriesPanel(
        7,
        'Forwarded queries per upstream',
        { x: 0, y: 14, w: 8, h: 8 },
        [{ expr: 'to:coredns_forward_requests:rate5m', legendFormat: '{{to}}' }],
        { unit: 'reqps' },
      ),
      timeseriesPanel(
        8,
        'Upstream p99 latency',
        { x: 8, y: 14, w: 8, h: 8 },
        [
          {
            expr: 'to:coredns_forward_request_duration_seconds:p99_rate5m',
            legendFormat: '{{to}}',
          },
        ],
        { unit: 's', thresholds: [[1, 'orange']] },
      ),
      timeseriesPanel(
        9,
        'Upstream SERVFAIL ratio',
        { x: 16, y: 14, w: 8, h: 8 },
        [{ expr: 'to:coredns_forward_responses_servfail:ratio_rate5m', legendFormat: '{{to}}' }],
        { unit: 'percentunit', min: 0, thresholds: [[0.03, 'orange']] },
      ),
      timeseriesPanel(
        10,
        'Panics per pod',
        { x: 0, y: 22, w: 24, h: 6 },
        [
          {
            expr: `sum by (pod) (increase(coredns_panics_total{${COREDNS}}[$__rate_interval]))`,
            legendFormat: '{{pod}}',
          },
        ],
        { unit: 'short', links: logs },
      ),
    ],
  );
}
