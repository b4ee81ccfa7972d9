import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../services.js';
import type { RequestInfo } from '../requestInfo.js';
import type { SessionState } from '../../session/types.js';
import { parseCookieHeader } from '../../session/cookies.js';
import { signedOutPage } from '../pages/pages.js';
import { sendHtml } from '../respond.js';
import { pickRedirect } from '../../redirect/validator.js';
import { errorSummary } from '../../observability/errorSummary.js';
import { requestIdOf } from '../requestId.js';

/**
 * Ends the session everywhere it lives: every cookie chunk (on the domain it was set on) and the server-side
 * record, then at the provider: --backend-logout-url (server to server) and RP-initiated logout through the
 * issuer's end_session_endpoint (id_token_hint, post_logout_redirect_uri validated like rd). The browser lands
 * on a validated rd or the signed-out page. `Clear-Site-Data: "cache"` keeps the back button from showing
 * protected pages.
 */
export async function handleSignOut(
  svc: Services,
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo,
): Promise<void> {
  const cookies = parseCookieHeader(req.headers.cookie);
  // The session as stored, even with an expired ID token: it is still the right id_token_hint.
  const session = (await svc.sessions.load(cookies, svc.now()).catch(() => null))?.state ?? null;
  const clears = await svc.sessions.clear(info.host, cookies);
  if (session) {
    svc.audit.signOut({
      user: session.sub,
      email: session.email,
      clientIp: info.clientIp,
      requestId: requestIdOf(req, svc.options.requestIdHeader),
    });
    await backendLogout(svc, session);
  }
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  const header = req.headers['x-auth-request-redirect'];
  const rd = query.get('rd') ?? (typeof header === 'string' ? header : null);
  const headers = { 'set-cookie': clears, 'clear-site-data': '"cache"', 'cache-control': 'no-store' };
  const target = rd
    ? pickRedirect([rd], { whitelist: svc.whitelist, ownHost: info.host })
    : `${svc.options.proxyPrefix}/signed_out`;

  const endSession =
    session?.idToken && svc.options.oidcRpInitiatedLogout ? svc.provider.endSessionUrl : undefined;
  if (endSession && session && info.host) {
    const back = target.startsWith('/') ? `${info.scheme}://${info.host}${target}` : target;
    const url = endSession.call(svc.provider, session.idToken, back);
    if (url) {
      res.writeHead(302, { ...headers, location: url.href });
      res.end();
      return;
    }
  }
  if (rd) {
    res.writeHead(302, { ...headers, location: target });
    res.end();
    return;
  }
  sendHtml(res, 200, signedOutPage(svc.pages), headers);
}

/**
 * GET --backend-logout-url with the ID token filled in. Failures are logged; the local sign-out stands. The call
 * goes through the provider fetch, not the global one: the URL is usually on the issuer, so it must trust the same
 * --provider-ca-file (and --ssl-insecure-skip-verify). That fetch reads the answer itself (at most 1 MiB, then the
 * connection is closed), so the socket is freed without anything here touching the body.
 */
async function backendLogout(svc: Services, session: SessionState): Promise<void> {
  const template = svc.options.backendLogoutUrl;
  if (!template || !session.idToken) return;
  const url = template.replaceAll('{id_token}', encodeURIComponent(session.idToken));
  try {
    const res = await svc.providerFetch(url, {
      signal: AbortSignal.timeout(svc.options.providerTimeout),
      redirect: 'manual',
    });
    if (res.status >= 400) svc.log.warn({ status: res.status }, 'backend logout answered with an error');
  } catch (err) {
    // Never the URL, nor an error message that may quote it (an oversized answer names the endpoint's path,
    // where a template may have put {id_token}). Name, code and the cause's code (e.g. SELF_SIGNED_CERT_IN_CHAIN:
    // a CA is missing) are what an operator needs.
    const { message: _quotesUrl, ...summary } = errorSummary(err);
    svc.log.warn({ err: summary }, 'backend logout failed');
  }
}
