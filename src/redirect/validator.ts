/**
 * Where the browser may be sent after sign-in or sign-out. Open redirects are the most common vulnerability of
 * authenticating proxies (oauth2-proxy CVE-2020-5233, -11053, -4037, CVE-2021-21291), so this module decides the way a
 * browser resolves a URL (WHATWG URL parsing) and refuses everything that is merely ambiguous:
 *
 * - any control character, whitespace (ASCII or Unicode, e.g. NBSP, U+2028), invisible format character (soft hyphen,
 *   zero-width, bidi) or backslash anywhere in the raw candidate: browsers strip or reinterpret them;
 * - a relative target must start with exactly one '/'. Its path, percent-decoded up to DECODE_ROUNDS times (a later
 *   hop may decode it), must not start with '//', '/\', or '/' followed by whitespace or a control character
 *   (`/%2F/evil.com`, `/%5Cevil.com`, `/%09/evil.com`, `/%252F/evil.com`), and dot segments must not turn it into
 *   '//host' (`/.//evil.com`). The result is the parsed path + query + fragment, re-serialised;
 * - an absolute target must be `http(s)://` (scheme case-insensitive) followed by an authority that is plain ASCII with
 *   no userinfo ('@'), no percent-encoding, no IPv6 literal and no trailing dot; its parsed host must equal `ownHost`
 *   or match a --whitelist-domain entry. IDN hosts must be written in their xn-- form: a Unicode host (full-width
 *   letters, lookalikes) is refused rather than trusted to normalise to what it seems to say.
 *
 * The returned string, resolved against the current page by a browser, never leaves ownHost or the whitelist
 * (asserted by a property test), and validating it again returns it unchanged.
 */
import { matchesWhitelist, type WhitelistDomain } from './whitelist.js';

export const MAX_REDIRECT_LENGTH = 2048;
/** How many layers of percent-encoding are peeled off when looking for slash tricks in a relative path. */
const DECODE_ROUNDS = 4;

export interface RedirectContext {
  readonly whitelist: readonly WhitelistDomain[];
  /** host[:port] of the current request (its Host), lower-case. Targets on this host are always allowed. */
  readonly ownHost?: string;
}

/** Characters that browsers strip, ignore or reinterpret: never allowed anywhere in a candidate. */
const AMBIGUOUS_CHAR = /[\\\s\p{Cc}\p{Cf}\p{Z}]/u;
/** After decoding: '/' then a second slash, a backslash, whitespace or a control character. */
const AUTHORITY_LIKE_PREFIX = /^\/[/\\\s\p{Cc}\p{Cf}\p{Z}]/u;
const ABSOLUTE = /^(https?):\/\/([^/?#]*)/i;
/** A base that can never be a real host, used to see how a relative target resolves. */
const PROBE_BASE = 'https://authgate.invalid/';
const PROBE_ORIGIN = new URL(PROBE_BASE).origin;
/** What a parsed DNS name or IPv4 address looks like; excludes IPv6 literals and oddities such as `a;b`. */
const HOSTNAME = /^[a-z0-9_.-]+$/;
const OWN_HOST = /^[a-z0-9.-]+(:\d{1,5})?$/;
const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

function percentDecodeOnce(s: string): string {
  try {
    // UTF-8 aware, so %C2%A0 becomes the NBSP it stands for.
    return decodeURIComponent(s);
  } catch {
    // Malformed sequences make decodeURIComponent throw: decode byte by byte, the ASCII results are what matter.
    return s.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

/** Resolved against PROBE_BASE: the path must stay on the same host and not begin with '//'. */
function staysOnPage(relative: string): URL | null {
  let url: URL;
  try {
    url = new URL(relative, PROBE_BASE);
  } catch {
    return null;
  }
  if (url.origin !== PROBE_ORIGIN || url.username !== '' || url.password !== '') return null;
  if (url.pathname.startsWith('//')) return null;
  return url;
}

/** Whether some layer of percent-decoding of `path` looks like the start of an authority or leaves the page. */
function hidesAuthority(path: string): boolean {
  let decoded = path;
  for (let round = 0; round <= DECODE_ROUNDS; round++) {
    if (AUTHORITY_LIKE_PREFIX.test(decoded)) return true;
    if (round > 0 && staysOnPage(decoded.replace(/[?#]/g, '')) === null) return true;
    const next = percentDecodeOnce(decoded);
    if (next === decoded) return false;
    decoded = next;
  }
  return false;
}

function validateRelative(candidate: string): string | null {
  if (!candidate.startsWith('/') || candidate.startsWith('//')) return null;
  if (hidesAuthority(candidate.split(/[?#]/, 1)[0] ?? '')) return null;
  const url = staysOnPage(candidate);
  // Dot segments can move an encoded trick to the front (`/./%09/x` -> `/%09/x`): check the resolved path again.
  if (url === null || hidesAuthority(url.pathname)) return null;
  const result = url.pathname + url.search + url.hash;
  return result.startsWith('/') && !result.startsWith('//') ? result : null;
}

function isOwnHost(url: URL, ownHost: string | undefined): boolean {
  if (ownHost === undefined || !OWN_HOST.test(ownHost)) return false;
  if (url.host === ownHost) return true;
  // The Host header may spell out the default port (example.com:443) that the parsed URL drops.
  const [hostname, port] = ownHost.split(':');
  return url.port === '' && url.hostname === hostname && port === DEFAULT_PORTS[url.protocol];
}

function validateAbsolute(candidate: string, ctx: RedirectContext): string | null {
  const match = ABSOLUTE.exec(candidate);
  const authority = match?.[2];
  if (authority === undefined || authority === '') return null;
  // Userinfo, percent-encoded hosts, IPv6 literals and non-ASCII hosts all parse to something other than they seem.
  if (/[@%[\]]/.test(authority) || /[^\x21-\x7e]/.test(authority)) return null;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '' || url.hostname === '') return null;
  // example.com. is the same DNS name but a different origin (cookies, HSTS): no legitimate target needs it.
  // Empty labels (.example.com, a..example.com) would also slip past a suffix match.
  if (/^\.|\.\.|\.$/.test(url.hostname) || !HOSTNAME.test(url.hostname)) return null;
  if (!isOwnHost(url, ctx.ownHost) && !matchesWhitelist(ctx.whitelist, url)) return null;
  return url.href;
}

/** The normalised target to put in Location, or null when the candidate is refused. */
export function validateRedirect(candidate: string, ctx: RedirectContext): string | null {
  if (typeof candidate !== 'string' || candidate === '') return null;
  if (candidate.length > MAX_REDIRECT_LENGTH || AMBIGUOUS_CHAR.test(candidate)) return null;
  const result = candidate.startsWith('/') ? validateRelative(candidate) : validateAbsolute(candidate, ctx);
  return result !== null && result.length <= MAX_REDIRECT_LENGTH ? result : null;
}

/** The first candidate that validates (rd, X-Auth-Request-Redirect, forwarded URI, request URI...), else '/'. */
export function pickRedirect(candidates: readonly (string | undefined)[], ctx: RedirectContext): string {
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    const target = validateRedirect(candidate, ctx);
    if (target !== null) return target;
  }
  return '/';
}
