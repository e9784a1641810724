import { Testing } from 'cdk8s';
import { DEFAULT_LOG_CLASSES, LogClass, LogClassMatch } from '../lib/core/log-classes';
import { AI_COST_FIELD, aiCostScript, LOGS_DATA_VIEW_ID } from '../lib/kibana/kibana-data-view';
import { DASHBOARD_GRID_COLUMNS } from '../lib/kibana/kibana-dashboards';
import { renderLens, XySeriesType } from '../lib/kibana/kibana-lens';
import { canonicalJson, KibanaSavedObject, renderNdjson } from '../lib/kibana/kibana-ndjson';
import {
  KibanaContentOptions,
  kibanaSavedObjects,
  resolveKibanaContentOptions,
} from '../lib/kibana/kibana-saved-objects';

const scope = () => Testing.chart();
const generate = (options: KibanaContentOptions = {}) =>
  kibanaSavedObjects(resolveKibanaContentOptions(scope(), options));
const ofType = (objects: KibanaSavedObject[], type: string) =>
  objects.filter((o) => o.type === type);
const byId = (objects: KibanaSavedObject[], id: string) => {
  const found = objects.find((o) => o.id === id);
  if (!found) throw new Error(`no saved object '${id}'`);
  return found;
};
const attrs = (o: KibanaSavedObject) => o.attributes as any;
const json = (o: KibanaSavedObject, key: string) => JSON.parse(attrs(o)[key]);
const layers = (lens: KibanaSavedObject) =>
  attrs(lens).state.datasourceStates.formBased.layers as Record<string, any>;
const columns = (lens: KibanaSavedObject) =>
  Object.values(layers(lens))[0].columns as Record<string, any>;

/** The objects a dashboard's panels show, in panel order. */
function panelObjects(objects: KibanaSavedObject[], dashboardId: string): KibanaSavedObject[] {
  const dashboard = byId(objects, dashboardId);
  return json(dashboard, 'panelsJSON').map((panel: any) => {
    const ref = dashboard.references.find(
      (r) => r.name === `${panel.panelIndex}:${panel.panelRefName}`,
    )!;
    return byId(objects, ref.id);
  });
}

/** Runs the Painless cost script as JavaScript on one document (its syntax is close enough). */
function runCostScript(source: string, fields: Record<string, number>): number | undefined {
  let emitted: number | undefined;
  const doc = new Proxy(
    { containsKey: (f: string) => f in fields },
    {
      get: (target, key: string) =>
        key === 'containsKey' ? target.containsKey : { size: () => 1, value: fields[key] },
    },
  );
  const js = source.replace(/\bdouble |\bboolean /g, 'let ');
  new Function('doc', 'emit', js)(doc, (v: number) => {
    emitted = v;
  });
  return emitted;
}

