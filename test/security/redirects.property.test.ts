/**
 * Open redirects through the HTTP surface (the validator alone is table- and property-tested in test/unit/redirect).
 * Generated targets — mixed-case schemes, single and double percent-encoding, backslashes, unicode, IDN and
 * full-width hosts, ports, userinfo, whitespace and control characters — arrive through `rd` on /oauth2/start,
 * /oauth2/sign_in and /oauth2/sign_out, X-Auth-Request-Redirect, and X-Forwarded-Proto/-Host/-Uri from a trusted
 * proxy. Wherever the browser is finally sent, as a browser resolves it (WHATWG URL), is authgate's own host or a
 * --whitelist-domain host.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient, type BrowserResponse } from '../support/browserClient.js';
import { startAuthgate, TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';
import { parseCookieHeader } from '../../src/session/cookies.js';
import { hostileRedirectTarget, HOSTILE_HOSTS } from '../support/hostileUrls.js';

const RUNS = 200;

type Channel =
  'start-rd' | 'start-header' | 'start-forwarded' | 'sign-in-rd' | 'sign-out-rd' | 'sign-out-header';
const CHANNELS: Channel[] = [
  'start-rd',
  'start-header',
  'start-forwarded',
  'sign-in-rd',
  'sign-out-rd',
  'sign-out-header',
];

/** What a raw client can put in a header value: UTF-8 bytes as Latin-1, without CR, LF, NUL and other controls. */
const headerSafe = (s: string) =>
  Buffer.from(s, 'utf8')
    .toString('latin1')
    .replace(/[^\t\x20-\x7e\x80-\xff]/g, '');

