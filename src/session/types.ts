/**
 * What authgate remembers about a signed-in user. Sealed into the session cookie (or, later, a store).
 * Times are epoch seconds. Keep it small: only what the configuration needs is stored.
 */
export interface SessionState {
  /** Format version: bump when the shape changes; other versions are treated as no session. */
  readonly v: 1;
  /** Subject: the provider's stable user id (OIDC `sub`, GitHub numeric id). */
  readonly sub: string;
  readonly email: string;
  readonly emailVerified: boolean | null;
  readonly preferredUsername: string;
  readonly groups: readonly string[];
  /** Raw ID token (JWT) when the provider issues one; '' otherwise. */
  readonly idToken: string;
  /** Access token, kept only when a flag needs it; '' otherwise. */
  readonly accessToken: string;
  /** Refresh token when issued; '' otherwise. */
  readonly refreshToken: string;
  /**
   * `exp` of the ID token (or of the access token when there is no ID token, or the last refresh answer brought
   * none); 0 = unknown.
   */
  readonly tokenExpiresAt: number;
  /** When the session was created by a sign-in. */
  readonly createdAt: number;
  /** Absolute end of the session: createdAt + --cookie-expire. Never extended by refreshes. */
  readonly expiresAt: number;
  /** Last time the tokens were obtained (sign-in or refresh). */
  readonly refreshedAt: number;
}

/** State of one sign-in attempt, sealed into the short-lived CSRF cookie. */
export interface CsrfState {
  readonly v: 1;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** Validated target to go to after sign-in. */
  readonly redirect: string;
  /** The redirect_uri used in the authorization request (must be repeated at the token endpoint). */
  readonly redirectUri: string;
  readonly expiresAt: number;
}
