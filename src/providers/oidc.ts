import * as client from 'openid-client';
import type { Logger } from 'pino';
import type {
  AuthorizationParams,
  Provider,
  ProviderIdentity,
  RedeemParams,
  RefreshResult,
} from './types.js';
import type { SessionState } from '../session/types.js';
import { ProviderError } from '../errors.js';
import { errorCode } from '../observability/errorSummary.js';
import { createProviderFetch, type ProviderFetch } from './httpClient.js';
import { identityFromClaims, type ClaimMapping } from './claims.js';
import { toProviderError } from './errors.js';
import { createIdTokenSignatureCheck, type IdTokenSignatureCheck } from './idTokenSignature.js';

export interface OidcProviderConfig {
  readonly issuerUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Space-separated scopes, or '' for the default ("openid email profile" + groups/offline_access when offered). */
  readonly scope: string;
  readonly displayName: string;
  readonly claims: ClaimMapping;
  readonly extraAudiences: readonly string[];
  readonly prompt: string;
  readonly skipDiscovery: boolean;
  readonly loginUrl: string;
  readonly redeemUrl: string;
  readonly jwksUrl: string;
  readonly caFiles: readonly string[];
  readonly insecureSkipVerify: boolean;
  /** Milliseconds for each call to the issuer. */
  readonly timeoutMs: number;
  /** Extra authorization-request parameters a provider variant needs (Google: access_type=offline). */
  readonly extraAuthParams?: Readonly<Record<string, string>>;
  readonly type?: string;
}

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * Any OpenID Connect issuer (Dex, Keycloak, oidc-provider...). Discovery runs in the background with backoff so
 * authgate starts (and /ping answers) while the issuer is down; until it succeeds isReady() is false.
 */
export class OidcProvider implements Provider {
  readonly type: string;
  readonly displayName: string;
  private config: client.Configuration | null = null;
  private checkSignature: IdTokenSignatureCheck | null = null;
  private scope = '';
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private attempts = 0;
  /** Built once: discovery retries and every later call share its keep-alive agents. */
  private readonly fetchImpl: ProviderFetch;

  constructor(
    private readonly cfg: OidcProviderConfig,
    private readonly log: Logger,
  ) {
    this.type = cfg.type ?? 'oidc';
    this.displayName = cfg.displayName;
    this.fetchImpl = createProviderFetch({
      caFiles: cfg.caFiles,
      insecureSkipVerify: cfg.insecureSkipVerify,
    });
  }

  isReady(): boolean {
    return this.config !== null;
  }

