import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { issuerFlags, startAuthgate, TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';
import { startApiserverTrusting } from '../support/apiserver/forIssuer.js';
import type { Apiserver } from '../support/apiserver/server.js';
import { rawRequest } from '../support/rawHttp.js';
import { freePort } from '../support/processes.js';

type Whoami = {
  user: { username: string; groups: string[] } | null;
  headers: Record<string, string[] | undefined>;
};

const FORGED = [
  'Authorization: Bearer forged.token.value',
  'authorization: Basic YWRtaW46YWRtaW4=',
  'Impersonate-User: admin',
  'Impersonate-Group: system:masters',
  'impersonate-group: system:nodes',
  'Impersonate-Uid: 0',
  'Impersonate-Extra-Scopes: everything',
  'Impersonate_User: admin',
  'X-Remote-User: admin',
  'x_remote_group: system:masters',
  'X-Remote-Extra-Foo: bar',
  'X-Forwarded-User: admin',
  'X_Forwarded_Email: admin@example.com',
  'X-Forwarded-Email: admin@example.com',
  'X-Forwarded-Groups: admins',
  'X-Forwarded-Preferred-Username: admin',
  'X-Forwarded-Access-Token: forged',
  'X-Forwarded-Id-Token: forged',
  'X-Auth-Request-User: admin',
  'X-AUTH-REQUEST-EMAIL: admin@example.com',
  'x_auth_request_groups: admins',
  'GAP-Auth: admin',
  'X-Real-IP: 6.6.6.6',
];

describe('the upstream sees only the identity authgate vouches for', () => {
  let issuer: Issuer;
  let apiserver: Apiserver;
  let ag: RunningAuthgate;
  let cookie: string;
  let idToken: string;
  let code: string;

  beforeAll(async () => {
    issuer = await startIssuer();
    apiserver = await startApiserverTrusting(issuer, { groupsClaim: undefined });
    ag = await startAuthgate([
      ...issuerFlags(issuer),
      '--email-domain=*',
      '--pass-access-token',
      '--pass-id-token-header=X-Forwarded-Id-Token',
      `--upstream=${apiserver.url}/`,
    ]);
    const browser = new BrowserClient();
    const { final, hops } = await browser.follow(`${ag.url}/oauth2/start?rd=/_test/whoami`);
    cookie = browser.cookies(ag.url);
    idToken = (final.json<Whoami>().headers['authorization']?.[0] ?? '').replace('Bearer ', '');
    code = new URL(hops.find((h) => h.includes('/oauth2/callback?'))!).searchParams.get('code')!;
  });
  afterAll(async () => {
    await ag?.stop();
    await apiserver?.stop();
    await issuer?.stop();
  });

  it('removes forged identity headers in every spelling (case, underscores, duplicates)', async () => {
    const res = await rawRequest(
      ag.port,
      `GET /_test/whoami HTTP/1.1\r\nHost: 127.0.0.1:${ag.port}\r\nCookie: ${cookie}\r\nX-Request-Id: trace-abc-123\r\n${FORGED.join('\r\n')}\r\nConnection: close\r\n\r\n`,
    );
    expect(res.status).toBe(200);
    const who = JSON.parse(res.body) as Whoami;
    expect(who.user?.username).toBe('alice@example.com');
    expect(who.headers['authorization']).toEqual([`Bearer ${idToken}`]);
    expect(who.headers['x-forwarded-email']).toEqual(['alice@example.com']);
    expect(who.headers['x-forwarded-user']).toEqual(['alice']);
    expect(who.headers['x-forwarded-id-token']).toEqual([idToken]);
    expect(who.headers['x-real-ip']).toEqual(['127.0.0.1']);
    // the caller's request id (a plain token) is kept for correlation: upstream and log line share it
    expect(who.headers['x-request-id']).toEqual(['trace-abc-123']);
    expect(ag.logs()).toContain('"requestId":"trace-abc-123"');
    const names = Object.keys(who.headers);
    for (const name of names) {
      expect(name.replaceAll('_', '-')).not.toMatch(/^(impersonate-|x-remote-|x-auth-request-|gap-auth)/);
    }
    expect(JSON.stringify(who.headers)).not.toMatch(/admin|forged|system:masters|everything|6\.6\.6\.6/);
  });

  it('removes forged identity headers on a route that skips authentication too', async () => {
    const skip = await startAuthgate([
      `--oidc-issuer-url=${issuer.url}`,
      `--client-id=${issuer.clientId}`,
      `--client-secret=${issuer.clientSecret}`,
      `--cookie-secret=${TEST_COOKIE_SECRET}`,
      '--email-domain=*',
      '--skip-auth-route=GET=^/_test/',
      `--upstream=${apiserver.url}/`,
    ]);
    try {
      const res = await rawRequest(
        skip.port,
        `GET /_test/whoami HTTP/1.1\r\nHost: x\r\n${FORGED.join('\r\n')}\r\nConnection: close\r\n\r\n`,
      );
      expect(res.status).toBe(200);
      const who = JSON.parse(res.body) as Whoami;
      expect(who.user).toBeNull();
      expect(JSON.stringify(who.headers)).not.toMatch(/admin|forged|system:masters/);
      // a path that only resembles the skipped prefix after normalisation is not skipped
      const sneaky = await rawRequest(
        skip.port,
        'GET /_test/../secret HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      );
      expect(sneaky.status).toBe(401);
    } finally {
      await skip.stop();
    }
  });

  it('carries the identity over a WebSocket and refuses an unauthenticated upgrade', async () => {
    const browser = new BrowserClient();
    browser.setCookie(
      cookie.split('; ').find((c) => c.startsWith('_authgate'))!,
      ag.url,
    );
    const ws = await browser.wsConnect(`ws://127.0.0.1:${ag.port}/_test/ws`, { 'impersonate-user': 'admin' });
    const hello = JSON.parse(await ws.nextMessage()) as Whoami;
    expect(hello.user?.username).toBe('alice@example.com');
    expect(hello.headers['authorization']).toEqual([`Bearer ${idToken}`]);
    expect(hello.headers['impersonate-user']).toBeUndefined();
    ws.send('ping-1');
    expect(await ws.nextMessage()).toBe('ping-1');
    ws.close();
    await expect(new BrowserClient().wsConnect(`ws://127.0.0.1:${ag.port}/_test/ws`)).rejects.toThrow(/401/);
  });

  it('streams a response piece by piece', async () => {
    const arrivals: number[] = [];
    const res = await fetch(`${ag.url}/_test/stream?chunks=4&interval=150`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
      arrivals.push(Date.now());
    }
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    // pieces arrived spread over the upstream's send time, not all at the end
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(300);
  });

  it('never writes tokens, codes, cookies or secrets to the log, even at trace level', () => {
    const logs = ag.logs();
    expect(logs.length).toBeGreaterThan(500);
    for (const secret of [
      idToken,
      code,
      issuer.clientSecret,
      TEST_COOKIE_SECRET,
      cookie.split('=')[1]!.slice(0, 40),
    ]) {
      expect(secret.length).toBeGreaterThan(10);
      expect(logs).not.toContain(secret);
    }
  });
});

describe('failures of the parts around authgate', () => {
  it('answers 502 with a request id when the upstream is down, and keeps serving', async () => {
    const issuer = await startIssuer();
    const deadPort = await freePort();
    const ag = await startAuthgate([
      ...issuerFlags(issuer),
      '--email-domain=*',
      `--upstream=http://127.0.0.1:${deadPort}/`,
    ]);
    try {
      const browser = new BrowserClient();
      const { final } = await browser.follow(`${ag.url}/oauth2/start?rd=/app`);
      expect(final.status).toBe(502);
      const id = /\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/.exec(final.body)?.[1];
      expect(id).toBeDefined();
      expect(ag.logs()).toContain(id!);
      const json = await browser.get(`${ag.url}/app`, { headers: { accept: 'application/json' } });
      expect(json.status).toBe(502);
      expect(json.json()).toMatchObject({ error: 'bad_gateway' });
      expect((await browser.get(`${ag.url}/ping`)).status).toBe(200);
    } finally {
      await ag.stop();
      await issuer.stop();
    }
  });

  it('starts while the issuer is down, answers /ready 503, and recovers when it comes back', async () => {
    const issuer = await startIssuer();
    issuer.setDown(true);
    const ag = await startAuthgate(
      [...issuerFlags(issuer), '--email-domain=*', '--upstream=http://127.0.0.1:9/'],
      { waitForProvider: false },
    );
    try {
      const client = new BrowserClient();
      expect((await client.get(`${ag.url}/ping`)).status).toBe(200);
      expect((await client.get(`${ag.url}/ready`)).status).toBe(503);
      const start = await client.get(`${ag.url}/oauth2/start?rd=/`);
      expect(start.status).toBe(503);
      expect(start.body).toContain('not reachable');
      issuer.setDown(false);
      const until = Date.now() + 10_000;
      while ((await client.get(`${ag.url}/ready`)).status !== 200 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
      }
      expect((await client.get(`${ag.url}/ready`)).status).toBe(200);
      expect((await client.get(`${ag.url}/oauth2/start?rd=/`)).status).toBe(302);
    } finally {
      await ag.stop();
      await issuer.stop();
    }
  });
});
