/**
 * The session record cache where it must step aside: an ACL that refuses tracking, a Redis that stops or
 * freezes, and the deployment modes (Sentinel caches, Cluster does not). Real redis-server, redis-sentinel
 * and a three-node Redis Cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { RedisSessionStore } from '../../../src/session/redisStore.js';
import { isStoreUnavailable } from '../../../src/session/store.js';
import { describeWithBinary } from '../../support/processes.js';
import {
  REDIS_SERVER,
  redisAvailable,
  startRedisCluster,
  startRedisServer,
  startSentinel,
  waitUntil,
  type RedisCluster,
  type RedisSentinel,
  type RedisServer,
} from '../../support/redis.js';
import {
  HOST,
  cacheActive,
  captureLog,
  connectTo,
  getCalls,
  invalidationSeen,
  liveSession,
  local,
  now,
  storeOn,
} from './redisCacheFixtures.js';
import { applySetCookies } from './storeFixtures.js';

const stores: RedisSessionStore[] = [];
const admins: Redis[] = [];

function adminOf(port: number): Redis {
  const admin = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  admin.on('error', () => {});
  admins.push(admin);
  return admin;
}

function track(store: RedisSessionStore): RedisSessionStore {
  stores.push(store);
  return store;
}

/** Closes the stores and admin clients of the group that just ran (before its servers go away). */
async function closeAll(): Promise<void> {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const admin of admins.splice(0)) admin.disconnect();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function signedIn(store: RedisSessionStore) {
  return applySetCookies(new Map(), await store.save(liveSession(), HOST, new Map(), now()));
}

