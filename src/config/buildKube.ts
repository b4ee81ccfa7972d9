/**
 * The Kubernetes flags -> Options: impersonation (who authgate claims the user is), the whoami apiserver and the
 * kubeconfig clusters. Every rule is checked here so a cluster never sees a half-configured authgate.
 */
import type { ReadFile } from './buildSecrets.js';
import type { Checker } from './checks.js';
import { show } from './coerce.js';
import { isHttpUrl } from './network.js';
import type { KubeCluster, KubeExtraClaim, KubeUsernameClaim, Options, ProviderType } from './options.js';

type KubeOptions = Pick<
  Options,
  | 'kubeImpersonation'
  | 'kubeServiceAccountTokenFile'
  | 'kubeUsernameClaim'
  | 'kubeUsernamePrefix'
  | 'kubeGroupsPrefix'
  | 'kubeImpersonateUid'
  | 'kubeExtraClaims'
  | 'kubeApiserverUrl'
  | 'kubeApiserverCa'
  | 'kubeWhoamiNamespaces'
  | 'kubeWhoamiAfterSignIn'
  | 'kubeClusters'
  | 'kubeconfigClientId'
>;

const CLAIMS: readonly KubeUsernameClaim[] = ['email', 'sub', 'preferred_username', 'login'];
/** A DNS-1123 label: what a namespace name may be. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Extra keys: kube-apiserver lower-cases them; anything printable is allowed (it is percent-encoded on the wire). */
const EXTRA_KEY = /^[\x21-\x7e]+$/;

export function kubeOptions(
  check: Checker,
  readFile: ReadFile,
  provider: ProviderType,
  issuerUrl: string,
): KubeOptions {
  const v = check.values;
  const impersonation = v.bool('kube-impersonation');
  const usernameClaim = check.oneOf<KubeUsernameClaim>('kube-username-claim', CLAIMS, 'email');
  const tokenFile = v.str('kube-service-account-token-file');
  if (impersonation) readableFile(check, 'kube-service-account-token-file', tokenFile, readFile);
  const apiserverUrl = httpsOrHttpUrl(check, 'kube-apiserver-url');
  const caFile = v.str('kube-apiserver-ca');
  const apiserverCa = caFile === '' ? '' : pemFile(check, 'kube-apiserver-ca', caFile, readFile);
  if (caFile !== '' && apiserverUrl === '') {
    check.report('kube-apiserver-ca', 'is set without --kube-apiserver-url', 'set --kube-apiserver-url too');
  }
  const clientId = v.str('kubeconfig-client-id');
  return {
    kubeImpersonation: impersonation,
    kubeServiceAccountTokenFile: tokenFile,
    kubeUsernameClaim: usernameClaim,
    kubeUsernamePrefix: usernamePrefix(check, impersonation, usernameClaim, provider, issuerUrl),
    kubeGroupsPrefix: v.str('kube-groups-prefix'),
    kubeImpersonateUid: v.bool('kube-impersonate-uid'),
    kubeExtraClaims: extraClaims(check),
    kubeApiserverUrl: apiserverUrl,
    kubeApiserverCa: apiserverCa,
    kubeWhoamiNamespaces: namespaces(check),
    kubeWhoamiAfterSignIn: v.bool('kube-whoami-after-sign-in') && apiserverUrl !== '',
    kubeClusters: clusters(check, readFile, apiserverUrl, apiserverCa, clientId, provider),
    kubeconfigClientId: clientId,
  };
}

/**
 * kube-apiserver's --oidc-username-prefix semantics: unset means no prefix for the email claim and `<issuer>#`
 * for any other claim, so bindings written for bearer mode name the same users; `-` means no prefix.
 */
function usernamePrefix(
  check: Checker,
  impersonation: boolean,
  claim: KubeUsernameClaim,
  provider: ProviderType,
  issuerUrl: string,
): string {
  const value = check.values.str('kube-username-prefix');
  if (value === '-') return '';
  if (value !== '') return value;
  if (claim === 'email') return '';
  if (provider === 'oidc') return `${issuerUrl}#`;
  if (impersonation) {
    check.report(
      'kube-username-prefix',
      `must be set for --kube-username-claim=${claim} with --provider=${provider} (there is no issuer URL to default to)`,
      `set e.g. --kube-username-prefix=${provider}: or --kube-username-prefix=- for none`,
    );
  }
  return '';
}

