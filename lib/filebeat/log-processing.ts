import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { FLAT_TO_ECS_FIELDS } from '../core/log-shape';

/** What the `script` processor does to every log event on the node. */
export interface LogProcessingProps {
  /**
   * Mask and classify. Off ships logs unmasked and unclassified (every event to the
   * `all` class): only for a cluster whose logs hold no personal data. The script runs
   * either way, to rename the flat log shape to ECS.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Key name fragments whose values are masked, matched case-insensitively anywhere in
   * the key name, with `-` read as `_`. Letters, digits, `_` and `-` only.
   * @default ['password', 'secret', 'token', 'api_key', 'authorization']
   */
  readonly secretKeyFragments?: string[];
  /**
   * Truncate IPv4 and IPv6 addresses in string values to their first group
   * (`203.0.113.7` becomes `203.0.0.0`).
   * @default true
   */
  readonly maskIpAddresses?: boolean;
  /**
   * Set `labels.index_class`, `labels.event_domain` and `labels.severity_class`.
   * @default true
   */
  readonly classify?: boolean;
}

/** The script's `params`, as Filebeat passes them to its `register(params)`. */
export interface LogProcessingParams {
  readonly secret_key_fragments: string[];
  readonly mask_ip_addresses: boolean;
  readonly classify: boolean;
  /** Flat-shape fields and their dotted ECS names, from {@link FLAT_TO_ECS_FIELDS}. */
  readonly ecs_renames: { from: string; to: string }[];
}

/** The `script` processor entry of filebeat.yml. */
export interface LogProcessingProcessor {
  readonly script: {
    readonly lang: 'javascript';
    /** Names the processor in Filebeat's logs and metrics. */
    readonly tag: string;
    readonly params: LogProcessingParams;
    readonly source: string;
  };
}

export const DEFAULT_SECRET_KEY_FRAGMENTS: readonly string[] = ['password', 'secret', 'token', 'api_key', 'authorization'];
export const LOG_PROCESSING_SCRIPT_FILE = 'log-processing-script.js';
export const LOG_PROCESSING_TAG = 'log-processing';

// tsc does not copy .js files to build/: from build/lib/filebeat the source is read in lib/filebeat.
const SCRIPT_CANDIDATES = [
  join(__dirname, LOG_PROCESSING_SCRIPT_FILE),
  join(__dirname, '..', '..', '..', 'lib', 'filebeat', LOG_PROCESSING_SCRIPT_FILE),
];
let cachedSource: string | undefined;

/** The ES5.1 source of the masking and classification script, read once. */
export function logProcessingSource(): string {
  if (cachedSource === undefined) {
    const path = SCRIPT_CANDIDATES.find((candidate) => existsSync(candidate));
    if (!path) throw new Error(`${LOG_PROCESSING_SCRIPT_FILE} not found; looked in ${SCRIPT_CANDIDATES.join(', ')}`);
    cachedSource = readFileSync(path, 'utf8');
  }
  return cachedSource;
}

/**
 * The problem with a fragment list, or undefined when it is fine. Fragments become
 * part of a regular expression in the script, so they are kept to plain key characters.
 */
export function secretKeyFragmentsProblem(fragments: readonly string[]): string | undefined {
  if (fragments.length === 0) return 'must not be empty';
  const bad = fragments.find((f) => !/^[A-Za-z0-9_-]+$/.test(f));
  return bad === undefined ? undefined : `has '${bad}', which is not letters, digits, '_' and '-'`;
}

/** The script's params after defaults. */
export function logProcessingParams(props: LogProcessingProps = {}): LogProcessingParams {
  const ecs_renames = FLAT_TO_ECS_FIELDS.map(({ from, to }) => ({ from, to: to.join('.') }));
  if (props.enabled === false) return { secret_key_fragments: [], mask_ip_addresses: false, classify: false, ecs_renames };
  return {
    secret_key_fragments: [...(props.secretKeyFragments ?? DEFAULT_SECRET_KEY_FRAGMENTS)],
    mask_ip_addresses: props.maskIpAddresses ?? true,
    classify: props.classify ?? true,
    ecs_renames,
  };
}

/**
 * The Filebeat `script` processor that renames the flat shape to ECS, masks secrets
 * and IP addresses and classifies the event. No `timeout`: an interrupted script leaves
 * the event half-masked and Filebeat would still ship it.
 */
export function renderLogProcessingProcessor(props: LogProcessingProps = {}): LogProcessingProcessor {
  return {
    script: {
      lang: 'javascript',
      tag: LOG_PROCESSING_TAG,
      params: logProcessingParams(props),
      source: logProcessingSource(),
    },
  };
}
