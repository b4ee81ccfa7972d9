import type { SessionState } from '../session/types.js';

/** Identity established by a provider, before authorization rules and session timing are applied. */
export interface ProviderIdentity {
  readonly sub: string;
  readonly email: string;
  readonly emailVerified: boolean | null;
  readonly preferredUsername: string;
  readonly groups: readonly string[];
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Epoch seconds; 0 when unknown. */
  readonly tokenExpiresAt: number;
}

/**
 * A refresh answer without an ID token (OIDC Core 12.2: it "might not contain an id_token"): new tokens but no
 * statement about who they belong to. The caller keeps the identity and ID token it already has, as oauth2-proxy
 * does. Only the OIDC provider (and Google through it) answers this; a sign-in always yields a ProviderIdentity.
 */
export interface RefreshedTokensOnly {
  readonly idTokenMissing: true;
  readonly accessToken: string;
  /** The new refresh token, or the one that was redeemed when the issuer sent none. */
  readonly refreshToken: string;
  /** The access token's `expires_in` in seconds; 0 when the answer did not say. */
  readonly expiresIn: number;
  /**
   * The groups as the provider checked them again without an ID token (Google: --google-group through the
   * Directory API); they replace the session's. Absent: the session keeps its groups.
   */
  readonly groups?: readonly string[];
}

/** What a refresh yields: a full identity (verified like a sign-in's) or, without an ID token, tokens only. */
export type RefreshResult = ProviderIdentity | RefreshedTokensOnly;

export interface AuthorizationParams {
  readonly redirectUri: string;
  readonly state: string;
  readonly nonce: string;
  /** PKCE challenge already derived from the verifier, or '' when PKCE is off. */
  readonly codeChallenge: string;
  readonly codeChallengeMethod: 'S256' | 'plain' | '';
}

export interface RedeemParams {
  /** The full callback URL as received (query holds code, state, iss...). */
  readonly callbackUrl: URL;
  readonly redirectUri: string;
  readonly expectedState: string;
  readonly expectedNonce: string;
  /** PKCE verifier, or '' when PKCE is off. */
  readonly codeVerifier: string;
}

/**
 * A sign-in provider. One module each: oidc.ts, github.ts, google.ts.
 * Every method that talks to the network rejects with a ProviderError (stable `code`), never with a raw library error.
 */
export interface Provider {
  /** 'oidc' | 'github' | 'google' */
  readonly type: string;
  /** Shown on the sign-in button. */
  readonly displayName: string;
  /** True once the provider can serve sign-ins (OIDC discovery done). */
  isReady(): boolean;
  /** Begin discovery in the background, retrying with backoff; resolves immediately, never rejects. */
  start(): void;
  /** Stop background work (retries, timers). */
  stop(): void;
  authorizationUrl(params: AuthorizationParams): URL;
  redeem(params: RedeemParams): Promise<ProviderIdentity>;
  /** Redeem the refresh token; rejects with ProviderError code 'invalid_grant' when refused. */
  refresh?(session: SessionState): Promise<RefreshResult>;
  /** RP-initiated logout URL, when the provider has one. */
  endSessionUrl?(idToken: string, postLogoutRedirectUri: string): URL | null;
}