describe('kibanaSavedObjects', () => {
  test('has the four dashboards the design lists', () => {
    const titles = ofType(generate(), 'dashboard').map((d) => attrs(d).title);
    expect(titles).toEqual([
      'Logs overview',
      'Error analysis',
      'API response time',
      'AI cost per day',
    ]);
  });

  test('the overview shows totals, error and warning counts, levels, logs per service and an error timeline', () => {
    const objects = generate();
    const panels = panelObjects(objects, 'observability-overview');
    const metrics = panels
      .filter((p) => attrs(p).visualizationType === 'lnsMetric')
      .map((p) => columns(p)['metric-0']);
    expect(metrics.map((c) => [c.operationType, c.filter?.query ?? ''])).toEqual([
      ['count', ''],
      ['count', expect.stringContaining('"ERROR"')],
      ['count', expect.stringContaining('"WARNING"')],
    ]);
    const donut = panels.find((p) => attrs(p).visualizationType === 'lnsPie')!;
    expect(columns(donut).slices).toMatchObject({
      operationType: 'terms',
      sourceField: 'log.level',
    });
    expect(attrs(donut).state.visualization.shape).toBe('donut');
    const perService = byId(objects, 'observability-logs-per-service');
    expect(columns(perService).x).toMatchObject({
      operationType: 'terms',
      sourceField: 'service.name',
    });
    const timeline = byId(objects, 'observability-error-timeline');
    expect(columns(timeline).x.operationType).toBe('date_histogram');
    expect(attrs(timeline).state.query.query).toContain('labels.severity_class: "error"');
  });

  test('error analysis shows top error types by service and recent stack traces', () => {
    const objects = generate();
    const panels = panelObjects(objects, 'observability-error-analysis');
    const table = panels.find((p) => attrs(p).visualizationType === 'lnsDatatable')!;
    expect([columns(table)['row-0'].sourceField, columns(table)['row-1'].sourceField]).toEqual([
      'service.name',
      'error.type',
    ]);
    const search = panels.find((p) => p.type === 'search')!;
    expect(attrs(search).columns).toContain('error.stack_trace');
    expect(
      json({ attributes: attrs(search).kibanaSavedObjectMeta } as any, 'searchSourceJSON').query
        .query,
    ).toContain('error.stack_trace: *');
  });

  test('API response time is the p95 of event.duration of API logs', () => {
    const panels = panelObjects(generate(), 'observability-api-response-time');
    for (const lens of panels) {
      expect(attrs(lens).state.query.query).toBe('labels.event_domain: "api"');
      expect(Object.values(columns(lens))).toContainEqual(
        expect.objectContaining({
          operationType: 'percentile',
          sourceField: 'event.duration',
          params: { percentile: 95 },
        }),
      );
    }
  });

  test('AI cost per day sums the cost runtime field in daily buckets', () => {
    const perDay = byId(generate(), 'observability-ai-cost-per-day');
    expect(columns(perDay).x).toMatchObject({
      operationType: 'date_histogram',
      params: { interval: '1d' },
    });
    expect(columns(perDay)['metric-0']).toMatchObject({
      operationType: 'sum',
      sourceField: AI_COST_FIELD,
    });
    expect(panelObjects(generate(), 'observability-ai-cost').map((o) => o.id)).toContain(
      'observability-ai-cost-per-day',
    );
  });

  test('every reference resolves to an object in the set', () => {
    const objects = generate();
    const missing = objects.flatMap((o) =>
      o.references
        .filter((r) => !objects.some((t) => t.type === r.type && t.id === r.id))
        .map((r) => `${o.id} -> ${r.type}/${r.id}`),
    );
    expect(missing).toEqual([]);
    expect(
      objects
        .filter((o) => o.type === 'lens')
        .every((o) => o.references[0].id === LOGS_DATA_VIEW_ID),
    ).toBe(true);
  });

  test('ids are unique, readable and the same on every run', () => {
    const ids = generate().map((o) => o.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^observability-[a-z0-9-]+$/.test(id))).toBe(true);
    expect(generate()).toEqual(generate());
    expect(renderNdjson(generate())).toBe(renderNdjson(generate()));
  });

  test('objects come before the objects that reference them', () => {
    const objects = generate();
    objects.forEach((o, i) => {
      for (const r of o.references) expect(objects.findIndex((t) => t.id === r.id)).toBeLessThan(i);
    });
  });

  test('every type carries migration versions Kibana 9 migrates from', () => {
    const versions = Object.fromEntries(
      generate().map((o) => [o.type, [o.coreMigrationVersion, o.typeMigrationVersion]]),
    );
    expect(versions).toEqual({
      'index-pattern': ['8.8.0', '8.0.0'],
      search: ['8.8.0', '8.0.0'],
      lens: ['8.8.0', '8.9.0'],
      dashboard: ['8.8.0', '8.9.0'],
    });
  });
});

