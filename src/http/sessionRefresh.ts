import type { Logger } from '../observability/logger.js';
import type { Audit } from '../observability/audit.js';
import type { Provider, RefreshedTokensOnly, RefreshResult } from '../providers/types.js';
import type { LoadedSession, SessionStore } from '../session/store.js';
import type { SessionState } from '../session/types.js';
import { ProviderError } from '../errors.js';
import { AccessRefusedError } from '../providers/refusal.js';
import { idTokenClaims } from '../session/idTokenClaims.js';

/** When a session's tokens must be renewed before they are forwarded. Pure. */
export function needsRefresh(
  s: SessionState,
  now: number,
  marginSeconds: number,
  cookieRefreshSeconds: number,
): boolean {
  if (s.tokenExpiresAt !== 0 && s.tokenExpiresAt - now <= marginSeconds) return true;
  return cookieRefreshSeconds > 0 && now - s.refreshedAt >= cookieRefreshSeconds;
}

export type RefreshOutcome =
  | { readonly kind: 'refreshed'; readonly session: SessionState; readonly setCookies: readonly string[] }
  /** The issuer refused the refresh token (revoked, expired): the session is over. */
  | { readonly kind: 'ended'; readonly reason: string }
  /** The issuer could not be reached: the caller keeps the current tokens while they are still valid. */
  | { readonly kind: 'failed'; readonly reason: string };

export interface RefresherDeps {
  readonly provider: Provider;
  readonly sessions: SessionStore;
  readonly log: Logger;
  /** Records every refresh outcome (log line and counter). */
  readonly audit: Audit;
  readonly keepAccessToken: boolean;
  /**
   * The session's ID token goes upstream as `Authorization: Bearer` (--pass-authorization-header or
   * --set-authorization-header, without --kube-impersonation): then keeping an expired one is worth a warning.
   */
  readonly forwardsIdToken: boolean;
}

const RECENT_TTL_SECONDS = 30;
const RECENT_MAX = 10_000;
const LOCK_TTL_MS = 15_000;

/**
 * Single-flight refresh. Issuers rotate refresh tokens and refuse a used one, and the dashboard fires many
 * requests at once: so concurrent requests of one session share ONE refresh (keyed by the exact cookie value),
 * and requests that arrive with the old cookie shortly after (the browser has not stored the new one yet) reuse
 * its result instead of redeeming the spent refresh token. With a shared store (Redis) a lock extends the
 * single flight across replicas.
 */
export class SessionRefresher {
  private readonly inflight = new Map<string, Promise<RefreshOutcome>>();
  private readonly recent = new Map<string, { outcome: RefreshOutcome; until: number }>();
  /** One refresher per process: the expired-ID-token warning is logged once, not on every refresh. */
  private warnedStaleIdToken = false;

  constructor(private readonly deps: RefresherDeps) {}

  refresh(
    loaded: LoadedSession,
    host: string,
    cookies: ReadonlyMap<string, string>,
    now: number,
  ): Promise<RefreshOutcome> {
    const done = this.recent.get(loaded.sealed);
    if (done && done.until > now) return Promise.resolve(done.outcome);
    let pending = this.inflight.get(loaded.sealed);
    if (!pending) {
      pending = this.run(loaded, host, cookies, now).finally(() => this.inflight.delete(loaded.sealed));
      this.inflight.set(loaded.sealed, pending);
    }
    return pending;
  }

  private async run(
    loaded: LoadedSession,
    host: string,
    cookies: ReadonlyMap<string, string>,
    now: number,
  ): Promise<RefreshOutcome> {
    const lock = this.deps.sessions.lock;
    let release: (() => Promise<void>) | null = null;
    if (lock) {
      release = await lock.acquireLock(loaded.sealed, LOCK_TTL_MS);
      if (!release) {
        // Another replica is refreshing this session: wait for it, then read what it stored.
        await lock.waitForUnlock(loaded.sealed, LOCK_TTL_MS);
        const reread = await this.deps.sessions.load(cookies, now);
        if (reread && reread.state.refreshedAt > loaded.state.refreshedAt) {
          return this.remember(
            loaded.sealed,
            { kind: 'refreshed', session: reread.state, setCookies: [] },
            now,
          );
        }
        release = await lock.acquireLock(loaded.sealed, LOCK_TTL_MS);
      }
    }
    try {
      return await this.redeem(loaded, host, cookies, now);
    } finally {
      await release?.().catch(() => undefined);
    }
  }

