import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { DEFAULT_LOG_CLASSES, DEFAULT_LOG_DOMAINS, LogClass, LogDomain } from '../core/log-classes';
import { ecsFieldShapes } from '../elasticsearch/index-templates';
import { FLAT_TO_ECS_FIELDS } from '../elasticsearch/log-shape';

/** What the `script` processor does to every log event on the node. */
export interface LogProcessingProps {
  /**
   * Mask and classify. Off ships logs unmasked and unclassified (every event to the
   * catch-all class): only for a cluster whose logs hold no personal data. The script runs
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
  /**
   * The domains `labels.event_domain` is detected from, in the order they are tried
   * (a `LogClassMatch.domain(...)` names one of them). Add yours to the defaults:
   * `[...DEFAULT_LOG_DOMAINS, { name: 'payments', keys: ['payment_id'], words: ['payments'] }]`.
   * @default DEFAULT_LOG_DOMAINS (ai, trading, database, cache, api)
   */
  readonly domains?: LogDomain[];
  /**
   * Values masked wherever they are, whatever their key: in text, in fields, in the
   * original line. OWASP's logging cheat sheet counts payment card data and personal
   * data among what must never be logged.
   * @default [ValueMask.PAYMENT_CARDS]
   */
  readonly valueMasks?: ValueMask[];
}

/** A kind of value masked wherever it appears (`LogProcessingProps.valueMasks`). */
export class ValueMask {
  /**
   * Payment card numbers: 13 to 19 digits, in groups separated by single spaces or
   * dashes, that pass the Luhn check (so most order ids and other long numbers survive).
   * Every digit but the last four becomes `*`: `**** **** **** 1111`.
   */
  public static readonly PAYMENT_CARDS = new ValueMask('payment_card');
  /** E-mail addresses: the local part keeps its first character, the domain stays (`a***@example.com`). */
  public static readonly EMAIL_ADDRESSES = new ValueMask('email');

  /**
   * Every match of a regular expression (JavaScript syntax, as Filebeat's script engine
   * runs it) becomes `***REDACTED***`. `name` says what it masks, in errors and docs.
   */
  public static pattern(name: string, regex: string): ValueMask {
    return new ValueMask('pattern', name, regex);
  }

  private constructor(
    public readonly kind: 'payment_card' | 'email' | 'pattern',
    public readonly name: string = kind,
    public readonly regex?: string,
  ) {}

  /** The entry of the script's `value_masks` param. */
  public toParam(): { kind: string; name?: string; regex?: string } {
    return this.kind === 'pattern'
      ? { kind: this.kind, name: this.name, regex: this.regex }
      : { kind: this.kind };
  }
}

/** The problem with a value mask, or undefined when it is fine. */
export function valueMaskProblem(mask: ValueMask): string | undefined {
  if (mask.kind !== 'pattern') return undefined;
  if (!/^[a-z][a-z0-9_-]*$/.test(mask.name))
    return `has name '${mask.name}', which is not lower-case letters, digits, '_' and '-'`;
  const regex = mask.regex ?? '';
  // Filebeat expands `$` + `{...}` in its config file: the pattern would be rewritten.
  if (regex.includes('$' + '{'))
    return `'${mask.name}' has '$' followed by '{', which Filebeat would expand as a variable`;
  try {
    const re = new RegExp(regex, 'g');
    if (re.test(''))
      return `'${mask.name}' matches the empty string, so it would mask between every character`;
  } catch (e) {
    return `'${mask.name}' is not a valid regular expression: ${(e as Error).message}`;
  }
  return undefined;
}

/** The script's `params`, as Filebeat passes them to its `register(params)`. */
export interface LogProcessingParams {
  readonly secret_key_fragments: string[];
  readonly mask_ip_addresses: boolean;
  readonly classify: boolean;
  /** Flat-shape fields and their dotted ECS names, from `FLAT_TO_ECS_FIELDS` (lib/elasticsearch/log-shape.ts). */
  readonly ecs_renames: { from: string; to: string }[];
  /** Value masks, from {@link LogProcessingProps.valueMasks}. */
  readonly value_masks: { kind: string; name?: string; regex?: string }[];
  /** Where the index templates have objects and where values (`ecsFieldShapes` of the index templates). */
  readonly object_fields: string[];
  readonly leaf_fields: string[];
  /** Where decode_json_fields puts the line's JSON, for the script to merge. */
  readonly decoded_field: string;
  /** The domains, in the order they are tried, from {@link LogProcessingProps.domains}. */
  readonly domains: LogDomainParam[];
  /** The log classes in order, the catch-all (no field) last; empty when not classifying. */
  readonly classes: LogClassParam[];
}

