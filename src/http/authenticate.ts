/**
 * Who is making this request: a verified bearer JWT (--skip-jwt-bearer-tokens) first, else the session cookie.
 * One function for the three places that must agree on it: proxied requests, WebSocket upgrades and
 * /oauth2/auth. Each caller only decides how to answer each outcome (page, JSON, bare status, refused upgrade).
 */
import type { IncomingMessage } from 'node:http';
import type { SessionState } from '../session/types.js';
import type { Services } from './services.js';
import { NO_COOKIES, resolveSession } from './sessionGate.js';

export type Authentication =
  /** `bearer`: the Authorization header to pass on as it came (bearer pass-through), absent for cookie sessions. */
  | {
      readonly kind: 'active';
      readonly session: SessionState;
      readonly setCookies: readonly string[];
      readonly bearer?: string;
    }
  /** No usable session; `clearCookies` ends one that can no longer be used (may be empty). */
  | { readonly kind: 'none'; readonly clearCookies: readonly string[] }
  /** A bearer that does not verify (401) or whose identity may not enter (403). */
  | { readonly kind: 'bearer_invalid' }
  | { readonly kind: 'bearer_forbidden' }
  /** The session store or the issuer cannot be reached right now: 503, and the browser keeps its cookie. */
  | { readonly kind: 'unavailable'; readonly reason: 'store_unavailable' | 'provider_unreachable' };

export async function authenticate(
  svc: Services,
  req: IncomingMessage,
  cookies: ReadonlyMap<string, string>,
  host: string,
): Promise<Authentication> {
  const b = svc.bearer ? await svc.bearer.resolve(req, svc.access, svc.now()) : null;
  if (b !== null && b.kind !== 'absent') {
    switch (b.kind) {
      case 'active':
        return { kind: 'active', session: b.session, setCookies: NO_COOKIES, bearer: b.authorization };
      case 'invalid':
        return { kind: 'bearer_invalid' };
      case 'forbidden':
        return { kind: 'bearer_forbidden' };
      case 'unavailable':
        return { kind: 'unavailable', reason: 'provider_unreachable' };
    }
  }
  return resolveSession(svc, cookies, host);
}
