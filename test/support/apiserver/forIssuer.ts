import type { Issuer } from '../issuer.js';
import { createOidcAuthenticator, type OidcAuthenticatorConfig } from './tokenAuthenticator.js';
import { startApiserver, type Apiserver } from './server.js';

/**
 * A kube-apiserver double that trusts `issuer` the way a cluster configured with
 * `--oidc-issuer-url --oidc-client-id --oidc-username-claim=email --oidc-groups-claim=groups` does.
 */
export function startApiserverTrusting(
  issuer: Issuer,
  overrides: Partial<OidcAuthenticatorConfig> = {},
): Promise<Apiserver> {
  return startApiserver({
    authenticator: createOidcAuthenticator({
      issuerUrl: issuer.url,
      clientIds: [issuer.clientId],
      usernameClaim: 'email',
      groupsClaim: 'groups',
      ...overrides,
    }),
  });
}
