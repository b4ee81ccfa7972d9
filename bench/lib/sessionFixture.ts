/**
 * Realistic signed-in sessions for the benchmark: a ~1.5 KB RS256-shaped ID token, 20 groups (the issue's
 * "realistic size"), and a larger variant whose seal needs three cookie chunks (many GUID groups, as Azure AD
 * sends them). The upstream does not verify tokens, so the JWT only has to look and weigh like one.
 */
import { createHash } from 'node:crypto';
import type { SessionState } from '../../src/session/types.js';

export const ID_TOKEN_BYTES = 1500;
export const STANDARD_GROUPS = 20;

const b64 = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** Deterministic pseudo-random bytes, so every run seals sessions of the same size. */
function bytesFrom(seed: string, length: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < length; i += 1)
    out.push(createHash('sha256').update(`${seed}:${i}`).digest());
  return Buffer.concat(out).subarray(0, length);
}

/** A GUID derived from `seed` (stable across runs). */
export function guidFrom(seed: string): string {
  const h = bytesFrom(seed, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** `header.payload.signature` of exactly `totalBytes` characters, with the claims of a real OIDC ID token. */
export function jwtShapedToken(nowSeconds: number, email: string, totalBytes = ID_TOKEN_BYTES): string {
  const header = b64(JSON.stringify({ alg: 'RS256', kid: 'bench-signing-key-2024', typ: 'JWT' }));
  const signature = b64(bytesFrom('signature', 256)); // RS256 with a 2048-bit key: 342 characters
  const claims = {
    iss: 'https://login.example.com/realms/bench',
    sub: 'f3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    aud: 'authgate',
    exp: nowSeconds + 3600,
    iat: nowSeconds,
    auth_time: nowSeconds,
    nonce: b64(bytesFrom('nonce', 24)),
    at_hash: b64(bytesFrom('at_hash', 16)),
    email,
    email_verified: true,
    name: 'Bench User',
    preferred_username: 'bench',
    acr: '1',
    sid: guidFrom('sid'),
  };
  const fixed = header.length + 1 + 1 + signature.length;
  let filler = '';
  for (;;) {
    const payload = b64(JSON.stringify({ ...claims, ext: filler }));
    const missing = totalBytes - fixed - payload.length;
    if (missing <= 0) return `${header}.${payload.slice(0, payload.length + missing)}.${signature}`;
    filler += 'x'.repeat(Math.max(1, Math.floor((missing * 3) / 4)));
  }
}

/** Group names like a corporate directory's (about 25 characters each). */
export function namedGroups(count: number): string[] {
  const teams = ['platform', 'payments', 'identity', 'observability', 'data', 'mobile', 'frontend'];
  return Array.from(
    { length: count },
    (_, i) => `team-${teams[i % teams.length]}-engineers-${String(i).padStart(2, '0')}`,
  );
}

/** A signed-in session as a sign-in would leave it: valid for a week, its ID token for an hour. */
export function benchSession(nowSeconds: number, extraGuidGroups = 0): SessionState {
  const email = 'bench.user@example.com';
  return {
    v: 1,
    sub: 'f3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    email,
    emailVerified: true,
    preferredUsername: 'bench',
    groups: [
      ...namedGroups(STANDARD_GROUPS),
      ...Array.from({ length: extraGuidGroups }, (_, i) => guidFrom(`g${i}`)),
    ],
    idToken: jwtShapedToken(nowSeconds, email),
    accessToken: '',
    refreshToken: b64(bytesFrom('refresh', 96)),
    tokenExpiresAt: nowSeconds + 3600,
    createdAt: nowSeconds,
    expiresAt: nowSeconds + 7 * 24 * 3600,
    refreshedAt: nowSeconds,
  };
}

/** The Cookie request header carrying the `name=value` parts of Set-Cookie values, plus one of the app's own. */
export function cookieHeaderFrom(setCookies: readonly string[]): string {
  const pairs = setCookies.map((line) => line.split(';', 1)[0] ?? '').filter((pair) => !/=$/.test(pair));
  return [...pairs, 'app_theme=dark'].join('; ');
}
