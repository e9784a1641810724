import { ErrorScope, invalidProp } from './errors';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The longest DNS-1123 label: a Service name, a label value, a pod's host name. */
export const DNS_LABEL_MAX_LENGTH = 63;

/**
 * The longest StatefulSet or CronJob name. Their controllers append `-` and up to 10
 * characters (a StatefulSet its revision hash, for each pod's `controller-revision-hash`
 * label; a CronJob the scheduled time, for its Job's name), and both results must be DNS
 * labels. The API server rejects a longer CronJob; it admits a longer StatefulSet, whose
 * pods then never start.
 */
export const CONTROLLER_NAME_MAX_LENGTH = DNS_LABEL_MAX_LENGTH - 11;

/**
 * Checks a name that becomes a Kubernetes object name or a DNS label (Service
 * names, namespaces): lower-case alphanumerics and '-', at most `maxLength`.
 * Returns the name so callers can validate inline.
 */
export function validateDnsLabel(
  scope: ErrorScope,
  prop: string,
  name: string,
  maxLength = DNS_LABEL_MAX_LENGTH,
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
