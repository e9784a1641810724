import { Testing } from 'cdk8s';
import {
  KibanaAlertRuleOptions,
  kibanaAlertRules,
  resolveKibanaAlertRuleOptions,
  RuleDuration,
} from '../lib/kibana/kibana-alert-rules';

const rules = (options: KibanaAlertRuleOptions = {}) =>
  kibanaAlertRules(resolveKibanaAlertRuleOptions(Testing.chart(), options));
const rule = (id: string, options?: KibanaAlertRuleOptions) =>
  rules(options).find((r) => r.id === id)!;
const resolve = (options: KibanaAlertRuleOptions, prefix?: string) => () =>
  resolveKibanaAlertRuleOptions(Testing.chart(), options, prefix);

/** Top-level keys the alerting API's request schemas accept (create: v1 createBodySchema, update: updateBodySchema). */
const CREATE_KEYS = [
  'name',
  'rule_type_id',
  'enabled',
  'consumer',
  'tags',
  'throttle',
  'params',
  'schedule',
  'actions',
  'notify_when',
  'alert_delay',
  'flapping',
  'dashboards',
];
const UPDATE_KEYS = [
  'name',
  'tags',
  'schedule',
  'throttle',
  'params',
  'actions',
  'notify_when',
  'alert_delay',
  'flapping',
  'artifacts',
];

describe('kibanaAlertRules', () => {
  test('has the error burst and the critical log rule, with stable ids', () => {
    expect(rules().map((r) => r.id)).toEqual([
      'observability-error-burst',
      'observability-critical-log',
    ]);
    expect(rules()).toEqual(rules());
  });

  test('error burst: more than 10 ERROR logs of one service in 5 minutes', () => {
    const { params } = rule('observability-error-burst').create;
    expect(params).toMatchObject({
      searchType: 'esQuery',
      index: ['logs-*'],
      timeField: '@timestamp',
      aggType: 'count',
      threshold: [10],
      thresholdComparator: '>',
      timeWindowSize: 5,
      timeWindowUnit: 'm',
      groupBy: 'top',
      termField: 'service.name',
      termSize: 100,
      excludeHitsFromPreviousRun: false,
    });
    expect(JSON.parse(params.esQuery)).toEqual({
      query: { bool: { filter: [{ terms: { 'log.level': ['ERROR', 'error'] } }] } },
    });
  });

  test('critical log: any CRITICAL log within 1 minute, not grouped', () => {
    const { params, name } = rule('observability-critical-log').create;
    expect(params).toMatchObject({
      threshold: [0],
      thresholdComparator: '>',
      timeWindowSize: 1,
      timeWindowUnit: 'm',
      groupBy: 'all',
    });
    expect(params.termField).toBeUndefined();
    expect(JSON.parse(params.esQuery).query.bool.filter[0].terms['log.level']).toEqual([
      'CRITICAL',
      'critical',
    ]);
    expect(name).toBe('Critical log: any CRITICAL log within 1m');
  });

  test('creates enabled Elasticsearch query rules of the stack alerts consumer, checked every minute, without actions', () => {
    for (const { create } of rules()) {
      expect(create).toMatchObject({
        rule_type_id: '.es-query',
        consumer: 'stackAlerts',
        enabled: true,
        schedule: { interval: '1m' },
        actions: [],
      });
      expect(Object.keys(create).filter((k) => !CREATE_KEYS.includes(k))).toEqual([]);
    }
  });

  test('the update body leaves out what the update API refuses and keeps the rest of the create body', () => {
    for (const { create, update } of rules()) {
      expect(Object.keys(update).filter((k) => !UPDATE_KEYS.includes(k))).toEqual([]);
      expect(update).not.toHaveProperty('rule_type_id');
      expect(update).not.toHaveProperty('consumer');
      expect(update).not.toHaveProperty('enabled');
      const { rule_type_id: _type, consumer: _consumer, enabled: _enabled, ...rest } = create;
      expect(update).toEqual(rest);
    }
  });

  test('every es query holds a query, as the rule type requires', () => {
    for (const { create } of rules())
      expect(JSON.parse(create.params.esQuery)).toHaveProperty('query');
  });

  test('takes thresholds, windows, intervals, tags and enabled from the options', () => {
    const all = rules({
      errorBurst: {
        threshold: 25,
        window: RuleDuration.minutes(10),
        checkInterval: RuleDuration.seconds(30),
        maxServices: 20,
      },
      criticalLog: {
        threshold: 2,
        window: RuleDuration.seconds(90),
        checkInterval: RuleDuration.seconds(30),
      },
      enabled: false,
      tags: ['team-a'],
    });
    const [burst, critical] = all.map((r) => r.create);
    expect(burst).toMatchObject({
      name: 'Error burst: more than 25 ERROR logs of one service in 10m',
      enabled: false,
      tags: ['team-a'],
      schedule: { interval: '30s' },
      params: { threshold: [25], timeWindowSize: 10, timeWindowUnit: 'm', termSize: 20 },
    });
    expect(critical).toMatchObject({
      name: 'Critical logs: more than 2 CRITICAL logs within 90s',
      schedule: { interval: '30s' },
      params: { threshold: [2], timeWindowSize: 90, timeWindowUnit: 's' },
    });
  });
});

describe('resolveKibanaAlertRuleOptions', () => {
  test.each([[-1], [1.5], [Number.NaN]])('fails on an error burst threshold of %s', (threshold) => {
    expect(resolve({ errorBurst: { threshold } })).toThrow(
      /'errorBurst\.threshold' must be an integer/,
    );
  });

  test('fails on an empty window', () => {
    expect(resolve({ criticalLog: { window: RuleDuration.minutes(0) } })).toThrow(
      /'criticalLog\.window' must be an integer/,
    );
  });

  test('fails when the rule is checked less often than its window', () => {
    expect(
      resolve({
        errorBurst: { window: RuleDuration.minutes(5), checkInterval: RuleDuration.minutes(10) },
      }),
    ).toThrow(/'errorBurst\.checkInterval' must not be longer than the window \(5m\)/);
  });

  test.each([[0], [1001]])('fails on maxServices %s', (maxServices) => {
    expect(resolve({ errorBurst: { maxServices } })).toThrow(
      /'errorBurst\.maxServices' must be an integer between 1 and 1000/,
    );
  });

  test('fails on empty tags', () => {
    expect(resolve({ tags: ['logs', ' '] })).toThrow(/'tags' must not contain empty tags/);
  });

  test('names the option under the caller prefix', () => {
    expect(resolve({ criticalLog: { threshold: -5 } }, 'alertRules')).toThrow(
      /'alertRules\.criticalLog\.threshold'/,
    );
  });
});

describe('RuleDuration', () => {
  test('renders Kibana duration strings and compares in seconds', () => {
    expect(
      [
        RuleDuration.seconds(30),
        RuleDuration.minutes(5),
        RuleDuration.hours(1),
        RuleDuration.days(2),
      ].map(String),
    ).toEqual(['30s', '5m', '1h', '2d']);
    expect(RuleDuration.hours(1).toSeconds()).toBe(RuleDuration.minutes(60).toSeconds());
  });
});
