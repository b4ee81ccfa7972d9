import type { IncomingHttpHeaders } from 'node:http';
import type { Options } from '../config/options.js';
import type { SessionState } from '../session/types.js';
import type { ImpersonationPlan } from '../kube/credentials.js';
import { utf8HeaderValue } from './headerValue.js';

/**
 * Every header that could carry an identity to an upstream. A client must never be able to send one of
 * these itself: Kubernetes trusts Impersonate-* and X-Remote-*, the dashboard trusts Authorization,
 * Headlamp trusts X-Forwarded-*. Names are compared lower-case with `_` read as `-`, because some servers
 * (and oauth2-proxy's CVE-2025-64484) fold underscores into dashes.
 */
const IDENTITY_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-groups',
  'x-forwarded-group',
  'x-forwarded-preferred-username',
  'x-forwarded-access-token',
  'x-forwarded-id-token',
  'x-id-token',
  'x-user',
  'x-email',
  'gap-auth',
  'gap-signature',
]);
const IDENTITY_PREFIXES = ['x-auth-request-', 'impersonate-', 'x-remote-'];

/** Several values under one name are sent as several header lines (Impersonate-Group). */
export type HeaderList = ReadonlyArray<readonly [string, string | string[]]>;

export interface IdentityHeaderPlan {
  /** Removes every client-sent identity header from `headers` in place. */
  strip(headers: IncomingHttpHeaders): void;
  /** The headers to add for this session (memoised per session object). */
  forSession(session: SessionState): HeaderList;
}

export function createIdentityHeaderPlan(
  options: Options,
  onLargeBearer?: (bytes: number) => void,
  impersonation?: ImpersonationPlan,
): IdentityHeaderPlan {
  const exact = new Set(IDENTITY_HEADERS);
  if (options.passIdTokenHeader) exact.add(options.passIdTokenHeader.toLowerCase().replaceAll('_', '-'));
  const memo = new WeakMap<SessionState, HeaderList>();
  // Under --kube-impersonation the user's bearer is replaced by authgate's own token, which rotates: the
  // per-session list is rebuilt only when the token it was built with is no longer the current one.
  const impersonating = options.kubeImpersonation && impersonation ? impersonation : null;
  const withToken = new WeakMap<SessionState, { token: string; list: HeaderList }>();
  let warned = false;

  const isIdentityHeader = (name: string): boolean => {
    const n = name.includes('_') ? name.replaceAll('_', '-') : name;
    if (exact.has(n)) return true;
    for (const prefix of IDENTITY_PREFIXES) if (n.startsWith(prefix)) return true;
    return false;
  };

  const build = (s: SessionState): HeaderList => {
    const out: Array<readonly [string, string | string[]]> = [];
    if (options.passAuthorizationHeader && s.idToken && !impersonating) {
      out.push(['authorization', `Bearer ${s.idToken}`]);
      if (!warned && s.idToken.length > 6144 && onLargeBearer) {
        warned = true;
        onLargeBearer(s.idToken.length);
      }
    }
    if (options.passIdTokenHeader && s.idToken)
      out.push([options.passIdTokenHeader.toLowerCase(), s.idToken]);
    if (options.passUserHeaders) {
      const user = options.preferEmailToUser && s.email ? s.email : s.sub;
      if (user) out.push(['x-forwarded-user', utf8HeaderValue(user)]);
      if (s.email) out.push(['x-forwarded-email', utf8HeaderValue(s.email)]);
      if (s.groups.length > 0) out.push(['x-forwarded-groups', utf8HeaderValue(s.groups.join(','))]);
      if (s.preferredUsername)
        out.push(['x-forwarded-preferred-username', utf8HeaderValue(s.preferredUsername)]);
    }
    if (options.passAccessToken && s.accessToken) out.push(['x-forwarded-access-token', s.accessToken]);
    return out;
  };

  return {
    strip(headers) {
      for (const name of Object.keys(headers)) if (isIdentityHeader(name)) delete headers[name];
    },
    forSession(session) {
      let list = memo.get(session);
      if (!list) {
        list = build(session);
        memo.set(session, list);
      }
      if (!impersonating) return list;
      const token = impersonating.token();
      const hit = withToken.get(session);
      if (hit && hit.token === token) return hit.list;
      const mapped = impersonating.headersFor(session);
      // An identity authgate refuses to impersonate (a system: name from before a configuration change)
      // goes upstream with no credential at all: anonymous, never as authgate's service account.
      const full: HeaderList = mapped.ok
        ? [['authorization', `Bearer ${token}`], ...mapped.headers, ...list]
        : list;
      withToken.set(session, { token, list: full });
      return full;
    },
  };
}
