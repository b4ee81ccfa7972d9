/**
 * Per-request rules in the query of /oauth2/auth (nginx auth_request / ingress-nginx auth-url), as oauth2-proxy:
 * `allowed_groups`, `allowed_emails`, `allowed_email_domains`, each a comma list; repeated parameters are merged.
 * They only narrow access further: a session that fails them gets 403 (it is signed in, just not allowed here).
 */
import { isEmailDomainAllowed, parseEmail } from './email.js';
import { isGroupAllowed } from './groups.js';

export interface AuthQueryRules {
  readonly groups: readonly string[];
  /** Lower-case. */
  readonly emails: readonly string[];
  readonly emailDomains: readonly string[];
}

function commaList(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function parseAuthQuery(query: URLSearchParams): AuthQueryRules {
  return {
    groups: commaList(query, 'allowed_groups'),
    emails: commaList(query, 'allowed_emails').map((email) => email.toLowerCase()),
    emailDomains: commaList(query, 'allowed_email_domains'),
  };
}

/** Every non-empty rule must pass: groups any one, emails exact (case-insensitive), domains as --email-domain. */
export function checkAuthQuery(
  identity: { readonly email: string; readonly groups: readonly string[] },
  rules: AuthQueryRules,
): boolean {
  if (rules.groups.length > 0 && !isGroupAllowed(identity.groups, rules.groups)) return false;
  if (rules.emails.length > 0) {
    if (parseEmail(identity.email) === null) return false;
    if (!rules.emails.includes(identity.email.toLowerCase())) return false;
  }
  if (rules.emailDomains.length > 0 && !isEmailDomainAllowed(identity.email, rules.emailDomains))
    return false;
  return true;
}