describe('Lens visualizations', () => {
  test('every column in columnOrder exists, and every column is in columnOrder', () => {
    for (const lens of ofType(generate(), 'lens')) {
      for (const layer of Object.values(layers(lens))) {
        expect([...layer.columnOrder].sort()).toEqual(Object.keys(layer.columns).sort());
      }
    }
  });

  test('every column the visualization state names exists in its layer', () => {
    for (const lens of ofType(generate(), 'lens')) {
      const viz = attrs(lens).state.visualization;
      const vizLayers: any[] = viz.layers ?? [viz];
      for (const vizLayer of vizLayers) {
        const layer = layers(lens)[vizLayer.layerId];
        expect(layer).toBeDefined();
        const named = [
          vizLayer.metricAccessor,
          vizLayer.xAccessor,
          vizLayer.splitAccessor,
          ...(vizLayer.accessors ?? []),
          ...(vizLayer.primaryGroups ?? []),
          ...(vizLayer.metrics ?? []),
          ...(vizLayer.columns ?? []).map((c: any) => c.columnId),
        ].filter((id) => id !== undefined);
        expect(named.length).toBeGreaterThan(0);
        for (const id of named) expect(Object.keys(layer.columns)).toContain(id);
      }
    }
  });

  test('each layer is bound to the data view by an indexpattern-datasource-layer reference', () => {
    for (const lens of ofType(generate(), 'lens')) {
      for (const layerId of Object.keys(layers(lens))) {
        expect(lens.references).toContainEqual({
          name: `indexpattern-datasource-layer-${layerId}`,
          type: 'index-pattern',
          id: LOGS_DATA_VIEW_ID,
        });
      }
    }
  });

  test('terms are ordered by a metric column of the same layer', () => {
    for (const lens of ofType(generate(), 'lens')) {
      const cols = columns(lens);
      for (const col of Object.values(cols).filter((c: any) => c.operationType === 'terms')) {
        expect(cols[col.params.orderBy.columnId].isBucketed).toBe(false);
      }
    }
  });

  test('uses the visualization type of each chart kind', () => {
    const types = new Set(ofType(generate(), 'lens').map((l) => attrs(l).visualizationType));
    expect([...types].sort()).toEqual(['lnsDatatable', 'lnsMetric', 'lnsPie', 'lnsXY']);
  });

  test('a chart without a metric is refused', () => {
    expect(() =>
      renderLens(
        {
          id: 'x',
          title: 'x',
          chart: {
            type: 'xy',
            series: XySeriesType.LINE,
            x: { operation: 'date_histogram' },
            y: [],
          },
        },
        'dv',
      ),
    ).toThrow(/no metric/);
  });
});

describe('dashboards', () => {
  test('every panel has a reference named <panelIndex>:<panelRefName> of its type', () => {
    for (const dashboard of ofType(generate(), 'dashboard')) {
      const panels = json(dashboard, 'panelsJSON');
      expect(panels.length).toBe(dashboard.references.length);
      for (const panel of panels) {
        expect(panel.panelRefName).toBe(`panel_${panel.panelIndex}`);
        expect(panel.gridData.i).toBe(panel.panelIndex);
        const ref = dashboard.references.find(
          (r) => r.name === `${panel.panelIndex}:${panel.panelRefName}`,
        );
        expect(ref?.type).toBe(panel.type);
      }
    }
  });

  test('panels fit the 48-column grid and do not overlap', () => {
    for (const dashboard of ofType(generate(), 'dashboard')) {
      const grids = json(dashboard, 'panelsJSON').map((p: any) => p.gridData);
      for (const g of grids) expect(g.x + g.w).toBeLessThanOrEqual(DASHBOARD_GRID_COLUMNS);
      grids.forEach((a: any, i: number) =>
        grids.slice(i + 1).forEach((b: any) => {
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect(overlap).toBe(false);
        }),
      );
    }
  });

  test('open on a time range and refresh on their own', () => {
    const overview = attrs(byId(generate(), 'observability-overview'));
    expect(overview).toMatchObject({
      timeRestore: true,
      timeFrom: 'now-24h',
      timeTo: 'now',
      refreshInterval: { pause: false, value: 30000 },
    });
  });
});

