/**
 * Verifies an ID token's signature against the issuer's JWKS (jose), replacing openid-client's own check, whose
 * key cache refetches for an unknown kid only once the cached set is 60 s old: an issuer that rotates its key and
 * signs with the new one at once (Dex does) would refuse every sign-in for up to a minute. Here a token under an
 * unknown kid refetches the JWKS at once, but at most once per JWKS_REFETCH_FLOOR_MS, so a stream of forged kids
 * cannot turn authgate into a JWKS fetcher.
 */
import { compactVerify, createRemoteJWKSet, customFetch, errors } from 'jose';
import { ProviderError } from '../errors.js';
import { isJwksUnavailable } from './jwksUnavailable.js';
import type { ProviderFetch } from './httpClient.js';

export const JWKS_REFETCH_FLOOR_MS = 2_000;

export type IdTokenSignatureCheck = (idToken: string) => Promise<void>;

export function createIdTokenSignatureCheck(
  jwksUri: string,
  alg: string,
  opts: { readonly timeoutMs: number; readonly fetch: ProviderFetch },
): IdTokenSignatureCheck {
  const jwks = createRemoteJWKSet(new URL(jwksUri), {
    cooldownDuration: JWKS_REFETCH_FLOOR_MS,
    timeoutDuration: opts.timeoutMs,
    [customFetch]: opts.fetch,
  });
  return async (idToken) => {
    try {
      await compactVerify(idToken, jwks, { algorithms: [alg] });
    } catch (err) {
      // The provider fetch's own verdict (an oversized JWKS) already says what went wrong.
      if (err instanceof ProviderError) throw err;
      if (err instanceof errors.JWKSTimeout)
        throw new ProviderError('provider_timeout', 'The identity provider did not answer in time.', 504, {
          cause: err,
        });
      // The keys could not be had (a wrong --oidc-jwks-url, an issuer outage): no verdict on the token.
      if (isJwksUnavailable(err))
        throw new ProviderError(
          'provider_keys_unavailable',
          "The identity provider's signing keys could not be fetched.",
          502,
          { cause: err },
        );
      if (err instanceof errors.JOSEError)
        throw new ProviderError('id_token_invalid', 'The identity token could not be verified.', 403, {
          cause: err,
        });
      throw new ProviderError('provider_unreachable', 'The identity provider could not be reached.', 503, {
        cause: err,
      });
    }
  };
}
