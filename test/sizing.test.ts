import { parse } from 'yaml';
import {
  ConfigError,
  DEFAULT_LOG_CLASSES,
  LogClass,
  LogClassMatch,
  planCapacity,
  SizingInput,
  withLogRetention,
} from '../lib';
import { parseSizingArgs, WORKED_EXAMPLES } from '../bench/sizing';
import { find } from './support/environments';
import { synthStack } from './support/objects';

// Shared by the hand derivations below: GiB = GB x 10^9 / 2^30; disk headroom factor =
// (1 + 0.1 margin) / 0.85 low watermark = 1.294118; an index class keeps retention + 1 days
// (daily rollover, deletion counted from rollover); index size = 1.1 x raw.

/** The default classes with these ingest shares. */
const shares = (given: Record<string, number>): LogClass[] =>
  DEFAULT_LOG_CLASSES.map((c) =>
    given[c.name] === undefined ? c : { ...c, ingestShare: given[c.name] },
  );

describe('planCapacity: worked examples', () => {
  test('dev, 100 MB/day without replicas, fits one 1 GiB node with the 5 GiB disk floor', () => {
    // primaries/day: all 0.1 x 0.85 x 1.1 = 0.0935 GB; errors, trades, ai 0.1 x 0.05 x 1.1 = 0.0055 GB
    // stored: 0.0935 x 3 + 0.0055 x 8 + 0.0055 x 8 + 0.0055 x 3 = 0.385 GB (one copy)
    // disk: 0.385 GB = 0.3586 GiB x 1.294 = 0.464 GiB -> 1 GiB node holds 30 GiB: 1 node; floor 5 GiB
    // shards: 1 primary per class per day x (3 + 8 + 8 + 3) days = 22
    const { elasticsearch: es, logstash, prometheus } = planCapacity(WORKED_EXAMPLES[0].input);
    expect(es.storedGb).toBeCloseTo(0.385, 6);
    expect(es).toMatchObject({
      dataNodes: 1,
      replicas: 0,
      memoryGiB: 1,
      heapMiB: 512,
      heapRatio: 0.5,
      cpuMillis: 250,
      diskGiB: 5,
      shardsPerNode: 22,
    });
    expect(es.indexClasses.all.primaryShardsPerDailyIndex).toBe(1);
    // events: 10^8 B / 1024 B / 86400 s = 1.13/s, peak 3 x = 3.39/s -> one worker, 200m floor, no spare pod
    expect(logstash.averageEventsPerSecond).toBeCloseTo(1.1303, 3);
    expect(logstash).toMatchObject({ replicas: 1, pipelineWorkers: 1, cpuMillis: 200 });
    // 20000 series / 15 s = 1333.3 samples/s x 2 days x 86400 s x 2 B = 0.46 GB = 0.43 GiB -> 1 GiB; volume 1 / 0.8 -> 2 GiB
    expect(prometheus).toMatchObject({ retentionSizeGiB: 1, volumeGiB: 2 });
    expect(prometheus!.samplesPerSecond).toBeCloseTo(1333.33, 1);
  });

  test('50 GB/day with one replica needs five 64 GiB data nodes of 1346 GiB', () => {
    // primaries/day: all 46.75 GB, the other classes 2.75 GB each
    // stored: 2 copies x (46.75 x 31 + 2.75 x 91 + 2.75 x 366 + 2.75 x 31) = 2898.5 + 500.5 + 2013 + 170.5 = 5582.5 GB
    // disk: 5582.5 GB = 5199.1 GiB x 1.294 = 6728.3 GiB; 32 GiB nodes hold 960 GiB (8 nodes > 3),
    //   64 GiB nodes 1920 GiB: 4 nodes, made odd (data nodes vote) = 5; 6728.3 / 5 -> 1346 GiB
    // heap min(32 GiB, 26 GiB) = 26624 MiB; CPU 64 / 8 = 8 cores
    // shard copies: 2 x (31 + 91 + 366 + 31) = 1038 -> 208 per node
    const { elasticsearch: es, logstash, prometheus } = planCapacity(WORKED_EXAMPLES[1].input);
    expect(es.storedGb).toBeCloseTo(5582.5, 6);
    expect(es).toMatchObject({
      dataNodes: 5,
      replicas: 1,
      memoryGiB: 64,
      heapMiB: 26624,
      heapRatio: 0.40625,
      cpuMillis: 8000,
      diskGiB: 1346,
      shardsPerNode: 208,
    });
    // 50 x 10^9 / 1024 / 86400 = 565.1 events/s, peak 1695.4 -> 2 workers in one pod, plus a spare pod; 1.70 cores
    expect(logstash).toMatchObject({ replicas: 2, pipelineWorkers: 2, cpuMillis: 1700 });
    // 200000 / 15 = 13333.3 samples/s x 15 d x 86400 x 2 B = 34.56 GB = 32.2 GiB -> 33 GiB; volume 33 / 0.8 -> 42 GiB
    expect(prometheus).toMatchObject({ retentionSizeGiB: 33, volumeGiB: 42 });
  });

  test('1 TB/day with dedicated masters needs 71 data nodes and 19 primary shards per daily index of all', () => {
    // primaries/day: all 935 GB (935 / 50 -> 19 shards), the others 55 GB (2 shards)
    // stored: 2 x (935 x 31 + 55 x 91 + 55 x 366 + 55 x 31) = 57970 + 10010 + 40260 + 3410 = 111650 GB
    // disk: 111650 GB = 103982.6 GiB x 1.294 = 134565.7 GiB / 1920 per 64 GiB node = 70.09 -> 71 (masters vote, no odd rule)
    //   134565.7 / 71 -> 1896 GiB per node
    // shard copies: 2 x (19 x 31 + 2 x 91 + 2 x 366 + 2 x 31) = 3130 -> 45 per node
    const { elasticsearch: es, logstash, prometheus } = planCapacity(WORKED_EXAMPLES[2].input);
    expect(es.storedGb).toBeCloseTo(111650, 6);
    expect(es).toMatchObject({
      dataNodes: 71,
      memoryGiB: 64,
      heapMiB: 26624,
      diskGiB: 1896,
      shardsPerNode: 45,
    });
    expect(es.indexClasses.all.primaryShardsPerDailyIndex).toBe(19);
    expect(es.indexClasses.trades.primaryShardsPerDailyIndex).toBe(2);
    // 10^12 / 1024 / 86400 = 11302.8 events/s, peak 33908.4 -> 34 workers = 9 pods of 4 (+1 spare); 3.77 cores each
    expect(logstash).toMatchObject({ replicas: 10, pipelineWorkers: 4, cpuMillis: 3800 });
    // 10^6 / 15 = 66666.7 samples/s x 15 d x 86400 x 2 B = 172.8 GB = 160.9 GiB -> 161 GiB; volume 161 / 0.8 -> 202 GiB
    expect(prometheus).toMatchObject({ retentionSizeGiB: 161, volumeGiB: 202 });
  });

  test('without a Prometheus load there is no Prometheus plan', () => {
    expect(planCapacity({ ingestGbPerDay: 1 }).prometheus).toBeUndefined();
  });

  test('index classes partition the ingest: all gets what errors, trades and ai leave', () => {
    const { indexClasses } = planCapacity({
      ingestGbPerDay: 10,
      logClasses: shares({ errors: 0.1, trades: 0.2, ai: 0 }),
    }).elasticsearch;
    expect(indexClasses.all.share).toBeCloseTo(0.7, 9);
    expect(indexClasses.all.primaryGbPerDay).toBeCloseTo(10 * 0.7 * 1.1, 9);
  });

  test('the default table plans 0.05 of the ingest for errors, trades and ai each, the rest in all', () => {
    const { indexClasses } = planCapacity({ ingestGbPerDay: 10 }).elasticsearch;
    expect(Object.keys(indexClasses)).toEqual(['all', 'errors', 'trades', 'ai']);
    expect(
      Object.fromEntries(
        Object.entries(indexClasses).map(([name, c]) => [name, [c.share, c.retentionDays]]),
      ),
    ).toEqual({
      all: [expect.closeTo(0.85, 9), 30],
      errors: [0.05, 90],
      trades: [0.05, 365],
      ai: [0.05, 30],
    });
  });

  test('a class of its own table is planned with its share and retention, and a class without a share gets 0.05', () => {
    const logClasses: LogClass[] = [
      {
        name: 'audit',
        match: LogClassMatch.fieldEquals('event.category', ['authentication']),
        retention: '400d',
        ingestShare: 0.2,
      },
      { name: 'payments', match: LogClassMatch.domain('payments'), retention: '60d' },
      { name: 'rest', match: LogClassMatch.everything(), retention: '7d' },
    ];
    const { indexClasses } = planCapacity({ ingestGbPerDay: 10, logClasses }).elasticsearch;
    expect(indexClasses.audit).toMatchObject({ share: 0.2, retentionDays: 400 });
    expect(indexClasses.audit.storedGb).toBeCloseTo(10 * 0.2 * 1.1 * 401 * 2, 6);
    expect(indexClasses.payments).toMatchObject({ share: 0.05, retentionDays: 60 });
    expect(indexClasses.rest.share).toBeCloseTo(0.75, 9);
  });

  test('two replicas need three data nodes even for a trickle', () => {
    expect(planCapacity({ ingestGbPerDay: 0.01, replicas: 2 }).elasticsearch.dataNodes).toBe(3);
    expect(
      planCapacity({ ingestGbPerDay: 0.01, replicas: 1, dedicatedMasters: true }).elasticsearch
        .dataNodes,
    ).toBe(2);
  });
});

