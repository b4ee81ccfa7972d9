import { describe, expect, it } from '@jest/globals';
import type { Options } from '../../../src/config/options.js';
import { CookieSessionStore } from '../../../src/session/cookieStore.js';
import { parseCookieHeader, stripCookies } from '../../../src/session/cookies.js';
import { sealSession } from '../../../src/session/seal.js';
import { deriveSealPasswords } from '../../../src/session/secrets.js';
import { UnsealCache } from '../../../src/session/unsealCache.js';
import { NOW, SECRET_A, SECRET_B, makeCsrf, makeSession, namedGroups } from './sessionFixtures.js';
import { HOST, NAME, applySetCookies, makeStore, threeChunkSession } from './storeFixtures.js';

describe('CookieSessionStore save / load', () => {
  it('round-trips a session through Set-Cookie and Cookie', async () => {
    const store = makeStore();
    const state = makeSession();
    const headers = await store.save(state, HOST, new Map(), NOW);
    expect(headers).toHaveLength(1);
    const loaded = await makeStore().load(applySetCookies(new Map(), headers), NOW);
    expect(loaded?.state).toEqual(state);
  });

  it('writes the configured attributes, the selected domain and Max-Age = expiresAt - now', async () => {
    const [header] = await makeStore().save(
      makeSession({ expiresAt: NOW + 500 }),
      'a.example.com:443',
      new Map(),
      NOW,
    );
    expect(header).toMatch(/^_oauth2_proxy=Fe26\.2\*/);
    expect(header).toContain('; Domain=example.com; Path=/; Max-Age=500; HttpOnly; Secure; SameSite=Strict');
    const [hostOnly] = await makeStore().save(makeSession(), 'localhost:4180', new Map(), NOW);
    expect(hostOnly).not.toContain('Domain=');
  });

  it('fits a 40-group session with a ~1.5 KB ID token in one cookie', async () => {
    const state = makeSession({ groups: namedGroups(40) });
    expect(state.idToken.length).toBeGreaterThan(1300);
    const headers = await makeStore().save(state, HOST, new Map(), NOW);
    expect(headers).toHaveLength(1);
    expect((await makeStore().load(applySetCookies(new Map(), headers), NOW))?.state).toEqual(state);
  });

  it('chunks a large session and reads it back', async () => {
    const state = threeChunkSession();
    const jar = applySetCookies(new Map(), await makeStore().save(state, HOST, new Map(), NOW));
    expect([...jar.keys()]).toEqual([`${NAME}_0`, `${NAME}_1`, `${NAME}_2`]);
    expect((await makeStore().load(jar, NOW))?.state).toEqual(state);
  });

  it('clears stale chunks when a session shrinks from 3 chunks to 1', async () => {
    const store = makeStore();
    const big = applySetCookies(new Map(), await store.save(threeChunkSession(), HOST, new Map(), NOW));
    const small = makeSession();
    const headers = await store.save(small, HOST, big, NOW);
    expect(headers.filter((header) => header.includes('Max-Age=0'))).toHaveLength(3);
    const jar = applySetCookies(big, headers);
    expect([...jar.keys()]).toEqual([NAME]);
    expect((await makeStore().load(jar, NOW))?.state).toEqual(small);
  });

  it('clears the bare cookie when a session grows into chunks', async () => {
    const store = makeStore();
    const small = applySetCookies(new Map(), await store.save(makeSession(), HOST, new Map(), NOW));
    const jar = applySetCookies(small, await store.save(threeChunkSession(), HOST, small, NOW));
    expect(jar.has(NAME)).toBe(false);
    expect(jar.size).toBe(3);
  });

  it('answers null when a middle chunk is missing', async () => {
    const jar = applySetCookies(new Map(), await makeStore().save(threeChunkSession(), HOST, new Map(), NOW));
    jar.delete(`${NAME}_1`);
    expect(await makeStore().load(jar, NOW)).toBeNull();
  });

  it("answers null, never the other user's identity, when chunks are swapped between two sessions", async () => {
    const store = makeStore();
    const alice = applySetCookies(
      new Map(),
      await store.save(threeChunkSession('alice'), HOST, new Map(), NOW),
    );
    const bob = applySetCookies(new Map(), await store.save(threeChunkSession('bob'), HOST, new Map(), NOW));
    for (const swapped of [`${NAME}_0`, `${NAME}_1`, `${NAME}_2`]) {
      const mixed = new Map(alice);
      mixed.set(swapped, bob.get(swapped) ?? '');
      expect(await makeStore().load(mixed, NOW)).toBeNull();
    }
  });

  it('answers null for no cookie, a foreign cookie and an expired session', async () => {
    const store = makeStore();
    expect(await store.load(new Map(), NOW)).toBeNull();
    const foreign = await sealSession(makeSession(), deriveSealPasswords([SECRET_B]), NOW);
    expect(await store.load(new Map([[NAME, foreign]]), NOW)).toBeNull();
    const jar = applySetCookies(
      new Map(),
      await store.save(makeSession({ expiresAt: NOW + 60 }), HOST, new Map(), NOW),
    );
    expect(await store.load(jar, NOW + 59)).not.toBeNull();
    expect(await store.load(jar, NOW + 60)).toBeNull();
  });

  it('clears instead of saving an already expired session', async () => {
    const headers = await makeStore().save(makeSession({ expiresAt: NOW }), HOST, new Map(), NOW);
    expect(headers).toEqual([
      expect.stringMatching(/^_oauth2_proxy=; Domain=example\.com; Path=\/; Max-Age=0/),
    ]);
  });
});

