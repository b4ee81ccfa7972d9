import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { needsRefresh, SessionRefresher } from '../../../src/http/sessionRefresh.js';
import { CookieSessionStore } from '../../../src/session/cookieStore.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Audit } from '../../../src/observability/audit.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { ProviderError } from '../../../src/errors.js';
import { AccessRefusedError } from '../../../src/providers/refusal.js';
import type {
  Provider,
  ProviderIdentity,
  RefreshedTokensOnly,
  RefreshResult,
} from '../../../src/providers/types.js';
import { makeSession, NOW, SECRET_A } from '../session/sessionFixtures.js';
import { deriveSealPasswords } from '../../../src/session/secrets.js';

const log = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
const store = new CookieSessionStore({
  cookieName: '_authgate',
  passwords: deriveSealPasswords([SECRET_A]),
  csrfPasswords: deriveSealPasswords([SECRET_A], 'csrf'),
  cookieDomains: [],
  cookiePath: '/',
  cookieSecure: true,
  cookieHttpOnly: true,
  cookieSameSite: 'lax',
  csrfExpireSeconds: 900,
});

/** A provider whose refresh answers what the test says: the network part is covered by integration tests. */
function providerAnswering(answer: (calls: number) => RefreshResult | Error): Provider & { calls: number } {
  const p = {
    calls: 0,
    type: 'oidc',
    displayName: 'Test',
    isReady: () => true,
    start: () => undefined,
    stop: () => undefined,
    authorizationUrl: () => new URL('https://issuer.example/auth'),
    redeem: () => Promise.reject(new Error('not used')),
    refresh: async () => {
      p.calls += 1;
      const a = answer(p.calls);
      if (a instanceof Error) throw a;
      return a;
    },
  };
  return p;
}

const renewed = (over: Partial<ProviderIdentity> = {}): ProviderIdentity => ({
  sub: 'alice',
  email: 'alice@example.com',
  emailVerified: true,
  preferredUsername: 'alice',
  groups: ['dev'],
  idToken: 'new.id.token',
  accessToken: '',
  refreshToken: 'new-refresh',
  tokenExpiresAt: NOW + 3600,
  ...over,
});

/** A refresh answer without an ID token (OIDC Core 12.2). */
const tokensOnly = (over: Partial<RefreshedTokensOnly> = {}): RefreshedTokensOnly => ({
  idTokenMissing: true,
  accessToken: 'new-access',
  refreshToken: 'new-refresh',
  expiresIn: 300,
  ...over,
});

