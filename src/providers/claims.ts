import type { ProviderIdentity } from './types.js';
import { claimToGroups, readClaimPath } from '../authz/groups.js';

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
  const verified = claims.email_verified;
  const groups = claimToGroups(readClaimPath(claims, mapping.groupsClaim)) ?? [];
  return {
    sub,
    email: typeof emailValue === 'string' ? emailValue : '',
    emailVerified: verified === undefined || verified === null ? null : verified === true,
    preferredUsername: typeof claims.preferred_username === 'string' ? claims.preferred_username : '',
    groups,
    idToken: tokens.idToken,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    tokenExpiresAt: typeof claims.exp === 'number' ? claims.exp : 0,
  };
}
