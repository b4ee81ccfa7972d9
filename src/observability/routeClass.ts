/** Which route class a request path belongs to, for the metrics' `route` label. Pure. */
import type { RouteClass } from './metrics.js';

/** /ping and /ready count as 'other'; everything outside <proxy-prefix> else is 'proxy'. */
export function createRouteClassifier(
  proxyPrefix: string,
  healthPaths: readonly string[],
): (path: string) => RouteClass {
  const health = new Set(healthPaths);
  const prefixSlash = `${proxyPrefix}/`;
  const auth = `${proxyPrefix}/auth`;
  const callback = `${proxyPrefix}/callback`;
  const signIn = new Set([`${proxyPrefix}/start`, `${proxyPrefix}/sign_in`]);
  const staticPrefix = `${proxyPrefix}/static/`;
  return (path) => {
    if (path === auth) return 'auth';
    if (health.has(path)) return 'other';
    if (!path.startsWith(prefixSlash) && path !== proxyPrefix) return 'proxy';
    if (path === callback) return 'callback';
    if (signIn.has(path)) return 'sign-in';
    if (path.startsWith(staticPrefix)) return 'static';
    return 'other';
  };
}
