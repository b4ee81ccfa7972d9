/**
 * Sessions kept entirely in the browser: the sealed SessionState in `<cookie-name>` (or its chunks), plus one
 * short-lived CSRF cookie per sign-in attempt. Constructed once at start; holds no per-request state except the
 * shared unseal cache. Returns Set-Cookie header values rather than touching a response, so it stays framework-free.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Options, SameSite } from '../config/options.js';
import { AuthgateError } from '../errors.js';
import { DEFAULT_MAX_COOKIE_BYTES, joinChunks, splitIntoChunks, staleChunkNames } from './chunks.js';
import { selectCookieDomain } from './cookieDomain.js';
import { clearCookie, serializeCookie, type ClearCookieAttributes, isAuthgateCookie } from './cookies.js';
import { currentEpochSeconds, sealSession, sealValue, unsealSession, unsealValue } from './seal.js';
import { deriveCsrfPasswords, deriveSealPasswords, type SealPasswords } from './secrets.js';
import { parseCsrfState, parseSessionState } from './shape.js';
import type { LoadedSession, SessionStore } from './store.js';
import type { CsrfState, SessionState } from './types.js';
import { UnsealCache } from './unsealCache.js';

export interface CookieSessionStoreConfig {
  readonly cookieName: string;
  /** Session passwords: `deriveSealPasswords(secrets)`. */
  readonly passwords: SealPasswords;
  /** CSRF passwords: `deriveCsrfPasswords(secrets)` (never the session ones). */
  readonly csrfPasswords: SealPasswords;
  readonly cookieDomains: readonly string[];
  readonly cookiePath: string;
  readonly cookieSecure: boolean;
  readonly cookieHttpOnly: boolean;
  readonly cookieSameSite: SameSite;
  /** --cookie-csrf-expire in seconds: the most a CSRF cookie lives. */
  readonly csrfExpireSeconds: number;
  /** Shared with whoever else needs to forget sessions; a private 10,000-entry cache by default. */
  readonly cache?: UnsealCache;
  /** Budget for one cookie's `name=value` (default 4000). */
  readonly maxCookieBytes?: number;
}

export type { LoadedSession } from './store.js';

