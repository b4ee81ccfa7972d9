/**
 * The callback is where an attacker who can replay a URL or tamper with the token response would get a session.
 * Every hostile variant must end with a 4xx page, no session cookie and exactly one audit line.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { startHostileIssuer, type HostileIssuer, type Tamper } from '../support/hostileIssuer.js';
import { BrowserClient, type BrowserResponse } from '../support/browserClient.js';
import { startAuthgate, TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';
import { requestIdOnPage } from '../support/hostilePage.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echoUpstream.js';

const now = () => Math.floor(Date.now() / 1000);

describe('the callback refuses what it cannot verify', () => {
  let issuer: Issuer;
  let hostile: HostileIssuer;
  let upstream: EchoUpstream;
  let ag: RunningAuthgate;

  beforeAll(async () => {
    issuer = await startIssuer();
    hostile = await startHostileIssuer(issuer);
    upstream = await startEchoUpstream();
    ag = await startAuthgate([
      `--oidc-issuer-url=${hostile.url}`,
      `--client-id=${issuer.clientId}`,
      `--client-secret=${issuer.clientSecret}`,
      `--cookie-secret=${TEST_COOKIE_SECRET}`,
      '--cookie-secure=false',
      '--email-domain=*',
      `--upstream=${upstream.url}/`,
    ]);
  });
  afterAll(async () => {
    await ag?.stop();
    await hostile?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  const hasSession = (b: BrowserClient) =>
    b.jar.getCookiesSync(ag.url).some((c) => /^_authgate(_\d+)?$/.test(c.key));
  const requestIdOn = (page: BrowserResponse) => requestIdOnPage(page.body);
  const auditLines = (requestId: string) =>
    ag
      .logs()
      .split('\n')
      .filter((l) => l.includes('"audit":"sign_in"') && l.includes(`"requestId":"${requestId}"`));

  /** A refused callback: 4xx page, no session, one audit line saying refused. */
  const expectRefused = (b: BrowserClient, page: BrowserResponse, status: number, reason?: string) => {
    expect(page.status).toBe(status);
    expect(page.header('content-type')).toContain('text/html');
    expect(hasSession(b)).toBe(false);
    const id = requestIdOn(page);
    expect(id).not.toBe('');
    const lines = auditLines(id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"outcome":"refused"');
    if (reason) expect(lines[0]).toContain(`"reason":"${reason}"`);
  };

  it('an untampered sign-in through the same proxy succeeds (so each refusal below is the tampering)', async () => {
    hostile.setTamper(null);
    const b = new BrowserClient();
    const { final } = await b.follow(`${ag.url}/oauth2/start?rd=/ok`);
    expect(final.status).toBe(200);
    expect(hasSession(b)).toBe(true);
    expect(upstream.last()?.headers['x-forwarded-email']).toBe('alice@example.com');
  });

  const tampered: Array<[string, Tamper]> = [
    ['a wrong nonce', { claims: { nonce: 'attacker-nonce' } }],
    ['a missing nonce', { claims: { nonce: undefined } }],
    ['a wrong audience', { claims: { aud: 'another-client' } }],
    ['an audience list without this client', { claims: { aud: ['x', 'y'] } }],
    ['a wrong issuer', { claims: { iss: 'https://evil.example' } }],
    ['the real issuer instead of the configured one', { claims: { iss: 'REAL' } }],
    ['alg none', { forge: { alg: 'none' } }],
    ['HS256 keyed with the public key', { forge: { alg: 'HS256' } }],
    ['an expired token', { claims: { exp: now() - 3600, iat: now() - 7200 } }],
    ['a token not valid before an hour from now', { claims: { nbf: now() + 3600 } }],
    ['a key the issuer never published (unknown kid)', { forge: { key: 'other', kid: 'rogue-key' } }],
    ['another key under the real kid', { forge: { key: 'other' } }],
    ['no kid and an unknown key', { forge: { key: 'other', kid: null } }],
    ['a crit header nobody understands', { unknownCrit: true }],
  ];
  it.each(tampered)('refuses an ID token with %s', async (_name, tamper) => {
    const claims =
      tamper.claims && 'iss' in tamper.claims && tamper.claims.iss === 'REAL'
        ? { iss: issuer.url }
        : tamper.claims;
    hostile.setTamper({ ...tamper, ...(claims ? { claims } : {}) });
    try {
      const b = new BrowserClient();
      const { final, hops } = await b.follow(`${ag.url}/oauth2/start?rd=/x`);
      expect(hops.at(-1)).toMatch(/\/oauth2\/callback\?/);
      expectRefused(b, final, 403, 'id_token_invalid');
      expect(final.body).toContain('could not be verified');
    } finally {
      hostile.setTamper(null);
    }
  });

  it('refuses a callback without state, with state twice, or without a code (400)', async () => {
    for (const q of [
      'code=abc',
      'state=s1&state=s1&code=abc',
      'state=s1',
      'state=&code=abc',
      'state=s&code=a&code=b',
    ]) {
      const b = new BrowserClient();
      await b.get(`${ag.url}/oauth2/start?rd=/`);
      const page = await b.get(`${ag.url}/oauth2/callback?${q}`);
      expectRefused(b, page, 400, 'bad_callback');
    }
  });

  it("refuses a state that does not match this browser's CSRF cookie, or no CSRF cookie at all (403)", async () => {
    const b = new BrowserClient();
    const start = await b.get(`${ag.url}/oauth2/start?rd=/`);
    const state = new URL(start.header('location')!).searchParams.get('state')!;
    expectRefused(b, await b.get(`${ag.url}/oauth2/callback?state=${state}x&code=abc`), 403, 'csrf');
    // the victim's state in the attacker's browser (no CSRF cookie): login CSRF
    const attacker = new BrowserClient();
    expectRefused(
      attacker,
      await attacker.get(`${ag.url}/oauth2/callback?state=${state}&code=abc`),
      403,
      'csrf',
    );
  });

  it('refuses a provider error answer with 403', async () => {
    const b = new BrowserClient();
    const start = await b.get(`${ag.url}/oauth2/start?rd=/`);
    const state = new URL(start.header('location')!).searchParams.get('state')!;
    const page = await b.get(`${ag.url}/oauth2/callback?state=${state}&error=access_denied`);
    expectRefused(b, page, 403, 'provider_error');
  });

  it('refuses a replayed callback: the CSRF cookie is spent, and a copied one meets a spent code', async () => {
    const b = new BrowserClient();
    let csrfCookies = '';
    const { final, hops } = await b.follow(`${ag.url}/oauth2/start?rd=/first`, {
      onHop: (res) => {
        if (/\/oauth2\/callback\?/.test(res.header('location') ?? '')) csrfCookies = b.cookies(ag.url);
      },
    });
    expect(final.status).toBe(200);
    const callback = hops.find((h) => h.includes('/oauth2/callback?'))!;
    expect(csrfCookies).toMatch(/_csrf/);
    // the same browser again: its CSRF cookie was cleared by the first use
    expect(b.cookies(ag.url)).not.toMatch(/_csrf/);
    const again = await b.get(callback);
    expect(again.status).toBe(403);
    expect(auditLines(requestIdOn(again))[0]).toContain('"reason":"csrf"');
    // an attacker who copied the URL AND the CSRF cookie: the issuer refuses the second use of the code
    const thief = new BrowserClient();
    const replay = await thief.get(callback, { headers: { cookie: csrfCookies } });
    expectRefused(thief, replay, 403, 'invalid_grant');
  });
});
