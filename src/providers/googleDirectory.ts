/**
 * Google Workspace group membership through the Admin SDK Directory API, as oauth2-proxy's --google-group does:
 * a service account with domain-wide delegation signs a JWT (sub = --google-admin-email) for an access token, then
 * asks groups/{group}/hasMember/{email}. Answers are cached for a few minutes. Whenever Google cannot give a
 * definite answer the lookup fails with a 503 ProviderError: a user who needs a group decision is never let in
 * (or shut out) on a guess.
 */
import { importPKCS8, SignJWT } from 'jose';
import type { Logger } from 'pino';
import { ProviderError } from '../errors.js';
import type { ProviderFetch } from './httpClient.js';
import type { ServiceAccountKey } from './serviceAccountKey.js';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const GOOGLE_DIRECTORY_URL = 'https://admin.googleapis.com';
export const DIRECTORY_SCOPE = 'https://www.googleapis.com/auth/admin.directory.group.member.readonly';
const CACHE_MAX_ENTRIES = 10_000;

export interface GoogleDirectoryOptions {
  readonly key: ServiceAccountKey;
  /** A Workspace admin the service account acts as (domain-wide delegation). */
  readonly adminEmail: string;
  /** '' = the key's token_uri, else Google's. */
  readonly tokenUrl?: string;
  /** '' = https://admin.googleapis.com. */
  readonly directoryUrl?: string;
  readonly timeoutMs: number;
  readonly cacheTtlMs?: number;
  /** The provider fetch (size-capped, honours --provider-ca-file). */
  readonly fetch: ProviderFetch;
  /** Milliseconds; injectable for cache tests. */
  readonly now?: () => number;
}

export function directoryUnavailable(cause?: unknown): ProviderError {
  return new ProviderError(
    'group_lookup_unavailable',
    "Google's directory could not be asked whether your account is in a permitted group. Try again in a few minutes.",
    503,
    cause === undefined ? undefined : { cause },
  );
}

export class GoogleDirectory {
  private readonly tokenUrl: string;
  private readonly directoryUrl: string;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { member: boolean; until: number }>();
  private token: { value: string; until: number } | null = null;
  private pendingToken: Promise<string> | null = null;

  constructor(
    private readonly opts: GoogleDirectoryOptions,
    private readonly log: Logger,
  ) {
    this.tokenUrl = opts.tokenUrl || opts.key.tokenUri || GOOGLE_TOKEN_URL;
    this.directoryUrl = (opts.directoryUrl || GOOGLE_DIRECTORY_URL).replace(/\/$/, '');
    this.ttlMs = opts.cacheTtlMs ?? 5 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** The subset of `groups` that `email` belongs to, in the order given. */
  async groupsOf(email: string, groups: readonly string[]): Promise<string[]> {
    const answers = await Promise.all(groups.map((g) => this.isMember(g, email)));
    return groups.filter((_, i) => answers[i]);
  }

  async isMember(group: string, email: string): Promise<boolean> {
    const key = `${group.toLowerCase()}\n${email.toLowerCase()}`;
    const cached = this.cache.get(key);
    if (cached && cached.until > this.now()) return cached.member;
    const member = await this.lookup(group, email);
    if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.clear();
    this.cache.set(key, { member, until: this.now() + this.ttlMs });
    return member;
  }

  private async lookup(group: string, email: string): Promise<boolean> {
    const base = `${this.directoryUrl}/admin/directory/v1/groups/${encodeURIComponent(group)}`;
    const res = await this.call(`${base}/hasMember/${encodeURIComponent(email)}`);
    if (res.status === 200) {
      const body = (await res.json().catch(() => null)) as { isMember?: unknown } | null;
      if (typeof body?.isMember !== 'boolean') throw directoryUnavailable();
      return body.isMember;
    }
    await res.body?.cancel();
    if (res.status === 404) {
      this.log.warn(
        { group },
        'Google Directory: this --google-group does not exist (or is not in the domain)',
      );
      return false;
    }
    if (res.status === 400) {
      // hasMember answers 400 for a member outside the group's domain; the member itself can still be read.
      const member = await this.call(`${base}/members/${encodeURIComponent(email)}`);
      if (member.status === 404 || member.status === 400) {
        await member.body?.cancel();
        return false;
      }
      if (member.status !== 200) throw this.unexpected(member, group);
      const body = (await member.json().catch(() => null)) as { status?: unknown } | null;
      return body?.status === 'ACTIVE';
    }
    throw this.unexpected(res, group);
  }

  private unexpected(res: Response, group: string): ProviderError {
    const hint =
      res.status === 403
        ? 'the service account is not allowed to read groups: check domain-wide delegation of the scope'
        : 'Google Directory API error';
    this.log.error({ group, status: res.status }, `group lookup failed: ${hint}`);
    return directoryUnavailable();
  }

  /** One GET with a delegated token; a 401 (token revoked early) gets one retry with a fresh token. */
  private async call(url: string, retried = false): Promise<Response> {
    const token = await this.accessToken();
    const res = await this.fetch(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    if (res.status === 401 && !retried) {
      await res.body?.cancel();
      this.token = null;
      return this.call(url, true);
    }
    return res;
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.opts.fetch(url, {
        ...init,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (cause) {
      // An oversized answer (provider_answer_too_large) is logged as such; the user's error stays the usual 503.
      const reason = cause instanceof ProviderError ? cause.code : 'unreachable';
      this.log.warn({ url: new URL(url).origin, reason }, 'Google Directory call failed');
      throw directoryUnavailable(cause);
    }
  }

  private accessToken(): Promise<string> {
    if (this.token && this.token.until > this.now()) return Promise.resolve(this.token.value);
    this.pendingToken ??= this.fetchToken().finally(() => {
      this.pendingToken = null;
    });
    return this.pendingToken;
  }

  private async fetchToken(): Promise<string> {
    const { key, adminEmail } = this.opts;
    const iat = Math.floor(this.now() / 1000);
    const assertion = await new SignJWT({ scope: DIRECTORY_SCOPE })
      .setProtectedHeader({
        alg: 'RS256',
        typ: 'JWT',
        ...(key.privateKeyId ? { kid: key.privateKeyId } : {}),
      })
      .setIssuer(key.clientEmail)
      .setSubject(adminEmail)
      .setAudience(this.tokenUrl)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(await importPKCS8(key.privateKey, 'RS256'));
    const res = await this.fetch(this.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion,
      }).toString(),
    });
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (res.status !== 200 || typeof body?.access_token !== 'string') {
      // Google's OAuth error names (unauthorized_client = delegation missing, invalid_grant...) are safe to log.
      const error = typeof body?.error === 'string' ? body.error : 'no_access_token';
      this.log.error(
        { status: res.status, error, admin: adminEmail },
        'Google refused the service-account token: check domain-wide delegation and --google-admin-email',
      );
      throw directoryUnavailable();
    }
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    // Renew a minute early so a token never expires between the check and the call.
    this.token = { value: body.access_token, until: this.now() + Math.max(0, expiresIn - 60) * 1000 };
    return body.access_token;
  }
}
