import { describe, expect, it } from '@jest/globals';
import { parseSkipAuthRoute, parseUpstream } from '../../../src/config/routes.js';
import { configErrorOf, optionsOf, VALID_ARGV } from './configFixtures.js';

describe('parseUpstream', () => {
  it.each([
    ['http://dashboard:8080', '/'],
    ['http://dashboard:8080/', '/'],
    ['https://kong.kubernetes-dashboard.svc/app', '/app/'],
    ['https://kong.kubernetes-dashboard.svc/app/', '/app/'],
    ['http://[::1]:9000/a/b', '/a/b/'],
  ])('%s routes the prefix %s', (text, pathPrefix) => {
    const parsed = parseUpstream(text);
    if (!('value' in parsed)) throw new Error(parsed.error);
    expect(parsed.value.pathPrefix).toBe(pathPrefix);
    expect(parsed.value.url).toBeInstanceOf(URL);
    expect(parsed.value.url.href).toBe(new URL(text).href);
  });

  it.each([
    ['dashboard:8080', 'http:// and https:// only'], // parses as scheme "dashboard:"
    ['/just/a/path', 'not an absolute URL'],
    ['file:///var/www', 'http:// and https:// only'],
    ['http://a/?x=1', 'query or fragment'],
    ['http://a/#top', 'query or fragment'],
    ['http://a/?', 'query or fragment'],
    ['http://a:1/,http://b:2/', 'give each its own --upstream'],
  ])('rejects %s', (text, reason) => {
    const parsed = parseUpstream(text);
    expect('error' in parsed && parsed.error).toEqual(expect.stringContaining(reason));
  });
});

describe('parseSkipAuthRoute', () => {
  it.each([
    ['GET=^/healthz$', { method: 'GET', negateMethod: false, pattern: '^/healthz$' }],
    ['post=^/hooks/', { method: 'POST', negateMethod: false, pattern: '^/hooks/' }],
    ['OPTIONS!=^/api/', { method: 'OPTIONS', negateMethod: true, pattern: '^/api/' }],
    ['^/public/', { method: null, negateMethod: false, pattern: '^/public/' }],
    // Regexes that contain '=' must not lose their first part to a "method".
    ['^/search\\?q=.*', { method: null, negateMethod: false, pattern: '^/search\\?q=.*' }],
    ['/a=b', { method: null, negateMethod: false, pattern: '/a=b' }],
    ['^/x!=y', { method: null, negateMethod: false, pattern: '^/x!=y' }],
    ['GET=^/k=v/(a|b)=c$', { method: 'GET', negateMethod: false, pattern: '^/k=v/(a|b)=c$' }],
    ['DELETE!=^/a!=b', { method: 'DELETE', negateMethod: true, pattern: '^/a!=b' }],
  ])('%s', (text, expected) => {
    expect(parseSkipAuthRoute(text)).toEqual(expected);
  });
});

describe('routing options in the loader', () => {
  it('parses repeated --upstream flags in order', () => {
    const options = optionsOf([...VALID_ARGV, '--upstream=http://a:1/', '--upstream', 'http://b:2/api']);
    expect(options.upstreams.map((u) => [u.url.href, u.pathPrefix])).toEqual([
      ['http://a:1/', '/'],
      ['http://b:2/api', '/api/'],
    ]);
  });

  it('does not split --upstream on commas', () => {
    const err = configErrorOf([...VALID_ARGV, '--upstream=http://a:1/,http://b:2/']);
    expect(err.problems).toEqual([
      expect.objectContaining({ flag: '--upstream', message: expect.stringContaining('several URLs') }),
    ]);
  });

  it('turns --skip-auth-regex entries into any-method skip-auth routes, after the --skip-auth-route ones', () => {
    const options = optionsOf([...VALID_ARGV, '--skip-auth-regex=^/metrics', '--skip-auth-route=GET=^/ok']);
    expect(options.skipAuthRoutes).toEqual([
      { method: 'GET', negateMethod: false, pattern: '^/ok' },
      { method: null, negateMethod: false, pattern: '^/metrics' },
    ]);
  });

  it('reports two upstreams on the same path', () => {
    const err = configErrorOf([...VALID_ARGV, '--upstream=http://a/', '--upstream=http://b/']);
    expect(err.problems).toEqual([
      expect.objectContaining({ flag: '--upstream', message: 'two upstreams share the path /' }),
    ]);
  });

  it('masks credentials of an upstream URL in a problem', () => {
    const err = configErrorOf([...VALID_ARGV, '--upstream=ftp://user:pa55word@files/']);
    expect(err.message).not.toContain('pa55word');
    expect(err.message).toContain('ftp://***@files/');
  });
});
