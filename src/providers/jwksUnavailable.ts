import { errors } from 'jose';

/**
 * Whether a jose error from verifying against a remote JWKS means the keys could not be had, not that the token
 * is bad: jose throws a bare JOSEError (ERR_JOSE_GENERIC, no subclass) when the JWKS answer is not 200 or not
 * JSON, JWKSInvalid when it is not a key set, JWKSTimeout when it did not come. A wrong --oidc-jwks-url or an issuer
 * outage must read as an outage (ID tokens: 502; bearers: 503), never as a forged token.
 */
export function isJwksUnavailable(err: unknown): boolean {
  return (
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid ||
    (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC')
  );
}
