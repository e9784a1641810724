/** A reference from one saved object to another, as Kibana stores it. */
export interface SavedObjectReference {
  /** The name the referring object uses for it, e.g. `indexpattern-datasource-layer-<layerId>`. */
  readonly name: string;
  readonly type: string;
  readonly id: string;
}

/** The saved object types this package generates. */
export enum SavedObjectType {
  INDEX_PATTERN = 'index-pattern',
  SEARCH = 'search',
  LENS = 'lens',
  DASHBOARD = 'dashboard',
}

/**
 * One object of a `POST /api/saved_objects/_import` NDJSON file. The migration versions
 * tell Kibana which shape the attributes have, so it runs only the migrations that came
 * after it instead of every migration since 7.x.
 */
export interface KibanaSavedObject {
  readonly type: SavedObjectType;
  /** Stable and readable: the same on every run, so an import with `overwrite=true` replaces it. */
  readonly id: string;
  readonly attributes: Record<string, unknown>;
  readonly references: SavedObjectReference[];
  readonly coreMigrationVersion: string;
  readonly typeMigrationVersion: string;
}

/**
 * The shape version of each generated type: the last legacy migration whose output shape
 * this package writes (Lens `formBased` datasource and 8.9 metric formatters, 8.9
 * dashboards with `<panelIndex>:panel_<panelIndex>` references). Kibana 9 upgrades from there.
 */
export const SAVED_OBJECT_MIGRATION_VERSIONS: { readonly [T in SavedObjectType]: string } = {
  [SavedObjectType.INDEX_PATTERN]: '8.0.0',
  [SavedObjectType.SEARCH]: '8.0.0',
  [SavedObjectType.LENS]: '8.9.0',
  [SavedObjectType.DASHBOARD]: '8.9.0',
};

/** `coreMigrationVersion` of every generated object. */
export const CORE_MIGRATION_VERSION = '8.8.0';

/** Builds a saved object with the migration versions of its type. */
export function savedObject(
  type: SavedObjectType,
  id: string,
  attributes: Record<string, unknown>,
  references: SavedObjectReference[] = [],
): KibanaSavedObject {
  return {
    type,
    id,
    attributes,
    references,
    coreMigrationVersion: CORE_MIGRATION_VERSION,
    typeMigrationVersion: SAVED_OBJECT_MIGRATION_VERSIONS[type],
  };
}

/**
 * JSON with object keys sorted at every depth: the same value always gives the same
 * text, whatever order the code built it in. Used for the NDJSON lines and for the JSON
 * strings Kibana keeps inside attributes (`panelsJSON`, `searchSourceJSON`, ...).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== undefined) sorted[key] = sortKeys(child);
    }
    return sorted;
  }
  return value;
}

/** The body of the `file` field of `POST /api/saved_objects/_import`: one object per line, trailing newline. */
export function renderNdjson(objects: readonly KibanaSavedObject[]): string {
  return objects.map((o) => canonicalJson(o)).join('\n') + '\n';
}
