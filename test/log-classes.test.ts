import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  DEFAULT_LOG_CLASSES,
  DEFAULT_LOG_DOMAINS,
  LogClass,
  LogClassMatch,
  LogDomain,
  withLogRetention,
} from '../lib/core/log-classes';
import { ObservabilityStack, ObservabilityStackProps } from '../lib/stack/observability-stack';
import { environmentProfile } from '../stacks/environments';

const PAYMENTS: LogDomain = {
  name: 'payments',
  keys: ['payment_id'],
  words: ['payments', 'stripe'],
};
const CLASSES: LogClass[] = [
  {
    name: 'audit',
    match: LogClassMatch.fieldEquals('event.category', ['authentication']),
    retention: '400d',
    shards: 2,
    description: 'Sign-ins.',
  },
  ...DEFAULT_LOG_CLASSES.slice(0, 1),
  { name: 'payments', match: LogClassMatch.domain('payments'), retention: '2555d' },
  { name: 'all', match: LogClassMatch.everything(), retention: '30d' },
];

function stack(props: Partial<ObservabilityStackProps> = {}) {
  const app = Testing.app();
  const s = new ObservabilityStack(app, 'observability', {
    ...environmentProfile('staging'),
    ...props,
  });
  return { stack: s, objects: Testing.synth(s) as any[] };
}

const configMap = (objects: any[], name: string) =>
  objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);

describe('a table of its own drives every log component', () => {
  const { stack: s, objects } = stack({
    logClasses: CLASSES,
    filebeat: { logProcessing: { domains: [...DEFAULT_LOG_DOMAINS, PAYMENTS] } },
  });
  const setup = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('elasticsearch-setup'),
  );

  test('the setup Job makes an ILM policy and an index template per class, the catch-all first', () => {
    expect(s.elasticsearchSetup.policyNames).toEqual([
      'logs-all-retention',
      'logs-audit-retention',
      'logs-errors-retention',
      'logs-payments-retention',
      'logs-deadletter-retention',
    ]);
    const audit = JSON.parse(setup.data['ilm-policy.logs-audit-retention.json']);
    expect(audit.policy.phases.delete.min_age).toBe('400d');
    const template = JSON.parse(setup.data['index-template.logs-audit.json']);
    expect(template.index_patterns).toEqual(['logs-audit-*']);
    expect(template.template.settings).toMatchObject({
      'index.lifecycle.name': 'logs-audit-retention',
      'index.number_of_shards': 2,
    });
    expect(
      JSON.parse(setup.data['index-template.logs-payments.json']).template.settings[
        'index.number_of_shards'
      ],
    ).toBeUndefined();
    expect(setup.data['ilm-policy.logs-trades-retention.json']).toBeUndefined();
  });

  test('Filebeat classifies with the table and the domains, and routes each class to its data stream', () => {
    const config = parse(configMap(objects, 'filebeat-config').data['filebeat.yml']);
    const params = config.processors[2].script.params;
    expect(params.classes).toEqual([
      { name: 'audit', field: 'event.category', values: ['authentication'] },
      { name: 'errors', field: 'labels.severity_class', values: ['error'] },
      { name: 'payments', field: 'labels.event_domain', values: ['payments'] },
      { name: 'all' },
    ]);
    expect(params.domains.map((d: any) => d.name)).toEqual([
      'ai',
      'trading',
      'database',
      'cache',
      'api',
      'payments',
    ]);
    const routing = config.processors.filter((p: any) => p.add_fields?.target === 'data_stream');
    expect(
      routing.map((r: any) => [
        r.add_fields.when?.equals['labels.index_class'],
        r.add_fields.fields.dataset,
      ]),
    ).toEqual([
      [undefined, 'all'],
      ['audit', 'audit'],
      ['errors', 'errors'],
      ['payments', 'payments'],
    ]);
  });

  test('Logstash admits exactly the data streams of the table', () => {
    expect(s.logstash!.pipeline).toContain(
      'if !([data_stream][dataset] in ["all", "audit", "errors", "payments"]) {',
    );
  });

  test('Kibana gets a search per class but the catch-all', () => {
    expect(s.kibanaSetup.savedObjectIds).toEqual(
      expect.arrayContaining([
        'observability-logs-audit',
        'observability-errors',
        'observability-logs-payments',
      ]),
    );
    expect(s.kibanaSetup.savedObjectIds).not.toContain('observability-trading-activity');
  });
});

