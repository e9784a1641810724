import { readFileSync } from 'fs';
import { join } from 'path';
import { parse, parseAllDocuments } from 'yaml';

// The README's coverage table ("Metrics and alerts at kube-prometheus depth"), re-counted from the
// committed prod manifests: the numbers must be the counts of dist/prod, and at least the
// kube-prometheus mixins' (about 136 alerts and 86 recording rules) and 15 dashboards.

const REPO = join(__dirname, '..');
const README = readFileSync(join(REPO, 'README.md'), 'utf8');

/** The objects of one environment's committed manifests. */
function distObjects(env: string): any[] {
  const text = readFileSync(join(REPO, 'dist', env, 'observability.k8s.yaml'), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJSON());
}

/** Alerts, recording rules and Grafana dashboards of one environment's manifests. */
export function countMonitoring(objects: any[]): {
  alerts: number;
  records: number;
  dashboards: number;
} {
  const configMap = (name: string) =>
    objects.find((o) => o?.kind === 'ConfigMap' && o.metadata?.name === name);
  const rules = parse(configMap('prometheus-config').data['rules.yml']).groups.flatMap(
    (g: any) => g.rules,
  );
  return {
    alerts: rules.filter((r: any) => r.alert).length,
    records: rules.filter((r: any) => r.record).length,
    dashboards: Object.keys(configMap('grafana-dashboards').data ?? {}).filter((k) =>
      k.endsWith('.json'),
    ).length,
  };
}

/** The number in the last column of the README table row whose first cell is `label`. */
function readmeCount(label: string): number {
  const row = README.split('\n').find((line) => line.startsWith(`| ${label} |`));
  if (!row) throw new Error(`README has no table row '| ${label} |'`);
  const cells = row.split('|').map((c) => c.trim());
  const value = Number(cells[cells.length - 2]);
  if (!Number.isInteger(value)) throw new Error(`README row '${label}' ends in '${row}'`);
  return value;
}

describe("the README's coverage table, re-counted from dist/prod", () => {
  const prod = countMonitoring(distObjects('prod'));

  test.each([
    ['alerts', 'alerts', 136],
    ['recording rules', 'records', 86],
    ['Grafana dashboards', 'dashboards', 15],
  ] as const)('%s (%s): the README says what dist/prod has, at least %d', (label, key, floor) => {
    expect(readmeCount(label)).toBe(prod[key]);
    expect(prod[key]).toBeGreaterThanOrEqual(floor);
  });

  test('the counter counts (a made-up environment)', () => {
    const objects = [
      {
        kind: 'ConfigMap',
        metadata: { name: 'prometheus-config' },
        data: {
          'rules.yml':
            'groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up\n  - record: a:b\n    expr: up\n',
        },
      },
      {
        kind: 'ConfigMap',
        metadata: { name: 'grafana-dashboards' },
        data: { 'x.json': '{}', 'y.json': '{}' },
      },
    ];
    expect(countMonitoring(objects)).toEqual({ alerts: 1, records: 1, dashboards: 2 });
  });
});
