import { IConstruct } from 'constructs';
import { ErrorScope, invalidProp } from './errors';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks a name that becomes a Kubernetes object name or a DNS label (Service
 * names, namespaces): lower-case alphanumerics and '-', at most `maxLength`.
 * Returns the name so callers can validate inline.
 */
export function validateDnsLabel(
  scope: ErrorScope,
  prop: string,
  name: string,
  maxLength = 63,
): string {
  if (!DNS_LABEL.test(name) || name.length > maxLength) {
    invalidProp(
      scope,
      prop,
      name,
      `must be a DNS-1123 label of at most ${maxLength} characters`,
      "use lower-case letters, digits and '-', starting and ending with a letter or digit",
    );
  }
  return name;
}

/** Checks that a numeric prop is an integer within [min, max]. */
export function validateInteger(
  scope: ErrorScope,
  prop: string,
  value: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    invalidProp(scope, prop, value, `must be an integer ${range}`, `set it to an integer ${range}`);
  }
  return value;
}

// http(s), a host, an optional path; no trailing slash, and none of the characters that
// would end the URL inside a template, an attribute or a JSON string.
const BASE_URL = /^https?:\/\/[^/\s"'{}<>]+(\/[^\s"'{}<>]*[^/\s"'{}<>])?$/;

/**
 * The `--web.external-url` argument of Prometheus and Alertmanager, which put it in the links
 * of their alerts and notifications: the URL users reach the UI at, a scheme and a host only.
 * With a path, both would also move every route (probes included) under it.
 */
export function externalUrlArgs(
  scope: IConstruct,
  prop: string,
  url: string | undefined,
  example: string,
): string[] {
  if (url === undefined) return [];
  validateBaseUrl(scope, prop, url, example);
  if (new URL(url).pathname !== '/') {
    invalidProp(
      scope,
      prop,
      url,
      'must be a scheme and a host without a path: a path would move every route, probes included',
      `use a value such as '${example}'`,
    );
  }
  return [`--web.external-url=${url}`];
}

/** Checks a base URL users reach a UI at (`https://kibana.example.com`), without a trailing slash. */
export function validateBaseUrl(
  scope: ErrorScope,
  prop: string,
  url: string,
  example: string,
): string {
  if (typeof url !== 'string' || !BASE_URL.test(url)) {
    invalidProp(
      scope,
      prop,
      url,
      'must be an http(s) URL without a trailing slash, quotes or braces',
      `use a value such as '${example}'`,
    );
  }
  return url;
}