describe('planCapacity: monotonicity', () => {
  const total = (input: SizingInput) => {
    const { elasticsearch: es, logstash, prometheus } = planCapacity(input);
    return {
      nodes: es.dataNodes,
      disk: es.dataNodes * es.diskGiB,
      memory: es.memoryGiB,
      workers: logstash.replicas * logstash.pipelineWorkers,
      prometheus: prometheus?.volumeGiB ?? 0,
    };
  };
  const neverLess = (a: ReturnType<typeof total>, b: ReturnType<typeof total>) => {
    expect(b.nodes).toBeGreaterThanOrEqual(a.nodes);
    expect(b.disk).toBeGreaterThanOrEqual(a.disk);
    expect(b.memory).toBeGreaterThanOrEqual(a.memory);
    expect(b.workers).toBeGreaterThanOrEqual(a.workers);
  };

  test('more ingest never gives fewer nodes, less disk, less memory or fewer workers', () => {
    const volumes = Array.from({ length: 400 }, (_, i) => 0.05 * 1.04 ** i); // 0.05 GB .. ~330 TB/day
    for (const replicas of [0, 1, 2]) {
      for (let i = 1; i < volumes.length; i++) {
        neverLess(
          total({ ingestGbPerDay: volumes[i - 1], replicas }),
          total({ ingestGbPerDay: volumes[i], replicas }),
        );
      }
    }
  });

  test('longer retention never gives fewer nodes or less disk', () => {
    for (const gb of [0.1, 5, 50, 1000]) {
      for (let days = 2; days <= 400; days += 7) {
        const before = total({
          ingestGbPerDay: gb,
          logClasses: withLogRetention(DEFAULT_LOG_CLASSES, {
            all: `${days - 1}d`,
            trades: `${days - 1}d`,
          }),
        });
        const after = total({
          ingestGbPerDay: gb,
          logClasses: withLogRetention(DEFAULT_LOG_CLASSES, {
            all: `${days}d`,
            trades: `${days}d`,
          }),
        });
        neverLess(before, after);
      }
    }
  });

  test('more series or longer metric retention never gives a smaller Prometheus volume', () => {
    let last = 0;
    for (let series = 1000; series < 5_000_000; series *= 1.3) {
      const volume = total({
        ingestGbPerDay: 1,
        prometheus: { activeSeries: Math.round(series) },
      }).prometheus;
      expect(volume).toBeGreaterThanOrEqual(last);
      last = volume;
    }
    for (let days = 1, previous = 0; days < 400; days += 3) {
      const volume = total({
        ingestGbPerDay: 1,
        prometheus: { activeSeries: 100_000, retention: `${days}d` },
      }).prometheus;
      expect(volume).toBeGreaterThanOrEqual(previous);
      previous = volume;
    }
  });
});