  private async redeem(
    loaded: LoadedSession,
    host: string,
    cookies: ReadonlyMap<string, string>,
    now: number,
  ): Promise<RefreshOutcome> {
    const { provider, sessions, audit } = this.deps;
    const old = loaded.state;
    let answer: RefreshResult;
    try {
      if (!provider.refresh || !old.refreshToken) return { kind: 'ended', reason: 'no_refresh_token' };
      answer = await provider.refresh(old);
    } catch (err) {
      const code = err instanceof ProviderError ? err.code : 'provider_unreachable';
      // invalid_grant: the issuer revoked the grant. AccessRefusedError: the provider answered and the account
      // may no longer enter (removed from the Google group or GitHub org/team). Both end the session now; as a
      // "failure" it would run on until the ID token expired and then show a misleading 503 page on every request.
      if (code === 'invalid_grant' || err instanceof AccessRefusedError) {
        audit.refresh('ended', { user: old.sub, email: old.email, reason: code });
        return this.remember(loaded.sealed, { kind: 'ended', reason: code }, now);
      }
      audit.refresh('failed', { user: old.sub, email: old.email, reason: code });
      return { kind: 'failed', reason: code };
    }
    let session: SessionState;
    if ('idTokenMissing' in answer) {
      session = this.keepIdentity(old, answer, now);
    } else {
      // OIDC Core 12.2: a refreshed ID token must name the same subject. Anything else ends the session rather
      // than forwarding another subject's token under this user's name.
      if (answer.sub !== old.sub) {
        audit.refresh('ended', { user: old.sub, email: old.email, reason: 'subject_changed' });
        return this.remember(loaded.sealed, { kind: 'ended', reason: 'subject_changed' }, now);
      }
      session = {
        ...old,
        email: answer.email || old.email,
        emailVerified: answer.emailVerified ?? old.emailVerified,
        preferredUsername: answer.preferredUsername || old.preferredUsername,
        groups: answer.groups.length > 0 || answer.idToken ? answer.groups : old.groups,
        idToken: answer.idToken || old.idToken,
        accessToken: this.deps.keepAccessToken ? answer.accessToken : '',
        refreshToken: answer.refreshToken || old.refreshToken,
        tokenExpiresAt: answer.tokenExpiresAt,
        refreshedAt: now,
      };
    }
    const setCookies = await sessions.save(session, host, cookies, now, { reuseTicketFrom: loaded });
    // A server-side store answers a refresh of a record signed out meanwhile with clears only: the session is over.
    if (setCookies.length > 0 && setCookies.every((c) => /;\s*Max-Age=0/i.test(c))) {
      audit.refresh('ended', { user: old.sub, email: old.email, reason: 'signed_out' });
      return this.remember(loaded.sealed, { kind: 'ended', reason: 'signed_out' }, now);
    }
    audit.refresh('success', { user: old.sub, email: old.email });
    return this.remember(loaded.sealed, { kind: 'refreshed', session, setCookies }, now);
  }

  /**
   * A refresh answer without an ID token (OIDC Core 12.2) renews the tokens but says nothing about the user: the
   * identity and the ID token stay as they were, as oauth2-proxy does (providers/oidc.go redeemRefreshToken).
   */
  private keepIdentity(old: SessionState, tokens: RefreshedTokensOnly, now: number): SessionState {
    const kept = idTokenClaims(old.idToken);
    const exp = typeof kept?.exp === 'number' ? kept.exp : null;
    const iat = typeof kept?.iat === 'number' ? kept.iat : null;
    // The next refresh is due after the access token's lifetime: the kept ID token's exp is (about to be) past,
    // and keeping it would refresh again on every request. Without expires_in, after the kept ID token's own
    // lifetime (exp - iat): a session must keep being re-checked at the issuer (revocation, removal from a group),
    // and with the default --cookie-refresh=0 nothing else would ever ask. Only when neither is known does it
    // fall to --cookie-refresh and --cookie-expire (0: unknown, as for a GitHub OAuth-app token).
    let tokenExpiresAt = 0;
    if (tokens.expiresIn > 0) tokenExpiresAt = now + tokens.expiresIn;
    else if (exp !== null && iat !== null && exp > iat) tokenExpiresAt = now + (exp - iat);
    if (exp !== null) this.warnIfStaleIdTokenForwarded(exp, tokenExpiresAt);
    return {
      ...old,
      accessToken: this.deps.keepAccessToken ? tokens.accessToken : '',
      refreshToken: tokens.refreshToken || old.refreshToken,
      // A provider that re-checked membership (Google's directory) says which groups still hold: a group the user
      // was removed from must not stay in the session (X-Forwarded-Groups, Impersonate-Group, --allowed-group).
      groups: tokens.groups ?? old.groups,
      tokenExpiresAt,
      refreshedAt: now,
    };
  }

  /**
   * The kept ID token (expiring at `exp`) is forwarded as a bearer until `nextCheckAt`, past its exp, which
   * kube-apiserver refuses (401). That is a deployment problem, not this user's: say once what fixes it. Neither
   * the token nor the user is logged.
   */
  private warnIfStaleIdTokenForwarded(exp: number, nextCheckAt: number): void {
    if (this.warnedStaleIdToken || !this.deps.forwardsIdToken) return;
    if (nextCheckAt !== 0 && exp >= nextCheckAt) return;
    this.warnedStaleIdToken = true;
    this.deps.log.warn(
      { reason: 'id_token_not_refreshed' },
      'the issuer renewed the session without a new ID token; the old one is still forwarded as Authorization ' +
        'bearer and the upstream (kube-apiserver) refuses it once it has expired. Use --kube-impersonation, or ' +
        'an issuer that returns ID tokens on refresh',
    );
  }

  private remember(sealed: string, outcome: RefreshOutcome, now: number): RefreshOutcome {
    if (this.recent.size >= RECENT_MAX) {
      for (const [key, entry] of this.recent) if (entry.until <= now) this.recent.delete(key);
      if (this.recent.size >= RECENT_MAX) this.recent.clear();
    }
    this.recent.set(sealed, { outcome, until: now + RECENT_TTL_SECONDS });
    return outcome;
  }
}
