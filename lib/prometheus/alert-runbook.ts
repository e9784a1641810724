/**
 * The runbook of an alert: part of its definition (`AlertSpec.runbook`), carried on the rule
 * (`PrometheusRule.runbook`, never rendered into rules.yml) and rendered by
 * `npm run docs:runbooks` as `docs/runbooks/<alert>.md`, the page its `runbook_url` opens.
 */

/** What a person paged by an alert reads: what it means, how to confirm it, how to fix it. */
export interface AlertRunbook {
  /** What the alert means and what it costs while it fires, in Markdown. */
  readonly meaning: string;
  /** How to confirm and diagnose it, in order. */
  readonly check: readonly RunbookStep[];
  /** How to fix or mitigate it, in order. */
  readonly fix: readonly RunbookStep[];
}

/** One step of a runbook: what to do and why, and optionally the commands that do it. */
export interface RunbookStep {
  /** What to do and why, in Markdown. */
  readonly text: string;
  /** A PromQL query, run in Prometheus' UI or with promtool. @default - none */
  readonly promql?: string;
  /** Elasticsearch API requests, run with the page's `es` helper (or in Kibana's Dev Tools). @default - none */
  readonly elasticsearch?: readonly ElasticsearchRequest[];
  /** Shell commands (kubectl, amtool, curl), one per line. @default - none */
  readonly shell?: string;
}

/** An HTTP method of the Elasticsearch API. */
export enum ElasticsearchMethod {
  GET = 'GET',
  PUT = 'PUT',
  POST = 'POST',
  DELETE = 'DELETE',
}

/** One Elasticsearch API request, as Kibana's Dev Tools console writes it. */
export interface ElasticsearchRequest {
  /** The HTTP method. */
  readonly method: ElasticsearchMethod;
  /** The path and query string, starting with `/` (`/_cluster/health?pretty`). */
  readonly path: string;
  /** A JSON body. @default - none */
  readonly body?: Record<string, unknown>;
}

/** Shorthand for a GET request. */
export function esGet(path: string): ElasticsearchRequest {
  return { method: ElasticsearchMethod.GET, path };
}