describe('planCapacity: bad input', () => {
  test('fails when ingestGbPerDay is zero', () => {
    expect(() => planCapacity({ ingestGbPerDay: 0 })).toThrow(
      /'ingestGbPerDay' must be a finite number above zero, got 0 \(give a positive number\)/,
    );
  });

  test('fails when ingestGbPerDay is negative', () => {
    expect(() => planCapacity({ ingestGbPerDay: -5 })).toThrow(/'ingestGbPerDay'.*got -5/);
  });

  test('fails when ingestGbPerDay is NaN', () => {
    expect(() => planCapacity({ ingestGbPerDay: NaN })).toThrow(ConfigError);
  });

  test('fails when a share is above 1', () => {
    expect(() => planCapacity({ ingestGbPerDay: 1, logClasses: shares({ errors: 1.5 }) })).toThrow(
      /'logClasses\[0\]\.ingestShare' must be a share between 0 and 1, got 1.5/,
    );
  });

  test('fails when the routed shares take more than the whole ingest', () => {
    expect(() =>
      planCapacity({ ingestGbPerDay: 1, logClasses: shares({ errors: 0.6, trades: 0.5 }) }),
    ).toThrow(/'logClasses' gives errors, trades, ai 1.15 of the ingest.*all takes the rest/);
  });

  test('fails when all four shares do not add up to 1', () => {
    expect(() =>
      planCapacity({
        ingestGbPerDay: 1,
        logClasses: shares({ all: 0.5, errors: 0.1, trades: 0.1, ai: 0.1 }),
      }),
    ).toThrow(
      /'logClasses' has ingest shares adding up to 0.8, but every event is in exactly one log class/,
    );
  });

  test('fails when a retention is not a whole number of days', () => {
    expect(() =>
      planCapacity({
        ingestGbPerDay: 1,
        logClasses: withLogRetention(DEFAULT_LOG_CLASSES, { trades: '0d' }),
      }),
    ).toThrow(/'logClasses\[1\]\.retention' must be at least 1d and at most 3650d, got '0d'/);
  });

  test('fails when the Prometheus retention is not a whole number of days', () => {
    expect(() =>
      planCapacity({ ingestGbPerDay: 1, prometheus: { activeSeries: 1000, retention: '1d12h' } }),
    ).toThrow(/'prometheus\.retention' is not a whole number of days, got '1d12h'/);
  });

  test('fails when replicas is fractional', () => {
    expect(() => planCapacity({ ingestGbPerDay: 1, replicas: 1.5 })).toThrow(
      /'replicas' must be an integer between 0 and 10/,
    );
  });

  test('fails when the peak is below the average rate', () => {
    expect(() => planCapacity({ ingestGbPerDay: 50, peakEventsPerSecond: 100 })).toThrow(
      /'peakEventsPerSecond' is below the daily average of 565.1 events\/s/,
    );
  });

  test('fails when averageEventBytes is zero', () => {
    expect(() => planCapacity({ ingestGbPerDay: 1, averageEventBytes: 0 })).toThrow(
      /'averageEventBytes' must be a finite number above zero/,
    );
  });

  test('fails when activeSeries is zero', () => {
    expect(() => planCapacity({ ingestGbPerDay: 1, prometheus: { activeSeries: 0 } })).toThrow(
      /'prometheus.activeSeries' must be an integer at least 1/,
    );
  });

  test('fails when the scrape interval is zero', () => {
    expect(() =>
      planCapacity({
        ingestGbPerDay: 1,
        prometheus: { activeSeries: 10, scrapeInterval: '0s' },
      }),
    ).toThrow(/'prometheus.scrapeInterval' must be longer than 0s, got '0s'/);
  });

  test('names props with the prefix it is given', () => {
    expect(() => planCapacity({ ingestGbPerDay: -1 }, { propPrefix: 'sizing.' })).toThrow(
      /'sizing.ingestGbPerDay'/,
    );
  });
});

