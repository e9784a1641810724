import { AlertSeverity, NodeAlert, nodeMixin, nodeRecordingRules } from '../lib';
import { MixinContext, NOT_A_PHYSICAL_NIC } from '../lib/monitoring';
import { nodeLogsLink } from '../lib/monitoring/dashboard-links';

const CONTEXT: MixinContext = {
  namespace: 'observability',
  agentsNamespace: 'observability-agents',
};

const alerts = (context: MixinContext = CONTEXT) =>
  nodeMixin(context).ruleGroups.flatMap((g) => g.rules.filter((r) => r.alert));
const alert = (name: string, context?: MixinContext) => {
  const found = alerts(context).filter((r) => r.alert === name);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('nodeMixin alerts', () => {
  test('every NodeAlert once, next to the three of AlertName', () => {
    const names = alerts().map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => !Object.values<string>(NodeAlert).includes(n!))).toEqual([
      'NodeCpuHigh',
      'NodeDiskAlmostFull',
      'NodeMemoryPressure',
    ]);
    expect(Object.values(NodeAlert).length).toBeGreaterThanOrEqual(22);
  });

  test('critical only for what loses data or leaves the nodes unwatched', () => {
    const critical = alerts()
      .filter((r) => r.labels?.severity === AlertSeverity.CRITICAL)
      .map((r) => r.alert)
      .sort();
    expect(critical).toEqual(
      [
        NodeAlert.EXPORTER_DOWN,
        NodeAlert.FILE_DESCRIPTORS_EXHAUSTED,
        NodeAlert.FILESYSTEM_OUT_OF_FILES,
        NodeAlert.FILESYSTEM_OUT_OF_SPACE,
        NodeAlert.FILESYSTEM_FILES_FILLING_UP_FAST,
        NodeAlert.FILESYSTEM_SPACE_FILLING_UP_FAST,
        NodeAlert.RAID_DEGRADED,
      ].sort(),
    );
  });

  test('a warning and its critical alert on one signal share the steps of their runbooks, not the meaning, and differ in threshold', () => {
    const pairs: [NodeAlert, NodeAlert][] = [
      [NodeAlert.FILESYSTEM_SPACE_FILLING_UP, NodeAlert.FILESYSTEM_SPACE_FILLING_UP_FAST],
      [NodeAlert.FILESYSTEM_ALMOST_OUT_OF_SPACE, NodeAlert.FILESYSTEM_OUT_OF_SPACE],
      [NodeAlert.FILESYSTEM_FILES_FILLING_UP, NodeAlert.FILESYSTEM_FILES_FILLING_UP_FAST],
      [NodeAlert.FILESYSTEM_ALMOST_OUT_OF_FILES, NodeAlert.FILESYSTEM_OUT_OF_FILES],
      [NodeAlert.FILE_DESCRIPTOR_LIMIT, NodeAlert.FILE_DESCRIPTORS_EXHAUSTED],
    ];
    for (const [warning, critical] of pairs) {
      const [w, c] = [alert(warning), alert(critical)];
      expect([w.labels?.severity, c.labels?.severity]).toEqual(['warning', 'critical']);
      expect(w.runbook!.check).toBe(c.runbook!.check);
      expect(w.runbook!.fix).toBe(c.runbook!.fix);
      expect(w.runbook!.meaning).not.toBe(c.runbook!.meaning);
      expect(w.expr).not.toBe(c.expr);
    }
  });

  test('file system alerts leave out what is not a disk and read-only file systems', () => {
    for (const name of [
      NodeAlert.FILESYSTEM_SPACE_FILLING_UP,
      NodeAlert.FILESYSTEM_OUT_OF_SPACE,
      NodeAlert.FILESYSTEM_FILES_FILLING_UP,
      NodeAlert.FILESYSTEM_OUT_OF_FILES,
    ]) {
      const { expr } = alert(name);
      expect(expr).toContain('fstype!~"tmpfs|overlay|squashfs|nsfs"');
      expect(expr).toMatch(
        /unless on \(node, instance, device, mountpoint\) node_filesystem_readonly\{[^}]*\} == 1$/,
      );
    }
    expect(alert(NodeAlert.FILESYSTEM_SPACE_FILLING_UP_FAST).expr).toContain(
      'predict_linear(node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs|nsfs",mountpoint!=""}[6h], 4 * 3600) < 0',
    );
  });

  test('interface flapping leaves out virtual interfaces', () => {
    expect(alert(NodeAlert.NETWORK_INTERFACE_FLAPPING).expr).toBe(
      `increase(node_network_carrier_changes_total{${NOT_A_PHYSICAL_NIC}}[10m]) >= 4`,
    );
  });

  test("node-exporter's targets are looked for in the agents namespace, else the stack's", () => {
    expect(alert(NodeAlert.EXPORTER_DOWN)).toMatchObject({
      expr: 'absent(up{job="kubernetes-pods",namespace="observability-agents",app_kubernetes_io_name="node-exporter"} == 1)',
      for: '5m',
    });
    expect(alert(NodeAlert.EXPORTER_TARGET_MISSING).expr).toBe(
      'kube_node_info unless on (node) up{job="kubernetes-pods",namespace="observability-agents",app_kubernetes_io_name="node-exporter"}',
    );
    const one = { namespace: 'monitoring' };
    expect(alert(NodeAlert.EXPORTER_DOWN, one).expr).toContain('namespace="monitoring"');
    expect(
      alert(NodeAlert.EXPORTER_DOWN, { ...one, alerts: { targetDownFor: '2m' } }),
    ).toMatchObject({
      for: '2m',
      annotations: { description: expect.stringContaining('for 2m') },
    });
  });

  test('a bad agents namespace is an error naming the prop', () => {
    expect(() =>
      nodeMixin({ namespace: 'observability', agentsNamespace: 'Agents_NS', propPrefix: 'x.' }),
    ).toThrow(/x\.agentsNamespace.*Agents_NS/s);
  });
});

