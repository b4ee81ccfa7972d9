import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Options } from '../config/options.js';
import { compileTrustedProxies, firstUntrustedClientIp } from './trustedProxy.js';

/** The original request as the user's browser made it, rebuilt from forwarded headers only when trusted. */
export interface RequestInfo {
  readonly scheme: 'http' | 'https';
  /** host[:port], lower-case. '' when the request carried no usable Host. */
  readonly host: string;
  /** Path and query as requested (X-Forwarded-Uri when trusted). */
  readonly uri: string;
  /** `uri` without the query string. */
  readonly path: string;
  readonly clientIp: string;
  /** The peer is a trusted reverse proxy and --reverse-proxy is on. */
  readonly forwarded: boolean;
}

const HOST_PATTERN =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,62})(?:\.[a-z0-9](?:[a-z0-9-]{0,62}))*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;
const IP_PATTERN = /^[0-9a-fA-F:.]{2,45}$/;

export type RequestInfoReader = (req: IncomingMessage) => RequestInfo;

/** Built once at start: the trust decision and header names are fixed for the process's life. */
export function createRequestInfoReader(options: Options): RequestInfoReader {
  const isTrusted = compileTrustedProxies(options.trustedProxyIps);
  const realIpHeader = options.realClientIpHeader.toLowerCase();
  return (req) => {
    const peer = stripMappedPrefix(req.socket.remoteAddress ?? '');
    const encrypted = (req.socket as TLSSocket).encrypted === true;
    const forwarded = options.reverseProxy && isTrusted(peer);
    const directHost = normaliseHost(req.headers.host);
    const directUri = req.url ?? '/';
    if (!forwarded) {
      return finish(encrypted ? 'https' : 'http', directHost, directUri, peer, false);
    }
    // A list means a proxy appended to what the client sent: only the last entry, written by the trusted peer,
    // is vouched for (the first would let a client choose the host that redirects are allowed to).
    const proto = lastValue(req.headers['x-forwarded-proto'])?.toLowerCase();
    const scheme = proto === 'https' || proto === 'http' ? proto : encrypted ? 'https' : 'http';
    const fwdHost = normaliseHost(lastValue(req.headers['x-forwarded-host']));
    // A URI may contain commas, so it is never split; two X-Forwarded-Uri lines are ambiguous and ignored.
    const uriLines = req.headersDistinct['x-forwarded-uri'];
    const fwdUri = uriLines?.length === 1 ? uriLines[0] : undefined;
    const uri = fwdUri && fwdUri.startsWith('/') && !fwdUri.startsWith('//') ? fwdUri : directUri;
    return finish(
      scheme,
      fwdHost || directHost,
      uri,
      clientIpFrom(req, realIpHeader, isTrusted) || peer,
      true,
    );
  };
}

function finish(
  scheme: 'http' | 'https',
  host: string,
  uri: string,
  clientIp: string,
  forwarded: boolean,
): RequestInfo {
  const q = uri.indexOf('?');
  return { scheme, host, uri, path: q === -1 ? uri : uri.slice(0, q), clientIp, forwarded };
}

function clientIpFrom(req: IncomingMessage, header: string, isTrusted: (ip: string) => boolean): string {
  const raw = firstValue(req.headers[header]);
  if (!raw) return '';
  if (header === 'x-forwarded-for') return firstUntrustedClientIp(raw, isTrusted) ?? '';
  const ip = raw.trim();
  return IP_PATTERN.test(ip) ? stripMappedPrefix(ip) : '';
}

function firstValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const comma = v.indexOf(',');
  return (comma === -1 ? v : v.slice(0, comma)).trim();
}

function lastValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value.at(-1) : value;
  return v === undefined ? undefined : v.slice(v.lastIndexOf(',') + 1).trim();
}

/** A Host that is not a plain DNS name or IP literal (with optional port) is treated as absent. */
export function normaliseHost(value: string | undefined): string {
  if (!value) return '';
  const host = value.trim().toLowerCase();
  return host.length <= 260 && HOST_PATTERN.test(host) ? host : '';
}

function stripMappedPrefix(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
