/**
 * The flag table itself: every flag authgate takes, by group, in --help order. Types and lookups are in flags.ts.
 * Names, config keys and meanings follow oauth2-proxy (see the note at the top of flags.ts).
 */
import type { FlagDefinition, FlagGroup } from './flags.js';
import { bool, csv, dur, group, list, secret, str, urls } from './flagSpec.js';

const SERVER = group('Server', [
  str('http-address', '127.0.0.1:4180', 'httpAddress', 'host:port to listen on; ":port" = all interfaces'),
  bool('reverse-proxy', false, 'reverseProxy', 'Believe X-Forwarded-* and the client IP header'),
  csv('trusted-proxy-ip', 'trustedProxyIps', 'Proxy IP/CIDR trusted for X-Forwarded-*; none = any'),
  str('real-client-ip-header', 'X-Real-IP', 'realClientIpHeader', 'Header with the client IP'),
  str('proxy-prefix', '/oauth2', 'proxyPrefix', "Path prefix of authgate's own endpoints"),
  str('ping-path', '/ping', 'pingPath', 'Liveness endpoint'),
  str('ready-path', '/ready', 'readyPath', 'Readiness endpoint'),
  bool('force-json-errors', false, 'forceJsonErrors', 'Answer errors with JSON, never HTML'),
  str(
    'https-address',
    '',
    'httpsAddress',
    'host:port to serve HTTPS on (with the two files below); "" = off',
  ),
  str('tls-cert-file', '', 'tlsCertFile', 'PEM certificate (chain) for HTTPS; re-read when it changes'),
  str('tls-key-file', '', 'tlsKeyFile', 'PEM private key for HTTPS; re-read when it changes'),
  str('tls-min-version', 'TLS1.2', 'tlsMinVersion', 'Lowest TLS version served: TLS1.2 or TLS1.3'),
  str('metrics-address', '', 'metricsAddress', 'host:port serving Prometheus /metrics; "" = off'),
  dur(
    'shutdown-grace',
    '5s',
    'shutdownGrace',
    'After SIGTERM: /ready fails, new connections accepted this long',
  ),
]);

