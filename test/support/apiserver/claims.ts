/**
 * kube-apiserver's claim checks on a token whose signature is already verified, and the user it maps to. Every
 * rule here is from the reference (kube-apiserver-oidc.md): aud contains a client id, exp required and valid while
 * now <= exp with no leeway, nbf with 60 s leeway, iat ignored, username/email_verified/groups/required claims,
 * and the jti credential id.
 */
import type { UserInfo } from './types.js';

export interface ClaimRules {
  issuerUrl: string;
  clientIds: string[];
  usernameClaim?: string;
  usernamePrefix?: string;
  groupsClaim?: string;
  groupsPrefix?: string;
  requiredClaims?: Record<string, string>;
}

const NBF_LEEWAY_S = 60;

/** Flag semantics: no prefix given means `<issuer>#` unless the claim is email; '-' means none. */
export function effectiveUsernamePrefix(r: ClaimRules): string {
  const claim = r.usernameClaim ?? 'sub';
  if (r.usernamePrefix === undefined) return claim === 'email' ? '' : `${r.issuerUrl}#`;
  return r.usernamePrefix === '-' ? '' : r.usernamePrefix;
}

function groupsOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((g) => typeof g === 'string')) return value as string[];
  return undefined;
}

export function userFromClaims(
  c: Record<string, unknown>,
  r: ClaimRules,
  nowS: number,
): { user: UserInfo } | { error: string } {
  if (c.iss !== r.issuerUrl) return { error: 'issuer mismatch' };
  const aud = typeof c.aud === 'string' ? [c.aud] : Array.isArray(c.aud) ? c.aud : [];
  if (!aud.some((a) => typeof a === 'string' && r.clientIds.includes(a)))
    return { error: 'audience mismatch' };
  if (typeof c.exp !== 'number') return { error: 'exp missing' };
  if (nowS > c.exp) return { error: 'token expired' };
  if (c.nbf !== undefined) {
    if (typeof c.nbf !== 'number') return { error: 'nbf malformed' };
    if (nowS + NBF_LEEWAY_S < c.nbf) return { error: 'token not yet valid' };
  }

  const usernameClaim = r.usernameClaim ?? 'sub';
  const username = c[usernameClaim];
  if (typeof username !== 'string') return { error: `claim ${usernameClaim} is not a string` };
  if (usernameClaim === 'email' && 'email_verified' in c && c.email_verified !== true) {
    return { error: 'email not verified' };
  }

  let groups: string[] = [];
  if (r.groupsClaim) {
    const g = groupsOf(c[r.groupsClaim]);
    if (!g) return { error: `claim ${r.groupsClaim} is not a string or an array of strings` };
    groups = g.map((x) => `${r.groupsPrefix ?? ''}${x}`);
  }

  for (const [k, v] of Object.entries(r.requiredClaims ?? {})) {
    if (c[k] !== v) return { error: `required claim ${k} missing or different` };
  }

  const extra: Record<string, string[]> = {};
  if (typeof c.jti === 'string') extra['authentication.kubernetes.io/credential-id'] = [`JTI=${c.jti}`];
  return { user: { username: `${effectiveUsernamePrefix(r)}${username}`, groups, extra } };
}
