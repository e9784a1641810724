import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { measuredDelayLines } from '../bench/latency-budget';
import { MeasuredDelay } from '../bench/measured-delay';
import { ConfigError } from '../lib/core/errors';
import { ElasticsearchSetup, renderIndexTemplate } from '../lib/elasticsearch';
import { Filebeat, FilebeatProps } from '../lib/filebeat';
import { Logstash, LogstashProps } from '../lib/logstash';
import { ObservabilityStack } from '../lib/stack/observability-stack';
import { environmentProfile } from '../stacks/environments';
import { FakeElasticsearchCluster } from './support/fake-elasticsearch';
import { ENVIRONMENTS, find, KubeObject, synthEnvironment } from './support/environments';
import { synthStack } from './support/objects';

// Footprint and latency budget: the worst-case delays computed from the
// generated configuration, held to the targets of docs/architecture.md#51-targets.

/** Seconds of a rendered duration (`2s`, `500ms`), parsed here so a wrong renderer cannot hide. */
function seconds(value: string): number {
  const m = /^(\d+)(ms|s)$/.exec(value);
  if (!m) throw new Error(`not a duration in s or ms: '${value}'`);
  return Number(m[1]) / (m[2] === 'ms' ? 1000 : 1);
}

/** The settings the log path is bounded by, read back from the synthesized objects. */
function renderedLogSettings(objects: KubeObject[]) {
  const filebeat = parse(
    find(objects, 'ConfigMap', 'filebeat-config', 'observability-agents')!.data['filebeat.yml'],
  );
  const input = filebeat['filebeat.inputs'][0];
  const logstashConfig = find(objects, 'ConfigMap', 'logstash-config', 'observability');
  const templates = objects
    .filter((o) => o.kind === 'ConfigMap')
    .flatMap((o) =>
      Object.entries<string>(o.data ?? {})
        .filter(([key]) => /^index-template\..+\.json$/.test(key))
        .map(([, body]) => JSON.parse(body)),
    );
  return {
    backoffMax: seconds(input['backoff.max']),
    scanInterval: seconds(input['prospector.scanner.check_interval']),
    queueFlush: seconds(filebeat['queue.mem.flush.timeout']),
    batchDelay: logstashConfig
      ? parse(logstashConfig.data['logstash.yml'])['pipeline.batch.delay'] / 1000
      : undefined,
    refreshIntervals: templates.map((t) => seconds(t.template.settings['index.refresh_interval'])),
  };
}

describe.each(ENVIRONMENTS)('the %s environment', (env) => {
  const { stack, objects } = synthEnvironment(env);
  const budget = stack.latencyBudget;

  test('makes a line of a running container searchable within the 5 s target', () => {
    expect(budget.logs.targetSeconds).toBe(5);
    expect(budget.logs.totalSeconds).toBeLessThanOrEqual(5);
    expect(stack.logSearchableBoundSeconds).toBe(budget.logs.totalSeconds);
  });

  test('makes the first lines of a new container searchable within 5 s too', () => {
    expect(budget.logsNewFile.totalSeconds).toBeLessThanOrEqual(5);
    expect(budget.logsNewFile.withinTarget).toBe(true);
  });

  test('delivers an alert within the 30 s target, and agrees with alertDeliveryBoundSeconds for a rule without for', () => {
    expect(budget.alerts.targetSeconds).toBe(30);
    expect(budget.alerts.totalSeconds).toBeLessThanOrEqual(30);
    expect(budget.alerts.parts.map((p) => p.name)).toEqual([
      'scrape',
      'rule evaluation',
      '`for` of the fastest rule',
      'group wait',
    ]);
    expect(budget.alerts.parts[2].seconds).toBe(0);
    expect(budget.alerts.totalSeconds).toBe(stack.alertDeliveryBoundSeconds);
  });

  test('computes the log budget from exactly the values in filebeat.yml, logstash.yml and the index templates', () => {
    const rendered = renderedLogSettings(objects);
    const part = (name: RegExp) => budget.logs.parts.find((p) => name.test(p.name))!.seconds;
    expect(part(/backoff/)).toBe(rendered.backoffMax);
    expect(budget.logsNewFile.parts.find((p) => /scan/.test(p.name))!.seconds).toBe(
      rendered.scanInterval,
    );
    expect(part(/queue flush/)).toBe(rendered.queueFlush);
    expect(part(/Logstash/)).toBe(rendered.batchDelay);
    // One per index class, and the dead-letter data stream's.
    expect(rendered.refreshIntervals).toHaveLength(5);
    for (const interval of rendered.refreshIntervals) expect(part(/refresh/)).toBe(interval);
    expect(budget.logs.totalSeconds).toBeCloseTo(
      rendered.backoffMax +
        rendered.queueFlush +
        rendered.batchDelay! +
        rendered.refreshIntervals[0],
      6,
    );
  });

  test('computes the alert budget from exactly the values in prometheus.yml and alertmanager.yml', () => {
    const prometheus = parse(
      find(objects, 'ConfigMap', 'prometheus-config')!.data['prometheus.yml'],
    );
    const alertmanager = parse(
      find(objects, 'ConfigMap', 'alertmanager-config')!.data['alertmanager.yml'],
    );
    const scrapes = [
      prometheus.global.scrape_interval,
      ...prometheus.scrape_configs.map((j: any) => j.scrape_interval).filter(Boolean),
    ];
    const [scrape, evaluation, , groupWait] = budget.alerts.parts.map((p) => p.seconds);
    expect(scrape).toBe(Math.max(...scrapes.map(seconds)));
    expect(evaluation).toBe(seconds(prometheus.global.evaluation_interval));
    expect(groupWait).toBe(seconds(alertmanager.route.group_wait));
  });
});