/** Larger joined values are not even hashed: Node's default header limit (16 KB) keeps real ones far below. */
const MAX_SEALED_LENGTH = 64 * 1024;

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export class CookieSessionStore implements SessionStore {
  readonly kind = 'cookie' as const;

  private readonly cfg: CookieSessionStoreConfig;
  private readonly cache: UnsealCache;
  private readonly maxCookieBytes: number;
  /**
   * The last session found in a cookie jar object. The http layer hands over the same jar object for every
   * request that repeats an identical Cookie header (src/http/requestCookies.ts), so this skips joining the
   * chunks and hashing the seal for the unseal cache. `forgotten` is bumped by forget() and clear(): an entry
   * from before never outlives a sign-out or a replaced seal.
   */
  private readonly byJar = new WeakMap<
    ReadonlyMap<string, string>,
    { readonly loaded: LoadedSession; readonly forgotten: number }
  >();
  private forgotten = 0;

  constructor(cfg: CookieSessionStoreConfig) {
    if (
      cfg.csrfPasswords.passwords[cfg.csrfPasswords.sealId] === cfg.passwords.passwords[cfg.passwords.sealId]
    ) {
      throw new AuthgateError('config_invalid', 'CSRF and session cookies must use different passwords');
    }
    this.cfg = cfg;
    this.cache = cfg.cache ?? new UnsealCache();
    this.maxCookieBytes = cfg.maxCookieBytes ?? DEFAULT_MAX_COOKIE_BYTES;
  }

  /** The store for a loaded configuration (Options durations are milliseconds). */
  static fromOptions(options: Options, cache?: UnsealCache): CookieSessionStore {
    return new CookieSessionStore({
      cookieName: options.cookieName,
      passwords: deriveSealPasswords(options.cookieSecrets),
      csrfPasswords: deriveCsrfPasswords(options.cookieSecrets),
      cookieDomains: options.cookieDomains,
      cookiePath: options.cookiePath,
      cookieSecure: options.cookieSecure,
      cookieHttpOnly: options.cookieHttpOnly,
      cookieSameSite: options.cookieSameSite,
      csrfExpireSeconds: Math.floor(options.cookieCsrfExpire / 1000),
      ...(cache === undefined ? {} : { cache }),
    });
  }

  /** The session in the request's cookies, or null (absent, broken, foreign, expired). Never throws. */
  async load(
    cookies: ReadonlyMap<string, string>,
    nowSeconds = currentEpochSeconds(),
  ): Promise<LoadedSession | null> {
    try {
      const memo = this.byJar.get(cookies);
      if (memo !== undefined && memo.forgotten === this.forgotten && memo.loaded.state.expiresAt > nowSeconds)
        return memo.loaded;
      const sealed = joinChunks(cookies, this.cfg.cookieName);
      if (sealed === null || sealed.length > MAX_SEALED_LENGTH) return null;
      let state = this.cache.get(sealed, nowSeconds);
      if (state === undefined) {
        if (this.cache.isKnownFailure(sealed, nowSeconds)) return null;
        const opened = await unsealSession(sealed, this.cfg.passwords, nowSeconds);
        if (opened === null) {
          this.cache.markFailed(sealed, nowSeconds);
          return null;
        }
        this.cache.set(sealed, opened);
        state = opened;
      }
      const loaded = { state, sealed };
      this.byJar.set(cookies, { loaded, forgotten: this.forgotten });
      return loaded;
    } catch {
      return null;
    }
  }

  /**
   * Set-Cookie values that store `state` for `host`: its chunks (Max-Age = expiresAt - now), then deletions of
   * the request's chunks the new value does not overwrite. An already expired state is cleared instead.
   * The new seal goes into the cache, so the next request does not unseal it.
   */
  async save(
    state: SessionState,
    host: string,
    cookies: ReadonlyMap<string, string>,
    nowSeconds = currentEpochSeconds(),
  ): Promise<string[]> {
    if (state.expiresAt <= nowSeconds) return this.clear(host, cookies);
    const sealed = await sealSession(state, this.cfg.passwords, nowSeconds);
    const checked = parseSessionState(state);
    if (checked !== null) this.cache.set(sealed, checked);
    const domain = selectCookieDomain(host, this.cfg.cookieDomains);
    const chunks = splitIntoChunks(this.cfg.cookieName, sealed, this.maxCookieBytes);
    const attrs = { ...this.attributes(domain), maxAgeSeconds: state.expiresAt - nowSeconds };
    const headers = chunks.map((chunk) => serializeCookie(chunk.name, chunk.value, attrs));
    const written = chunks.map((chunk) => chunk.name);
    for (const name of staleChunkNames(cookies, this.cfg.cookieName, written)) {
      headers.push(clearCookie(name, this.attributes(domain)));
    }
    return headers;
  }

  /** Set-Cookie values deleting the session: the base name and every chunk present, on `host`'s cookie domain. */
  clear(host: string, cookies: ReadonlyMap<string, string>): string[] {
    const sealed = joinChunks(cookies, this.cfg.cookieName);
    if (sealed !== null) this.cache.delete(sealed);
    this.forgotten += 1;
    const names = new Set([this.cfg.cookieName, ...staleChunkNames(cookies, this.cfg.cookieName, [])]);
    const attrs = this.attributes(selectCookieDomain(host, this.cfg.cookieDomains));
    return [...names].map((name) => clearCookie(name, attrs));
  }

  /** Drops a session from the unseal cache (e.g. the old seal after a refresh replaced it). */
  forget(sealed: string): void {
    this.cache.delete(sealed);
    this.forgotten += 1;
  }

  /** Whether `name` is one of authgate's cookies (session, chunk, CSRF): such cookies never go upstream. */
  isHealthy(): boolean {
    return true;
  }

  async close(): Promise<void> {}

  /** A bound function, so the hot path can pass it along without a per-request closure. */
  readonly ownsCookie = (name: string): boolean => isAuthgateCookie(this.cfg.cookieName, name);

  /**
   * The CSRF cookie's name for the `state` parameter of one sign-in attempt. Per attempt, so parallel sign-ins
   * (several tabs) do not overwrite each other; the callback finds its cookie from the state it receives.
   */
  csrfCookieName(state: string): string {
    return `${this.cfg.cookieName}_csrf_${sha256(state).toString('base64url').slice(0, 8)}`;
  }

  /**
   * Seals one sign-in attempt into its CSRF cookie, for `host`'s cookie domain. SameSite=Lax whatever
   * --cookie-samesite says: the callback is a top-level cross-site GET from the IdP, which Strict would drop.
   * Lives min(--cookie-csrf-expire, state.expiresAt - now). Throws AuthgateError `csrf_invalid` for a malformed
   * or expired state and `cookie_too_large` when it does not fit one cookie (a very long redirect target).
   */
  async sealCsrf(
    state: CsrfState,
    host: string,
    nowSeconds = currentEpochSeconds(),
  ): Promise<{ name: string; setCookie: string }> {
    const checked = parseCsrfState(state);
    if (checked === null) throw new AuthgateError('csrf_invalid', 'sign-in state is malformed');
    const ttl = Math.min(this.cfg.csrfExpireSeconds, checked.expiresAt - nowSeconds);
    if (ttl <= 0) throw new AuthgateError('csrf_invalid', 'sign-in state has already expired');
    const name = this.csrfCookieName(checked.state);
    const sealed = await sealValue(checked, this.cfg.csrfPasswords, ttl);
    if (name.length + 1 + sealed.length > this.maxCookieBytes) {
      throw new AuthgateError('cookie_too_large', 'sign-in state does not fit in a cookie');
    }
    const attrs = this.csrfAttributes(host);
    return { name, setCookie: serializeCookie(name, sealed, { ...attrs, maxAgeSeconds: ttl }) };
  }

  /**
   * The sign-in attempt for the callback's `state` parameter, or null when its cookie is missing, does not
   * open, has expired, or holds a different state. Never throws.
   */
  async openCsrf(
    cookies: ReadonlyMap<string, string>,
    state: string,
    nowSeconds = currentEpochSeconds(),
  ): Promise<CsrfState | null> {
    try {
      if (typeof state !== 'string' || state === '') return null;
      const sealed = cookies.get(this.csrfCookieName(state));
      if (sealed === undefined) return null;
      const csrf = parseCsrfState(await unsealValue<object>(sealed, this.cfg.csrfPasswords));
      if (csrf === null || csrf.expiresAt <= nowSeconds) return null;
      // Hashes make the lengths equal, so the comparison's time does not depend on where they differ.
      return timingSafeEqual(sha256(csrf.state), sha256(state)) ? csrf : null;
    } catch {
      return null;
    }
  }

  /** Set-Cookie value deleting the CSRF cookie of `state`. */
  clearCsrf(state: string, host: string): string {
    return clearCookie(this.csrfCookieName(state), this.csrfAttributes(host));
  }

  private attributes(domain: string | null): ClearCookieAttributes {
    return {
      domain,
      path: this.cfg.cookiePath,
      secure: this.cfg.cookieSecure,
      httpOnly: this.cfg.cookieHttpOnly,
      sameSite: this.cfg.cookieSameSite,
    };
  }

  private csrfAttributes(host: string): ClearCookieAttributes {
    return { ...this.attributes(selectCookieDomain(host, this.cfg.cookieDomains)), sameSite: 'lax' };
  }
}
