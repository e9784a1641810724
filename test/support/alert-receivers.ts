import { AlertReceiver } from '../../lib';

/** One receiver of every kind, each with its default Secret. */
export function everyKind(): AlertReceiver[] {
  return [
    AlertReceiver.slack('slack-payments', { channel: '#payments' }),
    AlertReceiver.pagerDuty('pagerduty-payments'),
    AlertReceiver.email('email-payments', { to: 'payments@example.com', from: 'alerts@example.com', smarthost: 'smtp.example.com:2525', username: 'alerts' }),
    AlertReceiver.webhook('webhook-payments', { port: 8443 }),
    AlertReceiver.msTeams('teams-payments'),
    AlertReceiver.opsgenie('opsgenie-payments', { apiUrl: 'https://api.eu.opsgenie.com/' }),
  ];
}