describe('the sizing CLI arguments', () => {
  test('read the load, class pairs and the Prometheus options', () => {
    expect(
      parseSizingArgs([
        '--gb-per-day',
        '1000',
        '--replicas=1',
        '--shares',
        'errors=0.1,ai=0',
        '--series',
        '5000',
        '--dedicated-masters',
      ]),
    ).toEqual({
      ingestGbPerDay: 1000,
      replicas: 1,
      logClasses: shares({ errors: 0.1, ai: 0 }),
      dedicatedMasters: true,
      peakEventsPerSecond: undefined,
      averageEventBytes: undefined,
      prometheus: {
        activeSeries: 5000,
        scrapeInterval: undefined,
        retention: undefined,
      },
    });
  });

  test('apply --retention to the default classes and reject a class the table does not have', () => {
    const input = parseSizingArgs(['--gb-per-day', '1', '--retention', 'trades=30d']);
    expect(input.logClasses!.map((c) => [c.name, c.retention])).toEqual([
      ['errors', '90d'],
      ['trades', '30d'],
      ['ai', '30d'],
      ['all', '30d'],
    ]);
    expect(() => parseSizingArgs(['--gb-per-day', '1', '--shares', 'audit=0.1'])).toThrow(
      /--shares names 'audit', which is no class/,
    );
  });

  test('reject an unknown option', () => {
    expect(() => parseSizingArgs(['--gb-per-day', '1', '--gbs', '2'])).toThrow(
      /unknown option --gbs/,
    );
  });
});

