/**
 * --skip-auth-route and --api-route, compiled once at start.
 *
 * Semantics kept from oauth2-proxy (document these for users):
 * - Patterns are matched UNANCHORED, like Go's regexp.MatchString: `/public` also matches `/x/public/y`. Write
 *   `^/public/` to mean a prefix. Patterns are JavaScript regular expressions (no flags); RE2 syntax that JavaScript
 *   lacks (e.g. `(?P<name>...)`) fails at start.
 * - `regex` applies to every method, `METHOD=regex` to that method only, `METHOD!=regex` to every method except it.
 * - Only the PATH is matched. The caller passes the path without query or fragment; as a second line of defence
 *   anything from the first '?' or '#' is cut off here, so `/private?/public` never matches `^/public`, and a path
 *   that does not start with '/' (an absolute-form request target) never skips authentication.
 */
import type { SkipAuthRouteOption } from '../config/options.js';
import { AuthgateError } from '../errors.js';

export interface RouteRules {
  isSkipAuth(method: string, path: string): boolean;
  isApiRoute(path: string): boolean;
}

interface CompiledSkipRoute {
  readonly method: string | null;
  readonly negateMethod: boolean;
  readonly regex: RegExp;
}

function compile(pattern: string, flag: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (cause) {
    throw new AuthgateError('ERR_ROUTE_REGEX', `invalid ${flag} regular expression: ${pattern}`, { cause });
  }
}

function pathOnly(path: string): string | null {
  if (typeof path !== 'string' || !path.startsWith('/')) return null;
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

function methodApplies(route: CompiledSkipRoute, method: string): boolean {
  if (route.method === null) return true;
  return route.negateMethod ? method !== route.method : method === route.method;
}

export function compileRouteRules(
  skipAuthRoutes: readonly SkipAuthRouteOption[],
  apiRoutes: readonly string[],
): RouteRules {
  const skip: CompiledSkipRoute[] = skipAuthRoutes.map((route) => ({
    method: route.method === null ? null : route.method.toUpperCase(),
    negateMethod: route.negateMethod,
    regex: compile(route.pattern, '--skip-auth-route'),
  }));
  const api = apiRoutes.map((pattern) => compile(pattern, '--api-route'));
  return {
    isSkipAuth(method, path) {
      const p = pathOnly(path);
      if (p === null) return false;
      const m = method.toUpperCase();
      return skip.some((route) => methodApplies(route, m) && route.regex.test(p));
    },
    isApiRoute(path) {
      const p = pathOnly(path);
      return p !== null && api.some((regex) => regex.test(p));
    },
  };
}
