/** Syntax checks for addresses, IPs, URLs and header names. */
import { isIP } from 'node:net';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * `host:port`, `[ipv6]:port`, or `:port` (every interface, 0.0.0.0). oauth2-proxy also accepts an
 * `http://` prefix, so an existing value with one keeps working.
 */
export function parseHttpAddress(text: string): ListenAddress | null {
  const address = text.replace(/^http:\/\//i, '');
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]/\s]*):(\d{1,5})$/.exec(address);
  if (!match) return null;
  const port = Number(match[2]);
  if (port > 65535) return null;
  const rawHost = match[1] ?? '';
  const host = rawHost === '' ? '0.0.0.0' : rawHost.replace(/^\[(.*)\]$/, '$1');
  if (rawHost.startsWith('[') && isIP(host) !== 6) return null;
  return { host, port };
}

/** An IPv4/IPv6 address, or one with a `/prefix` of a valid length. */
export function isIpOrCidr(text: string): boolean {
  const [address = '', prefix, extra] = text.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** An RFC 9110 token: valid as a header name, and as a cookie name (RFC 6265 uses the same token rule). */
export function isToken(text: string): boolean {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(text);
}
