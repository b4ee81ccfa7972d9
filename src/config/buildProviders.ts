/**
 * The GitHub and Google flags -> Options, and the rules between them and --provider. A restriction flag given
 * for another provider is an error, not ignored: silently dropping --github-org would let in everyone it was
 * meant to keep out.
 */
import { parseEmail } from '../authz/email.js';
import { parseServiceAccountJson } from '../providers/serviceAccountKey.js';
import type { ReadFile } from './buildSecrets.js';
import type { Checker } from './checks.js';
import { show } from './coerce.js';
import type { Options, ProviderType } from './options.js';

type ProviderRestrictionOptions = Pick<
  Options,
  | 'githubOrg'
  | 'githubTeams'
  | 'githubRepo'
  | 'githubToken'
  | 'githubUsers'
  | 'validateUrl'
  | 'googleHostedDomains'
  | 'googleGroups'
  | 'googleAdminEmail'
  | 'googleServiceAccountJson'
>;

const GITHUB_FLAGS = [
  'github-org',
  'github-team',
  'github-repo',
  'github-token',
  'github-user',
  'validate-url',
];
const GOOGLE_FLAGS = [
  'google-hosted-domain',
  'google-group',
  'google-admin-email',
  'google-service-account-json',
];
/** GitHub logins and org names: letters, digits, single hyphens. Team slugs also allow _ and . */
const GITHUB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const TEAM_SLUG = /^[A-Za-z0-9_.-]{1,100}$/;
const REPO = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9_.-]{1,100}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

function isSet(check: Checker, name: string): boolean {
  return check.values.sourceOf(name) !== 'default';
}

function onlyFor(
  check: Checker,
  provider: ProviderType,
  wanted: ProviderType,
  names: readonly string[],
): void {
  if (provider === wanted) return;
  for (const name of names.filter((n) => isSet(check, n))) {
    check.report(
      name,
      `only applies to --provider=${wanted} (the provider is ${provider})`,
      `set --provider=${wanted}, or remove --${name}`,
    );
  }
}

export function providerRestrictions(
  check: Checker,
  readFile: ReadFile,
  provider: ProviderType,
): ProviderRestrictionOptions {
  onlyFor(check, provider, 'github', GITHUB_FLAGS);
  onlyFor(check, provider, 'google', GOOGLE_FLAGS);
  return { ...github(check), ...google(check, readFile) };
}

function github(
  check: Checker,
): Pick<Options, 'githubOrg' | 'githubTeams' | 'githubRepo' | 'githubToken' | 'githubUsers' | 'validateUrl'> {
  const v = check.values;
  const githubOrg = v.str('github-org').trim();
  const githubTeams = v
    .str('github-team')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const githubRepo = v.str('github-repo').trim();
  const githubUsers = v.list('github-user');
  if (githubOrg !== '' && !GITHUB_NAME.test(githubOrg)) {
    check.report(
      'github-org',
      `${show(githubOrg)} is not a GitHub organization name`,
      'e.g. --github-org=acme',
    );
  }
  if (githubTeams.length > 0 && githubOrg === '') {
    check.report(
      'github-team',
      'needs --github-org: team slugs are looked up within that organization',
      'set --github-org=<org> as well, or remove --github-team',
    );
  }
  for (const team of githubTeams.filter((t) => !TEAM_SLUG.test(t))) {
    check.report(
      'github-team',
      `${show(team)} is not a team slug`,
      'use the slug from the team URL, e.g. platform-admins',
    );
  }
  if (githubRepo !== '' && !REPO.test(githubRepo)) {
    check.report(
      'github-repo',
      `${show(githubRepo)} is not owner/repo`,
      'e.g. --github-repo=acme/deployments',
    );
  }
  for (const user of githubUsers.filter((u) => !GITHUB_NAME.test(u))) {
    check.report('github-user', `${show(user)} is not a GitHub login`, 'give the login, e.g. octocat');
  }
  return {
    githubOrg,
    githubTeams,
    githubRepo,
    githubToken: v.str('github-token'),
    githubUsers,
    validateUrl: check.optionalHttpUrl('validate-url'),
  };
}

function google(
  check: Checker,
  readFile: ReadFile,
): Pick<Options, 'googleHostedDomains' | 'googleGroups' | 'googleAdminEmail' | 'googleServiceAccountJson'> {
  const v = check.values;
  const googleHostedDomains = v.list('google-hosted-domain').map((d) => d.toLowerCase());
  const googleGroups = v.list('google-group');
  const googleAdminEmail = v.str('google-admin-email');
  const googleServiceAccountJson = v.str('google-service-account-json');
  for (const domain of googleHostedDomains.filter((d) => d !== '*' && !DOMAIN.test(d))) {
    check.report(
      'google-hosted-domain',
      `${show(domain)} is not a domain`,
      'give the Workspace domain, e.g. example.com (or * for any Workspace account)',
    );
  }
  for (const group of googleGroups.filter((g) => parseEmail(g) === null)) {
    check.report('google-group', `${show(group)} is not a group email address`, 'e.g. admins@example.com');
  }
  if (googleGroups.length > 0) {
    const why = 'group membership is read from the Directory API through a service account';
    if (googleAdminEmail === '') {
      check.report(
        'google-admin-email',
        `is missing (required with --google-group: ${why})`,
        'set --google-admin-email to a Workspace admin the service account may act as',
      );
    }
    if (googleServiceAccountJson === '') {
      check.report(
        'google-service-account-json',
        `is missing (required with --google-group: ${why})`,
        'set it to the key file of a service account with domain-wide delegation of admin.directory.group.member.readonly',
      );
    }
  }
  if (googleAdminEmail !== '' && parseEmail(googleAdminEmail) === null) {
    check.report(
      'google-admin-email',
      `${show(googleAdminEmail)} is not an email address`,
      'e.g. admin@example.com',
    );
  }
  if (googleServiceAccountJson !== '') serviceAccountFile(check, readFile, googleServiceAccountJson);
  return { googleHostedDomains, googleGroups, googleAdminEmail, googleServiceAccountJson };
}

/** Reads the key file once at start so a wrong path or file fails the start, not the first sign-in. */
function serviceAccountFile(check: Checker, readFile: ReadFile, path: string): void {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    check.report(
      'google-service-account-json',
      `cannot read ${path} (${typeof code === 'string' ? code : 'unreadable'})`,
      'check the path and that authgate may read the file',
    );
    return;
  }
  try {
    parseServiceAccountJson(text);
  } catch (err) {
    check.report(
      'google-service-account-json',
      `${path} ${err instanceof Error ? err.message : 'is unusable'}`,
      'download a JSON key of the service account (IAM > Service accounts > Keys)',
    );
  }
}

/**
 * --pass-authorization-header: on by default, but a GitHub access token is not a JWT kube-apiserver could
 * validate, so with provider github it defaults to off and asking for it (without impersonation) is an error.
 */
export function passAuthorizationHeader(check: Checker, provider: ProviderType): boolean {
  const v = check.values;
  if (provider !== 'github') return v.bool('pass-authorization-header');
  if (!isSet(check, 'pass-authorization-header')) return false;
  const wanted = v.bool('pass-authorization-header');
  if (wanted && !v.bool('kube-impersonation')) {
    check.report(
      'pass-authorization-header',
      'cannot work with --provider=github: GitHub issues no ID token, and its access token is not a credential kube-apiserver accepts',
      'either put Dex with its GitHub connector in front and use --provider=oidc (the upstream then gets Dex ID tokens), ' +
        "or keep --provider=github and set --kube-impersonation (authgate's service account impersonates the user)",
    );
  }
  return wanted;
}