const PROVIDER = group('Provider', [
  str('provider', 'oidc', 'provider', 'Identity provider: oidc, github or google'),
  str('provider-display-name', '', 'providerDisplayName', 'Sign-in button label; default by provider'),
  str('oidc-issuer-url', '', 'oidcIssuerUrl', 'OpenID Connect issuer URL (required for oidc)'),
  str('client-id', '', 'clientId', 'OAuth client ID (required)'),
  secret('client-secret', 'clientSecret', 'OAuth client secret (or --client-secret-file)'),
  str('client-secret-file', '', 'clientSecret', 'File holding the OAuth client secret'),
  str('scope', '', 'scope', "Space-separated scopes; default: the provider's"),
  str('redirect-url', '', 'redirectUrl', 'Absolute callback URL; default: from the request'),
  str('code-challenge-method', 'S256', 'codeChallengeMethod', 'PKCE: S256, plain, or none (off)'),
  bool('skip-oidc-discovery', false, 'skipOidcDiscovery', 'No discovery: set the 3 URLs below'),
  str('login-url', '', 'loginUrl', 'Authorization endpoint'),
  str('redeem-url', '', 'redeemUrl', 'Token endpoint'),
  str('oidc-jwks-url', '', 'oidcJwksUrl', 'JWKS endpoint'),
  str('oidc-email-claim', 'email', 'oidcEmailClaim', 'ID token claim holding the email'),
  str('oidc-groups-claim', 'groups', 'oidcGroupsClaim', 'ID token claim holding the groups'),
  list('oidc-extra-audience', 'oidcExtraAudiences', 'Additional accepted ID token audience'),
  bool(
    'skip-jwt-bearer-tokens',
    false,
    'skipJwtBearerTokens',
    'Let requests with a valid Authorization: Bearer JWT through without a cookie',
  ),
  {
    ...list('extra-jwt-issuers', 'extraJwtIssuers', 'Another issuer=audience whose bearer JWTs are accepted'),
    configKey: 'extra_jwt_issuers',
  },
  bool(
    'insecure-oidc-allow-unverified-email',
    false,
    'insecureOidcAllowUnverifiedEmail',
    'Accept email_verified=false',
  ),
  list('provider-ca-file', 'providerCaFiles', 'PEM CA bundle to trust for the provider'),
  bool('ssl-insecure-skip-verify', false, 'sslInsecureSkipVerify', "Skip the provider's TLS check (tests)"),
  str('prompt', '', 'prompt', 'OIDC prompt parameter, e.g. login or consent'),
  str(
    'backend-logout-url',
    '',
    'backendLogoutUrl',
    'URL authgate calls at sign-out to end the session at the provider; {id_token} is replaced',
  ),
  bool(
    'oidc-rp-initiated-logout',
    true,
    'oidcRpInitiatedLogout',
    'Sign out at the issuer too, through its end_session_endpoint, when it has one',
  ),
  dur('provider-timeout', '10s', 'providerTimeout', 'Timeout of each request to the provider'),
  str('github-org', '', 'githubOrg', 'GitHub: only members of this organization'),
  str('github-team', '', 'githubTeams', 'GitHub: only members of these team slugs in --github-org (a,b)'),
  str('github-repo', '', 'githubRepo', 'GitHub: only collaborators of owner/repo'),
  secret('github-token', 'githubToken', "GitHub: token for the --github-repo check (else the user's)"),
  csv('github-user', 'githubUsers', 'GitHub: login admitted whatever org/team/repo say'),
  str('validate-url', '', 'validateUrl', 'GitHub API base; GitHub Enterprise: https://HOST/api/v3'),
  csv('google-hosted-domain', 'googleHostedDomains', "Google: account's hd claim must be this; * = any"),
  csv('google-group', 'googleGroups', 'Google: only members of this group (Directory API)'),
  str('google-admin-email', '', 'googleAdminEmail', 'Google: admin the service account acts as'),
  str(
    'google-service-account-json',
    '',
    'googleServiceAccountJson',
    'Google: service-account key file (domain-wide delegation)',
  ),
]);

const AUTHORIZATION = group('Authorization', [
  csv('email-domain', 'emailDomains', 'Allowed email domain; * = any verified email'),
  str('authenticated-emails-file', '', 'authenticatedEmailsFile', 'File of allowed emails, one a line'),
  csv('allowed-group', 'allowedGroups', 'Group that may enter; any one suffices'),
]);

const COOKIE = group('Cookie', [
  secret('cookie-secret', 'cookieSecrets', '16/24/32+ bytes, raw or base64; a,b rotates'),
  str('cookie-secret-file', '', 'cookieSecrets', 'File holding the cookie secret(s)'),
  str('cookie-name', '_authgate', 'cookieName', 'Session cookie name (CSRF cookie: <name>_csrf)'),
  csv('cookie-domain', 'cookieDomains', 'Cookie domain; the longest match wins'),
  str('cookie-path', '/', 'cookiePath', 'Cookie path'),
  dur('cookie-expire', '168h', 'cookieExpire', 'Session lifetime; then sign in again'),
  dur('cookie-refresh', '0', 'cookieRefresh', 'Refresh tokens after this age; 0 = at expiry'),
  dur(
    'token-refresh-margin',
    '60s',
    'tokenRefreshMargin',
    'Refresh the tokens when the ID token has less than this left',
  ),
  bool('cookie-secure', true, 'cookieSecure', 'Set the Secure attribute'),
  bool('cookie-httponly', true, 'cookieHttpOnly', 'Set the HttpOnly attribute'),
  str('cookie-samesite', 'lax', 'cookieSameSite', 'lax, strict, none, or "" to omit'),
  dur('cookie-csrf-expire', '15m', 'cookieCsrfExpire', 'Lifetime of the CSRF cookie'),
]);

