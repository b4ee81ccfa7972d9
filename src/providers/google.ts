/**
 * --provider=google: OpenID Connect against accounts.google.com (through OidcProvider), asking for a refresh token
 * (access_type=offline, prompt=consent). Google's ID tokens are accepted by kube-apiserver when it trusts that
 * issuer and client id, so the bearer path works. On top of the who-may-enter rules: --google-hosted-domain (the
 * `hd` claim) and --google-group (Directory API membership, which also becomes the session's groups).
 */
import { decodeJwt } from 'jose';
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
   * sends an ID token on every refresh with the openid scope; should an answer come without one, the checks run on
   * what the session holds: the kept ID token's `hd` against the current --google-hosted-domain, and the groups
   * asked for by the session's email, which then replace the session's groups as a full check would (a group the
   * account was removed from does not stay because another one still admits it).
   */
  async refresh(session: SessionState): Promise<RefreshResult> {
    const answer = await this.inner.refresh(session);
    if (!('idTokenMissing' in answer)) return this.admit(answer);
    const who = { user: session.sub, email: session.email };
    const kept = keptClaims(session.idToken);
    if (this.cfg.hostedDomains.length > 0 && !isHostedDomainAllowed(kept.hd, this.cfg.hostedDomains))
      throw new AccessRefusedError('hosted_domain', who);
    if (this.cfg.groups.length === 0 || !this.cfg.directory) return answer;
    if (session.email === '') throw new AccessRefusedError('email_invalid', who);
    const found = await this.cfg.directory.groupsOf(session.email, this.cfg.groups);
    if (found.length === 0) throw new AccessRefusedError('google_group', who);
    // As admit() does: the groups claim of the ID token (the kept one) and the groups found now.
    const fromClaim = claimToGroups(readClaimPath(kept, this.cfg.oidc.claims.groupsClaim)) ?? [];
    return { ...answer, groups: [...new Set([...fromClaim, ...found])] };
  }

  endSessionUrl(idToken: string, postLogoutRedirectUri: string): URL | null {
    return this.inner.endSessionUrl(idToken, postLogoutRedirectUri);
  }

  /** The ID token was verified by OidcProvider; its `hd` claim is read from it here. */
  private async admit(identity: ProviderIdentity): Promise<ProviderIdentity> {
    const who = { user: identity.sub, email: identity.email };
    if (this.cfg.hostedDomains.length > 0) {
      const hd = decodeJwt(identity.idToken).hd;
      if (!isHostedDomainAllowed(hd, this.cfg.hostedDomains))
        throw new AccessRefusedError('hosted_domain', who);
    }
    if (this.cfg.groups.length === 0 || !this.cfg.directory) return identity;
    if (identity.email === '') throw new AccessRefusedError('email_invalid', who);
    const found = await this.cfg.directory.groupsOf(identity.email, this.cfg.groups);
    if (found.length === 0) throw new AccessRefusedError('google_group', who);
    return { ...identity, groups: [...new Set([...identity.groups, ...found])] };
  }
}

/** The claims of the session's ID token (verified at sign-in or at the last refresh that brought one); {} if none. */
function keptClaims(idToken: string): Record<string, unknown> {
  try {
    return idToken ? decodeJwt(idToken) : {};
  } catch {
    return {};
  }
}
