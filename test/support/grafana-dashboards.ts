import { parse } from 'yaml';
import { KubeObject } from './environments';

/**
 * Reading the Grafana dashboards and data sources as they are deployed: the JSON files of the
 * dashboards ConfigMap and the provisioned `datasources.yaml`. Used by test/grafana.test.ts and
 * the real-tool tier (test/tools/dashboards.tools.test.ts).
 */

/** The provisioned dashboards of a ConfigMap, by file name (`<name>.json`), parsed. */
export function provisionedDashboards(
  objects: KubeObject[],
  configMapName: string,
): Record<string, any> {
  const configMap = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === configMapName,
  );
  if (!configMap) throw new Error(`ConfigMap ${configMapName} is not in the synthesized objects`);
  return Object.fromEntries(
    Object.entries<string>(configMap.data ?? {}).map(([file, text]) => [file, JSON.parse(text)]),
  );
}

/** The data sources of the one ConfigMap that holds `datasources.yaml`. */
export function provisionedDatasources(objects: KubeObject[]): any[] {
  const configMaps = objects.filter(
    (o) => o.kind === 'ConfigMap' && o.data?.['datasources.yaml'] !== undefined,
  );
  if (configMaps.length !== 1)
    throw new Error(`expected one ConfigMap with datasources.yaml, found ${configMaps.length}`);
  return parse(configMaps[0].data['datasources.yaml']).datasources ?? [];
}

/**
 * Every panel of a dashboard, rows included, and the panels nested in rows: a collapsed row
 * keeps its panels in its own `panels`, an expanded one has them on the top level after it.
 */
export function allPanels(dashboard: any): any[] {
  const walk = (panels: any[] | undefined): any[] =>
    (panels ?? []).flatMap((p) => [p, ...walk(p.panels)]);
  return walk(dashboard.panels);
}

/** One query of a panel, with what names it in a failure message. */
export interface PanelTarget {
  readonly dashboard: string;
  readonly panel: any;
  readonly target: any;
}

/** Every target of every panel (nested ones too) of a dashboard. */
export function panelTargets(dashboard: any): PanelTarget[] {
  return allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target: any) => ({ dashboard: dashboard.uid, panel, target })),
  );
}

/** Where a dashboard refers to a data source, and how (`{ type, uid }`, a name, or nothing: the default). */
export interface DatasourceUse {
  readonly where: string;
  readonly ref: unknown;
}

/** The data source references of a dashboard: panels, their targets, template variables and annotations. */
export function datasourceUses(dashboard: any): DatasourceUse[] {
  const uses: DatasourceUse[] = [];
  for (const panel of allPanels(dashboard)) {
    // A row has no query, so it has no data source of its own.
    if (panel.type !== 'row') uses.push({ where: `panel '${panel.title}'`, ref: panel.datasource });
    for (const target of panel.targets ?? []) {
      // A target without its own data source queries the panel's.
      if (target.datasource !== undefined)
        uses.push({
          where: `panel '${panel.title}' target ${target.refId}`,
          ref: target.datasource,
        });
    }
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type === 'query')
      uses.push({ where: `variable $${variable.name}`, ref: variable.datasource });
  }
  for (const annotation of dashboard.annotations?.list ?? []) {
    uses.push({ where: `annotation '${annotation.name}'`, ref: annotation.datasource });
  }
  return uses;
}

/**
 * The references of a dashboard that no provisioned data source answers: an unknown uid, a
 * uid whose type differs, an unknown name, or no reference while no data source is the default.
 * Grafana's own `-- Grafana --` and `-- Dashboard --` sources always exist.
 */
export function missingDatasources(dashboard: any, datasources: any[]): string[] {
  const builtIn = new Set(['grafana', '-- Grafana --', '-- Dashboard --', '-- Mixed --']);
  const problems: string[] = [];
  for (const { where, ref } of datasourceUses(dashboard)) {
    if (ref === undefined || ref === null) {
      if (!datasources.some((d) => d.isDefault))
        problems.push(
          `${dashboard.uid}: ${where} uses the default data source, and none is provisioned`,
        );
    } else if (typeof ref === 'string') {
      if (!builtIn.has(ref) && !datasources.some((d) => d.name === ref))
        problems.push(
          `${dashboard.uid}: ${where} names data source '${ref}', which is not provisioned`,
        );
    } else {
      const { uid, type } = ref as { uid?: string; type?: string };
      if (uid !== undefined && builtIn.has(uid)) continue;
      const source = datasources.find((d) => d.uid === uid);
      if (!source)
        problems.push(
          `${dashboard.uid}: ${where} uses data source uid '${uid}', which is not provisioned`,
        );
      else if (type !== undefined && source.type !== type)
        problems.push(
          `${dashboard.uid}: ${where} expects a data source of type ${type}, uid '${uid}' is ${source.type}`,
        );
    }
  }
  return problems;
}
