import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeGithub, type FakeGithub } from '../support/fakeGithub.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echoUpstream.js';
import { BrowserClient } from '../support/browserClient.js';
import { startAuthgate, TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';

type Echo = { url: string; headers: Record<string, string | undefined> };

const verified = (email: string) => [{ email, primary: true, verified: true }];
/** 150 orgs, the one that matters last: found only by following the Link headers. */
const manyOrgs = Array.from({ length: 150 }, (_, i) => `org-${i + 1}`);
const manyTeams = Array.from({ length: 120 }, (_, i) => ({ org: 'other', slug: `team-${i}` }));

describe('sign-in with --provider=github against a fake GitHub', () => {
  let gh: FakeGithub;
  let upstream: EchoUpstream;
  const running: RunningAuthgate[] = [];

  beforeAll(async () => {
    gh = await startFakeGithub({
      users: {
        alice: {
          emails: verified('alice@example.com'),
          orgs: ['acme'],
          teams: [{ org: 'acme', slug: 'platform' }],
        },
        bob: { emails: verified('bob@example.com'), orgs: ['other'], pendingOrgs: ['acme'] },
        carol: { emails: verified('carol@example.com'), orgs: manyOrgs },
        dave: {
          emails: verified('dave@example.com'),
          orgs: ['acme'],
          teams: [...manyTeams, { org: 'acme', slug: 'sre' }],
        },
        erin: {
          emails: [
            { email: 'erin@example.com', primary: true, verified: false },
            { email: 'erin@other.org', primary: false, verified: true },
          ],
          orgs: ['acme'],
        },
        frank: { emails: verified('frank@example.com'), privateOrgs: ['acme'] },
        grace: { emails: verified('grace@example.com') },
        henry: { emails: verified('henry@example.com') },
        ivan: { emails: verified('ivan@example.com') },
      },
      repos: {
        'acme/deploy': [
          { login: 'grace', push: true },
          { login: 'henry', push: false },
          { login: 'deploy-bot', push: true },
        ],
      },
      privateRepos: ['acme/deploy'],
      restrictedOrgs: ['locked'],
    });
    upstream = await startEchoUpstream();
  });
  afterEach(() => gh.setRateLimited(false));
  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await upstream?.stop();
    await gh?.stop();
  });

  const gate = async (extra: string[]): Promise<RunningAuthgate> => {
    const ag = await startAuthgate([
      '--provider=github',
      `--client-id=${gh.clientId}`,
      `--client-secret=${gh.clientSecret}`,
      `--login-url=${gh.loginUrl}`,
      `--redeem-url=${gh.redeemUrl}`,
      `--validate-url=${gh.apiUrl}`,
      `--cookie-secret=${TEST_COOKIE_SECRET}`,
      '--cookie-secure=false',
      `--upstream=${upstream.url}/`,
      ...(extra.some((f) => f.startsWith('--email-domain')) ? [] : ['--email-domain=*']),
      ...extra,
    ]);
    running.push(ag);
    return ag;
  };

  const signIn = async (ag: RunningAuthgate, login: string) => {
    gh.signInAs(login);
    const browser = new BrowserClient();
    const { final } = await browser.follow(`${ag.url}/oauth2/start?rd=${encodeURIComponent('/app')}`, {
      init: { headers: { authorization: 'Bearer smuggled' } },
    });
    return { final, browser, hasSession: /_authgate=/.test(browser.cookies(ag.url)) };
  };

  const expectRefused = async (ag: RunningAuthgate, login: string, rule: string) => {
    const { final, hasSession } = await signIn(ag, login);
    expect(final.status).toBe(403);
    expect(final.body).toContain('not permitted');
    expect(final.body).toContain('Sign in with another account');
    expect(final.body).not.toContain(rule);
    expect(hasSession).toBe(false);
    expect(ag.logs()).toMatch(new RegExp(`"outcome":"forbidden".*"user":"${login}".*"rule":"${rule}"`));
  };

  describe('--github-org', () => {
    let ag: RunningAuthgate;
    beforeAll(async () => {
      ag = await gate(['--github-org=acme']);
    });

    it('admits a member; the upstream gets login, email and org groups but no Authorization', async () => {
      const { final } = await signIn(ag, 'alice');
      expect(final.status).toBe(200);
      const echo = final.json<Echo>();
      expect(echo.url).toBe('/app');
      expect(echo.headers['x-forwarded-user']).toBe('alice');
      expect(echo.headers['x-forwarded-preferred-username']).toBe('alice');
      expect(echo.headers['x-forwarded-email']).toBe('alice@example.com');
      expect(echo.headers['x-forwarded-groups']).toBe('acme,acme:platform');
      expect(echo.headers.authorization).toBeUndefined();
      expect(gh.lastAuthorize()?.get('scope')).toBe('user:email read:org');
      expect(gh.lastAuthorize()?.get('code_challenge_method')).toBe('S256');
    });

    it('refuses a non-member and a pending invitation (404 / state pending)', async () => {
      await expectRefused(ag, 'bob', 'github_org');
    });

    it('sees a private membership with read:org', async () => {
      expect((await signIn(ag, 'frank')).final.status).toBe(200);
    });

    it('says at start what reaches the upstream, and never logs the token', () => {
      expect(ag.logs()).toContain(
        'provider github: no ID token exists, so no Authorization: Bearer reaches the upstream',
      );
      expect(ag.logs()).not.toMatch(/gho_[0-9a-f]{8}/);
    });

    it('a rate limit (403, X-RateLimit-Remaining: 0) is a 503 page, never an allow', async () => {
      gh.setRateLimited('primary');
      const { final, hasSession } = await signIn(ag, 'alice');
      expect(final.status).toBe(503);
      expect(final.body).toContain('GitHub is limiting how often');
      expect(hasSession).toBe(false);
      expect(ag.logs()).toMatch(/"outcome":"refused".*"reason":"provider_rate_limited"/);
    });

    it('a secondary rate limit (429, Retry-After) is a 503 page too', async () => {
      gh.setRateLimited('secondary');
      const { final, hasSession } = await signIn(ag, 'alice');
      expect([final.status, hasSession]).toEqual([503, false]);
    });

    it('refuses an account without a verified primary email', async () => {
      await expectRefused(ag, 'erin', 'email_unverified');
    });

    it('a bad code (GitHub: 200 with error=bad_verification_code) is refused as invalid_grant', async () => {
      const browser = new BrowserClient();
      const start = await browser.get(`${ag.url}/oauth2/start?rd=/app`);
      const state = new URL(start.header('location') ?? '').searchParams.get('state') ?? '';
      const cb = await browser.get(`${ag.url}/oauth2/callback?code=not-a-real-code&state=${state}`);
      expect(cb.status).toBe(403);
      expect(ag.logs()).toMatch(/"reason":"invalid_grant"/);
      expect(ag.logs()).not.toContain('not-a-real-code');
    });
  });

  it('an org that restricts OAuth apps (403) refuses and logs why', async () => {
    const ag = await gate(['--github-org=locked']);
    await expectRefused(ag, 'alice', 'github_org');
    expect(ag.logs()).toContain('restricts OAuth apps');
  });

  it('a secondary rate limit sent as 403 with requests left is a 503, not "restricts OAuth apps"', async () => {
    // GitHub documents both forms; only the message tells this one from an organisation's app restriction.
    const ag = await gate(['--github-org=acme']);
    gh.setRateLimited('secondary-403');
    try {
      const { final, hasSession } = await signIn(ag, 'alice');
      expect([final.status, hasSession]).toEqual([503, false]);
      expect(final.body).toContain('GitHub is limiting how often');
      expect(ag.logs()).not.toContain('restricts OAuth apps');
    } finally {
      gh.setRateLimited(false);
    }
  });

  it('a token without read:org cannot see a private membership: 404, refused', async () => {
    const ag = await gate(['--github-org=acme', '--scope=user:email']);
    await expectRefused(ag, 'frank', 'github_org');
    expect((await signIn(ag, 'alice')).final.status).toBe(200);
  });

  it('--github-team: any listed team within the org, found past the first page of /user/teams', async () => {
    const ag = await gate(['--github-org=acme', '--github-team=sre, platform']);
    expect((await signIn(ag, 'alice')).final.status).toBe(200);
    gh.requests.length = 0;
    const { final } = await signIn(ag, 'dave');
    expect(final.status).toBe(200);
    expect(final.json<Echo>().headers['x-forwarded-groups']).toContain('acme:sre');
    const pages = gh.requests.filter((r) => r.path === '/user/teams').map((r) => r.query.get('page'));
    expect(pages).toEqual([null, '2']);
    await expectRefused(ag, 'bob', 'github_team');
  });

  it('groups follow /user/orgs pagination: the 150th org admits through --allowed-group', async () => {
    const ag = await gate(['--allowed-group=org-150']);
    const { final } = await signIn(ag, 'carol');
    expect(final.status).toBe(200);
    expect(gh.lastAuthorize()?.get('scope')).toBe('user:email read:org');
    expect(final.json<Echo>().headers['x-forwarded-groups']?.split(',')).toHaveLength(150);
    await expectRefused(ag, 'alice', 'group');
  });

  it('--github-repo with the user token: asks for repo; a pusher passes, others are refused', async () => {
    const ag = await gate(['--github-repo=acme/deploy']);
    expect((await signIn(ag, 'grace')).final.status).toBe(200);
    expect(gh.lastAuthorize()?.get('scope')).toBe('user:email repo');
    // henry may only read: his own token may not list collaborators (403), so he is refused, with a hint logged.
    await expectRefused(ag, 'henry', 'github_repo');
    expect(ag.logs()).toContain('set --github-token');
    await expectRefused(ag, 'ivan', 'github_repo');
  });

  it('--github-repo with --github-token: no repo scope from users; 204 admits, 404 refuses', async () => {
    const token = gh.addToken('deploy-bot', ['repo', 'read:org']);
    const ag = await gate(['--github-repo=acme/deploy', `--github-token=${token}`]);
    expect((await signIn(ag, 'henry')).final.status).toBe(200);
    expect(gh.lastAuthorize()?.get('scope')).toBe('user:email');
    await expectRefused(ag, 'ivan', 'github_repo');
    expect(ag.logs()).not.toContain(token);
  });

  it('--github-user alone: only those logins', async () => {
    const ag = await gate(['--github-user=bob,Carol']);
    expect((await signIn(ag, 'bob')).final.status).toBe(200);
    expect((await signIn(ag, 'carol')).final.status).toBe(200);
    await expectRefused(ag, 'alice', 'github_user');
  });

  it('--github-user bypasses --github-org; the org still admits its members', async () => {
    const ag = await gate(['--github-org=acme', '--github-user=bob']);
    expect((await signIn(ag, 'bob')).final.status).toBe(200);
    expect((await signIn(ag, 'alice')).final.status).toBe(200);
    await expectRefused(ag, 'ivan', 'github_org');
  });

  it('--email-domain still applies to GitHub users', async () => {
    const ag = await gate(['--email-domain=other.org']);
    await expectRefused(ag, 'alice', 'email_domain');
  });

  it('without restrictions asks only for user:email and forwards no groups', async () => {
    const ag = await gate([]);
    const { final } = await signIn(ag, 'alice');
    expect(final.status).toBe(200);
    expect(gh.lastAuthorize()?.get('scope')).toBe('user:email');
    expect(final.json<Echo>().headers['x-forwarded-groups']).toBeUndefined();
  });
});

