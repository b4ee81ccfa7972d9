/**
 * --skip-oidc-discovery end to end: authgate is given the issuer's endpoints (--login-url, --redeem-url,
 * --oidc-jwks-url) and must sign in, refresh and sign out without ever asking for discovery, while still checking
 * that the ID token comes from --oidc-issuer-url and is signed by a key of --oidc-jwks-url.
 *
 * The real oidc-provider issuer sits behind the proxy of test/support/hostileIssuer.ts, untampered unless a test
 * says so: it forwards everything, names itself as the issuer, and counts requests by path. Every request authgate
 * and the browser make to the issuer goes through it, so "no discovery" is measured where discovery would arrive.
 */
import { createServer as httpServer } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { forgeIdToken, startIssuer, type Issuer } from '../support/issuer.js';
import { signInForTokens } from '../support/issuerTokens.js';
import { startHostileIssuer, type HostileIssuer } from '../support/hostileIssuer.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echoUpstream.js';
import { BrowserClient, type BrowserResponse } from '../support/browserClient.js';
import { issuerFlags, startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { requestIdOnPage } from '../support/hostilePage.js';

const DISCOVERY = '/.well-known/openid-configuration';
/** An issuer URL nothing listens on: with discovery off authgate never contacts --oidc-issuer-url itself. */
const ELSEWHERE = 'http://issuer.example.test';
type Echo = { url: string; headers: Record<string, string | undefined> };

describe('--skip-oidc-discovery: sign-in, refresh and sign-out with explicit endpoints', () => {
  let issuer: Issuer;
  let front: HostileIssuer;
  let upstream: EchoUpstream;
  let ag: RunningAuthgate;
  /** Seconds added to authgate's clock: brings a session near its ID token's expiry without waiting. */
  let offset = 0;

  const hits = (path: string) => front.hits.get(path) ?? 0;
  /** Discovery off; --oidc-issuer-url is `issuerUrl`, the three endpoints are on `endpoints` (default: the same). */
  const skipFlags = (
    issuerUrl: string,
    {
      endpoints = issuerUrl,
      login = `${endpoints}/auth`,
      jwks = `${endpoints}/jwks`,
    }: { endpoints?: string; login?: string; jwks?: string } = {},
    extra: string[] = [],
  ) =>
    issuerFlags({ ...issuer, url: issuerUrl }, [
      '--skip-oidc-discovery',
      `--login-url=${login}`,
      `--redeem-url=${endpoints}/token`,
      `--oidc-jwks-url=${jwks}`,
      '--email-domain=*',
      `--upstream=${upstream.url}/`,
      ...extra,
    ]);
  /** A browser sign-in through `gate`, keeping the code the issuer sent to the callback (to look for leaks). */
  const signIn = async (gate: RunningAuthgate, browser = new BrowserClient()) => {
    let code = '';
    const { final, hops } = await browser.follow(
      `${gate.url}/oauth2/start?rd=${encodeURIComponent('/app?x=1')}`,
      {
        onHop: (res) => {
          const location = res.header('location') ?? '';
          if (location.includes('/oauth2/callback?')) code = new URL(location).searchParams.get('code') ?? '';
        },
      },
    );
    return { final, hops, code, browser };
  };
  /**
   * A refused callback: an HTML page with a request id, no session, and neither the code nor a token in the page or
   * the logs (checked as booleans, so a failure does not print them either).
   */
  const expectCleanRefusal = (
    page: BrowserResponse,
    code: string,
    gate: RunningAuthgate,
    browser: BrowserClient,
  ) => {
    expect(code).not.toBe('');
    const leaks = (text: string) => text.includes(code) || /eyJ[\w-]+\.eyJ[\w-]+/.test(text);
    expect({ page: leaks(page.body), logs: leaks(gate.logs()) }).toEqual({ page: false, logs: false });
    expect(page.header('content-type')).toContain('text/html');
    expect(requestIdOnPage(page.body)).not.toBe('');
    expect(browser.cookies(gate.url)).not.toMatch(/_authgate=/);
  };
  const auditOf = (gate: RunningAuthgate, page: BrowserResponse) =>
    gate
      .logs()
      .split('\n')
      .filter((l) => l.includes(`"requestId":"${requestIdOnPage(page.body)}"`) && l.includes('"audit"'))
      .join('\n');

  beforeAll(async () => {
    issuer = await startIssuer();
    front = await startHostileIssuer(issuer);
    upstream = await startEchoUpstream();
    ag = await startAuthgate(
      skipFlags(front.url, {}, [
        // without discovery authgate cannot see that offline_access is offered: ask for it to get refresh tokens
        '--scope=openid email profile groups offline_access',
        '--set-xauthrequest',
        `--backend-logout-url=${front.url}/session/end?id_token_hint={id_token}`,
      ]),
      { now: () => Math.floor(Date.now() / 1000) + offset },
    );
  });
  afterAll(async () => {
    await ag?.stop();
    await front?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  it('signs in, proxies with the user and the ID token as bearer, answers /oauth2/auth, never discovering', async () => {
    expect((await new BrowserClient().get(`${ag.url}/ready`)).status).toBe(200);
    const { final, hops, browser } = await signIn(ag);
    expect(final.status).toBe(200);
    expect(hops.at(-1)).toBe(`${ag.url}/app?x=1`);
    const echo = final.json<Echo>();
    expect(echo.url).toBe('/app?x=1');
    expect(echo.headers['x-forwarded-user']).toBe('alice');
    expect(echo.headers['x-forwarded-email']).toBe('alice@example.com');
    const bearer = /^Bearer (\S+)$/.exec(echo.headers['authorization'] ?? '')?.[1] ?? '';
    // the real issuer's ID token (the proxy's URL as issuer), verifiable with the keys the issuer publishes
    const { payload } = await jwtVerify(bearer, createLocalJWKSet(await issuer.jwks()), {
      issuer: front.url,
      audience: issuer.clientId,
    });
    expect(payload.sub).toBe('alice');

    const auth = await browser.get(`${ag.url}/oauth2/auth`);
    expect(auth.status).toBe(202);
    expect(auth.header('gap-auth')).toBe('alice');
    expect(auth.header('x-auth-request-email')).toBe('alice@example.com');
    expect((await new BrowserClient().get(`${ag.url}/oauth2/auth`)).status).toBe(401);

    expect(hits(DISCOVERY)).toBe(0);
    // what was used instead: the explicit authorization, token and key endpoints
    expect(hits('/auth')).toBeGreaterThan(0);
    expect(hits('/token')).toBeGreaterThan(0);
    expect(hits('/jwks')).toBeGreaterThan(0);
  });

  it('refreshes through --redeem-url near the ID token expiry, still without discovery', async () => {
    const { browser } = await signIn(ag);
    const refreshes = issuer.counts.refresh;
    const tokenCalls = hits('/token');
    // 30 s before the ID token (1 h) expires: inside the default 60 s --token-refresh-margin
    offset = 3600 - 30;
    try {
      const res = await browser.get(`${ag.url}/app`);
      expect(res.status).toBe(200);
      expect(res.headers['set-cookie']?.some((c) => c.startsWith('_authgate='))).toBe(true);
      // The bearer is now the refresh answer's ID token. It can equal the first one byte for byte (oidc-provider
      // keeps the nonce, and within one second nothing else changes), so the issuer's count proves the refresh.
      const renewed = res.json<Echo>().headers['authorization']?.slice('Bearer '.length) ?? '';
      expect(decodeJwt(renewed)).toMatchObject({ iss: front.url, sub: 'alice' });
    } finally {
      offset = 0;
    }
    expect(issuer.counts.refresh - refreshes).toBe(1);
    expect(hits('/token') - tokenCalls).toBe(1);
    expect(hits(DISCOVERY)).toBe(0);
  });

  it('signs out locally and through --backend-logout-url (no end_session_endpoint is known without discovery)', async () => {
    const { browser } = await signIn(ag);
    expect((await browser.get(`${ag.url}/oauth2/userinfo`)).status).toBe(200);
    const backendCalls = hits('/session/end');
    const out = await browser.get(`${ag.url}/oauth2/sign_out`);
    // no redirect to the issuer: RP-initiated logout needs the end_session_endpoint only discovery names
    expect(out.status).toBe(200);
    expect(out.body).toContain('signed out');
    expect(hits('/session/end') - backendCalls).toBe(1);
    expect((await browser.get(`${ag.url}/oauth2/userinfo`)).status).toBe(401);
    expect(hits(DISCOVERY)).toBe(0);
  });

  it('a --backend-logout-url that never answers gives up after --provider-timeout; the local sign-out stands', async () => {
    // Accepts connections and never answers a byte.
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const gate = await startAuthgate(
      skipFlags(front.url, {}, [
        `--backend-logout-url=http://127.0.0.1:${port}/logout?id_token_hint={id_token}`,
        '--provider-timeout=1s',
      ]),
    );
    try {
      const { browser } = await signIn(gate);
      const started = Date.now();
      const out = await browser.get(`${gate.url}/oauth2/sign_out`);
      expect(out.status).toBe(200);
      expect(held.length).toBe(1);
      // The configured 1 s, not a fixed longer wait (the sign-out page waits for this call).
      expect(Date.now() - started).toBeLessThan(4000);
      expect((await browser.get(`${gate.url}/oauth2/userinfo`)).status).toBe(401);
      expect(gate.logs()).toMatch(/"name":"TimeoutError"[^\n]*"backend logout failed"/);
      expect(gate.logs()).not.toMatch(/id_token_hint=ey/);
    } finally {
      await gate.stop();
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });

  it('a backend logout answer over 1 MiB is cut off, and the log does not quote a URL holding the ID token', async () => {
    const big = httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(Buffer.alloc(2 * 1024 * 1024, 'x'));
    });
    await new Promise<void>((resolve) => big.listen(0, '127.0.0.1', resolve));
    const port = (big.address() as AddressInfo).port;
    // {id_token} in the path: the "answer too large" error names the endpoint's path.
    const gate = await startAuthgate(
      skipFlags(front.url, {}, [`--backend-logout-url=http://127.0.0.1:${port}/logout/{id_token}`]),
    );
    try {
      const { browser } = await signIn(gate);
      expect((await browser.get(`${gate.url}/oauth2/sign_out`)).status).toBe(200);
      expect(gate.logs()).toMatch(/"errorCode":"provider_answer_too_large"[^\n]*"backend logout failed"/);
      expect(gate.logs()).not.toMatch(/eyJ/);
    } finally {
      await gate.stop();
      big.closeAllConnections();
      big.close();
    }
  });

  it('refuses an ID token whose iss is not --oidc-issuer-url, though signed by the real key', async () => {
    // Only the ID token's iss changes: the authorization response's own iss parameter still names the proxy, so
    // this is the ID token check and nothing else.
    front.setTamper({ claims: { iss: 'http://other-issuer.example.test' } });
    try {
      const { final, code, browser } = await signIn(ag);
      expect(final.status).toBe(403);
      expect(final.body).toContain('could not be verified');
      expectCleanRefusal(final, code, ag, browser);
      expect(auditOf(ag, final)).toMatch(
        /"audit":"sign_in".*"outcome":"refused".*"reason":"id_token_invalid"/,
      );
    } finally {
      front.setTamper(null);
    }
    // the same sign-in untampered goes through: the iss claim was the reason
    expect((await signIn(ag)).final.status).toBe(200);
  });

  it('refuses a sign-in at an issuer whose iss is not --oidc-issuer-url; asks only the bare scopes by default', async () => {
    // The real issuer's endpoints, directly; another issuer URL configured (never contacted: discovery is off).
    const elsewhere = await startAuthgate(skipFlags(ELSEWHERE, { endpoints: issuer.url }));
    try {
      expect((await new BrowserClient().get(`${elsewhere.url}/ready`)).status).toBe(200);
      const start = await new BrowserClient().get(`${elsewhere.url}/oauth2/start?rd=/`);
      // nothing says which optional scopes the issuer offers: without --scope only the OIDC ones are asked
      expect(new URL(start.header('location') ?? '').searchParams.get('scope')).toBe('openid email profile');
      const { final, code, browser } = await signIn(elsewhere);
      expect(final.status).toBe(403);
      expect(final.body).toContain('could not be verified');
      expectCleanRefusal(final, code, elsewhere, browser);
      expect(auditOf(elsewhere, final)).toMatch(/"outcome":"refused".*"reason":"id_token_invalid"/);
    } finally {
      await elsewhere.stop();
    }
  });

  it('--skip-jwt-bearer-tokens checks bearer JWTs against --oidc-jwks-url, not discovery', async () => {
    const api = await startAuthgate(skipFlags(front.url, {}, ['--skip-jwt-bearer-tokens']));
    try {
      // a real ID token from the issuer as the proxy names it, got without authgate
      const { id_token: token = '' } = await signInForTokens({ ...issuer, url: front.url });
      const call = (bearer: string) =>
        new BrowserClient().get(`${api.url}/api/pods`, {
          headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' },
        });
      const jwksCalls = hits('/jwks');
      const res = await call(token);
      expect(res.status).toBe(200);
      expect(res.json<Echo>().headers['x-forwarded-user']).toBe('alice');
      expect(hits('/jwks') - jwksCalls).toBeGreaterThan(0);
      // the same claims signed by a key that JWKS does not publish: refused
      const forged = await forgeIdToken(issuer, { iss: front.url }, { key: 'other' });
      expect((await call(forged)).status).toBe(401);
      expect(hits(DISCOVERY)).toBe(0);
    } finally {
      await api.stop();
    }
  });

  it.each([
    ['answering 404', () => `${front.url}/no-such-jwks`],
    ['answering JSON that is no key set', () => `${upstream.url}/jwks.json`],
  ])(
    'a wrong --oidc-jwks-url (%s) fails the callback with a clear 502, a valid bearer with 503, authgate keeps serving',
    async (_, jwks) => {
      const badKeys = await startAuthgate(
        skipFlags(front.url, { jwks: jwks() }, ['--skip-jwt-bearer-tokens']),
      );
      try {
        // A valid bearer cannot be checked without keys: an outage (503), never "invalid" (401, as if forged).
        const { id_token: token = '' } = await signInForTokens({ ...issuer, url: front.url });
        const api = await new BrowserClient().get(`${badKeys.url}/api/pods`, {
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        });
        expect(api.status).toBe(503);
        expect(api.body).not.toContain(token);
        const { final, code, browser } = await signIn(badKeys);
        expect(final.status).toBe(502);
        expect(final.body).toContain('signing keys could not be fetched');
        expectCleanRefusal(final, code, badKeys, browser);
        expect(auditOf(badKeys, final)).toMatch(/"outcome":"refused".*"reason":"provider_keys_unavailable"/);
        expect((await new BrowserClient().get(`${badKeys.url}/ping`)).status).toBe(200);
        expect((await new BrowserClient().get(`${badKeys.url}/ready`)).status).toBe(200);
        // and the next user still gets the same clear answer, not a hang or a crash
        expect((await signIn(badKeys)).final.status).toBe(502);
      } finally {
        await badKeys.stop();
      }
    },
  );

  it('an https issuer with an http --redeem-url (in-cluster token endpoint) sends the token request', async () => {
    const https = ELSEWHERE.replace('http:', 'https:');
    const split = await startAuthgate(skipFlags(https, { endpoints: front.url, login: `${https}/auth` }));
    try {
      const browser = new BrowserClient();
      const start = await browser.get(`${split.url}/oauth2/start?rd=/`);
      const state = new URL(start.header('location') ?? '').searchParams.get('state') ?? '';
      expect(state).not.toBe('');
      const tokenCalls = hits('/token');
      // A made-up code: the real issuer refuses it (invalid_grant), which shows the http request was sent.
      const res = await browser.get(`${split.url}/oauth2/callback?code=made-up-code&state=${state}`);
      expect(hits('/token') - tokenCalls).toBe(1);
      expect(res.status).toBe(403);
      expect(res.body).toContain('sign-in code was refused');
    } finally {
      await split.stop();
    }
  });
});