/** A logger that keeps its lines, to read warnings and audit lines back. */
function capturingLog() {
  const lines: string[] = [];
  const sink = new Writable({
    write: (chunk: Buffer, _e, cb) => {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { log: createLogger('info', sink), text: () => lines.join('') };
}

async function sealedSession() {
  // The ID token (fixture) expires at NOW + 3600; the session is due for its refresh at NOW + 10.
  const session = makeSession({ sub: 'alice', refreshToken: 'old-refresh', tokenExpiresAt: NOW + 10 });
  const [cookie] = await store.save(session, 'app.example.com', new Map(), NOW);
  const sealed = cookie!.split(';')[0]!.split('=').slice(1).join('=');
  return { state: session, sealed };
}

async function refresherWith(
  provider: Provider,
  opts: { keepAccessToken?: boolean; forwardsIdToken?: boolean; log?: typeof log } = {},
) {
  const refresher = new SessionRefresher({
    provider,
    sessions: store,
    log: opts.log ?? log,
    audit: new Audit(opts.log ?? log, new Metrics('test'), true),
    keepAccessToken: opts.keepAccessToken ?? false,
    forwardsIdToken: opts.forwardsIdToken ?? true,
  });
  return { refresher, loaded: await sealedSession() };
}

describe('SessionRefresher', () => {
  it('renews the tokens, keeps the subject and the absolute expiry, and hands back a new cookie', async () => {
    const provider = providerAnswering(() => renewed());
    const { refresher, loaded } = await refresherWith(provider);
    const out = await refresher.refresh(loaded, 'app.example.com', new Map(), NOW);
    expect(out.kind).toBe('refreshed');
    if (out.kind !== 'refreshed') return;
    expect(out.session).toMatchObject({ sub: 'alice', idToken: 'new.id.token', refreshToken: 'new-refresh' });
    expect(out.session.expiresAt).toBe(loaded.state.expiresAt);
    expect(out.setCookies[0]).toMatch(/^_authgate=/);
  });

  it('ends the session when the refreshed ID token names another subject', async () => {
    const { refresher, loaded } = await refresherWith(providerAnswering(() => renewed({ sub: 'mallory' })));
    expect(await refresher.refresh(loaded, 'app.example.com', new Map(), NOW)).toEqual({
      kind: 'ended',
      reason: 'subject_changed',
    });
  });

  it('shares one refresh between concurrent callers and remembers a refusal', async () => {
    const provider = providerAnswering(() => new ProviderError('invalid_grant', 'refused', 401));
    const { refresher, loaded } = await refresherWith(provider);
    const outs = await Promise.all([1, 2, 3].map(() => refresher.refresh(loaded, 'h', new Map(), NOW)));
    expect(outs.every((o) => o.kind === 'ended')).toBe(true);
    expect(await refresher.refresh(loaded, 'h', new Map(), NOW + 5)).toMatchObject({ kind: 'ended' });
    expect(provider.calls).toBe(1);
  });

  it('ends the session (not a 503 failure) when the provider says the account may no longer enter', async () => {
    const who = { user: 'alice', email: 'alice@example.com' };
    const provider = providerAnswering(() => new AccessRefusedError('google_group', who));
    const { log: capture, text } = capturingLog();
    const { refresher, loaded } = await refresherWith(provider, { log: capture });
    expect(await refresher.refresh(loaded, 'h', new Map(), NOW)).toEqual({
      kind: 'ended',
      reason: 'google_group',
    });
    // Remembered like any ending: the next request does not ask the provider again.
    expect(await refresher.refresh(loaded, 'h', new Map(), NOW + 5)).toMatchObject({ kind: 'ended' });
    expect(provider.calls).toBe(1);
    expect(text()).toMatch(
      /"outcome":"ended"[^\n]*"reason":"google_group"|"reason":"google_group"[^\n]*"outcome":"ended"/,
    );
  });
});

describe('SessionRefresher: a refresh answer without an ID token (OIDC Core 12.2)', () => {
  it('keeps the identity and the ID token, takes the new tokens and the access token expiry', async () => {
    const { refresher, loaded } = await refresherWith(
      providerAnswering(() => tokensOnly()),
      {
        keepAccessToken: true,
      },
    );
    const out = await refresher.refresh(loaded, 'app.example.com', new Map(), NOW);
    expect(out.kind).toBe('refreshed');
    if (out.kind !== 'refreshed') return;
    expect(out.session).toEqual({
      ...loaded.state,
      accessToken: 'new-access',
      refreshToken: 'new-refresh',
      tokenExpiresAt: NOW + 300,
      refreshedAt: NOW,
    });
    expect(out.setCookies[0]).toMatch(/^_authgate=/);
  });

  it('keeps the old refresh token when no new one came, and no access token without --pass-access-token', async () => {
    const { refresher, loaded } = await refresherWith(
      providerAnswering(() => tokensOnly({ refreshToken: '' })),
    );
    const out = await refresher.refresh(loaded, 'app.example.com', new Map(), NOW);
    if (out.kind !== 'refreshed') throw new Error(`expected refreshed, got ${out.kind}`);
    expect(out.session).toMatchObject({ refreshToken: 'old-refresh', accessToken: '' });
  });

  it('takes the groups a provider re-checked without an ID token (Google directory), else keeps them', async () => {
    const { refresher, loaded } = await refresherWith(
      providerAnswering(() => tokensOnly({ groups: ['ops'] })),
    );
    expect(loaded.state.groups).not.toEqual(['ops']);
    const out = await refresher.refresh(loaded, 'app.example.com', new Map(), NOW);
    if (out.kind !== 'refreshed') throw new Error(`expected refreshed, got ${out.kind}`);
    expect(out.session.groups).toEqual(['ops']);

    const plain = await refresherWith(providerAnswering(() => tokensOnly()));
    const kept = await plain.refresher.refresh(plain.loaded, 'app.example.com', new Map(), NOW);
    if (kept.kind !== 'refreshed') throw new Error(`expected refreshed, got ${kept.kind}`);
    expect(kept.session.groups).toEqual(plain.loaded.state.groups);
  });

  it("without expires_in the next refresh comes after the kept ID token's lifetime, not on every request", async () => {
    const { refresher, loaded } = await refresherWith(providerAnswering(() => tokensOnly({ expiresIn: 0 })));
    // The fixture's ID token was issued at NOW and expires at NOW + 3600; the refresh happens at NOW + 100.
    const out = await refresher.refresh(loaded, 'app.example.com', new Map(), NOW + 100);
    if (out.kind !== 'refreshed') throw new Error(`expected refreshed, got ${out.kind}`);
    expect(out.session.tokenExpiresAt).toBe(NOW + 100 + 3600);
    // margin 60 s, default --cookie-refresh=0: not due right after, due again before that lifetime is over, so
    // the issuer keeps being asked (revocation, group removal) although nothing says when the tokens expire.
    expect(needsRefresh(out.session, NOW + 101, 60, 0)).toBe(false);
    expect(needsRefresh(out.session, NOW + 100 + 3600 - 60, 60, 0)).toBe(true);
  });

  it('without expires_in and without a readable ID token lifetime, --cookie-refresh decides', async () => {
    const { refresher, loaded } = await refresherWith(providerAnswering(() => tokensOnly({ expiresIn: 0 })));
    const opaque = { ...loaded, state: { ...loaded.state, idToken: 'not-a-jwt' } };
    const out = await refresher.refresh(opaque, 'app.example.com', new Map(), NOW);
    if (out.kind !== 'refreshed') throw new Error(`expected refreshed, got ${out.kind}`);
    expect(out.session.tokenExpiresAt).toBe(0);
    expect(needsRefresh(out.session, NOW + 86_400, 60, 0)).toBe(false);
    expect(needsRefresh(out.session, NOW + 3599, 60, 3600)).toBe(false);
    expect(needsRefresh(out.session, NOW + 3600, 60, 3600)).toBe(true);
  });

  it('warns once that the kept ID token is forwarded past its expiry, naming the fix and no token', async () => {
    const { log: captured, text } = capturingLog();
    // expires_in 7200 s outlives the kept ID token (exp NOW + 3600)
    const provider = providerAnswering(() => tokensOnly({ expiresIn: 7200 }));
    const { refresher, loaded } = await refresherWith(provider, { log: captured, keepAccessToken: true });
    const second = await sealedSession();
    expect((await refresher.refresh(loaded, 'h', new Map(), NOW)).kind).toBe('refreshed');
    expect((await refresher.refresh(second, 'h', new Map(), NOW)).kind).toBe('refreshed');
    expect(provider.calls).toBe(2);
    const warnings = text()
      .split('\n')
      .filter((l) => l.includes('id_token_not_refreshed'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('--kube-impersonation');
    for (const secret of [loaded.state.idToken, 'old-refresh', 'new-refresh', 'new-access']) {
      expect(text()).not.toContain(secret);
    }
    expect(text().match(/"audit":"refresh","outcome":"success"/g)).toHaveLength(2);
  });

  it('does not warn when the ID token is not forwarded, or outlives the new expiry', async () => {
    for (const [forwardsIdToken, expiresIn] of [
      [false, 7200],
      [true, 300],
    ] as const) {
      const { log: captured, text } = capturingLog();
      const provider = providerAnswering(() => tokensOnly({ expiresIn }));
      const { refresher, loaded } = await refresherWith(provider, { log: captured, forwardsIdToken });
      expect((await refresher.refresh(loaded, 'h', new Map(), NOW)).kind).toBe('refreshed');
      expect(text()).not.toContain('id_token_not_refreshed');
    }
  });
});
