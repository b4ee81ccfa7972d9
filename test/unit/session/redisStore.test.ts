import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { captureLog } from '../../support/capturedLog.js';
import { createRedisConnection, type RedisConnection } from '../../../src/session/redisClient.js';
import { RedisSessionStore } from '../../../src/session/redisStore.js';
import { deriveSealPasswords } from '../../../src/session/secrets.js';
import { isStoreUnavailable } from '../../../src/session/store.js';
import { parseRedisUrl, type RedisAddress } from '../../../src/session/redisUrl.js';
import { describeWithBinary } from '../../support/processes.js';
import {
  REDIS_SERVER,
  redisAvailable,
  startRedisServer,
  waitUntil,
  type RedisServer,
} from '../../support/redis.js';
import { SECRET_A, SECRET_B, flipSextet, guidGroups, makeSession } from './sessionFixtures.js';
import { applySetCookies } from './storeFixtures.js';
import { invalidationSeen } from './redisCacheFixtures.js';

const NAME = '_authgate';
const HOST = 'app.example.com';
const now = () => Math.floor(Date.now() / 1000);

function connect(url: string, log = captureLog().log, timeoutMs = 500): RedisConnection {
  const address = parseRedisUrl(url) as RedisAddress;
  return createRedisConnection(
    {
      mode: 'standalone',
      addresses: [address],
      username: '',
      password: address.password,
      db: 0,
      sentinelMasterName: '',
      sentinelPassword: '',
      tls: false,
      caPem: '',
      insecureSkipTlsVerify: false,
      commandTimeoutMs: timeoutMs,
      probeIntervalMs: 100,
    },
    log,
  );
}

function makeStore(connection: RedisConnection, secret = SECRET_A): RedisSessionStore {
  return new RedisSessionStore({
    cookieName: NAME,
    passwords: deriveSealPasswords([secret]),
    cookieDomains: ['example.com'],
    cookiePath: '/',
    cookieSecure: true,
    cookieHttpOnly: true,
    cookieSameSite: 'lax',
    connection,
  });
}

const session = (overrides = {}) => {
  const t = now();
  return makeSession({
    createdAt: t,
    refreshedAt: t,
    expiresAt: t + 3600,
    tokenExpiresAt: t + 600,
    ...overrides,
  });
};

