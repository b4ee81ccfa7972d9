/**
 * oidc-provider drops `offline_access` from every authorization request that does not also say `prompt=consent`
 * (its checkScope), so the scope never reaches the grant. Real IdPs (Dex, Keycloak) issue a refresh token whenever
 * offline_access is asked for; this tracker restores that: it watches the authorization endpoint, remembers the
 * interactions started by a request that asked for offline_access, and the codes they end in, and the issuer's
 * `issueRefreshToken` asks it about the code being exchanged.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';

type Next = () => Promise<unknown>;

export interface OfflineAccessTracker {
  middleware(ctx: KoaContextWithOIDC, next: Next): Promise<void>;
  /** Whether the authorization code with this jti came from a request that asked for offline_access. */
  requestedFor(codeJti: string): boolean;
}

export function createOfflineAccessTracker(): OfflineAccessTracker {
  const interactions = new Set<string>();
  const codes = new Set<string>();

  return {
    async middleware(ctx, next) {
      const path = ctx.path;
      const resumeUid = /^\/auth\/([^/]+)$/.exec(path)?.[1];
      if (path !== '/auth' && !resumeUid) return void (await next());
      const scope = typeof ctx.query.scope === 'string' ? ctx.query.scope : '';
      const asked =
        path === '/auth' ? scope.split(' ').includes('offline_access') : interactions.has(resumeUid ?? '');
      await next();
      const location = ctx.response.get('location');
      if (!asked || !location) return;
      const target = new URL(location, 'http://issuer.invalid');
      const uid = /^\/interaction\/([^/]+)$/.exec(target.pathname)?.[1];
      if (uid) interactions.add(uid);
      const code = target.searchParams.get('code');
      if (code) codes.add(code);
    },
    requestedFor: (codeJti) => codes.has(codeJti),
  };
}