describe('the log budget follows the configuration', () => {
  test('with Logstash the path has four parts, without it three (Filebeat writes to Elasticsearch itself)', () => {
    const withLogstash = synthStack().stack.latencyBudget.logs;
    const direct = synthStack({ logstash: false }).stack.latencyBudget.logs;
    expect(withLogstash.parts.map((p) => p.name)).toEqual([
      'harvester backoff (line appended to an open file)',
      'Filebeat queue flush',
      'Logstash batch delay',
      'Elasticsearch refresh',
    ]);
    expect(direct.parts.map((p) => p.name)).toEqual([
      'harvester backoff (line appended to an open file)',
      'Filebeat queue flush',
      'Elasticsearch refresh',
    ]);
    expect(withLogstash.totalSeconds).toBe(3.05);
    expect(direct.totalSeconds).toBe(3);
  });

  test('a longer Filebeat backoff raises the bound and can break the 5 s target', () => {
    const { stack, objects } = synthStack({
      filebeat: { backoffMax: '4s', scanInterval: '4s' },
    });
    expect(renderedLogSettings(objects).backoffMax).toBe(4);
    expect(stack.logSearchableBoundSeconds).toBe(6.05);
    expect(stack.latencyBudget.logs.withinTarget).toBe(false);
  });

  test('the scan interval bounds only the new-file path', () => {
    const { stack } = synthStack({ filebeat: { scanInterval: '10s' } });
    expect(stack.latencyBudget.logsNewFile.totalSeconds).toBe(12.05);
    expect(stack.latencyBudget.logs.totalSeconds).toBe(3.05);
  });

  test('the queue flush timeout, the Logstash batch delay and the refresh interval each move the bound', () => {
    expect(
      synthStack({ filebeat: { queueFlushTimeout: '0s' } }).stack.logSearchableBoundSeconds,
    ).toBe(2.05);
    expect(synthStack({ logstash: { batchDelay: '250ms' } }).stack.logSearchableBoundSeconds).toBe(
      3.25,
    );
    const slowRefresh = synthStack({ logRefreshInterval: '30s' });
    expect(renderedLogSettings(slowRefresh.objects).refreshIntervals).toEqual([30, 30, 30, 30, 30]);
    expect(slowRefresh.stack.logSearchableBoundSeconds).toBe(32.05);
  });

  test('a longer evaluation_interval lengthens the alert budget by as much', () => {
    const stack = new ObservabilityStack(Testing.app(), 'observability', {
      ...environmentProfile('prod'),
      prometheus: { ...environmentProfile('prod').prometheus, evaluationInterval: '15s' },
    });
    expect(stack.latencyBudget.alerts.totalSeconds).toBe(35);
    expect(stack.latencyBudget.alerts.withinTarget).toBe(false);
  });
});