describe('ObservabilityStack sizing', () => {
  const sizing: SizingInput = {
    ingestGbPerDay: 50,
    replicas: 1,
    prometheus: { activeSeries: 200_000 },
  };

  describe('given 50 GB/day with one replica and 200k series', () => {
    const { stack, objects } = synthStack({ sizing: { ...sizing, storageClassName: 'fast-ssd' } });
    const data = find(objects, 'StatefulSet', 'elasticsearch-node', 'observability')!;
    const container = data.spec.template.spec.containers[0];

    test('exposes the plan it applied', () => {
      expect(stack.capacityPlan).toEqual(planCapacity({ ...sizing, dedicatedMasters: false }));
    });

    test('runs the planned data nodes with their memory, CPU and heap', () => {
      expect(data.spec.replicas).toBe(5);
      expect(container.resources).toEqual({
        requests: { cpu: '8000m', memory: '64Gi' },
        limits: { memory: '64Gi' },
      });
      expect(container.env).toContainEqual({
        name: 'ES_JAVA_OPTS',
        value: '-Xms26624m -Xmx26624m',
      });
    });

    test('claims the planned disk per data node on the given StorageClass', () => {
      expect(data.spec.volumeClaimTemplates[0].spec).toMatchObject({
        storageClassName: 'fast-ssd',
        resources: { requests: { storage: '1346Gi' } },
      });
    });

    test('keeps one replica of every log index', () => {
      expect(stack.elasticsearchSetup.indexReplicas).toBe(1);
    });

    test('runs the planned Logstash replicas and pipeline workers', () => {
      expect(find(objects, 'StatefulSet', 'logstash', 'observability')!.spec.replicas).toBe(2);
      const pipelines = parse(
        find(objects, 'ConfigMap', 'logstash-config', 'observability')!.data['pipelines.yml'],
      );
      expect(pipelines[0]['pipeline.workers']).toBe(2);
      expect(stack.logstash!.resources.cpuRequest).toBe('1700m');
    });

    test('gives Prometheus the planned retention size and volume', () => {
      const prometheus = find(objects, 'StatefulSet', 'prometheus', 'observability')!;
      expect(prometheus.spec.template.spec.containers[0].args).toEqual(
        expect.arrayContaining([
          '--storage.tsdb.retention.time=15d',
          '--storage.tsdb.retention.size=33GB',
        ]),
      );
      expect(prometheus.spec.volumeClaimTemplates[0].spec).toMatchObject({
        storageClassName: 'fast-ssd',
        resources: { requests: { storage: '42Gi' } },
      });
    });
  });

  test("plans with the stack's log classes and scrape interval when sizing does not repeat them", () => {
    const { stack } = synthStack({
      sizing,
      logClasses: withLogRetention(DEFAULT_LOG_CLASSES, { trades: '30d' }),
      prometheus: { scrapeInterval: '30s' },
    });
    expect(stack.capacityPlan!.elasticsearch.indexClasses.trades.retentionDays).toBe(30);
    expect(stack.capacityPlan!.prometheus!.scrapeIntervalSeconds).toBe(30);
    expect(stack.elasticsearchSetup.logClasses.find((c) => c.name === 'trades')!.retention).toBe(
      '30d',
    );
  });

  test('plans with dedicated masters when the cluster has them', () => {
    const { stack } = synthStack({ sizing, elasticsearch: { masters: { replicas: 3 } } });
    expect(stack.elasticsearch.dataNodes).toBe(4);
    expect(stack.elasticsearch.nodeGroups.map((g) => g.replicas)).toEqual([3, 4]);
  });

  test('without sizing, there is no plan and the props apply as before', () => {
    const { stack } = synthStack({ elasticsearch: { data: { replicas: 3 } } });
    expect(stack.capacityPlan).toBeUndefined();
    expect(stack.elasticsearch.dataNodes).toBe(3);
    expect(stack.elasticsearchSetup.indexReplicas).toBe(1);
  });

  test('fails when elasticsearch.data is set as well', () => {
    expect(() => synthStack({ sizing, elasticsearch: { data: { replicas: 3 } } })).toThrow(
      /'elasticsearch.data' is also set by 'sizing', which plans the data nodes.*\(remove elasticsearch.data to apply the plan, or remove sizing and size by hand\)/,
    );
  });

  test('fails when logstash.replicas is set as well', () => {
    expect(() => synthStack({ sizing, logstash: { replicas: 3 } })).toThrow(
      /'logstash.replicas' is also set by 'sizing'.*got 3/,
    );
  });

  test('fails when prometheus.storage is set as well as sizing.prometheus', () => {
    expect(() => synthStack({ sizing, prometheus: { storage: { size: '10Gi' } } })).toThrow(
      /'prometheus.storage' is also set by 'sizing'/,
    );
  });

  test("names the stack's logClasses prop when the shares of its classes exceed the ingest", () => {
    expect(() => synthStack({ sizing, logClasses: shares({ errors: 0.9, trades: 0.2 }) })).toThrow(
      /^observability: 'logClasses' gives errors, trades, ai 1.15 of the ingest/,
    );
  });

  test("plans with Prometheus' default scrape interval, which the plan leaves as it is", () => {
    const { stack, objects } = synthStack({ sizing });
    expect(stack.capacityPlan!.prometheus!.scrapeIntervalSeconds).toBe(15);
    expect(stack.prometheus.scrapeInterval).toBe('15s');
    const config = parse(
      find(objects, 'ConfigMap', 'prometheus-config', 'observability')!.data['prometheus.yml'],
    );
    expect(config.global.scrape_interval).toBe('15s');
  });

  test.each([
    ['scrapeInterval', '30s'],
    ['scrapeIntervalSeconds', 30],
  ])('fails when sizing.prometheus.%s is given: the scrape interval has one knob', (key, value) => {
    const prometheus = { activeSeries: 200_000, [key]: value } as { activeSeries: number };
    expect(() => synthStack({ sizing: { ...sizing, prometheus } })).toThrow(
      new RegExp(
        `'sizing.prometheus.${key}' is not a sizing input: the plan uses Prometheus' own scrape interval, got .+ \\(set prometheus.scrapeInterval instead`,
      ),
    );
  });

  test("reports a bad scrape interval against prometheus.scrapeInterval, the stack's prop", () => {
    expect(() => synthStack({ sizing, prometheus: { scrapeInterval: '15' } })).toThrow(
      /^observability: 'prometheus.scrapeInterval' is not a Prometheus duration, got '15'/,
    );
  });

  test('fails when sizing.dedicatedMasters contradicts elasticsearch.masters', () => {
    expect(() => synthStack({ sizing: { ...sizing, dedicatedMasters: true } })).toThrow(
      /'sizing.dedicatedMasters' contradicts elasticsearch.masters, which is not set/,
    );
  });

  test('names the stack prop in the error of a bad sizing input', () => {
    expect(() => synthStack({ sizing: { ingestGbPerDay: -1 } })).toThrow(
      /observability: 'sizing.ingestGbPerDay' must be a finite number above zero/,
    );
  });
});
