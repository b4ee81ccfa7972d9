import { describe, expect, it } from '@jest/globals';
import {
  CLIENT_SECRET,
  optionsOf,
  problemsOf,
  validArgvWithout,
  VALID_ARGV,
} from '../config/configFixtures.js';

const GITHUB = [...validArgvWithout('oidc-issuer-url'), '--provider=github'];
const GOOGLE = [...validArgvWithout('oidc-issuer-url'), '--provider=google'];
const KEY_JSON = JSON.stringify({
  type: 'service_account',
  client_email: 'sa@p.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
  private_key_id: 'k1',
  token_uri: 'https://oauth2.googleapis.com/token',
});
const GROUPS = ['--google-group=admins@example.com', '--google-admin-email=admin@example.com'];

describe('GitHub and Google options', () => {
  it('read every flag, from argv, OAUTH2_PROXY_ env (lists comma-separated) and TOML plural keys', () => {
    const o = optionsOf([
      ...GITHUB,
      '--github-org=acme',
      '--github-team=sre, platform',
      '--github-repo=acme/deploy',
      '--github-token=ghp_secret',
      '--github-user=octocat',
      '--github-user=hubot',
      '--validate-url=https://ghe.example.com/api/v3',
    ]);
    expect([o.githubOrg, o.githubTeams, o.githubRepo, o.githubToken, o.githubUsers, o.validateUrl]).toEqual([
      'acme',
      ['sre', 'platform'],
      'acme/deploy',
      'ghp_secret',
      ['octocat', 'hubot'],
      'https://ghe.example.com/api/v3',
    ]);
    expect(optionsOf(GITHUB, { OAUTH2_PROXY_GITHUB_USERS: 'a,b' }).githubUsers).toEqual(['a', 'b']);
    const toml = 'github_users = ["a", "b"]\ngithub_org = "acme"\n';
    const fromFile = optionsOf([...GITHUB, '--config=/c.cfg'], {}, { '/c.cfg': toml });
    expect([fromFile.githubUsers, fromFile.githubOrg]).toEqual([['a', 'b'], 'acme']);
    const g = optionsOf(
      [...GOOGLE, ...GROUPS, '--google-service-account-json=/sa.json', '--google-hosted-domain=Example.com'],
      { OAUTH2_PROXY_GOOGLE_GROUPS: 'ops@example.com' },
      { '/sa.json': KEY_JSON },
    );
    expect([g.googleGroups, g.googleAdminEmail, g.googleServiceAccountJson, g.googleHostedDomains]).toEqual([
      ['admins@example.com'],
      'admin@example.com',
      '/sa.json',
      ['example.com'],
    ]);
  });

  it('google defaults its issuer to accounts.google.com; --oidc-issuer-url overrides it', () => {
    expect(optionsOf(GOOGLE).oidcIssuerUrl).toBe('https://accounts.google.com');
    expect(optionsOf([...GOOGLE, '--oidc-issuer-url=http://127.0.0.1:5556']).oidcIssuerUrl).toBe(
      'http://127.0.0.1:5556',
    );
  });

  it('--pass-authorization-header: on by default, off by default for github, explicit + impersonation allowed', () => {
    expect(optionsOf(VALID_ARGV).passAuthorizationHeader).toBe(true);
    expect(optionsOf(GITHUB).passAuthorizationHeader).toBe(false);
    expect(optionsOf([...GITHUB, '--pass-authorization-header=false']).passAuthorizationHeader).toBe(false);
    const impersonating = [
      ...GITHUB,
      '--pass-authorization-header',
      '--kube-impersonation',
      '--kube-username-claim=login',
      '--kube-username-prefix=github:',
    ];
    const token = { '/var/run/secrets/kubernetes.io/serviceaccount/token': 'sa-token' };
    expect(optionsOf(impersonating, {}, token).passAuthorizationHeader).toBe(true);
  });
});

