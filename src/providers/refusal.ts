/**
 * A provider's "this account may not enter" (a GitHub org/team/repo/user restriction, a Google hosted domain or
 * group). Unlike other ProviderErrors it is not a failure: the sign-in worked and the answer is no. The sign-in
 * route shows the same "not permitted" page as for the who-may-enter rules and audits `rule` with who it was;
 * the page never says which rule refused.
 */
import { ProviderError } from '../errors.js';

export class AccessRefusedError extends ProviderError {
  constructor(
    /** Stable rule name for the audit log, e.g. 'github_org', 'google_group', 'hosted_domain'. */
    readonly rule: string,
    /** Who was refused: the provider's user name and email (never a token). */
    readonly who: { readonly user: string; readonly email: string },
  ) {
    super(rule, 'Your account is not permitted to use this application.', 403);
  }
}
