/**
 * OIDC Core 12.2: a refresh answer "might not contain an id_token". The real test issuer answers refreshes without
 * one here (idTokenOnRefresh: false); authgate keeps the identity and the ID token, takes the new access and
 * refresh tokens, and the session goes on (as in oauth2-proxy) instead of failing every request with a 503.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { signInForTokens } from '../support/issuerTokens.js';
import { BrowserClient } from '../support/browserClient.js';
import { issuerFlags, startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echoUpstream.js';
import { startFakeGoogleDirectory, type FakeGoogleDirectory } from '../support/fakeGoogleDirectory.js';
import { loadOptions } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { createProvider, type ProviderEndpoints } from '../../src/providers/index.js';
import type { OidcProvider } from '../../src/providers/oidc.js';
import type { Provider } from '../../src/providers/types.js';
import type { SessionState } from '../../src/session/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ID_TOKEN_TTL = 4; // seconds
const ACCESS_TOKEN_TTL = 6; // seconds: outlives the ID token, so the kept one is forwarded expired
const MARGIN = '2s';
const silent = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));

/** The provider authgate would build from these flags, started and discovered. */
async function providerFrom(flags: string[], endpoints: ProviderEndpoints = {}): Promise<Provider> {
  const { options } = loadOptions({ argv: ['--email-domain=*', ...flags], env: {} });
  if (!options) throw new Error('flags refused');
  const provider = createProvider(options, silent, endpoints);
  provider.start();
  await (provider as OidcProvider).whenReady(10_000);
  return provider;
}

/** Only the refresh token matters to Provider.refresh; the rest is a plausible session. */
const sessionWith = (login: string, refreshToken: string): SessionState => ({
  v: 1,
  sub: login,
  email: `${login}@example.com`,
  emailVerified: true,
  preferredUsername: login,
  groups: [],
  idToken: '',
  accessToken: '',
  refreshToken,
  tokenExpiresAt: 0,
  createdAt: 0,
  expiresAt: 0,
  refreshedAt: 0,
});

