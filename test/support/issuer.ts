/**
 * A real OIDC issuer for tests: oidc-provider 9 on 127.0.0.1 with a random port, the dev login form (any login,
 * any password), auto-granted consent, refresh tokens, RP-initiated logout, and access to its signing key so tests
 * can forge tokens the real issuer would never produce.
 *
 * Redirect URIs: by default (`strictRedirectUris: false`) every client also accepts any http(s) redirect URI on
 * 127.0.0.1, localhost or a *.test host, because tests learn authgate's port only after starting it. Exact URIs can
 * still be registered (`setRedirectUris`, `addClient`) and `strictRedirectUris: true` allows only those.
 *
 * Refresh tokens: issued whenever the authorization request asked for offline_access, with or without
 * prompt=consent (or on every code grant with refreshTokenPolicy 'always'); see offlineAccessTracker. Consent is
 * auto-granted, so no consent form appears unless the client sends prompt=consent.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { ClientMetadata, default as ProviderClass } from 'oidc-provider';
import type { JWK } from 'jose';
import {
  forgeJws,
  generateSigningKey,
  type ForgeOptions,
  type SigningAlg,
  type SigningKey,
} from './issuer/keys.js';
import { buildProviderConfig, type ProviderSettings, type UserOverrides } from './issuer/providerConfig.js';
import { createOfflineAccessTracker } from './issuer/offlineAccessTracker.js';
import { IssuerStore } from './issuer/store.js';

export type { ForgeOptions, SigningKey, UserOverrides };

export interface IssuerClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
}

export interface IssuerOptions {
  idTokenTtl?: number;
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  rotateRefreshTokens?: boolean;
  refreshTokenPolicy?: 'offline_access' | 'always';
  groupsScopeRequired?: boolean;
  strictRedirectUris?: boolean;
  clients?: IssuerClient[];
  users?: Record<string, UserOverrides>;
  defaultGroups?: string[];
  signingAlg?: SigningAlg;
  /**
   * false: refresh answers carry no id_token (OIDC Core 12.2 allows it; some IdPs do so). oidc-provider issues one
   * whenever the refresh token has the openid scope, so it is removed from its answer. Default true.
   */
  idTokenOnRefresh?: boolean;
  /** Serve over HTTPS with this certificate (PEM); the issuer URL is then https://127.0.0.1:PORT. */
  tls?: { cert: string; key: string };
}

export interface IssuerCounts {
  /** Token-endpoint calls with grant_type=authorization_code. */
  token: number;
  /** Token-endpoint calls with grant_type=refresh_token. */
  refresh: number;
  authorization: number;
  endSession: number;
  userinfo: number;
  revocation: number;
}

export interface Issuer {
  url: string;
  port: number;
  clientId: string;
  clientSecret: string;
  counts: IssuerCounts;
  resetCounts(): void;
  jwks(): Promise<{ keys: JWK[] }>;
  signingKey(): SigningKey;
  rotateKeys(opts?: { keepOld?: boolean }): Promise<void>;
  addClient(client: IssuerClient): void;
  setRedirectUris(clientId: string, redirectUris: string[], postLogoutRedirectUris?: string[]): void;
  setUser(login: string, overrides: UserOverrides): void;
  /** Switch `idTokenOnRefresh` while the issuer runs. */
  setIdTokenOnRefresh(on: boolean): void;
  revokeAllGrants(): Promise<void>;
  revokeRefreshTokens(login: string): Promise<void>;
  clearSessions(): Promise<void>;
  /** 'close' (default) destroys every socket; '503' answers 503 to everything. */
  setDown(down: boolean, mode?: 'close' | '503'): void;
  stop(): Promise<void>;
}

export const DEFAULT_CLIENT_ID = 'authgate';
export const DEFAULT_CLIENT_SECRET = 'authgate-test-secret-0123456789';

/**
 * oidc-provider warns on import (Node 20 "unsupported runtime") and on every construction (dev interactions): both
 * expected here, and repeated in every test file they would bury real output. Only those warnings are dropped.
 */
async function quietly<T>(fn: () => T | Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider WARNING')) return;
    warn(...args);
  };
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

function isLocalRedirect(uri: string): boolean {
  const u = URL.parse(uri);
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.hash) return false;
  const h = u.hostname;
  return h === '127.0.0.1' || h === 'localhost' || h === '[::1]' || h.endsWith('.test');
}

function clientMetadata(c: IssuerClient, alg: SigningAlg): ClientMetadata {
  return {
    client_id: c.clientId,
    client_secret: c.clientSecret,
    // oidc-provider refuses a code client with no redirect URI; the placeholder is never used when wildcards are on.
    redirect_uris: c.redirectUris.length ? c.redirectUris : ['http://127.0.0.1/oauth2/callback'],
    post_logout_redirect_uris: c.postLogoutRedirectUris ?? [],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    id_token_signed_response_alg: alg,
  };
}

