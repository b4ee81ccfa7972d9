/**
 * Resolved flag values -> Options, checking every value and every rule between values. Problems are
 * collected, never thrown, so the user sees all of them at once.
 */
import { kubeOptions } from './buildKube.js';
import { passAuthorizationHeader, providerRestrictions } from './buildProviders.js';
import { routing } from './buildRouting.js';
import { sessionOptions } from './buildSessions.js';
import { pageOptions } from './buildPages.js';
import { caBundleFiles, operationsOptions } from './buildOperations.js';
import { clientSecret, cookieSecrets, type ReadFile } from './buildSecrets.js';
import { Checker } from './checks.js';
import { show } from './coerce.js';
import { isHttpUrl, isIpOrCidr, isToken, parseHttpAddress } from './network.js';
import type { ConfigProblem } from './errors.js';
import type { CodeChallengeMethod, LogLevel, Options, ProviderType, SameSite } from './options.js';
import type { ResolvedValues } from './resolve.js';

const DISPLAY_NAMES: Record<ProviderType, string> = {
  oidc: 'OpenID Connect',
  github: 'GitHub',
  google: 'Google',
};
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function buildOptions(
  values: ResolvedValues,
  readFile: ReadFile,
): { options: Options; problems: ConfigProblem[] } {
  const check = new Checker(values);
  const v = values;
  const provider = check.oneOf<ProviderType>('provider', ['oidc', 'github', 'google'], 'oidc', lower);
  const cookieSecure = v.bool('cookie-secure');

  const options: Options = {
    httpAddress: httpAddress(check),
    reverseProxy: v.bool('reverse-proxy'),
    trustedProxyIps: trustedProxyIps(check),
    realClientIpHeader: check.headerName('real-client-ip-header'),
    proxyPrefix: proxyPrefix(check),
    pingPath: check.path('ping-path'),
    readyPath: check.path('ready-path'),
    forceJsonErrors: v.bool('force-json-errors'),
    ...operationsOptions(check, readFile),

    provider,
    providerDisplayName: v.str('provider-display-name') || DISPLAY_NAMES[provider],
    oidcIssuerUrl: issuerUrl(check, provider),
    clientId: clientId(check),
    clientSecret: clientSecret(check, readFile),
    scope: v.str('scope'),
    redirectUrl: redirectUrl(check),
    codeChallengeMethod: codeChallengeMethod(check),
    skipOidcDiscovery: v.bool('skip-oidc-discovery'),
    ...discoveryUrls(check),
    oidcEmailClaim: v.str('oidc-email-claim'),
    oidcGroupsClaim: v.str('oidc-groups-claim'),
    oidcExtraAudiences: v.list('oidc-extra-audience'),
    skipJwtBearerTokens: v.bool('skip-jwt-bearer-tokens'),
    extraJwtIssuers: extraJwtIssuers(check),
    insecureOidcAllowUnverifiedEmail: v.bool('insecure-oidc-allow-unverified-email'),
    providerCaFiles: caBundleFiles(check, 'provider-ca-file', readFile),
    sslInsecureSkipVerify: v.bool('ssl-insecure-skip-verify'),
    prompt: v.str('prompt'),
    backendLogoutUrl: backendLogoutUrl(check),
    oidcRpInitiatedLogout: v.bool('oidc-rp-initiated-logout'),
    providerTimeout: check.positiveDuration('provider-timeout'),
    ...providerRestrictions(check, readFile, provider),

    ...whoMayEnter(check),

    cookieSecrets: cookieSecrets(check, readFile),
    cookieName: cookieName(check),
    cookieDomains: v.list('cookie-domain'),
    cookiePath: check.path('cookie-path'),
    ...cookieTimes(check),
    cookieSecure,
    cookieHttpOnly: v.bool('cookie-httponly'),
    cookieSameSite: sameSite(check, cookieSecure),

    passAuthorizationHeader: passAuthorizationHeader(check, provider),
    setAuthorizationHeader: v.bool('set-authorization-header'),
    passAccessToken: v.bool('pass-access-token'),
    setXAuthRequest: v.bool('set-xauthrequest'),
    passUserHeaders: v.bool('pass-user-headers'),
    preferEmailToUser: v.bool('prefer-email-to-user'),
    passHostHeader: v.bool('pass-host-header'),
    passIdTokenHeader: check.headerName('pass-id-token-header', true),

    ...routing(check),
    proxyWebsockets: v.bool('proxy-websockets'),
    upstreamTimeout: check.positiveDuration('upstream-timeout'),
    flushInterval: v.num('flush-interval'),
    sslUpstreamInsecureSkipVerify: v.bool('ssl-upstream-insecure-skip-verify'),
    skipProviderButton: v.bool('skip-provider-button'),
    ...pageOptions(check, readFile),

    ...sessionOptions(check, readFile),

    ...kubeOptions(check, readFile, provider, v.str('oidc-issuer-url')),

    logLevel: check.oneOf<LogLevel>('log-level', LOG_LEVELS, 'info', lower),
    requestLogging: v.bool('request-logging'),
    authLogging: v.bool('auth-logging'),
    standardLogging: v.bool('standard-logging'),
    silencePingLogging: v.bool('silence-ping-logging'),
    excludeLoggingPaths: v.list('exclude-logging-path'),
    // Lower-case: Node keys incoming headers that way, so the name can be used to read and write them as is.
    requestIdHeader: check.headerName('request-id-header').toLowerCase(),
  };
  if (options.skipJwtBearerTokens && options.kubeImpersonation) {
    // Impersonation vouches for whoever a bearer names; a bearer from an extra issuer could name anyone.
    check.report(
      'skip-jwt-bearer-tokens',
      'cannot be combined with --kube-impersonation: authgate would impersonate whoever a bearer token names',
      'let API clients call the apiserver with their own tokens, or drop one of the two flags',
    );
  }
  return { options, problems: check.problems };
}

