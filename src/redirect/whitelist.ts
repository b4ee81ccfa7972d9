/**
 * --whitelist-domain entries: which absolute hosts a post-sign-in (or sign-out) redirect may point at.
 *
 * Entry syntax (oauth2-proxy's):
 *   example.com          that host only, no explicit port in the target
 *   .example.com         example.com and every subdomain on a dot boundary (never badexample.com)
 *   *.example.com        same as .example.com
 *   dash.example.com:8443  that host, port 8443 only
 *   host:* / .example.com:*  any port
 *
 * Ports: the target's scheme default port written explicitly (https://h:443) counts as "no port", because a browser
 * treats https://h:443/ and https://h/ as the same origin (WHATWG URL drops the default port). Likewise an entry
 * `h:443` admits https://h/ : the effective port is what is compared, not how it was spelled. oauth2-proxy compares the
 * spelling; authgate compares the destination, which is what matters for an open redirect.
 *
 * Hosts are normalised with WHATWG URL (lower case, IDNA to punycode), so a unicode entry such as `bücher.example`
 * becomes `xn--bcher-kva.example`. Entries with a trailing dot are refused: targets with one are refused too (see
 * validator.ts), so such an entry could never match and is surely a typo.
 */
import { AuthgateError } from '../errors.js';

export interface WhitelistDomain {
  /** ASCII (punycode), lower-case host without a trailing dot. */
  readonly host: string;
  /** `.example.com` / `*.example.com`: the host itself and every subdomain. */
  readonly subdomains: boolean;
  /** null: the target must have no explicit non-default port; '*': any port; else the port number as digits. */
  readonly port: string | null;
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };
/** What may appear in an entry's host before normalisation: no URL syntax, no whitespace, no IPv6 brackets. */
const FORBIDDEN_IN_ENTRY = /[\s/\\@?#%:[\]*\p{Cc}\p{Cf}]/u;
/** WHATWG URL turns a host whose last label is numeric into an IPv4 address. */
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function invalid(entry: string, why: string): AuthgateError {
  return new AuthgateError('ERR_WHITELIST_DOMAIN', `invalid --whitelist-domain entry "${entry}": ${why}`);
}

function parsePort(entry: string, raw: string): string {
  if (raw === '*') return '*';
  if (!/^\d{1,5}$/.test(raw)) throw invalid(entry, 'the port must be a number or *');
  const n = Number(raw);
  if (n < 1 || n > 65535) throw invalid(entry, 'the port must be between 1 and 65535');
  return String(n);
}

function normaliseHost(entry: string, raw: string): string {
  if (raw === '' || FORBIDDEN_IN_ENTRY.test(raw)) throw invalid(entry, 'not a host name');
  if (raw.endsWith('.')) throw invalid(entry, 'remove the trailing dot');
  let host: string;
  try {
    host = new URL(`http://${raw}/`).hostname;
  } catch {
    throw invalid(entry, 'not a host name');
  }
  // The same shape validator.ts demands of a target's host: anything else could never match.
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host)) throw invalid(entry, 'not a host name');
  return host;
}

function parseEntry(entry: string): WhitelistDomain {
  let rest = entry.trim();
  if (rest === '') throw invalid(entry, 'empty');
  let subdomains = false;
  if (rest.startsWith('*.')) {
    subdomains = true;
    rest = rest.slice(2);
  } else if (rest.startsWith('.')) {
    subdomains = true;
    rest = rest.slice(1);
  }
  let port: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon !== -1) {
    port = parsePort(entry, rest.slice(colon + 1));
    rest = rest.slice(0, colon);
  }
  const host = normaliseHost(entry, rest);
  // `.1` would otherwise become the IPv4 address 0.0.0.1 and "subdomains" of an address make no sense.
  if (subdomains && IPV4.test(host))
    throw invalid(entry, 'a leading dot or *. needs a domain name, not an address');
  return { host, subdomains, port };
}

/** Parses every entry once at start; throws AuthgateError ERR_WHITELIST_DOMAIN naming the first bad entry. */
export function parseWhitelistDomains(entries: readonly string[]): WhitelistDomain[] {
  return entries.map(parseEntry);
}

/**
 * Whether a parsed target URL's destination is admitted by one entry.
 * `hostname` and `port` are WHATWG URL's (lower-case punycode; port '' when absent or the scheme default).
 */
export function matchesWhitelistEntry(
  entry: WhitelistDomain,
  target: { readonly protocol: string; readonly hostname: string; readonly port: string },
): boolean {
  const hostOk =
    target.hostname === entry.host || (entry.subdomains && target.hostname.endsWith(`.${entry.host}`));
  if (!hostOk) return false;
  if (entry.port === '*') return true;
  if (entry.port === null) return target.port === '';
  const effectivePort = target.port === '' ? DEFAULT_PORTS[target.protocol] : target.port;
  return effectivePort === entry.port;
}

export function matchesWhitelist(
  whitelist: readonly WhitelistDomain[],
  target: { readonly protocol: string; readonly hostname: string; readonly port: string },
): boolean {
  return whitelist.some((entry) => matchesWhitelistEntry(entry, target));
}
