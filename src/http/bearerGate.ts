import type { IncomingMessage } from 'node:http';
import type { Options } from '../config/options.js';
import type { SessionState } from '../session/types.js';
import type { AccessRules } from '../authz/decide.js';
import { decideAccess } from '../authz/decide.js';
import { identityFromClaims } from '../providers/claims.js';
import { createProviderFetch } from '../providers/httpClient.js';
import { createBearerVerifier, type BearerIssuer, type BearerVerifier } from '../providers/jwtBearer.js';
import { UnsealCache } from '../session/unsealCache.js';

export type BearerResolution =
  /** No bearer credential on the request: cookie sessions decide. */
  | { readonly kind: 'absent' }
  /** A verified bearer; `session` is its identity (idToken = the token itself, forwarded as is). */
  | { readonly kind: 'active'; readonly session: SessionState; readonly authorization: string }
  /** A bearer that does not verify: 401, never a sign-in redirect. */
  | { readonly kind: 'invalid' }
  /** A valid bearer whose identity the who-may-enter rules refuse: 403. */
  | { readonly kind: 'forbidden' }
  /** The token's issuer (discovery or JWKS) cannot be reached: 503, the token is not judged. */
  | { readonly kind: 'unavailable' };

export interface BearerGate {
  resolve(req: IncomingMessage, access: AccessRules, nowSeconds: number): Promise<BearerResolution>;
}

const ABSENT: BearerResolution = { kind: 'absent' };
const INVALID: BearerResolution = { kind: 'invalid' };

/** The issuers whose bearer JWTs are accepted: the provider's own (audience: the client id) and the extra ones. */
export function bearerIssuers(options: Options): BearerIssuer[] {
  const byIssuer = new Map<string, string[]>();
  if (options.oidcIssuerUrl)
    byIssuer.set(options.oidcIssuerUrl, [options.clientId, ...options.oidcExtraAudiences]);
  for (const { issuer, audience } of options.extraJwtIssuers)
    byIssuer.set(issuer, [...(byIssuer.get(issuer) ?? []), audience]);
  // With --skip-oidc-discovery the provider's issuer may publish no discovery document: use its configured JWKS.
  const ownJwks = options.skipOidcDiscovery ? options.oidcJwksUrl : '';
  return [...byIssuer].map(([issuer, audiences]) =>
    issuer === options.oidcIssuerUrl && ownJwks
      ? { issuer, audiences, jwksUrl: ownJwks }
      : { issuer, audiences },
  );
}

/**
 * --skip-jwt-bearer-tokens: kubectl scripts and CI jobs calling the dashboard API carry their own bearer JWT.
 * Verified tokens are cached by the hash of the exact token until their `exp`, so a client repeating one token
 * costs a hash, not a signature check; tokens that failed are remembered briefly too.
 */
export function createBearerGate(options: Options, verifier?: BearerVerifier): BearerGate | null {
  if (!options.skipJwtBearerTokens) return null;
  const verify =
    verifier ??
    createBearerVerifier(bearerIssuers(options), {
      fetch: createProviderFetch({
        caFiles: options.providerCaFiles,
        insecureSkipVerify: options.sslInsecureSkipVerify,
      }),
      timeoutMs: options.providerTimeout,
    });
  const cache = new UnsealCache<SessionState>({ negativeTtlSeconds: 10 });
  const claims = { emailClaim: options.oidcEmailClaim, groupsClaim: options.oidcGroupsClaim };

  return {
    async resolve(req, access, now) {
      const header = req.headers.authorization;
      if (typeof header !== 'string' || !/^bearer /i.test(header)) return ABSENT;
      const token = header.slice(7);
      let session = cache.get(token, now);
      if (!session) {
        if (cache.isKnownFailure(token, now)) return INVALID;
        const verdict = await verify(token, now);
        if (!verdict.ok) {
          if ('unavailable' in verdict) return { kind: 'unavailable' };
          cache.markFailed(token, now);
          return INVALID;
        }
        let identity;
        try {
          identity = identityFromClaims(
            verdict.claims,
            { idToken: token, accessToken: '', refreshToken: '' },
            claims,
          );
        } catch {
          cache.markFailed(token, now);
          return INVALID;
        }
        session = {
          v: 1,
          ...identity,
          createdAt: now,
          expiresAt: verdict.exp,
          refreshedAt: now,
          tokenExpiresAt: verdict.exp,
        };
        cache.set(token, session);
      }
      const decision = decideAccess(session, access, {
        allowUnverifiedEmail: options.insecureOidcAllowUnverifiedEmail,
      });
      return decision.allowed
        ? { kind: 'active', session, authorization: `Bearer ${token}` }
        : { kind: 'forbidden' };
    },
  };
}
