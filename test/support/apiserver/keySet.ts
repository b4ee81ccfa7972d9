/**
 * The issuer's keys as kube-apiserver gets them: the discovery document (whose `issuer` must equal the configured
 * URL byte for byte) names the jwks_uri; the JWKS is fetched lazily, cached as long as its Cache-Control max-age
 * says, and fetched again when a token's kid is unknown or no cached key verifies it. Until discovery has succeeded
 * every token fails; a failed discovery is retried at most every `retryMs` (the apiserver polls every 10 s).
 */
import type { JWK } from 'jose';

export type FetchLike = (url: string) => Promise<{
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
}>;

export interface KeySetConfig {
  issuerUrl: string;
  fetchImpl?: FetchLike;
  retryMs?: number;
  nowMs?: () => number;
}

export interface KeySet {
  /**
   * Keys for this kid (every key when there is none), from the cache while it is fresh and holds a match, else
   * fetched (`fetched: true`); `refresh` forces the fetch. Throws while discovery or the fetch fails.
   */
  keys(kid: string | undefined, refresh?: boolean): Promise<{ keys: JWK[]; fetched: boolean }>;
  stats: { discoveryFetches: number; jwksFetches: number };
}

function maxAgeMs(cacheControl: string | null): number {
  if (!cacheControl || /no-(store|cache)/i.test(cacheControl)) return 0;
  const m = /max-age=(\d+)/i.exec(cacheControl);
  return m?.[1] ? Number(m[1]) * 1000 : 0;
}

export function createKeySet(cfg: KeySetConfig): KeySet {
  const fetchImpl: FetchLike = cfg.fetchImpl ?? ((url) => fetch(url));
  const nowMs = cfg.nowMs ?? Date.now;
  const retryMs = cfg.retryMs ?? 10_000;
  const stats = { discoveryFetches: 0, jwksFetches: 0 };
  let jwksUri: string | undefined;
  let lastDiscoveryAttempt = -Infinity;
  let cached: { keys: JWK[]; expiresAt: number } | undefined;
  let inflight: Promise<JWK[]> | undefined;

  async function discover(): Promise<string> {
    if (jwksUri) return jwksUri;
    if (nowMs() - lastDiscoveryAttempt < retryMs) throw new Error('issuer discovery not yet successful');
    lastDiscoveryAttempt = nowMs();
    stats.discoveryFetches += 1;
    const res = await fetchImpl(`${cfg.issuerUrl.replace(/\/$/, '')}/.well-known/openid-configuration`);
    if (!res.ok) throw new Error(`issuer discovery failed: HTTP ${res.status}`);
    const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (doc.issuer !== cfg.issuerUrl) throw new Error('issuer discovery: issuer does not match');
    if (typeof doc.jwks_uri !== 'string') throw new Error('issuer discovery: no jwks_uri');
    jwksUri = doc.jwks_uri;
    return jwksUri;
  }

  async function fetchJwks(): Promise<JWK[]> {
    const uri = await discover();
    stats.jwksFetches += 1;
    const res = await fetchImpl(uri);
    if (!res.ok) throw new Error(`jwks fetch failed: HTTP ${res.status}`);
    const body = (await res.json()) as { keys?: unknown };
    const keys = Array.isArray(body.keys) ? (body.keys as JWK[]) : [];
    cached = { keys, expiresAt: nowMs() + maxAgeMs(res.headers.get('cache-control')) };
    return keys;
  }

  /** One fetch at a time: concurrent misses share it. */
  function refetch(): Promise<JWK[]> {
    inflight ??= fetchJwks().finally(() => (inflight = undefined));
    return inflight;
  }

  const select = (keys: JWK[], kid: string | undefined) =>
    keys.filter((k) => kid === undefined || k.kid === kid);

  return {
    stats,
    async keys(kid, refresh = false) {
      if (!refresh && cached && cached.expiresAt > nowMs()) {
        const hit = select(cached.keys, kid);
        if (hit.length > 0) return { keys: hit, fetched: false };
      }
      return { keys: select(await refetch(), kid), fetched: true };
    },
  };
}