  start(): void {
    this.stopped = false;
    void this.discover();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Resolves once discovery succeeded (tests and the demo wait on it). */
  async whenReady(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.isReady()) {
      if (Date.now() > until)
        throw new ProviderError('provider_unreachable', 'Issuer discovery did not finish.', 503);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private async discover(): Promise<void> {
    if (this.stopped || this.config) return;
    this.attempts += 1;
    try {
      const config = await this.buildConfiguration();
      if (this.stopped) return;
      this.scope = this.cfg.scope || defaultScope(config.serverMetadata().scopes_supported);
      this.config = config;
      this.log.info(
        { issuer: this.cfg.issuerUrl, attempts: this.attempts, scope: this.scope },
        'identity provider discovery succeeded',
      );
    } catch (err) {
      const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(this.attempts - 1, 5));
      this.log.warn(
        { issuer: this.cfg.issuerUrl, attempt: this.attempts, retryInMs: delay, reason: describe(err) },
        'identity provider discovery failed; retrying',
      );
      if (this.stopped) return;
      this.retryTimer = setTimeout(() => void this.discover(), delay);
      this.retryTimer.unref();
    }
  }

  private async buildConfiguration(): Promise<client.Configuration> {
    const { cfg, fetchImpl } = this;
    // openid-client refuses http:// endpoints unless told. Without discovery the token endpoint is often an
    // in-cluster http:// service while the issuer and login page are https://, so --redeem-url counts too.
    const insecure = [cfg.issuerUrl, cfg.loginUrl, cfg.redeemUrl].some((u) => u.startsWith('http:'));
    const execute = insecure ? [client.allowInsecureRequests] : [];
    const auth = client.ClientSecretBasic(cfg.clientSecret);
    let config: client.Configuration;
    if (cfg.skipDiscovery) {
      config = new client.Configuration(
        {
          issuer: cfg.issuerUrl,
          authorization_endpoint: cfg.loginUrl,
          token_endpoint: cfg.redeemUrl,
          jwks_uri: cfg.jwksUrl,
        },
        cfg.clientId,
        { id_token_signed_response_alg: 'RS256' },
        auth,
      );
      for (const fn of execute) fn(config);
    } else {
      const discovered = await client.discovery(new URL(cfg.issuerUrl), cfg.clientId, undefined, auth, {
        execute,
        timeout: Math.ceil(cfg.timeoutMs / 1000),
        [client.customFetch]: fetchImpl,
      });
      const metadata = discovered.serverMetadata();
      const algs = metadata.id_token_signing_alg_values_supported ?? ['RS256'];
      const alg = algs.includes('RS256') ? 'RS256' : algs.find((a) => a !== 'none' && !a.startsWith('HS'));
      if (!alg)
        throw new ProviderError('provider_error', 'The issuer offers no asymmetric ID token algorithm.', 502);
      config = new client.Configuration(metadata, cfg.clientId, { id_token_signed_response_alg: alg }, auth);
      for (const fn of execute) fn(config);
    }
    config[client.customFetch] = fetchImpl;
    config.timeout = Math.ceil(cfg.timeoutMs / 1000);
    // Verify the ID token's signature against the issuer's keys, not only the TLS channel: an http:// issuer
    // (Dex in-cluster) has no TLS, and the token is handed on to kube-apiserver as a credential.
    const jwksUri = config.serverMetadata().jwks_uri;
    if (!jwksUri) throw new ProviderError('provider_error', 'The issuer publishes no JWKS.', 502);
    const alg = config.clientMetadata().id_token_signed_response_alg ?? 'RS256';
    this.checkSignature = createIdTokenSignatureCheck(jwksUri, alg, {
      timeoutMs: cfg.timeoutMs,
      fetch: fetchImpl,
    });
    return config;
  }

  private requireConfig(): client.Configuration {
    if (!this.config) {
      throw new ProviderError('provider_unreachable', 'The identity provider is not available yet.', 503);
    }
    return this.config;
  }

  authorizationUrl(params: AuthorizationParams): URL {
    const config = this.requireConfig();
    const query: Record<string, string> = {
      redirect_uri: params.redirectUri,
      scope: this.scope,
      state: params.state,
      nonce: params.nonce,
      ...(this.cfg.extraAuthParams ?? {}),
    };
    if (params.codeChallenge) {
      query.code_challenge = params.codeChallenge;
      query.code_challenge_method = params.codeChallengeMethod;
    }
    if (this.cfg.prompt) query.prompt = this.cfg.prompt;
    return client.buildAuthorizationUrl(config, query);
  }

  async redeem(params: RedeemParams): Promise<ProviderIdentity> {
    const config = this.requireConfig();
    try {
      const tokens = await client.authorizationCodeGrant(
        config,
        params.callbackUrl,
        {
          expectedState: params.expectedState,
          expectedNonce: params.expectedNonce,
          pkceCodeVerifier: params.codeVerifier || undefined,
          idTokenExpected: true,
        },
        { redirect_uri: params.redirectUri },
      );
      return await this.toIdentity(tokens, '');
    } catch (err) {
      throw toProviderError(err, 'redeem');
    }
  }

  async refresh(session: SessionState): Promise<RefreshResult> {
    const config = this.requireConfig();
    if (!session.refreshToken)
      throw new ProviderError('invalid_grant', 'The session cannot be renewed.', 401);
    try {
      const tokens = await client.refreshTokenGrant(config, session.refreshToken);
      // OIDC Core 12.2: a refresh answer "might not contain an id_token". It then says nothing new about the user
      // and there is no token to verify: only the new tokens go back, and the caller keeps the identity it has.
      // An answer WITH an id_token is verified in full below (signature here, same subject by the caller).
      if (tokens.id_token === undefined) {
        return {
          idTokenMissing: true,
          accessToken: tokens.access_token,
          refreshToken: tokens.refresh_token ?? session.refreshToken,
          expiresIn: tokens.expiresIn() ?? 0,
        };
      }
      return await this.toIdentity(tokens, session.refreshToken);
    } catch (err) {
      throw toProviderError(err, 'refresh');
    }
  }

  endSessionUrl(idToken: string, postLogoutRedirectUri: string): URL | null {
    const config = this.config;
    if (!config?.serverMetadata().end_session_endpoint) return null;
    const params: Record<string, string> = { client_id: this.cfg.clientId };
    if (idToken) params.id_token_hint = idToken;
    if (postLogoutRedirectUri) params.post_logout_redirect_uri = postLogoutRedirectUri;
    return client.buildEndSessionUrl(config, params);
  }

  private async toIdentity(
    tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
    previousRefreshToken: string,
  ): Promise<ProviderIdentity> {
    const claims = tokens.claims();
    if (!claims || typeof tokens.id_token !== 'string') {
      throw new ProviderError('id_token_missing', 'The identity provider returned no ID token.', 502);
    }
    if (!this.checkSignature)
      throw new ProviderError('provider_unreachable', 'The identity provider is not available yet.', 503);
    await this.checkSignature(tokens.id_token);
    return identityFromClaims(
      claims as Record<string, unknown>,
      {
        idToken: tokens.id_token,
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token ?? previousRefreshToken,
      },
      this.cfg.claims,
    );
  }
}

/** Dex only issues refresh tokens and groups when asked: add those scopes when the issuer offers them. */
export function defaultScope(supported: readonly string[] | undefined): string {
  const scopes = ['openid', 'email', 'profile'];
  for (const optional of ['groups', 'offline_access']) {
    if (supported?.includes(optional)) scopes.push(optional);
  }
  return scopes.join(' ');
}

function describe(err: unknown): string {
  if (err instanceof ProviderError) return err.code;
  // openid-client wraps what a customFetch threw (an oversized answer) in a ClientError without a code.
  if (err instanceof Error && err.cause instanceof ProviderError) return err.cause.code;
  if (err instanceof Error) {
    const code = errorCode(err);
    return code ? `${err.name}:${code}` : err.name;
  }
  return 'unknown';
}
