import * as client from 'openid-client';
import { ProviderError } from '../errors.js';

/**
 * Maps whatever openid-client (or the network) threw into a ProviderError with a stable code and a message
 * that is safe to show: library messages can quote response bodies, so they are never passed through.
 */
export function toProviderError(
  err: unknown,
  during: 'discovery' | 'redeem' | 'refresh' | 'userinfo',
): ProviderError {
  if (err instanceof ProviderError) return err;
  // openid-client wraps what the provider fetch threw (an oversized answer) in a ClientError without a code.
  if (err instanceof client.ClientError && err.cause instanceof ProviderError) return err.cause;
  if (err instanceof client.AuthorizationResponseError) {
    return new ProviderError('provider_refused', 'The identity provider refused the sign-in.', 403, {
      cause: err,
    });
  }
  if (err instanceof client.ResponseBodyError) {
    if (err.error === 'invalid_grant') {
      const what =
        during === 'refresh' ? 'The session can no longer be renewed.' : 'The sign-in code was refused.';
      return new ProviderError('invalid_grant', what, during === 'refresh' ? 401 : 403, { cause: err });
    }
    return new ProviderError(
      'provider_error',
      `The identity provider answered the ${during} request with an error.`,
      502,
      { cause: err },
    );
  }
  if (err instanceof client.ClientError) {
    const code = (err as { code?: string }).code ?? '';
    if (code === 'OAUTH_TIMEOUT' || /timeout|abort/i.test(err.name)) {
      return new ProviderError('provider_timeout', 'The identity provider did not answer in time.', 504, {
        cause: err,
      });
    }
    if (
      code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' ||
      code === 'OAUTH_INVALID_RESPONSE' ||
      code.startsWith('OAUTH_JWT')
    ) {
      return new ProviderError('id_token_invalid', 'The identity token could not be verified.', 403, {
        cause: err,
      });
    }
    // No code: openid-client wrapping a network failure (its cause is fetch's TypeError), not a bad token.
    if (code === '' && (err.cause as Error | undefined)?.name === 'TypeError') {
      return new ProviderError('provider_unreachable', 'The identity provider could not be reached.', 503, {
        cause: err,
      });
    }
    if (
      code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' ||
      code === 'OAUTH_RESPONSE_IS_NOT_JSON' ||
      code === 'OAUTH_PARSE_ERROR'
    ) {
      return new ProviderError('provider_error', 'The identity provider sent an unusable answer.', 502, {
        cause: err,
      });
    }
    return new ProviderError('id_token_invalid', 'The sign-in response could not be verified.', 403, {
      cause: err,
    });
  }
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ProviderError('provider_timeout', 'The identity provider did not answer in time.', 504, {
      cause: err,
    });
  }
  if (err instanceof Error && /^OPE|^JWS|signature|JWK/i.test(err.name + ' ' + err.message)) {
    return new ProviderError('id_token_invalid', 'The identity token could not be verified.', 403, {
      cause: err,
    });
  }
  return new ProviderError('provider_unreachable', 'The identity provider could not be reached.', 503, {
    cause: err,
  });
}
