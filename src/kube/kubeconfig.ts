/**
 * The kubeconfig offered at /oauth2/kubeconfig: the configured clusters, and one user whose credentials come
 * from kubelogin (`kubectl oidc-login get-token`) against the same issuer, with a public client id. kubectl
 * signs in in the browser and keeps the tokens in kubelogin's cache: no token is ever written into the file.
 */
import { lazyModule } from '../lazyModule.js';

const yaml = lazyModule<typeof import('yaml')>('yaml');
import type { KubeCluster } from '../config/options.js';

export interface KubeconfigInput {
  readonly clusters: readonly KubeCluster[];
  readonly issuerUrl: string;
  readonly clientId: string;
  /** Scopes beyond openid (kubelogin always asks for openid). */
  readonly extraScopes: readonly string[];
  /** Name of the kubeconfig user entry. */
  readonly userName?: string;
}

export const KUBELOGIN_API_VERSION = 'client.authentication.k8s.io/v1';

/** The extra scopes for kubelogin: the configured --scope without openid, or email and groups. */
export function kubeloginScopes(scope: string): string[] {
  const list = scope.split(/\s+/).filter((s) => s !== '' && s !== 'openid');
  return scope.trim() === '' ? ['email', 'groups'] : [...new Set(list)];
}

export function kubeloginArgs(
  input: Pick<KubeconfigInput, 'issuerUrl' | 'clientId' | 'extraScopes'>,
): string[] {
  return [
    'oidc-login',
    'get-token',
    `--oidc-issuer-url=${input.issuerUrl}`,
    `--oidc-client-id=${input.clientId}`,
    ...input.extraScopes.map((s) => `--oidc-extra-scope=${s}`),
  ];
}

export function buildKubeconfig(input: KubeconfigInput): string {
  const user = input.userName ?? 'oidc';
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: input.clusters.map((c) => ({
      name: c.name,
      cluster: {
        server: c.url,
        ...(c.caPem ? { 'certificate-authority-data': Buffer.from(c.caPem, 'utf8').toString('base64') } : {}),
      },
    })),
    users: [
      {
        name: user,
        user: {
          exec: {
            apiVersion: KUBELOGIN_API_VERSION,
            command: 'kubectl',
            args: kubeloginArgs(input),
            env: null,
            interactiveMode: 'IfAvailable',
            provideClusterInfo: false,
          },
        },
      },
    ],
    contexts: input.clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user } })),
    'current-context': input.clusters[0]?.name ?? '',
  };
  return yaml().stringify(doc, { lineWidth: 0 });
}
