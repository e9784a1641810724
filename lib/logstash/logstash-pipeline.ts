/**
 * A tiny typed model of the Logstash pipeline DSL and its renderer. The DSL is not
 * YAML or JSON, so this is the one place where config is built as text; every value
 * goes through {@link renderValue}, which quotes and escapes it.
 *
 * Strings are rendered double-quoted with backslash escapes, which Logstash only
 * decodes when `config.support_escapes: true` is set in logstash.yml (the Logstash
 * construct always sets it).
 */

/** A value of a plugin setting: string, number, boolean, array or hash. */
export type LogstashValue =
  string | number | boolean | readonly LogstashValue[] | { readonly [key: string]: LogstashValue };

/** One plugin block, e.g. `mutate { rename => { ... } }`. */
export interface LogstashPlugin {
  /** Plugin name, e.g. `beats`, `mutate`, `elasticsearch`. */
  readonly plugin: string;
  /** Settings in the order they are rendered. @default - none */
  readonly settings?: { readonly [name: string]: LogstashValue };
}

/** A field path, outermost first: `['log', 'level']` is `[log][level]`. */
export type FieldPath = readonly string[];

/** Comparison operators of the DSL. */
export type ComparisonOperator = '==' | '!=' | '<' | '>' | '<=' | '>=';

/** The condition of an `if`; combinators nest. */
export type LogstashCondition =
  | { readonly exists: FieldPath }
  | {
      readonly field: FieldPath;
      readonly op: ComparisonOperator;
      readonly value: string | number | boolean;
    }
  | { readonly field: FieldPath; readonly matches: string }
  | { readonly field: FieldPath; readonly notMatches: string }
  | { readonly field: FieldPath; readonly in: readonly (string | number)[] }
  | { readonly not: LogstashCondition }
  | { readonly and: readonly LogstashCondition[] }
  | { readonly or: readonly LogstashCondition[] };

/** `if cond { ... } else if cond { ... } else { ... }`. */
export interface LogstashConditional {
  readonly if: LogstashCondition;
  readonly then: readonly LogstashStatement[];
  /** @default - none */
  readonly elseIf?: readonly {
    readonly if: LogstashCondition;
    readonly then: readonly LogstashStatement[];
  }[];
  /** @default - none */
  readonly else?: readonly LogstashStatement[];
}

/** A plugin or a conditional. */
export type LogstashStatement = LogstashPlugin | LogstashConditional;

/** A whole pipeline: the three sections in their fixed order. */
export interface LogstashPipeline {
  readonly input: readonly LogstashStatement[];
  /** @default - no filter section */
  readonly filter?: readonly LogstashStatement[];
  readonly output: readonly LogstashStatement[];
}

const BAREWORD = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const INDENT = '  ';

/** Renders a pipeline as Logstash pipeline DSL text. */
export function renderLogstashPipeline(pipeline: LogstashPipeline): string {
  const sections: string[] = [];
  const add = (name: string, statements: readonly LogstashStatement[] | undefined) => {
    if (!statements || statements.length === 0) return;
    sections.push(`${name} {\n${renderStatements(statements, 1)}}\n`);
  };
  add('input', pipeline.input);
  add('filter', pipeline.filter);
  add('output', pipeline.output);
  return sections.join('');
}

/**
 * Quotes a string for the DSL: backslash, double quote, newline, carriage return and tab
 * are escaped. `${VAR}` is left alone on purpose: Logstash substitutes environment
 * variables there, which is how credentials reach the pipeline.
 */
export function quoteString(value: string): string {
  if (value.includes('\0')) throw new Error('Logstash strings cannot contain a NUL character');
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return `"${escaped}"`;
}

