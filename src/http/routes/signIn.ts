import type { IncomingMessage, ServerResponse } from 'node:http';
import * as client from 'openid-client';
import type { Services } from '../services.js';
import type { RequestInfo } from '../requestInfo.js';
import type { CsrfState, SessionState } from '../../session/types.js';
import { ProviderError } from '../../errors.js';
import { AccessRefusedError } from '../../providers/refusal.js';
import { decideAccess } from '../../authz/decide.js';
import { pickRedirect, validateRedirect, type RedirectContext } from '../../redirect/validator.js';
import { parseCookieHeader } from '../../session/cookies.js';
import { errorPage, forbiddenPage, FRAGMENT_PARAM, signInPage } from '../pages/pages.js';
import { sendHtml } from '../respond.js';
import { requestIdOf } from '../requestId.js';
import type { AuditFields } from '../../observability/audit.js';
import type { SignInOutcome } from '../../observability/metrics.js';

/** Where to go after sign-in: rd, then X-Auth-Request-Redirect, then (trusted proxy only) the original URL. */
export function redirectTarget(
  svc: Services,
  req: IncomingMessage,
  info: RequestInfo,
  query: URLSearchParams,
): string {
  const header = req.headers['x-auth-request-redirect'];
  const candidates = [query.get('rd') ?? undefined, typeof header === 'string' ? header : undefined];
  // The original URL rebuilt from X-Forwarded-* (a forward-auth sign-in), never authgate's own endpoint:
  // returning to /oauth2/start after sign-in would loop.
  if (info.forwarded && info.host && !info.path.startsWith(`${svc.options.proxyPrefix}/`)) {
    candidates.push(`${info.scheme}://${info.host}${info.uri}`);
  }
  const ctx = { whitelist: svc.whitelist, ownHost: info.host };
  return withFragment(pickRedirect(candidates, ctx), query.get(FRAGMENT_PARAM), ctx);
}

/**
 * The `#fragment` the sign-in page's script read (hash routes: `#/pod/x?tab=logs`) appended to the target that
 * was already chosen and validated. The combination is validated again and dropped when refused, so a fragment
 * can never turn a safe target into an unsafe one; a target that has its own fragment keeps it.
 */
export function withFragment(target: string, fragment: string | null, ctx: RedirectContext): string {
  if (!fragment || target.includes('#')) return target;
  return validateRedirect(`${target}#${fragment}`, ctx) ?? target;
}

/**
 * /oauth2/start opened by the browser as a page (Sec-Fetch-Dest: document, sent over https and to localhost)
 * without the sign-in form's fragment field: nothing has read the fragment yet, and a redirect to the provider
 * would lose it at the provider's login form. Such a request gets the page that reads it and continues.
 */
export function needsFragmentPage(req: IncomingMessage, query: URLSearchParams): boolean {
  return (
    req.headers['sec-fetch-dest'] === 'document' &&
    req.headers['sec-fetch-mode'] === 'navigate' &&
    !query.has(FRAGMENT_PARAM)
  );
}

function callbackUrl(svc: Services, info: RequestInfo): string {
  return svc.options.redirectUrl?.href ?? `${info.scheme}://${info.host}${svc.options.proxyPrefix}/callback`;
}

/** Sends the browser to the provider, remembering state, nonce, PKCE verifier and target in a CSRF cookie. */
export async function startSignIn(
  svc: Services,
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo,
  target: string,
): Promise<void> {
  if (!svc.provider.isReady()) {
    const id = requestIdOf(req, svc.options.requestIdHeader);
    sendHtml(
      res,
      503,
      errorPage(svc.pages, 503, 'The identity provider is not reachable yet. Try again in a moment.', id),
    );
    return;
  }
  const method = svc.options.codeChallengeMethod;
  const codeVerifier = method ? client.randomPKCECodeVerifier() : '';
  const codeChallenge =
    method === 'S256'
      ? await client.calculatePKCECodeChallenge(codeVerifier)
      : method === 'plain'
        ? codeVerifier
        : '';
  const csrf: CsrfState = {
    v: 1,
    state: client.randomState(),
    nonce: client.randomNonce(),
    codeVerifier,
    // Absolute, so that a callback on another host (central mode) returns to the host the user started on.
    redirect: target.startsWith('/') && info.host ? `${info.scheme}://${info.host}${target}` : target,
    redirectUri: callbackUrl(svc, info),
    expiresAt: svc.now() + Math.floor(svc.options.cookieCsrfExpire / 1000),
  };
  const { setCookie } = await svc.store.sealCsrf(csrf, info.host, svc.now());
  const location = svc.provider.authorizationUrl({
    redirectUri: csrf.redirectUri,
    state: csrf.state,
    nonce: csrf.nonce,
    codeChallenge,
    codeChallengeMethod: method,
  });
  res.writeHead(302, { location: location.href, 'set-cookie': setCookie, 'cache-control': 'no-store' });
  res.end();
}

