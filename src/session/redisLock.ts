/**
 * A short lock shared by every authgate replica on the same Redis, for single-flight token refreshes
 * (issuers rotate refresh tokens and refuse a used one, so two replicas refreshing one session would end it).
 *
 * Taking it is `SET <name> <random token> NX PX <ttl>`: atomic, and it frees itself after `ttl` should the
 * holder die. Releasing deletes the key only while it still holds our token (a Lua compare-and-delete), so a
 * holder that overran its ttl cannot delete the lock someone else has taken since. Waiting polls: a lock is
 * held for the length of one token request, and polling works the same on standalone, Sentinel and Cluster.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { RedisConnection } from './redisClient.js';
import type { SessionLock } from './store.js';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const POLL_MS = 25;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Locks named `<prefix>-lock-<hash of the key>`: the caller's key (a cookie value, say) is never stored. */
export function createRedisLock(connection: RedisConnection, prefix: string): SessionLock {
  const nameOf = (key: string): string =>
    `${prefix}-lock-${createHash('sha256').update(key, 'utf8').digest('base64url')}`;

  return {
    async acquireLock(key, ttlMs) {
      const ttl = Math.max(1, Math.ceil(ttlMs));
      const name = nameOf(key);
      const token = randomBytes(16).toString('base64url');
      const taken = await connection.run((c) => c.call('SET', [name, token, 'PX', ttl, 'NX']));
      if (taken !== 'OK') return null;
      let released = false;
      // Never rejects: a lock that cannot be released now expires by itself after `ttl`.
      return async () => {
        if (released) return;
        released = true;
        await connection.run((c) => c.call('EVAL', [RELEASE, 1, name, token])).catch(() => {});
      };
    },

    async waitForUnlock(key, timeoutMs) {
      const name = nameOf(key);
      const deadline = Date.now() + Math.max(0, timeoutMs);
      for (;;) {
        const held = await connection.run((c) => c.call('EXISTS', [name]));
        if (held === 0) return true;
        const left = deadline - Date.now();
        if (left <= 0) return false;
        await sleep(Math.min(POLL_MS, left));
      }
    },
  };
}
