import { describe, expect, it } from '@jest/globals';
import { GitHubApi, nextLink } from '../../../src/providers/githubApi.js';
import { githubScope } from '../../../src/providers/github.js';
import type { ProviderFetch } from '../../../src/providers/httpClient.js';

/** A fetch answering from a table of URL -> [status, body, headers]; records what was asked. */
function tableFetch(table: Record<string, [number, unknown, Record<string, string>?]>) {
  const asked: { url: string; authorization: string }[] = [];
  const fetchImpl: ProviderFetch = async (url, init) => {
    asked.push({ url, authorization: new Headers(init.headers).get('authorization') ?? '' });
    const [status, body, headers] = table[url] ?? [404, { message: 'Not Found' }];
    return new Response(status === 204 ? null : JSON.stringify(body), { status, headers });
  };
  return { fetchImpl, asked };
}
const api = (fetchImpl: ProviderFetch, baseUrl = 'https://api.github.com') =>
  new GitHubApi({ baseUrl, timeoutMs: 1000, fetch: fetchImpl });

describe('nextLink', () => {
  it.each([
    ['<https://a/x?page=2>; rel="next", <https://a/x?page=5>; rel="last"', 'https://a/x?page=2'],
    ['<https://a/x?page=1>; rel="first", <https://a/x?page=3>; rel="next"', 'https://a/x?page=3'],
    ['<https://a/x?page=1>; rel="prev", <https://a/x?page=1>; rel="first"', null],
    ['<https://a/x?page=4>; rel="last next"', 'https://a/x?page=4'],
    ['<https://a/x?page=4>; rel="nextish"', null],
    ['', null],
  ])('%s', (header, expected) => {
    expect(nextLink(header)).toBe(expected);
  });
});

describe('githubScope: only what the restrictions need', () => {
  const none = { org: '', teams: [], repo: '', token: '', users: [] };
  it.each([
    [none, false, 'user:email'],
    [{ ...none, users: ['octocat'] }, false, 'user:email'],
    [{ ...none, org: 'acme' }, false, 'user:email read:org'],
    [{ ...none, org: 'acme', teams: ['sre'] }, false, 'user:email read:org'],
    [none, true, 'user:email read:org'],
    [{ ...none, repo: 'acme/x' }, false, 'user:email repo'],
    [{ ...none, repo: 'acme/x', token: 'ghp_x' }, false, 'user:email'],
  ])('%j groups=%s -> %s', (restrictions, groups, scope) => {
    expect(githubScope(restrictions, groups)).toBe(scope);
  });
});

describe('GitHubApi', () => {
  it('follows Link rel="next" through every page, with per_page=100', async () => {
    const { fetchImpl, asked } = tableFetch({
      'https://ghe.example.com/api/v3/user/orgs?per_page=100': [
        200,
        [{ login: 'a' }],
        { link: '<https://ghe.example.com/api/v3/user/orgs?per_page=100&page=2>; rel="next"' },
      ],
      'https://ghe.example.com/api/v3/user/orgs?per_page=100&page=2': [200, [{ login: 'b' }]],
    });
    expect(await api(fetchImpl, 'https://ghe.example.com/api/v3').orgs('t0k')).toEqual(['a', 'b']);
    expect(asked.map((a) => a.authorization)).toEqual(['Bearer t0k', 'Bearer t0k']);
  });

  it('never sends the token to another host named by a next link', async () => {
    const { fetchImpl, asked } = tableFetch({
      'https://api.github.com/user/teams?per_page=100': [
        200,
        [],
        { link: '<https://evil.example/steal?page=2>; rel="next"' },
      ],
    });
    await expect(api(fetchImpl).teams('t0k')).rejects.toMatchObject({ code: 'provider_error' });
    expect(asked.map((a) => a.url)).toEqual(['https://api.github.com/user/teams?per_page=100']);
  });

  it.each([
    [
      '403 with X-RateLimit-Remaining: 0',
      403,
      { 'x-ratelimit-remaining': '0' },
      'provider_rate_limited',
      503,
    ],
    ['403 with Retry-After (secondary)', 403, { 'retry-after': '30' }, 'provider_rate_limited', 503],
    ['429', 429, {}, 'provider_rate_limited', 503],
    ['401 bad credentials', 401, {}, 'provider_error', 502],
    ['500', 500, {}, 'provider_error', 502],
  ])('%s is an error, never an empty answer', async (_what, status, headers, code, httpStatus) => {
    const { fetchImpl } = tableFetch({
      'https://api.github.com/user/orgs?per_page=100': [status, {}, headers],
    });
    await expect(api(fetchImpl).orgs('t')).rejects.toMatchObject({ code, status: httpStatus });
  });

  it('membership: active, pending, 404 = none, 403 = app restricted, 403 rate limit = error', async () => {
    const base = 'https://api.github.com/user/memberships/orgs/';
    const { fetchImpl } = tableFetch({
      [`${base}a`]: [200, { state: 'active' }],
      [`${base}p`]: [200, { state: 'pending' }],
      [`${base}r`]: [403, { message: 'restricted' }],
      [`${base}l`]: [403, {}, { 'x-ratelimit-remaining': '0' }],
    });
    const gh = api(fetchImpl);
    expect(await Promise.all(['a', 'p', 'n', 'r'].map((o) => gh.orgMembership('t', o)))).toEqual([
      'active',
      'pending',
      'none',
      'app_restricted',
    ]);
    await expect(gh.orgMembership('t', 'l')).rejects.toMatchObject({ code: 'provider_rate_limited' });
  });

  it('collaborator: 204 yes, 404 no, 403 forbidden', async () => {
    const base = 'https://api.github.com/repos/acme/x/collaborators/';
    const { fetchImpl } = tableFetch({ [`${base}yes`]: [204, null], [`${base}f`]: [403, {}] });
    const gh = api(fetchImpl);
    expect(await gh.isCollaborator('t', 'acme/x', 'yes')).toBe('yes');
    expect(await gh.isCollaborator('t', 'acme/x', 'no')).toBe('no');
    expect(await gh.isCollaborator('t', 'acme/x', 'f')).toBe('forbidden');
  });

  it('a network failure is provider_unreachable', async () => {
    const failing: ProviderFetch = async () => {
      throw new TypeError('fetch failed');
    };
    await expect(api(failing).login('t')).rejects.toMatchObject({
      code: 'provider_unreachable',
      status: 503,
    });
  });
});
