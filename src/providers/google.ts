/**
 * --provider=google: OpenID Connect against accounts.google.com (through OidcProvider), asking for a refresh token
 * (access_type=offline, prompt=consent). Google's ID tokens are accepted by kube-apiserver when it trusts that
 * issuer and client id, so the bearer path works. On top of the who-may-enter rules: --google-hosted-domain (the
 * `hd` claim) and --google-group (Directory API membership, which also becomes the session's groups).
 */
import type { Logger } from 'pino';
import type {
  AuthorizationParams,
  Provider,
  ProviderIdentity,
  RedeemParams,
  RefreshResult,
} from './types.js';
import type { SessionState } from '../session/types.js';
import { OidcProvider, type OidcProviderConfig } from './oidc.js';
import type { GoogleDirectory } from './googleDirectory.js';
import { AccessRefusedError } from './refusal.js';
import { hostedDomainHint, isHostedDomainAllowed } from '../authz/hostedDomain.js';
import { claimToGroups, readClaimPath } from '../authz/groups.js';
import { idTokenClaims } from '../session/idTokenClaims.js';

export const GOOGLE_ISSUER_URL = 'https://accounts.google.com';

export interface GoogleProviderConfig {
  /** The OIDC settings; issuerUrl '' = accounts.google.com, prompt '' = consent. */
  readonly oidc: Omit<OidcProviderConfig, 'type' | 'extraAuthParams'>;
  readonly hostedDomains: readonly string[];
  /** --google-group: the user must be in one; those found become groups. */
  readonly groups: readonly string[];
  /** Required when `groups` is not empty. */
  readonly directory: GoogleDirectory | null;
}

export class GoogleProvider implements Provider {
  readonly type = 'google';
  readonly displayName: string;
  private readonly inner: OidcProvider;

  constructor(
    private readonly cfg: GoogleProviderConfig,
    log: Logger,
  ) {
    if (cfg.groups.length > 0 && !cfg.directory) {
      throw new Error('authgate bug: --google-group without a directory client');
    }
    const hd = hostedDomainHint(cfg.hostedDomains);
    this.inner = new OidcProvider(
      {
        ...cfg.oidc,
        issuerUrl: cfg.oidc.issuerUrl || GOOGLE_ISSUER_URL,
        prompt: cfg.oidc.prompt || 'consent',
        type: 'google',
        extraAuthParams: { access_type: 'offline', ...(hd ? { hd } : {}) },
      },
      log,
    );
    this.displayName = cfg.oidc.displayName;
  }

  isReady(): boolean {
    return this.inner.isReady();
  }

  start(): void {
    this.inner.start();
  }

  stop(): void {
    this.inner.stop();
  }

  /** Resolves once discovery succeeded (tests wait on it). */
  whenReady(timeoutMs?: number): Promise<void> {
    return this.inner.whenReady(timeoutMs);
  }

  authorizationUrl(params: AuthorizationParams): URL {
    return this.inner.authorizationUrl(params);
  }

  async redeem(params: RedeemParams): Promise<ProviderIdentity> {
    return this.admit(await this.inner.redeem(params));
  }

  /**
   * A refresh re-applies both checks: an account moved out of the domain or the groups loses its session. Google
   * sends an ID token on every refresh with the openid scope; should an answer come without one, the same checks
   * run on the ID token the session keeps (its `hd`, its groups claim) and the session's email, and the groups
   * found now replace the session's (a group the account was removed from must not stay).
   */
  async refresh(session: SessionState): Promise<RefreshResult> {
    const answer = await this.inner.refresh(session);
    if (!('idTokenMissing' in answer)) return this.admit(answer);
    const groups = await this.checkAccount(session, session.idToken, () =>
      groupsFromClaims(idTokenClaims(session.idToken), this.cfg.oidc.claims.groupsClaim),
    );
    return groups === null ? answer : { ...answer, groups };
  }

  endSessionUrl(idToken: string, postLogoutRedirectUri: string): URL | null {
    return this.inner.endSessionUrl(idToken, postLogoutRedirectUri);
  }

  /** The ID token was verified by OidcProvider; its `hd` claim is read from it here. */
  private async admit(identity: ProviderIdentity): Promise<ProviderIdentity> {
    const groups = await this.checkAccount(identity, identity.idToken, () => identity.groups);
    return groups === null ? identity : { ...identity, groups };
  }

  /**
   * --google-hosted-domain against the verified `idToken`'s `hd`, then --google-group through the Directory API.
   * Returns the session's groups (`claimGroups()` plus those found), or null when no --google-group is set (the
   * groups stay as they are). Throws AccessRefusedError when the account may not enter.
   */
  private async checkAccount(
    account: { readonly sub: string; readonly email: string },
    idToken: string,
    claimGroups: () => readonly string[],
  ): Promise<string[] | null> {
    const who = { user: account.sub, email: account.email };
    if (
      this.cfg.hostedDomains.length > 0 &&
      !isHostedDomainAllowed(idTokenClaims(idToken)?.hd, this.cfg.hostedDomains)
    )
      throw new AccessRefusedError('hosted_domain', who);
    if (this.cfg.groups.length === 0 || !this.cfg.directory) return null;
    if (account.email === '') throw new AccessRefusedError('email_invalid', who);
    const found = await this.cfg.directory.groupsOf(account.email, this.cfg.groups);
    if (found.length === 0) throw new AccessRefusedError('google_group', who);
    return [...new Set([...claimGroups(), ...found])];
  }
}

/** The groups claim of kept ID-token claims, as a sign-in would have read it. */
function groupsFromClaims(claims: Record<string, unknown> | null, groupsClaim: string): readonly string[] {
  return claims ? (claimToGroups(readClaimPath(claims, groupsClaim)) ?? []) : [];
}