describe('a refresh answer without an ID token keeps the session (OIDC Core 12.2)', () => {
  let issuer: Issuer;
  let echo: EchoUpstream;
  let ag: RunningAuthgate;

  beforeAll(async () => {
    issuer = await startIssuer({
      idTokenTtl: ID_TOKEN_TTL,
      accessTokenTtl: ACCESS_TOKEN_TTL,
      rotateRefreshTokens: true,
      idTokenOnRefresh: false,
    });
    echo = await startEchoUpstream();
    ag = await startAuthgate([
      ...issuerFlags(issuer),
      '--email-domain=*',
      `--token-refresh-margin=${MARGIN}`,
      '--pass-access-token',
      `--upstream=${echo.url}/`,
    ]);
  });
  afterAll(async () => {
    await ag?.stop();
    await echo?.stop();
    await issuer?.stop();
  });

  it('the OIDC provider hands back the new tokens; an answer with an ID token is still a verified identity', async () => {
    const provider = await providerFrom(issuerFlags(issuer));
    try {
      const signedIn = await signInForTokens(issuer);
      const answer = await provider.refresh!(sessionWith('alice', signedIn.refresh_token!));
      expect(answer).toEqual({
        idTokenMissing: true,
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: expect.any(Number),
      });
      if (!('idTokenMissing' in answer)) return;
      expect(answer.accessToken).not.toBe(signedIn.access_token);
      expect(answer.refreshToken).not.toBe(signedIn.refresh_token); // rotated by the issuer
      expect(answer.expiresIn).toBeGreaterThan(ACCESS_TOKEN_TTL - 2);
      expect(answer.expiresIn).toBeLessThanOrEqual(ACCESS_TOKEN_TTL);

      issuer.setIdTokenOnRefresh(true);
      const full = await provider.refresh!(sessionWith('alice', answer.refreshToken));
      expect(full).toMatchObject({
        sub: 'alice',
        email: 'alice@example.com',
        idToken: expect.stringMatching(/^ey/),
      });
      expect('idTokenMissing' in full).toBe(false);
    } finally {
      issuer.setIdTokenOnRefresh(false);
      provider.stop();
    }
  });

  it('through authgate: same user headers, the new access token, a rotated refresh token, one warning', async () => {
    const browser = new BrowserClient();
    const { final } = await browser.follow(`${ag.url}/oauth2/start?rd=/app`);
    expect(final.status).toBe(200);
    const first = echo.last()!.headers;
    const identity = (h: typeof first) => [
      h['x-forwarded-user'],
      h['x-forwarded-email'],
      h['x-forwarded-groups'],
    ];
    expect(identity(first)).toEqual(['alice', 'alice@example.com', 'dev,ops']);
    const refreshesBefore = issuer.counts.refresh;

    // The ID token has less than the margin left: a refresh, answered without an ID token.
    await sleep(2300);
    const renewed = await browser.get(`${ag.url}/app`);
    expect(renewed.status).toBe(200);
    expect(renewed.headers['set-cookie']?.some((c) => c.startsWith('_authgate='))).toBe(true);
    expect(issuer.counts.refresh - refreshesBefore).toBe(1);
    const second = echo.last()!.headers;
    expect(identity(second)).toEqual(identity(first));
    expect(second['x-forwarded-access-token']).toMatch(/.+/);
    expect(second['x-forwarded-access-token']).not.toBe(first['x-forwarded-access-token']);
    // the kept ID token, as oauth2-proxy does
    expect(second.authorization).toBe(first.authorization);

    // The new access token (6 s) now drives the next refresh. It must redeem the ROTATED refresh token: the
    // issuer refuses a used one (and revokes the grant), which would end the session with a 401.
    await sleep(ACCESS_TOKEN_TTL * 1000 - 2000 + 300);
    const again = await browser.get(`${ag.url}/app`, { headers: { accept: 'application/json' } });
    expect(again.status).toBe(200);
    expect(issuer.counts.refresh - refreshesBefore).toBe(2);
    const third = echo.last()!.headers;
    expect(identity(third)).toEqual(identity(first));
    expect(third['x-forwarded-access-token']).not.toBe(second['x-forwarded-access-token']);

    const logs = ag.logs();
    expect(logs.match(/"audit":"refresh","outcome":"success"/g)).toHaveLength(2);
    expect(logs).not.toMatch(/"audit":"refresh","outcome":"(failed|ended)"/);
    // The ID token forwarded as bearer has expired by now: said once, with the fix, without the token.
    expect(logs.match(/id_token_not_refreshed/g)).toHaveLength(1);
    expect(logs).toMatch(/--kube-impersonation/);
    expect(logs).not.toContain(String(first.authorization).slice('Bearer '.length));
  });

  describe('--provider=google (checks re-applied without an ID token)', () => {
    let directory: FakeGoogleDirectory;
    let dir: string;
    let google: Provider;

    beforeAll(async () => {
      directory = await startFakeGoogleDirectory({
        groups: { 'admins@example.com': ['alice@example.com'] },
        admins: ['admin@example.com'],
      });
      dir = mkdtempSync(join(tmpdir(), 'authgate-refresh-'));
      writeFileSync(join(dir, 'sa.json'), directory.keyJson);
      google = await providerFrom(
        [
          ...issuerFlags(issuer, ['--provider=google']),
          '--google-group=admins@example.com',
          '--google-admin-email=admin@example.com',
          `--google-service-account-json=${join(dir, 'sa.json')}`,
        ],
        { googleDirectoryUrl: directory.url },
      );
    });
    afterAll(async () => {
      google?.stop();
      await directory?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps a group member signed in and refuses an account in none of the groups', async () => {
      const alice = await signInForTokens(issuer, { login: 'alice' });
      const kept = await google.refresh!(sessionWith('alice', alice.refresh_token!));
      expect(kept).toMatchObject({ idTokenMissing: true });

      const carol = await signInForTokens(issuer, { login: 'carol' });
      const hasMemberBefore = directory.counts.hasMember + directory.counts.member;
      await expect(google.refresh!(sessionWith('carol', carol.refresh_token!))).rejects.toMatchObject({
        code: 'google_group',
      });
      expect(directory.counts.hasMember + directory.counts.member).toBeGreaterThan(hasMemberBefore);
    });
  });
});
