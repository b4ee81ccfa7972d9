import { describe, expect, it } from '@jest/globals';
import { compileRouteRules } from '../../../src/authz/routes.js';
import { AuthgateError } from '../../../src/errors.js';

const rules = compileRouteRules(
  [
    { method: null, negateMethod: false, pattern: '^/public' },
    { method: 'GET', negateMethod: false, pattern: '^/static/.*\\.css$' },
    { method: 'post', negateMethod: false, pattern: '^/webhook$' },
    { method: 'DELETE', negateMethod: true, pattern: '^/readonly/' },
    { method: null, negateMethod: false, pattern: 'healthz' },
  ],
  ['^/api/', '\\.json$'],
);

describe('isSkipAuth', () => {
  it.each([
    ['GET', '/public', true],
    ['POST', '/public/x', true],
    ['GET', '/publicity', true],
    ['GET', '/private', false],
    ['GET', '/x/public', false],
    ['GET', '/static/app.css', true],
    ['get', '/static/app.css', true],
    ['POST', '/static/app.css', false],
    ['GET', '/static/app.css.map', false],
    ['POST', '/webhook', true],
    ['GET', '/webhook', false],
    ['POST', '/webhook/x', false],
    ['GET', '/readonly/doc', true],
    ['PUT', '/readonly/doc', true],
    ['DELETE', '/readonly/doc', false],
    ['delete', '/readonly/doc', false],
    // unanchored like Go's MatchString: `healthz` matches anywhere in the path
    ['GET', '/healthz', true],
    ['GET', '/deep/healthz/x', true],
    // the query and fragment never take part (CVE-2026-40575 family)
    ['GET', '/private?/public', false],
    ['GET', '/private?x=/public', false],
    ['GET', '/private#/public', false],
    ['GET', '/private?healthz', false],
    ['GET', '/admin?/static/app.css', false],
    ['DELETE', '/private?/readonly/', false],
    // a request target that is not a path never skips authentication
    ['GET', 'http://host/public', false],
    ['GET', 'public', false],
    ['GET', '', false],
  ])('%s %j -> %s', (method, path, expected) => {
    expect(rules.isSkipAuth(method, path)).toBe(expected);
  });
});

describe('isApiRoute', () => {
  it.each([
    ['/api/v1/items', true],
    ['/api', false],
    ['/x/data.json', true],
    ['/x/data.json?y=1', true],
    ['/page?format=.json', false],
    ['/page#/api/', false],
    ['/ui/api/', false],
    ['api/x', false],
  ])('%j -> %s', (path, expected) => {
    expect(rules.isApiRoute(path)).toBe(expected);
  });
});

describe('compileRouteRules', () => {
  it('with no rules nothing is skipped and nothing is an API route', () => {
    const none = compileRouteRules([], []);
    expect(none.isSkipAuth('GET', '/')).toBe(false);
    expect(none.isApiRoute('/api/')).toBe(false);
  });

  it.each([
    [[{ method: null, negateMethod: false, pattern: '(' }], []],
    [[], ['[a-']],
    [[{ method: 'GET', negateMethod: false, pattern: '(?P<name>x)' }], []],
  ])('throws ERR_ROUTE_REGEX for an invalid pattern', (skip, api) => {
    let error: unknown;
    try {
      compileRouteRules(skip, api);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuthgateError);
    expect((error as AuthgateError).code).toBe('ERR_ROUTE_REGEX');
  });
});