const HEADERS = group('Headers', [
  bool('pass-authorization-header', true, 'passAuthorizationHeader', 'Bearer <id_token> upstream'),
  bool('set-authorization-header', false, 'setAuthorizationHeader', 'Bearer <id_token> on /auth'),
  bool('pass-access-token', false, 'passAccessToken', 'X-Forwarded-Access-Token upstream'),
  bool('set-xauthrequest', false, 'setXAuthRequest', 'X-Auth-Request-* headers on /auth'),
  bool('pass-user-headers', true, 'passUserHeaders', 'X-Forwarded-User/-Email/-Groups upstream'),
  bool('prefer-email-to-user', false, 'preferEmailToUser', 'Use the email as the user'),
  bool('pass-host-header', true, 'passHostHeader', "Keep the request's Host upstream"),
  str('pass-id-token-header', '', 'passIdTokenHeader', 'Header for the raw ID token upstream'),
]);

const ROUTING = group('Routing', [
  list('upstream', 'upstreams', 'http(s) URL to proxy to, routed by its path'),
  bool('proxy-websockets', true, 'proxyWebsockets', 'Proxy WebSocket upgrades'),
  dur('upstream-timeout', '30s', 'upstreamTimeout', 'Timeout of an upstream response'),
  dur('flush-interval', '1s', 'flushInterval', 'Flush interval of streamed responses'),
  bool(
    'ssl-upstream-insecure-skip-verify',
    false,
    'sslUpstreamInsecureSkipVerify',
    'Do not verify upstream TLS certificates',
  ),
  // No oauth2-proxy precedent: the key is the flag's name, singular as users will guess it.
  {
    ...list(
      'upstream-ca',
      'upstreamCaFiles',
      'PEM CA bundle trusted for https upstreams (replaces the system CAs)',
    ),
    configKey: 'upstream_ca',
  },
  list('skip-auth-route', 'skipAuthRoutes', 'METHOD=regex, METHOD!=regex or regex: no sign-in'),
  // oauth2-proxy's key for this one is singular.
  {
    ...list('skip-auth-regex', 'skipAuthRoutes', 'Legacy: path regex, no sign-in'),
    configKey: 'skip_auth_regex',
  },
  list('api-route', 'apiRoutes', 'Path regex answered 401 JSON, not a redirect'),
  csv('whitelist-domain', 'whitelistDomains', 'Domain allowed as redirect target'),
  bool('skip-provider-button', false, 'skipProviderButton', 'Skip the sign-in page'),
  str(
    'custom-templates-dir',
    '',
    'customTemplatesDir',
    'Directory of sign_in.html and error.html replacing the pages',
  ),
  str('banner', '', 'banner', 'Text above every page (text, not HTML)'),
  str('footer', '', 'footer', "Text in every page's footer; '-' hides the footer"),
]);

const SESSIONS = group('Sessions', [
  str('session-store-type', 'cookie', 'sessionStoreType', 'Where sessions live: cookie or redis'),
  str('redis-connection-url', '', 'redisConnectionUrl', 'redis://[user:pass@]host:port[/db] or rediss://'),
  str('redis-username', '', 'redisUsername', 'Redis ACL user; overrides the URL'),
  secret('redis-password', 'redisPassword', 'Redis password (every mode); overrides the URL'),
  bool('redis-use-sentinel', false, 'redisUseSentinel', 'Find the Redis master through Sentinel'),
  str('redis-sentinel-master-name', '', 'redisSentinelMasterName', 'Master name Sentinel knows'),
  urls('redis-sentinel-connection-urls', 'redisSentinelConnectionUrls', 'redis:// URL of a Sentinel'),
  secret('redis-sentinel-password', 'redisSentinelPassword', 'Password of the Sentinels themselves'),
  bool('redis-use-cluster', false, 'redisUseCluster', 'Connect to a Redis Cluster'),
  urls('redis-cluster-connection-urls', 'redisClusterConnectionUrls', 'redis:// URL of a cluster node'),
  str('redis-ca-path', '', 'redisCaPem', 'PEM CA bundle to verify rediss:// servers'),
  bool(
    'redis-insecure-skip-tls-verify',
    false,
    'redisInsecureSkipTlsVerify',
    "Do not verify Redis's TLS certificate (tests only)",
  ),
]);

