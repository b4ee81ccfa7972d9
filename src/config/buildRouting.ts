/** The routing options: upstreams, skip-auth routes, API routes and redirect whitelist domains. */
import type { Checker } from './checks.js';
import { show } from './coerce.js';
import type { Options, SkipAuthRouteOption, UpstreamOption } from './options.js';
import { parseSkipAuthRoute, parseUpstream, regexError } from './routes.js';

export function routing(
  check: Checker,
): Pick<Options, 'upstreams' | 'skipAuthRoutes' | 'apiRoutes' | 'whitelistDomains'> {
  return {
    upstreams: upstreams(check),
    skipAuthRoutes: skipAuthRoutes(check),
    apiRoutes: regexes(check, 'api-route'),
    whitelistDomains: whitelistDomains(check),
  };
}

function upstreams(check: Checker): UpstreamOption[] {
  const result: UpstreamOption[] = [];
  for (const text of check.values.list('upstream')) {
    const parsed = parseUpstream(text);
    if ('error' in parsed) {
      check.report(
        'upstream',
        `${show(text)} ${parsed.error}`,
        'e.g. --upstream=http://dashboard.kube-system.svc:8080/',
      );
    } else if (result.some((u) => u.pathPrefix === parsed.value.pathPrefix)) {
      check.report(
        'upstream',
        `two upstreams share the path ${parsed.value.pathPrefix}`,
        'give each upstream its own path',
      );
    } else {
      result.push(parsed.value);
    }
  }
  return result;
}

function regexes(check: Checker, name: string): readonly string[] {
  const patterns = check.values.list(name);
  for (const pattern of patterns) checkRegex(check, name, pattern);
  return patterns;
}

function checkRegex(check: Checker, name: string, pattern: string): void {
  const error = regexError(pattern);
  if (error !== null)
    check.report(name, `${show(pattern)} is not a valid regular expression: ${error}`, 'fix the regex');
  // An empty pattern matches every path: almost surely a slip, and for skip-auth it would open everything.
  if (pattern === '')
    check.report(
      name,
      'has an empty regex, which matches every path',
      'write ^/ explicitly if you mean every path',
    );
}

function skipAuthRoutes(check: Checker): SkipAuthRouteOption[] {
  const routes = check.values.list('skip-auth-route').map((text) => {
    const route = parseSkipAuthRoute(text);
    checkRegex(check, 'skip-auth-route', route.pattern);
    return route;
  });
  // Legacy --skip-auth-regex: a route for every method.
  for (const pattern of regexes(check, 'skip-auth-regex'))
    routes.push({ method: null, negateMethod: false, pattern });
  return routes;
}

function whitelistDomains(check: Checker): readonly string[] {
  const domains = check.values.list('whitelist-domain');
  for (const domain of domains.filter((d) => d.includes('/'))) {
    check.report(
      'whitelist-domain',
      `${show(domain)} is a URL, not a domain`,
      'write only the host, e.g. .example.com or example.com:8443',
    );
  }
  return domains;
}
