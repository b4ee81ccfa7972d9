/**
 * The who-may-enter rules combined, as a table of configurations x accounts, through real sign-ins (provider
 * google, so the hosted-domain rule takes part), and --authenticated-emails-file re-read without a restart.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIssuer, type Issuer } from '../support/issuer.js';
import { BrowserClient } from '../support/browserClient.js';
import { TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echoUpstream.js';
import { startGoogleGate } from './googleGate.js';

const USERS = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay'] as const;
type User = (typeof USERS)[number];
/** ✓ = admitted; otherwise the rule the audit log must name. */
type Outcome = '✓' | 'email_domain' | 'group' | 'hosted_domain' | 'email_unverified';

// ann  ann@example.com     hd example.com  groups [dev]
// ben  ben@contractor.io   no hd           groups [dev]   listed in the emails file
// cat  cat@example.com     hd example.com  no groups
// dan  dan@example.com     no hd           groups [dev]   (a consumer account on the company's address)
// eve  eve@other.org       hd other.org    groups [dev]
// fay  fay@example.com     hd example.com  groups [dev]   email_verified: false
const TABLE: [string, string[], Record<User, Outcome>][] = [
  [
    'email-domain',
    ['--email-domain=example.com'],
    { ann: '✓', ben: 'email_domain', cat: '✓', dan: '✓', eve: 'email_domain', fay: 'email_unverified' },
  ],
  [
    'emails-file alone',
    ['FILE'],
    {
      ann: 'email_domain',
      ben: '✓',
      cat: 'email_domain',
      dan: 'email_domain',
      eve: 'email_domain',
      fay: 'email_unverified',
    },
  ],
  [
    'email-domain OR emails-file',
    ['--email-domain=example.com', 'FILE'],
    { ann: '✓', ben: '✓', cat: '✓', dan: '✓', eve: 'email_domain', fay: 'email_unverified' },
  ],
  [
    '(email-domain OR file) AND allowed-group',
    ['--email-domain=example.com', 'FILE', '--allowed-group=dev'],
    { ann: '✓', ben: '✓', cat: 'group', dan: '✓', eve: 'email_domain', fay: 'email_unverified' },
  ],
  [
    'email-domain AND hosted-domain',
    ['--email-domain=example.com', '--google-hosted-domain=example.com'],
    {
      ann: '✓',
      ben: 'hosted_domain',
      cat: '✓',
      dan: 'hosted_domain',
      eve: 'hosted_domain',
      fay: 'email_unverified',
    },
  ],
  [
    'emails-file does not bypass hosted-domain',
    ['--email-domain=other.org', 'FILE', '--google-hosted-domain=*'],
    {
      ann: 'email_domain',
      ben: 'hosted_domain',
      cat: 'email_domain',
      dan: 'hosted_domain',
      eve: '✓',
      fay: 'email_unverified',
    },
  ],
  [
    'everything AND',
    ['--email-domain=*', '--google-hosted-domain=example.com', '--allowed-group=dev'],
    {
      ann: '✓',
      ben: 'hosted_domain',
      cat: 'group',
      dan: 'hosted_domain',
      eve: 'hosted_domain',
      fay: 'email_unverified',
    },
  ],
  [
    'insecure-oidc-allow-unverified-email',
    ['--email-domain=example.com', '--insecure-oidc-allow-unverified-email'],
    { ann: '✓', ben: 'email_domain', cat: '✓', dan: '✓', eve: 'email_domain', fay: '✓' },
  ],
];

describe('who may enter: the rules combined', () => {
  let issuer: Issuer;
  let upstream: EchoUpstream;
  let dir: string;
  const running: RunningAuthgate[] = [];

  beforeAll(async () => {
    issuer = await startIssuer({
      defaultGroups: ['dev'],
      users: {
        ann: { extra: { hd: 'example.com' } },
        ben: { email: 'ben@contractor.io' },
        cat: { groups: [], extra: { hd: 'example.com' } },
        dan: {},
        eve: { email: 'eve@other.org', extra: { hd: 'other.org' } },
        fay: { emailVerified: false, extra: { hd: 'example.com' } },
      },
    });
    upstream = await startEchoUpstream();
    dir = mkdtempSync(join(tmpdir(), 'authgate-emails-'));
    writeFileSync(join(dir, 'emails'), '# contractors\nBen@Contractor.io\n');
  });
  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await upstream?.stop();
    await issuer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const gate = async (flags: string[], emailsFile = join(dir, 'emails'), pollMs?: number) => {
    const ag = await startGoogleGate(
      [
        '--provider=google',
        `--oidc-issuer-url=${issuer.url}`,
        `--client-id=${issuer.clientId}`,
        `--client-secret=${issuer.clientSecret}`,
        `--cookie-secret=${TEST_COOKIE_SECRET}`,
        '--cookie-secure=false',
        `--upstream=${upstream.url}/`,
        ...flags.map((f) => (f === 'FILE' ? `--authenticated-emails-file=${emailsFile}` : f)),
      ],
      pollMs ? { emailsFilePollMs: pollMs } : {},
    );
    running.push(ag);
    return ag;
  };
  const signIn = async (ag: RunningAuthgate, login: string) => {
    const browser = new BrowserClient();
    const { final } = await browser.follow(`${ag.url}/oauth2/start?rd=/`, { login });
    return { status: final.status, browser };
  };

  it.each(TABLE)('%s', async (_name, flags, expected) => {
    const ag = await gate(flags);
    const actual: Record<string, Outcome> = {};
    for (const user of USERS) {
      const { status } = await signIn(ag, user);
      const rule = new RegExp(`"outcome":"forbidden".*"user":"${user}".*"rule":"(\\w+)"`).exec(
        ag.logs(),
      )?.[1];
      actual[user] = status === 200 ? '✓' : ((rule ?? `status ${status}`) as Outcome);
    }
    expect(actual).toEqual(expected);
  });

  it('--authenticated-emails-file is re-read after a change, without a restart', async () => {
    const file = join(dir, 'reload');
    writeFileSync(file, 'ben@contractor.io\n');
    const ag = await gate(['FILE'], file, 200);
    const ben = await signIn(ag, 'ben');
    expect(ben.status).toBe(200);
    expect((await signIn(ag, 'eve')).status).toBe(403);

    // Replace the file the way editors and ConfigMap volumes do: write aside, rename over.
    writeFileSync(`${file}.new`, 'eve@other.org\n');
    renameSync(`${file}.new`, file);
    await waitFor(() => /authenticated emails file re-read/.test(ag.logs()));
    expect((await signIn(ag, 'eve')).status).toBe(200);
    // ben's existing session no longer admits him: decisions are remade after a re-read.
    expect((await ben.browser.get(`${ag.url}/`)).status).toBe(401);

    // A broken file is logged and the last good list stays.
    writeFileSync(file, 'eve@other.org\nnot an email\n');
    await waitFor(() => /has an error; keeping the last good list/.test(ag.logs()));
    expect(ag.logs()).toContain('line 2');
    expect(ag.logs()).not.toContain('not an email');
    expect((await signIn(ag, 'eve')).status).toBe(200);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}
