/**
 * The claims of an ID token a session holds. The token was verified (signature, issuer, audience) when it was
 * received, at sign-in or at the last refresh that brought one; this only reads its payload again, so it must never
 * be called on a token from a request. Null when there is no token or its payload does not parse.
 */
export function idTokenClaims(idToken: string): Record<string, unknown> | null {
  const part = idToken.split('.')[1];
  if (!part) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
