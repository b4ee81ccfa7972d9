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
  refresh?(session: SessionState): Promise<ProviderIdentity>;
  /** RP-initiated logout URL, when the provider has one. */
  endSessionUrl?(idToken: string, postLogoutRedirectUri: string): URL | null;
}
