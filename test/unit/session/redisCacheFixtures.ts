/**
 * Builders for the session record cache tests: RedisSessionStore replicas on real redis-servers, a counter of
 * the GETs Redis actually served, and a wait for an invalidation to reach a replica.
 */
import { Redis } from 'ioredis';
import { captureLog } from '../../support/capturedLog.js';
import {
  createRedisConnection,
  type RedisConnection,
  type RedisConnectionSettings,
} from '../../../src/session/redisClient.js';
import { RedisSessionStore } from '../../../src/session/redisStore.js';
import { deriveSealPasswords } from '../../../src/session/secrets.js';
import type { RecordCacheStats } from '../../../src/session/redisRecordCache.js';
import { waitUntil } from '../../support/redis.js';
import { SECRET_A, makeSession } from './sessionFixtures.js';

export const NAME = '_authgate';
export const HOST = 'app.example.com';
export const now = (): number => Math.floor(Date.now() / 1000);

export { captureLog };

/** A connection with short bounds (500 ms commands, 100 ms probes and heartbeats) so outages show fast. */
export function connectTo(
  settings: Partial<RedisConnectionSettings> & Pick<RedisConnectionSettings, 'addresses'>,
  log = captureLog().log,
): RedisConnection {
  return createRedisConnection(
    {
      mode: 'standalone',
      username: '',
      password: '',
      db: 0,
      sentinelMasterName: '',
      sentinelPassword: '',
      tls: false,
      caPem: '',
      insecureSkipTlsVerify: false,
      commandTimeoutMs: 500,
      probeIntervalMs: 100,
      ...settings,
    },
    log,
  );
}

export const local = (port: number) => [
  { host: '127.0.0.1', port, tls: false, username: '', password: '', db: 0 },
];

export function storeOn(connection: RedisConnection, maxCachedRecordAgeMs?: number): RedisSessionStore {
  return new RedisSessionStore({
    ...(maxCachedRecordAgeMs === undefined ? {} : { maxCachedRecordAgeMs }),
    cookieName: NAME,
    passwords: deriveSealPasswords([SECRET_A]),
    cookieDomains: ['example.com'],
    cookiePath: '/',
    cookieSecure: true,
    cookieHttpOnly: true,
    cookieSameSite: 'lax',
    connection,
  });
}

export function liveSession(overrides = {}) {
  const t = now();
  return makeSession({
    createdAt: t,
    refreshedAt: t,
    expiresAt: t + 3600,
    tokenExpiresAt: t + 600,
    ...overrides,
  });
}

/** How many GETs the server has executed (INFO commandstats), summed over `admins` (cluster nodes). */
export async function getCalls(...admins: Redis[]): Promise<number> {
  let total = 0;
  for (const admin of admins) {
    const info = await admin.info('commandstats');
    total += Number(/^cmdstat_get:calls=(\d+)/m.exec(info)?.[1] ?? 0);
  }
  return total;
}

export function cacheActive(store: RedisSessionStore): Promise<void> {
  return waitUntil(async () => store.recordCacheStats().active, 'the session cache to be active', 5000);
}

/**
 * Waits until `store` has received an invalidation (or a flush) after `before` was taken.
 * Redis publishes the invalidation to the replica's subscriber BEFORE it answers the write that caused it, but
 * on another connection, so right after the writer's `await` the message may still be in flight. In a
 * deployment the replica's next request for that session comes from a browser that first had to receive the
 * writer's answer (at least one more network hop), so that window is covered there; here the next load
 * follows in the same process, so the test waits for the message instead.
 */
export function invalidationSeen(store: RedisSessionStore, before: RecordCacheStats): Promise<void> {
  return waitUntil(
    async () => {
      const s = store.recordCacheStats();
      return s.invalidations > before.invalidations || s.flushes > before.flushes;
    },
    'the invalidation to reach the replica',
    2000,
  );
}