export async function startIssuer(opts: IssuerOptions = {}): Promise<Issuer> {
  const alg = opts.signingAlg ?? 'RS256';
  const { default: Provider } = await quietly(() => import('oidc-provider'));
  const store = new IssuerStore();
  const offlineAccess = createOfflineAccessTracker();
  const clients = opts.clients ?? [
    { clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, redirectUris: [] },
  ];
  for (const c of clients) store.clients.set(c.clientId, clientMetadata(c, alg));
  const settings: ProviderSettings = {
    idTokenTtl: opts.idTokenTtl ?? 3600,
    accessTokenTtl: opts.accessTokenTtl ?? 3600,
    refreshTokenTtl: opts.refreshTokenTtl ?? 14 * 24 * 3600,
    rotateRefreshTokens: opts.rotateRefreshTokens ?? true,
    refreshTokenPolicy: opts.refreshTokenPolicy ?? 'offline_access',
    groupsScopeRequired: opts.groupsScopeRequired ?? false,
    users: { ...opts.users },
    defaultGroups: opts.defaultGroups ?? ['dev', 'ops'],
    keys: [await generateSigningKey(alg)],
    cookieKeys: [randomBytes(32).toString('base64url')],
    store,
    offlineRequested: offlineAccess.requestedFor,
  };
  const counts: IssuerCounts = {
    token: 0,
    refresh: 0,
    authorization: 0,
    endSession: 0,
    userinfo: 0,
    revocation: 0,
  };
  let down: false | 'close' | '503' = false;
  let idTokenOnRefresh = opts.idTokenOnRefresh ?? true;
  let handler: http.RequestListener = () => undefined;

  const listener: http.RequestListener = (req, res) => {
    if (down === 'close') return void req.socket.destroy();
    if (down === '503') return void res.writeHead(503, { 'content-type': 'text/plain' }).end('issuer down');
    handler(req, res);
  };
  const server = opts.tls ? https.createServer(opts.tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  // A key rotation needs a new Provider (its keystore is fixed at construction); the store and cookie keys carry
  // sessions and grants over, so signed-in users stay signed in.
  const mountProvider = async () => {
    const provider: ProviderClass = await quietly(() => new Provider(url, buildProviderConfig(settings)));
    const proto = provider.Client.prototype;
    const exactRedirect = proto.redirectUriAllowed;
    const exactLogout = proto.postLogoutRedirectUriAllowed;
    const wildcard = opts.strictRedirectUris !== true;
    proto.redirectUriAllowed = function (uri: string) {
      return exactRedirect.call(this, uri) || (wildcard && isLocalRedirect(uri));
    };
    proto.postLogoutRedirectUriAllowed = function (uri: string) {
      return exactLogout.call(this, uri) || (wildcard && isLocalRedirect(uri));
    };
    provider.use(offlineAccess.middleware);
    provider.use(async (ctx, next) => {
      await next();
      const route = ctx.oidc?.route;
      if (route === 'token') {
        const grantType = ctx.oidc?.params?.grant_type;
        if (grantType === 'authorization_code') counts.token += 1;
        if (grantType === 'refresh_token') counts.refresh += 1;
        const body = ctx.body as Record<string, unknown> | undefined;
        if (grantType === 'refresh_token' && !idTokenOnRefresh && body) delete body.id_token;
      } else if (route === 'authorization') counts.authorization += 1;
      else if (route === 'end_session') counts.endSession += 1;
      else if (route === 'userinfo') counts.userinfo += 1;
      else if (route === 'revocation') counts.revocation += 1;
    });
    handler = provider.callback();
  };
  await mountProvider();

  const deleteAll = (model: string, keep: (p: Record<string, unknown>) => boolean = () => false) => {
    for (const [id, p] of store.list(model)) if (!keep(p as Record<string, unknown>)) store.delete(model, id);
  };
  const getClient = (clientId: string): ClientMetadata => {
    const c = store.clients.get(clientId);
    if (!c) throw new Error(`unknown client ${clientId}`);
    return c;
  };

  return {
    url,
    port,
    clientId: clients[0]?.clientId ?? DEFAULT_CLIENT_ID,
    clientSecret: clients[0]?.clientSecret ?? DEFAULT_CLIENT_SECRET,
    counts,
    resetCounts: () => {
      for (const k of Object.keys(counts) as Array<keyof IssuerCounts>) counts[k] = 0;
    },
    jwks: async () => ({ keys: settings.keys.map((k) => k.publicJwk) }),
    signingKey: () => settings.keys[0] as SigningKey,
    rotateKeys: async ({ keepOld = true } = {}) => {
      const fresh = await generateSigningKey(alg);
      settings.keys = keepOld ? [fresh, ...settings.keys] : [fresh];
      await mountProvider();
    },
    addClient: (c) => void store.clients.set(c.clientId, clientMetadata(c, alg)),
    setRedirectUris: (clientId, redirectUris, postLogoutRedirectUris) => {
      const c = getClient(clientId);
      c.redirect_uris = redirectUris;
      if (postLogoutRedirectUris) c.post_logout_redirect_uris = postLogoutRedirectUris;
    },
    setUser: (login, overrides) => void (settings.users[login] = overrides),
    setIdTokenOnRefresh: (on) => void (idTokenOnRefresh = on),
    revokeAllGrants: async () => {
      for (const model of ['Grant', 'RefreshToken', 'AccessToken', 'AuthorizationCode']) deleteAll(model);
    },
    revokeRefreshTokens: async (login) => deleteAll('RefreshToken', (p) => p.accountId !== login),
    clearSessions: async () => deleteAll('Session'),
    setDown: (isDown, mode = 'close') => {
      down = isDown ? mode : false;
      if (isDown) server.closeAllConnections();
    },
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * A token signed with the issuer's real key (or a hostile variant). Defaults: iss = issuer, aud = its client id,
 * sub 'alice', iat now, exp now + 1 h, and the default email/groups; `claims` override, and a claim set to
 * undefined is left out.
 */
export async function forgeIdToken(
  issuer: Issuer,
  claims: Record<string, unknown>,
  opts: ForgeOptions = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const merged: Record<string, unknown> = {
    iss: issuer.url,
    aud: issuer.clientId,
    sub: 'alice',
    email: 'alice@example.com',
    email_verified: true,
    groups: ['dev', 'ops'],
    iat: now,
    exp: now + 3600,
    ...claims,
  };
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  return forgeJws(issuer.signingKey(), merged, opts);
}
