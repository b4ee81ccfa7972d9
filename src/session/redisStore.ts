/**
 * Sessions kept in Redis behind a sealed ticket (--session-store-type=redis).
 *
 * The cookie `<cookie-name>` holds only the ticket (ticket.ts): a record id and the record's AES key, sealed
 * with the session passwords, about 300 bytes whatever the session holds, so hundreds of groups need no
 * chunks. The record `<cookie-name>-<hash of id>` holds the SessionState encrypted under the ticket's key,
 * with a TTL equal to the session's remaining life, so a Redis dump alone shows neither tokens nor emails.
 *
 * Two caches keep Redis off the hot path. TicketCache keeps unsealed tickets, as an iron unseal costs a key
 * derivation. SessionRecordCache (standalone and Sentinel modes) keeps decrypted records, so an unchanged
 * session costs no Redis command and yields the same SessionState object on every request; it is safe
 * because Redis itself reports every change to a record this process has read (CLIENT TRACKING, see
 * redisRecordCache.ts), so a sign-out or a refresh by any replica drops the entry everywhere within about one
 * network hop, and the cache is emptied and bypassed whenever those reports may have been missed (any
 * connection event, a silent subscriber, FLUSHALL). Cluster mode reads Redis on every request. An unreachable
 * Redis rejects with SessionStoreError, never "no session", so an outage is a 503 and never a sign-out.
 *
 * CSRF cookies of sign-in attempts stay with CookieSessionStore.
 */
import type { Options, SameSite } from '../config/options.js';
import type { Logger } from '../observability/logger.js';
import { selectCookieDomain } from './cookieDomain.js';
import { clearCookie, serializeCookie, type ClearCookieAttributes, isAuthgateCookie } from './cookies.js';
import { staleChunkNames } from './chunks.js';
import { createRedisConnection, redisSettingsFromOptions, type RedisConnection } from './redisClient.js';
import { createRedisLock } from './redisLock.js';
import { SessionRecordCache, type RecordCacheStats } from './redisRecordCache.js';
import { currentEpochSeconds } from './seal.js';
import { deriveSealPasswords, type SealPasswords } from './secrets.js';
import { parseSessionState } from './shape.js';
import type { LoadedSession, SaveOptions, SessionLock, SessionStore } from './store.js';
import {
  decryptRecord,
  encryptRecord,
  newTicket,
  openTicket,
  recordName,
  sealTicket,
  TicketCache,
  type Ticket,
} from './ticket.js';
import type { SessionState } from './types.js';
import { AuthgateError } from '../errors.js';

export interface RedisSessionStoreConfig {
  readonly cookieName: string;
  /** Session passwords: `deriveSealPasswords(secrets)`; they seal the ticket. */
  readonly passwords: SealPasswords;
  readonly cookieDomains: readonly string[];
  readonly cookiePath: string;
  readonly cookieSecure: boolean;
  readonly cookieHttpOnly: boolean;
  readonly cookieSameSite: SameSite;
  readonly connection: RedisConnection;
  /** Unsealed tickets; a private 10,000-entry cache by default. */
  readonly cache?: TicketCache;
  /** How long a cached record is served before it is read again (default MAX_ENTRY_AGE_MS, 60 s). */
  readonly maxCachedRecordAgeMs?: number;
}