describe('bad provider configuration is refused at start, each problem with a fix', () => {
  it.each([
    [
      'github-team without github-org',
      [...GITHUB, '--github-team=sre'],
      '--github-team',
      'needs --github-org',
    ],
    [
      'google-group without service account',
      [...GOOGLE, '--google-group=admins@example.com'],
      '--google-admin-email',
      'required with --google-group',
    ],
    [
      'google-group without the key file',
      [...GOOGLE, ...GROUPS],
      '--google-service-account-json',
      'required with --google-group',
    ],
    [
      'github flag with provider oidc',
      [...VALID_ARGV, '--github-org=acme'],
      '--github-org',
      'only applies to --provider=github',
    ],
    [
      'github-user with provider google',
      [...GOOGLE, '--github-user=x'],
      '--github-user',
      'only applies to --provider=github',
    ],
    [
      'google flag with provider github',
      [...GITHUB, '--google-hosted-domain=example.com'],
      '--google-hosted-domain',
      'only applies to --provider=google',
    ],
    ['repo not owner/repo', [...GITHUB, '--github-repo=deploy'], '--github-repo', 'is not owner/repo'],
    ['org with a slash', [...GITHUB, '--github-org=acme/x'], '--github-org', 'not a GitHub organization'],
    [
      'validate-url not a URL',
      [...GITHUB, '--validate-url=ghe.example.com'],
      '--validate-url',
      'not an absolute',
    ],
    [
      'hosted domain not a domain',
      [...GOOGLE, '--google-hosted-domain=@x'],
      '--google-hosted-domain',
      'not a domain',
    ],
    [
      'group not an email',
      [...GOOGLE, '--google-group=admins', '--google-admin-email=a@example.com'],
      '--google-group',
      'not a group email',
    ],
  ])('%s', (_what, argv, flag, message) => {
    const problems = problemsOf(argv, {}, { '/sa.json': KEY_JSON });
    const found = problems.find((p) => p.flag === flag);
    expect(found?.message).toContain(message);
    expect(found?.fix).not.toBe('');
  });

  it('google-group without either setting lists both problems at once', () => {
    const flags = problemsOf([...GOOGLE, '--google-group=admins@example.com']).map((p) => p.flag);
    expect(flags).toEqual(['--google-admin-email', '--google-service-account-json']);
  });

  it('github with an explicit --pass-authorization-header and no impersonation: the fix names both set-ups', () => {
    const [problem, ...rest] = problemsOf([...GITHUB, '--pass-authorization-header']);
    expect(rest).toEqual([]);
    expect(problem?.flag).toBe('--pass-authorization-header');
    expect(problem?.message).toContain('GitHub issues no ID token');
    expect(problem?.fix).toContain('Dex with its GitHub connector');
    expect(problem?.fix).toContain('--kube-impersonation');
  });

  it.each([
    ['missing', {}, 'cannot read /sa.json (ENOENT)'],
    ['not JSON', { '/sa.json': '{nope' }, '/sa.json is not JSON'],
    [
      'lacks the key',
      { '/sa.json': JSON.stringify({ client_email: 'x@y.z' }) },
      '/sa.json lacks private_key',
    ],
    [
      'another credential type',
      { '/sa.json': JSON.stringify({ type: 'authorized_user' }) },
      '/sa.json holds a "authorized_user" credential, not a service-account key',
    ],
  ])('a service-account file that is %s', (_what, files, message) => {
    const problems = problemsOf([...GOOGLE, ...GROUPS, '--google-service-account-json=/sa.json'], {}, files);
    expect(problems.map((p) => [p.flag, p.message])).toEqual([['--google-service-account-json', message]]);
  });

  it('never repeats a secret in a problem', () => {
    const problems = problemsOf([
      ...VALID_ARGV,
      '--github-token=ghp_TOPSECRET',
      `--client-secret=${CLIENT_SECRET}`,
    ]);
    expect(JSON.stringify(problems)).not.toContain('ghp_TOPSECRET');
    expect(problems.map((p) => p.flag)).toEqual(['--github-token']);
  });
});
