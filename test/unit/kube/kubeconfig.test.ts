import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { buildKubeconfig, kubeloginScopes } from '../../../src/kube/kubeconfig.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

type Kubeconfig = {
  apiVersion: string;
  kind: string;
  clusters: { name: string; cluster: Record<string, string> }[];
  users: { name: string; user: { exec: Record<string, unknown> } }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context': string;
};

describe('buildKubeconfig', () => {
  const text = buildKubeconfig({
    clusters: [
      { name: 'prod', url: 'https://k8s.example.com:6443', caPem: CA },
      { name: 'staging', url: 'https://staging.example.com', caPem: '' },
    ],
    issuerUrl: 'https://dex.example.com',
    clientId: 'kubectl',
    extraScopes: ['email', 'groups'],
  });
  const doc = parse(text) as Kubeconfig;

  it('lists every cluster with its CA as base64 data and one context each', () => {
    expect(doc).toMatchObject({ apiVersion: 'v1', kind: 'Config', 'current-context': 'prod' });
    expect(doc.clusters).toEqual([
      {
        name: 'prod',
        cluster: {
          server: 'https://k8s.example.com:6443',
          'certificate-authority-data': Buffer.from(CA).toString('base64'),
        },
      },
      { name: 'staging', cluster: { server: 'https://staging.example.com' } },
    ]);
    expect(doc.contexts).toEqual([
      { name: 'prod', context: { cluster: 'prod', user: 'oidc' } },
      { name: 'staging', context: { cluster: 'staging', user: 'oidc' } },
    ]);
  });

  it('has one user whose credentials come from kubelogin, with no token in the file', () => {
    expect(doc.users).toHaveLength(1);
    expect(doc.users[0]?.user.exec).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      command: 'kubectl',
      args: [
        'oidc-login',
        'get-token',
        '--oidc-issuer-url=https://dex.example.com',
        '--oidc-client-id=kubectl',
        '--oidc-extra-scope=email',
        '--oidc-extra-scope=groups',
      ],
      env: null,
      interactiveMode: 'IfAvailable',
      provideClusterInfo: false,
    });
    expect(Object.keys(doc.users[0]?.user ?? {})).toEqual(['exec']);
    expect(text).not.toMatch(/token:|client-secret|password/);
  });
});

describe('kubeloginScopes', () => {
  it('uses --scope without openid, or email and groups by default', () => {
    expect(kubeloginScopes('')).toEqual(['email', 'groups']);
    expect(kubeloginScopes('openid email profile offline_access')).toEqual([
      'email',
      'profile',
      'offline_access',
    ]);
  });
});
