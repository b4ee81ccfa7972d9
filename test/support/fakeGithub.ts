/**
 * A fake GitHub on 127.0.0.1 for integration tests: the OAuth endpoints (authorize auto-approves as the user chosen
 * with signInAs, then 302s back with code and state; the token endpoint answers like GitHub, errors included as
 * 200 JSON) and the REST calls authgate makes, with GitHub's status codes, JSON shapes, scopes, Link-header
 * pagination and rate-limit answers. `apiPrefix: '/api/v3'` serves the API under GitHub Enterprise's path.
 */
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface FakeGithubUser {
  emails?: { email: string; primary: boolean; verified: boolean }[];
  /** Public org memberships (listed by /user/orgs with any token). */
  orgs?: string[];
  /** Private memberships: only a token with read:org sees them; otherwise GitHub answers 404. */
  privateOrgs?: string[];
  /** Invitations not accepted yet: not members. */
  pendingOrgs?: string[];
  teams?: { org: string; slug: string }[];
}

export interface FakeGithubOptions {
  users: Record<string, FakeGithubUser>;
  /** owner/repo -> collaborators, each with push access or not. */
  repos?: Record<string, { login: string; push: boolean }[]>;
  /** Private repositories: invisible (404) to a user token without the repo scope. */
  privateRepos?: string[];
  /** Orgs that restrict OAuth apps: the membership lookup answers 403. */
  restrictedOrgs?: string[];
  apiPrefix?: string;
  clientId?: string;
  clientSecret?: string;
}

export interface FakeGithubRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Login the token belongs to, or '' without one. */
  readonly as: string;
}

