/**
 * Review of the Redis session record cache (src/session/redisRecordCache.ts, redisTracking.ts) against real
 * redis-servers: cases the cache's own tests leave out. Each test says what must hold; a failing one is a
 * finding of the review (see its comment).
 */
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { RedisSessionStore } from '../../src/session/redisStore.js';
import { isStoreUnavailable } from '../../src/session/store.js';
import { describeWithBinary } from '../support/processes.js';
import {
  REDIS_SERVER,
  redisAvailable,
  startRedisServer,
  startSentinel,
  waitUntil,
  type RedisSentinel,
  type RedisServer,
} from '../support/redis.js';
import {
  HOST,
  cacheActive,
  connectTo,
  getCalls,
  invalidationSeen,
  liveSession,
  local,
  now,
  storeOn,
} from '../unit/session/redisCacheFixtures.js';
import { applySetCookies } from '../unit/session/storeFixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const stores: RedisSessionStore[] = [];
const clients: Redis[] = [];

function track(store: RedisSessionStore): RedisSessionStore {
  stores.push(store);
  return store;
}

function clientOf(port: number): Redis {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  clients.push(client);
  return client;
}

async function closeAll(): Promise<void> {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const c of clients.splice(0)) c.disconnect();
}

async function signedIn(store: RedisSessionStore) {
  return applySetCookies(new Map(), await store.save(liveSession(), HOST, new Map(), now()));
}

interface Route {
  readonly port: number;
  /** The reply to the first command containing this text reaches the client `slowMs` late. */
  readonly slowReplyTo?: string;
  readonly slowMs?: number;
}

/**
 * A TCP front for Redis that picks the server (and a slow start) per connection from the client's first bytes:
 * ioredis opens each connection with CLIENT SETNAME, so the invalidation connection (authgate-invalidations)
 * can be told from the data connection (authgate).
 */
