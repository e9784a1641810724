import { AlertName, AlertSeverity, alertRule } from '../prometheus/alert-rules';
import { AlertRunbook } from '../prometheus/alert-runbook';
import { PrometheusRule } from '../prometheus/prometheus-config';
import { alertsOf, MixinContext, MonitoringMixin } from './mixin';
import { prometheusDashboard } from './prometheus-dashboard';
import * as rb from './prometheus-runbooks';

/** Names of the alerts of the Prometheus mixin, for routes and silences. */
export enum PrometheusAlert {
  BAD_CONFIG = 'PrometheusBadConfig',
  SERVICE_DISCOVERY_FAILING = 'PrometheusServiceDiscoveryFailing',
  KUBERNETES_LIST_WATCH_FAILURES = 'PrometheusKubernetesListWatchFailures',
  NOTIFICATION_QUEUE_RUNNING_FULL = 'PrometheusNotificationQueueRunningFull',
  NOTIFICATIONS_DROPPED = 'PrometheusNotificationsDropped',
  ERROR_SENDING_ALERTS_TO_SOME_ALERTMANAGERS = 'PrometheusErrorSendingAlertsToSomeAlertmanagers',
  ERROR_SENDING_ALERTS_TO_ANY_ALERTMANAGER = 'PrometheusErrorSendingAlertsToAnyAlertmanager',
  NOT_CONNECTED_TO_ALERTMANAGERS = 'PrometheusNotConnectedToAlertmanagers',
  TSDB_RELOADS_FAILING = 'PrometheusTsdbReloadsFailing',
  TSDB_COMPACTIONS_FAILING = 'PrometheusTsdbCompactionsFailing',
  TSDB_WAL_CORRUPTIONS = 'PrometheusTsdbWalCorruptions',
  HEAD_SERIES_GROWING_FAST = 'PrometheusHeadSeriesGrowingFast',
  NOT_INGESTING_SAMPLES = 'PrometheusNotIngestingSamples',
  DUPLICATE_TIMESTAMPS = 'PrometheusDuplicateTimestamps',
  OUT_OF_ORDER_TIMESTAMPS = 'PrometheusOutOfOrderTimestamps',
  REMOTE_STORAGE_FAILURES = 'PrometheusRemoteStorageFailures',
  REMOTE_WRITE_BEHIND = 'PrometheusRemoteWriteBehind',
  REMOTE_WRITE_DESIRED_SHARDS = 'PrometheusRemoteWriteDesiredShards',
  MISSING_RULE_EVALUATIONS = 'PrometheusMissingRuleEvaluations',
  RULE_GROUP_SLOW = 'PrometheusRuleGroupSlow',
  TEMPLATE_EXPANSION_FAILURES = 'PrometheusTemplateExpansionFailures',
  TARGET_LIMIT_HIT = 'PrometheusTargetLimitHit',
  LABEL_LIMIT_HIT = 'PrometheusLabelLimitHit',
  SAMPLE_LIMIT_HIT = 'PrometheusSampleLimitHit',
  SCRAPE_BODY_SIZE_LIMIT_HIT = 'PrometheusScrapeBodySizeLimitHit',
  TARGET_SYNC_FAILURE = 'PrometheusTargetSyncFailure',
  HIGH_QUERY_LOAD = 'PrometheusHighQueryLoad',
  SELF_SCRAPE_ABSENT = 'PrometheusSelfScrapeAbsent',
}

/** What the Prometheus mixin watches beyond the server itself. */
export interface PrometheusMixinOptions {
  /**
   * Prometheus sends alerts to Alertmanager: the alerts on notifications (not connected, errors,
   * queue) apply. @default true
   */
  readonly alertmanager?: boolean;
}

/** Prometheus' self-scrape (the default `prometheus` job, `localhost:9090`): each server's own metrics. */
const SELF = 'job="prometheus"';

