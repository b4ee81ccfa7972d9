/**
 * The oidc-provider configuration of the test issuer. Kept apart from the server lifecycle so the choices that make
 * oidc-provider behave like a friendly corporate IdP are in one place, each with its reason.
 */
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { SigningKey } from './keys.js';
import type { IssuerStore } from './store.js';

export interface UserOverrides {
  email?: string;
  emailVerified?: boolean | string;
  groups?: unknown;
  name?: string;
  preferredUsername?: string;
  /** Extra top-level claims (e.g. {department: 'x'}); released with the openid scope. */
  extra?: Record<string, unknown>;
}

export interface ProviderSettings {
  idTokenTtl: number;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  rotateRefreshTokens: boolean;
  /** 'offline_access' (default): refresh token only when offline_access was granted; 'always': on every code grant. */
  refreshTokenPolicy: 'offline_access' | 'always';
  /** When true, groups are released only with the `groups` scope (Dex-like); default: with `openid` too. */
  groupsScopeRequired: boolean;
  users: Record<string, UserOverrides>;
  defaultGroups: string[];
  keys: SigningKey[];
  cookieKeys: string[];
  store: IssuerStore;
  /** Whether the code being exchanged was requested with offline_access (see offlineAccessTracker). */
  offlineRequested: (codeJti: string) => boolean;
}

/** Claims of login L: the defaults the assignment promises, then the per-user overrides (explicit undefined removes). */
export function claimsFor(
  login: string,
  s: Pick<ProviderSettings, 'users' | 'defaultGroups'>,
): Record<string, unknown> {
  const u = s.users[login] ?? {};
  const claims: Record<string, unknown> = {
    sub: login,
    email: `${login}@example.com`,
    email_verified: true,
    groups: s.defaultGroups,
    preferred_username: login,
    name: login,
  };
  const map: Array<[keyof UserOverrides, string]> = [
    ['email', 'email'],
    ['emailVerified', 'email_verified'],
    ['groups', 'groups'],
    ['name', 'name'],
    ['preferredUsername', 'preferred_username'],
  ];
  for (const [key, claim] of map) {
    if (!(key in u)) continue;
    if (u[key] === undefined) delete claims[claim];
    else claims[claim] = u[key];
  }
  return { ...claims, ...u.extra, sub: login };
}

function extraClaimNames(users: Record<string, UserOverrides>): string[] {
  return [...new Set(Object.values(users).flatMap((u) => Object.keys(u.extra ?? {})))];
}

/**
 * First-party auto-consent: the grant is created or widened to whatever the request asks for, so no consent form
 * appears unless the client sends prompt=consent (which oidc-provider always honours with the form).
 */
async function autoConsentGrant(ctx: KoaContextWithOIDC) {
  const { client, session, params, provider } = ctx.oidc;
  if (!client || !session?.accountId) return undefined;
  const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
  const existing = grantId ? await provider.Grant.find(grantId) : undefined;
  const grant = existing ?? new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
  if (typeof params?.scope === 'string') grant.addOIDCScope(params.scope);
  const claims = ctx.oidc.requestParamClaims;
  if (claims?.size) grant.addOIDCClaims([...claims]);
  await grant.save();
  return grant;
}

const escapeHtml = (v: unknown): string => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Plain pages instead of oidc-provider's defaults, which print a notice each time they are used. */
const pages: Pick<Configuration, 'renderError'> & {
  logoutSource: (ctx: KoaContextWithOIDC, form: string) => void;
  postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => void;
} = {
  renderError(ctx, out) {
    ctx.type = 'html';
    const rows = Object.entries(out).map(([k, v]) => `<p><b>${escapeHtml(k)}</b>: ${escapeHtml(v)}</p>`);
    ctx.body = `<!DOCTYPE html><title>oops</title><h1>oops! something went wrong</h1>${rows.join('')}`;
  },
  // The form (id op.logoutForm, hidden xsrf) comes from oidc-provider; the "yes" button must name logout=yes.
  logoutSource(ctx, form) {
    ctx.body = `<!DOCTYPE html><title>Logout</title>${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button><button type="submit" form="op.logoutForm">No</button>`;
  },
  postLogoutSuccessSource(ctx) {
    ctx.body = '<!DOCTYPE html><title>Signed out</title><h1>Signed out</h1>';
  },
};

export function buildProviderConfig(s: ProviderSettings): Configuration {
  const groupsInOpenid = s.groupsScopeRequired ? [] : ['groups'];
  return {
    adapter: s.store.adapterClass(),
    jwks: { keys: s.keys.map((k) => k.privateJwk as NonNullable<Configuration['jwks']>['keys'][number]) },
    cookies: { keys: s.cookieKeys },
    async findAccount(_ctx, sub) {
      return { accountId: sub, claims: async () => ({ ...claimsFor(sub, s), sub }) as { sub: string } };
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    claims: {
      openid: ['sub', ...groupsInOpenid, ...extraClaimNames(s.users)],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    // Put email/groups into the ID token even though an access token is issued too (real IdPs do this).
    conformIdTokenClaims: false,
    ttl: {
      IdToken: s.idTokenTtl,
      AccessToken: s.accessTokenTtl,
      RefreshToken: s.refreshTokenTtl,
      // Set explicitly: oidc-provider prints a notice every time one of its default TTL functions is used.
      AuthorizationCode: 60,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
    },
    rotateRefreshToken: s.rotateRefreshTokens,
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') &&
      (s.refreshTokenPolicy === 'always' ||
        code.scopes.has('offline_access') ||
        (code.kind === 'AuthorizationCode' && typeof code.jti === 'string' && s.offlineRequested(code.jti))),
    loadExistingGrant: autoConsentGrant,
    // PKCE stays optional so authgate's with- and without-PKCE paths both work; oidc-provider only knows S256.
    pkce: { required: () => false },
    clientBasedCORS: () => true,
    renderError: pages.renderError,
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: pages.logoutSource,
        postLogoutSuccessSource: pages.postLogoutSuccessSource,
      },
      userinfo: { enabled: true },
    },
  };
}