describe('redirect targets through the HTTP surface', () => {
  let issuer: Issuer;
  let ag: RunningAuthgate;
  let own: string;

  beforeAll(async () => {
    issuer = await startIssuer();
    ag = await startAuthgate([
      `--oidc-issuer-url=${issuer.url}`,
      `--client-id=${issuer.clientId}`,
      `--client-secret=${issuer.clientSecret}`,
      `--cookie-secret=${TEST_COOKIE_SECRET}`,
      '--cookie-secure=false',
      '--email-domain=*',
      '--reverse-proxy',
      '--trusted-proxy-ip=127.0.0.1',
      '--whitelist-domain=.allowed.test:*',
      '--upstream=http://127.0.0.1:9/',
    ]);
    own = `127.0.0.1:${ag.port}`;
  });
  afterAll(async () => {
    await ag?.stop();
    await issuer?.stop();
  });

  /** The host a browser ends up on when sent to `target` from `from`, or a reason it is not http(s). */
  function landing(target: string, from: string): string {
    const u = URL.parse(target, from);
    // a URL no browser can parse is an error page, not a navigation (e.g. an invalid xn-- label)
    if (u === null) return 'unparseable';
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `scheme ${u.protocol}`;
    if (u.username || u.password) return 'userinfo';
    return u.hostname;
  }

  /** Allowed: the host the request was made to (its Host, or a trusted proxy's X-Forwarded-Host), or the whitelist. */
  function expectAllowed(target: string, from: string, ownHosts: string[]) {
    const host = landing(target, from);
    const ok =
      host === 'unparseable' ||
      ownHosts.includes(host) ||
      host === 'allowed.test' ||
      host.endsWith('.allowed.test');
    if (!ok) throw new Error(`sent to ${JSON.stringify(host)} by ${JSON.stringify(target)}`);
  }

  /** Where the sign-in started by this /oauth2/start answer returns to: the target sealed in its CSRF cookie. */
  async function storedTarget(res: BrowserResponse): Promise<string> {
    expect(res.status).toBe(302);
    const state = new URL(res.header('location')!).searchParams.get('state')!;
    const setCookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    const cookies = parseCookieHeader(setCookies.map((c) => c.split(';')[0]).join('; '));
    const csrf = await ag.gate.services.store.openCsrf(cookies, state, Math.floor(Date.now() / 1000));
    expect(csrf).not.toBeNull();
    return csrf!.redirect;
  }

  async function attempt(channel: Channel, target: string, xfHost: string, xfProto: string): Promise<void> {
    const client = new BrowserClient();
    const q = `rd=${encodeURIComponent(target)}`;
    const base = `http://${own}`;
    const ownHosts = ['127.0.0.1'];
    let res: BrowserResponse;
    switch (channel) {
      case 'start-rd':
        res = await client.get(`${base}/oauth2/start?${q}`);
        return expectAllowed(await storedTarget(res), base, ownHosts);
      case 'start-header':
        res = await client.get(`${base}/oauth2/start`, {
          headers: { 'x-auth-request-redirect': headerSafe(target) },
        });
        return expectAllowed(await storedTarget(res), base, ownHosts);
      case 'start-forwarded': {
        // a trusted ingress speaking for the browser: its X-Forwarded-Host IS the host the browser is on
        const headers = {
          'x-forwarded-host': headerSafe(xfHost),
          'x-forwarded-proto': headerSafe(xfProto),
          'x-forwarded-uri': headerSafe(target),
        };
        res = await client.get(`${base}/oauth2/start`, { headers });
        // only the last entry of a list is the trusted proxy's own
        const vouched = headers['x-forwarded-host'].split(',').at(-1)!.trim();
        const hostPart = /^([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i.exec(vouched)?.[1];
        const fwd = hostPart ? hostPart.toLowerCase() : '127.0.0.1';
        return expectAllowed(await storedTarget(res), base, [...ownHosts, fwd]);
      }
      case 'sign-in-rd': {
        res = await client.get(`${base}/oauth2/sign_in?${q}`);
        expect(res.status).toBe(200);
        const rd = /name="rd" value="([^"]*)"/.exec(res.body)?.[1];
        expect(rd).toBeDefined();
        const decoded = rd!
          .replace(/&quot;/g, '"')
          .replace(/&#39;/g, "'")
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&amp;/g, '&');
        return expectAllowed(decoded, base, ownHosts);
      }
      case 'sign-out-rd':
      case 'sign-out-header': {
        res =
          channel === 'sign-out-rd'
            ? await client.get(`${base}/oauth2/sign_out?${q}`)
            : await client.get(`${base}/oauth2/sign_out`, {
                headers: { 'x-auth-request-redirect': headerSafe(target) },
              });
        expect(res.status).toBeLessThan(500);
        const location = res.header('location');
        if (location) expectAllowed(location, base, ownHosts);
        return;
      }
    }
  }

  it('never stores or sends a target outside the whitelist (200 generated targets per channel mix)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CHANNELS),
        hostileRedirectTarget(),
        fc.constantFrom(...HOSTILE_HOSTS, 'evil.test:8080', 'evil.test, allowed.test'),
        fc.constantFrom('http', 'https', 'HTTPS', 'javascript', 'https, http'),
        async (channel, target, xfHost, xfProto) => attempt(channel, target, xfHost, xfProto),
      ),
      { numRuns: RUNS },
    );
  });

  it('after a full sign-in round trip the browser lands on the whitelist or authgate itself (sample)', async () => {
    const browser = new BrowserClient();
    await fc.assert(
      fc.asyncProperty(hostileRedirectTarget(), async (target) => {
        const { final, hops } = await browser.follow(
          `http://${own}/oauth2/start?rd=${encodeURIComponent(target)}`,
        );
        const callback = hops.findIndex((h) => h.includes('/oauth2/callback?'));
        expect(callback).toBeGreaterThan(-1);
        // the callback's Location: followed (a local host) or returned as final (a whitelisted virtual host)
        const after = hops[callback + 1] ?? final.header('location');
        expect(after).toBeDefined();
        expectAllowed(after!, hops[callback]!, ['127.0.0.1']);
      }),
      { numRuns: 20 },
    );
  });

  it('a whitelisted target does survive (so the property is not vacuous)', async () => {
    const res = await new BrowserClient().get(
      `http://${own}/oauth2/start?rd=${encodeURIComponent('https://app.allowed.test:8443/x?y=1')}`,
    );
    expect(await storedTarget(res)).toBe('https://app.allowed.test:8443/x?y=1');
    const out = await new BrowserClient().get(
      `http://${own}/oauth2/sign_out?rd=${encodeURIComponent('https://allowed.test/bye')}`,
    );
    expect(out.header('location')).toBe('https://allowed.test/bye');
  });

  it('a client-chosen X-Forwarded-Host that a proxy appended to is not vouched for', async () => {
    const res = await new BrowserClient().get(`http://${own}/oauth2/start`, {
      headers: {
        'x-forwarded-host': 'evil.test, app.allowed.test',
        'x-forwarded-proto': 'http',
        'x-forwarded-uri': '/x',
      },
    });
    expect(await storedTarget(res)).toBe('http://app.allowed.test/x');
  });

  it('logged no failed request', () => {
    expect(ag.logs()).not.toMatch(/"request failed"/);
  });
});
