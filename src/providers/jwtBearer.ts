/**
 * Bearer JWT pass-through (--skip-jwt-bearer-tokens, --extra-jwt-issuers): checks a token the way kube-apiserver's
 * OIDC authenticator does, so what authgate lets through is what the apiserver will accept:
 * compact JWS only; an asymmetric algorithm (none, HS* and EdDSA refused before any key is tried); `iss` equal to
 * a configured issuer byte for byte (discovery's `issuer` must match too); `aud` naming that issuer's audience;
 * `exp` required with no leeway; `nbf` with 60 s leeway. Keys come from the issuer's JWKS (found by discovery, or
 * configured: --oidc-jwks-url with --skip-oidc-discovery), refetched for an unknown kid at most every
 * JWKS_REFETCH_FLOOR_MS.
 */
import { compactVerify, createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey } from 'jose';
import type { ProviderFetch } from './httpClient.js';
import { isJwksUnavailable } from './jwksUnavailable.js';
import { JWKS_REFETCH_FLOOR_MS } from './idTokenSignature.js';

export interface BearerIssuer {
  readonly issuer: string;
  /** The token's `aud` must contain one of these. */
  readonly audiences: readonly string[];
  /** The issuer's JWKS as configured (--oidc-jwks-url with --skip-oidc-discovery): no discovery for it then. */
  readonly jwksUrl?: string;
}

export type BearerVerdict =
  | { readonly ok: true; readonly claims: Readonly<Record<string, unknown>>; readonly exp: number }
  | { readonly ok: false; readonly reason: string }
  /** The issuer or its keys could not be reached: not the token's fault (503, not remembered). */
  | { readonly ok: false; readonly reason: 'unavailable'; readonly unavailable: true };

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const NBF_LEEWAY_SECONDS = 60;
const DISCOVERY_RETRY_MS = 10_000;

interface IssuerKeys {
  readonly jwks: JWTVerifyGetKey;
}

export interface BearerVerifierOptions {
  readonly fetch: ProviderFetch;
  readonly timeoutMs: number;
}

export type BearerVerifier = (token: string, nowSeconds: number) => Promise<BearerVerdict>;

export function createBearerVerifier(
  issuers: readonly BearerIssuer[],
  opts: BearerVerifierOptions,
): BearerVerifier {
  const byIssuer = new Map(issuers.map((i) => [i.issuer, i]));
  const keys = new Map<string, Promise<IssuerKeys>>();
  const failedAt = new Map<string, number>();

  /** Discovery once per issuer; a failure is retried at most every 10 s (like the apiserver). */
  const keysFor = ({ issuer, jwksUrl }: BearerIssuer): Promise<IssuerKeys> | null => {
    const cached = keys.get(issuer);
    if (cached) return cached;
    if (Date.now() - (failedAt.get(issuer) ?? -Infinity) < DISCOVERY_RETRY_MS) return null;
    const found = jwksUrl ? Promise.resolve(remoteKeys(jwksUrl, opts)) : discover(issuer, opts);
    const pending = found.catch((err: unknown) => {
      keys.delete(issuer);
      failedAt.set(issuer, Date.now());
      throw err;
    });
    keys.set(issuer, pending);
    return pending;
  };

  return async (token, now) => {
    if (!COMPACT_JWS.test(token)) return { ok: false, reason: 'not_compact_jws' };
    const [headerPart, payloadPart] = token.split('.') as [string, string, string];
    const header = decodeJson(headerPart);
    const unverified = decodeJson(payloadPart);
    if (!header || !unverified) return { ok: false, reason: 'malformed' };
    if (typeof header.alg !== 'string' || !ALGORITHMS.includes(header.alg))
      return { ok: false, reason: 'alg' };
    const issuer = typeof unverified.iss === 'string' ? byIssuer.get(unverified.iss) : undefined;
    if (!issuer) return { ok: false, reason: 'issuer' };
    const pending = keysFor(issuer);
    const UNAVAILABLE = { ok: false, reason: 'unavailable', unavailable: true } as const;
    if (!pending) return UNAVAILABLE;
    let keySet: IssuerKeys;
    try {
      keySet = await pending;
    } catch {
      return UNAVAILABLE;
    }
    let claims: Record<string, unknown> | null;
    try {
      const { payload } = await compactVerify(token, keySet.jwks, { algorithms: ALGORITHMS });
      claims = decodeJsonBytes(payload);
    } catch (err) {
      // jose's own verdicts are about the token; a timeout, a failed JWKS fetch or an answer that is no key set
      // is about the issuer (a valid bearer must not be told it is forged, nor be remembered as failed).
      if (isJwksUnavailable(err) || !(err instanceof errors.JOSEError)) return UNAVAILABLE;
      return { ok: false, reason: 'signature' };
    }
    if (!claims || claims.iss !== issuer.issuer) return { ok: false, reason: 'issuer' };
    if (typeof claims.sub !== 'string' || claims.sub === '') return { ok: false, reason: 'subject' };
    const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
    if (!aud.some((a) => typeof a === 'string' && issuer.audiences.includes(a)))
      return { ok: false, reason: 'audience' };
    if (typeof claims.exp !== 'number' || now > claims.exp) return { ok: false, reason: 'expired' };
    if (
      claims.nbf !== undefined &&
      (typeof claims.nbf !== 'number' || claims.nbf > now + NBF_LEEWAY_SECONDS)
    ) {
      return { ok: false, reason: 'not_yet_valid' };
    }
    return { ok: true, claims, exp: claims.exp };
  };
}

async function discover(issuer: string, opts: BearerVerifierOptions): Promise<IssuerKeys> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const res = await opts.fetch(url, {
    signal: AbortSignal.timeout(opts.timeoutMs),
    headers: { accept: 'application/json' },
  });
  if (res.status !== 200) throw new Error(`discovery answered ${res.status}`);
  const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (doc.issuer !== issuer) throw new Error('discovery names another issuer');
  if (typeof doc.jwks_uri !== 'string') throw new Error('discovery has no jwks_uri');
  return remoteKeys(doc.jwks_uri, opts);
}

function remoteKeys(jwksUri: string, opts: BearerVerifierOptions): IssuerKeys {
  const jwks = createRemoteJWKSet(new URL(jwksUri), {
    cooldownDuration: JWKS_REFETCH_FLOOR_MS,
    timeoutDuration: opts.timeoutMs,
    [customFetch]: opts.fetch,
  });
  return { jwks };
}

function decodeJson(part: string): Record<string, unknown> | null {
  return decodeJsonBytes(Buffer.from(part, 'base64url'));
}

function decodeJsonBytes(bytes: Uint8Array): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
