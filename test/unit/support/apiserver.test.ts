import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { forgeIdToken, startIssuer, type Issuer } from '../../support/issuer.js';
import { signInForTokens } from '../../support/issuerTokens.js';
import {
  createOidcAuthenticator,
  type OidcAuthenticatorConfig,
} from '../../support/apiserver/tokenAuthenticator.js';
import type { AuthResult } from '../../support/apiserver/types.js';

/** The test clock: a fixed instant, in ms. Tokens get exp relative to it. */
const NOW_S = 2_000_000_000;
const NOW = () => NOW_S * 1000;

describe('kube-apiserver OIDC authenticator double', () => {
  let issuer: Issuer;
  const auth = (cfg: Partial<OidcAuthenticatorConfig> = {}) =>
    createOidcAuthenticator({ issuerUrl: issuer.url, clientIds: ['authgate'], now: NOW, ...cfg });
  const token = (claims: Record<string, unknown> = {}, opts = {}) =>
    forgeIdToken(issuer, { iat: NOW_S, exp: NOW_S + 600, ...claims }, opts);
  const username = (r: AuthResult) => (r.kind === 'user' ? r.user.username : r.kind);
  const groups = (r: AuthResult) => (r.kind === 'user' ? r.user.groups : r.kind);

  beforeAll(async () => {
    issuer = await startIssuer();
  });
  afterAll(async () => {
    await issuer.stop();
  });

  describe('header', () => {
    it('accepts the bearer scheme in any case', async () => {
      const a = auth();
      const t = await token();
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        expect(username(await a.authenticate(`${scheme} ${t}`))).toBe(`${issuer.url}#alice`);
      }
    });

    it('treats a missing header, another scheme or an empty token (two spaces) as anonymous, like the apiserver', async () => {
      const a = auth();
      const t = await token();
      expect(await a.authenticate(undefined)).toEqual({ kind: 'anonymous' });
      expect(await a.authenticate(`Basic ${t}`)).toEqual({ kind: 'anonymous' });
      expect(await a.authenticate(`Bearer  ${t}`)).toEqual({ kind: 'anonymous' });
      expect(await a.authenticate('Bearer ')).toEqual({ kind: 'anonymous' });
    });

    it('a presented token that fails is 401, never anonymous', async () => {
      expect((await auth().authenticate('Bearer not-a-jwt')).kind).toBe('unauthorized');
    });
  });

  describe('token shape and algorithm', () => {
    it('refuses a =-padded payload, 5-part JWE, and JSON serialisation', async () => {
      const a = auth();
      const [h, p, s] = (await token()).split('.');
      expect((await a.authenticate(`Bearer ${h}.${p}=.${s}`)).kind).toBe('unauthorized');
      expect((await a.authenticate(`Bearer ${h}.${p}.${s}.x.y`)).kind).toBe('unauthorized');
      const json = JSON.stringify({ protected: h, payload: p, signature: s });
      expect((await a.authenticate(`Bearer ${Buffer.from(json).toString('base64url')}`)).kind).toBe(
        'unauthorized',
      );
    });

    it('refuses alg none, HS256 keyed with the public key and EdDSA before fetching any key', async () => {
      const a = auth({ signingAlgs: ['RS256', 'HS256', 'EdDSA', 'none'] });
      for (const t of [
        await token({}, { alg: 'none' }),
        await token({}, { alg: 'HS256' }),
        await token({}, { alg: 'EdDSA', key: 'other' }),
      ]) {
        expect(await a.authenticate(`Bearer ${t}`)).toMatchObject({
          kind: 'unauthorized',
          reason: expect.stringMatching(/unsupported signing algorithm/),
        });
      }
      expect(a.keySet.stats).toEqual({ discoveryFetches: 0, jwksFetches: 0 });
    });

    it('allows only RS256 by default; signingAlgs widens it', async () => {
      const rs384 = await token({}, { alg: 'RS384' });
      expect((await auth().authenticate(`Bearer ${rs384}`)).kind).toBe('unauthorized');
      expect((await auth({ signingAlgs: ['RS256', 'RS384'] }).authenticate(`Bearer ${rs384}`)).kind).toBe(
        'user',
      );
    });

    it('refuses a token signed by a key the issuer does not publish', async () => {
      expect((await auth().authenticate(`Bearer ${await token({}, { key: 'other' })}`)).kind).toBe(
        'unauthorized',
      );
    });

    it('tries every key when the token has no kid', async () => {
      expect((await auth().authenticate(`Bearer ${await token({}, { kid: null })}`)).kind).toBe('user');
    });
  });

  describe('claims', () => {
    it('compares iss byte for byte (a trailing slash fails)', async () => {
      expect((await auth().authenticate(`Bearer ${await token({ iss: `${issuer.url}/` })}`)).kind).toBe(
        'unauthorized',
      );
    });

    it('accepts aud as a string or an array containing a client id, refuses otherwise, ignores azp', async () => {
      const a = auth({ clientIds: ['other', 'authgate'] });
      expect((await a.authenticate(`Bearer ${await token({ aud: ['x', 'authgate'], azp: 'x' })}`)).kind).toBe(
        'user',
      );
      expect((await a.authenticate(`Bearer ${await token({ aud: 'other' })}`)).kind).toBe('user');
      expect((await a.authenticate(`Bearer ${await token({ aud: ['x', 'y'] })}`)).kind).toBe('unauthorized');
      expect((await a.authenticate(`Bearer ${await token({ aud: undefined })}`)).kind).toBe('unauthorized');
    });

    it('requires exp, accepts exp == now, refuses exp one second in the past (no leeway)', async () => {
      const a = auth({ successCacheTtlMs: 0 });
      expect((await a.authenticate(`Bearer ${await token({ exp: undefined })}`)).kind).toBe('unauthorized');
      expect((await a.authenticate(`Bearer ${await token({ exp: NOW_S })}`)).kind).toBe('user');
      expect((await a.authenticate(`Bearer ${await token({ exp: NOW_S - 1 })}`)).kind).toBe('unauthorized');
      const halfPast = createOidcAuthenticator({
        issuerUrl: issuer.url,
        clientIds: ['authgate'],
        now: () => NOW() + 500,
      });
      expect((await halfPast.authenticate(`Bearer ${await token({ exp: NOW_S })}`)).kind).toBe(
        'unauthorized',
      );
    });

    it('applies 60 s of leeway to nbf and does not check iat', async () => {
      const a = auth();
      expect((await a.authenticate(`Bearer ${await token({ nbf: NOW_S + 60 })}`)).kind).toBe('user');
      expect((await a.authenticate(`Bearer ${await token({ nbf: NOW_S + 61 })}`)).kind).toBe('unauthorized');
      expect((await a.authenticate(`Bearer ${await token({ iat: NOW_S + 86400 })}`)).kind).toBe('user');
    });

    it('prefixes the username as the flags do', async () => {
      const t = `Bearer ${await token()}`;
      expect(username(await auth().authenticate(t))).toBe(`${issuer.url}#alice`);
      expect(username(await auth({ usernamePrefix: '-' }).authenticate(t))).toBe('alice');
      expect(username(await auth({ usernamePrefix: 'oidc:' }).authenticate(t))).toBe('oidc:alice');
      expect(username(await auth({ usernameClaim: 'email' }).authenticate(t))).toBe('alice@example.com');
      expect(username(await auth({ usernameClaim: 'email', usernamePrefix: 'o:' }).authenticate(t))).toBe(
        'o:alice@example.com',
      );
    });

    it('requires the username claim to be a JSON string', async () => {
      expect((await auth().authenticate(`Bearer ${await token({ sub: 42 })}`)).kind).toBe('unauthorized');
      expect((await auth().authenticate(`Bearer ${await token({ sub: undefined })}`)).kind).toBe(
        'unauthorized',
      );
    });

    it('with the email claim, email_verified must be true when present', async () => {
      const a = auth({ usernameClaim: 'email' });
      expect((await a.authenticate(`Bearer ${await token({ email_verified: false })}`)).kind).toBe(
        'unauthorized',
      );
      expect((await a.authenticate(`Bearer ${await token({ email_verified: 'true' })}`)).kind).toBe(
        'unauthorized',
      );
      expect((await a.authenticate(`Bearer ${await token({ email_verified: undefined })}`)).kind).toBe(
        'user',
      );
      // With sub as the username claim email_verified is not looked at.
      expect((await auth().authenticate(`Bearer ${await token({ email_verified: false })}`)).kind).toBe(
        'user',
      );
    });

    it('reads groups as string, array, null or absent, with prefix; other types are 401', async () => {
      const a = auth({ groupsClaim: 'groups', groupsPrefix: 'oidc:' });
      expect(groups(await a.authenticate(`Bearer ${await token({ groups: 'admins' })}`))).toEqual([
        'oidc:admins',
      ]);
      expect(groups(await a.authenticate(`Bearer ${await token({ groups: ['a', 'b'] })}`))).toEqual([
        'oidc:a',
        'oidc:b',
      ]);
      expect(groups(await a.authenticate(`Bearer ${await token({ groups: null })}`))).toEqual([]);
      expect(groups(await a.authenticate(`Bearer ${await token({ groups: undefined })}`))).toEqual([]);
      expect(groups(await a.authenticate(`Bearer ${await token({ groups: 7 })}`))).toBe('unauthorized');
      expect(groups(await a.authenticate(`Bearer ${await token({ groups: ['a', 1] })}`))).toBe(
        'unauthorized',
      );
      expect(groups(await auth().authenticate(`Bearer ${await token({ groups: 7 })}`))).toEqual([]);
    });

    it('enforces required claims: present, a string, equal', async () => {
      const a = auth({ requiredClaims: { hd: 'example.com' } });
      expect((await a.authenticate(`Bearer ${await token({ hd: 'example.com' })}`)).kind).toBe('user');
      expect((await a.authenticate(`Bearer ${await token()}`)).kind).toBe('unauthorized');
      expect((await a.authenticate(`Bearer ${await token({ hd: 'evil.com' })}`)).kind).toBe('unauthorized');
      expect((await a.authenticate(`Bearer ${await token({ hd: ['example.com'] })}`)).kind).toBe(
        'unauthorized',
      );
    });

    it('adds the credential id extra for a string jti', async () => {
      const r = await auth().authenticate(`Bearer ${await token({ jti: 'abc123' })}`);
      expect(r.kind === 'user' && r.user.extra).toEqual({
        'authentication.kubernetes.io/credential-id': ['JTI=abc123'],
      });
      const n = await auth().authenticate(`Bearer ${await token({ jti: 5 })}`);
      expect(n.kind === 'user' && n.user.extra).toEqual({});
    });

    it('caches a success for 10 s, so a token keeps working up to 10 s past exp', async () => {
      let now = NOW();
      const a = auth({ now: () => now });
      const t = `Bearer ${await token({ exp: NOW_S + 1 })}`;
      expect((await a.authenticate(t)).kind).toBe('user');
      now += 9_000;
      expect((await a.authenticate(t)).kind).toBe('user');
      now += 1_001;
      expect((await a.authenticate(t)).kind).toBe('unauthorized');
    });
  });

  describe('keys', () => {
    it('401s every token until discovery succeeds, retrying no more often than the retry interval', async () => {
      const t = `Bearer ${await token()}`;
      const eager = auth({ discoveryRetryMs: 0 });
      const patient = auth({ discoveryRetryMs: 60_000 });
      issuer.setDown(true);
      try {
        expect(await eager.authenticate(t)).toMatchObject({ kind: 'unauthorized' });
        expect(await patient.authenticate(t)).toMatchObject({ kind: 'unauthorized' });
      } finally {
        issuer.setDown(false);
      }
      expect((await eager.authenticate(t)).kind).toBe('user');
      expect((await patient.authenticate(t)).kind).toBe('unauthorized');
      expect(patient.keySet.stats.discoveryFetches).toBe(1);
    });

    it('refuses keys when the discovery document names another issuer', async () => {
      const fetchImpl = async (url: string) => {
        const res = await fetch(url);
        if (!url.endsWith('/openid-configuration')) return res;
        const doc = (await res.json()) as Record<string, unknown>;
        return new Response(JSON.stringify({ ...doc, issuer: `${issuer.url}/` }), { status: 200 });
      };
      expect((await auth({ fetchImpl }).authenticate(`Bearer ${await token()}`)).kind).toBe('unauthorized');
    });

    it('honours Cache-Control max-age and refetches on an unknown kid', async () => {
      let maxAge = 'max-age=300';
      const fetchImpl = async (url: string) => {
        const res = await fetch(url);
        if (!url.endsWith('/jwks')) return res;
        return new Response(await res.text(), { status: 200, headers: { 'cache-control': maxAge } });
      };
      const a = auth({ fetchImpl, successCacheTtlMs: 0 });
      const t = `Bearer ${await token()}`;
      await a.authenticate(t);
      await a.authenticate(t);
      expect(a.keySet.stats.jwksFetches).toBe(1);

      await issuer.rotateKeys();
      expect((await a.authenticate(`Bearer ${await token()}`)).kind).toBe('user');
      expect(a.keySet.stats.jwksFetches).toBe(2);
      expect((await a.authenticate(`Bearer ${await token({}, { kid: 'no-such-kid' })}`)).kind).toBe(
        'unauthorized',
      );
      expect(a.keySet.stats.jwksFetches).toBe(3);

      maxAge = 'no-store';
      const b = auth({ fetchImpl, successCacheTtlMs: 0 });
      await b.authenticate(t);
      await b.authenticate(t);
      expect(b.keySet.stats.jwksFetches).toBe(2);
    });
  });

  it('accepts a real ID token from a sign-in at the test issuer', async () => {
    const tokens = await signInForTokens(issuer, { login: 'mallory' });
    const a = createOidcAuthenticator({
      issuerUrl: issuer.url,
      clientIds: ['authgate'],
      usernameClaim: 'email',
      groupsClaim: 'groups',
    });
    const r = await a.authenticate(`Bearer ${tokens.id_token}`);
    expect(r).toEqual({
      kind: 'user',
      user: { username: 'mallory@example.com', groups: ['dev', 'ops'], extra: expect.any(Object) },
    });
  });
});
