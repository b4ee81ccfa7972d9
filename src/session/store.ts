import { AuthgateError } from '../errors.js';
import type { SessionState } from './types.js';

/**
 * The backing store (Redis) could not be reached or did not answer in time. Callers answer 503 and keep the
 * browser's cookie: the session is still there once the store is back, so this is never a sign-out.
 */
export class SessionStoreError extends AuthgateError {
  constructor(message = 'the session store is unavailable', options?: { cause?: unknown }) {
    super('store_unavailable', message, options);
  }
}

/** True for the error a store throws when it cannot be reached (also across module copies: checks the code). */
export function isStoreUnavailable(err: unknown): boolean {
  return err instanceof AuthgateError && err.code === 'store_unavailable';
}

export interface SaveOptions {
  /**
   * A refresh of the session `load` returned: a server-side store overwrites that session's record in place
   * (same ticket, no new cookie), so every replica sees the new tokens at once. If the record is gone by then
   * (signed out elsewhere), nothing is written and the returned Set-Cookie values clear the cookie. Without
   * it, `save` always starts a new session (a sign-in: a fresh ticket, never one the browser brought along).
   * The cookie store ignores it.
   */
  readonly reuseTicketFrom?: LoadedSession;
}

/**
 * A short lock shared by every replica using the same store (Redis: SET NX PX + compare-and-delete), for
 * single-flight token refreshes. `key` is any string naming what is locked (e.g. `LoadedSession.sealed`): it is
 * hashed, never stored as is.
 */
export interface SessionLock {
  /**
   * Takes the lock for at most `ttlMs` (it frees itself then, should the holder die). Resolves with the release
   * function, which deletes the lock only while it is still ours, or null when someone else holds it.
   * Rejects with SessionStoreError when the store cannot be reached.
   */
  acquireLock(key: string, ttlMs: number): Promise<(() => Promise<void>) | null>;
  /** Resolves true once `key` is not locked, false when it still is after `timeoutMs`. Rejects like acquireLock. */
  waitForUnlock(key: string, timeoutMs: number): Promise<boolean>;
}

export interface LoadedSession {
  readonly state: SessionState;
  /** The exact cookie value that carried the session (sealed session or sealed ticket): a cache key. */
  readonly sealed: string;
}

/**
 * Where sessions live: in the cookie itself (CookieSessionStore) or server-side behind a sealed ticket
 * (RedisSessionStore). CSRF cookies are always cookies and stay on CookieSessionStore.
 * No method throws for bad input: a cookie that cannot be read is "no session". A store that cannot be
 * reached rejects with a SessionStoreError (code 'store_unavailable') so callers answer 503, not sign-in.
 */
export interface SessionStore {
  readonly kind: 'cookie' | 'redis';
  /**
   * The request's session. `cookies` is never modified by anyone once passed: a store may remember its answer
   * per jar object (the http layer reuses one jar for a repeated identical Cookie header).
   */
  load(cookies: ReadonlyMap<string, string>, nowSeconds: number): Promise<LoadedSession | null>;
  /** Persists the session and returns the Set-Cookie values to send (new cookies and clears of stale ones). */
  save(
    state: SessionState,
    host: string,
    cookies: ReadonlyMap<string, string>,
    nowSeconds: number,
    options?: SaveOptions,
  ): Promise<string[]>;
  /** Ends the session everywhere it lives and returns the Set-Cookie values that clear it in the browser. */
  clear(host: string, cookies: ReadonlyMap<string, string>): Promise<string[]> | string[];
  /** True for every cookie name the store writes (session, chunks, tickets, CSRF): kept from the upstream. */
  ownsCookie(name: string): boolean;
  /** False while the backing store is unreachable (/ready answers 503). */
  isHealthy(): boolean;
  close(): Promise<void>;
  /** Present when the store is shared between replicas (Redis); absent for cookie sessions. */
  readonly lock?: SessionLock;
}
