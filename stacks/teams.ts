import { STACK_UIS, StackUi, TeamAccess, UiAccessProps } from '../lib';

/**
 * Who may open which UI in staging and prod: the groups come from the identity provider's
 * `groups` claim. The platform team runs the stack and sees everything; application
 * developers see their logs, dashboards and traces, not the stack's Prometheus or
 * Alertmanager; the trading desk's analysts see Kibana only.
 */
export const TEAMS: TeamAccess[] = [
  { name: 'platform', groups: ['platform-engineers'], uis: [...STACK_UIS] },
  {
    name: 'developers',
    groups: ['developers'],
    uis: [StackUi.KIBANA, StackUi.GRAFANA, StackUi.JAEGER],
  },
  { name: 'trading-analysts', groups: ['trading-analysts'], uis: [StackUi.KIBANA] },
];

/**
 * How staging and prod publish their UIs: `https://<ui>.<domain>` behind OIDC sign-in with the
 * teams above, certificates from cert-manager, one client per environment at the provider.
 */
export function uiAccess(
  domain: string,
  clientId: string,
  options: Pick<UiAccessProps, 'replicas' | 'spread'> = {},
): UiAccessProps {
  return {
    domain,
    tls: { clusterIssuer: 'letsencrypt' },
    // Room for the sign-in proxies' session cookies (ingress-nginx's default buffer is 4k).
    ingressAnnotations: { 'nginx.ingress.kubernetes.io/proxy-buffer-size': '16k' },
    oidc: {
      issuerUrl: 'https://login.example.com/realms/platform',
      clientId,
      secretName: 'ui-oidc',
    },
    teams: TEAMS,
    ...options,
  };
}
