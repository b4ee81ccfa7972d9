import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startAuthgate, TEST_COOKIE_SECRET, type RunningAuthgate } from '../support/authgate.js';
import { startFakeGithub, type FakeGithub } from '../support/fakeGithub.js';
import {
  SA_USER,
  signIn,
  startKubeCluster,
  type SeenByApiserver,
  type TestKubeCluster,
} from '../support/kubeCluster.js';

/**
 * --kube-impersonation end to end: real issuer, real authgate, and the kube-apiserver double authenticating
 * authgate's service-account token, authorizing each impersonated value against its RBAC table, then applying
 * RBAC to the impersonated user.
 */
describe('impersonation mode against the kube-apiserver double', () => {
  let k: TestKubeCluster;
  let ag: RunningAuthgate;

  beforeAll(async () => {
    k = await startKubeCluster({
      issuer: {
        users: {
          carol: { groups: ['finance'] },
          mallory: { groups: ['dev', 'system:masters'] },
          dora: { groups: ['dev'], extra: { department: 'R&D' } },
        },
      },
      bindings: [
        // authgate may impersonate any user, only the groups it is meant to, uids and one extra key.
        {
          users: [SA_USER],
          rules: [
            { verbs: ['impersonate'], apiGroups: [''], resources: ['users'] },
            {
              verbs: ['impersonate'],
              apiGroups: [''],
              resources: ['groups'],
              resourceNames: ['oidc:dev', 'oidc:ops', 'oidc:system:masters'],
            },
            {
              verbs: ['impersonate'],
              apiGroups: ['authentication.k8s.io'],
              resources: ['uids', 'userextras/department'],
            },
          ],
        },
        {
          groups: ['oidc:dev'],
          rules: [
            {
              verbs: ['get', 'list', 'watch'],
              apiGroups: [''],
              resources: ['pods'],
              namespaces: ['default'],
            },
          ],
        },
      ],
    });
    ag = await startAuthgate([
      ...k.baseFlags(),
      '--kube-impersonation',
      `--kube-service-account-token-file=${k.tokenFile}`,
      '--kube-username-prefix=oidc:',
      '--kube-groups-prefix=oidc:',
      '--kube-impersonate-uid',
      '--kube-extra-claim=department=department',
    ]);
  });
  afterAll(async () => {
    await ag?.stop();
    await k?.stop();
  });

  it('sends its own token and the impersonated user, groups and uid; the apiserver acts as that user', async () => {
    const { final } = await signIn(ag.url, 'alice');
    expect(final.status).toBe(200);
    const seen = final.json<SeenByApiserver>();
    expect(seen.user).toEqual({
      username: 'oidc:alice@example.com',
      uid: 'alice',
      groups: ['oidc:dev', 'oidc:ops', 'system:authenticated'],
      extra: {},
    });
    expect(seen.headers['authorization']).toEqual(['Bearer sa-token-1']);
    expect(seen.headers['impersonate-group']).toEqual(['oidc:dev', 'oidc:ops']);
    // the user's own ID token is not sent anywhere under impersonation
    expect(JSON.stringify(seen.headers)).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });

  it("answers /oauth2/auth with the same impersonation credential, never the user's token", async () => {
    const fwd = await startAuthgate([
      ...k.baseFlags(),
      '--kube-impersonation',
      `--kube-service-account-token-file=${k.tokenFile}`,
      '--kube-username-prefix=oidc:',
      '--kube-groups-prefix=oidc:',
      '--set-authorization-header',
    ]);
    try {
      const { browser } = await signIn(fwd.url, 'alice');
      const res = await browser.get(`${fwd.url}/oauth2/auth`);
      expect(res.status).toBe(202);
      expect(res.header('authorization')).toMatch(/^Bearer sa-token-/);
      expect(res.header('impersonate-user')).toBe('oidc:alice@example.com');
      const groups = res.rawHeaders.filter(
        (_, i) => i % 2 === 0 && res.rawHeaders[i]!.toLowerCase() === 'impersonate-group',
      );
      expect(groups.length).toBe(2);
      expect(JSON.stringify(res.headers)).not.toMatch(/eyJ[\w-]+\.eyJ/);
    } finally {
      await fwd.stop();
    }
  });

  it('RBAC applies to the impersonated identity: pods in default yes, kube-system no', async () => {
    const { browser } = await signIn(ag.url, 'alice', '/version');
    const pods = await browser.get(`${ag.url}/api/v1/namespaces/default/pods`);
    expect(pods.status).toBe(200);
    const denied = await browser.get(`${ag.url}/api/v1/namespaces/kube-system/pods`);
    expect(denied.status).toBe(403);
    expect(denied.json<{ message: string }>().message).toContain(
      'User "oidc:alice@example.com" cannot list resource "pods"',
    );
  });

  it('sends Impersonate-Extra from a claim, key as the apiserver decodes it', async () => {
    const { final } = await signIn(ag.url, 'dora');
    const seen = final.json<SeenByApiserver>();
    expect(seen.user?.extra).toEqual({ department: ['R&D'] });
  });

  it('passes the apiserver 403 through when authgate may not impersonate a group', async () => {
    const { final } = await signIn(ag.url, 'carol');
    expect(final.status).toBe(403);
    const status = final.json<{ reason: string; message: string }>();
    expect(status.reason).toBe('Forbidden');
    expect(status.message).toBe(
      `groups "oidc:finance" is forbidden: User "${SA_USER}" cannot impersonate resource "groups" in API group "" at the cluster scope`,
    );
  });

  it('removes client-sent Impersonate-* and X-Remote-* headers: no way to claim system:masters', async () => {
    const { browser } = await signIn(ag.url, 'alice', '/version');
    const forged = await browser.get(`${ag.url}/_test/whoami`, {
      headers: {
        'Impersonate-User': 'admin',
        'Impersonate-Group': 'system:masters',
        impersonate_group: 'system:masters',
        'Impersonate-Extra-Scopes': 'all',
        'Impersonate-Uid': '0',
        'X-Remote-User': 'admin',
        'X-Remote-Group': 'system:masters',
      },
    });
    const seen = forged.json<SeenByApiserver>();
    expect(seen.user?.username).toBe('oidc:alice@example.com');
    expect(seen.user?.groups).not.toContain('system:masters');
    expect(JSON.stringify(seen.headers)).not.toMatch(/system:masters|admin|impersonate-extra|x-remote/i);
    expect(seen.headers['impersonate-uid']).toEqual(['alice']);
    const secrets = await browser.get(`${ag.url}/api/v1/namespaces/kube-system/pods`, {
      headers: { 'Impersonate-Group': 'system:masters' },
    });
    expect(secrets.status).toBe(403);
  });

  it('a group named system:masters at the IdP stays harmless behind the groups prefix', async () => {
    const { final, browser } = await signIn(ag.url, 'mallory');
    expect(final.json<SeenByApiserver>().user?.groups).toEqual([
      'oidc:dev',
      'oidc:system:masters',
      'system:authenticated',
    ]);
    expect((await browser.get(`${ag.url}/api/v1/namespaces/kube-system/pods`)).status).toBe(403);
  });

  it('picks up a rotated service-account token without a restart', async () => {
    const { browser } = await signIn(ag.url, 'alice', '/version');
    k.rotateToken('sa-token-2');
    delete k.serviceAccounts['sa-token-1'];
    const deadline = Date.now() + 8000;
    let auth: string[] | undefined;
    while (Date.now() < deadline) {
      const r = await browser.get(`${ag.url}/_test/whoami`);
      auth = r.status === 200 ? r.json<SeenByApiserver>().headers['authorization'] : undefined;
      if (auth?.[0] === 'Bearer sa-token-2') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(auth).toEqual(['Bearer sa-token-2']);
    expect(ag.logs()).toContain('service-account token changed');
    expect(ag.logs()).not.toContain('sa-token-2');
  });
});

describe('impersonation without a groups prefix', () => {
  let k: TestKubeCluster;
  let ag: RunningAuthgate;
  beforeAll(async () => {
    k = await startKubeCluster({
      issuer: {
        users: {
          mallory: { groups: ['dev', 'system:masters'] },
          root: { preferredUsername: 'system:kube-scheduler' },
        },
      },
      bindings: [
        {
          users: [SA_USER],
          rules: [{ verbs: ['impersonate'], apiGroups: [''], resources: ['users', 'groups'] }],
        },
      ],
    });
    ag = await startAuthgate([
      ...k.baseFlags(),
      '--kube-impersonation',
      `--kube-service-account-token-file=${k.tokenFile}`,
    ]);
  });
  afterAll(async () => {
    await ag?.stop();
    await k?.stop();
  });

  it('refuses the sign-in of a user in a system: group with a 403 page and an audit line', async () => {
    const { final, browser } = await signIn(ag.url, 'mallory');
    expect(final.status).toBe(403);
    expect(final.body).toContain('system:masters');
    expect(browser.cookies(ag.url)).not.toMatch(/_authgate=/);
    expect(ag.logs()).toMatch(/"audit":"sign_in".*"outcome":"forbidden".*"rule":"system_name"/);
    expect(k.apiserver.requests.some((r) => JSON.stringify(r.headers).includes('system:masters'))).toBe(
      false,
    );
  });

  it('refuses a user name that would be a system: name (login claim, no prefix)', async () => {
    const byLogin = await startAuthgate([
      ...k.baseFlags(),
      '--kube-impersonation',
      `--kube-service-account-token-file=${k.tokenFile}`,
      '--kube-username-claim=preferred_username',
      '--kube-username-prefix=-',
    ]);
    try {
      const { final } = await signIn(byLogin.url, 'root');
      expect(final.status).toBe(403);
      expect(final.body).toContain('the user name system:kube-scheduler is reserved by Kubernetes');
      expect(byLogin.logs()).toMatch(/"outcome":"forbidden".*"rule":"system_name"/);
      expect((await signIn(byLogin.url, 'alice')).final.json<SeenByApiserver>().user?.username).toBe('alice');
    } finally {
      await byLogin.stop();
    }
  });

  it('impersonates an ordinary user as is (email user name, no prefix)', async () => {
    const { final } = await signIn(ag.url, 'alice');
    expect(final.json<SeenByApiserver>().user).toMatchObject({
      username: 'alice@example.com',
      groups: ['dev', 'ops', 'system:authenticated'],
    });
  });
});

describe('impersonation with a GitHub sign-in (no ID token at all)', () => {
  let k: TestKubeCluster;
  let gh: FakeGithub;
  let ag: RunningAuthgate;
  beforeAll(async () => {
    k = await startKubeCluster({
      bindings: [
        {
          users: [SA_USER],
          rules: [{ verbs: ['impersonate'], apiGroups: [''], resources: ['users', 'groups'] }],
        },
        {
          groups: ['github:acme:sre'],
          rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'], namespaces: ['kube-system'] }],
        },
      ],
    });
    gh = await startFakeGithub({
      users: {
        octocat: {
          emails: [{ email: 'octocat@example.com', primary: true, verified: true }],
          orgs: ['acme'],
          teams: [{ org: 'acme', slug: 'sre' }],
        },
      },
    });
    ag = await startAuthgate([
      '--provider=github',
      `--client-id=${gh.clientId}`,
      `--client-secret=${gh.clientSecret}`,
      `--login-url=${gh.loginUrl}`,
      `--redeem-url=${gh.redeemUrl}`,
      `--validate-url=${gh.apiUrl}`,
      `--cookie-secret=${TEST_COOKIE_SECRET}`,
      '--cookie-secure=false',
      '--email-domain=example.com',
      `--upstream=${k.apiserver.url}/`,
      '--kube-impersonation',
      `--kube-service-account-token-file=${k.tokenFile}`,
      '--kube-username-claim=login',
      '--kube-username-prefix=github:',
      '--kube-groups-prefix=github:',
    ]);
  });
  afterAll(async () => {
    await ag?.stop();
    await gh?.stop();
    await k?.stop();
  });

  it('impersonates the login with org and org:team groups, and RBAC applies to them', async () => {
    gh.signInAs('octocat');
    const { final, browser } = await signIn(ag.url, 'octocat');
    expect(final.status).toBe(200);
    const seen = final.json<SeenByApiserver>();
    expect(seen.user?.username).toBe('github:octocat');
    expect(seen.user?.groups).toEqual(['github:acme', 'github:acme:sre', 'system:authenticated']);
    expect(seen.headers['authorization']).toEqual(['Bearer sa-token-1']);
    expect((await browser.get(`${ag.url}/api/v1/namespaces/kube-system/pods`)).status).toBe(200);
    expect((await browser.get(`${ag.url}/api/v1/namespaces/default/pods`)).status).toBe(403);
  });
});
