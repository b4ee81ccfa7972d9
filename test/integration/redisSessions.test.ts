/**
 * Redis sessions end to end: real oidc-provider, real authgate processes (in-process), real redis-server,
 * redis-sentinel and a three-node Redis Cluster, all on 127.0.0.1.
 *
 * Outages are simulated two ways: SIGSTOP (Redis keeps its sockets but answers nothing: a frozen or overloaded
 * server, commands time out after 2 s) and a real stop + start of the process on the same port with its
 * append-only file (connections refused, then the same data back), so the same session must work afterwards.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { startAuthgate, TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echoUpstream.js';
import { describeWithBinary } from '../support/processes.js';
import {
  REDIS_SERVER,
  redisAvailable,
  redisCli,
  startRedisCluster,
  startRedisServer,
  startSentinel,
  waitUntil,
  type RedisServer,
} from '../support/redis.js';

const MANY_GROUPS = Array.from({ length: 300 }, () => randomUUID());
const XHR = { headers: { accept: 'application/json', 'x-requested-with': 'XMLHttpRequest' } };

function baseFlags(issuer: Issuer, upstream: EchoUpstream): string[] {
  return [
    `--oidc-issuer-url=${issuer.url}`,
    `--client-id=${issuer.clientId}`,
    `--client-secret=${issuer.clientSecret}`,
    `--cookie-secret=${TEST_COOKIE_SECRET}`,
    '--cookie-secure=false',
    '--email-domain=*',
    `--upstream=${upstream.url}/`,
    '--session-store-type=redis',
  ];
}

/** The browser's authgate cookies for `url`, by name. */
function sessionCookies(browser: BrowserClient, url: string): Map<string, string> {
  return new Map(
    browser.jar
      .getCookiesSync(url)
      .filter((c) => c.key.startsWith('_authgate'))
      .map((c) => [c.key, c.value]),
  );
}

async function signIn(
  browser: BrowserClient,
  gate: RunningAuthgate,
  login = 'alice',
  rd = '/app',
): Promise<void> {
  const { final } = await browser.follow(`${gate.url}/oauth2/start?rd=${rd}`, { login });
  expect(final.status).toBe(200);
}

async function readyStatus(gate: RunningAuthgate): Promise<number> {
  return (await fetch(`${gate.url}/ready`)).status;
}