const lower = (s: string): string => s.toLowerCase();

function httpAddress(check: Checker): Options['httpAddress'] {
  const text = check.values.str('http-address');
  const parsed = parseHttpAddress(text);
  if (parsed) return parsed;
  check.report(
    'http-address',
    `${show(text)} is not host:port`,
    'e.g. 127.0.0.1:4180, or :4180 for every interface',
  );
  return { host: '127.0.0.1', port: 4180 };
}

function trustedProxyIps(check: Checker): readonly string[] {
  const entries = check.values.list('trusted-proxy-ip');
  for (const entry of entries.filter((e) => !isIpOrCidr(e))) {
    check.report(
      'trusted-proxy-ip',
      `${show(entry)} is not an IP address or CIDR`,
      'e.g. 10.0.0.0/8 or 192.0.2.7',
    );
  }
  return entries;
}

function proxyPrefix(check: Checker): string {
  const value = check.values.str('proxy-prefix');
  if (!value.startsWith('/') || value.endsWith('/')) {
    check.report('proxy-prefix', `${show(value)} must start with / and not end with /`, 'e.g. /oauth2');
  }
  return value;
}

function clientId(check: Checker): string {
  const value = check.values.str('client-id');
  if (value === '')
    check.report('client-id', 'is missing', 'set --client-id to the client ID registered at the provider');
  return value;
}

function issuerUrl(check: Checker, provider: ProviderType): string {
  const value = check.optionalHttpUrl('oidc-issuer-url');
  // Google's issuer is fixed; the flag overrides it only for tests and proxies.
  if (value === '' && provider === 'google') return 'https://accounts.google.com';
  if (value === '' && provider === 'oidc') {
    check.report(
      'oidc-issuer-url',
      'is missing (required for --provider=oidc)',
      'e.g. https://dex.example.com',
    );
  }
  return value;
}

function redirectUrl(check: Checker): URL | null {
  const value = check.optionalHttpUrl('redirect-url');
  return value === '' || !URL.canParse(value) ? null : new URL(value);
}

function codeChallengeMethod(check: Checker): CodeChallengeMethod {
  const choices = ['S256', 'plain', '', 'none'] as const;
  const method = check.oneOf('code-challenge-method', choices, 'S256', (s) =>
    s.toLowerCase() === 's256' ? 'S256' : lower(s),
  );
  return method === 'none' ? '' : method;
}

