import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echoUpstream.js';
import { startFakeGoogleDirectory, type FakeGoogleDirectory } from '../support/fakeGoogleDirectory.js';
import { startGoogleGate } from './googleGate.js';

type Echo = { headers: Record<string, string | undefined> };

describe('--provider=google (oidc-provider as Google, with hd claims; a fake Directory API)', () => {
  let issuer: Issuer;
  let upstream: EchoUpstream;
  let directory: FakeGoogleDirectory;
  let dir: string;
  const running: RunningAuthgate[] = [];

  beforeAll(async () => {
    issuer = await startIssuer({
      defaultGroups: [], // Google's ID tokens carry no groups
      users: {
        alice: { extra: { hd: 'example.com' } },
        bob: { extra: { hd: 'example.com' } },
        // A consumer Google account registered on a company address: same email domain, no hd.
        mallory: {},
        olga: { email: 'olga@other.org', extra: { hd: 'other.org' } },
        partner: { email: 'partner@partner.io' },
      },
    });
    upstream = await startEchoUpstream();
    directory = await startFakeGoogleDirectory({
      groups: {
        'admins@example.com': ['alice@example.com', 'partner@partner.io'],
        'ops@example.com': ['bob@example.com'],
      },
      admins: ['admin@example.com'],
    });
    dir = mkdtempSync(join(tmpdir(), 'authgate-google-'));
    writeFileSync(join(dir, 'sa.json'), directory.keyJson);
  });
  afterEach(() => directory.setDown(false));
  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await directory?.stop();
    await upstream?.stop();
    await issuer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const gate = async (extra: string[]) => {
    const ag = await startGoogleGate(
      [
        '--provider=google',
        `--oidc-issuer-url=${issuer.url}`,
        `--client-id=${issuer.clientId}`,
        `--client-secret=${issuer.clientSecret}`,
        `--cookie-secret=${TEST_COOKIE_SECRET}`,
        '--cookie-secure=false',
        `--upstream=${upstream.url}/`,
        ...extra,
      ],
      { directoryUrl: directory.url },
    );
    running.push(ag);
    return ag;
  };
  const groupFlags = (admin = 'admin@example.com') => [
    '--google-group=admins@example.com',
    '--google-group=ops@example.com',
    `--google-admin-email=${admin}`,
    `--google-service-account-json=${join(dir, 'sa.json')}`,
  ];

  const signIn = async (ag: RunningAuthgate, login: string) => {
    const browser = new BrowserClient();
    const hops: string[] = [];
    const { final } = await browser.follow(`${ag.url}/oauth2/start?rd=/`, {
      login,
      onHop: (r) => hops.push(r.header('location') ?? ''),
    });
    return { final, hops, hasSession: /_authgate=/.test(browser.cookies(ag.url)) };
  };
  const expectRefused = async (ag: RunningAuthgate, login: string, rule: string) => {
    const { final, hasSession } = await signIn(ag, login);
    expect([final.status, hasSession]).toEqual([403, false]);
    expect(final.body).toContain('not permitted');
    expect(ag.logs()).toMatch(new RegExp(`"outcome":"forbidden".*"user":"${login}".*"rule":"${rule}"`));
  };

  it('asks for a refresh token (access_type=offline, prompt=consent) and hints the hosted domain', async () => {
    const ag = await gate(['--email-domain=example.com', '--google-hosted-domain=example.com']);
    const { final, hops } = await signIn(ag, 'alice');
    expect(final.status).toBe(200);
    const authorize = new URL(hops.find((h) => h.startsWith(`${issuer.url}/auth`)) ?? 'http://x/');
    expect(authorize.searchParams.get('access_type')).toBe('offline');
    expect(authorize.searchParams.get('prompt')).toBe('consent');
    expect(authorize.searchParams.get('hd')).toBe('example.com');
    // Google's ID token is the bearer: kube-apiserver accepts it when it trusts this issuer.
    expect(final.json<Echo>().headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('--google-hosted-domain checks the hd claim, not the email suffix', async () => {
    const ag = await gate(['--email-domain=example.com', '--google-hosted-domain=example.com']);
    expect((await signIn(ag, 'bob')).final.status).toBe(200);
    await expectRefused(ag, 'mallory', 'hosted_domain');
  });

  it('--google-hosted-domain=* admits any Workspace account, no consumer account', async () => {
    const ag = await gate(['--email-domain=*', '--google-hosted-domain=*']);
    expect((await signIn(ag, 'olga')).final.status).toBe(200);
    await expectRefused(ag, 'mallory', 'hosted_domain');
  });

  it('--google-group: members enter with the groups found; others are refused; answers are cached', async () => {
    const ag = await gate(['--email-domain=*', ...groupFlags()]);
    const first = await signIn(ag, 'alice');
    expect(first.final.status).toBe(200);
    expect(first.final.json<Echo>().headers['x-forwarded-groups']).toBe('admins@example.com');
    const bob = await signIn(ag, 'bob');
    expect(bob.final.json<Echo>().headers['x-forwarded-groups']).toBe('ops@example.com');
    await expectRefused(ag, 'mallory', 'google_group');
    const asked = directory.counts.hasMember;
    expect((await signIn(ag, 'alice')).final.status).toBe(200);
    expect(directory.counts.hasMember).toBe(asked);
    expect(directory.counts.token).toBe(1);
  });

  it('a member from outside the domain (hasMember answers 400) is found through members.get', async () => {
    const ag = await gate(['--email-domain=*', ...groupFlags()]);
    const { final } = await signIn(ag, 'partner');
    expect(final.status).toBe(200);
    expect(final.json<Echo>().headers['x-forwarded-groups']).toBe('admins@example.com');
    expect(directory.counts.member).toBeGreaterThan(0);
  });

  it('Google groups work with --allowed-group like any groups claim', async () => {
    const ag = await gate(['--email-domain=*', ...groupFlags(), '--allowed-group=ops@example.com']);
    expect((await signIn(ag, 'bob')).final.status).toBe(200);
    await expectRefused(ag, 'alice', 'group');
  });

  it.each(['503', 'close'] as const)(
    'Directory API down (%s): a clear 503 page, no session',
    async (mode) => {
      const ag = await gate(['--email-domain=*', ...groupFlags()]);
      directory.setDown(mode);
      const { final, hasSession } = await signIn(ag, 'bob');
      expect([final.status, hasSession]).toEqual([503, false]);
      expect(final.body).toContain('Google&#39;s directory could not be asked');
      expect(ag.logs()).toMatch(/"outcome":"refused".*"reason":"group_lookup_unavailable"/);
    },
  );

  it('a service account without delegation for the admin: 503 and a logged hint, never an allow', async () => {
    const ag = await gate(['--email-domain=*', ...groupFlags('someone@example.com')]);
    const { final } = await signIn(ag, 'alice');
    expect(final.status).toBe(503);
    expect(ag.logs()).toContain('"error":"unauthorized_client"');
    expect(ag.logs()).toContain('domain-wide delegation');
  });
});