describeWithBinary({ describe, it }, REDIS_SERVER, redisAvailable, 'Redis sessions', () => {
  let issuer: Issuer;
  let upstream: EchoUpstream;

  beforeAll(async () => {
    issuer = await startIssuer({ users: { many: { groups: MANY_GROUPS } } });
    upstream = await startEchoUpstream();
  });
  afterAll(async () => {
    await upstream?.stop();
    await issuer?.stop();
  });

  describe('two authgate replicas sharing one redis-server', () => {
    let redis: RedisServer;
    let a: RunningAuthgate;
    let b: RunningAuthgate;

    beforeAll(async () => {
      redis = await startRedisServer({ password: 'replica-test-pass' });
      const flags = [...baseFlags(issuer, upstream), `--redis-connection-url=${redis.url}`];
      a = await startAuthgate(flags);
      b = await startAuthgate(flags);
      await waitUntil(async () => (await readyStatus(a)) === 200 && (await readyStatus(b)) === 200, 'ready');
    });
    afterAll(async () => {
      await a?.stop();
      await b?.stop();
      await redis?.destroy();
    });

    it('signs in through one, is known to the other, and a sign-out through the other ends it at once', async () => {
      const browser = new BrowserClient();
      await signIn(browser, a);
      expect((await browser.get(`${b.url}/app`)).status).toBe(200);
      expect(upstream.last()?.headers['x-forwarded-email']).toBe('alice@example.com');
      const stolen = browser.cookies(a.url); // what an attacker who copied the cookie would send
      const out = await browser.get(`${b.url}/oauth2/sign_out`);
      expect([200, 302]).toContain(out.status); // 302: on to the issuer's end_session_endpoint
      expect(sessionCookies(browser, a.url).size).toBe(0);
      const replay = await fetch(`${a.url}/oauth2/userinfo`, { headers: { cookie: stolen } });
      expect(replay.status).toBe(401);
      expect(await redis.dump()).toEqual(new Map());
    });

    it('keeps a 300-group session behind one small cookie', async () => {
      const browser = new BrowserClient();
      // (the upstream would refuse a request carrying a 300-group ID token and groups header: 431)
      await signIn(browser, a, 'many', '/oauth2/userinfo');
      const cookies = sessionCookies(browser, a.url);
      expect([...cookies.keys()]).toEqual(['_authgate']);
      expect(cookies.get('_authgate')!.length).toBeLessThan(500);
      const who = await browser.get(`${b.url}/oauth2/userinfo`);
      expect(who.json<{ groups: string[] }>().groups).toEqual(MANY_GROUPS);
    });

    it('leaves nothing readable in Redis: no token, email or group in a dump', async () => {
      const browser = new BrowserClient();
      await signIn(browser, a);
      await browser.get(`${a.url}/app`);
      const idToken = String(upstream.last()?.headers.authorization ?? '').replace(/^Bearer /, '');
      expect(idToken.split('.')).toHaveLength(3);
      const dump = [...(await redis.dump())].join('\n');
      expect(dump.length).toBeGreaterThan(0);
      for (const part of [idToken, idToken.split('.')[1]!, 'alice@example.com', 'alice']) {
        expect(dump).not.toContain(part);
      }
    });

    it('shares the refresh lock between the two processes', async () => {
      const lockA = a.gate.services.sessions.lock!;
      const lockB = b.gate.services.sessions.lock!;
      const [x, y] = await Promise.all([lockA.acquireLock('s', 5000), lockB.acquireLock('s', 5000)]);
      expect([x, y].filter((r) => r !== null)).toHaveLength(1);
      const waiting = (x ? lockB : lockA).waitForUnlock('s', 3000);
      await (x ?? y)!();
      await expect(waiting).resolves.toBe(true);
    });

    it('refreshes once across both replicas when both get the session at the same time', async () => {
      // The issuer's ID tokens live an hour: with a margin of 3599 s a refresh is due one second after sign-in.
      const flags = [
        ...baseFlags(issuer, upstream),
        `--redis-connection-url=${redis.url}`,
        '--token-refresh-margin=3599s',
      ];
      const [c, d] = [await startAuthgate(flags), await startAuthgate(flags)];
      try {
        const browser = new BrowserClient();
        await signIn(browser, c);
        await new Promise((r) => setTimeout(r, 1500));
        const cookie = browser.cookies(c.url);
        const before = issuer.counts.refresh;
        const answers = await Promise.all(
          [c, d, c, d, c, d, c, d, c, d, c, d].map((g) => fetch(`${g.url}/app`, { headers: { cookie } })),
        );
        expect(answers.map((r) => r.status)).toEqual(Array(12).fill(200));
        expect(issuer.counts.refresh - before).toBe(1);
      } finally {
        await c.stop();
        await d.stop();
      }
    });

    it('answers 503 while Redis is frozen, never signs out, and recovers by itself', async () => {
      const browser = new BrowserClient();
      // Signed in through b, so a has not cached this session: its requests must ask the frozen Redis. (A
      // session a has cached is served from memory until the freeze is noticed, within probe interval +
      // command timeout; then the cache is off and requests get 503 like these: redisRecordCacheModes.test.ts.)
      await signIn(browser, b);
      const before = browser.cookies(a.url);
      redis.pause();
      let frozenMs: number;
      try {
        // three kinds of request at once: a page, an XHR, and nginx's forward-auth subrequest
        const started = Date.now();
        const [page, api, auth] = await Promise.all([
          browser.get(`${a.url}/app`),
          browser.get(`${a.url}/api/v1/pods`, XHR),
          fetch(`${a.url}/oauth2/auth`, { headers: { cookie: before } }),
        ]);
        frozenMs = Date.now() - started;
        expect(page.status).toBe(503);
        expect(page.body).toMatch(/session store/i);
        expect(page.header('retry-after')).toBe('5');
        expect(page.header('set-cookie')).toBeUndefined();
        expect(api.status).toBe(503);
        expect(api.json()).toMatchObject({ error: 'session_store_unavailable' });
        expect(auth.status).toBe(503);
        await waitUntil(async () => (await readyStatus(a)) === 503, '/ready 503', 5000);
      } finally {
        redis.resume();
      }
      const resumed = Date.now();
      await waitUntil(async () => (await readyStatus(a)) === 200, '/ready 200 again', 10_000);
      const recoveredMs = Date.now() - resumed;
      expect((await browser.get(`${a.url}/app`)).status).toBe(200);
      expect(browser.cookies(a.url)).toBe(before);
      console.info(
        `Redis frozen: a request got 503 after ${frozenMs} ms; /ready 200 ${recoveredMs} ms after resume`,
      );
      expect(frozenMs).toBeLessThan(3000);
    });

    it('answers 503 at once while Redis is down, and the same session works once it is back', async () => {
      const browser = new BrowserClient();
      await signIn(browser, b);
      const before = browser.cookies(b.url);
      await redis.stop();
      const stopped = Date.now();
      await waitUntil(async () => (await readyStatus(b)) === 503, '/ready 503', 5000);
      const notReadyMs = Date.now() - stopped;
      const started = Date.now();
      const page = await browser.get(`${b.url}/app`);
      const downMs = Date.now() - started;
      expect(page.status).toBe(503);
      const signOut = await browser.get(`${b.url}/oauth2/sign_out`);
      expect(signOut.status).toBe(503); // the record could not be deleted: not a sign-out that only looks done
      expect(browser.cookies(b.url)).toBe(before);
      await redis.start();
      const restarted = Date.now();
      await waitUntil(async () => (await readyStatus(b)) === 200, '/ready 200 again', 10_000);
      const recoveredMs = Date.now() - restarted;
      expect((await browser.get(`${b.url}/app`)).status).toBe(200);
      expect((await browser.get(`${a.url}/app`)).status).toBe(200);
      console.info(
        `Redis stopped: /ready 503 after ${notReadyMs} ms, requests 503 in ${downMs} ms; ` +
          `/ready 200 ${recoveredMs} ms after restart`,
      );
      expect(downMs).toBeLessThan(1000);
      expect(a.logs()).not.toContain('replica-test-pass');
      expect(b.logs()).toContain('session store unavailable');
      expect(b.logs()).toContain('session store available');
    });
  });

  describe('over TLS (rediss://)', () => {
    let redis: RedisServer;
    const started: RunningAuthgate[] = [];
    const start = async (extra: string[]) => {
      const gate = await startAuthgate([
        ...baseFlags(issuer, upstream),
        `--redis-connection-url=${redis.url}`,
        ...extra,
      ]);
      started.push(gate);
      return gate;
    };

    beforeAll(async () => {
      redis = await startRedisServer({ tls: true, password: 'tls-test-pass' });
    });
    afterAll(async () => {
      for (const gate of started) await gate.stop();
      await redis?.destroy();
    });

    it('verifies the server against --redis-ca-path and keeps sessions there', async () => {
      const gate = await start([`--redis-ca-path=${redis.caFile}`]);
      await waitUntil(async () => (await readyStatus(gate)) === 200, 'ready');
      const browser = new BrowserClient();
      await signIn(browser, gate);
      expect((await browser.get(`${gate.url}/app`)).status).toBe(200);
      expect((await redis.dump()).size).toBe(1);
    });

    it('refuses a certificate it cannot verify (not ready, 503, no crash) unless told to skip verification', async () => {
      const untrusting = await start([]);
      await new Promise((r) => setTimeout(r, 500));
      expect(await readyStatus(untrusting)).toBe(503);
      const line =
        untrusting
          .logs()
          .split('\n')
          .find((l) => l.includes('session store unavailable')) ?? '';
      expect(line).toMatch(/certificate/i);
      expect((await new BrowserClient().get(`${untrusting.url}/ping`)).status).toBe(200); // still serving
      expect(untrusting.logs()).not.toContain('tls-test-pass');
      const skipping = await start(['--redis-insecure-skip-tls-verify']);
      await waitUntil(async () => (await readyStatus(skipping)) === 200, 'ready without verification');
    });
  });

  describe('through Sentinel', () => {
    let master: RedisServer;
    let sentinel: Awaited<ReturnType<typeof startSentinel>>;
    let gate: RunningAuthgate;

    beforeAll(async () => {
      master = await startRedisServer();
      sentinel = await startSentinel(master, 'authgate-master');
      gate = await startAuthgate([
        ...baseFlags(issuer, upstream),
        '--redis-use-sentinel',
        `--redis-sentinel-master-name=${sentinel.masterName}`,
        `--redis-sentinel-connection-urls=${sentinel.url}`,
      ]);
    });
    afterAll(async () => {
      await gate?.stop();
      await sentinel?.stop();
      await master?.destroy();
    });

    it('finds the master through the Sentinel and keeps sessions there', async () => {
      await waitUntil(async () => (await readyStatus(gate)) === 200, 'ready');
      const browser = new BrowserClient();
      await signIn(browser, gate);
      expect((await browser.get(`${gate.url}/oauth2/userinfo`)).json()).toMatchObject({
        email: 'alice@example.com',
      });
      expect([...(await master.dump()).keys()]).toEqual([expect.stringMatching(/^_authgate-/)]);
    });
  });

  describe('on a three-node Redis Cluster', () => {
    let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
    let gate: RunningAuthgate;

    beforeAll(async () => {
      cluster = await startRedisCluster();
      gate = await startAuthgate([
        ...baseFlags(issuer, upstream),
        '--redis-use-cluster',
        `--redis-cluster-connection-urls=${cluster.urls[0]}`,
      ]);
    });
    afterAll(async () => {
      await gate?.stop();
      await cluster?.stop();
    });

    it('spreads sessions over the nodes, and each works and signs out', async () => {
      await waitUntil(async () => (await readyStatus(gate)) === 200, 'ready');
      const browsers = Array.from({ length: 8 }, () => new BrowserClient());
      for (const browser of browsers) await signIn(browser, gate);
      const holders = new Set<number>();
      for (const port of cluster.ports) {
        const keys = await redisCli(port, ['--scan', '--pattern', '_authgate-*']);
        for (const key of keys.split('\n').filter(Boolean)) {
          expect(await cluster.nodeOf(key)).toBe(port);
          holders.add(port);
        }
      }
      expect(holders.size).toBeGreaterThan(1);
      for (const browser of browsers) expect((await browser.get(`${gate.url}/app`)).status).toBe(200);
      await browsers[0]!.get(`${gate.url}/oauth2/sign_out`);
      expect((await browsers[0]!.get(`${gate.url}/oauth2/userinfo`, XHR)).status).toBe(401);
      expect((await browsers[1]!.get(`${gate.url}/oauth2/userinfo`, XHR)).status).toBe(200);
    });

    it('runs the refresh lock on the cluster too', async () => {
      const lock = gate.gate.services.sessions.lock!;
      const release = await lock.acquireLock('cluster-session', 5000);
      expect(release).not.toBeNull();
      expect(await lock.acquireLock('cluster-session', 5000)).toBeNull();
      await release!();
      await expect(lock.waitForUnlock('cluster-session', 1000)).resolves.toBe(true);
    });
  });
});