describe('CookieSessionStore unseal cache', () => {
  it('answers from the cache without unsealing', async () => {
    const cache = new UnsealCache();
    const state = makeSession();
    // This string cannot be unsealed: only a cache hit can turn it into a session.
    cache.set('not-a-seal', state);
    const loaded = await makeStore({ cache }).load(new Map([[NAME, 'not-a-seal']]), NOW);
    expect(loaded).toEqual({ state, sealed: 'not-a-seal' });
    expect(cache.stats().hits).toBe(1);
  });

  it('unseals a cookie once, then serves it from the cache', async () => {
    const cache = new UnsealCache();
    const sealed = await sealSession(makeSession(), deriveSealPasswords([SECRET_A]), NOW);
    const store = makeStore({ cache });
    for (let i = 0; i < 5; i += 1) expect(await store.load(new Map([[NAME, sealed]]), NOW)).not.toBeNull();
    expect(cache.stats()).toMatchObject({ misses: 1, hits: 4, size: 1 });
  });

  it('puts a saved session in the cache, so the next request does not unseal it', async () => {
    const cache = new UnsealCache();
    const store = makeStore({ cache });
    const jar = applySetCookies(new Map(), await store.save(makeSession(), HOST, new Map(), NOW));
    expect(await store.load(jar, NOW)).not.toBeNull();
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 0 });
  });

  it('does not serve an expired cached session', async () => {
    const cache = new UnsealCache();
    cache.set('sealed', makeSession({ expiresAt: NOW + 5 }));
    expect(await makeStore({ cache }).load(new Map([[NAME, 'sealed']]), NOW + 5)).toBeNull();
  });

  it('remembers garbage cookies, and a valid cookie still loads afterwards', async () => {
    const cache = new UnsealCache();
    const store = makeStore({ cache });
    const garbage = new Map([[NAME, 'Fe26.2*1*a*b*c**d*e~2']]);
    expect(await store.load(garbage, NOW)).toBeNull();
    expect(await store.load(garbage, NOW)).toBeNull();
    expect(cache.stats().negativeHits).toBe(1);
    const jar = applySetCookies(new Map(), await makeStore().save(makeSession(), HOST, new Map(), NOW));
    expect(await store.load(jar, NOW)).not.toBeNull();
  });

  it('forgets a session on clear and on forget', async () => {
    const cache = new UnsealCache();
    cache.set('sealed', makeSession());
    const store = makeStore({ cache });
    store.clear(HOST, new Map([[NAME, 'sealed']]));
    expect(cache.stats().size).toBe(0);
    cache.set('other', makeSession());
    store.forget('other');
    expect(cache.stats().size).toBe(0);
  });
});

