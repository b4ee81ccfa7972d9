/**
 * Hostile session cookies through HTTP against a running authgate (the unit tests in test/unit/session cover the
 * codec alone). Whatever the cookie, the answer is "no session" (401) or a 4xx, never a 500, and never anyone's
 * identity but the owner of an intact, untouched cookie.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { startAuthgate, TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echoUpstream.js';
import { rawRequest, type RawResponse } from '../support/rawHttp.js';

const RUNS = 200;

/** The body of a raw response, chunked transfer-coding removed. */
function dechunk(res: RawResponse): string {
  if (!/^transfer-encoding:\s*chunked/im.test(res.head)) return res.body;
  let rest = res.body;
  let out = '';
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}
const groups = () => Array.from({ length: 40 }, () => randomUUID());

describe('hostile session cookies through HTTP', () => {
  let issuer: Issuer;
  let upstream: EchoUpstream;
  let ag: RunningAuthgate;
  /** login -> cookies by name, as authgate set them after a real sign-in. */
  const jars = new Map<string, Map<string, string>>();

  beforeAll(async () => {
    issuer = await startIssuer({
      users: {
        alice: { email: 'alice@example.com' },
        big1: { email: 'big1@example.com', groups: groups() },
        big2: { email: 'big2@example.com', groups: groups() },
      },
    });
    upstream = await startEchoUpstream();
    ag = await startAuthgate([
      `--oidc-issuer-url=${issuer.url}`,
      `--client-id=${issuer.clientId}`,
      `--client-secret=${issuer.clientSecret}`,
      `--cookie-secret=${TEST_COOKIE_SECRET}`,
      '--cookie-secure=false',
      '--email-domain=*',
      `--upstream=${upstream.url}/`,
    ]);
    for (const login of ['alice', 'big1', 'big2']) {
      const b = new BrowserClient();
      const { final } = await b.follow(`${ag.url}/oauth2/start?rd=/`, { login });
      expect(final.status).toBe(200);
      jars.set(login, new Map(b.jar.getCookiesSync(ag.url).map((c) => [c.key, c.value])));
    }
    expect([...jars.get('big1')!.keys()].filter((k) => k.startsWith('_authgate_')).sort()).toEqual([
      '_authgate_0',
      '_authgate_1',
    ]);
  }, 30_000);
  afterAll(async () => {
    await ag?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  const cookieOf = (login: string, name: string) => jars.get(login)!.get(name)!;
  const EMAIL: Record<string, string> = {
    alice: 'alice@example.com',
    big1: 'big1@example.com',
    big2: 'big2@example.com',
  };

  /** A request with this Cookie header to userinfo (express) or a proxied path (the hot path). */
  async function ask(cookie: string, where: 'userinfo' | 'proxied'): Promise<RawResponse> {
    const path = where === 'userinfo' ? '/oauth2/userinfo' : '/echo';
    return rawRequest(
      ag.port,
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`,
    );
  }

  /** Whose identity the answer carries, or null for "no session"; throws on a 5xx or an unexpected status. */
  function identityOf(res: RawResponse, where: 'userinfo' | 'proxied'): string | null {
    if (res.status === 401 || res.status === 400 || res.status === 431) return null;
    if (res.status !== 200) throw new Error(`unexpected status ${res.status}`);
    const body = JSON.parse(dechunk(res)) as { email?: string; headers?: Record<string, string> };
    return (where === 'userinfo' ? body.email : body.headers?.['x-forwarded-email']) ?? null;
  }

  const where = fc.constantFrom<'userinfo' | 'proxied'>('userinfo', 'proxied');

  it('random cookie values and names: no session, never a 500', async () => {
    const printable = fc.string({
      unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 600,
    });
    const name = fc.constantFrom(
      '_authgate',
      '_authgate_0',
      '_authgate_1',
      '_authgate_9',
      '_authgate_csrf',
      '_authgate_x',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(name, printable), { minLength: 1, maxLength: 4 }),
        where,
        async (pairs, w) => {
          const cookie = pairs.map(([n, v]) => `${n}=${v.replaceAll(';', '')}`).join('; ');
          expect(identityOf(await ask(cookie, w), w)).toBeNull();
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('random bytes (control characters included) in the Cookie header: a 400 or no session, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), where, async (bytes, w) => {
        const text = Buffer.from(bytes)
          .toString('latin1')
          .replace(/[\r\n]/g, '');
        const res = await ask(`_authgate=${text}`, w);
        expect(res.status).not.toBe(0);
        expect(identityOf(res, w)).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  it('bit flips in a real sealed value: no session', async () => {
    const sealed = cookieOf('alice', '_authgate');
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: sealed.length - 1 }),
        fc.integer({ min: 0, max: 6 }),
        where,
        async (i, bit, w) => {
          const flipped = String.fromCharCode(sealed.charCodeAt(i) ^ (1 << bit));
          fc.pre(/[\x21-\x7e]/.test(flipped) && flipped !== ';' && flipped !== sealed[i]);
          const cookie = `_authgate=${sealed.slice(0, i)}${flipped}${sealed.slice(i + 1)}`;
          // a few flips decode to the very same bytes (lenient base64url): then it is still alice's own session
          expect([null, 'alice@example.com']).toContain(identityOf(await ask(cookie, w), w));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a truncated or extended sealed value: no session', async () => {
    const sealed = cookieOf('alice', '_authgate');
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: sealed.length - 1 }),
        fc.constantFrom('', 'A', '~', '*1'),
        where,
        async (len, tail, w) => {
          const who = identityOf(await ask(`_authgate=${sealed.slice(0, len)}${tail}`, w), w);
          expect([null, 'alice@example.com']).toContain(who);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("chunks reordered, missing, or swapped between two users' sessions: the owner's identity or none", async () => {
    const pieces = ['big1', 'big2'].flatMap((login) =>
      ['_authgate_0', '_authgate_1'].map((name) => ({ login, name, value: cookieOf(login, name) })),
    );
    const slot = fc.option(fc.constantFrom(...pieces), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(
        slot,
        slot,
        fc.option(fc.constantFrom(...pieces), { nil: undefined }),
        fc.boolean(),
        where,
        async (c0, c1, whole, reversed, w) => {
          const parts: string[] = [];
          if (c0) parts.push(`_authgate_0=${c0.value}`);
          if (c1) parts.push(`_authgate_1=${c1.value}`);
          if (whole) parts.push(`_authgate=${whole.value}`);
          fc.pre(parts.length > 0);
          if (reversed) parts.reverse();
          const intact =
            c0 && c1 && c0.login === c1.login && c0.name === '_authgate_0' && c1.name === '_authgate_1';
          const who = identityOf(await ask(parts.join('; '), w), w);
          if (intact) expect([EMAIL[c0.login], null]).toContain(who);
          else expect(who).toBeNull();
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('an intact session is read, so the properties above do refuse for the right reason', async () => {
    const chunked = `_authgate_0=${cookieOf('big2', '_authgate_0')}; _authgate_1=${cookieOf('big2', '_authgate_1')}`;
    expect(identityOf(await ask(chunked, 'userinfo'), 'userinfo')).toBe('big2@example.com');
    expect(identityOf(await ask(chunked, 'proxied'), 'proxied')).toBe('big2@example.com');
    expect(identityOf(await ask(`_authgate=${cookieOf('alice', '_authgate')}`, 'proxied'), 'proxied')).toBe(
      'alice@example.com',
    );
  });

  it('an oversized Cookie header: 431 beyond 32 KB, no session (or the owner) below, never a 500', async () => {
    const alice = `_authgate=${cookieOf('alice', '_authgate')}`;
    for (const [size, withSession] of [
      [17 * 1024, false],
      [17 * 1024, true],
      [31 * 1024, false],
      [33 * 1024, false],
      [64 * 1024, true],
    ] as const) {
      const junk = Array.from({ length: Math.ceil(size / 100) }, (_, i) => `j${i}=${'x'.repeat(95)}`).join(
        '; ',
      );
      const cookie = withSession ? `${junk}; ${alice}` : junk;
      for (const w of ['userinfo', 'proxied'] as const) {
        const res = await ask(cookie, w);
        if (size > 32 * 1024) expect(res.status).toBe(431);
        else if (w === 'userinfo') expect(identityOf(res, w)).toBe(withSession ? 'alice@example.com' : null);
        // proxied, the junk goes on to the upstream, whose own 16 KB header limit may answer 431
        else expect([withSession ? 'alice@example.com' : null, null]).toContain(identityOf(res, w));
      }
    }
    // many chunk names pointing nowhere: no session, and no work per name beyond the chunk limit
    const manyChunks = Array.from({ length: 200 }, (_, i) => `_authgate_${i}=${'A'.repeat(60)}`).join('; ');
    expect(identityOf(await ask(manyChunks, 'proxied'), 'proxied')).toBeNull();
  });

  it('logged no 500 and no "request failed" for any of it', () => {
    expect(ag.logs()).not.toMatch(/"request failed"|"status":5\d\d/);
  });
});
