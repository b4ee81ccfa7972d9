import type { ProviderIdentity } from './types.js';
import { claimToGroups, readClaimPath } from '../authz/groups.js';
import { ProviderError } from '../errors.js';

export interface ClaimMapping {
  readonly emailClaim: string;
  readonly groupsClaim: string;
}

export interface TokenSet {
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

/**
 * Turns ID-token (and, where the ID token lacks them, userinfo) claims into the identity authgate keeps.
 * `email_verified` is kept as the issuer said it: true, false, or null when absent. Any other JSON type
 * (e.g. the string "true") counts as false, because kube-apiserver refuses such a token too.
 */
export function identityFromClaims(
  claims: Record<string, unknown>,
  tokens: TokenSet,
  mapping: ClaimMapping,
): ProviderIdentity {
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  const emailValue = readClaimPath(claims, mapping.emailClaim);
  const email = typeof emailValue === 'string' ? emailValue : '';
  const verified = claims.email_verified;
  const preferredUsername = typeof claims.preferred_username === 'string' ? claims.preferred_username : '';
  // A groups claim of another type is an error (kube-apiserver refuses such a token), not "no groups".
  const groups = claimToGroups(readClaimPath(claims, mapping.groupsClaim));
  if (groups === null) throw unusable('the groups claim is neither a string nor a list of strings');
  // Values that cannot travel in a header (control characters) are refused once here, not on every request.
  if ([sub, email, preferredUsername, ...groups].some((v) => CONTROL.test(v))) {
    throw unusable('a claim holds control characters');
  }
  return {
    sub,
    email,
    emailVerified: verified === undefined || verified === null ? null : verified === true,
    preferredUsername,
    groups,
    idToken: tokens.idToken,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    tokenExpiresAt: typeof claims.exp === 'number' ? claims.exp : 0,
  };
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

function unusable(why: string): ProviderError {
  return new ProviderError('id_token_invalid', `The identity token cannot be used: ${why}.`, 403);
}
