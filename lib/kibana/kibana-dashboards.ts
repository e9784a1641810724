import { LensPanel } from './kibana-lens';
import {
  canonicalJson,
  KibanaSavedObject,
  savedObject,
  SavedObjectReference,
  SavedObjectType,
} from './kibana-ndjson';
import { SavedSearch } from './kibana-searches';

/** Kibana's dashboard grid is 48 columns wide. */
export const DASHBOARD_GRID_COLUMNS = 48;

/** Where a panel sits: grid columns (`x`, `w`, 0 to 48) and rows (`y`, `h`). */
export interface GridPosition {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** A panel of a dashboard: a Lens visualization or a saved search, by reference. */
export type DashboardPanel =
  | { readonly lens: LensPanel; readonly grid: GridPosition }
  | { readonly search: SavedSearch; readonly grid: GridPosition };

/** A dashboard of saved visualizations and searches. */
export interface KibanaDashboard {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Time range the dashboard opens with (`timeFrom` to now), e.g. `now-24h`. */
  readonly timeFrom: string;
  /** Auto-refresh interval the dashboard opens with, in seconds; users change it in the time picker. */
  readonly refreshSeconds: number;
  readonly panels: readonly DashboardPanel[];
}

/** The saved object a panel shows: its type and id. */
export function panelTarget(panel: DashboardPanel): { type: SavedObjectType; id: string } {
  return 'lens' in panel
    ? { type: SavedObjectType.LENS, id: panel.lens.id }
    : { type: SavedObjectType.SEARCH, id: panel.search.id };
}

/**
 * The `dashboard` saved object. Panel n (from 1) gets `panelIndex` `<n>`, the
 * `panelRefName` `panel_<panelIndex>` in `panelsJSON` and the reference
 * `<panelIndex>:panel_<panelIndex>` to its visualization or search.
 */
export function renderDashboard(dashboard: KibanaDashboard): KibanaSavedObject {
  const panels: object[] = [];
  const references: SavedObjectReference[] = [];
  dashboard.panels.forEach((panel, i) => {
    const panelIndex = `${i + 1}`;
    const panelRefName = `panel_${panelIndex}`;
    const target = panelTarget(panel);
    panels.push({
      type: target.type,
      gridData: { ...panel.grid, i: panelIndex },
      panelIndex,
      embeddableConfig: {},
      panelRefName,
    });
    references.push({ name: `${panelIndex}:${panelRefName}`, type: target.type, id: target.id });
  });
  return savedObject(
    SavedObjectType.DASHBOARD,
    dashboard.id,
    {
      title: dashboard.title,
      description: dashboard.description,
      panelsJSON: canonicalJson(panels),
      optionsJSON: canonicalJson({
        useMargins: true,
        syncColors: false,
        syncCursor: true,
        syncTooltips: false,
        hidePanelTitles: false,
      }),
      timeRestore: true,
      timeFrom: dashboard.timeFrom,
      timeTo: 'now',
      refreshInterval: { pause: false, value: dashboard.refreshSeconds * 1000 },
      version: 1,
      kibanaSavedObjectMeta: {
        searchSourceJSON: canonicalJson({ query: { query: '', language: 'kuery' }, filter: [] }),
      },
    },
    references,
  );
}