/** Window of the TSDB failure counters: compactions and reloads run every few hours. */
const TSDB_WINDOW = '3h';

/**
 * The Prometheus mixin, on Prometheus' own `/metrics` (its self-scrape job `prometheus`): the
 * configuration and its reloads, service discovery, the alert notification queue and its
 * Alertmanagers, the TSDB (reloads, compactions, WAL, head series, ingestion), remote write
 * (silent without `remote_write`), rule evaluation, the scrape limits, query load, and an
 * `absent()` guard for the self-scrape every other rule here reads. Recording rules in
 * `prometheus-rules` feed the `prometheus` dashboard.
 *
 * Severities: `critical` for what loses samples or alerts now (nothing ingested, remote write
 * failing or behind, alerts reaching no Alertmanager, targets not synced, the self-scrape gone,
 * rule evaluations failing); `warning` for the rest.
 */
export function prometheusMixin(
  context: MixinContext,
  options: PrometheusMixinOptions = {},
): MonitoringMixin {
  const c = alertsOf(context);
  const counterAlert = (
    alert: PrometheusAlert,
    metric: string,
    window: string,
    by: string,
    severity: AlertSeverity,
    summary: string,
    description: string,
    runbook: AlertRunbook,
    forDuration?: string,
  ): PrometheusRule =>
    alertRule(c, {
      alert,
      expr: `sum by (${by}) (increase(${metric}{${SELF}}[${window}])) > 0`,
      for: forDuration,
      severity,
      summary,
      description,
      runbook,
    });

  const notifications: PrometheusRule[] = [
    alertRule(c, {
      alert: PrometheusAlert.NOTIFICATION_QUEUE_RUNNING_FULL,
      // The queue's trend over 5 minutes, half an hour ahead, against its capacity.
      expr: `predict_linear(prometheus_notifications_queue_length{${SELF}}[5m], 30 * 60) > on (job, instance) group_left () min_over_time(prometheus_notifications_queue_capacity{${SELF}}[5m])`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Prometheus alert notification queue filling up',
      description:
        'The alert notification queue of Prometheus {{ $labels.instance }} for {{ $labels.alertmanager }} is on course to be full within 30 minutes; a full queue drops alerts.',
      runbook: rb.PROMETHEUS_NOTIFICATION_QUEUE_RUNNING_FULL_RUNBOOK,
    }),
    counterAlert(
      PrometheusAlert.NOTIFICATIONS_DROPPED,
      'prometheus_notifications_dropped_total',
      '5m',
      'job, instance',
      AlertSeverity.CRITICAL,
      'Prometheus dropping alert notifications',
      'Prometheus {{ $labels.instance }} dropped {{ $value | humanize }} alert notifications in the last 5 minutes (queue full or no Alertmanager to send to): those alerts reached nobody.',
      rb.PROMETHEUS_NOTIFICATIONS_DROPPED_RUNBOOK,
    ),
    alertRule(c, {
      alert: PrometheusAlert.ERROR_SENDING_ALERTS_TO_SOME_ALERTMANAGERS,
      expr: `(rate(prometheus_notifications_errors_total{${SELF}}[5m]) / rate(prometheus_notifications_sent_total{${SELF}}[5m])) > 0.01`,
      for: '15m',
      severity: AlertSeverity.WARNING,
      summary: 'Prometheus failing to send alerts to an Alertmanager',
      description:
        'Prometheus {{ $labels.instance }} failed to send {{ $value | humanizePercentage }} of its alerts to {{ $labels.alertmanager }} over the last 5 minutes; the other Alertmanagers still get them.',
      runbook: rb.PROMETHEUS_ERROR_SENDING_ALERTS_TO_SOME_ALERTMANAGERS_RUNBOOK,
    }),
    alertRule(c, {
      alert: PrometheusAlert.ERROR_SENDING_ALERTS_TO_ANY_ALERTMANAGER,
      // The best Alertmanager's error ratio: above it, no Alertmanager gets every alert.
      expr: `min by (job, instance) (rate(prometheus_notifications_errors_total{${SELF}}[5m]) / rate(prometheus_notifications_sent_total{${SELF}}[5m])) > 0.03`,
      for: '15m',
      severity: AlertSeverity.CRITICAL,
      summary: 'Prometheus failing to send alerts to every Alertmanager',
      description:
        'Prometheus {{ $labels.instance }} failed to send at least {{ $value | humanizePercentage }} of its alerts to each of its Alertmanagers over the last 5 minutes: alerts are being lost.',
      runbook: rb.PROMETHEUS_ERROR_SENDING_ALERTS_TO_ANY_ALERTMANAGER_RUNBOOK,
    }),
    alertRule(c, {
      alert: PrometheusAlert.NOT_CONNECTED_TO_ALERTMANAGERS,
      expr: `max_over_time(prometheus_notifications_alertmanagers_discovered{${SELF}}[5m]) < 1`,
      for: '10m',
      severity: AlertSeverity.CRITICAL,
      summary: 'Prometheus has no Alertmanager to send alerts to',
      description:
        'Prometheus {{ $labels.instance }} has discovered no Alertmanager for 15 minutes: its alerts go nowhere.',
      runbook: rb.PROMETHEUS_NOT_CONNECTED_TO_ALERTMANAGERS_RUNBOOK,
    }),
  ];

  return {
    name: 'prometheus',
    ruleGroups: [
      { name: 'prometheus-rules', rules: prometheusRecordingRules() },
      {
        name: 'prometheus-alerts',
        rules: [
          alertRule(c, {
            alert: AlertName.PROMETHEUS_RULE_EVALUATION_FAILURES,
            expr: 'increase(prometheus_rule_evaluation_failures_total[5m]) > 0',
            severity: AlertSeverity.CRITICAL,
            summary: 'Prometheus rule evaluations failing',
            description:
              'Prometheus {{ $labels.instance }} failed {{ $value | humanize }} evaluations of rule group {{ $labels.rule_group }} in the last 5 minutes; its alerts may not fire.',
            runbook: rb.PROMETHEUS_RULE_EVALUATION_FAILURES_RUNBOOK,
          }),
          alertRule(c, {
            alert: PrometheusAlert.BAD_CONFIG,
            // max_over_time: one failed attempt between successful ones is not a bad config.
            expr: `max_over_time(prometheus_config_last_reload_successful{${SELF}}[5m]) == 0`,
            for: '10m',
            severity: AlertSeverity.WARNING,
            summary: 'Prometheus configuration reload failing',
            description:
              'Prometheus {{ $labels.instance }} has failed to load its configuration for 15 minutes: it runs the last good one, changes since are not applied, and a restart would not start.',
            runbook: rb.PROMETHEUS_BAD_CONFIG_RUNBOOK,
          }),
          alertRule(c, {
            alert: PrometheusAlert.SERVICE_DISCOVERY_FAILING,
            expr: `max_over_time(prometheus_sd_failed_configs{${SELF}}[5m]) > 0`,
            for: '10m',
            severity: AlertSeverity.WARNING,
            summary: 'Prometheus service discovery configurations failing',
            description:
              'Prometheus {{ $labels.instance }} has {{ $value }} failed service discovery configurations of its {{ $labels.name }} manager for 15 minutes: their targets are not updated.',
            runbook: rb.PROMETHEUS_SERVICE_DISCOVERY_FAILING_RUNBOOK,
          }),
          counterAlert(
            PrometheusAlert.KUBERNETES_LIST_WATCH_FAILURES,
            'prometheus_sd_kubernetes_failures_total',
            '5m',
            'job, instance',
            AlertSeverity.WARNING,
            'Prometheus Kubernetes discovery failing',
            'Prometheus {{ $labels.instance }} failed {{ $value | humanize }} Kubernetes list or watch requests in the last 5 minutes, for 15 minutes: new or moved pods may not be scraped.',
            rb.PROMETHEUS_KUBERNETES_LIST_WATCH_FAILURES_RUNBOOK,
            '15m',
          ),
          ...(options.alertmanager === false ? [] : notifications),
          counterAlert(
            PrometheusAlert.TSDB_RELOADS_FAILING,
            'prometheus_tsdb_reloads_failures_total',
            TSDB_WINDOW,
            'job, instance',
            AlertSeverity.WARNING,
            'Prometheus TSDB block reloads failing',
            `Prometheus {{ $labels.instance }} failed {{ $value | humanize }} reloads of its TSDB blocks in the last ${TSDB_WINDOW}: new blocks are not queryable and old ones are not deleted.`,
            rb.PROMETHEUS_TSDB_RELOADS_FAILING_RUNBOOK,
            '30m',
          ),
          counterAlert(
            PrometheusAlert.TSDB_COMPACTIONS_FAILING,
            'prometheus_tsdb_compactions_failed_total',
            TSDB_WINDOW,
            'job, instance',
            AlertSeverity.WARNING,
            'Prometheus TSDB compactions failing',
            `Prometheus {{ $labels.instance }} failed {{ $value | humanize }} TSDB compactions in the last ${TSDB_WINDOW}: the head block grows in memory and the disk fills with uncompacted data.`,
            rb.PROMETHEUS_TSDB_COMPACTIONS_FAILING_RUNBOOK,
            '30m',
          ),
          counterAlert(
            PrometheusAlert.TSDB_WAL_CORRUPTIONS,
            'prometheus_tsdb_wal_corruptions_total',
            TSDB_WINDOW,
            'job, instance',
            AlertSeverity.WARNING,
            'Prometheus write-ahead log corrupted',
            `Prometheus {{ $labels.instance }} found {{ $value | humanize }} corruptions of its write-ahead log in the last ${TSDB_WINDOW}; samples after the corrupt record were lost.`,
            rb.PROMETHEUS_TSDB_WAL_CORRUPTIONS_RUNBOOK,
          ),
          alertRule(c, {
            alert: PrometheusAlert.HEAD_SERIES_GROWING_FAST,
            // Against an hour ago, and only above 10000 series: a young server doubles easily.
            expr: `(prometheus_tsdb_head_series{${SELF}} / (prometheus_tsdb_head_series{${SELF}} offset 1h) > 1.5) and prometheus_tsdb_head_series{${SELF}} > 10000`,
            for: '15m',
            severity: AlertSeverity.WARNING,
            summary: 'Prometheus head series growing fast',
            description:
              'Prometheus {{ $labels.instance }} holds {{ $value | humanizePercentage }} of the in-memory series it held an hour ago (more than 150%): a label explosion may run it out of memory.',
            runbook: rb.PROMETHEUS_HEAD_SERIES_GROWING_FAST_RUNBOOK,
          }),
          alertRule(c, {
            alert: PrometheusAlert.NOT_INGESTING_SAMPLES,
            expr: `sum by (job, instance) (rate(prometheus_tsdb_head_samples_appended_total{${SELF}}[5m])) <= 0`,
            for: '10m',
            severity: AlertSeverity.CRITICAL,
            summary: 'Prometheus not ingesting samples',
            description:
              'Prometheus {{ $labels.instance }} has stored no samples for 10 minutes: metrics are being lost and alerts see no new data.',
            runbook: rb.PROMETHEUS_NOT_INGESTING_SAMPLES_RUNBOOK,
          }),
          counterAlert(
            PrometheusAlert.DUPLICATE_TIMESTAMPS,
            'prometheus_target_scrapes_sample_duplicate_timestamp_total',
            '5m',
            'job, instance',
            AlertSeverity.WARNING,
            'Prometheus dropping samples with duplicate timestamps',
            'Prometheus {{ $labels.instance }} dropped {{ $value | humanize }} scraped samples in the last 5 minutes, for 10 minutes, because a target exposed one series twice with different values.',
            rb.PROMETHEUS_DUPLICATE_TIMESTAMPS_RUNBOOK,
            '10m',
          ),
          counterAlert(
            PrometheusAlert.OUT_OF_ORDER_TIMESTAMPS,
            'prometheus_target_scrapes_sample_out_of_order_total',
            '5m',
            'job, instance',
            AlertSeverity.WARNING,
            'Prometheus dropping out-of-order samples',
            'Prometheus {{ $labels.instance }} dropped {{ $value | humanize }} scraped samples in the last 5 minutes, for 10 minutes, because their timestamps were older than the latest of their series.',
            rb.PROMETHEUS_OUT_OF_ORDER_TIMESTAMPS_RUNBOOK,
            '10m',
          ),
          alertRule(c, {
            alert: PrometheusAlert.REMOTE_STORAGE_FAILURES,
            expr: `(rate(prometheus_remote_storage_samples_failed_total{${SELF}}[5m]) / (rate(prometheus_remote_storage_samples_failed_total{${SELF}}[5m]) + rate(prometheus_remote_storage_samples_total{${SELF}}[5m]))) > 0.01`,
            for: '15m',
            severity: AlertSeverity.CRITICAL,
            summary: 'Prometheus remote write failing',
            description:
              'Prometheus {{ $labels.instance }} failed to send {{ $value | humanizePercentage }} of its samples to remote storage {{ $labels.remote_name }} ({{ $labels.url }}) over the last 5 minutes: they are missing there.',
            runbook: rb.PROMETHEUS_REMOTE_STORAGE_FAILURES_RUNBOOK,
          }),
          alertRule(c, {
            alert: PrometheusAlert.REMOTE_WRITE_BEHIND,
            expr: `(max_over_time(prometheus_remote_storage_queue_highest_timestamp_seconds{${SELF}}[5m]) - max_over_time(prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${SELF}}[5m])) > 120`,
            for: '15m',
            severity: AlertSeverity.CRITICAL,
            summary: 'Prometheus remote write behind',
            description:
              'Remote write of Prometheus {{ $labels.instance }} to {{ $labels.remote_name }} ({{ $labels.url }}) is {{ $value | humanizeDuration }} behind; past the WAL retention of about 2 hours samples are lost.',
            runbook: rb.PROMETHEUS_REMOTE_WRITE_BEHIND_RUNBOOK,
          }),
          alertRule(c, {
            alert: PrometheusAlert.REMOTE_WRITE_DESIRED_SHARDS,
            expr: `max_over_time(prometheus_remote_storage_shards_desired{${SELF}}[5m]) > max_over_time(prometheus_remote_storage_shards_max{${SELF}}[5m])`,
            for: '15m',
            severity: AlertSeverity.WARNING,
            summary: 'Prometheus remote write needs more shards than allowed',
            description:
              'Remote write of Prometheus {{ $labels.instance }} to {{ $labels.remote_name }} ({{ $labels.url }}) wants {{ $value }} shards, more than its max_shards: it cannot keep up and will fall behind.',
            runbook: rb.PROMETHEUS_REMOTE_WRITE_DESIRED_SHARDS_RUNBOOK,
          }),
          counterAlert(
            PrometheusAlert.MISSING_RULE_EVALUATIONS,
            'prometheus_rule_group_iterations_missed_total',
            '5m',
            'job, instance, rule_group',
            AlertSeverity.WARNING,
            'Prometheus skipping rule evaluations',
            'Prometheus {{ $labels.instance }} skipped {{ $value | humanize }} evaluations of rule group {{ $labels.rule_group }} in the last 5 minutes, for 15 minutes: its alerts react late or not at all.',
            rb.PROMETHEUS_MISSING_RULE_EVALUATIONS_RUNBOOK,
            '15m',
          ),
          alertRule(c, {
            alert: PrometheusAlert.RULE_GROUP_SLOW,
            expr: `(avg_over_time(prometheus_rule_group_last_duration_seconds{${SELF}}[10m]) / prometheus_rule_group_interval_seconds{${SELF}}) > 0.8`,
            for: '15m',
            severity: AlertSeverity.WARNING,
            summary: 'Prometheus rule group close to its interval',
            description:
              'Rule group {{ $labels.rule_group }} of Prometheus {{ $labels.instance }} takes {{ $value | humanizePercentage }} of its evaluation interval; past 100% evaluations are skipped.',
            runbook: rb.PROMETHEUS_RULE_GROUP_SLOW_RUNBOOK,
          }),
          counterAlert(
            PrometheusAlert.TEMPLATE_EXPANSION_FAILURES,
            'prometheus_template_text_expansion_failures_total',
            '5m',
            'job, instance',
            AlertSeverity.WARNING,
            'Prometheus alert templates failing',
            'Prometheus {{ $labels.instance }} failed to expand {{ $value | humanize }} alert label or annotation templates in the last 5 minutes: some notifications carry an error text instead of their summary or description.',
            rb.PROMETHEUS_TEMPLATE_EXPANSION_FAILURES_RUNBOOK,
          ),
          alertRule(c, {
            alert: PrometheusAlert.TARGET_LIMIT_HIT,
            // The pool's targets against its limit, not the exceeded counter: that one rises once
            // per target sync, which may not come again for a long time.
            expr: `(prometheus_target_scrape_pool_targets{${SELF}} > prometheus_target_scrape_pool_target_limit{${SELF}}) and prometheus_target_scrape_pool_target_limit{${SELF}} > 0`,
            severity: AlertSeverity.WARNING,
            summary: 'Prometheus scrape job over its target limit',
            description:
              'Scrape job {{ $labels.scrape_job }} of Prometheus {{ $labels.instance }} has {{ $value }} targets, more than its target_limit: none of them is scraped.',
            runbook: rb.PROMETHEUS_TARGET_LIMIT_HIT_RUNBOOK,
          }),
          counterAlert(
            PrometheusAlert.LABEL_LIMIT_HIT,
            'prometheus_target_scrape_pool_exceeded_label_limits_total',
            '5m',
            'job, instance',
            AlertSeverity.WARNING,
            'Prometheus scrapes over a label limit',
            'Prometheus {{ $labels.instance }} rejected {{ $value | humanize }} scrapes in the last 5 minutes because a series had more labels, or longer label names or values, than its job allows: those targets are down.',
            rb.PROMETHEUS_LABEL_LIMIT_HIT_RUNBOOK,
          ),
          counterAlert(
            PrometheusAlert.SAMPLE_LIMIT_HIT,
            'prometheus_target_scrapes_exceeded_sample_limit_total',
            '5m',
            'job, instance',
            AlertSeverity.WARNING,
            'Prometheus scrapes over the sample limit',
            'Prometheus {{ $labels.instance }} rejected {{ $value | humanize }} scrapes in the last 5 minutes because a target exposed more samples than its sample_limit: those targets are down.',
            rb.PROMETHEUS_SAMPLE_LIMIT_HIT_RUNBOOK,
          ),
          counterAlert(
            PrometheusAlert.SCRAPE_BODY_SIZE_LIMIT_HIT,
            'prometheus_target_scrapes_exceeded_body_size_limit_total',
            '5m',
            'job, instance',
            AlertSeverity.WARNING,
            'Prometheus scrapes over the body size limit',
            'Prometheus {{ $labels.instance }} rejected {{ $value | humanize }} scrapes in the last 5 minutes because the response was larger than body_size_limit: those targets are down.',
            rb.PROMETHEUS_SCRAPE_BODY_SIZE_LIMIT_HIT_RUNBOOK,
          ),
          counterAlert(
            PrometheusAlert.TARGET_SYNC_FAILURE,
            'prometheus_target_sync_failed_total',
            '30m',
            'job, instance, scrape_job',
            AlertSeverity.CRITICAL,
            'Prometheus cannot sync the targets of a scrape job',
            'Prometheus {{ $labels.instance }} failed {{ $value | humanize }} times in the last 30 minutes to build the scrapers of job {{ $labels.scrape_job }}: its new targets are not scraped.',
            rb.PROMETHEUS_TARGET_SYNC_FAILURE_RUNBOOK,
            '5m',
          ),
          alertRule(c, {
            alert: PrometheusAlert.HIGH_QUERY_LOAD,
            expr: `avg_over_time(prometheus_engine_queries{${SELF}}[5m]) / on (job, instance) max_over_time(prometheus_engine_queries_concurrent_max{${SELF}}[5m]) > 0.8`,
            for: '15m',
            severity: AlertSeverity.WARNING,
            summary: 'Prometheus query load high',
            description:
              'Prometheus {{ $labels.instance }} runs {{ $value | humanizePercentage }} of the queries it can run at once: rules and dashboards queue and slow down.',
            runbook: rb.PROMETHEUS_HIGH_QUERY_LOAD_RUNBOOK,
          }),
          alertRule(c, {
            alert: PrometheusAlert.SELF_SCRAPE_ABSENT,
            expr: `absent(up{${SELF}} == 1)`,
            for: '5m',
            severity: AlertSeverity.CRITICAL,
            summary: 'Prometheus not scraping itself',
            description:
              'No Prometheus has scraped its own metrics (job prometheus) for 5 minutes: every other alert on Prometheus is blind.',
            runbook: rb.PROMETHEUS_SELF_SCRAPE_ABSENT_RUNBOOK,
          }),
        ],
      },
    ],
    dashboards: [{ name: 'prometheus', json: prometheusDashboard() }],
  };
}

