import { describe, expect, it } from '@jest/globals';
import { optionsOf, problemsOf, VALID_ARGV } from '../config/configFixtures.js';

const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----';
const files = { [TOKEN]: 'sa-token\n', '/etc/ca.pem': CA, '/etc/not-pem': 'hello' };

describe('--kube-* options', () => {
  it('defaults: everything off, email claim, whoami namespace default', () => {
    const o = optionsOf(VALID_ARGV);
    expect(o).toMatchObject({
      kubeImpersonation: false,
      kubeServiceAccountTokenFile: TOKEN,
      kubeUsernameClaim: 'email',
      kubeUsernamePrefix: '',
      kubeGroupsPrefix: '',
      kubeApiserverUrl: '',
      kubeWhoamiNamespaces: ['default'],
      kubeWhoamiAfterSignIn: false,
      kubeClusters: [],
      kubeconfigClientId: '',
    });
  });

  it('resolves the user-name prefix as kube-apiserver does', () => {
    const base = [...VALID_ARGV, '--kube-impersonation'];
    expect(optionsOf(base, {}, files).kubeUsernamePrefix).toBe('');
    expect(optionsOf([...base, '--kube-username-claim=sub'], {}, files).kubeUsernamePrefix).toBe(
      'https://dex.example.com#',
    );
    expect(
      optionsOf([...base, '--kube-username-claim=sub', '--kube-username-prefix=-'], {}, files)
        .kubeUsernamePrefix,
    ).toBe('');
    expect(optionsOf([...base, '--kube-username-prefix=oidc:'], {}, files).kubeUsernamePrefix).toBe('oidc:');
  });

  it('turns whoami-after-sign-in on only with an apiserver URL, and reads the CA', () => {
    const o = optionsOf(
      [
        ...VALID_ARGV,
        '--kube-apiserver-url=https://k8s.example.com:6443/',
        '--kube-apiserver-ca=/etc/ca.pem',
        '--kube-whoami-namespace=default,kube-system',
      ],
      {},
      files,
    );
    expect(o.kubeApiserverUrl).toBe('https://k8s.example.com:6443');
    expect(o.kubeApiserverCa).toContain('BEGIN CERTIFICATE');
    expect(o.kubeWhoamiAfterSignIn).toBe(true);
    expect(o.kubeWhoamiNamespaces).toEqual(['default', 'kube-system']);
    expect(o.kubeClusters).toEqual([
      { name: 'k8s.example.com', url: 'https://k8s.example.com:6443', caPem: `${CA}\n` },
    ]);
  });

  it('parses --kube-cluster NAME=URL[,ca-file], also from a comma-split environment list', () => {
    const o = optionsOf(
      [...VALID_ARGV, '--kubeconfig-client-id=kubectl'],
      { AUTHGATE_KUBE_CLUSTERS: 'prod=https://p.example.com,/etc/ca.pem,dev=https://d.example.com' },
      files,
    );
    expect(o.kubeClusters).toEqual([
      { name: 'prod', url: 'https://p.example.com', caPem: `${CA}\n` },
      { name: 'dev', url: 'https://d.example.com', caPem: '' },
    ]);
    expect(
      optionsOf(
        [...VALID_ARGV, '--kubeconfig-client-id=kubectl', '--kube-extra-claim=Example.com/Dept=department'],
        { AUTHGATE_KUBE_CLUSTERS: 'prod=https://p.example.com' },
        files,
      ).kubeExtraClaims,
    ).toEqual([{ key: 'example.com/dept', claim: 'department' }]);
  });

  it('lists every kube problem at once, each with a fix', () => {
    const problems = problemsOf(
      [
        ...VALID_ARGV,
        '--kube-impersonation',
        '--kube-service-account-token-file=/missing/token',
        '--kube-username-claim=name',
        '--kube-extra-claim=novalue',
        '--kube-apiserver-ca=/etc/not-pem',
        '--kube-whoami-namespace=Not_A_Namespace',
        '--kube-cluster=bad',
      ],
      {},
      files,
    );
    const flags = problems.map((p) => p.flag);
    expect(flags).toEqual(
      expect.arrayContaining([
        '--kube-service-account-token-file',
        '--kube-username-claim',
        '--kube-extra-claim',
        '--kube-apiserver-ca',
        '--kube-whoami-namespace',
        '--kube-cluster',
      ]),
    );
    for (const p of problems) expect(p.fix).not.toBe('');
    expect(JSON.stringify(problems)).not.toContain('sa-token');
  });

  it('needs an explicit user-name prefix for a non-email claim without an issuer (GitHub)', () => {
    const github = [
      '--provider=github',
      '--client-id=x',
      '--client-secret=y',
      `--cookie-secret=${'a'.repeat(32)}`,
      '--email-domain=*',
      '--kube-impersonation',
      '--kube-username-claim=login',
    ];
    const problems = problemsOf(github, {}, files);
    expect(problems.map((p) => p.flag)).toContain('--kube-username-prefix');
  });

  it('refuses a kubeconfig client id without a cluster', () => {
    expect(
      problemsOf([...VALID_ARGV, '--kubeconfig-client-id=kubectl'], {}, files).map((p) => p.flag),
    ).toContain('--kubeconfig-client-id');
  });
});
