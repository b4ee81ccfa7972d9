import type { Options } from '../config/options.js';
import type { Logger } from '../observability/logger.js';
import type { Provider } from './types.js';
import { OidcProvider } from './oidc.js';

/** Builds the provider --provider names. */
export function createProvider(options: Options, log: Logger): Provider {
  switch (options.provider) {
    case 'oidc':
      return new OidcProvider(
        {
          issuerUrl: options.oidcIssuerUrl,
          clientId: options.clientId,
          clientSecret: options.clientSecret,
          scope: options.scope,
          displayName: options.providerDisplayName || 'OpenID Connect',
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
        },
        log.child({ component: 'provider' }),
      );
    default:
      throw new Error(`provider "${options.provider}" is not available in this build`);
  }
}