async function startFront(route: (subscriber: boolean) => Route) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('error', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (!head.includes('setname') && head.length < 512) return;
      client.off('data', onData);
      client.pause();
      const { port, slowReplyTo, slowMs = 0 } = route(head.includes('authgate-invalidations'));
      let waiting = false; // the next reply is the slow one
      let slowDone = slowReplyTo === undefined;
      const upstream = net.connect(port, '127.0.0.1', () => {
        upstream.write(head);
        client.on('data', (command: Buffer) => {
          if (!slowDone && command.toString('latin1').includes(slowReplyTo!)) waiting = true;
          upstream.write(command);
        });
        let late = Promise.resolve(); // keeps replies in order behind a delayed one
        upstream.on('data', (reply: Buffer) => {
          if (waiting) {
            waiting = false;
            slowDone = true;
            late = new Promise((resolve) => setTimeout(resolve, slowMs));
          }
          void late.then(() => client.write(reply));
        });
        client.resume();
      });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describeWithBinary({ describe, it }, REDIS_SERVER, redisAvailable, 'review: the Redis session cache', () => {
  afterAll(closeAll);

  describe('standalone, behind an address that reaches two servers', () => {
    let first: RedisServer;
    let second: RedisServer;
    let split: Awaited<ReturnType<typeof startFront>>;
    beforeAll(async () => {
      first = await startRedisServer();
      second = await startRedisServer();
      // As a DNS name with several records (a headless Service), a TCP load balancer or a proxy may do.
      split = await startFront((subscriber) => ({ port: subscriber ? second.port : first.port }));
    });
    afterAll(async () => {
      await closeAll();
      await split?.stop();
      await first?.destroy();
      await second?.destroy();
    });

    it('never serves from memory when its two connections reached different servers', async () => {
      // FINDING (redisTracking.ts:130): only Sentinel mode checks that the data connection and the
      // subscriber are on the same server (run_id). In standalone mode `CLIENT TRACKING ON REDIRECT <id>`
      // names the subscriber's id on ANOTHER server; if a client with that id happens to be connected to the
      // data connection's server (ids are small counters: likely after restarts), Redis accepts it, sends
      // every invalidation to that unrelated client (or drops it), and the cache stays "active" forever:
      // a sign-out on another replica is never seen until the session's own end.
      for (let i = 0; i < 100; i += 1) await clientOf(first.port).ping(); // clients live on the data server
      for (let i = 0; i < 20; i += 1) await second.cli(['PING']); // the subscriber's id: about 20 on its server
      const replica = track(storeOn(connectTo({ addresses: local(split.port) })));
      const admin = clientOf(first.port);
      let subscriberId = '';
      await waitUntil(async () => {
        const list = await second.cli(['CLIENT', 'LIST', 'TYPE', 'pubsub']);
        subscriberId = /id=(\d+) .*name=authgate-invalidations/.exec(list)?.[1] ?? '';
        return subscriberId !== '';
      }, 'the subscriber on the second server');
      // The precondition of the finding: that id is a live (unrelated) client on the data server.
      expect(await first.cli(['CLIENT', 'LIST', 'ID', subscriberId])).toContain(`id=${subscriberId} `);
      await waitUntil(async () => replica.isHealthy(), 'the data connection', 5000);
      await sleep(500); // setup done (accepted or refused) by now

      const other = track(storeOn(connectTo({ addresses: local(first.port) })));
      const jar = await signedIn(other);
      expect(await replica.load(jar)).not.toBeNull();
      await replica.load(jar);
      await other.clear(HOST, jar);
      await sleep(1500); // beyond a heartbeat (100 ms) plus the command timeout (500 ms) of these connections
      const gets = await getCalls(admin);
      // (only the subject is compared: a whole session in a failure message is noise)
      expect((await replica.load(jar))?.state.sub ?? null).toBeNull();
      expect(await getCalls(admin)).toBe(gets + 1);
    });
  });

  describe('one server', () => {
    let redis: RedisServer;
    let a: RedisSessionStore;
    let b: RedisSessionStore;
    let admin: Redis;
    beforeAll(async () => {
      redis = await startRedisServer({
        extraArgs: ['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru'],
      });
      admin = clientOf(redis.port);
      a = track(storeOn(connectTo({ addresses: local(redis.port) })));
      b = track(storeOn(connectTo({ addresses: local(redis.port) })));
      await Promise.all([cacheActive(a), cacheActive(b)]);
    });
    afterAll(async () => {
      await closeAll();
      await redis?.destroy();
    });

    it('FLUSHDB of another database empties the cache; what is still in Redis is served and cached again', async () => {
      const jar = await signedIn(b);
      const state = (await a.load(jar))!.state;
      expect((await a.load(jar))?.state).toBe(state);
      const seen = a.recordCacheStats();
      const other = clientOf(redis.port);
      await other.select(1);
      await other.set('unrelated', 'x');
      await other.flushdb();
      await invalidationSeen(a, seen);
      expect(a.recordCacheStats().size).toBe(0);
      const reread = (await a.load(jar))!;
      expect(reread.state).not.toBe(state); // read from Redis again, not the dropped entry
      const gets = await getCalls(admin);
      expect((await a.load(jar))?.state).toBe(reread.state);
      expect(await getCalls(admin)).toBe(gets);
    });

    it('a session that SWAPDB took out of the database is not served from memory past the entry age cap', async () => {
      // Redis 7.0 sends NO invalidation for SWAPDB (checked: none on the channel, while MOVE, FLUSHDB, SET,
      // DEL, expiry and eviction all send one). Swapping in an empty database (an atomic "revoke every session")
      // is therefore only seen when a cached entry reaches its age cap (60 s by default; 400 ms here).
      const capped = track(storeOn(connectTo({ addresses: local(redis.port) }), 400));
      await cacheActive(capped);
      const jar = await signedIn(b);
      const state = (await capped.load(jar))!.state;
      expect((await capped.load(jar))?.state).toBe(state); // cached
      await admin.swapdb(0, 1);
      try {
        expect(await admin.keys('_authgate-*')).toEqual([]);
        await sleep(500);
        expect((await capped.load(jar))?.state.sub ?? null).toBeNull();
      } finally {
        await admin.swapdb(0, 1);
      }
    });

    it('turns caching on once a subscriber whose setup answered slowly is up (not never)', async () => {
      // FINDING (redisTracking.ts:158-172, 206-208): when CLIENT ID or SUBSCRIBE on a new subscriber connection
      // answers later than the command timeout, prepareSubscriber gives up without a retry, `subscriber` stays
      // null, and the heartbeat skips a null subscriber: caching stays off for good (a GET per request, the
      // Redis budget lost) until that connection happens to drop. Safe, but silent.
      let subscribers = 0;
      const front = await startFront((subscriber) => ({
        port: redis.port,
        // The first subscriber's CLIENT ID is answered after 700 ms, beyond the 500 ms command timeout.
        ...(subscriber && ++subscribers === 1 ? { slowReplyTo: '$2\r\nID\r\n', slowMs: 700 } : {}),
      }));
      try {
        const slow = track(storeOn(connectTo({ addresses: local(front.port) })));
        await waitUntil(async () => slow.isHealthy(), 'the data connection', 5000);
        await sleep(2500); // the slow answer is long over: every answer is prompt again
        // The set-up that timed out starts again on a fresh subscriber connection.
        expect(subscribers).toBeLessThanOrEqual(2);
        expect(slow.recordCacheStats().active).toBe(true);
      } finally {
        await front.stop();
      }
    });

    it('a record evicted by maxmemory (allkeys-lru) is not served from memory afterwards', async () => {
      await admin.flushall();
      await sleep(100);
      const jar = await signedIn(b);
      expect(await a.load(jar)).not.toBeNull();
      expect(await a.load(jar)).not.toBeNull(); // cached: A reads Redis no more
      const [record] = await admin.keys('_authgate-*');
      expect(record).toBeDefined();
      const seen = a.recordCacheStats();
      const filler = 'f'.repeat(16 * 1024);
      let evicted = false;
      for (let i = 0; i < 2000 && !evicted; i += 1) {
        await admin.set(`filler-${i}`, filler);
        if (i % 10 === 9) evicted = (await admin.exists(record!)) === 0;
      }
      expect(evicted).toBe(true);
      await invalidationSeen(a, seen);
      expect(await a.load(jar)).toBeNull();
    });
  });

  describe('Sentinel failover to a second server', () => {
    let master: RedisServer;
    let replicaServer: RedisServer;
    let sentinel: RedisSentinel;
    beforeAll(async () => {
      master = await startRedisServer();
      replicaServer = await startRedisServer({
        extraArgs: ['--replicaof', '127.0.0.1', String(master.port)],
      });
      await waitUntil(
        async () => (await replicaServer.cli(['INFO', 'replication'])).includes('master_link_status:up'),
        'the replica to sync',
      );
      sentinel = await startSentinel(master);
      await waitUntil(
        async () => {
          const replicas = await clientOf(sentinel.port).call('SENTINEL', 'REPLICAS', sentinel.masterName);
          return JSON.stringify(replicas).includes(String(replicaServer.port));
        },
        'Sentinel to know the replica',
        20_000,
      );
    }, 40_000);
    afterAll(async () => {
      await closeAll();
      await sentinel?.stop();
      await replicaServer?.destroy();
      await master?.destroy();
    });

    it('a session cached before the failover is not served after a sign-out on the new master', async () => {
      const viaSentinel = () =>
        connectTo({
          mode: 'sentinel',
          addresses: local(sentinel.port),
          sentinelMasterName: sentinel.masterName,
        });
      const a = track(storeOn(viaSentinel()));
      const b = track(storeOn(viaSentinel()));
      await Promise.all([cacheActive(a), cacheActive(b)]);
      const jar = await signedIn(b);
      await waitUntil(async () => (await clientOf(replicaServer.port).dbsize()) > 0, 'replication');
      expect(await a.load(jar)).not.toBeNull();
      expect(await a.load(jar)).not.toBeNull(); // cached

      await clientOf(sentinel.port).call('SENTINEL', 'FAILOVER', sentinel.masterName);
      await waitUntil(
        async () =>
          (await clientOf(sentinel.port).call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', sentinel.masterName))!
            .toString()
            .includes(String(replicaServer.port)),
        'the failover',
        20_000,
      );
      // B signs the session out once it writes to the new master.
      const newMaster = clientOf(replicaServer.port);
      await waitUntil(
        async () => {
          await b.clear(HOST, jar);
          return (await newMaster.keys('_authgate-*')).length === 0;
        },
        'the sign-out on the new master',
        20_000,
      );
      await sleep(700); // one heartbeat plus the command timeout of these connections
      // Either no session or "store unavailable" (503) while A reconnects: never the cached session.
      const loaded = await a.load(jar).catch((err: unknown) => isStoreUnavailable(err));
      expect(loaded === null || loaded === true).toBe(true);
      await waitUntil(async () => a.isHealthy(), 'A on the new master', 10_000);
      expect(await a.load(jar)).toBeNull();
    }, 60_000);
  });
});
