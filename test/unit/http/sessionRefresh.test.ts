import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { SessionRefresher } from '../../../src/http/sessionRefresh.js';
import { CookieSessionStore } from '../../../src/session/cookieStore.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Audit } from '../../../src/observability/audit.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { ProviderError } from '../../../src/errors.js';
import type { Provider, ProviderIdentity } from '../../../src/providers/types.js';
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
function providerAnswering(
  answer: (calls: number) => ProviderIdentity | Error,
): Provider & { calls: number } {
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

async function refresherWith(provider: Provider) {
  const session = makeSession({ sub: 'alice', refreshToken: 'old-refresh', tokenExpiresAt: NOW + 10 });
  const [cookie] = await store.save(session, 'app.example.com', new Map(), NOW);
  const sealed = cookie!.split(';')[0]!.split('=').slice(1).join('=');
  const refresher = new SessionRefresher({
    provider,
    sessions: store,
    log,
    audit: new Audit(log, new Metrics('test'), true),
    keepAccessToken: false,
  });
  return { refresher, loaded: { state: session, sealed } };
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
});
