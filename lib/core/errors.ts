import { IConstruct } from 'constructs';

/**
 * The error every construct throws for bad input. The message always names the
 * construct path, the prop, the value it got and the way out, so a failed synth
 * reads like a review comment.
 */
export class ConfigError extends Error {
  constructor(
    public readonly scopePath: string,
    public readonly prop: string,
    public readonly value: unknown,
    problem: string,
    fix: string,
  ) {
    super(`${scopePath}: '${prop}' ${problem}, got ${formatValue(value)} (${fix})`);
    this.name = 'ConfigError';
  }
}

/**
 * Where an error is reported: a construct, or for a pure function called outside any construct
 * tree (`planCapacity`, `stackAlertRules`) the name of that function.
 */
export type ErrorScope = IConstruct | string;

/** Throws a {@link ConfigError} for `scope`. */
export function invalidProp(
  scope: ErrorScope,
  prop: string,
  value: unknown,
  problem: string,
  fix: string,
): never {
  const path = typeof scope === 'string' ? scope : scope.node.path;
  throw new ConfigError(path || '<root>', prop, value, problem, fix);
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'undefined';
  return JSON.stringify(value);
}
