import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { startAuthgate, type RunningAuthgate } from '../support/authgate.js';
import { BrowserClient } from '../support/browserClient.js';
import { SA_USER, signIn, startKubeCluster, type TestKubeCluster } from '../support/kubeCluster.js';

type WhoamiJson = {
  state: string;
  signedIn: { user: string; groups: string[] };
  kubernetes: { user: string; groups: string[] };
  namespaces: {
    namespace: string;
    rules: string[];
    checks: { action: string; allowed: boolean }[];
    hasAccess: boolean;
  }[];
  noAccessIn: string[];
  message?: string;
  continue: string;
};
const JSON_ACCEPT = { headers: { accept: 'application/json' } };
const SELF_REVIEWS = /selfsubject(access|rules)?reviews/;

describe('whoami in bearer mode, against an HTTPS apiserver verified with --kube-apiserver-ca', () => {
  let k: TestKubeCluster;
  let ag: RunningAuthgate;
  beforeAll(async () => {
    k = await startKubeCluster({
      tls: true,
      issuer: { users: { bob: { groups: ['qa'] } } },
      apiserverOidc: { usernamePrefix: 'oidc:', groupsPrefix: 'oidc:' },
      bindings: [
        {
          groups: ['oidc:dev'],
          rules: [
            {
              verbs: ['get', 'list', 'watch'],
              apiGroups: [''],
              resources: ['pods', 'pods/log'],
              namespaces: ['default'],
            },
          ],
        },
      ],
    });
    ag = await startAuthgate([
      ...k.baseFlags(),
      `--kube-apiserver-url=${k.apiserver.url}`,
      `--kube-apiserver-ca=${k.caFile}`,
      '--kube-whoami-namespace=default,kube-system',
      '--kubeconfig-client-id=kubectl',
    ]);
  });
  afterAll(async () => {
    await ag?.stop();
    await k?.stop();
  });

  it('a user with rights goes straight to the target; whoami lists what the apiserver grants', async () => {
    const { browser, hops } = await signIn(ag.url, 'alice', '/version');
    expect(hops.at(-1)).toBe(`${ag.url}/version`);
    const r = await browser.get(`${ag.url}/oauth2/whoami`, JSON_ACCEPT);
    expect(r.status).toBe(200);
    const w = r.json<WhoamiJson>();
    expect(w.state).toBe('ok');
    expect(w.kubernetes).toEqual({
      user: 'oidc:alice@example.com',
      groups: ['oidc:dev', 'oidc:ops', 'system:authenticated'],
    });
    expect(w.noAccessIn).toEqual(['kube-system']);
    const def = w.namespaces.find((n) => n.namespace === 'default');
    expect(def?.rules).toEqual(['get, list, watch: pods, pods/log']);
    expect(def?.checks).toEqual([
      { action: 'list pods', allowed: true },
      { action: 'read pod logs', allowed: true },
      { action: 'exec into pods', allowed: false },
      { action: 'list deployments', allowed: false },
    ]);
    const page = await browser.get(`${ag.url}/oauth2/whoami`);
    expect(page.header('content-type')).toContain('text/html');
    expect(page.body).toContain('Kubernetes sees you as <code>oidc:alice@example.com</code>');
    expect(page.body).toContain('Kubernetes grants this identity no access in: kube-system.');
  });

  it('a user with no bindings lands on the whoami page with the clear message and a continue link', async () => {
    const { final, hops } = await signIn(ag.url, 'bob', '/version');
    expect(hops.at(-1)).toBe(`${ag.url}/oauth2/whoami?rd=${encodeURIComponent(`${ag.url}/version`)}`);
    expect(final.status).toBe(200);
    expect(final.body).toContain('Signed in as <strong>bob@example.com</strong> (groups: qa).');
    expect(final.body).toContain('Kubernetes grants this identity no access in: default, kube-system.');
    expect(final.body).toContain(
      'Ask an administrator for a RoleBinding to <code>oidc:bob@example.com</code> or one of your groups.',
    );
    expect(final.body).toContain(`href="${ag.url}/version">Continue`);
  });

  it('caches the answer per session briefly: a second look asks the apiserver nothing', async () => {
    const { browser } = await signIn(ag.url, 'alice', '/version');
    await browser.get(`${ag.url}/oauth2/whoami`, JSON_ACCEPT);
    const before = k.apiserver.requests.filter((r) => SELF_REVIEWS.test(r.path)).length;
    await browser.get(`${ag.url}/oauth2/whoami`, JSON_ACCEPT);
    await browser.get(`${ag.url}/oauth2/whoami`);
    expect(k.apiserver.requests.filter((r) => SELF_REVIEWS.test(r.path)).length).toBe(before);
  });

  it('asks for a sign-in without a session, and never follows an rd to another site', async () => {
    expect((await new BrowserClient().get(`${ag.url}/oauth2/whoami`, JSON_ACCEPT)).status).toBe(401);
    const { browser } = await signIn(ag.url, 'alice', '/version');
    const page = await browser.get(
      `${ag.url}/oauth2/whoami?rd=${encodeURIComponent('https://evil.example/')}`,
    );
    expect(page.body).not.toContain('evil.example');
  });

  it('offers a kubeconfig for kubelogin: a page, and the file as an attachment parsed as YAML', async () => {
    expect((await new BrowserClient().get(`${ag.url}/oauth2/kubeconfig?download=1`)).status).toBe(401);
    const { browser } = await signIn(ag.url, 'alice', '/version');
    const page = await browser.get(`${ag.url}/oauth2/kubeconfig`);
    expect(page.body).toContain('kubectl krew install oidc-login');
    expect(page.body).toContain('/oauth2/kubeconfig?download=1');
    const file = await browser.get(`${ag.url}/oauth2/kubeconfig?download=1`);
    expect(file.header('content-disposition')).toBe('attachment; filename="kubeconfig.yaml"');
    const doc = parse(file.body) as {
      clusters: { name: string; cluster: Record<string, string> }[];
      users: {
        name: string;
        user: { exec: { apiVersion: string; command: string; args: string[]; interactiveMode: string } };
      }[];
      'current-context': string;
    };
    expect(doc.clusters).toEqual([
      {
        name: '127.0.0.1',
        cluster: {
          server: k.apiserver.url,
          'certificate-authority-data': Buffer.from(readFileSync(k.caFile, 'utf8').trim() + '\n').toString(
            'base64',
          ),
        },
      },
    ]);
    expect(doc.users[0]?.user.exec).toMatchObject({
      apiVersion: 'client.authentication.k8s.io/v1',
      command: 'kubectl',
      args: [
        'oidc-login',
        'get-token',
        `--oidc-issuer-url=${k.issuer.url}`,
        '--oidc-client-id=kubectl',
        '--oidc-extra-scope=email',
        '--oidc-extra-scope=groups',
      ],
      interactiveMode: 'IfAvailable',
    });
    expect(file.body).not.toMatch(/eyJ|token:|secret/i);
  });
});