/** One entry of the script's `domains` param. */
export interface LogDomainParam {
  readonly name: string;
  readonly keys: string[];
  readonly words: string[];
}

/** One entry of the script's `classes` param: no `field` for the catch-all. */
export interface LogClassParam {
  readonly name: string;
  readonly field?: string;
  readonly values?: (string | number)[];
}

/** The script's `classes` param of a class table. */
export function logClassParams(classes: readonly LogClass[]): LogClassParam[] {
  return classes.map((c) =>
    c.match.field === undefined
      ? { name: c.name }
      : { name: c.name, field: c.match.field, values: [...(c.match.values ?? [])] },
  );
}

/** decode_json_fields' target: the script merges it into the event and removes it. */
export const DECODED_LINE_FIELD = 'decoded_line';

/** The `script` processor entry of filebeat.yml. */
export interface LogProcessingProcessor {
  readonly script: {
    readonly lang: 'javascript';
    readonly params: LogProcessingParams;
    readonly source: string;
  };
}

export const DEFAULT_SECRET_KEY_FRAGMENTS: readonly string[] = [
  'password',
  'secret',
  'token',
  'api_key',
  'authorization',
];
export const LOG_PROCESSING_SCRIPT_FILE = 'log-processing-script.js';

// Beside this module in the sources and in build/lib alike: every build copies lib/'s .js
// files to build/lib (scripts/copy-lib-assets.js), and the package ships them there.
const SCRIPT_PATH = join(__dirname, LOG_PROCESSING_SCRIPT_FILE);
let cachedSource: string | undefined;

/** The ES5.1 source of the masking and classification script, read once. */
export function logProcessingSource(): string {
  if (cachedSource === undefined) {
    if (!existsSync(SCRIPT_PATH)) {
      throw new Error(
        `${SCRIPT_PATH} is missing: build with \`npm run build\` (it copies lib/'s .js files to build/lib), or reinstall the package`,
      );
    }
    cachedSource = readFileSync(SCRIPT_PATH, 'utf8');
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

/** The script's params after defaults, classifying into `classes`. */
export function logProcessingParams(
  props: LogProcessingProps = {},
  classes: readonly LogClass[] = DEFAULT_LOG_CLASSES,
): LogProcessingParams {
  const shapes = ecsFieldShapes();
  const common = {
    ecs_renames: FLAT_TO_ECS_FIELDS.map(({ from, to }) => ({ from, to: to.join('.') })),
    object_fields: shapes.objects,
    leaf_fields: shapes.leaves,
    decoded_field: DECODED_LINE_FIELD,
  };
  if (props.enabled === false) {
    return {
      secret_key_fragments: [],
      mask_ip_addresses: false,
      classify: false,
      value_masks: [],
      ...common,
      domains: [],
      classes: [],
    };
  }
  const classify = props.classify ?? true;
  return {
    secret_key_fragments: [...(props.secretKeyFragments ?? DEFAULT_SECRET_KEY_FRAGMENTS)],
    mask_ip_addresses: props.maskIpAddresses ?? true,
    classify,
    value_masks: (props.valueMasks ?? [ValueMask.PAYMENT_CARDS]).map((m) => m.toParam()),
    ...common,
    domains: classify
      ? (props.domains ?? DEFAULT_LOG_DOMAINS).map((d) => ({
          name: d.name,
          keys: [...d.keys],
          words: [...d.words],
        }))
      : [],
    classes: classify ? logClassParams(classes) : [],
  };
}

/**
 * The Filebeat `script` processor that renames the flat shape to ECS, masks secrets
 * and IP addresses and classifies the event. No `timeout`: an interrupted script leaves
 * the event half-masked and Filebeat would still ship it. No `tag`: a tagged script
 * processor registers metrics under its tag, and filestream builds the input's processors
 * once per file, so when several files start at once two builds can race to register the
 * same name and Filebeat panics (`name histogram already used`, seen with 7.17.29; Beats'
 * main branch now gets-or-creates the registry but still registers the histogram in it, and
 * 9.4.1 cannot be run here to tell). Untagged, it registers nothing, in 7.17 and in main
 * alike (`getStats` returns before any registration when the id is empty). The processors are
 * also top-level (see renderFilebeatConfig), so each is built once.
 */
export function renderLogProcessingProcessor(
  props: LogProcessingProps = {},
  classes: readonly LogClass[] = DEFAULT_LOG_CLASSES,
): LogProcessingProcessor {
  return {
    script: {
      lang: 'javascript',
      params: logProcessingParams(props, classes),
      source: logProcessingSource(),
    },
  };
}