export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis' as const;
  readonly lock: SessionLock;

  private readonly cfg: RedisSessionStoreConfig;
  private readonly cache: TicketCache;
  private readonly records: SessionRecordCache;
  /** Record names by ticket: tickets come from TicketCache, so this spares a SHA-256 per request. */
  private readonly names = new WeakMap<Ticket, string>();
  /**
   * The ticket found in a cookie jar object (the http layer reuses one jar for a repeated identical Cookie
   * header), so a cached session costs no SHA-256 of the ticket cookie either. `forgotten` is bumped whenever a
   * ticket leaves TicketCache (sign-out, a new sign-in), so an entry never outlives that.
   */
  private readonly ticketByJar = new WeakMap<
    ReadonlyMap<string, string>,
    { readonly sealed: string; readonly ticket: Ticket; readonly forgotten: number }
  >();
  private forgotten = 0;

  constructor(cfg: RedisSessionStoreConfig) {
    this.cfg = cfg;
    this.cache = cfg.cache ?? new TicketCache();
    this.lock = createRedisLock(cfg.connection, cfg.cookieName);
    this.records = new SessionRecordCache(cfg.connection, undefined, cfg.maxCachedRecordAgeMs);
  }

  /** The store for a loaded configuration; connects at once (and keeps retrying in the background). */
  static fromOptions(options: Options, log: Logger): RedisSessionStore {
    return new RedisSessionStore({
      cookieName: options.cookieName,
      passwords: deriveSealPasswords(options.cookieSecrets),
      cookieDomains: options.cookieDomains,
      cookiePath: options.cookiePath,
      cookieSecure: options.cookieSecure,
      cookieHttpOnly: options.cookieHttpOnly,
      cookieSameSite: options.cookieSameSite,
      connection: createRedisConnection(redisSettingsFromOptions(options), log),
    });
  }

  /**
   * The session behind the request's ticket, or null (no ticket, a ticket that does not open, no record, a
   * record that does not decrypt or has expired). Rejects with SessionStoreError when Redis cannot answer.
   */
  async load(
    cookies: ReadonlyMap<string, string>,
    nowSeconds = currentEpochSeconds(),
  ): Promise<LoadedSession | null> {
    const sealed = cookies.get(this.cfg.cookieName);
    if (sealed === undefined || sealed === '') return null;
    const memo = this.ticketByJar.get(cookies);
    let ticket: Ticket | null;
    if (
      memo !== undefined &&
      memo.forgotten === this.forgotten &&
      memo.sealed === sealed &&
      memo.ticket.exp > nowSeconds
    ) {
      ticket = memo.ticket;
    } else {
      ticket = await this.ticketOf(sealed, nowSeconds);
      if (ticket === null) return null;
      this.ticketByJar.set(cookies, { sealed, ticket, forgotten: this.forgotten });
    }
    const name = this.nameOf(ticket);
    const state =
      this.records.lookup(name, ticket.key, nowSeconds) ??
      (await this.records.fetch(name, ticket.key, async () => {
        const record = await this.cfg.connection.run((c) => c.call('GET', [name]));
        return typeof record === 'string' ? decryptRecord(record, ticket, name) : null;
      }));
    if (state === null || state.expiresAt <= nowSeconds) return null;
    return { state, sealed };
  }

  /**
   * Writes the session's record (TTL = expiresAt - now) and returns the Set-Cookie values. Without
   * `reuseTicketFrom` a new ticket is minted (never the one the browser brought: no session fixation), its
   * cookie set, stale cookie-mode chunks cleared, and the record of a ticket the request carried deleted.
   * With it (a refresh) the record is overwritten in place only while it still exists (SET XX) and no cookie
   * changes; if it is gone (signed out meanwhile) nothing is written and the cookie is cleared.
   * An already expired state is cleared. Rejects with SessionStoreError when Redis cannot answer.
   */
  async save(
    state: SessionState,
    host: string,
    cookies: ReadonlyMap<string, string>,
    nowSeconds = currentEpochSeconds(),
    options: SaveOptions = {},
  ): Promise<string[]> {
    if (state.expiresAt <= nowSeconds) return this.clear(host, cookies);
    const checked = parseSessionState(state);
    if (checked === null) throw new AuthgateError('session_invalid', 'session state is malformed');
    const ttlMs = Math.ceil((checked.expiresAt - nowSeconds) * 1000);
    const reuse = options.reuseTicketFrom;
    const kept = reuse ? await this.ticketOf(reuse.sealed, nowSeconds) : null;
    if (kept !== null) {
      const name = this.nameOf(kept);
      const record = encryptRecord(checked, kept, name);
      this.records.forget(name);
      const written = await this.cfg.connection.run((c) => c.call('SET', [name, record, 'PX', ttlMs, 'XX']));
      return written === 'OK' ? [] : this.cookieClears(host, cookies);
    }

    const ticket = newTicket(checked.expiresAt);
    const name = this.nameOf(ticket);
    const record = encryptRecord(checked, ticket, name);
    await this.cfg.connection.run((c) => c.call('SET', [name, record, 'PX', ttlMs]));
    const sealed = await sealTicket(ticket, this.cfg.passwords, nowSeconds);
    this.cache.set(sealed, ticket);
    await this.deleteRecordOf(cookies.get(this.cfg.cookieName), nowSeconds).catch(() => {});
    const attrs = this.attributes(host);
    return [
      serializeCookie(this.cfg.cookieName, sealed, {
        ...attrs,
        maxAgeSeconds: checked.expiresAt - nowSeconds,
      }),
      ...staleChunkNames(cookies, this.cfg.cookieName, [this.cfg.cookieName]).map((n) =>
        clearCookie(n, attrs),
      ),
    ];
  }

  /**
   * Deletes the record of the request's ticket (so every replica sees the sign-out at once) and returns the
   * Set-Cookie values clearing the ticket and any cookie-mode chunks. Rejects with SessionStoreError when the
   * record cannot be deleted: a sign-out that only looked complete would leave the session usable.
   */
  async clear(host: string, cookies: ReadonlyMap<string, string>): Promise<string[]> {
    await this.deleteRecordOf(cookies.get(this.cfg.cookieName), currentEpochSeconds());
    return this.cookieClears(host, cookies);
  }

  /** The session cookie, its chunks (from cookie mode) and CSRF cookies: never sent upstream. */
  /** A bound function, so the hot path can pass it along without a per-request closure. */
  readonly ownsCookie = (name: string): boolean => isAuthgateCookie(this.cfg.cookieName, name);

  isHealthy(): boolean {
    return this.cfg.connection.isHealthy();
  }

  /** Counters of the session record cache (hits, misses, invalidations, whether it is serving). */
  recordCacheStats(): RecordCacheStats {
    return this.records.stats();
  }

  close(): Promise<void> {
    this.records.close();
    return this.cfg.connection.close();
  }

  private async ticketOf(sealed: string, nowSeconds: number): Promise<Ticket | null> {
    const cached = this.cache.get(sealed, nowSeconds);
    if (cached !== undefined) return cached;
    if (this.cache.isKnownFailure(sealed, nowSeconds)) return null;
    const ticket = await openTicket(sealed, this.cfg.passwords, nowSeconds);
    if (ticket === null) this.cache.markFailed(sealed, nowSeconds);
    else this.cache.set(sealed, ticket);
    return ticket;
  }

  private async deleteRecordOf(sealed: string | undefined, nowSeconds: number): Promise<void> {
    if (sealed === undefined || sealed === '') return;
    const ticket = await this.ticketOf(sealed, nowSeconds);
    if (ticket === null) return;
    this.cache.delete(sealed);
    this.forgotten += 1;
    const name = this.nameOf(ticket);
    this.records.forget(name);
    await this.cfg.connection.run((c) => c.call('DEL', [name]));
  }

  private cookieClears(host: string, cookies: ReadonlyMap<string, string>): string[] {
    const names = new Set([this.cfg.cookieName, ...staleChunkNames(cookies, this.cfg.cookieName, [])]);
    const attrs = this.attributes(host);
    return [...names].map((n) => clearCookie(n, attrs));
  }

  private nameOf(ticket: Ticket): string {
    let name = this.names.get(ticket);
    if (name === undefined) {
      name = recordName(this.cfg.cookieName, ticket);
      this.names.set(ticket, name);
    }
    return name;
  }

  private attributes(host: string): ClearCookieAttributes {
    return {
      domain: selectCookieDomain(host, this.cfg.cookieDomains),
      path: this.cfg.cookiePath,
      secure: this.cfg.cookieSecure,
      httpOnly: this.cfg.cookieHttpOnly,
      sameSite: this.cfg.cookieSameSite,
    };
  }
}