describe('whoami when the apiserver refuses the token (bearer mode, wrong client id)', () => {
  let k: TestKubeCluster;
  let ag: RunningAuthgate;
  beforeAll(async () => {
    k = await startKubeCluster({ apiserverOidc: { clientIds: ['kubernetes'] } });
    ag = await startAuthgate([...k.baseFlags(), `--kube-apiserver-url=${k.apiserver.url}`]);
  });
  afterAll(async () => {
    await ag?.stop();
    await k?.stop();
  });

  it('shows why instead of forwarding to a dashboard full of 401s', async () => {
    const { final, hops, browser } = await signIn(ag.url, 'alice', '/version');
    expect(hops.at(-1)).toContain('/oauth2/whoami?rd=');
    expect(final.body).toContain('Kubernetes does not accept your sign-in.');
    const w = (await browser.get(`${ag.url}/oauth2/whoami`, JSON_ACCEPT)).json<WhoamiJson>();
    expect(w.state).toBe('token_refused');
    expect(w.message).toContain('client id');
    expect(JSON.stringify(w)).not.toMatch(/eyJ/);
  });
});

describe('whoami under impersonation', () => {
  let k: TestKubeCluster;
  let ag: RunningAuthgate;
  beforeAll(async () => {
    k = await startKubeCluster({
      bindings: [
        {
          users: [SA_USER],
          rules: [
            { verbs: ['impersonate'], apiGroups: [''], resources: ['users'] },
            { verbs: ['impersonate'], apiGroups: [''], resources: ['groups'], resourceNames: ['dev', 'ops'] },
          ],
        },
        {
          users: ['alice@example.com'],
          rules: [{ verbs: ['*'], apiGroups: ['apps'], resources: ['deployments'], namespaces: ['default'] }],
        },
      ],
      issuer: { users: { carol: { groups: ['finance'] } } },
    });
    ag = await startAuthgate([
      ...k.baseFlags(),
      '--kube-impersonation',
      `--kube-service-account-token-file=${k.tokenFile}`,
      `--kube-apiserver-url=${k.apiserver.url}`,
    ]);
  });
  afterAll(async () => {
    await ag?.stop();
    await k?.stop();
  });

  it('reports the impersonated identity and its rights', async () => {
    const { browser, hops } = await signIn(ag.url, 'alice', '/version');
    expect(hops.at(-1)).toBe(`${ag.url}/version`);
    const w = (await browser.get(`${ag.url}/oauth2/whoami`, JSON_ACCEPT)).json<WhoamiJson>();
    expect(w).toMatchObject({
      state: 'ok',
      kubernetes: { user: 'alice@example.com', groups: ['dev', 'ops', 'system:authenticated'] },
    });
    expect(w.namespaces[0]?.rules).toEqual(['every verb: deployments.apps']);
  });

  it('explains a missing impersonate permission', async () => {
    const { final, hops } = await signIn(ag.url, 'carol', '/version');
    expect(hops.at(-1)).toContain('/oauth2/whoami?rd=');
    expect(final.body).toContain('Kubernetes does not let authgate act for you.');
    expect(final.body).toContain('cannot impersonate resource &#34;groups&#34;');
  });
});
