/**
 * Identity and routing attacks from oauth2-proxy's advisories, end to end: X-Forwarded-* from an untrusted peer,
 * skip-auth routes fooled by the query or encodings (CVE-2026-40575), hostile email claims passing a domain check
 * (CVE-2026-40574), session fixation through the sign-in page, and request smuggling shapes.
 * (Forged identity headers in every spelling are covered by test/integration/proxyHygiene.test.ts.)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { startAuthgate, TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';
import { rawRequest } from '../support/rawHttp.js';

/** An upstream that records every request line it receives. */
async function startRecordingUpstream() {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ url: req.url, headers: req.headers }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const HOSTILE_EMAILS: Record<string, string> = {
  twoAts: 'a@evil.com@example.com',
  threeAts: 'a@b@c@example.com',
  quotedAt: '"a@evil.com"@example.com',
  quoted: '"alice"@example.com',
  cyrillicA: 'a@exаmple.com', // U+0430
  fullWidth: 'a@ｅxample.com',
  dotlessI: 'a@examplе.com', // U+0435
  suffix: 'a@example.com.evil.com',
  lookalikeSuffix: 'a@badexample.com',
  subdomain: 'a@evil.example.com',
  trailingDot: 'a@example.com.',
  nul: 'a@example.com\u0000',
  space: 'a@example.com evil.com',
  percent: 'a@example.com%40evil.com',
  angle: 'x <a@example.com>',
  noAt: 'example.com',
};

