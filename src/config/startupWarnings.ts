import { isIP } from 'node:net';
import type { Options } from './options.js';

/** True for a URL whose host is this machine (127.0.0.0/8, ::1, localhost): traffic there never leaves it. */
export function isLoopbackUrl(url: string): boolean {
  const parsed = URL.parse(url);
  if (!parsed) return false;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** Settings that are allowed but risky: said once at start, in the log, never as secrets. */
export function startupWarnings(options: Options): string[] {
  const warnings: string[] = [];
  if (options.reverseProxy && options.trustedProxyIps.length === 0) {
    warnings.push(
      '--reverse-proxy is on and --trusted-proxy-ip is empty: X-Forwarded-* headers are trusted from every peer',
    );
  }
  if (options.oidcIssuerUrl.startsWith('http://') && !isLoopbackUrl(options.oidcIssuerUrl)) {
    warnings.push(
      'the OIDC issuer URL is http://: tokens travel unencrypted between authgate and the issuer',
    );
  }
  return warnings;
}
