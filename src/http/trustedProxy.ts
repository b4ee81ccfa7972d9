/**
 * Which peers may speak for the client through X-Forwarded-* (--trusted-proxy-ip), and who the client really is.
 * Pure: no express. Entries are IPv4/IPv6 CIDRs or single addresses; an IPv4-mapped IPv6 peer (::ffff:10.0.0.1, what
 * a dual-stack socket reports) matches IPv4 entries. An empty list trusts every peer (oauth2-proxy's default; the
 * configuration warns about it at start).
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { AuthgateError } from '../errors.js';

export type IsTrustedProxy = (peerIp: string) => boolean;

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

function invalid(entry: string): AuthgateError {
  return new AuthgateError(
    'ERR_TRUSTED_PROXY',
    `invalid --trusted-proxy-ip entry "${entry}": expected an IP or CIDR`,
  );
}

function addEntry(list: BlockList, raw: string): void {
  const entry = raw.trim();
  const [address = '', prefix, extra] = entry.split('/');
  if (extra !== undefined) throw invalid(raw);
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) && !address.includes('%') ? 'ipv6' : null;
  if (family === null) throw invalid(raw);
  if (prefix === undefined) {
    list.addAddress(address, family);
    return;
  }
  const max = family === 'ipv4' ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) throw invalid(raw);
  list.addSubnet(address, Number(prefix), family);
}

/** Bare IP of a peer or forwarded entry: zone id dropped, IPv4-mapped IPv6 unwrapped; null when not an IP. */
function normaliseIp(ip: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  const noZone = ip.trim().replace(/%.*$/, '');
  const mapped = MAPPED_IPV4.exec(noZone)?.[1];
  const address = mapped ?? noZone;
  if (isIPv4(address)) return { address, family: 'ipv4' };
  if (isIPv6(address)) return { address, family: 'ipv6' };
  return null;
}

/** Compiles the list once at start; throws AuthgateError ERR_TRUSTED_PROXY for a malformed entry. */
export function compileTrustedProxies(cidrs: readonly string[]): IsTrustedProxy {
  if (cidrs.length === 0) return () => true;
  const list = new BlockList();
  for (const entry of cidrs) addEntry(list, entry);
  return (peerIp) => {
    const ip = normaliseIp(peerIp);
    return ip !== null && list.check(ip.address, ip.family);
  };
}

/** One X-Forwarded-For element: `1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:443` or `2001:db8::1`. */
function parseForwardedElement(element: string): string | null {
  const e = element.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(e)?.[1];
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(e)?.[1];
  const ip = normaliseIp(bracketed ?? withPort ?? e);
  return ip === null ? null : ip.address;
}

/**
 * The real client from X-Forwarded-For (call it only when the direct peer is a trusted proxy). Each proxy appends the
 * address it received from, so the header is read right to left, skipping trusted proxies; the first untrusted
 * address is the client. Anything left of it was written by the client and is ignored. When every entry is trusted
 * the leftmost one is the client. Null when the header is empty, or an element met on the way is not an IP (it cannot
 * be attributed, so the caller falls back to the peer address).
 */
export function firstUntrustedClientIp(xForwardedFor: string, isTrusted: IsTrustedProxy): string | null {
  const elements = xForwardedFor.split(',').filter((element) => element.trim() !== '');
  let leftmost: string | null = null;
  for (let i = elements.length - 1; i >= 0; i--) {
    const ip = parseForwardedElement(elements[i] ?? '');
    if (ip === null) return null;
    if (!isTrusted(ip)) return ip;
    leftmost = ip;
  }
  return leftmost;
}
