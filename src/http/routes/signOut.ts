import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../services.js';
import type { RequestInfo } from '../requestInfo.js';
import { parseCookieHeader } from '../../session/cookies.js';
import { signedOutPage } from '../pages/pages.js';
import { sendHtml } from '../respond.js';
import { findSession } from '../sessionGate.js';
import { pickRedirect } from '../../redirect/validator.js';

/**
 * Clears every session cookie chunk (on the domain it was set on), then goes to a validated rd or shows the
 * signed-out page. `Clear-Site-Data: "cache"` keeps the back button from showing protected pages.
 */
export async function handleSignOut(
  svc: Services,
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo,
): Promise<void> {
  const cookies = parseCookieHeader(req.headers.cookie);
  const session = await findSession(svc, cookies);
  const clears = await svc.sessions.clear(info.host, cookies);
  if (session) {
    svc.log.info(
      { audit: 'sign_out', user: session.sub, email: session.email, clientIp: info.clientIp },
      'sign-out',
    );
  }
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  const header = req.headers['x-auth-request-redirect'];
  const rd = query.get('rd') ?? (typeof header === 'string' ? header : null);
  const headers: Record<string, string | string[]> = { 'set-cookie': clears, 'clear-site-data': '"cache"' };
  if (rd) {
    const target = pickRedirect([rd], { whitelist: svc.whitelist, ownHost: info.host });
    res.writeHead(302, { ...headers, location: target, 'cache-control': 'no-store' });
    res.end();
    return;
  }
  sendHtml(res, 200, signedOutPage(svc.pages), headers);
}
