import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Services } from './services.js';
import type { RequestInfo } from './requestInfo.js';
import type { SessionState } from '../session/types.js';
import { setForwardedHeaders } from '../proxy/forwardedHeaders.js';
import { sendStoreUnavailable } from './sessionGate.js';
import { authenticate, type Authentication } from './authenticate.js';
import type { RequestCookies } from './requestCookies.js';
import { addResponseCookies } from './responseCookies.js';
import { errorPage, signInContinuePage, signInPage } from './pages/pages.js';
import { sendHtml, sendJson } from './respond.js';
import { answersWithJson } from './answerFormat.js';
import { requestIdOf } from './requestId.js';
import { isCanonicalPath } from './canonicalPath.js';
import { noteRequest } from '../observability/requestNotes.js';

/**
 * Prepares the request for the upstream: client identity headers out, our cookies out, forwarded headers set,
 * the session's identity headers in. Shared by plain requests and WebSocket upgrades.
 */
function prepareUpstreamHeaders(
  svc: Services,
  req: IncomingMessage,
  info: RequestInfo,
  cookies: RequestCookies,
  session: SessionState | null,
  bearer?: string,
): void {
  const h = req.headers;
  svc.identityHeaders.strip(h);
  // Both stores write the same cookie family (session or ticket, chunks, CSRF) under --cookie-name.
  if (cookies.forUpstream === null) delete h.cookie;
  else h.cookie = cookies.forUpstream;
  setForwardedHeaders(req, info);
  h[svc.options.requestIdHeader] = requestIdOf(req, svc.options.requestIdHeader);
  if (session) for (const [name, value] of svc.identityHeaders.forSession(session)) h[name] = value;
  // A verified bearer (--skip-jwt-bearer-tokens) travels on as it came, unless impersonation replaced it.
  if (bearer && !svc.options.kubeImpersonation) h.authorization = bearer;
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
  const cookies = svc.cookies(req);
  let session: SessionState | null = null;
  let bearer: string | undefined;
  if (!skipsAuth(svc, req, path)) {
    const a = await authenticate(svc, req, cookies.jar, info.host);
    if (a.kind !== 'active') return refuse(svc, req, res, info, path, a);
    session = a.session;
    bearer = a.bearer;
    addResponseCookies(req, a.setCookies);
  }
  prepareUpstreamHeaders(svc, req, info, cookies, session, bearer);
  if (svc.options.requestLogging) {
    noteRequest(req, {
      user: session?.sub,
      email: session?.email,
      upstream: upstream.origin,
      clientIp: info.clientIp,
    });
  }
  upstream.web(req, res);
}

/** The answer to a request that may not be proxied: sign-in, 401/403 JSON, or 503. */
function refuse(
  svc: Services,
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo,
  path: string,
  a: Exclude<Authentication, { kind: 'active' }>,
): void {
  if (a.kind === 'unavailable') return unavailable(svc, req, res, path, a.reason);
  if (a.kind === 'none') return unauthenticated(svc, req, res, info, path, a.clearCookies);
  bearerRefused(svc, req, res, a.kind === 'bearer_invalid' ? 'invalid' : 'forbidden');
}

/** No usable session: JSON 401 for APIs and XHRs, else sign-in (keeping where the user was going). */
function unauthenticated(
  svc: Services,
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo,
  path: string,
  clearCookies: readonly string[],
) {
  const o = svc.options;
  const extra = clearCookies.length > 0 ? { 'set-cookie': [...clearCookies] } : undefined;
  if (answersWithJson(svc, req)) {
    const body = { error: 'unauthorized', message: 'Sign-in required.', signIn: `${o.proxyPrefix}/sign_in` };
    sendJson(res, 401, body, extra);
    return;
  }
  const target = info.uri.startsWith('/') && !info.uri.startsWith('//') ? info.uri : '/';
  // --skip-provider-button: a page that continues by itself, not a redirect, so that it can read the #fragment.
  const page = o.skipProviderButton ? signInContinuePage : signInPage;
  sendHtml(res, 401, page(svc.pages, svc.provider.displayName, target), extra);
}

/** The session store or the issuer is unreachable: a clear 503, and the browser keeps its cookie. */
function unavailable(
  svc: Services,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  reason: string,
): void {
  if (reason === 'store_unavailable') return sendStoreUnavailable(svc, req, res);
  const id = requestIdOf(req, svc.options.requestIdHeader);
  const message =
    'The identity provider is not reachable and your sign-in needs renewing. Try again in a moment.';
  svc.log.warn({ requestId: id, reason }, 'session unavailable');
  if (answersWithJson(svc, req)) sendJson(res, 503, { error: 'unavailable', message, requestId: id });
  else sendHtml(res, 503, errorPage(svc.pages, 503, message, id));
}

/** A bearer that does not verify (401) or whose identity may not enter (403): JSON, never a sign-in page. */
function bearerRefused(
  svc: Services,
  req: IncomingMessage,
  res: ServerResponse,
  kind: 'invalid' | 'forbidden',
): void {
  const id = requestIdOf(req, svc.options.requestIdHeader);
  if (kind === 'invalid')
    sendJson(res, 401, { error: 'invalid_token', message: 'The bearer token was refused.', requestId: id });
  else sendJson(res, 403, { error: 'forbidden', message: 'This identity is not permitted.', requestId: id });
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
  const cookies = svc.cookies(req);
  let session: SessionState | null = null;
  let bearer: string | undefined;
  if (!skipsAuth(svc, req, path)) {
    const a = await authenticate(svc, req, cookies.jar, info.host);
    if (a.kind === 'unavailable') return rejectUpgrade(socket, 503, 'Service Unavailable');
    if (a.kind === 'bearer_forbidden') return rejectUpgrade(socket, 403, 'Forbidden');
    if (a.kind !== 'active') return rejectUpgrade(socket, 401, 'Unauthorized');
    session = a.session;
    bearer = a.bearer;
    addResponseCookies(req, a.setCookies);
  }
  prepareUpstreamHeaders(svc, req, info, cookies, session, bearer);
  upstream.ws(req, socket, head);
}

function rejectUpgrade(socket: Socket, status: number, reason: string): void {
  if (!socket.writable) return;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