const KUBERNETES = group('Kubernetes', [
  bool(
    'kube-impersonation',
    false,
    'kubeImpersonation',
    "Send authgate's service-account token with Impersonate-User/-Group instead of the user's ID token",
  ),
  str(
    'kube-service-account-token-file',
    '/var/run/secrets/kubernetes.io/serviceaccount/token',
    'kubeServiceAccountTokenFile',
    "authgate's service-account token for impersonation; re-read when it changes",
  ),
  str(
    'kube-username-claim',
    'email',
    'kubeUsernameClaim',
    'Impersonated user: email, sub, preferred_username or login',
  ),
  str(
    'kube-username-prefix',
    '',
    'kubeUsernamePrefix',
    "As the apiserver's --oidc-username-prefix: unset = none for email, else <issuer>#; - = none",
  ),
  str(
    'kube-groups-prefix',
    '',
    'kubeGroupsPrefix',
    'Prefix for impersonated groups, as --oidc-groups-prefix',
  ),
  bool('kube-impersonate-uid', false, 'kubeImpersonateUid', 'Also send Impersonate-Uid: <sub>'),
  list('kube-extra-claim', 'kubeExtraClaims', 'KEY=CLAIM: send Impersonate-Extra-KEY from a claim'),
  str('kube-apiserver-url', '', 'kubeApiserverUrl', 'Apiserver asked by /oauth2/whoami (turns it on)'),
  str('kube-apiserver-ca', '', 'kubeApiserverCa', 'PEM CA file for --kube-apiserver-url'),
  {
    ...csv('kube-whoami-namespace', 'kubeWhoamiNamespaces', 'Namespace whose permissions whoami lists'),
    default: ['default'],
  },
  bool(
    'kube-whoami-after-sign-in',
    true,
    'kubeWhoamiAfterSignIn',
    'After sign-in, show whoami instead of the target when Kubernetes grants no access',
  ),
  list('kube-cluster', 'kubeClusters', 'NAME=URL[,ca-file]: cluster offered in /oauth2/kubeconfig'),
  str(
    'kubeconfig-client-id',
    '',
    'kubeconfigClientId',
    'Public client id for kubectl (kubelogin); turns on /oauth2/kubeconfig',
  ),
]);

const LOGGING = group('Logging', [
  str('log-level', 'info', 'logLevel', 'trace, debug, info, warn, error, fatal or silent'),
  bool('request-logging', true, 'requestLogging', 'Log every request'),
  bool('auth-logging', true, 'authLogging', 'Log sign-ins and refusals'),
  bool('standard-logging', true, 'standardLogging', 'Log start-up and operational messages'),
  bool('silence-ping-logging', false, 'silencePingLogging', 'Do not log ping/ready requests'),
  csv('exclude-logging-path', 'excludeLoggingPaths', 'Path not to log'),
  str('request-id-header', 'X-Request-Id', 'requestIdHeader', 'Header carrying the request ID'),
]);

export const FLAGS: readonly FlagDefinition[] = Object.freeze([
  ...SERVER,
  ...PROVIDER,
  ...AUTHORIZATION,
  ...COOKIE,
  ...HEADERS,
  ...ROUTING,
  ...SESSIONS,
  ...KUBERNETES,
  ...LOGGING,
]);

export const FLAG_GROUPS: readonly FlagGroup[] = [
  'Server',
  'Provider',
  'Authorization',
  'Cookie',
  'Headers',
  'Routing',
  'Sessions',
  'Kubernetes',
  'Logging',
];
