import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../services.js';
import type { SessionState } from '../../session/types.js';
import { checkAuthQuery, parseAuthQuery, type AuthQueryRules } from '../../authz/authQuery.js';
import { parseCookieHeader } from '../../session/cookies.js';
import { findSession } from '../sessionGate.js';
import { authenticate } from '../authenticate.js';
import { utf8HeaderValue } from '../../proxy/headerValue.js';
import { sendJson } from '../respond.js';
import { noteRequest } from '../../observability/requestNotes.js';

/** Parsed /oauth2/auth query rules, keyed by the raw query string: ingresses repeat the same few URLs. */
const ruleCache = new Map<string, AuthQueryRules>();
const RULE_CACHE_MAX = 256;

function rulesFor(rawQuery: string): AuthQueryRules {
  let rules = ruleCache.get(rawQuery);
  if (!rules) {
    rules = parseAuthQuery(new URLSearchParams(rawQuery));
    if (ruleCache.size >= RULE_CACHE_MAX) ruleCache.clear();
    ruleCache.set(rawQuery, rules);
  }
  return rules;
}

type AnswerHeaders = Readonly<Record<string, string | string[]>>;

/**
 * The 202 answer's headers, built once per session object (sessions are cached objects, like the identity
 * headers of the data path): /oauth2/auth is asked on every request the ingress sees. Keyed by session, checked
 * against the Services that built them (one entry per session; tests run several authgates in one process).
 */
const answered = new WeakMap<SessionState, { readonly svc: Services; readonly headers: AnswerHeaders }>();

function answerHeadersFor(svc: Services, s: SessionState): AnswerHeaders {
  const memo = answered.get(s);
  if (memo !== undefined && memo.svc === svc) return memo.headers;
  const headers = Object.freeze({ ...answerHeaders(svc, s), 'content-length': '0' });
  answered.set(s, { svc, headers });
  return headers;
}

/** The headers /oauth2/auth answers with, per flags (as oauth2-proxy names them). */
function answerHeaders(svc: Services, s: SessionState): Record<string, string | string[]> {
  const o = svc.options;
  const h: Record<string, string | string[]> = { 'cache-control': 'no-store' };
  const user = o.preferEmailToUser && s.email ? s.email : s.sub;
  h['gap-auth'] = utf8HeaderValue(user || s.email);
  if (o.setAuthorizationHeader && o.kubeImpersonation) {
    // The same credential the data path sends: authgate's service-account bearer plus Impersonate-* (one
    // Impersonate-Group line per group), never the user's own token.
    for (const [name, value] of svc.identityHeaders.forSession(s)) {
      if (name === 'authorization' || name.startsWith('impersonate-')) h[name] = value;
    }
  } else if (o.setAuthorizationHeader && s.idToken) {
    h.authorization = `Bearer ${s.idToken}`;
  }
  if (o.setXAuthRequest) {
    if (user) h['x-auth-request-user'] = utf8HeaderValue(user);
    if (s.email) h['x-auth-request-email'] = utf8HeaderValue(s.email);
    if (s.groups.length > 0) h['x-auth-request-groups'] = utf8HeaderValue(s.groups.join(','));
    if (s.preferredUsername) h['x-auth-request-preferred-username'] = utf8HeaderValue(s.preferredUsername);
    if (o.passAccessToken && s.accessToken) h['x-auth-request-access-token'] = s.accessToken;
  }
  if (o.passIdTokenHeader && s.idToken) h[o.passIdTokenHeader.toLowerCase()] = s.idToken;
  return h;
}

/**
 * Forward-auth: 202 with identity headers, 401 without a usable session, 403 when the query's rules refuse.
 * Never a redirect (the ingress turns 401 into the sign-in redirect), never a call to the upstream.
 */
export async function handleForwardAuth(
  svc: Services,
  req: IncomingMessage,
  res: ServerResponse,
  rawQuery: string,
): Promise<void> {
  const info = svc.readInfo(req);
  const bare = (status: number) => {
    res.writeHead(status, { 'cache-control': 'no-store', 'content-length': '0' });
    res.end();
  };
  // A bearer JWT (--skip-jwt-bearer-tokens) decides on its own: valid and allowed, or 401/403.
  const r = await authenticate(svc, req, svc.cookies(req).jar, info.host);
  if (r.kind === 'unavailable') return bare(503);
  if (r.kind === 'bearer_invalid') return bare(401);
  if (r.kind === 'bearer_forbidden') return bare(403);
  if (r.kind === 'none') {
    const headers: Record<string, string | string[]> = { 'cache-control': 'no-store', 'content-length': '0' };
    if (r.clearCookies.length > 0) headers['set-cookie'] = [...r.clearCookies];
    res.writeHead(401, headers);
    res.end();
    return;
  }
  const session = r.session;
  if (svc.options.requestLogging) {
    noteRequest(req, { user: session.sub, email: session.email, clientIp: info.clientIp });
  }
  if (rawQuery && !checkAuthQuery(session, rulesFor(rawQuery))) return bare(403);
  const headers = answerHeadersFor(svc, session);
  // A refreshed session goes back to the browser through the ingress (auth_request_set $upstream_http_set_cookie).
  // writeHead only reads the object: the frozen memo goes out as it is when there is no cookie to add.
  res.writeHead(202, r.setCookies.length > 0 ? { ...headers, 'set-cookie': [...r.setCookies] } : headers);
  res.end();
}

export async function handleUserInfo(
  svc: Services,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const session = await findSession(svc, parseCookieHeader(req.headers.cookie));
  if (!session) {
    sendJson(res, 401, { error: 'unauthorized', message: 'Not signed in.' });
    return;
  }
  const user = svc.options.preferEmailToUser && session.email ? session.email : session.sub;
  sendJson(res, 200, {
    user,
    email: session.email,
    groups: session.groups,
    preferredUsername: session.preferredUsername,
  });
}