describe('rendered values', () => {
  test('filebeat.yml writes the backoff, the scan interval and the queue flush timeout out explicitly', () => {
    const filebeat = parse(
      find(synthStack().objects, 'ConfigMap', 'filebeat-config', 'observability-agents')!.data[
        'filebeat.yml'
      ],
    );
    const input = filebeat['filebeat.inputs'][0];
    expect([
      input['backoff.init'],
      input['backoff.max'],
      input['prospector.scanner.check_interval'],
      filebeat['queue.mem.flush.timeout'],
    ]).toEqual(['1s', '1s', '2s', '1s']);
  });

  test('sub-second values are written in milliseconds', () => {
    const filebeat = parse(
      find(
        synthStack({ filebeat: { backoffInit: '250ms', queueFlushTimeout: '500ms' } }).objects,
        'ConfigMap',
        'filebeat-config',
        'observability-agents',
      )!.data['filebeat.yml'],
    );
    expect(filebeat['filebeat.inputs'][0]['backoff.init']).toBe('250ms');
    expect(filebeat['queue.mem.flush.timeout']).toBe('500ms');
  });

  test('logstash.yml sets pipeline.batch.delay in milliseconds', () => {
    expect(
      parse(find(synthStack().objects, 'ConfigMap', 'logstash-config')!.data['logstash.yml'])[
        'pipeline.batch.delay'
      ],
    ).toBe(50);
  });

  test('each index template sets index.refresh_interval explicitly, which keeps idle shards refreshing', () => {
    expect(
      (renderIndexTemplate('all', { replicas: 0 }) as any).template.settings[
        'index.refresh_interval'
      ],
    ).toBe('1s');
    expect(
      (renderIndexTemplate('all', { replicas: 0, refreshIntervalSeconds: 0.5 }) as any).template
        .settings['index.refresh_interval'],
    ).toBe('500ms');
  });
});