describe('saved searches', () => {
  const source = (id: string) =>
    JSON.parse(attrs(byId(generate(), id)).kibanaSavedObjectMeta.searchSourceJSON);

  test('errors are ERROR or CRITICAL logs or events classified as errors', () => {
    const query = source('observability-errors').query;
    expect(query.language).toBe('kuery');
    expect(query.query).toBe(
      'log.level: ("ERROR" or "error" or "CRITICAL" or "critical") or labels.severity_class: "error"',
    );
  });

  test('trading activity is the trading event domain', () => {
    expect(source('observability-trading-activity').query.query).toBe(
      'labels.event_domain: "trading"',
    );
  });

  test('one search per class but the catch-all, in table order, then the stack traces; the default ids and titles are kept', () => {
    const searches = ofType(generate(), 'search');
    expect(searches.map((o) => [o.id, attrs(o).title])).toEqual([
      ['observability-errors', 'Errors'],
      ['observability-trading-activity', 'Trading activity'],
      ['observability-ai-requests', 'AI requests'],
      ['observability-recent-stack-traces', 'Recent stack traces'],
    ]);
    expect(source('observability-ai-requests').query.query).toBe('labels.event_domain: "ai"');
  });

  test('a class of its own table gets a search from its match and description', () => {
    const logClasses: LogClass[] = [
      {
        name: 'audit',
        match: LogClassMatch.fieldEquals('event.category', ['authentication', 'iam']),
        retention: '400d',
        description: 'Sign-ins and permission changes.',
      },
      {
        name: 'payments',
        match: LogClassMatch.domain('payments'),
        retention: '60d',
        search: { id: 'payments', title: 'Payments', columns: ['service.name', 'message'] },
      },
      { name: 'rest', match: LogClassMatch.everything(), retention: '7d' },
    ];
    const objects = generate({ logClasses });
    expect(ofType(objects, 'search').map((o) => o.id)).toEqual([
      'observability-logs-audit',
      'payments',
      'observability-recent-stack-traces',
    ]);
    const audit = attrs(byId(objects, 'observability-logs-audit'));
    expect(audit).toMatchObject({
      title: 'Logs: audit',
      description: 'Sign-ins and permission changes.',
    });
    expect(JSON.parse(audit.kibanaSavedObjectMeta.searchSourceJSON).query.query).toBe(
      'event.category: ("authentication" or "iam")',
    );
    const payments = attrs(byId(objects, 'payments'));
    expect(payments).toMatchObject({
      title: 'Payments',
      columns: ['service.name', 'message'],
      description: "Logs of the 'payments' log class.",
    });
    expect(JSON.parse(payments.kibanaSavedObjectMeta.searchSourceJSON).query.query).toBe(
      'labels.event_domain: "payments"',
    );
  });

  test('a quote in a matched value is escaped in the KQL', () => {
    const logClasses: LogClass[] = [
      { name: 'odd', match: LogClassMatch.fieldEquals('labels.team', ['a"b']), retention: '1d' },
      { name: 'all', match: LogClassMatch.everything(), retention: '1d' },
    ];
    const search = ofType(generate({ logClasses }), 'search')[0];
    expect(JSON.parse(attrs(search).kibanaSavedObjectMeta.searchSourceJSON).query.query).toBe(
      'labels.team: "a\\"b"',
    );
  });

  test('fails on a bad class table, naming logClasses', () => {
    expect(() =>
      generate({
        logClasses: [
          { name: 'all', match: LogClassMatch.everything(), retention: '30d' },
          { name: 'x', match: LogClassMatch.severity('error'), retention: '1d' },
        ],
      }),
    ).toThrow(/'logClasses\[0\]\.match' makes 'all' the catch-all, but it is not the last class/);
  });

  test('read the data view through their index reference, newest first', () => {
    for (const search of ofType(generate(), 'search')) {
      const meta = JSON.parse(attrs(search).kibanaSavedObjectMeta.searchSourceJSON);
      expect(search.references).toEqual([
        { name: meta.indexRefName, type: 'index-pattern', id: LOGS_DATA_VIEW_ID },
      ]);
      expect(attrs(search).sort).toEqual([['@timestamp', 'desc']]);
    }
  });
});

