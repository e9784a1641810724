import { createHash } from 'crypto';
import { stringify } from 'yaml';

/**
 * Serializes a typed config object to YAML. Keys keep the order in which the
 * renderer built them, so output is deterministic and reads like the tool's docs.
 *
 * Strings are quoted wherever a YAML 1.1 reader would take them for something else
 * (`2006-01-02` a timestamp, `on` a boolean, `10:30` a base-60 number): the tools read
 * these files with Go and Java YAML libraries that resolve those, where YAML 1.2 would not.
 */
export function renderYaml(config: unknown): string {
  return stringify(config, {
    lineWidth: 0,
    aliasDuplicateObjects: false,
    indent: 2,
    version: '1.1',
  });
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
