import type { SessionState } from '../session/types.js';
import { decideAccess } from '../authz/decide.js';
import { isStoreUnavailable } from '../session/store.js';
import { needsRefresh } from './sessionRefresh.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from './services.js';
import { errorPage } from './pages/pages.js';
import { sendHtml, sendJson } from './respond.js';
import { answersWithJson } from './answerFormat.js';
import { requestIdOf } from './requestId.js';

export type SessionResolution =
  /** A usable session; `setCookies` carries a refreshed session back to the browser (may be empty). */
  | { readonly kind: 'active'; readonly session: SessionState; readonly setCookies: readonly string[] }
  /** No usable session; `clearCookies` ends one that the issuer refused to renew (may be empty). */
  | { readonly kind: 'none'; readonly clearCookies: readonly string[] }
  /** The session store or the issuer cannot be reached right now: answer 503, keep the cookie. */
  | { readonly kind: 'unavailable'; readonly reason: 'store_unavailable' | 'provider_unreachable' };

const NONE: SessionResolution = { kind: 'none', clearCookies: [] };
/** The Set-Cookie list of a request that changes no cookie: one frozen array shared by every such request. */
export const NO_COOKIES: readonly string[] = Object.freeze([]);

/**
 * Finds the request's usable session: sealed by us, not past its absolute expiry (--cookie-expire, never
 * extended), tokens renewed before the ID token expires (an expired ID token is never forwarded, except one
 * kept because the issuer's refresh answer brought none: see SessionRefresher), and still admitted by the
 * current who-may-enter rules.
 */
export async function resolveSession(
  svc: Services,
  cookies: ReadonlyMap<string, string>,
  host: string,
): Promise<SessionResolution> {
  const now = svc.now();
  try {
    const loaded = await svc.sessions.load(cookies, now);
    if (!loaded || loaded.state.expiresAt <= now) return NONE;
    let session = loaded.state;
    let setCookies = NO_COOKIES;
    const o = svc.options;
    if (needsRefresh(session, now, o.tokenRefreshMargin / 1000, o.cookieRefresh / 1000)) {
      if (session.refreshToken) {
        const outcome = await svc.refresher.refresh(loaded, host, cookies, now);
        if (outcome.kind === 'refreshed') {
          session = outcome.session;
          setCookies = outcome.setCookies;
        } else if (outcome.kind === 'ended') {
          return { kind: 'none', clearCookies: await svc.sessions.clear(host, cookies) };
        } else if (isExpired(session, now)) {
          return { kind: 'unavailable', reason: 'provider_unreachable' };
        }
      }
    }
    if (isExpired(session, now)) {
      // No refresh token (or none that worked): the session ends with its ID token.
      return { kind: 'none', clearCookies: await svc.sessions.clear(host, cookies) };
    }
    return isStillAllowed(svc, session) ? { kind: 'active', session, setCookies } : NONE;
  } catch (err) {
    if (isStoreUnavailable(err)) return { kind: 'unavailable', reason: 'store_unavailable' };
    throw err;
  }
}

/**
 * The session, or null, WITHOUT refreshing: for callers that only read it (userinfo, sign-out, whoami). A
 * refresh there would rotate the refresh token without handing the new cookie back to the browser.
 */
export async function findSession(
  svc: Services,
  cookies: ReadonlyMap<string, string>,
): Promise<SessionState | null> {
  const now = svc.now();
  // A store outage rejects (not "signed out"): the caller's error handler answers 503.
  const loaded = await svc.sessions.load(cookies, now);
  if (!loaded || loaded.state.expiresAt <= now || isExpired(loaded.state, now)) return null;
  return isStillAllowed(svc, loaded.state) ? loaded.state : null;
}

function isExpired(s: SessionState, now: number): boolean {
  return s.tokenExpiresAt !== 0 && s.tokenExpiresAt <= now;
}

const admitted = new WeakMap<SessionState, { readonly ok: boolean; readonly generation: number }>();

/**
 * Re-checks who-may-enter once per session object (sessions are cached objects: cheap after the first), and again
 * whenever the rules changed (access.generation: the emails file was re-read).
 */
function isStillAllowed(svc: Services, session: SessionState): boolean {
  const generation = svc.access.generation ?? 0;
  const cached = admitted.get(session);
  if (cached !== undefined && cached.generation === generation) return cached.ok;
  const ok = decideAccess(session, svc.access, {
    allowUnverifiedEmail: svc.options.insecureOidcAllowUnverifiedEmail,
  }).allowed;
  admitted.set(session, { ok, generation });
  return ok;
}

/**
 * The session store (Redis) cannot be reached: a clear 503 page or JSON. The browser keeps its cookie, so the
 * session is there again as soon as the store is back: never a silent sign-out.
 */
export function sendStoreUnavailable(svc: Services, req: IncomingMessage, res: ServerResponse): void {
  const id = requestIdOf(req, svc.options.requestIdHeader);
  svc.log.warn({ requestId: id, reason: 'store_unavailable' }, 'session store unavailable');
  svc.metrics.sessionStoreError();
  const message = 'The session store is not reachable right now. Try again in a moment; you stay signed in.';
  if (answersWithJson(svc, req)) {
    sendJson(
      res,
      503,
      { error: 'session_store_unavailable', message, requestId: id },
      { 'retry-after': '5' },
    );
  } else {
    sendHtml(res, 503, errorPage(svc.pages, 503, message, id), { 'retry-after': '5' });
  }
}