/** The sign-in page. It first clears any session this browser carries, so nobody can fix a session on it. */
export async function showSignIn(
  svc: Services,
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo,
  target: string,
): Promise<void> {
  const cookies = parseCookieHeader(req.headers.cookie);
  const clears = await svc.sessions.clear(info.host, cookies);
  sendHtml(
    res,
    200,
    signInPage(svc.pages, svc.provider.displayName, target),
    clears.length ? { 'set-cookie': clears } : {},
  );
}

/** The provider's redirect back: checks state against the CSRF cookie, redeems the code, admits or refuses. */
export async function handleCallback(
  svc: Services,
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo,
): Promise<void> {
  const id = requestIdOf(req, svc.options.requestIdHeader);
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  const audit = (outcome: SignInOutcome, extra: AuditFields) =>
    svc.audit.signIn(outcome, { clientIp: info.clientIp, requestId: id, ...extra });
  const refuse = (status: number, message: string, reason: string) => {
    audit('refused', { reason });
    sendHtml(res, status, errorPage(svc.pages, status, message, id));
  };

  if (query.get('error'))
    return refuse(403, 'The identity provider did not complete the sign-in.', 'provider_error');
  const state = query.getAll('state');
  if (state.length !== 1 || !state[0] || query.getAll('code').length !== 1) {
    return refuse(400, 'This sign-in link is incomplete. Start the sign-in again.', 'bad_callback');
  }
  const cookies = parseCookieHeader(req.headers.cookie);
  const csrf = await svc.store.openCsrf(cookies, state[0], svc.now());
  if (!csrf) {
    return refuse(
      403,
      'This sign-in has expired or was started in another browser. Start the sign-in again.',
      'csrf',
    );
  }
  const clearCsrf = svc.store.clearCsrf(csrf.state, info.host);
  const currentUrl = new URL(csrf.redirectUri);
  currentUrl.search = query.toString();
  let identity;
  try {
    identity = await svc.provider.redeem({
      callbackUrl: currentUrl,
      redirectUri: csrf.redirectUri,
      expectedState: csrf.state,
      expectedNonce: csrf.nonce,
      codeVerifier: csrf.codeVerifier,
    });
  } catch (err) {
    if (err instanceof AccessRefusedError) {
      // A provider restriction (GitHub org/team/repo/user, Google hosted domain/group): same page as the rules below.
      audit('forbidden', { user: err.who.user, email: err.who.email, rule: err.rule });
      sendHtml(res, 403, forbiddenPage(svc.pages, 'Your account is not permitted to use this application.'), {
        'set-cookie': clearCsrf,
      });
      return;
    }
    const e =
      err instanceof ProviderError ? err : new ProviderError('provider_error', 'Sign-in failed.', 502);
    audit('refused', { reason: e.code });
    sendHtml(res, e.status, errorPage(svc.pages, e.status, e.message, id), { 'set-cookie': clearCsrf });
    return;
  }
  const decision = decideAccess(identity, svc.access, {
    allowUnverifiedEmail: svc.options.insecureOidcAllowUnverifiedEmail,
  });
  if (!decision.allowed) {
    audit('forbidden', { user: identity.sub, email: identity.email, rule: decision.rule });
    sendHtml(res, 403, forbiddenPage(svc.pages, 'Your account is not permitted to use this application.'), {
      'set-cookie': clearCsrf,
    });
    return;
  }
  // Never impersonate a system: name (system:masters is cluster-admin) unless a prefix makes it safe.
  const kubeRefusal = svc.kube?.refusal(identity);
  if (kubeRefusal) {
    audit('forbidden', { user: identity.sub, email: identity.email, rule: kubeRefusal.rule });
    const message = `Kubernetes cannot be told who you are: ${kubeRefusal.detail}.`;
    sendHtml(res, 403, forbiddenPage(svc.pages, message), { 'set-cookie': clearCsrf });
    return;
  }
  const now = svc.now();
  const session: SessionState = {
    v: 1,
    sub: identity.sub,
    email: identity.email,
    emailVerified: identity.emailVerified,
    preferredUsername: identity.preferredUsername,
    groups: identity.groups,
    idToken: identity.idToken,
    accessToken: svc.options.passAccessToken ? identity.accessToken : '',
    refreshToken: identity.refreshToken,
    tokenExpiresAt: identity.tokenExpiresAt,
    createdAt: now,
    expiresAt: now + Math.floor(svc.options.cookieExpire / 1000),
    refreshedAt: now,
  };
  const sessionCookies = await svc.sessions.save(session, info.host, cookies, svc.now());
  audit('success', { user: identity.sub, email: identity.email, groups: identity.groups.length });
  const target = pickRedirect([csrf.redirect], { whitelist: svc.whitelist, ownHost: info.host });
  res.writeHead(302, {
    location: svc.kube ? await svc.kube.landing(session, target) : target,
    'set-cookie': [...sessionCookies, clearCsrf],
    'cache-control': 'no-store',
  });
  res.end();
}
