/**
 * Cookie header parsing and Set-Cookie serialisation (RFC 6265), pure.
 *
 * Values are taken byte for byte: no percent-decoding, because every value authgate writes (iron seals) is
 * already cookie-safe, and decoding would make two different header strings read as the same cookie.
 */
import { AuthgateError } from '../errors.js';
import type { SameSite } from '../config/options.js';

/** RFC 7230 token: the characters a cookie name may use. */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 6265 cookie-octet: printable ASCII except space, DQUOTE, comma, semicolon and backslash. */
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
/** Domain and Path must not be able to end the attribute or start another one. */
const ATTRIBUTE_VALUE = /^[\x21-\x3A\x3C-\x7E]+$/;
const EPOCH = new Date(0);
const SAME_SITE: Readonly<Record<Exclude<SameSite, ''>, string>> = {
  lax: 'Lax',
  strict: 'Strict',
  none: 'None',
};

export interface CookieAttributes {
  /** null / undefined: a host-only cookie. */
  readonly domain?: string | null;
  readonly path: string;
  readonly maxAgeSeconds?: number;
  readonly expires?: Date;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  /** '' leaves the attribute out (the browser's default applies). */
  readonly sameSite: SameSite;
}

/** Attributes of a deletion: its lifetime is fixed. */
export type ClearCookieAttributes = Omit<CookieAttributes, 'maxAgeSeconds' | 'expires'>;

/**
 * The cookies in a Cookie request header. The first occurrence of a name wins (browsers send the most specific
 * path first). Pairs without '=' or with an invalid name are skipped; surrounding double quotes are removed.
 */
export function parseCookieHeader(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (typeof header !== 'string' || header === '') return cookies;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    const name = pair.slice(0, eq).trim();
    if (!COOKIE_NAME.test(name) || cookies.has(name)) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    cookies.set(name, value);
  }
  return cookies;
}

/** A Set-Cookie header value. Throws AuthgateError `cookie_invalid` for a name, value or attribute it cannot carry. */
export function serializeCookie(name: string, value: string, attrs: CookieAttributes): string {
  if (!COOKIE_NAME.test(name)) throw new AuthgateError('cookie_invalid', 'invalid cookie name');
  // The value itself is never put in the message: it may be a session.
  if (!COOKIE_VALUE.test(value))
    throw new AuthgateError('cookie_invalid', `cookie ${name} has an invalid value`);
  const parts = [`${name}=${value}`];
  if (attrs.domain) {
    if (!ATTRIBUTE_VALUE.test(attrs.domain))
      throw new AuthgateError('cookie_invalid', 'invalid cookie domain');
    parts.push(`Domain=${attrs.domain}`);
  }
  if (!ATTRIBUTE_VALUE.test(attrs.path)) throw new AuthgateError('cookie_invalid', 'invalid cookie path');
  parts.push(`Path=${attrs.path}`);
  if (attrs.maxAgeSeconds !== undefined) {
    if (!Number.isFinite(attrs.maxAgeSeconds))
      throw new AuthgateError('cookie_invalid', 'invalid cookie max-age');
    parts.push(`Max-Age=${Math.max(0, Math.floor(attrs.maxAgeSeconds))}`);
  }
  if (attrs.expires !== undefined) parts.push(`Expires=${attrs.expires.toUTCString()}`);
  if (attrs.httpOnly) parts.push('HttpOnly');
  if (attrs.secure) parts.push('Secure');
  if (attrs.sameSite !== '') parts.push(`SameSite=${SAME_SITE[attrs.sameSite]}`);
  return parts.join('; ');
}

/** A Set-Cookie value that deletes `name`: empty, Max-Age=0 and an Expires in the past (for old clients). */
export function clearCookie(name: string, attrs: ClearCookieAttributes): string {
  return serializeCookie(name, '', { ...attrs, maxAgeSeconds: 0, expires: EPOCH });
}

/**
 * The Cookie header without the cookies `shouldRemove` claims, or null when nothing is left. Used so authgate's
 * own cookies (sessions holding tokens) never reach the upstream. Every other pair is kept as sent, including
 * pairs authgate would not parse: they are the upstream's business.
 */
export function stripCookies(header: string, shouldRemove: (name: string) => boolean): string | null {
  const kept: string[] = [];
  for (const rawPair of header.split(';')) {
    const pair = rawPair.trim();
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = eq === -1 ? '' : pair.slice(0, eq).trim();
    if (name !== '' && shouldRemove(name)) continue;
    kept.push(pair);
  }
  return kept.length === 0 ? null : kept.join('; ');
}

const CHUNK_SUFFIX = /^_[0-9]+$/;

/**
 * True for every cookie authgate writes under the base name: the session (`<base>`), its chunks (`<base>_<n>`)
 * and CSRF cookies (`<base>_csrf`, `<base>_csrf_<id>`). They are kept from the upstream.
 */
export function isAuthgateCookie(base: string, name: string): boolean {
  if (!name.startsWith(base)) return false;
  const rest = name.slice(base.length);
  return rest === '' || CHUNK_SUFFIX.test(rest) || rest === '_csrf' || rest.startsWith('_csrf_');
}
