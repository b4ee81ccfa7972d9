/**
 * Decrypted session records kept in memory between requests, so a signed-in request in Redis mode costs no
 * Redis command, no AES-GCM decrypt and no JSON parse while its session did not change, and gets the SAME
 * SessionState object every time (per-session memos keyed on it keep hitting).
 *
 * Staleness is Redis's job: redisTracking.ts has Redis tell this process which records changed (a sign-out,
 * a refresh, an expiry, FLUSHALL, by any replica or client), and drops everything whenever that stream of
 * invalidations may have had a gap. Three rules keep a stale record from being served:
 * - an entry is only served while tracking is active (both connections up and linked, the data connection
 *   healthy) and before its session's `expiresAt`, and only to the ticket that decrypted it (same record key);
 * - a read is cached only if tracking was active when it was sent, the epoch did not change and no
 *   invalidation for its key arrived before its reply (the race in Redis's doc: the reply and the invalidation
 *   travel on different connections, so a reply can hold a value that was already changed);
 * - this process's own writes drop the entry before they are sent, and are never cached: the next read
 *   fetches (and so tracks) the record again.
 * What remains is one network hop: Redis publishes an invalidation before it answers the write that caused
 * it, so another replica drops the record about when the writer learns its write succeeded.
 */
import type { RedisConnection } from './redisClient.js';
import { startInvalidationTracking, type InvalidationTracking } from './redisTracking.js';
import type { SessionState } from './types.js';

export interface RecordCacheStats {
  readonly hits: number;
  readonly misses: number;
  /** Record names Redis reported as changed. */
  readonly invalidations: number;
  /** Times the whole cache was dropped (a connection event, a lost heartbeat, FLUSHALL). */
  readonly flushes: number;
  readonly size: number;
  /** True while cached records are served. */
  readonly active: boolean;
}

/**
 * The longest an entry is served without reading Redis again, ms: a backstop for invalidations Redis never
 * sends (SWAPDB) or that no check here can notice; it costs one read per active session per minute.
 */
export const MAX_ENTRY_AGE_MS = 60_000;

interface Entry {
  readonly state: SessionState;
  /** Date.now() when read from Redis. */
  readonly readAt: number;
  /** The ticket's record key: another ticket naming the same record (none should exist) gets no hit. */
  readonly ticketKey: string;
}

/** Reads in flight for one record, and how many invalidations of it arrived so far. */
interface InFlight {
  pending: number;
  invalidations: number;
}

export const DEFAULT_MAX_CACHED_RECORDS = 10_000;

export class SessionRecordCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly tracking: InvalidationTracking | null;
  private readonly maxEntries: number;
  private hits = 0;
  private misses = 0;
  private invalidations = 0;
  private flushes = 0;

  /** Caches for `connection` (standalone or sentinel; in cluster mode nothing is ever cached). */
  constructor(
    connection: RedisConnection,
    maxEntries = DEFAULT_MAX_CACHED_RECORDS,
    private readonly maxEntryAgeMs = MAX_ENTRY_AGE_MS,
  ) {
    this.maxEntries = Math.max(0, Math.floor(maxEntries));
    this.tracking = startInvalidationTracking(connection, {
      invalidated: (keys) => {
        for (const key of keys) this.forget(key);
        this.invalidations += keys.length;
      },
      lost: () => {
        this.entries.clear();
        this.flushes += 1;
      },
    });
  }

  /** The state cached for record `name` opened with `ticketKey`, or undefined (then the caller reads Redis). */
  lookup(name: string, ticketKey: string, nowSeconds: number): SessionState | undefined {
    const entry = this.entries.get(name);
    // A ticket with another key names this record only if forged with the cookie secret: it reads Redis (and
    // fails to decrypt) without evicting the entry of the real one.
    if (entry === undefined || entry.ticketKey !== ticketKey || !this.isActive()) {
      this.misses += 1;
      return undefined;
    }
    if (entry.state.expiresAt <= nowSeconds || Date.now() - entry.readAt >= this.maxEntryAgeMs) {
      this.entries.delete(name);
      this.misses += 1;
      return undefined;
    }
    // Move to the young end of the LRU.
    this.entries.delete(name);
    this.entries.set(name, entry);
    this.hits += 1;
    return entry.state;
  }

  /**
   * Reads record `name` with `read` (GET + decrypt) and caches the result when that is safe (see the module
   * comment). Rejects as `read` does.
   */
  async fetch(
    name: string,
    ticketKey: string,
    read: () => Promise<SessionState | null>,
  ): Promise<SessionState | null> {
    const tracking = this.tracking;
    if (tracking === null) return read();
    // Only a read sent after tracking was on is tracked by Redis (its CLIENT TRACKING reply came first).
    const epoch = tracking.active ? tracking.epoch : -1;
    let flight = this.inFlight.get(name);
    if (flight === undefined) {
      flight = { pending: 0, invalidations: 0 };
      this.inFlight.set(name, flight);
    }
    flight.pending += 1;
    const seen = flight.invalidations;
    try {
      const state = await read();
      const unchanged = flight.invalidations === seen && epoch >= 0 && epoch === tracking.epoch;
      if (state !== null && unchanged && this.isActive())
        this.insert(name, { state, ticketKey, readAt: Date.now() });
      return state;
    } finally {
      flight.pending -= 1;
      if (flight.pending === 0) this.inFlight.delete(name);
    }
  }

  /** Drops record `name` and spoils reads of it in flight: call before writing or deleting it. */
  forget(name: string): void {
    this.entries.delete(name);
    const flight = this.inFlight.get(name);
    if (flight !== undefined) flight.invalidations += 1;
  }

  stats(): RecordCacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      invalidations: this.invalidations,
      flushes: this.flushes,
      size: this.entries.size,
      active: this.isActive(),
    };
  }

  /** Stops tracking (closes the invalidation connection) and drops every entry. */
  close(): void {
    this.tracking?.close();
    this.entries.clear();
  }

  private isActive(): boolean {
    return this.tracking !== null && this.tracking.active;
  }

  private insert(name: string, entry: Entry): void {
    this.entries.delete(name);
    this.entries.set(name, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }
}