describeWithBinary(
  { describe, it },
  REDIS_SERVER,
  redisAvailable,
  'RedisSessionStore on a real redis-server',
  () => {
    let redis: RedisServer;
    let store: RedisSessionStore;
    let other: RedisSessionStore; // a second replica: its own connection and ticket cache

    beforeAll(async () => {
      redis = await startRedisServer({ password: 'redis-test-password' });
      store = makeStore(connect(redis.url));
      other = makeStore(connect(redis.url));
      await waitUntil(async () => store.isHealthy() && other.isHealthy(), 'both connections ready');
    });
    afterAll(async () => {
      await store?.close();
      await other?.close();
      await redis?.destroy();
    });

    it('round-trips a session through one small ticket cookie, readable by another replica', async () => {
      const state = session();
      const headers = await store.save(state, HOST, new Map(), now());
      expect(headers).toHaveLength(1);
      expect(headers[0]).toMatch(
        /^_authgate=Fe26\.2\*[^;]+; Domain=example\.com; Path=\/; Max-Age=(3600|3599); HttpOnly; Secure; SameSite=Lax$/,
      );
      const jar = applySetCookies(new Map(), headers);
      expect((await store.load(jar, now()))?.state).toEqual(state);
      expect((await other.load(jar, now()))?.state).toEqual(state);
    });

    it('sets the record TTL from expiresAt', async () => {
      const jar = applySetCookies(
        new Map(),
        await store.save(session({ expiresAt: now() + 120 }), HOST, new Map()),
      );
      const keys = [...(await redis.dump()).keys()];
      const ttls = await Promise.all(keys.map((k) => redis.cli(['PTTL', k])));
      const ttl = Math.min(...ttls.map(Number));
      expect(ttl).toBeGreaterThan(118_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
      expect(await store.load(jar)).not.toBeNull();
    });

    it('keeps tokens, emails and groups out of Redis: a dump shows only ciphertext', async () => {
      const state = session({ accessToken: 'the-access-token-xyz', groups: ['k8s-cluster-admins'] });
      await store.save(state, HOST, new Map());
      const dump = await redis.dump();
      expect(dump.size).toBeGreaterThan(0);
      const text = [...dump].join('\n');
      for (const secret of [
        state.idToken,
        state.refreshToken,
        'the-access-token-xyz',
        'alice@example.com',
        'k8s-cluster-admins',
        state.sub,
      ]) {
        expect(text).not.toContain(secret);
      }
      for (const key of dump.keys()) expect(key).toMatch(/^_authgate-[A-Za-z0-9_-]{43}$/);
    });

    it('treats a tampered, foreign or unknown ticket as no session', async () => {
      const jar = applySetCookies(new Map(), await store.save(session(), HOST, new Map()));
      const ticket = jar.get(NAME) ?? '';
      expect(await store.load(new Map([[NAME, flipSextet(ticket, 50)]]))).toBeNull();
      expect(await store.load(new Map([[NAME, 'garbage']]))).toBeNull();
      // a ticket sealed with another cookie secret (another deployment on the same Redis)
      const foreign = makeStore(connect(redis.url), SECRET_B);
      await waitUntil(async () => foreign.isHealthy(), 'ready');
      const foreignJar = applySetCookies(new Map(), await foreign.save(session(), HOST, new Map()));
      expect(await foreign.load(foreignJar)).not.toBeNull();
      expect(await store.load(foreignJar)).toBeNull();
      await foreign.close();
      // a valid ticket whose record is gone (expired, deleted, Redis emptied)
      expect(await store.load(jar)).not.toBeNull();
      await redis.cli(['FLUSHALL']);
      // The replica's record cache learns of the flush from Redis's invalidation message, one network hop after
      // FLUSHALL returns to redis-cli (the documented window): the session must end within a second.
      await waitUntil(
        async () => (await store.load(jar)) === null,
        'the emptied record to end the session',
        1000,
      );
    });

    it('mints a new ticket on sign-in and deletes the record of the one the browser brought', async () => {
      const first = applySetCookies(new Map(), await store.save(session(), HOST, new Map()));
      const second = applySetCookies(first, await store.save(session({ sub: 'bob' }), HOST, first));
      expect(second.get(NAME)).not.toBe(first.get(NAME));
      expect(await store.load(first)).toBeNull();
      expect((await store.load(second))?.state.sub).toBe('bob');
    });

    it('overwrites the record in place on a refresh, so another replica sees the new tokens at once', async () => {
      const jar = applySetCookies(new Map(), await store.save(session(), HOST, new Map()));
      const loaded = await other.load(jar);
      expect(loaded).not.toBeNull();
      const refreshed = { ...loaded!.state, refreshToken: 'rotated-refresh-token', refreshedAt: now() };
      const seen = other.recordCacheStats();
      expect(await store.save(refreshed, HOST, jar, now(), { reuseTicketFrom: loaded! })).toEqual([]);
      // `other` cached the session; the invalidation reaches it on its own connection (see invalidationSeen).
      await invalidationSeen(other, seen);
      expect((await other.load(jar))?.state.refreshToken).toBe('rotated-refresh-token');
    });

    it('does not bring back a session signed out while it was being refreshed', async () => {
      const jar = applySetCookies(new Map(), await store.save(session(), HOST, new Map()));
      const loaded = (await store.load(jar))!;
      const clears = await other.clear(HOST, jar);
      expect(clears.some((h) => h.startsWith('_authgate=;') && h.includes('Max-Age=0'))).toBe(true);
      const headers = await store.save({ ...loaded.state, refreshedAt: now() }, HOST, jar, now(), {
        reuseTicketFrom: loaded,
      });
      expect(headers.some((h) => h.startsWith('_authgate=;'))).toBe(true);
      expect(await store.load(jar)).toBeNull();
      expect(await other.load(jar)).toBeNull();
    });

    it('keeps a 300-group session in one cookie, clearing chunks left by cookie mode', async () => {
      const big = session({ groups: guidGroups(300) });
      const old = new Map([
        [`${NAME}_0`, 'x'],
        [`${NAME}_1`, 'y'],
      ]);
      const headers = await store.save(big, HOST, old);
      expect(headers[0]!.length).toBeLessThan(600);
      expect(
        headers
          .slice(1)
          .map((h) => h.split('=')[0])
          .sort(),
      ).toEqual([`${NAME}_0`, `${NAME}_1`]);
      const jar = applySetCookies(old, headers);
      expect([...jar.keys()]).toEqual([NAME]);
      expect((await other.load(jar))?.state.groups).toHaveLength(300);
    });

    it('clears an already expired session instead of saving it', async () => {
      const headers = await store.save(session({ expiresAt: now() - 1 }), HOST, new Map());
      expect(headers.every((h) => h.includes('Max-Age=0'))).toBe(true);
    });

    it('owns the session cookie, its chunks and CSRF cookies only', () => {
      for (const n of [NAME, `${NAME}_0`, `${NAME}_12`, `${NAME}_csrf_abc`])
        expect(store.ownsCookie(n)).toBe(true);
      for (const n of ['_authgatex', 'session', `${NAME}_a`]) expect(store.ownsCookie(n)).toBe(false);
    });

    describe('the refresh lock', () => {
      it('lets one of two concurrent takers win, across replicas, until released', async () => {
        const [a, b] = await Promise.all([
          store.lock.acquireLock('session-1', 5000),
          other.lock.acquireLock('session-1', 5000),
        ]);
        expect([a, b].filter((r) => r !== null)).toHaveLength(1);
        const release = (a ?? b)!;
        expect(await other.lock.acquireLock('session-1', 5000)).toBeNull();
        expect(await store.lock.acquireLock('session-2', 5000)).not.toBeNull(); // other keys are independent
        const waiting = other.lock.waitForUnlock('session-1', 3000);
        await release();
        await expect(waiting).resolves.toBe(true);
        const again = await other.lock.acquireLock('session-1', 5000);
        expect(again).not.toBeNull();
        await again!();
      });

      it("frees itself after its TTL, and a late release does not delete the next holder's lock", async () => {
        const first = (await store.lock.acquireLock('session-3', 150))!;
        expect(first).not.toBeNull();
        await expect(other.lock.waitForUnlock('session-3', 50)).resolves.toBe(false);
        await expect(other.lock.waitForUnlock('session-3', 2000)).resolves.toBe(true);
        const second = (await other.lock.acquireLock('session-3', 5000))!;
        expect(second).not.toBeNull();
        await first(); // too late: must not free the second holder's lock
        expect(await store.lock.acquireLock('session-3', 5000)).toBeNull();
        await second();
        expect(await store.lock.acquireLock('session-3', 100)).not.toBeNull();
      });

      it('stores a hash of the key, never the key', async () => {
        const release = (await store.lock.acquireLock('Fe26.2*cookie-value', 5000))!;
        const keys = [...(await redis.dump()).keys()].join(' ');
        expect(keys).not.toContain('Fe26');
        expect(keys).toMatch(/_authgate-lock-[A-Za-z0-9_-]{43}/);
        await release();
      });
    });

    describe('when Redis stops answering', () => {
      it('rejects with store_unavailable within the timeout, reports unhealthy once, and recovers by itself', async () => {
        const logs = captureLog();
        const conn = connect(redis.url, logs.log, 500);
        const s = makeStore(conn);
        await waitUntil(async () => s.isHealthy(), 'ready');
        const jar = applySetCookies(new Map(), await s.save(session(), HOST, new Map()));
        redis.pause();
        try {
          const started = Date.now();
          const err = await s.load(jar).catch((e: unknown) => e);
          expect(isStoreUnavailable(err)).toBe(true);
          expect(Date.now() - started).toBeLessThan(1500);
          expect(s.isHealthy()).toBe(false);
          await expect(s.lock.acquireLock('k', 1000)).rejects.toMatchObject({ code: 'store_unavailable' });
        } finally {
          redis.resume();
        }
        await waitUntil(async () => s.isHealthy(), 'recovery', 5000);
        expect((await s.load(jar))?.state.email).toBe('alice@example.com');
        const text = logs.text();
        expect(text.match(/session store unavailable/g)).toHaveLength(1);
        expect(text).toMatch(/"downForMs":\d+/);
        expect(text).not.toContain('redis-test-password');
        await s.close();
      });
    });
  },
);
