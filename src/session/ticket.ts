/**
 * Tickets of server-side sessions, and the encryption of the records they point to. Pure (node:crypto only).
 *
 * With --session-store-type=redis the browser's cookie holds only a sealed ticket: a random record id plus a
 * random 256-bit key. The record in the store is the SessionState encrypted with AES-256-GCM under that key,
 * so whoever reads the store (a dump, a backup, a replica) sees neither tokens nor emails; only a request that
 * carries the ticket can open its own record. The record's name is derived from a hash of the id, so it does
 * not reveal the id either, and the name is bound into the cipher (AAD): a record copied under another name
 * does not open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { sealValue, unsealValue } from './seal.js';
import type { SealPasswords } from './secrets.js';
import { parseSessionState } from './shape.js';
import { UnsealCache } from './unsealCache.js';
import type { SessionState } from './types.js';

export interface Ticket {
  readonly v: 1;
  /** 128-bit random record id, base64url. */
  readonly id: string;
  /** 256-bit random AES key of the record, base64url. */
  readonly key: string;
  /** The session's absolute end (epoch seconds): the ticket is useless after it. */
  readonly exp: number;
}

const ID_BYTES = 16;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const RECORD_PREFIX = 'v1.';
/** A sealed ticket is about 300 characters; anything far larger is not one (checked before any crypto). */
export const MAX_TICKET_LENGTH = 2048;

const B64URL = /^[A-Za-z0-9_-]+$/;

export function newTicket(expiresAt: number): Ticket {
  return Object.freeze({
    v: 1,
    id: randomBytes(ID_BYTES).toString('base64url'),
    key: randomBytes(KEY_BYTES).toString('base64url'),
    exp: expiresAt,
  });
}

/** The ticket in `value` (an unsealed object), or null when it is not exactly a ticket. */
export function parseTicket(value: unknown): Ticket | null {
  if (typeof value !== 'object' || value === null) return null;
  const { v, id, key, exp } = value as Record<string, unknown>;
  if (v !== 1 || typeof id !== 'string' || typeof key !== 'string') return null;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= 0) return null;
  if (!B64URL.test(id) || Buffer.from(id, 'base64url').length !== ID_BYTES) return null;
  if (!B64URL.test(key) || Buffer.from(key, 'base64url').length !== KEY_BYTES) return null;
  return Object.freeze({ v: 1, id, key, exp });
}

/** The cookie value for `ticket`: sealed with the session passwords until the session's end. */
export function sealTicket(ticket: Ticket, passwords: SealPasswords, nowSeconds: number): Promise<string> {
  return sealValue(ticket, passwords, ticket.exp - nowSeconds);
}

/** The ticket in a cookie value, or null for anything else (tampered, expired, a cookie-mode session). */
export async function openTicket(
  sealed: string,
  passwords: SealPasswords,
  nowSeconds: number,
): Promise<Ticket | null> {
  if (sealed.length > MAX_TICKET_LENGTH) return null;
  const ticket = parseTicket(await unsealValue<object>(sealed, passwords));
  return ticket !== null && ticket.exp > nowSeconds ? ticket : null;
}

/** `<prefix>-<hash of the id>`: the record's name in the store. */
export function recordName(prefix: string, ticket: Ticket): string {
  return `${prefix}-${createHash('sha256').update(ticket.id, 'utf8').digest('base64url')}`;
}

/** The record stored for `state`: `v1.<iv>.<tag>.<ciphertext>` (base64url), bound to `name`. */
export function encryptRecord(state: SessionState, ticket: Ticket, name: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(ticket.key, 'base64url'), iv);
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url'));
  return RECORD_PREFIX + parts.join('.');
}

/** The session in a record, or null when it does not decrypt under the ticket or is not a session. */
export function decryptRecord(record: string, ticket: Ticket, name: string): SessionState | null {
  try {
    if (!record.startsWith(RECORD_PREFIX)) return null;
    const [iv, tag, body, extra] = record.slice(RECORD_PREFIX.length).split('.');
    if (iv === undefined || tag === undefined || body === undefined || extra !== undefined) return null;
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) return null;
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(ticket.key, 'base64url'), ivBytes);
    decipher.setAAD(Buffer.from(name, 'utf8'));
    decipher.setAuthTag(tagBytes);
    const json = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
    return parseSessionState(JSON.parse(json.toString('utf8')));
  } catch {
    return null;
  }
}

/**
 * Unsealed tickets by the exact cookie value, so a cookie costs one iron unseal, not one per request; plus a
 * shorter list of values known not to open. The same bounded LRU as cookie sessions; entries end with their ticket.
 */
export class TicketCache extends UnsealCache<Ticket> {
  constructor(maxEntries = 10_000, maxFailures = 1_000, failureTtlSeconds = 60) {
    super({
      expiryOf: (ticket) => ticket.exp,
      maxEntries,
      maxNegativeEntries: maxFailures,
      negativeTtlSeconds: failureTtlSeconds,
    });
  }

  get size(): number {
    return this.stats().size;
  }
}
