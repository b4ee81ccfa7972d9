import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { issuerFlags, startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { createOidcAuthenticator } from '../support/apiserver/tokenAuthenticator.js';
import { startApiserver } from '../support/apiserver/server.js';

type Whoami = {
  user: { username: string; groups: string[] } | null;
  headers: Record<string, string[] | undefined>;
};

describe('sign-in through a real OIDC issuer, bearer checked as kube-apiserver checks it', () => {
  let issuer: Issuer;
  let apiserver: Awaited<ReturnType<typeof startApiserver>>;
  let ag: RunningAuthgate;

  beforeAll(async () => {
    issuer = await startIssuer({ users: { bob: { email: 'bob@other.org' } } });
    const authenticator = createOidcAuthenticator({
      issuerUrl: issuer.url,
      clientIds: [issuer.clientId],
      usernameClaim: 'email',
      groupsClaim: 'groups',
    });
    apiserver = await startApiserver({ authenticator });
    ag = await startAuthgate([
      ...issuerFlags(issuer),
      '--email-domain=example.com',
      `--upstream=${apiserver.url}/`,
    ]);
  });
  afterAll(async () => {
    await ag?.stop();
    await apiserver?.stop();
    await issuer?.stop();
  });

  it('signs in and the upstream receives a bearer that kube-apiserver accepts', async () => {
    const browser = new BrowserClient();
    const { final, hops } = await browser.follow(
      `${ag.url}/oauth2/start?rd=${encodeURIComponent('/_test/whoami?x=1')}`,
      {
        login: 'alice',
      },
    );
    expect(final.status).toBe(200);
    expect(hops.at(-1)).toBe(`${ag.url}/_test/whoami?x=1`);
    const body = final.json<Whoami>();
    expect(body.user?.username).toBe('alice@example.com');
    expect(body.user?.groups).toEqual(expect.arrayContaining(['dev', 'ops']));
    expect(body.headers['authorization']?.join(',')).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(body.headers['x-forwarded-email']?.join(',')).toBe('alice@example.com');
    expect(body.headers['x-forwarded-user']?.join(',')).toBe('alice');
    expect(body.headers['x-forwarded-groups']?.join(',')).toBe('dev,ops');
    // authgate's own cookies never reach the upstream
    expect(body.headers['cookie']?.join(';') ?? '').not.toContain('_authgate');
  });

  it('userinfo answers the signed-in identity as JSON, 401 without a session', async () => {
    const browser = new BrowserClient();
    await browser.follow(`${ag.url}/oauth2/start?rd=/`);
    const info = await browser.get(`${ag.url}/oauth2/userinfo`);
    expect(info.status).toBe(200);
    expect(info.json()).toEqual({
      user: 'alice',
      email: 'alice@example.com',
      groups: ['dev', 'ops'],
      preferredUsername: 'alice',
    });
    const anon = await new BrowserClient().get(`${ag.url}/oauth2/userinfo`);
    expect(anon.status).toBe(401);
  });

  it('refuses a user outside --email-domain with a 403 page and makes no session', async () => {
    const browser = new BrowserClient();
    const { final } = await browser.follow(`${ag.url}/oauth2/start?rd=/`, { login: 'bob' });
    expect(final.status).toBe(403);
    expect(final.body).toContain('not permitted');
    expect(browser.cookies(ag.url)).not.toMatch(/_authgate=/);
    expect(ag.logs()).toMatch(/"audit":"sign_in".*"outcome":"forbidden".*"rule":"email_domain"/);
  });

  it('sends a browser without a session to the sign-in page, an XHR gets 401 JSON', async () => {
    const page = await new BrowserClient().get(`${ag.url}/some/page?q=1`);
    expect(page.status).toBe(401);
    expect(page.header('content-type')).toContain('text/html');
    expect(page.body).toContain('value="/some/page?q=1"');
    const xhr = await new BrowserClient().get(`${ag.url}/api/thing`, {
      headers: { accept: 'application/json' },
    });
    expect(xhr.status).toBe(401);
    expect(xhr.json()).toMatchObject({ error: 'unauthorized' });
  });

  it('sign-out clears the session cookie (locally, without provider sign-out when turned off)', async () => {
    const local = await startAuthgate([
      ...issuerFlags(issuer),
      '--email-domain=example.com',
      '--oidc-rp-initiated-logout=false',
      `--upstream=${apiserver.url}/`,
    ]);
    try {
      const browser = new BrowserClient();
      await browser.follow(`${local.url}/oauth2/start?rd=/`);
      expect((await browser.get(`${local.url}/oauth2/userinfo`)).status).toBe(200);
      const out = await browser.get(`${local.url}/oauth2/sign_out`);
      expect(out.status).toBe(200);
      expect(out.body).toContain('signed out');
      expect(out.header('clear-site-data')).toBe('"cache"');
      expect((await browser.get(`${local.url}/oauth2/userinfo`)).status).toBe(401);
    } finally {
      await local.stop();
    }
  });

  it('sends PKCE S256 by default, plain or none when --code-challenge-method says so', async () => {
    const challenge = async (gate: RunningAuthgate) => {
      const res = await new BrowserClient().get(`${gate.url}/oauth2/start?rd=/`);
      const q = new URL(res.header('location')!).searchParams;
      return [q.get('code_challenge_method'), q.get('code_challenge')?.length ?? 0] as const;
    };
    const [method, length] = await challenge(ag);
    expect(method).toBe('S256');
    expect(length).toBe(43);
    for (const [flag, expected] of [
      ['plain', 'plain'],
      ['', null],
    ] as const) {
      const gate = await startAuthgate(
        issuerFlags(issuer, [
          '--email-domain=*',
          `--code-challenge-method=${flag}`,
          `--upstream=${apiserver.url}/`,
        ]),
      );
      try {
        expect((await challenge(gate))[0]).toBe(expected);
        // without PKCE the sign-in still completes (oidc-provider accepts only S256, so plain is refused there)
        if (expected === null) {
          const { final } = await new BrowserClient().follow(`${gate.url}/oauth2/start?rd=/oauth2/userinfo`);
          expect(final.status).toBe(200);
        }
      } finally {
        await gate.stop();
      }
    }
  });

  it('/ping answers at once and /ready once discovery succeeded', async () => {
    expect((await new BrowserClient().get(`${ag.url}/ping`)).status).toBe(200);
    expect((await new BrowserClient().get(`${ag.url}/ready`)).status).toBe(200);
  });
});
