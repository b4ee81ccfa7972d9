/**
 * --provider=github: plain OAuth2 (no discovery, no ID token). The user is read from the REST API with the access
 * token: login, the primary verified email, and (when read:org was asked for) groups `org` and `org:team`.
 * oauth2-proxy's restrictions apply in its order: --github-user admits on its own; otherwise --github-org (or
 * --github-team within it) and --github-repo must all pass.
 */
import type { Logger } from 'pino';
import type { AuthorizationParams, Provider, ProviderIdentity, RedeemParams } from './types.js';
import type { SessionState } from '../session/types.js';
import { ProviderError } from '../errors.js';
import { GitHubApi, type GitHubTeam } from './githubApi.js';
import { createProviderFetch, type ProviderFetch } from './httpClient.js';
import { AccessRefusedError } from './refusal.js';

export const GITHUB_LOGIN_URL = 'https://github.com/login/oauth/authorize';
export const GITHUB_REDEEM_URL = 'https://github.com/login/oauth/access_token';
export const GITHUB_API_URL = 'https://api.github.com';

export interface GitHubRestrictions {
  readonly org: string;
  /** Team slugs within `org`; any one suffices. */
  readonly teams: readonly string[];
  /** owner/repo whose collaborators may enter. */
  readonly repo: string;
  /** Token used for the collaborator check instead of the user's own (--github-token). */
  readonly token: string;
  /** Logins admitted whatever the other restrictions say. */
  readonly users: readonly string[];
}

export interface GitHubProviderConfig {
  readonly clientId: string;
  readonly clientSecret: string;
  /** --scope as given; '' = derived from what the restrictions need (githubScope). */
  readonly scope: string;
  readonly displayName: string;
  /** '' = github.com's. */
  readonly loginUrl: string;
  readonly redeemUrl: string;
  readonly apiUrl: string;
  readonly restrictions: GitHubRestrictions;
  /** Groups are wanted even without an org restriction (--allowed-group, impersonation). */
  readonly groupsNeeded: boolean;
  readonly caFiles: readonly string[];
  readonly insecureSkipVerify: boolean;
  readonly timeoutMs: number;
  /** Logged once at start: what an upstream receives for a GitHub user. */
  readonly upstreamNotice: string;
}

/**
 * The scopes a configuration needs, and no more: `user:email` to read the verified email; `read:org` to see
 * private org and team memberships (org/team restrictions, or groups); `repo` only when the collaborator check
 * runs with the user's own token (it can see a private repository only with `repo`, which also grants write
 * access to the user's code: prefer --github-token, which needs no extra scope from users).
 */
export function githubScope(r: GitHubRestrictions, groupsNeeded: boolean): string {
  const scopes = ['user:email'];
  if (r.org !== '' || r.teams.length > 0 || groupsNeeded) scopes.push('read:org');
  if (r.repo !== '' && r.token === '') scopes.push('repo');
  return scopes.join(' ');
}

