/**
 * Groups: reading them out of ID-token / userinfo claims, and the --allowed-group check.
 */

/** Empty `allowed` admits everyone; otherwise one shared group is enough. Exact, case-sensitive (as oauth2-proxy). */
export function isGroupAllowed(groups: readonly string[], allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const mine = new Set(groups);
  return allowed.some((group) => mine.has(group));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The claim at `path` (--oidc-groups-claim / --oidc-email-claim), or undefined.
 * A dotted path walks into nested objects (`realm_access.roles`, Keycloak), but a key whose literal name contains
 * dots wins when present (`https://example.com/groups`, Auth0 namespaced claims), at every level. Only own
 * properties are read, so `__proto__` or `constructor` never reach the prototype.
 */
export function readClaimPath(claims: Record<string, unknown>, path: string): unknown {
  if (!isPlainObject(claims) || path === '') return undefined;
  if (Object.hasOwn(claims, path)) return claims[path];
  for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) {
    const head = path.slice(0, dot);
    const child = Object.hasOwn(claims, head) ? claims[head] : undefined;
    if (!isPlainObject(child)) continue;
    const found = readClaimPath(child, path.slice(dot + 1));
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * A groups claim as a list: a string is one group ('' is none), an array of strings is taken as is, an absent claim
 * (null/undefined) is no groups. Anything else (numbers, objects, mixed arrays) returns null: the claim is not
 * what the configuration says it is, and the caller should treat that as an error rather than guess.
 */
export function claimToGroups(value: unknown): string[] | null {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value) && value.every((item): item is string => typeof item === 'string'))
    return [...value];
  return null;
}
