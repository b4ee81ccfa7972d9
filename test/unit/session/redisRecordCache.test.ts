/**
 * The session record cache against a real redis-server: two RedisSessionStore replicas (each with its own
 * connections, as two authgate processes would have) share one Redis, and every change one makes, or any
 * other client makes, must reach the other through Redis's invalidation messages.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { RedisConnection } from '../../../src/session/redisClient.js';
import { SessionRecordCache } from '../../../src/session/redisRecordCache.js';
import type { RedisSessionStore } from '../../../src/session/redisStore.js';
import { deriveSealPasswords } from '../../../src/session/secrets.js';
import { openTicket, recordName, sealTicket } from '../../../src/session/ticket.js';
import { describeWithBinary } from '../../support/processes.js';
import {
  REDIS_SERVER,
  redisAvailable,
  startRedisServer,
  waitUntil,
  type RedisServer,
} from '../../support/redis.js';
import {
  HOST,
  NAME,
  cacheActive,
  connectTo,
  getCalls,
  invalidationSeen,
  liveSession,
  local,
  now,
  storeOn,
} from './redisCacheFixtures.js';
import { SECRET_A } from './sessionFixtures.js';
import { applySetCookies } from './storeFixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PASSWORDS = deriveSealPasswords([SECRET_A]);

describeWithBinary({ describe, it }, REDIS_SERVER, redisAvailable, 'the Redis session record cache', () => {
  let redis: RedisServer;
  let admin: Redis; // "another client": redis-cli-like raw access, and the GET counter
  let connA: RedisConnection;
  /** Around A's connection: runs `afterReply` (when set) between a command's reply and its caller. */
  let afterReply: (() => Promise<void>) | null = null;
  /** Around A's connection: what it reports as its health when set (commands timing out, say). */
  let healthy: boolean | null = null;
  let a: RedisSessionStore;
  let b: RedisSessionStore;

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis({ port: redis.port, host: '127.0.0.1', lazyConnect: true });
    await admin.connect();
    connA = connectTo({ addresses: local(redis.port) });
    a = storeOn({
      ...connA,
      isHealthy: () => healthy ?? connA.isHealthy(),
      run: async (command) => {
        const reply = await connA.run(command);
        const hook = afterReply;
        afterReply = null;
        if (hook) await hook();
        return reply;
      },
    });
    b = storeOn(connectTo({ addresses: local(redis.port) }));
    await Promise.all([cacheActive(a), cacheActive(b)]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    admin?.disconnect();
    await redis?.destroy();
  });

  /** A session saved by B, and the browser's jar holding its ticket. */
  async function signedIn(overrides = {}) {
    return applySetCookies(new Map(), await b.save(liveSession(overrides), HOST, new Map(), now()));
  }

  /** The record name of the session in `jar` (what Redis and the invalidations call it). */
  async function recordOf(jar: Map<string, string>): Promise<string> {
    const ticket = (await openTicket(jar.get(NAME)!, PASSWORDS, now()))!;
    return recordName(NAME, ticket);
  }

  it('serves a repeated load from memory: no GET after the first, and the same state object', async () => {
    const jar = await signedIn();
    const before = await getCalls(admin);
    const first = (await a.load(jar, now()))!;
    const again = await Promise.all([a.load(jar, now()), a.load(jar, now()), a.load(jar, now())]);
    expect(await getCalls(admin)).toBe(before + 1);
    for (const loaded of again) expect(loaded?.state).toBe(first.state);
    expect(a.recordCacheStats().hits).toBeGreaterThanOrEqual(3);
  });

  it('sees a sign-out done by another replica', async () => {
    const jar = await signedIn();
    expect(await a.load(jar)).not.toBeNull();
    expect(await a.load(jar)).not.toBeNull(); // cached now
    const seen = a.recordCacheStats();
    await b.clear(HOST, jar);
    await invalidationSeen(a, seen);
    expect(await a.load(jar)).toBeNull();
  });

  it('sees a refresh done by another replica: the new tokens, then cached again', async () => {
    const jar = await signedIn();
    const loaded = (await a.load(jar))!;
    expect((await a.load(jar))?.state).toBe(loaded.state);
    const seen = a.recordCacheStats();
    const refreshed = { ...loaded.state, refreshToken: 'rotated-by-b', refreshedAt: now() };
    expect(await b.save(refreshed, HOST, jar, now(), { reuseTicketFrom: loaded })).toEqual([]);
    await invalidationSeen(a, seen);
    const after = (await a.load(jar))!;
    expect(after.state.refreshToken).toBe('rotated-by-b');
    expect((await a.load(jar))?.state).toBe(after.state);
  });

  it('sees writes and deletes by any other client, and FLUSHALL', async () => {
    const jar = await signedIn();
    const name = await recordOf(jar);
    const original = await admin.get(name);
    expect(await a.load(jar)).not.toBeNull();
    expect(await a.load(jar)).not.toBeNull();

    let seen = a.recordCacheStats();
    await admin.set(name, 'v1.garbage.garbage.garbage', 'KEEPTTL'); // overwritten: no longer decrypts
    await invalidationSeen(a, seen);
    expect(await a.load(jar)).toBeNull();

    await admin.set(name, original!, 'PX', 60_000);
    expect(await a.load(jar)).not.toBeNull();
    expect(await a.load(jar)).not.toBeNull();
    seen = a.recordCacheStats();
    await admin.del(name);
    await invalidationSeen(a, seen);
    expect(await a.load(jar)).toBeNull();

    await admin.set(name, original!, 'PX', 60_000);
    expect(await a.load(jar)).not.toBeNull();
    seen = a.recordCacheStats();
    await admin.flushall();
    await invalidationSeen(a, seen);
    expect(a.recordCacheStats().size).toBe(0);
    expect(await a.load(jar)).toBeNull();
    // FLUSHALL leaves tracking itself intact: caching goes on without a reconnect.
    const again = await signedIn();
    await a.load(again);
    const gets = await getCalls(admin);
    await a.load(again);
    expect(await getCalls(admin)).toBe(gets);
  });

  it('does not cache a reply that an invalidation overtook (the race in Redis’s doc)', async () => {
    const jar = await signedIn();
    const loaded = (await b.load(jar))!;
    // A's GET has been answered with the current record; before A gets to cache it, B refreshes the session
    // and the invalidation reaches A. What A read is already stale and must not be kept.
    afterReply = async () => {
      const seen = a.recordCacheStats();
      const refreshed = { ...loaded.state, refreshToken: 'written-during-the-read', refreshedAt: now() };
      await b.save(refreshed, HOST, jar, now(), { reuseTicketFrom: loaded });
      await invalidationSeen(a, seen);
    };
    const raced = (await a.load(jar))!;
    expect(afterReply).toBeNull(); // the hook ran
    expect(raced.state.refreshToken).toBe(loaded.state.refreshToken); // the value as of the read: fine
    expect((await a.load(jar))?.state.refreshToken).toBe('written-during-the-read');
  });

  it('serves nothing from memory while the data connection reports itself unhealthy', async () => {
    const jar = await signedIn();
    const first = (await a.load(jar))!;
    healthy = false; // e.g. its commands time out: /ready says 503, and a sign-out could go unnoticed
    try {
      const gets = await getCalls(admin);
      expect((await a.load(jar))?.state).toEqual(first.state);
      expect(await getCalls(admin)).toBe(gets + 1);
    } finally {
      healthy = null;
    }
    expect((await a.load(jar))?.state).toBe(first.state);
  });

  it('serves an entry only to the ticket that opened it, and never past the session’s end', async () => {
    const jar = await signedIn({ expiresAt: now() + 30 });
    const loaded = (await a.load(jar))!;
    const ticket = (await openTicket(jar.get(NAME)!, PASSWORDS, now()))!;
    // Same record id, another key (only someone holding the cookie secret could make one): no cached state.
    const forged = { ...ticket, key: Buffer.alloc(32, 7).toString('base64url') };
    const forgedJar = new Map([[NAME, await sealTicket(forged, PASSWORDS, now())]]);
    expect(await a.load(forgedJar)).toBeNull();
    expect((await a.load(jar))?.state).toBe(loaded.state);
    expect(await a.load(jar, loaded.state.expiresAt)).toBeNull();
  });

  it('drops everything when the subscriber connection is killed, sees changes made meanwhile, then caches again', async () => {
    const jar = await signedIn();
    const loaded = (await a.load(jar))!;
    await a.load(jar);
    const seen = a.recordCacheStats();
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    // B's write lands while A's subscriber is gone (it reconnects after 100 ms): its invalidation is lost.
    await b.save({ ...loaded.state, refreshToken: 'while-unsubscribed' }, HOST, jar, now(), {
      reuseTicketFrom: loaded,
    });
    await waitUntil(async () => a.recordCacheStats().flushes > seen.flushes, 'the flush', 2000);
    expect(a.recordCacheStats().size).toBe(0);
    expect((await a.load(jar))?.state.refreshToken).toBe('while-unsubscribed');
    await cacheActive(a);
    await a.load(jar);
    const gets = await getCalls(admin);
    await a.load(jar);
    await a.load(jar);
    expect(await getCalls(admin)).toBe(gets);
  });

  it('drops everything when the data connection is killed, sees changes made meanwhile, then caches again', async () => {
    const jar = await signedIn();
    const loaded = (await a.load(jar))!;
    await a.load(jar);
    const seen = a.recordCacheStats();
    const id = await connA.run((c) => c.call('CLIENT', ['ID']));
    await admin.call('CLIENT', 'KILL', 'ID', String(id));
    await b.save({ ...loaded.state, refreshToken: 'while-reconnecting' }, HOST, jar, now(), {
      reuseTicketFrom: loaded,
    });
    await waitUntil(async () => a.recordCacheStats().flushes > seen.flushes, 'the flush', 2000);
    expect(a.recordCacheStats().size).toBe(0);
    await waitUntil(async () => a.isHealthy(), 'A to reconnect', 5000);
    expect((await a.load(jar))?.state.refreshToken).toBe('while-reconnecting');
    await cacheActive(a);
    await a.load(jar);
    const gets = await getCalls(admin);
    await a.load(jar);
    expect(await getCalls(admin)).toBe(gets);
  });

  it('flushes and resubscribes when the subscriber stops answering without closing', async () => {
    const jar = await signedIn();
    await a.load(jar);
    const seen = a.recordCacheStats();
    // Freeze only the subscribers (CLIENT PAUSE would freeze everyone): the heartbeat PING gets no answer.
    const subscribers = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
    expect(subscribers).toContain('name=authgate-invalidations');
    await admin.call('CLIENT', 'PAUSE', '700', 'ALL');
    await sleep(750);
    await waitUntil(async () => a.recordCacheStats().flushes > seen.flushes, 'the heartbeat to flush', 3000);
    await cacheActive(a);
  });

  it('bounds the cache (LRU) and caches nothing while tracking is not active', async () => {
    const conn = connectTo({ addresses: local(redis.port) });
    const cache = new SessionRecordCache(conn, 2);
    try {
      await waitUntil(async () => cache.stats().active, 'tracking', 5000);
      const state = liveSession();
      for (const name of ['r1', 'r2', 'r3']) await cache.fetch(name, 'k', async () => state);
      expect(cache.stats().size).toBe(2);
      expect(cache.lookup('r1', 'k', now())).toBeUndefined(); // the oldest went
      expect(cache.lookup('r3', 'k', now())).toBe(state);
      // A read in flight when the epoch changes (here: FLUSHALL) is not cached.
      await cache.fetch('r4', 'k', async () => {
        const before = cache.stats().flushes;
        await admin.flushall();
        await waitUntil(async () => cache.stats().flushes > before, 'the flush', 2000);
        return state;
      });
      expect(cache.lookup('r4', 'k', now())).toBeUndefined();
    } finally {
      cache.close();
      await conn.close();
    }
  });
});
