import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { startAuthgate, TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echoUpstream.js';

const OTHER_SECRET = 'b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldC1vdGhlciE'; // 32 bytes, base64url
const GUID_GROUPS = Array.from({ length: 40 }, () => randomUUID());

function flags(issuer: Issuer, upstream: EchoUpstream, secret: string): string[] {
  return [
    `--oidc-issuer-url=${issuer.url}`,
    `--client-id=${issuer.clientId}`,
    `--client-secret=${issuer.clientSecret}`,
    `--cookie-secret=${secret}`,
    '--cookie-secure=false',
    '--email-domain=*',
    `--upstream=${upstream.url}/`,
  ];
}

/** Names of authgate's session cookies the browser holds for the URL. */
function sessionCookieNames(browser: BrowserClient, url: string): string[] {
  return browser.jar
    .getCookiesSync(url)
    .map((c) => c.key)
    .filter((k) => /^_authgate(_\d+)?$/.test(k))
    .sort();
}

describe('session cookies: chunks, tampering, secrets, expiry', () => {
  let issuer: Issuer;
  let upstream: EchoUpstream;
  let ag: RunningAuthgate;

  beforeAll(async () => {
    issuer = await startIssuer({ users: { big: { groups: GUID_GROUPS } } });
    upstream = await startEchoUpstream();
    ag = await startAuthgate(flags(issuer, upstream, TEST_COOKIE_SECRET));
  });
  afterAll(async () => {
    await ag?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  it('splits a 40-group session into chunks, joins them on read, and keeps them from the upstream', async () => {
    const browser = new BrowserClient();
    const { final } = await browser.follow(`${ag.url}/oauth2/start?rd=/x`, { login: 'big' });
    expect(final.status).toBe(200);
    const names = sessionCookieNames(browser, ag.url);
    expect(names).toEqual(['_authgate_0', '_authgate_1']);
    const seen = upstream.last();
    expect(seen?.headers['x-forwarded-groups']).toBe(GUID_GROUPS.join(','));
    expect(String(seen?.headers.cookie ?? '')).not.toMatch(/_authgate/);
  });

  it('clears stale chunks when a smaller session replaces a larger one', async () => {
    const browser = new BrowserClient();
    await browser.follow(`${ag.url}/oauth2/start?rd=/`, { login: 'big' });
    expect(sessionCookieNames(browser, ag.url)).toEqual(['_authgate_0', '_authgate_1']);
    // sign out at the issuer (its SSO session would otherwise sign in 'big' again)
    for (const name of ['_session', '_session.sig'])
      browser.setCookie(`${name}=; Max-Age=0; Path=/`, issuer.url);
    await browser.follow(`${ag.url}/oauth2/start?rd=/`, { login: 'alice' });
    expect(sessionCookieNames(browser, ag.url)).toEqual(['_authgate']);
    const who = await browser.get(`${ag.url}/oauth2/userinfo`);
    expect(who.json()).toMatchObject({ email: 'alice@example.com' });
  });

  it('treats tampered, truncated and reordered cookies as no session (never a 500)', async () => {
    const browser = new BrowserClient();
    await browser.follow(`${ag.url}/oauth2/start?rd=/`, { login: 'big' });
    const jarCookies = browser.jar.getCookiesSync(ag.url);
    const c0 = jarCookies.find((c) => c.key === '_authgate_0')!.value;
    const c1 = jarCookies.find((c) => c.key === '_authgate_1')!.value;
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const variants = [
      `_authgate_0=${flip(c0, 40)}; _authgate_1=${c1}`,
      `_authgate_0=${c0}; _authgate_1=${flip(c1, c1.length - 5)}`,
      `_authgate_0=${c0}; _authgate_1=${c1.slice(0, c1.length / 2)}`,
      `_authgate_0=${c1}; _authgate_1=${c0}`,
      `_authgate_0=${c0}`,
      `_authgate=${c0}${c1}x`,
      `_authgate=garbage`,
    ];
    for (const cookie of variants) {
      const res = await new BrowserClient().get(`${ag.url}/oauth2/userinfo`, { headers: { cookie } });
      expect(res.status).toBe(401);
    }
    const whole = await new BrowserClient().get(`${ag.url}/oauth2/userinfo`, {
      headers: { cookie: `_authgate_0=${c0}; _authgate_1=${c1}` },
    });
    expect(whole.status).toBe(200);
  });

  it('refuses a cookie sealed with another secret, and accepts it after rotation (new secret first)', async () => {
    const browser = new BrowserClient();
    await browser.follow(`${ag.url}/oauth2/start?rd=/`, { login: 'alice' });
    const cookie = browser.cookies(ag.url);
    const foreign = await startAuthgate(flags(issuer, upstream, OTHER_SECRET));
    const rotated = await startAuthgate(flags(issuer, upstream, `${OTHER_SECRET},${TEST_COOKIE_SECRET}`));
    try {
      expect(
        (await new BrowserClient().get(`${foreign.url}/oauth2/userinfo`, { headers: { cookie } })).status,
      ).toBe(401);
      const ok = await new BrowserClient().get(`${rotated.url}/oauth2/userinfo`, { headers: { cookie } });
      expect(ok.status).toBe(200);
      // a session sealed after rotation uses the new secret: the old-secret-only instance cannot read it
      const fresh = new BrowserClient();
      await fresh.follow(`${rotated.url}/oauth2/start?rd=/`, { login: 'alice' });
      const newCookie = fresh.cookies(rotated.url);
      expect(
        (await new BrowserClient().get(`${ag.url}/oauth2/userinfo`, { headers: { cookie: newCookie } }))
          .status,
      ).toBe(401);
      expect(
        (await new BrowserClient().get(`${foreign.url}/oauth2/userinfo`, { headers: { cookie: newCookie } }))
          .status,
      ).toBe(200);
    } finally {
      await foreign.stop();
      await rotated.stop();
    }
  });

  it('treats a session past --cookie-expire as no session', async () => {
    let offset = 0;
    const clock = await startAuthgate(
      [...flags(issuer, upstream, TEST_COOKIE_SECRET), '--cookie-expire=1h'],
      {
        now: () => Math.floor(Date.now() / 1000) + offset,
      },
    );
    try {
      const browser = new BrowserClient();
      await browser.follow(`${clock.url}/oauth2/start?rd=/`, { login: 'alice' });
      const cookie = browser.cookies(clock.url);
      expect(
        (await new BrowserClient().get(`${clock.url}/oauth2/userinfo`, { headers: { cookie } })).status,
      ).toBe(200);
      offset = 3601;
      expect(
        (await new BrowserClient().get(`${clock.url}/oauth2/userinfo`, { headers: { cookie } })).status,
      ).toBe(401);
    } finally {
      await clock.stop();
    }
  });
});
