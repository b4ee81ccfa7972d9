/**
 * kube-apiserver's bearer-token authenticator for an OIDC issuer (plugin/pkg/authenticator/token/oidc plus the
 * bearertoken request authenticator in front of it), reproduced for tests line by line from
 * /work/shared/reference/kube-apiserver-oidc.md.
 *
 * Header handling is the apiserver's own: the header is trimmed and split on single spaces; a scheme other than
 * `bearer` (any case) or an empty token (e.g. `Bearer  x`, two spaces) is not a bearer credential at all, so the
 * request stays anonymous, exactly as kube-apiserver does. Any token that IS presented and fails is 401.
 *
 * jose verifies the signature only (compactVerify with the one allowed alg); every claim is checked in claims.ts,
 * because jose's jwtVerify differs from the apiserver on exp/nbf/leeway.
 */
import { compactVerify, importJWK, type JWK } from 'jose';
import { userFromClaims, type ClaimRules } from './claims.js';
import { parseCompactJws } from './jws.js';
import { createKeySet, type FetchLike, type KeySet } from './keySet.js';
import type { AuthResult, TokenAuthenticator } from './types.js';

export interface OidcAuthenticatorConfig extends ClaimRules {
  signingAlgs?: string[];
  fetchImpl?: FetchLike;
  /** Clock in milliseconds (default Date.now); tokens are checked against it. */
  now?: () => number;
  /** Interval between discovery attempts while the issuer is unreachable (apiserver: 10 s). */
  discoveryRetryMs?: number;
  /** --token-success-cache-ttl (default 10 s); 0 disables the cache. */
  successCacheTtlMs?: number;
}

export interface OidcAuthenticator extends TokenAuthenticator {
  keySet: KeySet;
}

const SUCCESS_CACHE_TTL_MS = 10_000;

/** The bearer token of an Authorization header, or undefined when the header is not a bearer credential. */
export function bearerToken(header: string | undefined): string | undefined {
  const auth = (header ?? '').trim();
  if (auth === '') return undefined;
  const parts = auth.split(' ');
  if (parts.length < 2 || parts[0]?.toLowerCase() !== 'bearer') return undefined;
  // Go's SplitN(auth, " ", 3): the token is the second field; anything after a further space is ignored.
  const token = parts[1] ?? '';
  return token.trim() === '' ? undefined : token;
}

async function verifiesWith(token: string, jwk: JWK, alg: string): Promise<boolean> {
  try {
    const key = await importJWK({ ...jwk, alg }, alg);
    await compactVerify(token, key, { algorithms: [alg] });
    return true;
  } catch {
    return false;
  }
}

export function createOidcAuthenticator(cfg: OidcAuthenticatorConfig): OidcAuthenticator {
  const now = cfg.now ?? Date.now;
  const algs = cfg.signingAlgs ?? ['RS256'];
  const ttl = cfg.successCacheTtlMs ?? SUCCESS_CACHE_TTL_MS;
  const keySet = createKeySet({
    issuerUrl: cfg.issuerUrl,
    fetchImpl: cfg.fetchImpl,
    retryMs: cfg.discoveryRetryMs,
    nowMs: Date.now,
  });
  const successCache = new Map<string, { result: AuthResult; until: number }>();

  async function verifySignature(token: string, kid: string | undefined, alg: string): Promise<boolean> {
    const first = await keySet.keys(kid);
    for (const k of first.keys) if (await verifiesWith(token, k, alg)) return true;
    if (first.fetched) return false;
    // Cached keys did not verify: the issuer may have rotated; look again once.
    const again = await keySet.keys(kid, true);
    for (const k of again.keys) if (await verifiesWith(token, k, alg)) return true;
    return false;
  }

  async function authenticateToken(token: string): Promise<AuthResult> {
    const parsed = parseCompactJws(token, algs);
    if ('error' in parsed) return { kind: 'unauthorized', reason: parsed.error };
    // The issuer is compared before anything is fetched: another issuer's token is not this authenticator's.
    if (parsed.claims.iss !== cfg.issuerUrl) return { kind: 'unauthorized', reason: 'issuer mismatch' };
    let verified: boolean;
    try {
      verified = await verifySignature(token, parsed.kid, parsed.alg);
    } catch (err) {
      return { kind: 'unauthorized', reason: (err as Error).message };
    }
    if (!verified) return { kind: 'unauthorized', reason: 'signature not verified' };
    const checked = userFromClaims(parsed.claims, cfg, now() / 1000);
    if ('error' in checked) return { kind: 'unauthorized', reason: checked.error };
    return { kind: 'user', user: checked.user };
  }

  return {
    keySet,
    async authenticate(header) {
      const token = bearerToken(header);
      if (token === undefined) return { kind: 'anonymous' };
      const hit = successCache.get(token);
      if (hit && hit.until > now()) return hit.result;
      const result = await authenticateToken(token);
      if (result.kind === 'user' && ttl > 0) successCache.set(token, { result, until: now() + ttl });
      return result;
    },
  };
}
