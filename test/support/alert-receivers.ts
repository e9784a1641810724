import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { AlertReceiver, Alertmanager, AlertmanagerProps } from '../../lib';

/** One receiver of every kind, each with its default Secret. */
export function everyKind(): AlertReceiver[] {
  return [
    AlertReceiver.slack('slack-payments', { channel: '#payments' }),
    AlertReceiver.pagerDuty('pagerduty-payments'),
    AlertReceiver.email('email-payments', {
      to: 'payments@example.com',
      from: 'alerts@example.com',
      smarthost: 'smtp.example.com:2525',
      username: 'alerts',
    }),
    AlertReceiver.webhook('webhook-payments', { port: 8443 }),
    AlertReceiver.msTeams('teams-payments'),
    AlertReceiver.opsgenie('opsgenie-payments', { apiUrl: 'https://api.eu.opsgenie.com/' }),
  ];
}

/**
 * An Alertmanager alone in a chart of namespace `observability`, changed by `configure`
 * after construction, synthesized: its objects, its parsed and raw `alertmanager.yml`, its pod.
 */
export function synthAlertmanager(
  props: AlertmanagerProps = {},
  configure?: (a: Alertmanager) => void,
) {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: 'observability' });
  const alertmanager = new Alertmanager(chart, 'alertmanager', props);
  configure?.(alertmanager);
  const objs = Testing.synth(chart);
  const find = (kind: string, name?: string) =>
    objs.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  // By content and kind, not name: `props.name` may rename them.
  const text = objs.find((o) => o.kind === 'ConfigMap' && o.data?.['alertmanager.yml']).data[
    'alertmanager.yml'
  ] as string;
  const config = parse(text);
  const sts = find('StatefulSet');
  const pod = sts.spec.template.spec;
  const receiver = (name: string) => config.receivers.find((r: any) => r.name === name);
  return {
    alertmanager,
    objs,
    find,
    config,
    text,
    sts,
    pod,
    container: pod.containers[0],
    receiver,
  };
}