describeWithBinary(
  { describe, it },
  REDIS_SERVER,
  redisAvailable,
  'the session record cache, stepping aside',
  () => {
    afterAll(closeAll);

    describe('with an ACL user that may not turn tracking on', () => {
      let redis: RedisServer;
      beforeAll(async () => {
        redis = await startRedisServer();
        // No CLIENT command at all (so no CLIENT ID / CLIENT TRACKING) ...
        await redis.cli([
          'ACL',
          'SETUSER',
          'noclient',
          'on',
          '>noclient-pass',
          '~*',
          '&*',
          '+@all',
          '-client',
        ]);
        // ... or every command but no pub/sub channel (Redis 7's default for new users): SUBSCRIBE is refused.
        await redis.cli([
          'ACL',
          'SETUSER',
          'nochannel',
          'on',
          '>nochannel-pass',
          '~*',
          'resetchannels',
          '+@all',
        ]);
      });
      afterAll(async () => {
        await closeAll();
        await redis?.destroy();
      });

      it.each([
        ['without +client', 'noclient', /NOPERM.*client\|id/i],
        ['without the invalidation channel', 'nochannel', /NOPERM.*channel/i],
      ])(
        '%s: sessions work as before (a GET per load) and one "session cache off" line',
        async (_, user, why) => {
          const logs = captureLog();
          const password = `${user}-pass`;
          const store = track(
            storeOn(connectTo({ addresses: local(redis.port), username: user, password }, logs.log)),
          );
          await waitUntil(async () => store.isHealthy(), 'ready', 5000);
          await waitUntil(async () => logs.text().includes('session cache off'), 'the refusal', 5000);
          const admin = adminOf(redis.port);
          const jar = await signedIn(store);
          const before = await getCalls(admin);
          for (let i = 0; i < 3; i += 1)
            expect((await store.load(jar))?.state.email).toBe('alice@example.com');
          expect(await getCalls(admin)).toBe(before + 3);
          expect(store.recordCacheStats()).toMatchObject({ active: false, size: 0 });
          // Reconnects retry, and say nothing new while the answer stays the same.
          const flushes = store.recordCacheStats().flushes;
          await admin.call('CLIENT', 'KILL', 'USER', user);
          await waitUntil(async () => store.recordCacheStats().flushes > flushes, 'the disconnect', 5000);
          await waitUntil(async () => store.isHealthy(), 'reconnected', 5000);
          await sleep(300); // the subscriber is back too (after 100 ms) and has been refused again
          expect((await store.load(jar))?.state.email).toBe('alice@example.com');
          await store.clear(HOST, jar);
          expect(await store.load(jar)).toBeNull();
          const text = logs.text();
          expect(text.match(/session cache off/g)).toHaveLength(1);
          expect(text).toMatch(why);
          expect(text).not.toContain('session cache on');
          expect(text).not.toContain(password);
        },
      );
    });

    describe('when Redis stops', () => {
      let redis: RedisServer;
      let store: RedisSessionStore;
      beforeAll(async () => {
        redis = await startRedisServer();
        store = track(storeOn(connectTo({ addresses: local(redis.port) })));
        await cacheActive(store);
      });
      afterAll(async () => {
        await closeAll();
        await redis?.destroy();
      });

      async function cachedSession() {
        const jar = await signedIn(store);
        await store.load(jar);
        expect((await store.load(jar))?.state.email).toBe('alice@example.com');
        expect(store.recordCacheStats().size).toBeGreaterThan(0);
        return jar;
      }

      it('frozen (SIGSTOP): loads reject with store_unavailable, not a cached session, then recover', async () => {
        const jar = await cachedSession();
        redis.pause();
        try {
          await waitUntil(async () => !store.isHealthy(), 'the outage to show', 3000);
          expect(store.recordCacheStats().active).toBe(false);
          const err = await store.load(jar).catch((e: unknown) => e);
          expect(isStoreUnavailable(err)).toBe(true);
        } finally {
          redis.resume();
        }
        await cacheActive(store);
        expect((await store.load(jar))?.state.email).toBe('alice@example.com');
      });

      it('shut down: loads reject with store_unavailable, then the same session works and is cached again', async () => {
        const jar = await cachedSession();
        await redis.stop();
        await waitUntil(async () => !store.isHealthy(), 'the outage to show', 3000);
        expect(store.recordCacheStats()).toMatchObject({ active: false, size: 0 });
        expect(isStoreUnavailable(await store.load(jar).catch((e: unknown) => e))).toBe(true);
        await redis.start();
        await cacheActive(store);
        const admin = adminOf(redis.port);
        expect((await store.load(jar))?.state.email).toBe('alice@example.com');
        const gets = await getCalls(admin);
        await store.load(jar);
        expect(await getCalls(admin)).toBe(gets);
      });
    });

    describe('through Sentinel', () => {
      let redis: RedisServer;
      let sentinel: RedisSentinel;
      beforeAll(async () => {
        redis = await startRedisServer();
        sentinel = await startSentinel(redis);
      });
      afterAll(async () => {
        await closeAll();
        await sentinel?.stop();
        await redis?.destroy();
      });

      it('caches once both connections are on the master, and sees a sign-out by a direct replica', async () => {
        const viaSentinel = track(
          storeOn(
            connectTo({
              mode: 'sentinel',
              addresses: local(sentinel.port),
              sentinelMasterName: sentinel.masterName,
            }),
          ),
        );
        const direct = track(storeOn(connectTo({ addresses: local(redis.port) })));
        await cacheActive(viaSentinel);
        const admin = adminOf(redis.port);
        const jar = await signedIn(direct);
        const before = await getCalls(admin);
        const first = (await viaSentinel.load(jar))!;
        expect((await viaSentinel.load(jar))?.state).toBe(first.state);
        expect(await getCalls(admin)).toBe(before + 1);
        const seen = viaSentinel.recordCacheStats();
        await direct.clear(HOST, jar);
        await invalidationSeen(viaSentinel, seen);
        expect(await viaSentinel.load(jar)).toBeNull();
      });
    });

    describe('on a Redis Cluster', () => {
      let cluster: RedisCluster;
      beforeAll(async () => {
        cluster = await startRedisCluster();
      });
      afterAll(async () => {
        await closeAll();
        await cluster?.stop();
      });

      it('caches nothing: every load reads Redis, and a sign-out elsewhere is seen', async () => {
        const logs = captureLog();
        const addresses = cluster.ports.flatMap((p) => local(p));
        const store = track(storeOn(connectTo({ mode: 'cluster', addresses }, logs.log)));
        const other = track(storeOn(connectTo({ mode: 'cluster', addresses })));
        await waitUntil(async () => store.isHealthy() && other.isHealthy(), 'cluster ready', 10_000);
        const nodes = cluster.ports.map(adminOf);
        const jar = await signedIn(other);
        const before = await getCalls(...nodes);
        for (let i = 0; i < 3; i += 1) expect(await store.load(jar)).not.toBeNull();
        expect(await getCalls(...nodes)).toBe(before + 3);
        expect(store.recordCacheStats()).toMatchObject({ active: false, size: 0 });
        await other.clear(HOST, jar);
        expect(await store.load(jar)).toBeNull();
        expect(logs.text()).not.toContain('session cache');
      });
    });
  },
);
