/**
 * The audit trail: one log line per sign-in, refusal, refresh and sign-out, always with the same keys (audit,
 * outcome, user, email, rule or reason, clientIp, requestId), and the matching counter in the metrics. Logging
 * obeys --auth-logging; counting always happens. Never pass tokens, cookies or codes here.
 */
import type { Logger } from './logger.js';
import type { Metrics, RefreshOutcome, SignInOutcome } from './metrics.js';

export interface AuditFields {
  /** The subject (sub, or the provider's stable user id). */
  readonly user?: string;
  readonly email?: string;
  /** The who-may-enter or provider rule that refused. */
  readonly rule?: string;
  /** Why it failed otherwise (csrf, invalid_grant, provider_unreachable...). */
  readonly reason?: string;
  readonly clientIp?: string;
  readonly requestId?: string;
  /** How many groups the user has (never the groups themselves: they can be many). */
  readonly groups?: number;
}

type Event =
  | { readonly audit: 'sign_in'; readonly outcome: SignInOutcome }
  | { readonly audit: 'refresh'; readonly outcome: RefreshOutcome }
  | { readonly audit: 'sign_out'; readonly outcome: 'success' };

const MESSAGES: Record<string, string> = {
  'sign_in success': 'sign-in success',
  'sign_in refused': 'sign-in refused',
  'sign_in forbidden': 'sign-in forbidden',
  'refresh success': 'session refreshed',
  'refresh ended': 'session ended',
  'refresh failed': 'session refresh failed',
  'sign_out success': 'sign-out',
};

export class Audit {
  constructor(
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly enabled: boolean,
  ) {}

  signIn(outcome: SignInOutcome, fields: AuditFields): void {
    this.metrics.signIn(outcome, fields.rule ?? fields.reason);
    this.write({ audit: 'sign_in', outcome }, fields);
  }

  refresh(outcome: RefreshOutcome, fields: AuditFields): void {
    this.metrics.refresh(outcome, fields.reason);
    this.write({ audit: 'refresh', outcome }, fields);
  }

  signOut(fields: AuditFields): void {
    this.metrics.signOut();
    this.write({ audit: 'sign_out', outcome: 'success' }, fields);
  }

  private write(event: Event, fields: AuditFields): void {
    if (!this.enabled) return;
    const line = { ...event, ...fields };
    const message = MESSAGES[`${event.audit} ${event.outcome}`] ?? event.audit;
    // An unreachable issuer is an operational problem, not just a record: warn.
    if (event.outcome === 'failed') this.log.warn(line, message);
    else this.log.info(line, message);
  }
}