describe('identity and routing attacks', () => {
  let issuer: Issuer;
  let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
  let ag: RunningAuthgate;
  let untrusted: RunningAuthgate;

  const base = () => [
    `--oidc-issuer-url=${issuer.url}`,
    `--client-id=${issuer.clientId}`,
    `--client-secret=${issuer.clientSecret}`,
    `--cookie-secret=${TEST_COOKIE_SECRET}`,
    '--cookie-secure=false',
    '--email-domain=example.com',
    '--skip-auth-route=^/public/',
    `--upstream=${upstream.url}/`,
  ];

  beforeAll(async () => {
    const users = Object.fromEntries(
      Object.entries(HOSTILE_EMAILS).map(([login, email]) => [login, { email }]),
    );
    issuer = await startIssuer({
      users: { ...users, upper: { email: 'Alice@EXAMPLE.com' }, mallory: { email: 'mallory@example.com' } },
    });
    upstream = await startRecordingUpstream();
    ag = await startAuthgate(base());
    // --reverse-proxy on, but the test client (127.0.0.1) is not the trusted proxy
    untrusted = await startAuthgate([...base(), '--reverse-proxy', '--trusted-proxy-ip=10.9.9.9']);
  });
  afterAll(async () => {
    await ag?.stop();
    await untrusted?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  const raw = (port: number, target: string, extra = '') =>
    rawRequest(
      port,
      `GET ${target} HTTP/1.1\r\nHost: app.example.com\r\nAccept: application/json\r\n${extra}Connection: close\r\n\r\n`,
    );

  describe('skip-auth routes match the canonical path only', () => {
    it.each([
      '/private?x=/public/',
      '/private?/public/',
      '/private#/public/',
      '/private%23/public/',
      '/public/../private',
      '/public/%2e%2e/private',
      '/public/%2E%2E/private',
      '/public%2F..%2Fprivate',
      '/public/..%2Fprivate',
      '/public/.%2e/private',
      '/public\\..\\private',
      '/public/x/../../private',
      '//public/x',
      '/./public/x',
      '/PUBLIC/x',
      '/x/public/',
      'http://app.example.com/public/x',
    ])('%s needs a session (401), however it is spelled', async (target) => {
      const before = upstream.seen.length;
      const res = await raw(ag.port, target);
      // 404: an absolute-form target matches no upstream path at all
      expect([400, 401, 404]).toContain(res.status);
      expect(upstream.seen.length).toBe(before);
    });

    it('a plain skipped path is served without a session (so the refusals above are the tricks)', async () => {
      const res = await raw(ag.port, '/public/app.js?x=/private');
      expect(res.status).toBe(200);
      expect(upstream.seen.at(-1)).toBe('GET /public/app.js?x=/private');
    });

    it('X-Forwarded-Uri and -Host from an untrusted peer never change which route is skipped', async () => {
      for (const port of [ag.port, untrusted.port]) {
        const spoofed = await raw(
          port,
          '/private',
          'X-Forwarded-Uri: /public/x\r\nX-Forwarded-Host: public.example.com\r\nX-Forwarded-Proto: https\r\n',
        );
        expect(spoofed.status).toBe(401);
        // and the other way round: a public path stays public whatever the header claims
        const reverse = await raw(port, '/public/x', 'X-Forwarded-Uri: /private\r\n');
        expect(reverse.status).toBe(200);
      }
    });

    it('X-Forwarded-Host from an untrusted peer does not make its host a valid redirect target', async () => {
      const b = new BrowserClient();
      const res = await b.get(
        `${untrusted.url}/oauth2/start?rd=${encodeURIComponent('http://evil.example.net/x')}`,
        {
          headers: { 'x-forwarded-host': 'evil.example.net', 'x-forwarded-proto': 'http' },
        },
      );
      expect(res.status).toBe(302);
      const { final } = await b.follow(res.header('location')!, { login: 'mallory' });
      expect(final.url).toBe(`${untrusted.url}/`);
    });
  });

  describe('hostile email claims never pass --email-domain=example.com', () => {
    it.each(Object.keys(HOSTILE_EMAILS))('%s: refused with 403, no session, audited', async (login) => {
      const b = new BrowserClient();
      const { final } = await b.follow(`${ag.url}/oauth2/start?rd=/`, { login });
      expect(final.status).toBe(403);
      expect(b.jar.getCookiesSync(ag.url).some((c) => /^_authgate(_\d+)?$/.test(c.key))).toBe(false);
      // A control character makes the ID token unusable (refused before any rule runs); the rest fail the domain rule.
      const audit =
        login === 'nul'
          ? `"audit":"sign_in","outcome":"refused".*"reason":"id_token_invalid"`
          : `"audit":"sign_in","outcome":"forbidden".*"user":"${login}"`;
      expect(ag.logs()).toMatch(new RegExp(audit));
    });

    it('a well-formed address in another case is admitted (so the refusals are the hostile shapes)', async () => {
      const { final } = await new BrowserClient().follow(`${ag.url}/oauth2/start?rd=/`, { login: 'upper' });
      expect(final.status).toBe(200);
    });
  });

  it("the sign-in page clears a session planted by someone else, and the victim's own sign-in replaces it", async () => {
    const attacker = new BrowserClient();
    await attacker.follow(`${ag.url}/oauth2/start?rd=/`, { login: 'mallory' });
    const planted = attacker.jar.getCookiesSync(ag.url).find((c) => c.key === '_authgate')!;
    const victim = new BrowserClient();
    victim.setCookie(`_authgate=${planted.value}; Path=/`, ag.url);
    const page = await victim.get(`${ag.url}/oauth2/sign_in?rd=/`);
    expect(page.status).toBe(200);
    expect(String(page.headers['set-cookie'] ?? '')).toMatch(
      /_authgate=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i,
    );
    expect(victim.cookies(ag.url)).not.toContain(planted.value);
    expect((await victim.get(`${ag.url}/oauth2/userinfo`)).status).toBe(401);
    // planted again, and the victim signs in straight through /oauth2/start: the callback replaces it
    victim.setCookie(`_authgate=${planted.value}; Path=/`, ag.url);
    await victim.follow(`${ag.url}/oauth2/start?rd=/`, { login: 'upper' });
    expect(victim.cookies(ag.url)).not.toContain(planted.value);
    expect((await victim.get(`${ag.url}/oauth2/userinfo`)).json()).toMatchObject({
      email: 'Alice@EXAMPLE.com',
    });
  });

  describe('request smuggling shapes are refused by the server and never reach the upstream', () => {
    const head = 'POST /public/x HTTP/1.1\r\nHost: app.example.com\r\n';
    const smuggled = 'GET /private HTTP/1.1\r\nHost: app.example.com\r\n\r\n';
    it.each([
      [
        'Content-Length and Transfer-Encoding together',
        `${head}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
      ],
      [
        'two different Content-Lengths',
        `${head}Content-Length: 4\r\nContent-Length: 40\r\n\r\nabcd${smuggled}`,
      ],
      ['a Content-Length list', `${head}Content-Length: 4, 40\r\n\r\nabcd${smuggled}`],
      ['an obfuscated Transfer-Encoding', `${head}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${smuggled}`],
      [
        'Transfer-Encoding with a space before the colon',
        `${head}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n${smuggled}`,
      ],
      ['an obs-fold continuation line', `${head}X-Note: a\r\n  folded\r\nContent-Length: 0\r\n\r\n`],
      [
        'an obs-folded Transfer-Encoding',
        `${head}Transfer-Encoding: identity\r\n chunked\r\n\r\n0\r\n\r\n${smuggled}`,
      ],
      ['a header name with a space', `${head}X Forwarded User: admin\r\nContent-Length: 0\r\n\r\n`],
      ['a bare LF line ending', `${head}Content-Length: 0\nX-Evil: 1\r\n\r\n`],
      ['a negative Content-Length', `${head}Content-Length: -1\r\n\r\n`],
      ['a chunk size that is not hex', `${head}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`],
    ])('%s: 400', async (_name, request) => {
      const before = upstream.seen.length;
      const res = await rawRequest(ag.port, request);
      expect(res.status).toBe(400);
      await new Promise((r) => setTimeout(r, 50));
      expect(upstream.seen.slice(before)).toEqual([]);
    });

    it('a well-formed request of the same shape is passed on (so the refusals are the shapes)', async () => {
      const before = upstream.seen.length;
      const res = await rawRequest(ag.port, `${head}Content-Length: 4\r\nConnection: close\r\n\r\nabcd`);
      expect(res.status).toBe(200);
      expect(upstream.seen.slice(before)).toEqual(['POST /public/x']);
    });
  });
});
