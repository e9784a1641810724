import { createHash } from 'crypto';
import { stringify } from 'yaml';

/**
 * Serializes a typed config object to YAML. Keys keep the order in which the
 * renderer built them, so output is deterministic and reads like the tool's docs.
 */
export function renderYaml(config: unknown): string {
  return stringify(config, { lineWidth: 0, aliasDuplicateObjects: false, indent: 2 });
}

/** Serializes a config object to indented JSON (dashboards, templates). */
export function renderJson(config: unknown): string {
  return JSON.stringify(config, null, 2) + '\n';
}

/**
 * A short content hash of config data. Put on a pod template as an annotation,
 * it rolls the pods when their config changes.
 */
export function configChecksum(data: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(data).sort()) hash.update(`${key}\0${data[key]}\0`);
  return hash.digest('hex').slice(0, 16);
}
