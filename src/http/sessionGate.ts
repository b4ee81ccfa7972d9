import type { SessionState } from '../session/types.js';
import { decideAccess } from '../authz/decide.js';
import type { Services } from './services.js';

/**
 * Finds the request's usable session: sealed by us, not past its absolute expiry, ID token not expired
 * (an expired ID token is never forwarded), and still admitted by the current who-may-enter rules.
 */
export async function findSession(svc: Services, cookies: Map<string, string>): Promise<SessionState | null> {
  const now = svc.now();
  const loaded = await svc.sessions.load(cookies, now);
  if (!loaded) return null;
  const session = loaded.state;
  if (session.expiresAt <= now) return null;
  if (session.tokenExpiresAt !== 0 && session.tokenExpiresAt <= now) return null;
  return isStillAllowed(svc, session) ? session : null;
}

const admitted = new WeakMap<SessionState, boolean>();

/** Re-checks who-may-enter for each session object once (sessions are cached objects: cheap after the first). */
function isStillAllowed(svc: Services, session: SessionState): boolean {
  let ok = admitted.get(session);
  if (ok === undefined) {
    ok = decideAccess(session, svc.access, {
      allowUnverifiedEmail: svc.options.insecureOidcAllowUnverifiedEmail,
    }).allowed;
    admitted.set(session, ok);
  }
  return ok;
}