/** The recording rules the `prometheus` dashboard reads (group `prometheus-rules`). */
function prometheusRecordingRules(): PrometheusRule[] {
  return [
    // Targets up and known, per job, over every scrape job of this Prometheus.
    { record: 'job:up:sum', expr: 'sum by (job) (up)' },
    { record: 'job:up:count', expr: 'count by (job) (up)' },
    {
      record: 'instance:prometheus_tsdb_head_samples_appended:rate5m',
      expr: `sum by (job, instance) (rate(prometheus_tsdb_head_samples_appended_total{${SELF}}[5m]))`,
    },
    {
      record: 'instance:prometheus_rule_evaluations:rate5m',
      expr: `sum by (job, instance) (rate(prometheus_rule_evaluations_total{${SELF}}[5m]))`,
    },
    {
      record: 'instance:prometheus_rule_evaluation_failures:rate5m',
      expr: `sum by (job, instance) (rate(prometheus_rule_evaluation_failures_total{${SELF}}[5m]))`,
    },
    {
      record: 'instance:prometheus_notifications_sent:rate5m',
      expr: `sum by (job, instance) (rate(prometheus_notifications_sent_total{${SELF}}[5m]))`,
    },
    {
      record: 'instance:prometheus_notifications_errors:rate5m',
      expr: `sum by (job, instance) (rate(prometheus_notifications_errors_total{${SELF}}[5m]))`,
    },
    {
      record: 'instance_remote_name:prometheus_remote_storage_samples:rate5m',
      expr: `sum by (job, instance, remote_name) (rate(prometheus_remote_storage_samples_total{${SELF}}[5m]))`,
    },
    {
      record: 'instance_remote_name:prometheus_remote_storage_lag_seconds:max5m',
      expr: `max by (job, instance, remote_name) (max_over_time(prometheus_remote_storage_queue_highest_timestamp_seconds{${SELF}}[5m]) - max_over_time(prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${SELF}}[5m]))`,
    },
  ];
}
