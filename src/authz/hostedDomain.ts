/**
 * --google-hosted-domain: Google puts the Workspace domain of an account in the ID token's `hd` claim; consumer
 * accounts (gmail.com, or a personal Google account registered on any address, even alice@example.com) have
 * none. So the claim, not the email's suffix, says whether the account belongs to the organisation.
 */

/**
 * Empty `allowed` admits everyone. Otherwise `hd` must be a non-empty string equal (case-insensitive) to one
 * entry; the entry `*` admits any Workspace account (any `hd`) but no consumer account.
 */
export function isHostedDomainAllowed(hd: unknown, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  if (typeof hd !== 'string' || hd === '') return false;
  const domain = hd.toLowerCase();
  return allowed.some((entry) => entry === '*' || entry.toLowerCase() === domain);
}

/** The `hd` authorization-request hint Google's account chooser understands: one domain, or `*` for several. */
export function hostedDomainHint(allowed: readonly string[]): string {
  if (allowed.length === 0) return '';
  return allowed.length === 1 ? (allowed[0] ?? '') : '*';
}
