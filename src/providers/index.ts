import { readFileSync } from 'node:fs';
import type { Options } from '../config/options.js';
import type { Logger } from '../observability/logger.js';
import type { Provider } from './types.js';
import { OidcProvider, type OidcProviderConfig } from './oidc.js';
import { GitHubProvider } from './github.js';
import { GoogleProvider } from './google.js';
import { GoogleDirectory } from './googleDirectory.js';
import { parseServiceAccountJson } from './serviceAccountKey.js';
import { createProviderFetch } from './httpClient.js';

/** Endpoints the flags do not reach (Google's Directory API); tests point them at fakes. */
export interface ProviderEndpoints {
  readonly googleDirectoryUrl?: string;
  readonly googleTokenUrl?: string;
}

/** Builds the provider --provider names. */
export function createProvider(options: Options, log: Logger, endpoints: ProviderEndpoints = {}): Provider {
  const providerLog = log.child({ component: 'provider' });
  switch (options.provider) {
    case 'oidc':
      return new OidcProvider(oidcConfig(options, 'OpenID Connect'), providerLog);
    case 'github':
      return new GitHubProvider(
        {
          clientId: options.clientId,
          clientSecret: options.clientSecret,
          scope: options.scope,
          displayName: options.providerDisplayName || 'GitHub',
          loginUrl: options.loginUrl,
          redeemUrl: options.redeemUrl,
          apiUrl: options.validateUrl,
          restrictions: {
            org: options.githubOrg,
            teams: options.githubTeams,
            repo: options.githubRepo,
            token: options.githubToken,
            users: options.githubUsers,
          },
          groupsNeeded: options.allowedGroups.length > 0 || options.kubeImpersonation,
          caFiles: options.providerCaFiles,
          insecureSkipVerify: options.sslInsecureSkipVerify,
          timeoutMs: options.providerTimeout,
          upstreamNotice: githubUpstreamNotice(options),
        },
        providerLog,
      );
    case 'google':
      return new GoogleProvider(
        {
          oidc: oidcConfig(options, 'Google'),
          hostedDomains: options.googleHostedDomains,
          groups: options.googleGroups,
          directory: googleDirectory(options, providerLog, endpoints),
        },
        providerLog,
      );
    default:
      throw new Error(`provider "${String(options.provider)}" is not available in this build`);
  }
}

function oidcConfig(options: Options, displayName: string): OidcProviderConfig {
  return {
    issuerUrl: options.oidcIssuerUrl,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    scope: options.scope,
    displayName: options.providerDisplayName || displayName,
    claims: { emailClaim: options.oidcEmailClaim, groupsClaim: options.oidcGroupsClaim },
    extraAudiences: options.oidcExtraAudiences,
    prompt: options.prompt,
    skipDiscovery: options.skipOidcDiscovery,
    loginUrl: options.loginUrl,
    redeemUrl: options.redeemUrl,
    jwksUrl: options.oidcJwksUrl,
    caFiles: options.providerCaFiles,
    insecureSkipVerify: options.sslInsecureSkipVerify,
    timeoutMs: options.providerTimeout,
  };
}

function googleDirectory(
  options: Options,
  log: Logger,
  endpoints: ProviderEndpoints,
): GoogleDirectory | null {
  if (options.googleGroups.length === 0) return null;
  // The file was checked at start (src/config/buildProviders.ts); it is read again here so Options holds no key.
  const key = parseServiceAccountJson(readFileSync(options.googleServiceAccountJson, 'utf8'));
  return new GoogleDirectory(
    {
      key,
      adminEmail: options.googleAdminEmail,
      tokenUrl: endpoints.googleTokenUrl ?? '',
      directoryUrl: endpoints.googleDirectoryUrl ?? '',
      timeoutMs: options.providerTimeout,
      fetch: createProviderFetch({
        caFiles: options.providerCaFiles,
        insecureSkipVerify: options.sslInsecureSkipVerify,
      }),
    },
    log,
  );
}

/** What an upstream receives for a GitHub user, said plainly at start (GitHub has no ID token to forward). */
export function githubUpstreamNotice(o: Options): string {
  const parts = [
    o.kubeImpersonation
      ? "no ID token exists; the upstream gets authgate's service-account token with Impersonate-User/-Group for the signed-in user"
      : 'no ID token exists, so no Authorization: Bearer reaches the upstream (kube-apiserver could not accept a GitHub token)',
  ];
  if (o.passUserHeaders) {
    parts.push(
      'X-Forwarded-User and X-Forwarded-Preferred-Username = GitHub login, X-Forwarded-Email = primary verified email, X-Forwarded-Groups = org and org:team',
    );
  }
  if (o.passAccessToken) parts.push("X-Forwarded-Access-Token = the user's GitHub token");
  if (!o.kubeImpersonation) {
    parts.push(
      'for the Kubernetes Dashboard, put Dex with its GitHub connector in front (--provider=oidc) or set --kube-impersonation',
    );
  }
  return parts.join('; ');
}
