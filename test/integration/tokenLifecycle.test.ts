import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import WebSocket from 'ws';
import { BrowserClient } from '../support/browserClient.js';
import { issuerFlags, startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { createOidcAuthenticator } from '../support/apiserver/tokenAuthenticator.js';
import { startApiserver } from '../support/apiserver/server.js';
import { startEchoUpstream } from '../support/echoUpstream.js';

type Whoami = { user: { username: string } | null; headers: Record<string, string[] | undefined> };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ID_TOKEN_TTL = 4; // seconds
const MARGIN = '2s'; // refresh when less than this is left: 2 s after sign-in

describe('token lifecycle: refresh before the ID token expires, revocation, sign-out at the provider', () => {
  let issuer: Issuer;
  let apiserver: Awaited<ReturnType<typeof startApiserver>>;
  let ag: RunningAuthgate;
  const flags = (extra: string[] = []) => [
    ...issuerFlags(issuer),
    '--email-domain=*',
    `--token-refresh-margin=${MARGIN}`,
    `--upstream=${apiserver.url}/`,
    ...extra,
  ];
  const bearerSeen = async (browser: BrowserClient, url: string, init = {}) => {
    const res = await browser.get(url, init);
    return { res, token: res.status === 200 ? res.json<Whoami>().headers['authorization']?.[0] : undefined };
  };

  beforeAll(async () => {
    issuer = await startIssuer({ idTokenTtl: ID_TOKEN_TTL, rotateRefreshTokens: true });
    apiserver = await startApiserver({
      // successCacheTtlMs 0: every request is checked afresh, so an expired bearer would be caught
      authenticator: createOidcAuthenticator({
        issuerUrl: issuer.url,
        clientIds: [issuer.clientId],
        usernameClaim: 'email',
        successCacheTtlMs: 0,
      }),
    });
    ag = await startAuthgate(flags());
  });
  afterAll(async () => {
    await ag?.stop();
    await apiserver?.stop();
    await issuer?.stop();
  });

  it('refreshes before expiry: the upstream gets a new valid bearer and the browser a new cookie', async () => {
    const browser = new BrowserClient();
    const { final } = await browser.follow(`${ag.url}/oauth2/start?rd=/_test/whoami`);
    const first = final.json<Whoami>().headers['authorization']?.[0];
    const refreshesBefore = issuer.counts.refresh;
    await sleep(2300);
    const { res, token } = await bearerSeen(browser, `${ag.url}/_test/whoami`);
    expect(res.status).toBe(200);
    expect(res.json<Whoami>().user?.username).toBe('alice@example.com');
    expect(token).toMatch(/^Bearer /);
    expect(token).not.toBe(first);
    expect(res.headers['set-cookie']?.some((c) => c.startsWith('_authgate'))).toBe(true);
    expect(issuer.counts.refresh - refreshesBefore).toBe(1);
    // the new cookie carries the new tokens: no further refresh right away
    await bearerSeen(browser, `${ag.url}/_test/whoami`);
    expect(issuer.counts.refresh - refreshesBefore).toBe(1);
  });

  it('20 concurrent requests of one session cause exactly one refresh at the issuer', async () => {
    const browser = new BrowserClient();
    await browser.follow(`${ag.url}/oauth2/start?rd=/`);
    await sleep(2300);
    const before = issuer.counts.refresh;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => bearerSeen(browser, `${ag.url}/_test/whoami`)),
    );
    expect(results.map((r) => r.res.status)).toEqual(Array(20).fill(200));
    expect(new Set(results.map((r) => r.token)).size).toBe(1);
    expect(issuer.counts.refresh - before).toBe(1);
  });

  it('a WebSocket upgrade that refreshes hands the new cookie back on the 101 answer', async () => {
    const browser = new BrowserClient();
    await browser.follow(`${ag.url}/oauth2/start?rd=/`);
    await sleep(2300);
    const ws = new WebSocket(`ws://127.0.0.1:${ag.port}/_test/ws`, {
      headers: { cookie: browser.cookies(ag.url) },
    });
    const setCookies = await new Promise<string[]>((resolve, reject) => {
      ws.once('upgrade', (res) => resolve(res.headers['set-cookie'] ?? []));
      ws.once('error', reject);
    });
    ws.close();
    expect(setCookies.some((c) => c.startsWith('_authgate='))).toBe(true);
  });

  it('/oauth2/auth refreshes too and hands the new cookie to the ingress', async () => {
    const browser = new BrowserClient();
    await browser.follow(`${ag.url}/oauth2/start?rd=/`);
    await sleep(2300);
    const res = await browser.get(`${ag.url}/oauth2/auth`);
    expect(res.status).toBe(202);
    expect(res.headers['set-cookie']?.some((c) => c.startsWith('_authgate'))).toBe(true);
  });

  it('ends the session when the issuer refuses the refresh token: sign-in for a browser, 401 JSON for an XHR', async () => {
    const browser = new BrowserClient();
    await browser.follow(`${ag.url}/oauth2/start?rd=/`, { login: 'revoked' });
    await issuer.revokeRefreshTokens('revoked');
    await sleep(2300);
    const xhr = await browser.get(`${ag.url}/_test/whoami`, { headers: { accept: 'application/json' } });
    expect(xhr.status).toBe(401);
    expect(xhr.json()).toMatchObject({ error: 'unauthorized' });
    expect(xhr.headers['set-cookie']?.some((c) => /^_authgate=;/.test(c))).toBe(true);
    const page = await browser.get(`${ag.url}/deep/link?x=1`);
    expect(page.status).toBe(401);
    expect(page.body).toContain('value="/deep/link?x=1"');
    expect(ag.logs()).toMatch(/"audit":"refresh","outcome":"ended"/);
  });

  it('never forwards an expired ID token when there is no refresh token', async () => {
    const noRefresh = await startAuthgate(flags(['--scope=openid email profile']));
    try {
      const browser = new BrowserClient();
      const { final } = await browser.follow(`${noRefresh.url}/oauth2/start?rd=/_test/whoami`);
      expect(final.status).toBe(200);
      await sleep((ID_TOKEN_TTL + 1) * 1000);
      const before = apiserver.requests.length;
      const res = await browser.get(`${noRefresh.url}/_test/whoami`, {
        headers: { accept: 'application/json' },
      });
      expect(res.status).toBe(401);
      // authgate's own answer: the expired token never reached the upstream
      expect(res.json()).toMatchObject({ error: 'unauthorized' });
      expect(apiserver.requests.length).toBe(before);
    } finally {
      await noRefresh.stop();
    }
  });

  it('keeps the current token while the issuer is unreachable, then answers 503 once it has expired', async () => {
    // A plain upstream: with the issuer down a real apiserver could not fetch the keys either.
    const echo = await startEchoUpstream();
    const gate = await startAuthgate(
      flags([]).map((f) => (f.startsWith('--upstream=') ? `--upstream=${echo.url}/` : f)),
    );
    try {
      const browser = new BrowserClient();
      await browser.follow(`${gate.url}/oauth2/start?rd=/`);
      const signedInWith = echo.last()?.headers.authorization;
      await sleep(2300);
      issuer.setDown(true);
      const stillValid = await browser.get(`${gate.url}/app`);
      expect(stillValid.status).toBe(200);
      const forwarded = String(echo.last()?.headers.authorization);
      expect(forwarded).toBe(signedInWith);
      const exp = (
        JSON.parse(Buffer.from(forwarded.split('.')[1]!, 'base64url').toString()) as { exp: number }
      ).exp;
      expect(exp).toBeGreaterThan(Date.now() / 1000);
      await sleep(2000);
      const expired = await browser.get(`${gate.url}/app`, { headers: { accept: 'application/json' } });
      expect(expired.status).toBe(503);
      expect(expired.json()).toMatchObject({ error: 'unavailable' });
    } finally {
      issuer.setDown(false);
      await gate.stop();
      await echo.stop();
    }
  });

  it('keeps --cookie-expire as an absolute bound whatever the refreshes', async () => {
    const short = await startAuthgate(flags(['--cookie-expire=5s']));
    try {
      const browser = new BrowserClient();
      await browser.follow(`${short.url}/oauth2/start?rd=/`);
      await sleep(2300);
      const refreshed = await browser.get(`${short.url}/_test/whoami`);
      expect(refreshed.status).toBe(200);
      expect(refreshed.headers['set-cookie']?.some((c) => c.startsWith('_authgate='))).toBe(true);
      // replay the refreshed cookie by hand: the server, not the browser's Max-Age, must end the session
      const cookie = browser.cookies(short.url);
      await sleep(3000);
      const late = await new BrowserClient().get(`${short.url}/_test/whoami`, {
        headers: { cookie, accept: 'application/json' },
      });
      expect(late.status).toBe(401);
      expect(late.json()).toMatchObject({ error: 'unauthorized' });
    } finally {
      await short.stop();
    }
  });

  it('signs out at the issuer (RP-initiated logout) and lands on the signed-out page', async () => {
    const browser = new BrowserClient();
    await browser.follow(`${ag.url}/oauth2/start?rd=/`);
    const before = issuer.counts.endSession;
    const out = await browser.get(`${ag.url}/oauth2/sign_out`);
    expect(out.status).toBe(302);
    const location = new URL(out.header('location')!);
    expect(location.origin).toBe(issuer.url);
    expect(location.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect(location.searchParams.get('post_logout_redirect_uri')).toBe(`${ag.url}/oauth2/signed_out`);
    const { final, hops } = await browser.follow(out.header('location')!);
    expect(issuer.counts.endSession).toBeGreaterThan(before);
    expect(hops.at(-1)).toBe(`${ag.url}/oauth2/signed_out`);
    expect(final.body).toContain('signed out');
    expect((await browser.get(`${ag.url}/oauth2/userinfo`)).status).toBe(401);
  });
});