function discoveryUrls(check: Checker): Pick<Options, 'loginUrl' | 'redeemUrl' | 'oidcJwksUrl'> {
  const urls = {
    loginUrl: check.optionalHttpUrl('login-url'),
    redeemUrl: check.optionalHttpUrl('redeem-url'),
    oidcJwksUrl: check.optionalHttpUrl('oidc-jwks-url'),
  };
  if (check.values.bool('skip-oidc-discovery')) {
    const missing = (['login-url', 'redeem-url', 'oidc-jwks-url'] as const).filter(
      (n) => check.values.str(n) === '',
    );
    for (const name of missing) {
      check.report(
        name,
        'is missing (required with --skip-oidc-discovery)',
        `set --${name}, or turn discovery back on`,
      );
    }
  }
  return urls;
}

function whoMayEnter(
  check: Checker,
): Pick<Options, 'emailDomains' | 'authenticatedEmailsFile' | 'allowedGroups'> {
  const emailDomains = check.values.list('email-domain');
  const authenticatedEmailsFile = check.values.str('authenticated-emails-file');
  if (emailDomains.length === 0 && authenticatedEmailsFile === '') {
    check.report(
      'email-domain',
      'no one may sign in: neither --email-domain nor --authenticated-emails-file is set',
      'set --email-domain=example.com, or --email-domain=* to allow any verified email',
    );
  }
  return { emailDomains, authenticatedEmailsFile, allowedGroups: check.values.list('allowed-group') };
}

function cookieName(check: Checker): string {
  const value = check.values.str('cookie-name');
  if (!isToken(value)) {
    check.report(
      'cookie-name',
      `${show(value)} has characters a cookie name cannot have`,
      'use letters, digits, _ and -',
    );
  }
  return value;
}

function cookieTimes(
  check: Checker,
): Pick<Options, 'cookieExpire' | 'cookieRefresh' | 'cookieCsrfExpire' | 'tokenRefreshMargin'> {
  const cookieExpire = check.positiveDuration('cookie-expire');
  const cookieRefresh = check.values.num('cookie-refresh');
  if (cookieRefresh !== 0 && cookieExpire > 0 && cookieRefresh >= cookieExpire) {
    check.report(
      'cookie-refresh',
      'must be shorter than --cookie-expire',
      'lower it, or 0 to refresh only when tokens expire',
    );
  }
  return {
    cookieExpire,
    cookieRefresh,
    cookieCsrfExpire: check.positiveDuration('cookie-csrf-expire'),
    tokenRefreshMargin: check.values.num('token-refresh-margin'),
  };
}

function sameSite(check: Checker, cookieSecure: boolean): SameSite {
  const value = check.oneOf<SameSite>('cookie-samesite', ['lax', 'strict', 'none', ''], 'lax', lower);
  if (value === 'none' && !cookieSecure) {
    check.report(
      'cookie-samesite',
      'none requires --cookie-secure (browsers drop such cookies)',
      'set --cookie-secure=true or another SameSite',
    );
  }
  return value;
}

function backendLogoutUrl(check: Checker): string {
  const raw = check.values.str('backend-logout-url');
  if (raw && !isHttpUrl(raw.replaceAll('{id_token}', 'x'))) {
    check.report(
      'backend-logout-url',
      'is not an absolute http(s) URL',
      'e.g. --backend-logout-url=https://idp.example.com/logout?id_token_hint={id_token}',
    );
  }
  return raw;
}

/** --extra-jwt-issuers=issuer=audience, as oauth2-proxy writes them. */
function extraJwtIssuers(check: Checker): { issuer: string; audience: string }[] {
  const out: { issuer: string; audience: string }[] = [];
  for (const entry of check.values.list('extra-jwt-issuers')) {
    const eq = entry.lastIndexOf('=');
    const issuer = eq > 0 ? entry.slice(0, eq) : '';
    const audience = eq > 0 ? entry.slice(eq + 1) : '';
    if (!isHttpUrl(issuer) || !audience) {
      check.report(
        'extra-jwt-issuers',
        `${show(entry)} is not issuer=audience`,
        'e.g. --extra-jwt-issuers=https://token.actions.githubusercontent.com=my-dashboard',
      );
    } else {
      out.push({ issuer, audience });
    }
  }
  return out;
}