describe('bad input', () => {
  const filebeat = (props: Partial<FilebeatProps>) => {
    const c = new Chart(Testing.app(), 'test', { namespace: 'observability' });
    return new Filebeat(c, 'filebeat', {
      elasticsearch: new FakeElasticsearchCluster(c),
      ...props,
    });
  };
  const logstash = (props: Partial<LogstashProps>) => {
    const c = new Chart(Testing.app(), 'test', { namespace: 'observability' });
    return new Logstash(c, 'logstash', {
      elasticsearch: new FakeElasticsearchCluster(c),
      ...props,
    });
  };

  test('fails when backoffInit is zero', () => {
    expect(() => filebeat({ backoffInit: '0s' })).toThrow(ConfigError);
    expect(() => filebeat({ backoffInit: '0s' })).toThrow(
      /'backoffInit' must be longer than 0s, got '0s' \(give a duration such as '1s'\)/,
    );
  });

  test('fails when backoffMax is below backoffInit', () => {
    expect(() => filebeat({ backoffInit: '2s', backoffMax: '1s' })).toThrow(
      /'backoffMax' must be at least backoffInit \(2s\), got '1s' \(raise backoffMax or lower backoffInit\)/,
    );
  });

  test("fails when backoffMax is above scanInterval (Filebeat's own rule)", () => {
    expect(() => filebeat({ backoffMax: '5s' })).toThrow(
      /'backoffMax' must be at most scanInterval \(2s\), got '5s' \(lower backoffMax or raise scanInterval\)/,
    );
  });

  test('fails when scanInterval is below 1 s', () => {
    expect(() => filebeat({ scanInterval: '500ms', backoffMax: '500ms' })).toThrow(
      /'scanInterval' must be at least 1s, got '500ms' \(scan at most once a second/,
    );
  });

  test('fails when a Filebeat duration is not a duration', () => {
    expect(() => filebeat({ queueFlushTimeout: '-1s' })).toThrow(
      /'queueFlushTimeout' is not a duration, got '-1s' \(give a duration such as '1s', or '0s' to send each event at once; write units/,
    );
    expect(() => filebeat({ backoffInit: '0.5s' })).toThrow(
      /'backoffInit' is not a duration, got '0.5s' .+such as '500ms'/,
    );
  });

  test('fails when batchDelay is zero or above 10 s', () => {
    expect(() => logstash({ batchDelay: '0ms' })).toThrow(
      /'batchDelay' must be longer than zero, got '0ms'/,
    );
    expect(() => logstash({ batchDelay: '12s' })).toThrow(
      /'batchDelay' must be at most 10s, got '12s'/,
    );
    expect(() => logstash({ batchDelay: '50' })).toThrow(
      /'batchDelay' is not a Prometheus duration/,
    );
  });

  test('fails when logRefreshInterval is -1 (refresh off: logs never searchable)', () => {
    expect(() => synthStack({ logRefreshInterval: '-1' })).toThrow(
      /observability: 'logRefreshInterval' is not a duration, got '-1' \(give a duration such as '1s': logs become searchable at most that long after they arrive; write units/,
    );
    expect(() => synthStack({ logRefreshInterval: '0s' })).toThrow(
      /observability: 'logRefreshInterval' must be longer than 0s and at most 5m, got '0s'/,
    );
  });

  test("fails when the setup Job's refreshInterval is above 5 minutes", () => {
    const c = new Chart(Testing.app(), 'test', { namespace: 'observability' });
    expect(
      () =>
        new ElasticsearchSetup(c, 'elasticsearch-setup', {
          elasticsearch: new FakeElasticsearchCluster(c),
          refreshInterval: '10m',
        }),
    ).toThrow(
      /test\/elasticsearch-setup: 'refreshInterval' must be longer than 0s and at most 5m, got '10m'/,
    );
  });
});

describe('measured delays beside the budget (npm run budget)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'measured-delay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const options = {
    environment: 'prod',
    beside: 'computed: change -> scrape at most 15 s',
    measureWith: 'npm run bench:metrics',
  };
  const metrics: MeasuredDelay = {
    runs: [{ behindScrape: 0.009 }, { behindScrape: 0.013 }, { behindScrape: 0.031 }],
    min: 0.009,
    median: 0.013,
    max: 0.031,
    date: '2026-12-01T20:16:01.131Z',
    command: 'npm run bench:metrics -- 3',
    environment: 'prod',
    figure: 'scrape -> queryable',
    targetSeconds: 1,
    figures: [{ name: 'change -> queryable', min: 0.793, median: 4.287, max: 13.44 }],
  };
  const written = (name: string, results: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(results));
    return file;
  };

  test('says a delay is not measured yet, and how to measure it, when its file is missing', () => {
    expect(measuredDelayLines(join(dir, 'metrics-delay.json'), 'metrics', options)).toEqual([
      'measured metrics: not measured yet (npm run bench:metrics)',
    ]);
  });

  test('prints the headline figure with its target verdict, the computed bound and the other figures', () => {
    expect(measuredDelayLines(written('metrics-delay.json', metrics), 'metrics', options)).toEqual([
      'measured metrics (3 runs, npm run bench:metrics -- 3, 2026-12-01T20:16:01.131Z): scrape -> queryable min 9 ms, median 13 ms, max 31 ms; ' +
        'target < 1 s: PASS; computed: change -> scrape at most 15 s',
      '  change -> queryable: min 793 ms, median 4.3 s, max 13.4 s',
    ]);
  });

  test('says FAIL when the slowest run misses the target', () => {
    const [first] = measuredDelayLines(
      written('slow-delay.json', { ...metrics, max: 1.2 }),
      'metrics',
      options,
    );
    expect(first).toMatch(/max 1\.2 s; target < 1 s: FAIL;/);
  });

  test('reads a file of the alert benchmark, which has no figure and no target, in the same way', () => {
    const alert = {
      alert: 'Http5xxErrorBurst',
      environment: 'prod',
      command: 'npm run bench:alerts -- 10',
      date: '2026-11-23T21:29:48.652Z',
      boundSeconds: 25,
      runs: [{ total: 10.9 }, { total: 22.047 }],
      min: 10.9,
      median: 13.3,
      max: 22.047,
    };
    expect(
      measuredDelayLines(written('alert-delay.json', alert), 'Http5xxErrorBurst', {
        ...options,
        beside: 'computed bound 25 s',
      }),
    ).toEqual([
      'measured Http5xxErrorBurst (2 runs, npm run bench:alerts -- 10, 2026-11-23T21:29:48.652Z): min 10.9 s, median 13.3 s, max 22.0 s; computed bound 25 s',
    ]);
  });

  test('only points at a measurement of another environment', () => {
    expect(
      measuredDelayLines(written('metrics-delay.json', metrics), 'metrics', {
        ...options,
        environment: 'dev',
      }),
    ).toEqual([`measured metrics: only for prod (${join(dir, 'metrics-delay.json')})`]);
  });

  test('fails, naming the file and the command, when the file is not a results file', () => {
    const file = written('broken-delay.json', { runs: 3 });
    expect(() => measuredDelayLines(file, 'metrics', options)).toThrow(
      new RegExp(
        `${file}.*runs: \\[\\.\\.\\.\\], min, median, max, date, command.*rerun npm run bench:metrics`,
      ),
    );
  });
});