/** Whether a scope string lets the token read org and team memberships. */
function readsOrgs(scope: string): boolean {
  return scope.split(/[\s,]+/).some((s) => s === 'read:org' || s === 'write:org' || s === 'admin:org');
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

interface TokenAnswer {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresAt: number;
}

export class GitHubProvider implements Provider {
  readonly type = 'github';
  readonly displayName: string;
  private readonly scope: string;
  private readonly wantGroups: boolean;
  private readonly api: GitHubApi;
  private readonly fetchImpl: ProviderFetch;

  constructor(
    private readonly cfg: GitHubProviderConfig,
    private readonly log: Logger,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.displayName = cfg.displayName;
    this.scope = cfg.scope || githubScope(cfg.restrictions, cfg.groupsNeeded);
    this.wantGroups = readsOrgs(this.scope);
    this.fetchImpl = createProviderFetch({
      caFiles: cfg.caFiles,
      insecureSkipVerify: cfg.insecureSkipVerify,
    });
    this.api = new GitHubApi({
      baseUrl: cfg.apiUrl || GITHUB_API_URL,
      timeoutMs: cfg.timeoutMs,
      fetch: this.fetchImpl,
    });
  }

  /** No discovery: ready at once. */
  isReady(): boolean {
    return true;
  }

  start(): void {
    this.log.info(
      { scope: this.scope, groups: this.wantGroups ? 'org, org:team' : 'none (no read:org scope)' },
      `provider github: ${this.cfg.upstreamNotice}`,
    );
  }

  stop(): void {}

  authorizationUrl(params: AuthorizationParams): URL {
    const url = new URL(this.cfg.loginUrl || GITHUB_LOGIN_URL);
    url.searchParams.set('client_id', this.cfg.clientId);
    url.searchParams.set('redirect_uri', params.redirectUri);
    url.searchParams.set('scope', this.scope);
    url.searchParams.set('state', params.state);
    if (params.codeChallenge) {
      url.searchParams.set('code_challenge', params.codeChallenge);
      url.searchParams.set('code_challenge_method', params.codeChallengeMethod);
    }
    return url;
  }

  async redeem(params: RedeemParams): Promise<ProviderIdentity> {
    const grant: Record<string, string> = {
      code: params.callbackUrl.searchParams.get('code') ?? '',
      redirect_uri: params.redirectUri,
    };
    if (params.codeVerifier) grant.code_verifier = params.codeVerifier;
    return this.identify(await this.exchange(grant, 'redeem'));
  }

  /**
   * Only GitHub-App user tokens expire and come with a refresh token (OAuth-app tokens never expire). A refresh
   * reads the account again, so a user removed from the org or team loses the session at the next refresh.
   */
  async refresh(session: SessionState): Promise<ProviderIdentity> {
    if (!session.refreshToken) {
      throw new ProviderError('invalid_grant', 'The session cannot be renewed.', 401);
    }
    const grant = { grant_type: 'refresh_token', refresh_token: session.refreshToken };
    return this.identify(await this.exchange(grant, 'refresh'));
  }

  private async identify(tokens: TokenAnswer): Promise<ProviderIdentity> {
    const token = tokens.accessToken;
    const [login, emails] = await Promise.all([this.api.login(token), this.api.emails(token)]);
    const primary = emails.find((e) => e.primary && e.verified);
    if (!primary) throw new AccessRefusedError('email_unverified', { user: login, email: '' });
    const who = { user: login, email: primary.email };
    const teams =
      this.wantGroups || this.cfg.restrictions.teams.length > 0 ? await this.api.teams(token) : [];
    await this.checkRestrictions(token, who, teams);
    const orgs = this.wantGroups ? await this.api.orgs(token) : [];
    return {
      sub: login,
      email: primary.email,
      emailVerified: true,
      preferredUsername: login,
      groups: [...new Set([...orgs, ...teams.map((t) => `${t.org}:${t.slug}`)])],
      idToken: '',
      accessToken: token,
      refreshToken: tokens.refreshToken,
      tokenExpiresAt: tokens.expiresAt,
    };
  }

  /** oauth2-proxy's order: an allow-listed login passes; otherwise every configured restriction must. */
  private async checkRestrictions(
    token: string,
    who: { user: string; email: string },
    teams: readonly GitHubTeam[],
  ): Promise<void> {
    const r = this.cfg.restrictions;
    if (r.users.some((u) => same(u, who.user))) return;
    if (r.users.length > 0 && r.org === '' && r.repo === '') throw new AccessRefusedError('github_user', who);
    if (r.teams.length > 0) {
      const inTeam = teams.some((t) => same(t.org, r.org) && r.teams.some((slug) => same(slug, t.slug)));
      if (!inTeam) throw new AccessRefusedError('github_team', who);
    } else if (r.org !== '') {
      const membership = await this.api.orgMembership(token, r.org);
      if (membership === 'app_restricted') {
        this.log.warn(
          { org: r.org, user: who.user },
          'GitHub refused the membership lookup: the organisation restricts OAuth apps; an owner must approve this app',
        );
      }
      if (membership !== 'active') throw new AccessRefusedError('github_org', who);
    }
    if (r.repo !== '') {
      const answer = await this.api.isCollaborator(r.token || token, r.repo, who.user);
      if (answer === 'forbidden') {
        this.log.warn(
          { repo: r.repo, user: who.user },
          r.token
            ? 'GitHub refused the collaborator lookup with --github-token: it needs push access to the repository'
            : "GitHub refused the collaborator lookup with the user's token (it needs push access); set --github-token",
        );
      }
      if (answer !== 'yes') throw new AccessRefusedError('github_repo', who);
    }
  }

  /** POST to the token endpoint. GitHub reports a bad code or refresh token as 200 with an `error` field. */
  private async exchange(grant: Record<string, string>, during: 'redeem' | 'refresh'): Promise<TokenAnswer> {
    const body = new URLSearchParams({
      client_id: this.cfg.clientId,
      client_secret: this.cfg.clientSecret,
      ...grant,
    });
    let res: Response;
    try {
      res = await this.fetchImpl(this.cfg.redeemUrl || GITHUB_REDEEM_URL, {
        method: 'POST',
        headers: {
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
          'user-agent': 'authgate',
        },
        body: body.toString(),
        signal: AbortSignal.timeout(this.cfg.timeoutMs),
      });
    } catch (cause) {
      if (cause instanceof ProviderError) throw cause; // an oversized answer: already says what went wrong
      throw new ProviderError('provider_unreachable', 'GitHub could not be reached.', 503, { cause });
    }
    const answer = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (res.status >= 500) {
      throw new ProviderError('provider_unreachable', 'GitHub could not complete the sign-in.', 503);
    }
    const error = typeof answer?.error === 'string' ? answer.error : '';
    if (error === 'bad_verification_code' || error === 'bad_refresh_token' || error === 'invalid_grant') {
      throw during === 'refresh'
        ? new ProviderError('invalid_grant', 'The session can no longer be renewed.', 401)
        : new ProviderError('invalid_grant', 'The sign-in code was refused.', 403);
    }
    if (res.status !== 200 || error !== '' || typeof answer?.access_token !== 'string') {
      // GitHub's error names (incorrect_client_credentials, redirect_uri_mismatch...) are safe to log.
      this.log.warn(
        { status: res.status, error: error || 'no_access_token' },
        'GitHub refused the code exchange',
      );
      throw new ProviderError('provider_error', 'GitHub refused to complete the sign-in.', 502);
    }
    const expiresIn = typeof answer.expires_in === 'number' ? answer.expires_in : 0;
    return {
      accessToken: answer.access_token,
      refreshToken:
        typeof answer.refresh_token === 'string' ? answer.refresh_token : (grant.refresh_token ?? ''),
      // OAuth-app tokens do not expire; GitHub-App user tokens do (8 h), and are then never forwarded.
      expiresAt: expiresIn > 0 ? this.now() + expiresIn : 0,
    };
  }
}