export interface FakeGithub {
  readonly url: string;
  readonly apiUrl: string;
  readonly loginUrl: string;
  readonly redeemUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly requests: FakeGithubRequest[];
  /** Query of the last authorization request (scope, PKCE...). */
  lastAuthorize(): URLSearchParams | null;
  signInAs(login: string): void;
  /** A token as if a PAT of `login` (for --github-token). */
  addToken(login: string, scopes: string[]): string;
  /**
   * 'primary': 403 + X-RateLimit-Remaining: 0; 'secondary': 429 + Retry-After; 'secondary-403': GitHub's other
   * documented form of a secondary limit, 403 without Retry-After and with requests left, only on the membership
   * and collaborator lookups (where a 403 otherwise means "restricted"); false: off.
   */
  setRateLimited(mode: 'primary' | 'secondary' | 'secondary-403' | false): void;
  stop(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';

export async function startFakeGithub(opts: FakeGithubOptions): Promise<FakeGithub> {
  const prefix = opts.apiPrefix ?? '';
  const clientId = opts.clientId ?? 'Iv1.fakegithubclient';
  const clientSecret = opts.clientSecret ?? 'fake-github-client-secret-0123456789';
  const codes = new Map<
    string,
    { login: string; scopes: string[]; redirectUri: string; challenge: string }
  >();
  const tokens = new Map<string, { login: string; scopes: string[] }>();
  const requests: FakeGithubRequest[] = [];
  let current = Object.keys(opts.users)[0] ?? '';
  let limited: 'primary' | 'secondary' | 'secondary-403' | false = false;
  let authorizeQuery: URLSearchParams | null = null;
  let base = '';

  const send = (
    res: http.ServerResponse,
    status: number,
    body?: unknown,
    headers: http.OutgoingHttpHeaders = {},
  ) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      ...headers,
    });
    res.end(text);
  };
  const notFound = (res: http.ServerResponse) =>
    send(res, 404, { message: 'Not Found', documentation_url: DOCS });

  const authorize = (url: URL, res: http.ServerResponse) => {
    authorizeQuery = url.searchParams;
    const q = url.searchParams;
    if (q.get('client_id') !== clientId) return notFound(res);
    const code = randomBytes(10).toString('hex');
    const scopes = (q.get('scope') ?? '').split(/[\s,]+/).filter(Boolean);
    const challenge = q.get('code_challenge_method') === 'S256' ? (q.get('code_challenge') ?? '') : '';
    codes.set(code, { login: current, scopes, redirectUri: q.get('redirect_uri') ?? '', challenge });
    const back = new URL(q.get('redirect_uri') ?? '');
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.get('state') ?? '');
    res.writeHead(302, { location: back.href }).end();
  };

  const accessToken = (form: URLSearchParams, res: http.ServerResponse) => {
    const error = (name: string, description: string) =>
      send(res, 200, { error: name, error_description: description, error_uri: `${DOCS}/apps` });
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
      return error(
        'incorrect_client_credentials',
        'The client_id and/or client_secret passed are incorrect.',
      );
    }
    const grant = codes.get(form.get('code') ?? '');
    codes.delete(form.get('code') ?? '');
    if (!grant) return error('bad_verification_code', 'The code passed is incorrect or expired.');
    if (grant.redirectUri !== form.get('redirect_uri')) {
      return error('redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL.');
    }
    const verifier = form.get('code_verifier') ?? '';
    if (grant.challenge && createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) {
      return error('bad_verification_code', 'The code passed is incorrect or expired.');
    }
    const token = `gho_${randomBytes(16).toString('hex')}`;
    tokens.set(token, { login: grant.login, scopes: grant.scopes });
    send(res, 200, { access_token: token, token_type: 'bearer', scope: grant.scopes.join(',') });
  };

  /** Link-header pagination as GitHub does it: per_page (max 100, default 30), page from 1. */
  const paged = (res: http.ServerResponse, url: URL, items: unknown[]) => {
    const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30) || 30);
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number, rel: string) => {
      const u = new URL(url.pathname, base);
      u.searchParams.set('per_page', String(perPage));
      u.searchParams.set('page', String(p));
      return `<${u.href}>; rel="${rel}"`;
    };
    const links = [];
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
    send(
      res,
      200,
      items.slice((page - 1) * perPage, page * perPage),
      links.length ? { link: links.join(', ') } : {},
    );
  };

  const api = (
    path: string,
    url: URL,
    auth: { login: string; scopes: string[] },
    res: http.ServerResponse,
  ) => {
    const user = opts.users[auth.login] ?? {};
    const has = (scope: string) => auth.scopes.includes(scope);
    const readOrg = has('read:org') || has('admin:org') || has('write:org');
    const orgsVisible = [...(user.orgs ?? []), ...(readOrg ? (user.privateOrgs ?? []) : [])];
    let m: RegExpExecArray | null;
    if (path === '/user')
      return send(res, 200, { login: auth.login, id: 1000 + auth.login.length, type: 'User' });
    if (path === '/user/emails') {
      if (!has('user:email') && !has('user')) return notFound(res);
      return send(
        res,
        200,
        (user.emails ?? []).map((e) => ({ ...e, visibility: e.primary ? 'private' : null })),
      );
    }
    if (path === '/user/orgs')
      return paged(
        res,
        url,
        orgsVisible.map((login, i) => ({ login, id: i + 1 })),
      );
    if (path === '/user/teams') {
      if (!readOrg)
        return send(res, 403, { message: 'Resource not accessible by integration', documentation_url: DOCS });
      const teams = (user.teams ?? []).map((t, i) => ({
        id: i + 1,
        slug: t.slug,
        name: t.slug,
        organization: { login: t.org },
      }));
      return paged(res, url, teams);
    }
    if ((m = /^\/user\/memberships\/orgs\/([^/]+)$/.exec(path))) {
      const org = decodeURIComponent(m[1] ?? '');
      if (opts.restrictedOrgs?.includes(org)) {
        return send(res, 403, {
          message: `the \`${org}\` organization has enabled OAuth App access restrictions`,
          documentation_url: DOCS,
        });
      }
      const state = orgsVisible.includes(org)
        ? 'active'
        : readOrg && user.pendingOrgs?.includes(org)
          ? 'pending'
          : null;
      if (!state) return notFound(res);
      return send(res, 200, {
        state,
        role: 'member',
        organization: { login: org },
        user: { login: auth.login },
      });
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)$/.exec(path))) {
      const repo = `${decodeURIComponent(m[1] ?? '')}/${decodeURIComponent(m[2] ?? '')}`;
      const collaborators = opts.repos?.[repo];
      const hidden = opts.privateRepos?.includes(repo) && !has('repo');
      if (!collaborators || hidden) return notFound(res);
      if (!collaborators.some((c) => c.login === auth.login && c.push)) {
        return send(res, 403, {
          message: 'Must have push access to view repository collaborators.',
          documentation_url: DOCS,
        });
      }
      const target = decodeURIComponent(m[3] ?? '');
      return collaborators.some((c) => c.login === target) ? send(res, 204) : notFound(res);
    }
    return notFound(res);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') return authorize(url, res);
      if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
        return accessToken(new URLSearchParams(Buffer.concat(chunks).toString('utf8')), res);
      }
      if (!url.pathname.startsWith(`${prefix}/`)) return notFound(res);
      const path = url.pathname.slice(prefix.length);
      const token = /^(?:Bearer|token) (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const auth = tokens.get(token);
      requests.push({ method: req.method ?? 'GET', path, query: url.searchParams, as: auth?.login ?? '' });
      if (limited === 'primary') {
        const reset = String(Math.floor(Date.now() / 1000) + 3600);
        return send(
          res,
          403,
          { message: 'API rate limit exceeded for user ID 1000.', documentation_url: DOCS },
          {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': reset,
          },
        );
      }
      if (limited === 'secondary') {
        return send(
          res,
          429,
          { message: 'You have exceeded a secondary rate limit.', documentation_url: DOCS },
          { 'retry-after': '60' },
        );
      }
      if (limited === 'secondary-403' && /^\/(?:user\/memberships\/orgs|repos)\//.test(path)) {
        return send(
          res,
          403,
          {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            documentation_url: DOCS,
          },
          { 'x-ratelimit-remaining': '4990' },
        );
      }
      if (!auth) return send(res, 401, { message: 'Bad credentials', documentation_url: DOCS });
      api(path, url, auth, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    apiUrl: `${base}${prefix}`,
    loginUrl: `${base}/login/oauth/authorize`,
    redeemUrl: `${base}/login/oauth/access_token`,
    clientId,
    clientSecret,
    requests,
    lastAuthorize: () => authorizeQuery,
    signInAs: (login) => void (current = login),
    addToken: (login, scopes) => {
      const token = `ghp_${randomBytes(16).toString('hex')}`;
      tokens.set(token, { login, scopes });
      return token;
    },
    setRateLimited: (mode) => void (limited = mode),
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
