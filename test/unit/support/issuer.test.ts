import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac, createPublicKey, type JsonWebKey as NodeJwk } from 'node:crypto';
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { BrowserClient } from '../../support/browserClient.js';
import { forgeIdToken, startIssuer, type Issuer } from '../../support/issuer.js';
import { signInForTokens, tokenRequest } from '../../support/issuerTokens.js';

describe('test issuer', () => {
  let issuer: Issuer;

  beforeAll(async () => {
    issuer = await startIssuer({
      users: {
        carol: { groups: 'admins', emailVerified: false, extra: { department: 'ops' } },
        dave: { email: undefined },
      },
    });
  });
  afterAll(async () => {
    await issuer.stop();
  });

  it('publishes discovery with end_session_endpoint, offline_access and S256', async () => {
    const d = (await (await fetch(`${issuer.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(d.issuer).toBe(issuer.url);
    expect(issuer.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(d.end_session_endpoint).toBe(`${issuer.url}/session/end`);
    expect(d.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'email', 'profile', 'groups', 'offline_access']),
    );
    expect(d.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('signs any login in and puts the default claims into a verifiable ID token', async () => {
    const before = issuer.counts.token;
    const t = await signInForTokens(issuer, { login: 'bob' });
    expect(t.refresh_token).toEqual(expect.any(String));
    const jwks = createLocalJWKSet(await issuer.jwks());
    const { payload, protectedHeader } = await jwtVerify(t.id_token ?? '', jwks, {
      issuer: issuer.url,
      audience: 'authgate',
    });
    expect(protectedHeader.kid).toBe(issuer.signingKey().kid);
    expect(payload).toMatchObject({
      sub: 'bob',
      email: 'bob@example.com',
      email_verified: true,
      groups: ['dev', 'ops'],
      preferred_username: 'bob',
      name: 'bob',
      nonce: 'test-nonce',
    });
    expect(issuer.counts.token).toBe(before + 1);
  });

  it('applies per-user overrides, including removing a claim', async () => {
    const carol = decodeJwt((await signInForTokens(issuer, { login: 'carol' })).id_token ?? '');
    expect(carol).toMatchObject({ groups: 'admins', email_verified: false, department: 'ops' });
    const dave = decodeJwt((await signInForTokens(issuer, { login: 'dave' })).id_token ?? '');
    expect(dave.email).toBeUndefined();
    expect(dave.sub).toBe('dave');
  });

  it('issues no refresh token without offline_access', async () => {
    const t = await signInForTokens(issuer, { scope: 'openid email' });
    expect(t.id_token).toEqual(expect.any(String));
    expect(t.refresh_token).toBeUndefined();
  });

  it('issues a refresh token for offline_access even with prompt=login, and shows consent for prompt=consent', async () => {
    const withLogin = await signInForTokens(issuer, { prompt: 'login', scope: 'openid offline_access' });
    expect(withLogin.refresh_token).toEqual(expect.any(String));
    const kinds: string[] = [];
    const browser = new BrowserClient();
    const t = await signInForTokens(issuer, { prompt: 'consent', browser });
    expect(t.refresh_token).toEqual(expect.any(String));
    // A second prompt=consent in the same browser still shows the consent form (no login form).
    const q = new URLSearchParams({
      client_id: 'authgate',
      response_type: 'code',
      scope: 'openid',
      prompt: 'consent',
      redirect_uri: 'http://rp.callback.test/cb',
    });
    await browser.follow(`${issuer.url}/auth?${q}`, {
      onHop: (r) => {
        if (r.body.includes('name="prompt" value="consent"')) kinds.push('consent');
        if (r.body.includes('name="prompt" value="login"')) kinds.push('login');
      },
    });
    expect(kinds).toEqual(['consent']);
  });

  it('rotates refresh tokens, counts refreshes, and refuses a revoked one', async () => {
    const t = await signInForTokens(issuer, { login: 'erin' });
    const before = issuer.counts.refresh;
    const r = await tokenRequest(issuer, {
      grant_type: 'refresh_token',
      refresh_token: t.refresh_token ?? '',
    });
    expect(r.status).toBe(200);
    expect(r.body.refresh_token).not.toBe(t.refresh_token);
    expect(decodeJwt(r.body.id_token ?? '').sub).toBe('erin');
    expect(issuer.counts.refresh).toBe(before + 1);
    await issuer.revokeRefreshTokens('erin');
    const again = await tokenRequest(issuer, {
      grant_type: 'refresh_token',
      refresh_token: r.body.refresh_token ?? '',
    });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    expect(issuer.counts.refresh).toBe(before + 2);
  });

  it('keeps the browser signed in: a second authorization needs no login form', async () => {
    const browser = new BrowserClient();
    await signInForTokens(issuer, { login: 'frank', browser });
    const seen: number[] = [];
    const q = new URLSearchParams({
      client_id: 'authgate',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: 'http://rp.callback.test/cb',
    });
    const { final } = await browser.follow(`${issuer.url}/auth?${q}`, {
      login: 'someone-else',
      onHop: (r) => seen.push(r.status),
    });
    expect(seen.every((s) => s !== 200)).toBe(true);
    expect(new URL(final.headers.location ?? '').searchParams.get('code')).toEqual(expect.any(String));
  });

  it('refuses a redirect URI off the local/test hosts', async () => {
    const q = new URLSearchParams({
      client_id: 'authgate',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: 'https://evil.example.com/cb',
    });
    const res = await new BrowserClient().get(`${issuer.url}/auth?${q}`);
    expect(res.status).toBe(400);
    expect(res.body).toContain('redirect_uri did not match');
  });

  it('logs out through end_session with the confirmation form', async () => {
    const t = await signInForTokens(issuer, { login: 'gina' });
    const before = issuer.counts.endSession;
    const q = new URLSearchParams({
      id_token_hint: t.id_token ?? '',
      post_logout_redirect_uri: 'http://rp.callback.test/bye',
    });
    const { final } = await t.browser.follow(`${issuer.url}/session/end?${q}`);
    expect(final.headers.location).toBe('http://rp.callback.test/bye');
    expect(issuer.counts.endSession).toBe(before + 1);
  });

  it('forges tokens signed by the real key, and hostile variants', async () => {
    const jwks = createLocalJWKSet(await issuer.jwks());
    const good = await forgeIdToken(issuer, { sub: 'zed', exp: 100 });
    const verified = await compactVerify(good, jwks);
    const payload = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
    expect(payload).toMatchObject({ iss: issuer.url, aud: 'authgate', sub: 'zed', exp: 100 });

    const noAud = decodeJwt(await forgeIdToken(issuer, { aud: undefined }));
    expect('aud' in noAud).toBe(false);

    const none = await forgeIdToken(issuer, {}, { alg: 'none' });
    expect(none.endsWith('.')).toBe(true);
    expect(decodeProtectedHeader(none).alg).toBe('none');

    const hs = await forgeIdToken(issuer, {}, { alg: 'HS256', kid: null });
    expect(decodeProtectedHeader(hs)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const pem = createPublicKey({ key: issuer.signingKey().publicJwk as NodeJwk, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const [h, p, sig] = hs.split('.');
    expect(createHmac('sha256', pem).update(`${h}.${p}`).digest('base64url')).toBe(sig);

    const other = await forgeIdToken(issuer, {}, { key: 'other' });
    await expect(compactVerify(other, jwks)).rejects.toThrow();
  });

  it('rotates keys: new kid signs, old key stays published', async () => {
    const oldKid = issuer.signingKey().kid;
    await issuer.rotateKeys();
    const newKid = issuer.signingKey().kid;
    expect(newKid).not.toBe(oldKid);
    const served = (await (await fetch(`${issuer.url}/jwks`)).json()) as {
      keys: Array<{ kid: string; d?: string }>;
    };
    expect(served.keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    expect(served.keys.every((k) => k.d === undefined)).toBe(true);
    const t = await signInForTokens(issuer, { login: 'hank' });
    expect(decodeProtectedHeader(t.id_token ?? '').kid).toBe(newKid);
  });

  it('simulates an outage by closing sockets or answering 503', async () => {
    issuer.setDown(true);
    await expect(fetch(`${issuer.url}/jwks`)).rejects.toThrow();
    issuer.setDown(true, '503');
    expect((await fetch(`${issuer.url}/jwks`)).status).toBe(503);
    issuer.setDown(false);
    expect((await fetch(`${issuer.url}/jwks`)).status).toBe(200);
  });
});

describe('test issuer options', () => {
  it('signs with ES256, short ID token TTL, and exact redirect URIs when strict', async () => {
    const issuer = await startIssuer({ signingAlg: 'ES256', idTokenTtl: 5, strictRedirectUris: true });
    try {
      await expect(signInForTokens(issuer)).rejects.toThrow(/did not return a code/);
      issuer.setRedirectUris('authgate', ['http://rp.callback.test/cb']);
      const t = await signInForTokens(issuer);
      const claims = decodeJwt(t.id_token ?? '');
      expect(decodeProtectedHeader(t.id_token ?? '').alg).toBe('ES256');
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(5);
    } finally {
      await issuer.stop();
    }
  });

  it('releases groups only with the groups scope when groupsScopeRequired', async () => {
    const issuer = await startIssuer({ groupsScopeRequired: true, defaultGroups: ['x'] });
    try {
      const without = decodeJwt((await signInForTokens(issuer, { scope: 'openid email' })).id_token ?? '');
      expect(without.groups).toBeUndefined();
      const withGroups = decodeJwt(
        (await signInForTokens(issuer, { scope: 'openid groups' })).id_token ?? '',
      );
      expect(withGroups.groups).toEqual(['x']);
    } finally {
      await issuer.stop();
    }
  });
});