describe('the bundled environments use the default table', () => {
  test('with their own retention', () => {
    const days = (env: 'dev' | 'staging' | 'prod') =>
      new ObservabilityStack(
        Testing.app(),
        'observability',
        environmentProfile(env),
      ).logClasses.map((c) => [c.name, c.retention]);
    expect(days('dev')).toEqual([
      ['errors', '7d'],
      ['trades', '7d'],
      ['ai', '2d'],
      ['all', '2d'],
    ]);
    expect(days('staging')).toEqual([
      ['errors', '30d'],
      ['trades', '30d'],
      ['ai', '7d'],
      ['all', '7d'],
    ]);
    expect(days('prod')).toEqual([
      ['errors', '90d'],
      ['trades', '365d'],
      ['ai', '30d'],
      ['all', '30d'],
    ]);
  });
});

describe('a bad table fails at synth, naming the prop, the value and the fix', () => {
  const all: LogClass = { name: 'all', match: LogClassMatch.everything(), retention: '30d' };
  const errors: LogClass = {
    name: 'errors',
    match: LogClassMatch.severity('error'),
    retention: '90d',
  };
  const fails = (
    logClasses: LogClass[],
    message: RegExp,
    props: Partial<ObservabilityStackProps> = {},
  ) => expect(() => stack({ ...props, logClasses })).toThrow(message);

  test('without a catch-all', () => {
    fails(
      [errors],
      /^observability: 'logClasses\[0\]\.match' leaves events that no class takes \(the last class 'errors' is not a catch-all\).*\(end the list with a catch-all class/,
    );
  });

  test('with the catch-all not last', () => {
    fails(
      [all, errors],
      /'logClasses\[0\]\.match' makes 'all' the catch-all, but it is not the last class.*got 'LogClassMatch.everything\(\)' \(move the catch-all class to the end/,
    );
  });

  test('with an empty table', () => {
    fails([], /'logClasses' must list at least the catch-all class, got \[\]/);
  });

  test('with a name twice', () => {
    fails(
      [errors, { ...errors, match: LogClassMatch.severity('warning') }, all],
      /'logClasses\[1\]\.name' is the name of an earlier class as well, got 'errors' \(give every class its own name\)/,
    );
  });

  test('with the reserved dead-letter name', () => {
    fails(
      [{ ...errors, name: 'deadletter' }, all],
      /'logClasses\[0\]\.name' is the dead-letter data stream.*got 'deadletter'/,
    );
  });

  test('with a name that is no data stream dataset', () => {
    fails(
      [{ ...errors, name: 'Errors-2' }, all],
      /'logClasses\[0\]\.name' must be a data stream dataset.*got 'Errors-2'/,
    );
  });

  test('with a retention that is no whole number of days', () => {
    fails(
      withLogRetention(DEFAULT_LOG_CLASSES, { ai: '36h' }),
      /'logClasses\[2\]\.retention' is not a whole number of days, got '36h' \(write whole days, such as '2d'\)/,
    );
  });

  test('with a domain the script does not detect', () => {
    fails(
      [{ ...errors, match: LogClassMatch.domain('payments') }, all],
      /'logClasses\[0\]\.match\.values' has 'payments', which is not one of the domains the script detects \(ai, trading, database, cache, api, other\)/,
    );
  });

  test('with a severity the script does not write', () => {
    fails(
      [{ ...errors, match: LogClassMatch.severity('fatal' as any) }, all],
      /'logClasses\[0\]\.match\.values' has 'fatal', which is no severity/,
    );
  });

  test('with a value Filebeat would expand', () => {
    fails(
      [{ ...errors, match: LogClassMatch.fieldEquals('labels.team', ['$' + '{HOME}']) }, all],
      /'logClasses\[0\]\.match\.values'.*Filebeat would expand it/,
    );
  });

  test('with a bad domain', () => {
    expect(() =>
      stack({
        filebeat: {
          logProcessing: { domains: [{ name: 'pay', keys: ['Payment-Id'], words: [] }] },
        },
      }),
    ).toThrow(
      /'filebeat\.logProcessing\.domains\[0\]\.keys' has "Payment-Id"; key names are compared lower-cased/,
    );
    expect(() =>
      stack({
        filebeat: { logProcessing: { domains: [{ name: 'other', keys: ['x'], words: [] }] } },
      }),
    ).toThrow(/'filebeat\.logProcessing\.domains\[0\]\.name' must be lower-case letters/);
  });

  test('withLogRetention with a class the table does not have', () => {
    expect(() => withLogRetention(DEFAULT_LOG_CLASSES, { trade: '30d' })).toThrow(
      /'retention\.trade' names no class of the table \(errors, trades, ai, all\)/,
    );
  });
});

describe('alerts and panels only for what is deployed', () => {
  const text = (objects: any[], name: string) => JSON.stringify(configMap(objects, name).data);
  const alertNames = (objects: any[]): string[] =>
    parse(configMap(objects, 'prometheus-config').data['rules.yml'])
      .groups.flatMap((g: any) => g.rules.map((r: any) => r.alert))
      .filter(Boolean);

  test('without Logstash: no Logstash rule, panel or metric anywhere in Prometheus or Grafana', () => {
    const { objects } = stack({ logstash: false });
    expect(alertNames(objects).filter((a: string) => a.startsWith('Logstash'))).toEqual([]);
    expect(text(objects, 'prometheus-config')).not.toContain('logstash_');
    const health = JSON.parse(configMap(objects, 'grafana-dashboards').data['stack-health.json']);
    expect(health.panels.map((p: any) => p.title)).not.toContain('Logstash events in / out');
    expect(text(objects, 'grafana-dashboards')).not.toMatch(/logstash/i);
  });

  test('with Logstash, its rules and panel are there; the dead-letter queue rule only with the queue', () => {
    const { objects } = stack();
    expect(alertNames(objects)).toEqual(
      expect.arrayContaining(['LogstashPipelineStalled', 'LogstashDeadLetters']),
    );
    expect(alertNames(objects)).not.toContain('LogstashDeadLetterQueueDropping');
    expect(alertNames(stack({ logstash: { deadLetterQueue: true } }).objects)).toContain(
      'LogstashDeadLetterQueueDropping',
    );
    expect(
      JSON.parse(configMap(objects, 'grafana-dashboards').data['stack-health.json']).panels.map(
        (p: any) => p.id,
      ),
    ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  test('without the Elasticsearch exporter: no rule or panel on its metrics', () => {
    const { objects } = stack({ elasticsearchExporter: false });
    expect(
      alertNames(objects).filter(
        (a: string) => a.startsWith('Elasticsearch') || a === 'LogsDeadLettered',
      ),
    ).toEqual([]);
    expect(text(objects, 'prometheus-config')).not.toContain('elasticsearch_');
    const health = JSON.parse(configMap(objects, 'grafana-dashboards').data['stack-health.json']);
    expect(health.panels.map((p: any) => p.id)).toEqual([1, 2, 4, 5, 7, 8, 9, 10, 11, 12]);
    expect(text(objects, 'grafana-dashboards')).not.toContain('elasticsearch_');
  });

  test('without the Logstash or Filebeat exporter sidecar: no rule on their metrics', () => {
    const { objects } = stack({
      logstash: { ...(environmentProfile('staging').logstash as object), exporter: false },
      filebeat: { exporter: false },
    });
    expect(
      alertNames(objects).filter(
        (a: string) => a.startsWith('Logstash') || a.startsWith('Filebeat'),
      ),
    ).toEqual([]);
  });
});
