/** Shared builders for the session tests: realistic sessions and deterministic secrets. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { CsrfState, SessionState } from '../../../src/session/types.js';

export const NOW = 1_900_000_000;
export const SECRET_A = new Uint8Array(Buffer.from('A'.repeat(32)));
export const SECRET_B = new Uint8Array(Buffer.from('b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2', 'latin1'));
export const SECRET_C = new Uint8Array(randomBytes(16));

const WORDS = [
  'platform',
  'payments',
  'search',
  'infra',
  'data',
  'security',
  'mobile',
  'web',
  'ml',
  'billing',
];
const ROLES = ['dev', 'ops', 'admins', 'readers'];

/** `count` group names of the usual `team-role` kind. */
export function namedGroups(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `${WORDS[i % WORDS.length]}-${ROLES[i % ROLES.length]}-${i}`,
  );
}

/** `count` Azure-style object-id groups (they compress poorly). */
export function guidGroups(count: number): string[] {
  return Array.from({ length: count }, () => randomUUID());
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A JWT-shaped ID token (RS256-sized random signature) carrying the usual claims and `groups`. */
export function fakeIdToken(groups: readonly string[], sub = 'CgVhbGljZRIEbG9jYWw'): string {
  const header = { alg: 'RS256', kid: randomBytes(8).toString('hex'), typ: 'JWT' };
  const payload = {
    iss: 'https://dex.example.com',
    sub,
    aud: 'authgate',
    exp: NOW + 3600,
    iat: NOW,
    nonce: randomBytes(16).toString('base64url'),
    at_hash: randomBytes(16).toString('base64url'),
    email: 'alice@example.com',
    email_verified: true,
    name: 'Alice Smith',
    groups,
  };
  return `${b64(header)}.${b64(payload)}.${randomBytes(256).toString('base64url')}`;
}

export function makeSession(overrides: Partial<SessionState> = {}): SessionState {
  const groups = overrides.groups ?? ['k8s-admins', 'developers', 'oncall'];
  return {
    v: 1,
    sub: 'CgVhbGljZRIEbG9jYWw',
    email: 'alice@example.com',
    emailVerified: true,
    preferredUsername: 'alice',
    groups,
    idToken: fakeIdToken(groups, overrides.sub),
    accessToken: '',
    refreshToken: randomBytes(32).toString('base64url'),
    tokenExpiresAt: NOW + 3600,
    createdAt: NOW,
    expiresAt: NOW + 7 * 24 * 3600,
    refreshedAt: NOW,
    ...overrides,
  };
}

export function makeCsrf(overrides: Partial<CsrfState> = {}): CsrfState {
  return {
    v: 1,
    state: randomBytes(16).toString('base64url'),
    nonce: randomBytes(16).toString('base64url'),
    codeVerifier: randomBytes(32).toString('base64url'),
    redirect: '/dashboard/#/workloads',
    redirectUri: 'https://auth.example.com/oauth2/callback',
    expiresAt: NOW + 900,
    ...overrides,
  };
}

/** Flips the top bit of the base64url sextet at `index` (always changes the decoded bytes). */
export function flipSextet(sealed: string, index: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const char = sealed[index] ?? '';
  const value = alphabet.indexOf(char);
  const replacement = value === -1 ? 'A' : (alphabet[value ^ 32] ?? 'A');
  return sealed.slice(0, index) + replacement + sealed.slice(index + 1);
}
