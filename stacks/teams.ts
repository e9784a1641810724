import { STACK_UIS, StackUi, TeamAccess } from '../lib';

/**
 * Who may open which UI in staging and prod: the groups come from the identity provider's
 * `groups` claim. The platform team runs the stack and sees everything; application
 * developers see their logs, dashboards and traces, not the stack's Prometheus or
 * Alertmanager; the trading desk's analysts see Kibana only.
 */
export const TEAMS: TeamAccess[] = [
  { name: 'platform', groups: ['platform-engineers'], uis: [...STACK_UIS] },
  { name: 'developers', groups: ['developers'], uis: [StackUi.KIBANA, StackUi.GRAFANA, StackUi.JAEGER] },
  { name: 'trading-analysts', groups: ['trading-analysts'], uis: [StackUi.KIBANA] },
];
