/**
 * Faults of the parts around authgate: the issuer slow, down, answering garbage or rotating its keys; the upstream
 * hanging, resetting, dropping a WebSocket; the client vanishing mid-response. Each time: a clear answer, the
 * process keeps serving other users, the error is logged once with the request id, nothing leaks.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { startHostileIssuer, type HostileIssuer } from '../support/hostileIssuer.js';
import { startHostileUpstream, type HostileUpstream } from '../support/hostileUpstream.js';
import { BrowserClient, type BrowserResponse } from '../support/browserClient.js';
import { startAuthgate, TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';
import { requestIdOnPage } from '../support/hostilePage.js';
import { JWKS_REFETCH_FLOOR_MS } from '../../src/providers/idTokenSignature.js';
import { until } from '../support/until.js';

const requestIdOn = (page: BrowserResponse) => requestIdOnPage(page.body);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('faults around authgate', () => {
  let issuer: Issuer;
  let hostile: HostileIssuer;
  let upstream: HostileUpstream;
  let ag: RunningAuthgate;
  let cookie: string;

  const flags = () => [
    `--oidc-issuer-url=${hostile.url}`,
    `--client-id=${issuer.clientId}`,
    `--client-secret=${issuer.clientSecret}`,
    `--cookie-secret=${TEST_COOKIE_SECRET}`,
    '--cookie-secure=false',
    '--email-domain=*',
    '--provider-timeout=1s',
    '--upstream-timeout=1s',
    `--upstream=${upstream.url}/`,
  ];
  /** Lines of the log that carry this request id. */
  const linesFor = (requestId: string) =>
    ag
      .logs()
      .split('\n')
      .filter((l) => l.includes(`"requestId":"${requestId}"`));
  /** A signed-in user elsewhere is still served, and quickly. */
  const othersServed = async () => {
    const t0 = Date.now();
    const res = await new BrowserClient().get(`${ag.url}/fine`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(500);
  };
  /** Sign in, stopping when the issuer sends the browser back to the callback (the callback is the response). */
  const signIn = (b = new BrowserClient(), beforeCallback?: () => void) =>
    b.follow(`${ag.url}/oauth2/start?rd=/fine`, {
      onHop: (res) => {
        if (/\/oauth2\/callback\?/.test(res.header('location') ?? '')) beforeCallback?.();
      },
    });

  beforeAll(async () => {
    issuer = await startIssuer();
    hostile = await startHostileIssuer(issuer);
    upstream = await startHostileUpstream();
    ag = await startAuthgate(flags());
    const b = new BrowserClient();
    const { final } = await signIn(b);
    expect(final.status).toBe(200);
    cookie = b.cookies(ag.url);
  });
  afterAll(async () => {
    await ag?.stop();
    await hostile?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  describe('the issuer', () => {
    it('slow (token endpoint beyond --provider-timeout=1s): a 504 page within about the timeout, others unaffected', async () => {
      hostile.setDelay(4000, /^\/token$/);
      try {
        let callbackStarted = 0;
        const pending = signIn(new BrowserClient(), () => (callbackStarted = Date.now()));
        await until(() => callbackStarted > 0, 5000);
        await othersServed();
        const { final } = await pending;
        const took = Date.now() - callbackStarted;
        expect(final.status).toBe(504);
        expect(final.body).toContain('did not answer in time');
        expect(took).toBeLessThan(2500);
        const lines = linesFor(requestIdOn(final));
        expect(lines.filter((l) => l.includes('"audit":"sign_in"'))).toHaveLength(1);
        expect(lines.join('\n')).toContain('"reason":"provider_timeout"');
      } finally {
        hostile.setDelay(0);
      }
    });

    it('down between the login and the callback: a 503 page, and sign-in works again when it is back', async () => {
      const { final } = await signIn(new BrowserClient(), () => issuer.setDown(true));
      issuer.setDown(false);
      expect(final.status).toBe(503);
      expect(final.body).toContain('could not be reached');
      expect(linesFor(requestIdOn(final)).filter((l) => l.includes('"audit"'))).toHaveLength(1);
      await othersServed();
      expect((await signIn()).final.status).toBe(200);
    });

    it('answering the token request with garbage: a 502 page, no session', async () => {
      hostile.setGarbage('token');
      try {
        const b = new BrowserClient();
        const { final } = await signIn(b);
        expect(final.status).toBe(502);
        expect(final.body).not.toContain('keys');
        expect(b.cookies(ag.url)).not.toMatch(/_authgate=/);
        expect(linesFor(requestIdOn(final)).filter((l) => l.includes('"audit"'))).toHaveLength(1);
      } finally {
        hostile.setGarbage(null);
      }
      await othersServed();
    });

    it('answering discovery with garbage at start: /ready 503 and a clear 503 page, recovered once it is fixed', async () => {
      hostile.setGarbage('discovery');
      const late = await startAuthgate(flags(), { waitForProvider: false });
      try {
        const c = new BrowserClient();
        expect((await c.get(`${late.url}/ping`)).status).toBe(200);
        expect((await c.get(`${late.url}/ready`)).status).toBe(503);
        const start = await c.get(`${late.url}/oauth2/start?rd=/`);
        expect(start.status).toBe(503);
        expect(start.body).toContain('not reachable');
        hostile.setGarbage(null);
        expect(await until(async () => (await c.get(`${late.url}/ready`)).status === 200, 5000)).toBe(true);
        expect(
          (await signIn(new BrowserClient()).then(() => c.get(`${late.url}/oauth2/start?rd=/`))).status,
        ).toBe(302);
      } finally {
        hostile.setGarbage(null);
        await late.stop();
      }
    });

    it('rotating its signing key (old key gone): sign-in keeps working, the JWKS is fetched again', async () => {
      const jwksBefore = hostile.hits.get('/jwks') ?? 0;
      await issuer.rotateKeys({ keepOld: false });
      // past the refetch floor since the JWKS was last fetched (the sign-in in beforeAll)
      await sleep(JWKS_REFETCH_FLOOR_MS);
      const b = new BrowserClient();
      const { final } = await signIn(b);
      expect(final.status).toBe(200);
      expect(hostile.hits.get('/jwks') ?? 0).toBeGreaterThan(jwksBefore);
      // a token under a kid nobody published does not make authgate fetch the JWKS on every request
      const fetched = hostile.hits.get('/jwks') ?? 0;
      hostile.setTamper({ forge: { key: 'other', kid: 'rogue' } });
      try {
        for (let i = 0; i < 3; i++) expect((await signIn()).final.status).toBe(403);
      } finally {
        hostile.setTamper(null);
      }
      expect((hostile.hits.get('/jwks') ?? 0) - fetched).toBeLessThanOrEqual(1);
    });
  });

  describe('the upstream', () => {
    it('hanging beyond --upstream-timeout=1s: a 504 page with a request id, logged once, others unaffected', async () => {
      const t0 = Date.now();
      const pending = new BrowserClient().get(`${ag.url}/hang`, { headers: { cookie } });
      await sleep(100);
      await othersServed();
      const res = await pending;
      expect(res.status).toBe(504);
      expect(Date.now() - t0).toBeLessThan(2500);
      const lines = linesFor(requestIdOn(res)).filter((l) => l.includes('upstream request failed'));
      expect(lines).toHaveLength(1);
    });

    it('resetting mid-stream: the client sees a broken response, authgate keeps serving', async () => {
      const res = await fetch(`${ag.url}/reset`, { headers: { cookie } });
      expect(res.status).toBe(200);
      await expect(res.text()).rejects.toThrow();
      await othersServed();
      expect(ag.logs()).not.toMatch(/"request failed"/);
    });

    it('dropping a WebSocket: the browser sees it closed, the next WebSocket works', async () => {
      const b = new BrowserClient();
      for (const c of cookie.split('; ')) b.setCookie(c, ag.url);
      const dropped = await b.wsConnect(`ws://127.0.0.1:${ag.port}/ws-drop`);
      expect(await dropped.nextMessage()).toBe('bye');
      await new Promise<void>((resolve) => dropped.on('close', () => resolve()));
      const ws = await b.wsConnect(`ws://127.0.0.1:${ag.port}/ws-echo`);
      ws.send('still here');
      expect(await ws.nextMessage()).toBe('still here');
      ws.close();
      await othersServed();
    });
  });

  it('a client vanishing mid-response leaves no socket open, here or to the upstream', async () => {
    const connections = () =>
      new Promise<number>((resolve, reject) =>
        ag.gate.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
      );
    for (let i = 0; i < 20; i++) {
      const socket = net.connect(ag.port, '127.0.0.1');
      socket.write(`GET /stream HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\n\r\n`);
      await new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.destroy();
    }
    expect(await until(async () => (await connections()) === 0 && upstream.openStreams() === 0, 3000)).toBe(
      true,
    );
    await othersServed();
    expect(await connections()).toBeLessThanOrEqual(1);
  });
});
