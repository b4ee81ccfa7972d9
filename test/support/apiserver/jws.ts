/**
 * The token-shape rules kube-apiserver applies before any key is looked at: compact JWS only (exactly three
 * dot-separated parts of unpadded base64url, so JSON serialisation, JWE and `=` padding all fail), a JSON header
 * and payload, and an algorithm from the allowed list; none, HS* and EdDSA are refused whatever the list says.
 */

export interface ParsedJws {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  alg: string;
  kid: string | undefined;
}

const B64URL = /^[A-Za-z0-9_-]+$/;
const ALWAYS_REFUSED = (alg: string) => alg === 'none' || alg.startsWith('HS') || alg === 'EdDSA';

function decodeJsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function parseCompactJws(
  token: string,
  allowedAlgs: readonly string[],
): ParsedJws | { error: string } {
  const parts = token.split('.');
  if (parts.length !== 3) return { error: `malformed token: ${parts.length} parts, want 3` };
  const [h = '', p = '', s = ''] = parts;
  // An empty signature parses (as in go-jose); such a token then fails on its alg or its signature.
  if (!B64URL.test(h) || !B64URL.test(p) || !(s === '' || B64URL.test(s))) {
    return { error: 'malformed token: not unpadded base64url' };
  }
  const header = decodeJsonObject(h);
  const claims = decodeJsonObject(p);
  if (!header || !claims) return { error: 'malformed token: header or payload is not a JSON object' };
  const alg = header.alg;
  if (typeof alg !== 'string') return { error: 'malformed token: no alg' };
  if (ALWAYS_REFUSED(alg) || !allowedAlgs.includes(alg))
    return { error: `unsupported signing algorithm ${alg}` };
  const kid = typeof header.kid === 'string' && header.kid !== '' ? header.kid : undefined;
  return { header, claims, alg, kid };
}
