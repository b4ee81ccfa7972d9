/**
 * Review of the per-connection Cookie memo (src/http/requestCookies.ts), the cookie store's per-jar memo and
 * the Redis record cache seen together from an ingress: ONE keep-alive connection carrying two users' requests
 * in turn, and a sign-out made through another replica in between. Nothing here may hand one user's identity
 * to the other, or keep a signed-out session usable on the connection that already carried it.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { issuerFlags, startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echoUpstream.js';
import { describeWithBinary } from '../support/processes.js';
import {
  REDIS_SERVER,
  redisAvailable,
  startRedisServer,
  waitUntil,
  type RedisServer,
} from '../support/redis.js';

interface Seen {
  readonly status: number;
  readonly user: string | undefined;
  /** The Cookie header the upstream received. */
  readonly cookie: string | undefined;
}

/** An ingress's upstream connection: one socket, reused for every request (the agent holds one). */
function sharedConnection(url: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<unknown>();
  const get = (path: string, cookie: string): Promise<Seen> =>
    new Promise((resolve, reject) => {
      const req = http.get(
        `${url}${path}`,
        { agent, headers: { cookie, accept: 'application/json' } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            const echoed =
              res.statusCode === 200
                ? (JSON.parse(body) as { headers: Record<string, string> }).headers
                : undefined;
            resolve({
              status: res.statusCode ?? 0,
              user: echoed?.['x-forwarded-email'],
              cookie: echoed?.cookie,
            });
          });
        },
      );
      req.on('socket', (s) => sockets.add(s));
      req.on('error', reject);
    });
  return { get, sockets: () => sockets.size, close: () => agent.destroy() };
}

async function signIn(gate: RunningAuthgate, login: string): Promise<string> {
  const browser = new BrowserClient();
  const { final } = await browser.follow(`${gate.url}/oauth2/start?rd=/app`, { login });
  expect(final.status).toBe(200);
  // An application cookie beside authgate's: it must reach the upstream, authgate's own must not.
  // (The jar also holds the issuer's cookies: same host, another port. They are left out here.)
  const own = browser.jar
    .getCookiesSync(gate.url)
    .filter((c) => c.key.startsWith('_authgate'))
    .map((c) => `${c.key}=${c.value}`);
  expect(own.length).toBeGreaterThan(0);
  return [`app=${login}-pref`, ...own].join('; ');
}

describe('review: one connection, many users', () => {
  let issuer: Issuer;
  let upstream: EchoUpstream;
  beforeAll(async () => {
    issuer = await startIssuer();
    upstream = await startEchoUpstream();
  });
  afterAll(async () => {
    await upstream?.stop();
    await issuer?.stop();
  });

  it('cookie sessions: alternating users on one connection each get their own identity and cookies', async () => {
    const gate = await startAuthgate([
      ...issuerFlags(issuer),
      '--email-domain=*',
      `--upstream=${upstream.url}/`,
    ]);
    const conn = sharedConnection(gate.url);
    try {
      const alice = await signIn(gate, 'alice');
      const bob = await signIn(gate, 'bob');
      for (let i = 0; i < 6; i += 1) {
        const [who, cookie] = i % 3 === 2 ? ['bob', bob] : ['alice', alice]; // repeats and switches
        const seen = await conn.get(`/app/${i}`, cookie);
        expect(seen).toEqual({ status: 200, user: `${who}@example.com`, cookie: `app=${who}-pref` });
      }
      expect((await conn.get('/app/anonymous', 'app=none')).status).toBe(401);
      expect(conn.sockets()).toBe(1);
    } finally {
      conn.close();
      await gate.stop();
    }
  });

  describeWithBinary({ describe, it }, REDIS_SERVER, redisAvailable, 'Redis sessions, two replicas', () => {
    let redis: RedisServer;
    let a: RunningAuthgate;
    let b: RunningAuthgate;
    beforeAll(async () => {
      redis = await startRedisServer();
      const flags = [
        ...issuerFlags(issuer),
        '--email-domain=*',
        `--upstream=${upstream.url}/`,
        '--session-store-type=redis',
        `--redis-connection-url=${redis.url}`,
      ];
      a = await startAuthgate(flags);
      b = await startAuthgate(flags);
      const cacheOn = (g: RunningAuthgate) => g.logs().includes('session cache on');
      await waitUntil(async () => cacheOn(a) && cacheOn(b), 'both session caches on');
    });
    afterAll(async () => {
      await a?.stop();
      await b?.stop();
      await redis?.destroy();
    });

    it('a sign-out through one replica ends the session on the connection the other keeps open, not the neighbour', async () => {
      const conn = sharedConnection(a.url);
      try {
        const alice = await signIn(a, 'alice');
        const bob = await signIn(a, 'bob');
        for (let i = 0; i < 4; i += 1) {
          expect((await conn.get('/app', alice)).user).toBe('alice@example.com');
          expect((await conn.get('/app', bob)).user).toBe('bob@example.com');
        }
        const out = await fetch(`${b.url}/oauth2/sign_out`, {
          headers: { cookie: alice },
          redirect: 'manual',
        });
        expect([200, 302]).toContain(out.status);
        // The very next request on the same connection, same header as before (every memo would hit).
        expect((await conn.get('/app', alice)).status).toBe(401);
        expect((await conn.get('/app', bob)).user).toBe('bob@example.com');
        expect(conn.sockets()).toBe(1);
      } finally {
        conn.close();
      }
    });
  });
});