function extraClaims(check: Checker): KubeExtraClaim[] {
  const out: KubeExtraClaim[] = [];
  for (const entry of check.values.list('kube-extra-claim')) {
    const eq = entry.indexOf('=');
    const key = eq > 0 ? entry.slice(0, eq).trim().toLowerCase() : '';
    const claim = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (!EXTRA_KEY.test(key) || claim === '') {
      check.report(
        'kube-extra-claim',
        `${show(entry)} is not KEY=CLAIM`,
        'e.g. example.com/department=department',
      );
      continue;
    }
    out.push({ key, claim });
  }
  return out;
}

function namespaces(check: Checker): readonly string[] {
  const list = check.values.list('kube-whoami-namespace');
  for (const ns of list.filter((n) => !NAMESPACE.test(n))) {
    check.report(
      'kube-whoami-namespace',
      `${show(ns)} is not a namespace name`,
      'e.g. default or kube-system',
    );
  }
  return list;
}

/**
 * --kube-cluster NAME=URL[,ca-file]. Environment lists are always split at commas, so an entry without `=`
 * is the CA file of the cluster before it.
 */
function clusters(
  check: Checker,
  readFile: ReadFile,
  apiserverUrl: string,
  apiserverCa: string,
  clientId: string,
  provider: ProviderType,
): KubeCluster[] {
  const entries: string[] = [];
  for (const item of check.values.list('kube-cluster')) {
    if (!item.includes('=') && entries.length > 0) entries[entries.length - 1] += `,${item}`;
    else entries.push(item);
  }
  const out: KubeCluster[] = [];
  for (const entry of entries) {
    const match = /^([A-Za-z0-9][-A-Za-z0-9._]*)=([^,]+)(?:,(.+))?$/.exec(entry);
    if (!match?.[1] || !match[2] || !isHttpUrl(match[2])) {
      check.report(
        'kube-cluster',
        `${show(entry)} is not NAME=URL[,ca-file]`,
        'e.g. prod=https://k8s.example.com:6443,/etc/ca.pem',
      );
      continue;
    }
    const caPem = match[3] ? pemFile(check, 'kube-cluster', match[3], readFile) : '';
    out.push({ name: match[1], url: match[2], caPem });
  }
  if (out.length === 0 && apiserverUrl !== '') {
    out.push({ name: new URL(apiserverUrl).hostname || 'kubernetes', url: apiserverUrl, caPem: apiserverCa });
  }
  if (clientId !== '' && provider !== 'oidc') {
    check.report(
      'kubeconfig-client-id',
      `kubectl signs in with OpenID Connect, which --provider=${provider} does not offer`,
      'use --provider=oidc, or remove --kubeconfig-client-id',
    );
  }
  if (clientId !== '' && out.length === 0) {
    check.report(
      'kubeconfig-client-id',
      'no cluster to put in the kubeconfig',
      'set --kube-cluster=NAME=URL[,ca-file] or --kube-apiserver-url',
    );
  }
  if (clientId === '' && check.values.list('kube-cluster').length > 0) {
    check.report(
      'kube-cluster',
      'is set without --kubeconfig-client-id, so no kubeconfig can be offered',
      'set --kubeconfig-client-id to a public client registered at the issuer for kubectl',
    );
  }
  return out;
}

function httpsOrHttpUrl(check: Checker, name: string): string {
  const value = check.optionalHttpUrl(name);
  return value.replace(/\/+$/, '');
}

function readableFile(check: Checker, name: string, path: string, readFile: ReadFile): string {
  try {
    const text = readFile(path).trim();
    if (text === '') check.report(name, `${path} is empty`, 'point it at the mounted service-account token');
    return text;
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    check.report(
      name,
      `cannot read ${path} (${typeof code === 'string' ? code : 'unreadable'})`,
      'mount a service-account token (automountServiceAccountToken or a projected volume) or set the path',
    );
    return '';
  }
}

function pemFile(check: Checker, name: string, path: string, readFile: ReadFile): string {
  const text = readableFile(check, name, path, readFile);
  if (text !== '' && !text.includes('-----BEGIN CERTIFICATE-----')) {
    check.report(
      name,
      `${path} holds no PEM certificate`,
      'give the CA bundle in PEM form (-----BEGIN CERTIFICATE-----)',
    );
    return '';
  }
  return text === '' ? '' : `${text}\n`;
}