/** Renders a setting value (string, number, boolean, array, hash). */
export function renderValue(value: LogstashValue, depth = 0): string {
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new Error(`Logstash values must be finite numbers, got ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (isArray(value)) return `[${value.map((v) => renderValue(v, depth)).join(', ')}]`;
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const pad = INDENT.repeat(depth + 1);
  const lines = entries.map(
    ([k, v]) => `${pad}${quoteString(k)} => ${renderValue(v, depth + 1)}\n`,
  );
  return `{\n${lines.join('')}${INDENT.repeat(depth)}}`;
}

/** Renders a field reference such as `[log][level]`. */
export function renderFieldRef(path: FieldPath): string {
  if (path.length === 0) throw new Error('a Logstash field path needs at least one segment');
  return path
    .map((segment) => {
      // `[`, `]` and `,` cannot be escaped inside a field reference segment.
      if (segment === '' || /[[\],]/.test(segment))
        throw new Error(`invalid Logstash field name: ${JSON.stringify(segment)}`);
      return `[${segment}]`;
    })
    .join('');
}

/** Renders a regular expression literal, escaping the `/` delimiter. */
export function renderRegex(pattern: string): string {
  if (pattern.includes('\n')) throw new Error('a Logstash regex cannot contain a newline');
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (i + 1 === pattern.length)
        throw new Error('a Logstash regex cannot end with a lone backslash');
      // An existing escape (including `\/`) is kept as written.
      out += c + pattern[++i];
    } else {
      out += c === '/' ? '\\/' : c;
    }
  }
  return `/${out}/`;
}

/** Renders a condition expression. */
export function renderCondition(condition: LogstashCondition): string {
  if ('exists' in condition) return renderFieldRef(condition.exists);
  if ('not' in condition) return `!(${renderCondition(condition.not)})`;
  if ('and' in condition) return joinConditions(condition.and, 'and');
  if ('or' in condition) return joinConditions(condition.or, 'or');
  const field = renderFieldRef(condition.field);
  if ('op' in condition) return `${field} ${condition.op} ${renderValue(condition.value)}`;
  if ('matches' in condition) return `${field} =~ ${renderRegex(condition.matches)}`;
  if ('notMatches' in condition) return `${field} !~ ${renderRegex(condition.notMatches)}`;
  if (condition.in.length === 0) throw new Error('an `in` condition needs at least one value');
  // A one-element list literal is read as a plain value, and `in` on a string is a substring
  // test, so a single value is rendered as an equality.
  if (condition.in.length === 1) return `${field} == ${renderValue(condition.in[0])}`;
  return `${field} in [${condition.in.map((v) => renderValue(v)).join(', ')}]`;
}

function joinConditions(conditions: readonly LogstashCondition[], op: 'and' | 'or'): string {
  if (conditions.length === 0) throw new Error(`an \`${op}\` condition needs at least one operand`);
  return conditions.map((c) => `(${renderCondition(c)})`).join(` ${op} `);
}

function renderStatements(statements: readonly LogstashStatement[], depth: number): string {
  return statements.map((s) => renderStatement(s, depth)).join('');
}

function renderStatement(statement: LogstashStatement, depth: number): string {
  const pad = INDENT.repeat(depth);
  if ('plugin' in statement) return renderPlugin(statement, depth);
  const block = (statements: readonly LogstashStatement[]) =>
    `{\n${renderStatements(statements, depth + 1)}${pad}}`;
  let out = `${pad}if ${renderCondition(statement.if)} ${block(statement.then)}`;
  for (const branch of statement.elseIf ?? [])
    out += ` else if ${renderCondition(branch.if)} ${block(branch.then)}`;
  if (statement.else) out += ` else ${block(statement.else)}`;
  return `${out}\n`;
}

function renderPlugin(plugin: LogstashPlugin, depth: number): string {
  if (!BAREWORD.test(plugin.plugin))
    throw new Error(`invalid Logstash plugin name: ${JSON.stringify(plugin.plugin)}`);
  const pad = INDENT.repeat(depth);
  const settings = Object.entries(plugin.settings ?? {});
  if (settings.length === 0) return `${pad}${plugin.plugin} {}\n`;
  const lines = settings.map(([name, value]) => {
    const key = BAREWORD.test(name) ? name : quoteString(name);
    return `${pad}${INDENT}${key} => ${renderValue(value, depth + 1)}\n`;
  });
  return `${pad}${plugin.plugin} {\n${lines.join('')}${pad}}\n`;
}

function isArray(value: LogstashValue): value is readonly LogstashValue[] {
  return Array.isArray(value);
}
