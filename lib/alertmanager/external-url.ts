import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { validateBaseUrl } from '../core/names';

/**
 * The `--web.external-url` argument of Alertmanager and Prometheus, which put it in the links
 * of their notifications and alerts: the URL users reach the UI at, a scheme and a host only.
 * With a path, both would also move every route (probes included) under it. Alertmanager's
 * module holds it because Prometheus already imports Alertmanager's (it sends alerts there),
 * never the other way round.
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
