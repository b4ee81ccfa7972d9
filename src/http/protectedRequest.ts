import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Services } from './services.js';
import type { RequestInfo } from './requestInfo.js';
import type { SessionState } from '../session/types.js';
import { parseCookieHeader, stripCookies } from '../session/cookies.js';
import { setForwardedHeaders } from '../proxy/forwardedHeaders.js';
import { findSession } from './sessionGate.js';
import { errorPage, signInPage } from './pages/pages.js';
import { sendHtml, sendJson, wantsJson } from './respond.js';
import { requestIdOf } from './requestId.js';
import { startSignIn } from './routes/signIn.js';
import { isCanonicalPath } from './canonicalPath.js';

/**
 * Prepares the request for the upstream: client identity headers out, our cookies out, forwarded headers set,
 * the session's identity headers in. Shared by plain requests and WebSocket upgrades.
 */
function prepareUpstreamHeaders(
  svc: Services,
  req: IncomingMessage,
  info: RequestInfo,
  session: SessionState | null,
): void {
  const h = req.headers;
  svc.identityHeaders.strip(h);
  if (h.cookie) {
    const rest = stripCookies(h.cookie, (name) => svc.sessions.ownsCookie(name) || svc.store.ownsCookie(name));
    if (rest === null) delete h.cookie;
    else h.cookie = rest;
  }
  setForwardedHeaders(req, info);
  h[svc.options.requestIdHeader.toLowerCase()] = requestIdOf(req, svc.options.requestIdHeader);
  if (session) for (const [name, value] of svc.identityHeaders.forSession(session)) h[name] = value;
}

/** skip-auth routes only ever match a canonical path: `/public/../admin` or `/public%2F..` are never skipped. */
function skipsAuth(svc: Services, req: IncomingMessage, path: string): boolean {
  return svc.routes.isSkipAuth(req.method ?? 'GET', path) && isCanonicalPath(path);
}

/** Every request outside <proxy-prefix>: authenticate, then proxy. The hot path: no express, no per-request setup. */
export async function handleProtected(
  svc: Services,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const info = svc.readInfo(req);
  const upstream = svc.upstreams.match(path);
  if (!upstream) {
    sendHtml(
      res,
      404,
      errorPage(
        svc.pages,
        404,
        'Nothing is served at this address.',
        requestIdOf(req, svc.options.requestIdHeader),
      ),
    );
    return;
  }
  let session: SessionState | null = null;
  if (!skipsAuth(svc, req, path)) {
    session = await findSession(svc, parseCookieHeader(req.headers.cookie));
    if (!session) return unauthenticated(svc, req, res, info, path);
  }
  prepareUpstreamHeaders(svc, req, info, session);
  upstream.web(req, res);
}

async function unauthenticated(
  svc: Services,
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo,
  path: string,
) {
  const o = svc.options;
  if (o.forceJsonErrors || svc.routes.isApiRoute(path) || wantsJson(req)) {
    sendJson(res, 401, {
      error: 'unauthorized',
      message: 'Sign-in required.',
      signIn: `${o.proxyPrefix}/sign_in`,
    });
    return;
  }
  const target = info.uri.startsWith('/') && !info.uri.startsWith('//') ? info.uri : '/';
  if (o.skipProviderButton) {
    await startSignIn(svc, req, res, info, target);
    return;
  }
  sendHtml(res, 401, signInPage(svc.pages, svc.provider.displayName, target));
}

/** WebSocket upgrades bypass every middleware: they are authenticated here the same way. */
export async function handleUpgrade(
  svc: Services,
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
): Promise<void> {
  const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
  const upstream =
    svc.options.proxyWebsockets && !path.startsWith(svc.options.proxyPrefix + '/')
      ? svc.upstreams.match(path)
      : null;
  if (!upstream) return rejectUpgrade(socket, 404, 'Not Found');
  const info = svc.readInfo(req);
  let session: SessionState | null = null;
  if (!skipsAuth(svc, req, path)) {
    session = await findSession(svc, parseCookieHeader(req.headers.cookie));
    if (!session) return rejectUpgrade(socket, 401, 'Unauthorized');
  }
  prepareUpstreamHeaders(svc, req, info, session);
  upstream.ws(req, socket, head);
}

function rejectUpgrade(socket: Socket, status: number, reason: string): void {
  if (!socket.writable) return;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
