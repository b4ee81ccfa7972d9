/**
 * The few GitHub REST calls authgate makes, with the user's (or --github-token's) token. Every answer GitHub can
 * give is mapped to a result or a ProviderError with a stable code; nothing here ever reads as "allowed" by
 * accident: a rate limit, an outage or an unexpected status is an error, never an empty list.
 */
import { ProviderError } from '../errors.js';
import type { ProviderFetch } from './httpClient.js';

/** At 100 items a page, 50 pages = 5,000 orgs or teams: far beyond any real account, and a loop guard. */
const MAX_PAGES = 50;
const API_VERSION = '2022-11-28';

export interface GitHubApiOptions {
  /** https://api.github.com, or GitHub Enterprise's https://ghe.example.com/api/v3 (--validate-url). */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** The provider fetch (size-capped; --provider-ca-file / --ssl-insecure-skip-verify). */
  readonly fetch: ProviderFetch;
}

export interface GitHubEmail {
  readonly email: string;
  readonly primary: boolean;
  readonly verified: boolean;
}

export interface GitHubTeam {
  readonly slug: string;
  readonly org: string;
}

/** A rate-limit answer: 429, or 403 with X-RateLimit-Remaining: 0 or a Retry-After (secondary limits). */
function isRateLimited(res: Response): boolean {
  if (res.status === 429) return true;
  return (
    res.status === 403 && (res.headers.get('x-ratelimit-remaining') === '0' || res.headers.has('retry-after'))
  );
}

/**
 * For the lookups where a 403 is an answer (an organisation restricting OAuth apps, no push access): GitHub also
 * sends a secondary rate limit as 403 without Retry-After and with requests left, and only its message tells
 * ("You have exceeded a secondary rate limit"). Read as a refusal it would sign a member out at the next refresh.
 * The body is at most 1 MiB (the provider fetch caps it) and only its `message` is read.
 */
async function isRateLimited403(res: Response): Promise<boolean> {
  if (isRateLimited(res)) {
    await res.body?.cancel();
    return true;
  }
  const body = (await res.json().catch(() => null)) as { message?: unknown } | null;
  return typeof body?.message === 'string' && /rate limit/i.test(body.message);
}

export function rateLimitedError(): ProviderError {
  return new ProviderError(
    'provider_rate_limited',
    'GitHub is limiting how often authgate may ask about your account. Try again in a few minutes.',
    503,
  );
}

