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

export type KubeUsernameClaim = 'email' | 'sub' | 'preferred_username' | 'login';

/** One --kube-extra-claim KEY=CLAIM: key already lower-case. */
export interface KubeExtraClaim {
  readonly key: string;
  readonly claim: string;
}

/** One --kube-cluster NAME=URL[,ca-file]: CA as PEM text ('' = system CAs). */
export interface KubeCluster {
  readonly name: string;
  readonly url: string;
  readonly caPem: string;
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
  /** --https-address: where HTTPS is served, or null (off). */
  readonly httpsAddress: { readonly host: string; readonly port: number } | null;
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
  /** Node's name for --tls-min-version. */
  readonly tlsMinVersion: 'TLSv1.2' | 'TLSv1.3';
  /** --metrics-address: where Prometheus /metrics is served, or null (off). */
  readonly metricsAddress: { readonly host: string; readonly port: number } | null;
  /** After SIGTERM, how long /ready fails while connections are still accepted (ms). */
  readonly shutdownGrace: number;

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
  /** --skip-jwt-bearer-tokens: a request carrying a verifiable bearer JWT needs no cookie. */
  readonly skipJwtBearerTokens: boolean;
  /** --extra-jwt-issuers, parsed: further issuers (and the audience each must name) for bearer JWTs. */
  readonly extraJwtIssuers: readonly { readonly issuer: string; readonly audience: string }[];
  readonly insecureOidcAllowUnverifiedEmail: boolean;
  readonly providerCaFiles: readonly string[];
  readonly sslInsecureSkipVerify: boolean;
  readonly prompt: string;
  /** --backend-logout-url: called (GET) at sign-out; `{id_token}` is replaced by the session's ID token. */
  readonly backendLogoutUrl: string;
  /** Redirect to the issuer's end_session_endpoint at sign-out (RP-initiated logout). */
  readonly oidcRpInitiatedLogout: boolean;
  readonly providerTimeout: number;

  // --- github / google (src/config/buildProviders.ts) ---
  readonly githubOrg: string;
  /** --github-team split on commas. */
  readonly githubTeams: readonly string[];
  /** owner/repo. */
  readonly githubRepo: string;
  readonly githubToken: string;
  readonly githubUsers: readonly string[];
  /** GitHub API base ('' = https://api.github.com). */
  readonly validateUrl: string;
  readonly googleHostedDomains: readonly string[];
  readonly googleGroups: readonly string[];
  readonly googleAdminEmail: string;
  /** Path of the service-account key file (checked at start, read by the provider). */
  readonly googleServiceAccountJson: string;

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
  /** Refresh when the ID token has less than this many ms left (--token-refresh-margin). */
  readonly tokenRefreshMargin: number;
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
  /** --upstream-ca files (checked at start, re-read when they change): the only CAs trusted for https upstreams. */
  readonly upstreamCaFiles: readonly string[];
  readonly skipAuthRoutes: readonly SkipAuthRouteOption[];
  /** Regex sources matched against the path: unauthenticated requests get 401 JSON, not a redirect. */
  readonly apiRoutes: readonly string[];
  readonly whitelistDomains: readonly string[];
  readonly skipProviderButton: boolean;
  /** --custom-templates-dir ('' = built-in pages). */
  readonly customTemplatesDir: string;
  /** The templates read from it at start, file name -> text (src/http/pages/templates.ts); null without it. */
  readonly customTemplates: Readonly<Partial<Record<string, string>>> | null;
  /** --banner / --footer text. */
  readonly banner: string;
  readonly footer: string;

  // --- sessions ---
  readonly sessionStoreType: SessionStoreType;
  /** Standalone Redis: redis:// or rediss:// URL ('' = unset). Credentials in it are overridden by the flags. */
  readonly redisConnectionUrl: string;
  readonly redisUsername: string;
  readonly redisPassword: string;
  readonly redisUseSentinel: boolean;
  readonly redisSentinelMasterName: string;
  readonly redisSentinelConnectionUrls: readonly string[];
  readonly redisSentinelPassword: string;
  readonly redisUseCluster: boolean;
  readonly redisClusterConnectionUrls: readonly string[];
  /** PEM CA bundle (contents, read at start) for rediss://; '' = the system's CAs. */
  readonly redisCaPem: string;
  readonly redisInsecureSkipTlsVerify: boolean;

  // --- kubernetes ---
  readonly kubeImpersonation: boolean;
  /** authgate's own service-account token (re-read when it changes): sent as the bearer under impersonation. */
  readonly kubeServiceAccountTokenFile: string;
  /** Session field that becomes Impersonate-User. `login` is GitHub's name for preferred_username. */
  readonly kubeUsernameClaim: KubeUsernameClaim;
  /** Effective user-name prefix ('' = none), resolved like kube-apiserver's --oidc-username-prefix. */
  readonly kubeUsernamePrefix: string;
  /** Prepended to every group, like --oidc-groups-prefix; '' = none. */
  readonly kubeGroupsPrefix: string;
  /** Also send Impersonate-Uid: <sub>. */
  readonly kubeImpersonateUid: boolean;
  /** Impersonate-Extra-<key> from a session claim. */
  readonly kubeExtraClaims: readonly KubeExtraClaim[];
  /** Apiserver asked by /oauth2/whoami; '' = whoami off. */
  readonly kubeApiserverUrl: string;
  /** PEM CA bundle (contents) to verify the apiserver with; '' = the system's CAs. */
  readonly kubeApiserverCa: string;
  readonly kubeWhoamiNamespaces: readonly string[];
  /** Effective: the flag AND an apiserver URL. */
  readonly kubeWhoamiAfterSignIn: boolean;
  /** Clusters offered in /oauth2/kubeconfig (from --kube-cluster, else the apiserver URL). */
  readonly kubeClusters: readonly KubeCluster[];
  /** Public client id kubectl's kubelogin signs in with; '' = /oauth2/kubeconfig off. */
  readonly kubeconfigClientId: string;

  // --- logging ---
  readonly logLevel: LogLevel;
  readonly requestLogging: boolean;
  readonly authLogging: boolean;
  readonly standardLogging: boolean;
  readonly silencePingLogging: boolean;
  readonly excludeLoggingPaths: readonly string[];
  /** --request-id-header, lower-cased. */
  readonly requestIdHeader: string;
}
