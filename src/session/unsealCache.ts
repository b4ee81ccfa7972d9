/**
 * A bounded LRU of unsealed sessions, so a cookie is unsealed once rather than on every request (iron manages
 * only ~1.5k unseals per second per core).
 *
 * Keys are the SHA-256 of the exact sealed string: exact (any change to the cookie is a different key, so a
 * negative entry can never make a valid cookie fail) at 43 characters instead of the seal's 2-8 KB.
 * Cached states are returned until their `expiresAt`; the caller decides about refreshes from the state.
 * Seals that failed to open are remembered briefly in a second, smaller LRU, so a client repeating a garbage
 * cookie costs a hash per request, not a key derivation.
 */
import { createHash } from 'node:crypto';
import type { SessionState } from './types.js';

export interface UnsealCacheOptions<T> {
  /** When a cached value stops being valid, epoch seconds (default: a session's `expiresAt`). */
  readonly expiryOf?: (value: T) => number;
  /** Sessions kept (default 10,000). */
  readonly maxEntries?: number;
  /** Failed seals remembered (default 1,000). */
  readonly maxNegativeEntries?: number;
  /** How long a failed seal is remembered, seconds (default 60). */
  readonly negativeTtlSeconds?: number;
}

export interface UnsealCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly negativeHits: number;
  readonly size: number;
  readonly negativeSize: number;
}

function keyOf(sealed: string): string {
  return createHash('sha256').update(sealed).digest('base64url');
}

/** Inserts at the young end of a Map used as an LRU, evicting the oldest entries beyond `max`. */
function insert<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done === true) break;
    map.delete(oldest.value);
  }
}

/**
 * Generic over what was sealed: sessions for cookie sessions, tickets for Redis sessions (src/session/ticket.ts).
 */
export class UnsealCache<T = SessionState> {
  private readonly entries = new Map<string, T>();
  private readonly expiryOf: (value: T) => number;
  /** Key -> epoch second until which the seal is known not to open. */
  private readonly failures = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly maxNegativeEntries: number;
  private readonly negativeTtlSeconds: number;
  private hits = 0;
  private misses = 0;
  private negativeHits = 0;

  constructor(options: UnsealCacheOptions<T> = {}) {
    this.expiryOf = options.expiryOf ?? ((value: T) => (value as unknown as SessionState).expiresAt);
    this.maxEntries = Math.max(0, Math.floor(options.maxEntries ?? 10_000));
    this.maxNegativeEntries = Math.max(0, Math.floor(options.maxNegativeEntries ?? 1_000));
    this.negativeTtlSeconds = Math.max(0, options.negativeTtlSeconds ?? 60);
  }

  /** The session sealed in `sealed`, or undefined when not cached or expired at `nowSeconds` (then dropped). */
  get(sealed: string, nowSeconds: number): T | undefined {
    const key = keyOf(sealed);
    const state = this.entries.get(key);
    if (state === undefined || this.expiryOf(state) <= nowSeconds) {
      if (state !== undefined) this.entries.delete(key);
      this.misses += 1;
      return undefined;
    }
    insert(this.entries, key, state, this.maxEntries); // refresh its LRU position
    this.hits += 1;
    return state;
  }

  set(sealed: string, state: T): void {
    const key = keyOf(sealed);
    this.failures.delete(key);
    insert(this.entries, key, state, this.maxEntries);
  }

  /** Forgets `sealed` (positive or negative), e.g. after a sign-out or a refresh replaced it. */
  delete(sealed: string): void {
    const key = keyOf(sealed);
    this.entries.delete(key);
    this.failures.delete(key);
  }

  /** Remembers that `sealed` did not open, until `nowSeconds` + the negative TTL. */
  markFailed(sealed: string, nowSeconds: number): void {
    insert(this.failures, keyOf(sealed), nowSeconds + this.negativeTtlSeconds, this.maxNegativeEntries);
  }

  /** Whether `sealed` recently failed to open (so unsealing it again is pointless). */
  isKnownFailure(sealed: string, nowSeconds: number): boolean {
    const key = keyOf(sealed);
    const until = this.failures.get(key);
    if (until === undefined) return false;
    if (until <= nowSeconds) {
      this.failures.delete(key);
      return false;
    }
    this.negativeHits += 1;
    return true;
  }

  stats(): UnsealCacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      negativeHits: this.negativeHits,
      size: this.entries.size,
      negativeSize: this.failures.size,
    };
  }
}