describe('CookieSessionStore clear / ownsCookie', () => {
  it('clears the base name and every chunk present, on the selected domain', async () => {
    const jar = new Map([
      [`${NAME}_0`, 'a'],
      [`${NAME}_1`, 'b'],
      ['theme', 'dark'],
    ]);
    const headers = makeStore().clear(HOST, jar);
    expect(headers.map((header) => header.split('=')[0])).toEqual([NAME, `${NAME}_0`, `${NAME}_1`]);
    for (const header of headers) expect(header).toContain('; Domain=example.com; Path=/; Max-Age=0;');
  });

  it("recognises authgate's cookies so they can be stripped before the upstream", () => {
    const store = makeStore();
    for (const name of [NAME, `${NAME}_0`, `${NAME}_12`, `${NAME}_csrf`, `${NAME}_csrf_AbC-_123`]) {
      expect(store.ownsCookie(name)).toBe(true);
    }
    for (const name of ['theme', `${NAME}x`, `${NAME}_x`, `x${NAME}`, '_oauth2']) {
      expect(store.ownsCookie(name)).toBe(false);
    }
    const header = `${NAME}_0=a; theme=dark; ${NAME}_csrf_abcdefgh=c; ${NAME}_1=b`;
    expect(stripCookies(header, (name) => store.ownsCookie(name))).toBe('theme=dark');
  });
});

describe('CookieSessionStore.fromOptions', () => {
  it('builds a working store from Options (milliseconds converted to seconds)', async () => {
    const options = {
      cookieSecrets: [SECRET_B, SECRET_A],
      cookieName: '_authgate',
      cookieDomains: [],
      cookiePath: '/',
      cookieSecure: false,
      cookieHttpOnly: true,
      cookieSameSite: '',
      cookieCsrfExpire: 15 * 60 * 1000,
    } as unknown as Options;
    const store = CookieSessionStore.fromOptions(options);
    const { setCookie } = await store.sealCsrf(makeCsrf({ expiresAt: NOW + 3600 }), HOST, NOW);
    expect(setCookie).toMatch(
      /^_authgate_csrf_.{8}=Fe26\.2\*.*; Path=\/; Max-Age=900; HttpOnly; SameSite=Lax$/,
    );
    const old = await sealSession(makeSession(), deriveSealPasswords([SECRET_A]), NOW);
    expect(await store.load(parseCookieHeader(`_authgate=${old}`), NOW)).not.toBeNull();
  });

  it('refuses to share one password between sessions and CSRF cookies', () => {
    const passwords = deriveSealPasswords([SECRET_A]);
    expect(() => makeStore({ passwords, csrfPasswords: passwords })).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });
});

describe('CookieSessionStore load memo (one per jar object)', () => {
  it('returns the same loaded session for the same jar, but never past the session expiry', async () => {
    const store = makeStore();
    const jar = applySetCookies(
      new Map(),
      await store.save(makeSession({ expiresAt: NOW + 100 }), HOST, new Map(), NOW),
    );
    const first = await store.load(jar, NOW);
    expect(first).not.toBeNull();
    expect(await store.load(jar, NOW + 50)).toBe(first);
    expect(await store.load(jar, NOW + 100)).toBeNull();
  });

  it('is keyed by the jar object: a jar with a different seal is read from its own cookies', async () => {
    const store = makeStore();
    const alice = applySetCookies(
      new Map(),
      await store.save(makeSession({ sub: 'alice' }), HOST, new Map(), NOW),
    );
    const bob = applySetCookies(
      new Map(),
      await store.save(makeSession({ sub: 'bob' }), HOST, new Map(), NOW),
    );
    expect((await store.load(alice, NOW))?.state.sub).toBe('alice');
    expect((await store.load(bob, NOW))?.state.sub).toBe('bob');
    const tampered = new Map([[NAME, `${alice.get(NAME)!.slice(0, -2)}xx`]]);
    expect(await store.load(tampered, NOW)).toBeNull();
  });

  it('is dropped by forget() and clear(), so a replaced or signed-out seal is read afresh', async () => {
    const cache = new UnsealCache();
    const store = makeStore({ cache });
    const jar = applySetCookies(new Map(), await store.save(makeSession(), HOST, new Map(), NOW));
    const first = await store.load(jar, NOW);
    store.forget(first!.sealed);
    const afterForget = await store.load(jar, NOW);
    expect(afterForget).not.toBe(first);
    expect(afterForget?.state).toEqual(first?.state);
    store.clear(HOST, jar);
    expect(await store.load(jar, NOW)).not.toBe(afterForget);
  });
});
