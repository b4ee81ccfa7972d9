/**
 * Sealing (encrypt + MAC, iron via iron-session 9) of cookie values.
 *
 * Unsealing never throws and answers null for every kind of failure (tampered, truncated, unknown password id,
 * expired, garbage, not an object): a bad cookie is simply "no session", and the reason is not worth telling an
 * attacker. iron-session itself answers `{}` on failure, which is indistinguishable from a sealed empty object,
 * so failures are detected through its `onUnsealError` hook instead.
 */
import { sealData, unsealData } from 'iron-session';
import { AuthgateError } from '../errors.js';
import type { SealPasswords } from './secrets.js';
import { decodeSessionPayload, encodeSessionPayload } from './sessionCodec.js';
import { parseSessionState } from './shape.js';
import type { SessionState } from './types.js';

/** Longer values are refused before any crypto: no session comes close (see chunks.ts for the cookie limits). */
const MAX_SEALED_LENGTH = 64 * 1024;
/**
 * The exact layout iron-session 9 writes: `Fe26.2*<id>*<salt>*<iv>*<data>*<expiry>*<salt>*<mac>~2`. Checked
 * up front so garbage costs a regex, not a key derivation; numeric ids also keep lookups off prototype keys.
 */
const SEAL_LAYOUT =
  /^Fe26\.2\*[0-9]+\*[A-Za-z0-9_-]+\*[A-Za-z0-9_-]+\*[A-Za-z0-9_-]+\*[0-9]*\*[A-Za-z0-9_-]+\*[A-Za-z0-9_-]+~2$/;

/** Current time in epoch seconds, the unit of every time in SessionState and CsrfState. */
export function currentEpochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Seals `value` (a JSON-serialisable object) with the current password, valid for `ttlSeconds` (rounded up,
 * at least 1). Throws only on programming errors: a non-finite ttl, or a value that is not JSON.
 */
export async function sealValue<T>(value: T, passwords: SealPasswords, ttlSeconds: number): Promise<string> {
  const password = passwords.passwords[passwords.sealId];
  if (password === undefined) throw new AuthgateError('config_invalid', 'the sealing password is missing');
  if (!Number.isFinite(ttlSeconds)) throw new AuthgateError('seal_invalid', 'seal lifetime must be finite');
  // A one-entry map: iron-session seals with the highest id, and ours are fingerprints, not an order.
  return sealData(value, {
    password: { [passwords.sealId]: password },
    ttl: Math.max(1, Math.ceil(ttlSeconds)),
  });
}

/**
 * Opens a seal made by `sealValue` with any of `passwords`. Null for every failure; never throws.
 * The expiry checked is the one written into the seal (iron allows 60 s of clock skew past it).
 */
export async function unsealValue<T extends object>(
  sealed: string,
  passwords: SealPasswords,
): Promise<T | null> {
  try {
    if (typeof sealed !== 'string' || sealed.length > MAX_SEALED_LENGTH || !SEAL_LAYOUT.test(sealed))
      return null;
    let failed = false;
    const value: unknown = await unsealData<unknown>(sealed, {
      password: { ...passwords.passwords },
      onUnsealError: () => {
        failed = true;
      },
    });
    if (failed || typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    return value as T;
  } catch {
    return null;
  }
}

/**
 * Seals a session until its `expiresAt`. Throws AuthgateError `session_invalid` for a malformed state and
 * `session_expired` when `expiresAt` <= now: saving either is a caller bug (the store clears instead).
 */
export async function sealSession(
  state: SessionState,
  passwords: SealPasswords,
  nowSeconds: number = currentEpochSeconds(),
): Promise<string> {
  const checked = parseSessionState(state);
  if (checked === null) throw new AuthgateError('session_invalid', 'session state is malformed');
  const ttl = checked.expiresAt - nowSeconds;
  if (ttl <= 0) throw new AuthgateError('session_expired', 'session has already expired');
  return sealValue(encodeSessionPayload(checked), passwords, ttl);
}

/** The session in `sealed`, or null when it does not open, has the wrong shape, or `expiresAt` <= now. */
export async function unsealSession(
  sealed: string,
  passwords: SealPasswords,
  nowSeconds: number = currentEpochSeconds(),
): Promise<SessionState | null> {
  const payload = await unsealValue<object>(sealed, passwords);
  if (payload === null) return null;
  const state = parseSessionState(decodeSessionPayload(payload));
  return state !== null && state.expiresAt > nowSeconds ? state : null;
}
