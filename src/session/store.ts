import type { SessionState } from './types.js';

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
  load(cookies: ReadonlyMap<string, string>, nowSeconds: number): Promise<LoadedSession | null>;
  /** Persists the session and returns the Set-Cookie values to send (new cookies and clears of stale ones). */
  save(state: SessionState, host: string, cookies: ReadonlyMap<string, string>, nowSeconds: number): Promise<string[]>;
  /** Ends the session everywhere it lives and returns the Set-Cookie values that clear it in the browser. */
  clear(host: string, cookies: ReadonlyMap<string, string>): Promise<string[]> | string[];
  /** True for every cookie name the store writes (session, chunks, tickets, CSRF): kept from the upstream. */
  ownsCookie(name: string): boolean;
  /** False while the backing store is unreachable (/ready answers 503). */
  isHealthy(): boolean;
  close(): Promise<void>;
}