describe('the logs data view', () => {
  test('is logs-* on @timestamp with event.duration shown as a duration in nanoseconds', () => {
    const view = byId(generate(), LOGS_DATA_VIEW_ID);
    expect(view.type).toBe('index-pattern');
    expect(attrs(view)).toMatchObject({ title: 'logs-*', timeFieldName: '@timestamp' });
    expect(json(view, 'fieldFormatMap')['event.duration']).toMatchObject({
      id: 'duration',
      params: { inputFormat: 'nanoseconds' },
    });
  });

  test('shows trace.id as plain text without a Jaeger URL', () => {
    expect(json(byId(generate(), LOGS_DATA_VIEW_ID), 'fieldFormatMap')['trace.id']).toBeUndefined();
  });

  test('links trace.id to the Jaeger UI when its URL is given', () => {
    const formats = json(
      byId(generate({ jaegerUiUrl: 'https://jaeger.example.com/ui' }), LOGS_DATA_VIEW_ID),
      'fieldFormatMap',
    );
    expect(formats['trace.id']).toEqual({
      id: 'url',
      params: {
        type: 'a',
        urlTemplate: 'https://jaeger.example.com/ui/trace/{{value}}',
        labelTemplate: '{{value}}',
      },
    });
  });

  test('prices AI requests with the configured USD per million tokens', () => {
    const runtime = json(
      byId(
        generate({ aiPricing: { promptUsdPerMillion: 0.15, completionUsdPerMillion: 0.6 } }),
        LOGS_DATA_VIEW_ID,
      ),
      'runtimeFieldMap',
    );
    const field = runtime[AI_COST_FIELD];
    expect(field.type).toBe('double');
    expect(
      runCostScript(field.script.source, {
        'labels.prompt_tokens': 2_000_000,
        'labels.completion_tokens': 1_000_000,
      }),
    ).toBeCloseTo(0.9);
  });

  test('the default prices are 3 and 15 USD per million tokens, and logs without tokens cost nothing', () => {
    const source = aiCostScript(resolveKibanaContentOptions(scope()).aiPricing);
    expect(
      runCostScript(source, {
        'labels.prompt_tokens': 1_000_000,
        'labels.completion_tokens': 1_000_000,
      }),
    ).toBeCloseTo(18);
    expect(runCostScript(source, { 'labels.completion_tokens': 1000 })).toBeCloseTo(0.015);
    expect(runCostScript(source, {})).toBeUndefined();
  });
});

describe('renderNdjson', () => {
  test('writes one parseable object per line with sorted keys and a trailing newline', () => {
    const objects = generate();
    const text = renderNdjson(objects);
    expect(text.endsWith('}\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(objects.length);
    lines.forEach((line, i) => {
      const parsed = JSON.parse(line);
      expect(parsed.id).toBe(objects[i].id);
      expect(Object.keys(parsed)).toEqual([
        'attributes',
        'coreMigrationVersion',
        'id',
        'references',
        'type',
        'typeMigrationVersion',
      ]);
    });
  });

  test('gives the same text whatever order the keys were built in', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe('resolveKibanaContentOptions', () => {
  test.each([
    ['jaeger.example.com'],
    ['https://jaeger.example.com/'],
    ['ftp://jaeger.example.com'],
    ['https://jaeger.example.com/{{value}}'],
  ])('fails on jaegerUiUrl %s', (url) => {
    expect(() => resolveKibanaContentOptions(scope(), { jaegerUiUrl: url })).toThrow(
      /'jaegerUiUrl' must be an http\(s\) URL/,
    );
  });

  test.each([[0], [-1], [Number.NaN], [Number.POSITIVE_INFINITY], [20_000], [0.0000001]])(
    'fails on a prompt price of %s',
    (price) => {
      expect(() =>
        resolveKibanaContentOptions(scope(), { aiPricing: { promptUsdPerMillion: price } }),
      ).toThrow(/'aiPricing\.promptUsdPerMillion' must be a price in USD per million tokens/);
    },
  );

  test('names the option under the caller prefix', () => {
    expect(() =>
      resolveKibanaContentOptions(
        scope(),
        { aiPricing: { completionUsdPerMillion: -3 } },
        'content',
      ),
    ).toThrow(/'content\.aiPricing\.completionUsdPerMillion'/);
  });

  test('keeps a valid URL and partial prices over the defaults', () => {
    expect(
      resolveKibanaContentOptions(scope(), {
        jaegerUiUrl: 'http://jaeger:16686',
        aiPricing: { completionUsdPerMillion: 0.6 },
      }),
    ).toEqual({
      jaegerUiUrl: 'http://jaeger:16686',
      aiPricing: { promptUsdPerMillion: 3, completionUsdPerMillion: 0.6 },
      logClasses: DEFAULT_LOG_CLASSES,
    });
  });
});