describe('nodeRecordingRules', () => {
  const rules = nodeRecordingRules();
  const records = rules.map((r) => r.record!);

  test('at least 15, unique, named level:metric:operations at the instance, node and cluster levels', () => {
    expect(records.length).toBeGreaterThanOrEqual(15);
    expect(new Set(records).size).toBe(records.length);
    for (const record of records) expect(record).toMatch(/^[a-z_]+:node_[a-z0-9_]+:[a-z0-9_]+$/);
    expect(new Set(records.map((r) => r.split(':')[0]))).toEqual(
      new Set(['instance', 'instance_device', 'instance_mountpoint', 'node', 'cluster']),
    );
  });

  test('a rule uses only recorded series defined before it (one group evaluates in order)', () => {
    rules.forEach((rule, i) => {
      const used = rule.expr.match(/[a-z_]+:[a-z0-9_]+:[a-z0-9_]+/g) ?? [];
      for (const name of used) expect(records.slice(0, i)).toContain(name);
    });
  });

  test('network rules leave out virtual interfaces', () => {
    const network = rules.filter((r) => r.record?.startsWith('instance:node_network_'));
    expect(network).toHaveLength(4);
    for (const r of network) expect(r.expr).toContain(NOT_A_PHYSICAL_NIC);
  });
});

describe('nodeMixin dashboards', () => {
  const dashboards = nodeMixin(CONTEXT).dashboards ?? [];
  const records = new Set(nodeRecordingRules().map((r) => r.record));

  test('nodes and node-cluster-use, uid = name', () => {
    expect(dashboards.map((d) => [d.name, d.json.uid])).toEqual([
      ['nodes', 'nodes'],
      ['node-cluster-use', 'node-cluster-use'],
    ]);
  });

  test.each(dashboards.map((d) => [d.name, d] as const))(
    '%s queries only series the recording rules record',
    (_name, dashboard) => {
      const exprs = (dashboard.json.panels as { targets: { expr: string }[] }[]).flatMap((p) =>
        p.targets.map((t) => t.expr),
      );
      expect(exprs.length).toBeGreaterThan(8);
      for (const expr of exprs) {
        const used = expr.match(/[a-z_]+:[a-z0-9_]+:[a-z0-9_]+/g) ?? [];
        expect(used.length).toBeGreaterThan(0);
        for (const name of used) expect(records).toContain(name);
      }
    },
  );

  test('the nodes dashboard filters every panel by its node variable', () => {
    const nodes = dashboards.find((d) => d.name === 'nodes')!.json;
    expect((nodes.templating as { list: { name: string }[] }).list.map((v) => v.name)).toEqual([
      'node',
    ]);
    for (const panel of nodes.panels as { targets: { expr: string }[] }[])
      for (const t of panel.targets) expect(t.expr).toContain('{node=~"$node"}');
  });
});

describe('logs links of the node dashboards', () => {
  const link = nodeLogsLink();

  test("open Explore on Elasticsearch with the series' node, Grafana's link variables left intact", () => {
    expect(link.url).toMatch(/^\/explore\?schemaVersion=1&orgId=1&panes=/);
    const panes = new URL(
      `http://grafana${link.url.replace(/\$\{[^}]+\}/g, 'VAR')}`,
    ).searchParams.get('panes');
    expect(JSON.parse(panes!)).toMatchObject({
      a: {
        datasource: 'elasticsearch',
        queries: [{ datasource: { uid: 'elasticsearch' }, query: 'kubernetes.node.name:"VAR"' }],
        range: { from: 'VAR', to: 'VAR' },
      },
    });
    expect(link.url.match(/\$\{[^}]+\}/g)).toEqual([
      '${__field.labels.node:percentencode}',
      '${__from}',
      '${__to}',
    ]);
  });

  test('every time series panel of nodes carries it; in node-cluster-use only panels of one node per series', () => {
    const panels = (name: string) =>
      (nodeMixin(CONTEXT).dashboards!.find((d) => d.name === name)!.json.panels as any[]).filter(
        (p) => p.type === 'timeseries',
      );
    for (const panel of panels('nodes'))
      expect(panel.fieldConfig.defaults.links).toEqual([{ ...link, targetBlank: false }]);
    for (const panel of panels('node-cluster-use')) {
      const perNode = panel.targets.every(
        (t: { legendFormat: string }) => t.legendFormat === '{{node}}',
      );
      expect({
        title: panel.title,
        linked: panel.fieldConfig.defaults.links !== undefined,
      }).toEqual({
        title: panel.title,
        linked: perNode,
      });
    }
  });
});