describe('GitHub Enterprise: the API under /api/v3', () => {
  it('signs in through --login-url, --redeem-url and --validate-url=https://HOST/api/v3', async () => {
    const ghe = await startFakeGithub({
      apiPrefix: '/api/v3',
      users: { alice: { emails: verified('alice@corp.example'), orgs: ['platform'] } },
    });
    const upstream = await startEchoUpstream();
    const ag = await startAuthgate([
      '--provider=github',
      `--client-id=${ghe.clientId}`,
      `--client-secret=${ghe.clientSecret}`,
      `--login-url=${ghe.loginUrl}`,
      `--redeem-url=${ghe.redeemUrl}`,
      `--validate-url=${ghe.apiUrl}`,
      '--github-org=platform',
      `--cookie-secret=${TEST_COOKIE_SECRET}`,
      '--cookie-secure=false',
      '--email-domain=corp.example',
      `--upstream=${upstream.url}/`,
    ]);
    try {
      const { final } = await new BrowserClient().follow(`${ag.url}/oauth2/start?rd=/`);
      expect(final.status).toBe(200);
      expect(final.json<Echo>().headers['x-forwarded-email']).toBe('alice@corp.example');
      expect(ghe.apiUrl).toMatch(/\/api\/v3$/);
      expect(new Set(ghe.requests.map((r) => r.path))).toEqual(
        new Set(['/user', '/user/emails', '/user/orgs', '/user/teams', '/user/memberships/orgs/platform']),
      );
    } finally {
      await ag.stop();
      await upstream.stop();
      await ghe.stop();
    }
  });
});
