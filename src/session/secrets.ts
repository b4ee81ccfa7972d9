/**
 * Turns the configured cookie secrets into iron-session passwords.
 *
 * The raw secrets are never used as passwords: each password is derived with HKDF-SHA256 under a fixed salt and a
 * purpose-specific info string. That gives every secret (16, 24 or 32 bytes) a full-length password (iron needs
 * >= 32 characters), and separates purposes: a session cookie sealed under the `session` password can never be
 * opened as a CSRF cookie, or the other way round, even though both come from the same secret.
 *
 * Password ids are derived from the secret itself rather than from its position in the list. With positional ids
 * (first = highest) retiring the oldest secret renumbers the others: [C, B, A] -> [C, B] moves C from id 3 to id 2,
 * so every cookie sealed with C (id 3 written in the seal) would stop opening and every user would be signed out.
 * A fingerprint id stays the same wherever the secret sits in the list, so secrets can be added at the front and
 * dropped from the end freely. Which password seals is therefore explicit (`sealId`: the first secret's).
 */
import { hkdfSync } from 'node:crypto';
import { AuthgateError } from '../errors.js';

/** What a password is used for: each purpose gets independent passwords. */
export type SealPurpose = 'session' | 'csrf';

/** The passwords for one purpose: the first secret's seals, every one unseals. */
export interface SealPasswords {
  /** Id of the password new seals are made with (the first configured secret's). */
  readonly sealId: string;
  /** Every password by id, `sealId`'s included. Ids are decimal strings, as iron-session expects. */
  readonly passwords: Readonly<Record<string, string>>;
}

const SALT = 'authgate cookie seal';
const INFO: Readonly<Record<SealPurpose, string>> = {
  session: 'authgate session seal v1',
  csrf: 'authgate csrf seal v1',
};
const ID_INFO = 'authgate seal password id v1';

function hkdf(secret: Uint8Array, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, SALT, info, length));
}

/**
 * A stable id for a secret: 48 bits of an HKDF output (a safe integer, so iron's numeric handling is exact).
 * It is written into every seal in clear, which is harmless: it reveals nothing about the secret.
 */
function passwordId(secret: Uint8Array): string {
  return String(hkdf(secret, ID_INFO, 6).readUIntBE(0, 6) + 1);
}

/**
 * Derives the passwords of one purpose from the cookie secrets (first = current, the rest only unseal).
 * Throws AuthgateError `config_invalid` when there is no secret, a secret is empty, or two different secrets
 * collide on their id (a 1 in 2^48 event, reported rather than silently dropping one).
 */
export function deriveSealPasswords(
  secrets: readonly Uint8Array[],
  purpose: SealPurpose = 'session',
): SealPasswords {
  const first = secrets[0];
  if (first === undefined)
    throw new AuthgateError('config_invalid', 'at least one cookie secret is required');
  const passwords: Record<string, string> = {};
  const owners = new Map<string, Uint8Array>();
  for (const secret of secrets) {
    if (secret.length === 0) throw new AuthgateError('config_invalid', 'a cookie secret is empty');
    const id = passwordId(secret);
    const owner = owners.get(id);
    if (owner !== undefined) {
      if (Buffer.compare(Buffer.from(owner), Buffer.from(secret)) === 0) continue; // the same secret listed twice
      throw new AuthgateError(
        'config_invalid',
        'two cookie secrets derive the same password id; replace one',
      );
    }
    owners.set(id, secret);
    passwords[id] = hkdf(secret, INFO[purpose], 32).toString('base64url');
  }
  return Object.freeze({ sealId: passwordId(first), passwords: Object.freeze(passwords) });
}

/** The CSRF cookie's passwords: same secrets, a different HKDF info, so they never open session cookies. */
export function deriveCsrfPasswords(secrets: readonly Uint8Array[]): SealPasswords {
  return deriveSealPasswords(secrets, 'csrf');
}
