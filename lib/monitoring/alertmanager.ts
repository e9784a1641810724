import { AlertName, AlertSeverity, alertRule } from '../prometheus/alert-rules';
import { PrometheusRule } from '../prometheus/prometheus-config';
import { alertmanagerDashboard } from './alertmanager-dashboard';
import * as rb from './alertmanager-runbooks';
import { alertsOf, MixinContext, MonitoringMixin, stackNamespaces } from './mixin';

/** Names of the alerts of the Alertmanager mixin, for routes and silences. */
export enum AlertmanagerAlert {
  FAILED_RELOAD = 'AlertmanagerFailedReload',
  MEMBERS_INCONSISTENT = 'AlertmanagerMembersInconsistent',
  FAILED_TO_SEND_ALERTS = 'AlertmanagerFailedToSendAlerts',
  CLUSTER_FAILED_TO_SEND_ALERTS_CRITICAL = 'AlertmanagerClusterFailedToSendAlertsCritical',
  CLUSTER_FAILED_TO_SEND_ALERTS = 'AlertmanagerClusterFailedToSendAlerts',
  CONFIG_INCONSISTENT = 'AlertmanagerConfigInconsistent',
  CLUSTER_DOWN = 'AlertmanagerClusterDown',
  CLUSTER_CRASH_LOOPING = 'AlertmanagerClusterCrashLooping',
  INVALID_ALERTS = 'AlertmanagerInvalidAlerts',
  ABSENT = 'AlertmanagerAbsent',
}

/**
 * The integrations that page (`integration` label of Alertmanager's notification metrics):
 * when every Alertmanager fails on them, pages are lost, which is critical; failures of the
 * chat and mail integrations are a warning.
 */
export const ALERTMANAGER_PAGING_INTEGRATIONS = ['pagerduty', 'opsgenie'] as const;

/**
 * The Alertmanager mixin, on Alertmanager's own `/metrics` (its pods are scraped through their
 * `prometheus.io/*` annotations by the `kubernetes-pods` job, which adds `namespace`, `pod` and
 * the pod labels): configuration reloads and consistency, notification failures per pod and
 * across the cluster (paging integrations apart), the gossip cluster's membership, pods down
 * or crash looping, invalid alerts, and an `absent()` guard. Recording rules in
 * `alertmanager-rules` feed the `alertmanager` dashboard.
 *
 * Severities: `critical` for notifications that are not delivered (any failure after retries,
 * paging integrations failing on every pod, the cluster down, crash looping or absent);
 * `warning` for the rest.
 */
