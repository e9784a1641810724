/**
 * What every end-to-end delay benchmark writes to `docs/<signal>-delay.json`
 * (alert-delay.json, metrics-delay.json, and logs- and traces- next to them), so that
 * `npm run budget` reads them all with one function (bench/latency-budget.ts).
 */
import { existsSync } from 'fs';
import { dirname, join, resolve } from 'path';

/** The smallest, middle and largest of a set of delays, in seconds. */
export interface DelaySummary {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** A further figure of the same runs, summarized, e.g. `change -> queryable`. */
export interface MeasuredFigure extends DelaySummary {
  /** What is measured, from which event to which, e.g. `change -> scrape`. */
  readonly name: string;
}

/**
 * One benchmark pass: every run and the summary of its headline figure, in seconds.
 * `min`, `median` and `max` are of the headline figure (`figure`); `figures` summarizes
 * the others. A benchmark adds its own fields (the settings it ran with) beside these.
 */
export interface MeasuredDelay<Run = Readonly<Record<string, number>>> extends DelaySummary {
  readonly runs: readonly Run[];
  /** When the pass ended, ISO 8601. */
  readonly date: string;
  /** The command that wrote the file. */
  readonly command: string;
  /** What min, median and max are of, e.g. `scrape -> queryable`. @default - each run's total */
  readonly figure?: string;
  /** The other figures of the runs. @default - none */
  readonly figures?: readonly MeasuredFigure[];
  /** The environment whose generated configuration was measured. @default - not tied to one */
  readonly environment?: string;
  /** The target the headline figure is held to, in seconds (docs/architecture.md#51-targets). @default - none */
  readonly targetSeconds?: number;
  /** Where the numbers come from when the benchmark did not write them itself. @default - the benchmark */
  readonly source?: string;
}

/** Min, median (mean of the middle two for an even count) and max. */
export function summarize(values: readonly number[]): DelaySummary {
  if (values.length === 0) throw new Error('no values to summarize');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1] };
}

/** Seconds kept to the millisecond, as the files hold them. */
export function toMillis(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/**
 * The absolute path of a results file given relative to the repository root (the first
 * directory upwards with a package.json): the same from bench/ under jest and from the
 * compiled build/bench/. An absolute path is returned as it is.
 */
export function repositoryPath(file: string): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return resolve(dir, file);
}