/** The URL of Link: <...>; rel="next", or null. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match && /\brel="?([^"]*\s)?next(\s[^"]*)?"?(;|$)/.test(match[2] ?? '')) return match[1] ?? null;
  }
  return null;
}

export class GitHubApi {
  private readonly base: URL;

  constructor(private readonly opts: GitHubApiOptions) {
    this.base = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
  }

  /** GET <base>/<path>; returns the raw response for statuses the caller interprets, throws for the rest. */
  private async request(path: string | URL, token: string, expected: readonly number[]): Promise<Response> {
    const url = typeof path === 'string' ? new URL(path.replace(/^\//, ''), this.base) : path;
    const init = {
      method: 'GET',
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${token}`,
        'user-agent': 'authgate',
        'x-github-api-version': API_VERSION,
      },
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    };
    let res: Response;
    try {
      res = await this.opts.fetch(url.href, init);
    } catch (err) {
      if (err instanceof ProviderError) throw err; // an oversized answer: already says what went wrong
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw timedOut
        ? new ProviderError('provider_timeout', 'GitHub did not answer in time.', 504, { cause: err })
        : new ProviderError('provider_unreachable', 'GitHub could not be reached.', 503, { cause: err });
    }
    if (expected.includes(res.status)) return res;
    await res.body?.cancel();
    if (isRateLimited(res)) throw rateLimitedError();
    if (res.status === 401) {
      throw new ProviderError('provider_error', 'GitHub did not accept the sign-in token.', 502);
    }
    throw new ProviderError('provider_error', `GitHub answered ${res.status} to an account lookup.`, 502);
  }

  private async json(path: string, token: string): Promise<unknown> {
    const res = await this.request(path, token, [200]);
    try {
      return await res.json();
    } catch (cause) {
      throw new ProviderError('provider_error', 'GitHub sent an unreadable answer.', 502, { cause });
    }
  }

  /**
   * Every item of a paged list, following Link rel="next". A next link is only followed on the API's own
   * origin: the token must never be sent anywhere else, whatever a response says.
   */
  private async all(path: string, token: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let url: URL | null = new URL(path.replace(/^\//, ''), this.base);
    url.searchParams.set('per_page', '100');
    for (let page = 0; url !== null; page += 1) {
      if (page >= MAX_PAGES) {
        throw new ProviderError('provider_error', 'GitHub returned more pages than authgate reads.', 502);
      }
      const res: Response = await this.request(url, token, [200]);
      const body: unknown = await res.json().catch(() => null);
      if (!Array.isArray(body)) {
        throw new ProviderError('provider_error', 'GitHub sent an unreadable list.', 502);
      }
      items.push(...(body as unknown[]));
      const next = nextLink(res.headers.get('link'));
      url = next === null ? null : new URL(next, url);
      if (url !== null && url.origin !== this.base.origin) {
        throw new ProviderError('provider_error', 'GitHub pointed the next page at another host.', 502);
      }
    }
    return items;
  }

  /** GET /user: the login (GitHub's user name). */
  async login(token: string): Promise<string> {
    const user = (await this.json('/user', token)) as { login?: unknown } | null;
    if (typeof user?.login !== 'string' || user.login === '') {
      throw new ProviderError('provider_error', 'GitHub sent no user name.', 502);
    }
    return user.login;
  }

  /** GET /user/emails (needs user:email). */
  async emails(token: string): Promise<GitHubEmail[]> {
    const body = await this.json('/user/emails', token);
    if (!Array.isArray(body)) throw new ProviderError('provider_error', 'GitHub sent no email list.', 502);
    return (body as unknown[]).flatMap((e) => {
      const item = e as Partial<Record<keyof GitHubEmail, unknown>> | null;
      return typeof item?.email === 'string'
        ? [{ email: item.email, primary: item.primary === true, verified: item.verified === true }]
        : [];
    });
  }

  /** GET /user/orgs, every page (needs read:org for private memberships): organisation logins. */
  async orgs(token: string): Promise<string[]> {
    const list = await this.all('/user/orgs', token);
    return list.flatMap((o) => {
      const login = (o as { login?: unknown } | null)?.login;
      return typeof login === 'string' ? [login] : [];
    });
  }

  /** GET /user/teams, every page (needs read:org). */
  async teams(token: string): Promise<GitHubTeam[]> {
    const list = await this.all('/user/teams', token);
    return list.flatMap((t) => {
      const team = t as { slug?: unknown; organization?: { login?: unknown } } | null;
      const org = team?.organization?.login;
      return typeof team?.slug === 'string' && typeof org === 'string' ? [{ slug: team.slug, org }] : [];
    });
  }

  /**
   * GET /user/memberships/orgs/{org}: an active membership, public or private. GitHub answers 404 both for "not a
   * member" and for an organisation the token may not see, and 403 when the organisation restricts OAuth apps:
   * all of them are "not a member" here (the caller logs why).
   */
  async orgMembership(token: string, org: string): Promise<'active' | 'pending' | 'none' | 'app_restricted'> {
    const res = await this.request(
      `/user/memberships/orgs/${encodeURIComponent(org)}`,
      token,
      [200, 403, 404],
    );
    if (res.status === 404) return 'none';
    if (res.status === 403) {
      if (await isRateLimited403(res)) throw rateLimitedError();
      return 'app_restricted';
    }
    const body = (await res.json().catch(() => null)) as { state?: unknown } | null;
    if (body?.state === 'active') return 'active';
    return body?.state === 'pending' ? 'pending' : 'none';
  }

  /**
   * GET /repos/{owner}/{repo}/collaborators/{login}: 204 = a collaborator, 404 = not (or the repository is invisible
   * to the token). 403 without a rate limit means the token may not list collaborators (it needs push access).
   */
  async isCollaborator(token: string, repo: string, login: string): Promise<'yes' | 'no' | 'forbidden'> {
    const [owner = '', name = ''] = repo.split('/');
    const path = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/collaborators/${encodeURIComponent(login)}`;
    const res = await this.request(path, token, [204, 403, 404]);
    if (res.status === 403) {
      if (await isRateLimited403(res)) throw rateLimitedError();
      return 'forbidden';
    }
    await res.body?.cancel();
    return res.status === 204 ? 'yes' : 'no';
  }
}
