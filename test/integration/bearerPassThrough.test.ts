import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { forgeIdToken, startIssuer, type Issuer } from '../support/issuer.js';
import { signInForTokens } from '../support/issuerTokens.js';
import { BrowserClient } from '../support/browserClient.js';
import { issuerFlags, startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { startApiserverTrusting } from '../support/apiserver/forIssuer.js';
import type { Apiserver } from '../support/apiserver/server.js';

type Whoami = { user: { username: string } | null; headers: Record<string, string[] | undefined> };

describe('bearer pass-through (--skip-jwt-bearer-tokens, --extra-jwt-issuers)', () => {
  let issuer: Issuer;
  let ci: Issuer;
  let apiserver: Apiserver;
  let ag: RunningAuthgate;
  let plain: RunningAuthgate;
  const get = (gate: RunningAuthgate, authorization: string, path = '/_test/whoami') =>
    new BrowserClient().get(`${gate.url}${path}`, { headers: { authorization, accept: 'application/json' } });

  beforeAll(async () => {
    issuer = await startIssuer();
    ci = await startIssuer({
      clients: [{ clientId: 'ci-jobs', clientSecret: 'ci-secret-0123456789abcdef', redirectUris: [] }],
    });
    apiserver = await startApiserverTrusting(issuer);
    const flags = issuerFlags(issuer, ['--email-domain=example.com', `--upstream=${apiserver.url}/`]);
    ag = await startAuthgate([...flags, '--skip-jwt-bearer-tokens', `--extra-jwt-issuers=${ci.url}=ci-jobs`]);
    plain = await startAuthgate(flags);
  });
  afterAll(async () => {
    await Promise.all([ag?.stop(), plain?.stop()]);
    await apiserver?.stop();
    await Promise.all([issuer?.stop(), ci?.stop()]);
  });

  it('lets a request with a valid ID token through without a cookie and forwards the token as is', async () => {
    const { id_token } = await signInForTokens(issuer, { login: 'alice' });
    const res = await get(ag, `Bearer ${id_token}`);
    expect(res.status).toBe(200);
    const who = res.json<Whoami>();
    expect(who.user?.username).toBe('alice@example.com');
    expect(who.headers['authorization']).toEqual([`Bearer ${id_token}`]);
    expect(who.headers['x-forwarded-email']).toEqual(['alice@example.com']);
    // /oauth2/auth agrees
    expect((await get(ag, `Bearer ${id_token}`, '/oauth2/auth')).status).toBe(202);
  });

  it('answers 401 JSON (not a sign-in page) for every token kube-apiserver would refuse', async () => {
    const now = Math.floor(Date.now() / 1000);
    const refused = [
      await forgeIdToken(issuer, { exp: now - 1 }),
      await forgeIdToken(issuer, { exp: undefined }),
      await forgeIdToken(issuer, { aud: 'someone-else' }),
      await forgeIdToken(issuer, { iss: `${issuer.url}/` }),
      await forgeIdToken(issuer, { nbf: now + 600 }),
      await forgeIdToken(issuer, {}, { alg: 'none' }),
      await forgeIdToken(issuer, {}, { alg: 'HS256' }),
      await forgeIdToken(issuer, {}, { key: 'other' }),
      'not-a-jwt',
    ];
    for (const token of refused) {
      const res = await get(ag, `Bearer ${token}`);
      expect([token.slice(0, 20), res.status]).toEqual([token.slice(0, 20), 401]);
      expect(res.json()).toMatchObject({ error: 'invalid_token' });
      expect((await get(ag, `Bearer ${token}`, '/oauth2/auth')).status).toBe(401);
    }
    // a forged token is never what the upstream sees
    expect(apiserver.requests.some((r) => JSON.stringify(r.headers).includes(refused[0]!))).toBe(false);
  });

  it('applies the same who-may-enter rules: a valid token for an outside email domain gets 403', async () => {
    const outsider = await forgeIdToken(issuer, { sub: 'bob', email: 'bob@other.org' });
    expect((await get(ag, `Bearer ${outsider}`)).status).toBe(403);
    expect((await get(ag, `Bearer ${outsider}`, '/oauth2/auth')).status).toBe(403);
  });

  it('accepts tokens of an --extra-jwt-issuers issuer only for its audience', async () => {
    const fromCi = await forgeIdToken(ci, { aud: 'ci-jobs', sub: 'pipeline', email: 'pipeline@example.com' });
    expect((await get(ag, `Bearer ${fromCi}`, '/oauth2/auth')).status).toBe(202);
    const wrongAudience = await forgeIdToken(ci, { aud: 'authgate' });
    expect((await get(ag, `Bearer ${wrongAudience}`, '/oauth2/auth')).status).toBe(401);
  });

  it('without the flag a bearer alone is not a session, and the client Authorization is never passed on', async () => {
    const { id_token } = await signInForTokens(issuer, { login: 'alice' });
    const res = await get(plain, `Bearer ${id_token}`);
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ error: 'unauthorized' });
  });
});

describe('bearer pass-through faults and limits', () => {
  it('answers 503 (and judges nothing) while the token issuer is unreachable, then verifies once it is back', async () => {
    const issuer = await startIssuer();
    const ag = await startAuthgate(
      issuerFlags(issuer, ['--email-domain=*', '--skip-jwt-bearer-tokens', '--upstream=http://127.0.0.1:9/']),
      {
        waitForProvider: false,
      },
    );
    try {
      const token = await forgeIdToken(issuer, {});
      issuer.setDown(true);
      const down = await new BrowserClient().get(`${ag.url}/oauth2/auth`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(down.status).toBe(503);
      issuer.setDown(false);
      // discovery is retried at most every 10 s, as kube-apiserver does
      await new Promise((r) => setTimeout(r, 10_200));
      const up = await new BrowserClient().get(`${ag.url}/oauth2/auth`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(up.status).toBe(202);
    } finally {
      await ag.stop();
      await issuer.stop();
    }
  });

  it('refuses a token without sub', async () => {
    const issuer = await startIssuer();
    const ag = await startAuthgate(issuerFlags(issuer, ['--email-domain=*', '--skip-jwt-bearer-tokens']));
    try {
      const token = await forgeIdToken(issuer, { sub: undefined });
      const res = await new BrowserClient().get(`${ag.url}/oauth2/auth`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(401);
    } finally {
      await ag.stop();
      await issuer.stop();
    }
  });
});
