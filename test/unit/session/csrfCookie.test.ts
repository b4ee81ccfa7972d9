import { describe, expect, it } from '@jest/globals';
import { sealValue } from '../../../src/session/seal.js';
import { deriveCsrfPasswords, deriveSealPasswords } from '../../../src/session/secrets.js';
import { NOW, SECRET_A, makeCsrf } from './sessionFixtures.js';
import { HOST, applySetCookies, makeStore } from './storeFixtures.js';

describe('CookieSessionStore CSRF cookies', () => {
  it('names the cookie per attempt, from the state parameter', () => {
    const store = makeStore();
    const first = store.csrfCookieName('state-one');
    expect(first).toMatch(/^_oauth2_proxy_csrf_[A-Za-z0-9_-]{8}$/);
    expect(store.csrfCookieName('state-one')).toBe(first);
    expect(store.csrfCookieName('state-two')).not.toBe(first);
  });

  it('seals with SameSite=Lax whatever --cookie-samesite says, and Max-Age = --cookie-csrf-expire', async () => {
    const csrf = makeCsrf({ expiresAt: NOW + 3600 });
    const { name, setCookie } = await makeStore({ csrfExpireSeconds: 900 }).sealCsrf(csrf, HOST, NOW);
    expect(name).toBe(makeStore().csrfCookieName(csrf.state));
    expect(setCookie).toContain('; Domain=example.com; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Lax');
  });

  it('opens the cookie of the attempt the callback names', async () => {
    const store = makeStore();
    const one = makeCsrf();
    const two = makeCsrf();
    let jar = new Map<string, string>();
    for (const csrf of [one, two])
      jar = applySetCookies(jar, [(await store.sealCsrf(csrf, HOST, NOW)).setCookie]);
    expect(await store.openCsrf(jar, one.state, NOW)).toEqual(one);
    expect(await store.openCsrf(jar, two.state, NOW)).toEqual(two);
  });

  it('answers null for an unknown state, or a cookie moved under another state', async () => {
    const store = makeStore();
    const csrf = makeCsrf();
    const { name, setCookie } = await store.sealCsrf(csrf, HOST, NOW);
    const jar = applySetCookies(new Map(), [setCookie]);
    expect(await store.openCsrf(jar, 'another-state', NOW)).toBeNull();
    expect(await store.openCsrf(jar, '', NOW)).toBeNull();
    const moved = new Map([[store.csrfCookieName('another-state'), jar.get(name) ?? '']]);
    expect(await store.openCsrf(moved, 'another-state', NOW)).toBeNull();
  });

  it('answers null once the attempt has expired', async () => {
    const store = makeStore();
    const csrf = makeCsrf({ expiresAt: NOW + 300 });
    const jar = applySetCookies(new Map(), [(await store.sealCsrf(csrf, HOST, NOW)).setCookie]);
    expect(await store.openCsrf(jar, csrf.state, NOW + 299)).not.toBeNull();
    expect(await store.openCsrf(jar, csrf.state, NOW + 300)).toBeNull();
  });

  it('never accepts a CSRF state sealed with the session passwords', async () => {
    const store = makeStore();
    const csrf = makeCsrf();
    const planted = await sealValue(csrf, deriveSealPasswords([SECRET_A]), 900);
    const jar = new Map([[store.csrfCookieName(csrf.state), planted]]);
    expect(await store.openCsrf(jar, csrf.state, NOW)).toBeNull();
    // The same value sealed with the CSRF passwords opens: only the purpose differs.
    jar.set(store.csrfCookieName(csrf.state), await sealValue(csrf, deriveCsrfPasswords([SECRET_A]), 900));
    expect(await store.openCsrf(jar, csrf.state, NOW)).toEqual(csrf);
  });

  it('refuses to seal an expired attempt, and clears with SameSite=Lax', async () => {
    const store = makeStore();
    await expect(store.sealCsrf(makeCsrf({ expiresAt: NOW }), HOST, NOW)).rejects.toMatchObject({
      code: 'csrf_invalid',
    });
    const cleared = store.clearCsrf('state-one', HOST);
    expect(cleared).toMatch(
      /^_oauth2_proxy_csrf_[A-Za-z0-9_-]{8}=; Domain=example\.com; Path=\/; Max-Age=0;/,
    );
    expect(cleared).toContain('SameSite=Lax');
  });

  it('refuses a sign-in state too large for one cookie', async () => {
    const csrf = makeCsrf({ redirect: `/${'x'.repeat(5000)}` });
    await expect(makeStore().sealCsrf(csrf, HOST, NOW)).rejects.toMatchObject({ code: 'cookie_too_large' });
  });
});
