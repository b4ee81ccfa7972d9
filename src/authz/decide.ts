/**
 * Whether a signed-in identity may enter: oauth2-proxy's combination of --email-domain,
 * --authenticated-emails-file, --allowed-group and --insecure-oidc-allow-unverified-email.
 *
 * Rules are checked top to bottom; the first that fails is reported:
 *
 * | # | check                                                                  | fails with         |
 * |---|------------------------------------------------------------------------|--------------------|
 * | 1 | emailVerified is true, or null (claim absent), or allowUnverifiedEmail  | 'email_unverified' |
 * | 2 | email is well formed (parseEmail)                                      | 'email_invalid'    |
 * | 3 | domain matches emailDomains  OR  email is in the authenticated emails   | 'email_domain'     |
 * | 4 | allowedGroups is empty  OR  the user is in at least one of them        | 'group'            |
 * |   | all passed                                                             | allowed            |
 *
 * Note row 3 is an OR (the file adds people outside the domains) and row 4 an AND (groups restrict further).
 */
import { isEmailDomainAllowed, parseEmail } from './email.js';
import { isGroupAllowed } from './groups.js';

export interface AccessRules {
  readonly emailDomains: readonly string[];
  /** Lower-case emails from --authenticated-emails-file, or null when no file is configured. */
  readonly authenticatedEmails: ReadonlySet<string> | null;
  readonly allowedGroups: readonly string[];
  /**
   * Changes whenever the rules change at run time (the emails file was re-read), so decisions cached per session
   * are made again; absent or constant for rules fixed at start.
   */
  readonly generation?: number;
}

export interface AccessIdentity {
  readonly email: string;
  /** The email_verified claim; null when the provider did not send it. */
  readonly emailVerified: boolean | null;
  readonly groups: readonly string[];
}

export type AccessDenialRule = 'email_unverified' | 'email_invalid' | 'email_domain' | 'group';
export type AccessDecision = { allowed: true } | { allowed: false; rule: AccessDenialRule };

export function decideAccess(
  identity: AccessIdentity,
  rules: AccessRules,
  opts: { allowUnverifiedEmail: boolean },
): AccessDecision {
  if (identity.emailVerified === false && !opts.allowUnverifiedEmail) {
    return { allowed: false, rule: 'email_unverified' };
  }
  if (parseEmail(identity.email) === null) return { allowed: false, rule: 'email_invalid' };
  const listed = rules.authenticatedEmails?.has(identity.email.toLowerCase()) ?? false;
  if (!listed && !isEmailDomainAllowed(identity.email, rules.emailDomains)) {
    return { allowed: false, rule: 'email_domain' };
  }
  if (!isGroupAllowed(identity.groups, rules.allowedGroups)) return { allowed: false, rule: 'group' };
  return { allowed: true };
}