export function alertmanagerMixin(context: MixinContext): MonitoringMixin {
  const c = alertsOf(context);
  const [ns] = stackNamespaces(context);
  const am = `namespace="${ns}"`;
  const pods = `${am},app_kubernetes_io_name="alertmanager"`;
  const paging = ALERTMANAGER_PAGING_INTEGRATIONS.join('|');
  /** Failed fraction of notification attempts per pod and integration over 5 minutes. */
  const perPodFailedRatio = (integration: string) =>
    `sum by (namespace, pod, integration) (rate(alertmanager_notifications_failed_total{${am},${integration}}[5m])) / sum by (namespace, pod, integration) (rate(alertmanager_notifications_total{${am},${integration}}[5m]))`;
  return {
    name: 'alertmanager',
    ruleGroups: [
      { name: 'alertmanager-rules', rules: alertmanagerRecordingRules(am) },
      {
        name: 'alertmanager-alerts',
        rules: [
          alertRule(c, {
            alert: AlertName.ALERTMANAGER_NOTIFICATIONS_FAILING,
            expr: `sum by (namespace, pod, integration) (increase(alertmanager_notifications_failed_total{${am}}[5m])) > 0`,
            // Alertmanager retries; a short outage of a chat service is not worth a page.
            for: '5m',
            severity: AlertSeverity.CRITICAL,
            summary: 'Alertmanager notifications failing',
            description:
              'Alertmanager {{ $labels.namespace }}/{{ $labels.pod }} failed {{ $value | humanize }} notifications to {{ $labels.integration }} in the last 5 minutes.',
            runbook: rb.ALERTMANAGER_NOTIFICATIONS_FAILING_RUNBOOK,
          }),
          alertRule(c, {
            alert: AlertmanagerAlert.FAILED_RELOAD,
            expr: `max_over_time(alertmanager_config_last_reload_successful{${am}}[5m]) == 0`,
            for: '10m',
            severity: AlertSeverity.WARNING,
            summary: 'Alertmanager configuration reload failing',
            description:
              'Alertmanager {{ $labels.namespace }}/{{ $labels.pod }} has failed to load its configuration for 15 minutes: it routes with the last good one, and a restart would not start.',
            runbook: rb.ALERTMANAGER_FAILED_RELOAD_RUNBOOK,
          }),
          alertRule(c, {
            alert: AlertmanagerAlert.MEMBERS_INCONSISTENT,
            // Each pod's view of the cluster against the number of pods Prometheus scrapes.
            expr: `max_over_time(alertmanager_cluster_members{${am}}[5m]) < on (namespace) group_left () count by (namespace) (max_over_time(alertmanager_cluster_members{${am}}[5m]))`,
            for: '15m',
            severity: AlertSeverity.WARNING,
            summary: 'Alertmanager cluster members missing',
            description:
              'Alertmanager {{ $labels.namespace }}/{{ $labels.pod }} sees only {{ $value }} members of its cluster, fewer than the pods running: notifications may be sent twice and silences may not reach every pod.',
            runbook: rb.ALERTMANAGER_MEMBERS_INCONSISTENT_RUNBOOK,
          }),
          alertRule(c, {
            alert: AlertmanagerAlert.FAILED_TO_SEND_ALERTS,
            expr: `(${perPodFailedRatio('integration!=""')}) > 0.01`,
            for: '5m',
            severity: AlertSeverity.WARNING,
            summary: 'Alertmanager failing a share of its notifications',
            description:
              'Alertmanager {{ $labels.namespace }}/{{ $labels.pod }} failed {{ $value | humanizePercentage }} of its notification attempts to {{ $labels.integration }} over the last 5 minutes.',
            runbook: rb.ALERTMANAGER_FAILED_TO_SEND_ALERTS_RUNBOOK,
          }),
          alertRule(c, {
            alert: AlertmanagerAlert.CLUSTER_FAILED_TO_SEND_ALERTS_CRITICAL,
            // The best pod's ratio: above it, every pod of the cluster is failing.
            expr: `min by (namespace, integration) (${perPodFailedRatio(`integration=~"${paging}"`)}) > 0.01`,
            for: '5m',
            severity: AlertSeverity.CRITICAL,
            summary: 'Every Alertmanager failing to page',
            description:
              'Every Alertmanager pod in {{ $labels.namespace }} failed at least {{ $value | humanizePercentage }} of its notifications to {{ $labels.integration }} over the last 5 minutes: pages are being lost.',
            runbook: rb.ALERTMANAGER_CLUSTER_FAILED_TO_SEND_ALERTS_CRITICAL_RUNBOOK,
          }),
          alertRule(c, {
            alert: AlertmanagerAlert.CLUSTER_FAILED_TO_SEND_ALERTS,
            expr: `min by (namespace, integration) (${perPodFailedRatio(`integration!~"${paging}"`)}) > 0.01`,
            for: '5m',
            severity: AlertSeverity.WARNING,
            summary: 'Every Alertmanager failing to notify an integration',
            description:
              'Every Alertmanager pod in {{ $labels.namespace }} failed at least {{ $value | humanizePercentage }} of its notifications to {{ $labels.integration }} over the last 5 minutes.',
            runbook: rb.ALERTMANAGER_CLUSTER_FAILED_TO_SEND_ALERTS_RUNBOOK,
          }),
          alertRule(c, {
            alert: AlertmanagerAlert.CONFIG_INCONSISTENT,
            // The number of distinct configuration hashes among the pods.
            expr: `count by (namespace) (count_values by (namespace) ("config_hash", alertmanager_config_hash{${am}})) > 1`,
            for: '20m',
            severity: AlertSeverity.WARNING,
            summary: 'Alertmanager pods run different configurations',
            description:
              'The Alertmanager pods in {{ $labels.namespace }} have run {{ $value }} different configurations for 20 minutes: alerts are routed differently depending on the pod.',
            runbook: rb.ALERTMANAGER_CONFIG_INCONSISTENT_RUNBOOK,
          }),
          alertRule(c, {
            alert: AlertmanagerAlert.CLUSTER_DOWN,
            expr: `(count by (namespace) (avg_over_time(up{${pods}}[5m]) < 0.5) / count by (namespace) (up{${pods}})) >= 0.5`,
            for: '5m',
            severity: AlertSeverity.CRITICAL,
            summary: 'Half or more of the Alertmanager pods down',
            description:
              '{{ $value | humanizePercentage }} of the Alertmanager pods in {{ $labels.namespace }} were down most of the last 5 minutes: notifications may not go out.',
            runbook: rb.ALERTMANAGER_CLUSTER_DOWN_RUNBOOK,
          }),
          alertRule(c, {
            alert: AlertmanagerAlert.CLUSTER_CRASH_LOOPING,
            expr: `(count by (namespace) (changes(process_start_time_seconds{${pods}}[10m]) > 4) / count by (namespace) (up{${pods}})) >= 0.5`,
            for: '5m',
            severity: AlertSeverity.CRITICAL,
            summary: 'Half or more of the Alertmanager pods restarting',
            description:
              '{{ $value | humanizePercentage }} of the Alertmanager pods in {{ $labels.namespace }} restarted more than 4 times in 10 minutes: notifications and silences are being lost.',
            runbook: rb.ALERTMANAGER_CLUSTER_CRASH_LOOPING_RUNBOOK,
          }),
          alertRule(c, {
            alert: AlertmanagerAlert.INVALID_ALERTS,
            expr: `sum by (namespace, pod) (increase(alertmanager_alerts_invalid_total{${am}}[5m])) > 0`,
            severity: AlertSeverity.WARNING,
            summary: 'Alertmanager rejecting invalid alerts',
            description:
              'Alertmanager {{ $labels.namespace }}/{{ $labels.pod }} rejected {{ $value | humanize }} invalid alerts in the last 5 minutes: they are never notified.',
            runbook: rb.ALERTMANAGER_INVALID_ALERTS_RUNBOOK,
          }),
          alertRule(c, {
            alert: AlertmanagerAlert.ABSENT,
            expr: `absent(up{${pods}} == 1)`,
            for: '5m',
            severity: AlertSeverity.CRITICAL,
            summary: 'No Alertmanager scraped',
            description: `No Alertmanager pod in ${ns} has been scraped successfully for 5 minutes: alerts may not be notified at all.`,
            runbook: rb.ALERTMANAGER_ABSENT_RUNBOOK,
          }),
        ],
      },
    ],
    dashboards: [{ name: 'alertmanager', json: alertmanagerDashboard(ns) }],
  };
}

/** The recording rules the `alertmanager` dashboard reads (group `alertmanager-rules`). */
function alertmanagerRecordingRules(am: string): PrometheusRule[] {
  return [
    {
      record: 'namespace_integration:alertmanager_notifications:rate5m',
      expr: `sum by (namespace, integration) (rate(alertmanager_notifications_total{${am}}[5m]))`,
    },
    {
      record: 'namespace_integration:alertmanager_notifications_failed:rate5m',
      expr: `sum by (namespace, integration) (rate(alertmanager_notifications_failed_total{${am}}[5m]))`,
    },
    {
      record: 'namespace_state:alertmanager_alerts:max',
      // Every pod holds every alert (gossip): the largest count, not the sum.
      expr: `max by (namespace, state) (alertmanager_alerts{${am}})`,
    },
  ];
}
