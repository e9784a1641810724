import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { validateDnsLabel } from '../core/names';
import { AlertRulesProps, resolveAlertRules, ResolvedAlertRules } from '../prometheus/alert-rules';
import { PrometheusRuleGroup, ScrapeJob } from '../prometheus/prometheus-config';

/**
 * Monitoring that lives with what it watches, the idea of kube-prometheus' "mixins": each
 * component and exporter of the stack (and Kubernetes, the nodes, the applications) brings its
 * own alert rules (each carrying its runbook), recording rules, dashboards and scrape jobs in
 * one `MonitoringMixin`. `ObservabilityStack` builds the mixins of what it deploys and hands
 * them to Prometheus and Grafana with {@link applyMixins}: a component that is not deployed
 * brings none. A library user who deploys a component on its own does the same with the
 * component's mixin function (`elasticsearchMixin`, `logstashMixin`, ...).
 */

/** A Grafana dashboard of a mixin: its file name (also its uid) and JSON model. */
export interface MixinDashboard {
  /** Lower-case, at most 40 characters: the file name and uid (`Grafana.addDashboard`). */
  readonly name: string;
  readonly json: Record<string, unknown>;
}

/** What one watched thing brings to Prometheus and Grafana. */
export interface MonitoringMixin {
  /** Short name, such as `elasticsearch`; rule group names start with it. */
  readonly name: string;
  /** Alerting and recording rules; alerts carry their runbooks (`alertRule`). */
  readonly ruleGroups: readonly PrometheusRuleGroup[];
  /** Grafana dashboards. @default - none */
  readonly dashboards?: readonly MixinDashboard[];
  /** Scrape jobs the rules and dashboards need, beyond the default jobs. @default - none */
  readonly scrapeJobs?: readonly ScrapeJob[];
}

/** What every mixin function is given: the alert thresholds and where the stack runs. */
export interface MixinContext {
  /** Thresholds, windows and the runbook base URL. @default - the defaults of AlertRulesProps */
  readonly alerts?: AlertRulesProps;
  /** Namespace of the stack's back ends and UIs. */
  readonly namespace: string;
  /** Namespace of its node agents (Filebeat, node-exporter). @default - the same as namespace */
  readonly agentsNamespace?: string;
  /** The construct errors name. @default - 'mixins' */
  readonly scope?: IConstruct;
  /** Prefix of the prop names errors name, such as `alerts.`. @default '' */
  readonly propPrefix?: string;
}

const resolved = new WeakMap<MixinContext, ResolvedAlertRules>();

/** The context's alert thresholds with their defaults applied and checked (once per context). */
export function alertsOf(context: MixinContext): ResolvedAlertRules {
  let alerts = resolved.get(context);
  if (!alerts) {
    alerts = resolveAlertRules(context.alerts, {
      scope: context.scope,
      propPrefix: context.propPrefix,
    });
    resolved.set(context, alerts);
  }
  return alerts;
}

/** Where mixins go: a Prometheus (rules, scrape jobs) and optionally a Grafana (dashboards). */
export interface MixinTargets {
  readonly prometheus: {
    addRuleGroup(group: PrometheusRuleGroup): void;
    addScrapeJob(job: ScrapeJob): void;
  };
  readonly grafana?: { addDashboard(name: string, json: object): void };
}

/**
 * Adds every mixin's rule groups and scrape jobs to Prometheus and its dashboards to Grafana
 * (left out without one). Two mixins of one name are an error: their rule groups would clash.
 */
export function applyMixins(
  scope: IConstruct,
  mixins: readonly MonitoringMixin[],
  targets: MixinTargets,
): void {
  const names = new Set<string>();
  for (const mixin of mixins) {
    if (names.has(mixin.name)) {
      invalidProp(
        scope,
        'mixins',
        mixin.name,
        'is the name of two monitoring mixins',
        'add each mixin once, or give the second its own name',
      );
    }
    names.add(mixin.name);
    for (const group of mixin.ruleGroups) targets.prometheus.addRuleGroup(group);
    for (const job of mixin.scrapeJobs ?? []) targets.prometheus.addScrapeJob(job);
    for (const dashboard of mixin.dashboards ?? [])
      targets.grafana?.addDashboard(dashboard.name, dashboard.json);
  }
}

/** The namespaces of the stack, the back ends' first: where its own pods run. Each must be a DNS label. */
export function stackNamespaces(context: MixinContext): string[] {
  const namespace = validateDnsLabel(
    context.scope ?? 'mixins',
    `${context.propPrefix ?? ''}namespace`,
    context.namespace,
  );
  return context.agentsNamespace && context.agentsNamespace !== namespace
    ? [
        namespace,
        validateDnsLabel(
          context.scope ?? 'mixins',
          `${context.propPrefix ?? ''}agentsNamespace`,
          context.agentsNamespace,
        ),
      ]
    : [namespace];
}
