/** Builders for the CookieSessionStore tests: a configured store and a minimal browser cookie jar. */
import { randomBytes } from 'node:crypto';
import { CookieSessionStore, type CookieSessionStoreConfig } from '../../../src/session/cookieStore.js';
import { deriveCsrfPasswords, deriveSealPasswords } from '../../../src/session/secrets.js';
import { SECRET_A, makeSession } from './sessionFixtures.js';

export const NAME = '_oauth2_proxy';
export const HOST = 'app.example.com';

export function makeStore(overrides: Partial<CookieSessionStoreConfig> = {}): CookieSessionStore {
  return new CookieSessionStore({
    cookieName: NAME,
    passwords: deriveSealPasswords([SECRET_A]),
    csrfPasswords: deriveCsrfPasswords([SECRET_A]),
    cookieDomains: ['example.com'],
    cookiePath: '/',
    cookieSecure: true,
    cookieHttpOnly: true,
    cookieSameSite: 'strict',
    csrfExpireSeconds: 900,
    ...overrides,
  });
}

/** What a browser's jar holds after these Set-Cookie headers: a Max-Age=0 deletes. */
export function applySetCookies(jar: Map<string, string>, headers: readonly string[]): Map<string, string> {
  const next = new Map(jar);
  for (const header of headers) {
    const [pair = ''] = header.split('; ');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    if (header.includes('; Max-Age=0')) next.delete(name);
    else next.set(name, pair.slice(eq + 1));
  }
  return next;
}

/** A session that seals to about 9 KB whatever compression does (a 6.5 KB random token): 3 chunks. */
export function threeChunkSession(sub = 'alice') {
  return makeSession({ sub, idToken: randomBytes(4900).toString('base64url') });
}
