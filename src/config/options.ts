/**
 * The one validated, frozen configuration object. Built by `loadOptions` (src/config/load.ts) from
 * flags > environment (OAUTH2_PROXY_* / AUTHGATE_*) > config file (YAML or oauth2-proxy TOML) > defaults.
 * Nothing outside src/config reads process.env or argv: everything a module needs arrives here.
 * Durations are milliseconds. Lists keep the order given.
 */

export type ProviderType = 'oidc' | 'github' | 'google';
export type SameSite = 'lax' | 'strict' | 'none' | '';
export type CodeChallengeMethod = 'S256' | 'plain' | '';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export type SessionStoreType = 'cookie' | 'redis';

/** One --upstream: requests whose path starts with `pathPrefix` go to `url` (path kept as requested). */
export interface UpstreamOption {
  readonly url: URL;
  /** The upstream URL's path, always ending in '/': the route prefix (longest wins). */
  readonly pathPrefix: string;
}

/** One --skip-auth-route: `METHOD=regex`, `METHOD!=regex` or `regex`. Matched against the path only. */
export interface SkipAuthRouteOption {
  /** Upper-case HTTP method, or null for any method. */
  readonly method: string | null;
  /** `METHOD!=regex`: applies to every method except `method`. */
  readonly negateMethod: boolean;
  readonly pattern: string;
}

export interface Options {
  // --- server ---
  readonly httpAddress: { readonly host: string; readonly port: number };
  readonly reverseProxy: boolean;
  /** CIDRs (IPv4/IPv6) of proxies trusted for X-Forwarded-*; empty = every peer (warned at start). */
  readonly trustedProxyIps: readonly string[];
  readonly realClientIpHeader: string;
  readonly proxyPrefix: string;
  readonly pingPath: string;
  readonly readyPath: string;
  readonly forceJsonErrors: boolean;

  // --- provider ---
  readonly provider: ProviderType;
  readonly providerDisplayName: string;
  readonly oidcIssuerUrl: string;
  readonly clientId: string;
  /** From --client-secret or the contents of --client-secret-file (trimmed). */
  readonly clientSecret: string;
  /** Space-separated; '' means the provider's default. */
  readonly scope: string;
  /** Absolute callback URL, or null: derived from the request (host + proxyPrefix/callback). */
  readonly redirectUrl: URL | null;
  readonly codeChallengeMethod: CodeChallengeMethod;
  readonly skipOidcDiscovery: boolean;
  readonly loginUrl: string;
  readonly redeemUrl: string;
  readonly oidcJwksUrl: string;
  readonly oidcEmailClaim: string;
  readonly oidcGroupsClaim: string;
  readonly oidcExtraAudiences: readonly string[];
  readonly insecureOidcAllowUnverifiedEmail: boolean;
  readonly providerCaFiles: readonly string[];
  readonly sslInsecureSkipVerify: boolean;
  readonly prompt: string;
  readonly providerTimeout: number;

  // --- who may enter ---
  readonly emailDomains: readonly string[];
  readonly authenticatedEmailsFile: string;
  readonly allowedGroups: readonly string[];

  // --- cookies ---
  /** Decoded cookie secrets (16, 24, 32 or more bytes each); the first seals, all unseal. */
  readonly cookieSecrets: readonly Uint8Array[];
  readonly cookieName: string;
  readonly cookieDomains: readonly string[];
  readonly cookiePath: string;
  readonly cookieExpire: number;
  readonly cookieRefresh: number;
  readonly cookieSecure: boolean;
  readonly cookieHttpOnly: boolean;
  readonly cookieSameSite: SameSite;
  readonly cookieCsrfExpire: number;

  // --- headers ---
  readonly passAuthorizationHeader: boolean;
  readonly setAuthorizationHeader: boolean;
  readonly passAccessToken: boolean;
  readonly setXAuthRequest: boolean;
  readonly passUserHeaders: boolean;
  readonly preferEmailToUser: boolean;
  readonly passHostHeader: boolean;
  /** Header name that carries the raw ID token (Headlamp: X-Forwarded-Id-Token); '' = off. */
  readonly passIdTokenHeader: string;

  // --- routing ---
  readonly upstreams: readonly UpstreamOption[];
  readonly proxyWebsockets: boolean;
  readonly upstreamTimeout: number;
  readonly flushInterval: number;
  readonly sslUpstreamInsecureSkipVerify: boolean;
  readonly skipAuthRoutes: readonly SkipAuthRouteOption[];
  /** Regex sources matched against the path: unauthenticated requests get 401 JSON, not a redirect. */
  readonly apiRoutes: readonly string[];
  readonly whitelistDomains: readonly string[];
  readonly skipProviderButton: boolean;

  // --- sessions ---
  readonly sessionStoreType: SessionStoreType;

  // --- kubernetes ---
  readonly kubeImpersonation: boolean;

  // --- logging ---
  readonly logLevel: LogLevel;
  readonly requestLogging: boolean;
  readonly authLogging: boolean;
  readonly standardLogging: boolean;
  readonly silencePingLogging: boolean;
  readonly excludeLoggingPaths: readonly string[];
  readonly requestIdHeader: string;
}
