/**
 * Shape checks for what comes out of a seal. A seal proves the data was written by authgate, not that it was
 * written by this version of authgate: a cookie from an older or newer release must read as "no session" rather
 * than crash a handler with a missing field. Only known fields are copied, so stray keys never travel further.
 */
import type { CsrfState, SessionState } from './types.js';

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** A frozen SessionState built from `value`, or null when any field is missing or of the wrong type. */
export function parseSessionState(value: unknown): SessionState | null {
  if (!isRecord(value) || value.v !== 1) return null;
  const { sub, email, emailVerified, preferredUsername, groups, idToken, accessToken, refreshToken } = value;
  const { tokenExpiresAt, createdAt, expiresAt, refreshedAt } = value;
  if (typeof sub !== 'string' || sub === '') return null;
  if (typeof email !== 'string' || typeof preferredUsername !== 'string') return null;
  if (emailVerified !== null && typeof emailVerified !== 'boolean') return null;
  if (!isStringArray(groups)) return null;
  if (typeof idToken !== 'string' || typeof accessToken !== 'string' || typeof refreshToken !== 'string') {
    return null;
  }
  if (!isTime(tokenExpiresAt) || !isTime(createdAt) || !isTime(expiresAt) || !isTime(refreshedAt))
    return null;
  return Object.freeze({
    v: 1,
    sub,
    email,
    emailVerified,
    preferredUsername,
    groups: Object.freeze([...groups]),
    idToken,
    accessToken,
    refreshToken,
    tokenExpiresAt,
    createdAt,
    expiresAt,
    refreshedAt,
  });
}

/** A frozen CsrfState built from `value`, or null when any field is missing or of the wrong type. */
export function parseCsrfState(value: unknown): CsrfState | null {
  if (!isRecord(value) || value.v !== 1) return null;
  const { state, nonce, codeVerifier, redirect, redirectUri, expiresAt } = value;
  if (typeof state !== 'string' || state === '') return null;
  if (typeof nonce !== 'string' || typeof codeVerifier !== 'string') return null;
  if (typeof redirect !== 'string' || typeof redirectUri !== 'string') return null;
  if (!isTime(expiresAt)) return null;
  return Object.freeze({ v: 1, state, nonce, codeVerifier, redirect, redirectUri, expiresAt });
}
