/**
 * Get real tokens from the test issuer without any relying party: the BrowserClient signs in and stops at the
 * redirect to an unreachable `*.test` callback (which the issuer accepts), and the code is exchanged here.
 */
import { BrowserClient } from './browserClient.js';
import type { Issuer } from './issuer.js';

export interface TokenResponse {
  id_token?: string;
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  token_type?: string;
  scope?: string;
  error?: string;
}

export interface SignInOptions {
  login?: string;
  scope?: string;
  prompt?: string;
  clientId?: string;
  clientSecret?: string;
  redirectUri?: string;
  browser?: BrowserClient;
}

export async function tokenRequest(
  issuer: Issuer,
  params: Record<string, string>,
  client: { clientId?: string; clientSecret?: string } = {},
): Promise<{ status: number; body: TokenResponse }> {
  const basic = Buffer.from(
    `${encodeURIComponent(client.clientId ?? issuer.clientId)}:${encodeURIComponent(client.clientSecret ?? issuer.clientSecret)}`,
  ).toString('base64');
  const res = await fetch(`${issuer.url}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: (await res.json()) as TokenResponse };
}

/** Sign in through the issuer's login form and exchange the code; throws if no code comes back. */
export async function signInForTokens(
  issuer: Issuer,
  opts: SignInOptions = {},
): Promise<TokenResponse & { browser: BrowserClient }> {
  const browser = opts.browser ?? new BrowserClient();
  const redirectUri = opts.redirectUri ?? 'http://rp.callback.test/cb';
  const q = new URLSearchParams({
    client_id: opts.clientId ?? issuer.clientId,
    response_type: 'code',
    scope: opts.scope ?? 'openid email profile groups offline_access',
    redirect_uri: redirectUri,
    state: 'test-state',
    nonce: 'test-nonce',
  });
  if (opts.prompt) q.set('prompt', opts.prompt);
  const { final, hops } = await browser.follow(`${issuer.url}/auth?${q}`, { login: opts.login });
  const location = final.headers.location;
  const code = location ? new URL(location, final.url).searchParams.get('code') : null;
  if (!code) throw new Error(`sign-in did not return a code (status ${final.status}, hops ${hops.length})`);
  const { body } = await tokenRequest(
    issuer,
    { grant_type: 'authorization_code', code, redirect_uri: redirectUri },
    { clientId: opts.clientId, clientSecret: opts.clientSecret },
  );
  return { ...body, browser };
}
