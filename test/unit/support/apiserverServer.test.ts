import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import WebSocket from 'ws';
import { createRbac } from '../../support/apiserver/rbac.js';
import { startApiserver, type Apiserver } from '../../support/apiserver/server.js';
import { UNAUTHORIZED } from '../../support/apiserver/status.js';
import { createOidcAuthenticator } from '../../support/apiserver/tokenAuthenticator.js';
import { forgeIdToken, startIssuer, type Issuer } from '../../support/issuer.js';

const SA_TOKEN = 'sa-token-authgate';
const SA = 'system:serviceaccount:ns:authgate';

/** A raw request, so repeated headers go out as separate lines (a header array needs its own Host). */
function request(
  base: string,
  path: string,
  opts: { method?: string; headers?: Array<[string, string]>; body?: string } = {},
): Promise<{
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: () => Record<string, unknown>;
}> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${path}`,
      {
        method: opts.method ?? 'GET',
        headers: [['Host', new URL(base).host], ...(opts.headers ?? [])].flat() as never,
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('kube-apiserver double server', () => {
  let issuer: Issuer;
  let api: Apiserver;
  let alice: string;

  beforeAll(async () => {
    issuer = await startIssuer();
    const rbac = createRbac([
      {
        users: ['alice@example.com'],
        rules: [{ verbs: ['list', 'get'], apiGroups: [''], resources: ['pods'], namespaces: ['default'] }],
      },
      { users: [SA], rules: [{ verbs: ['impersonate'], apiGroups: [''], resources: ['users', 'groups'] }] },
      {
        users: [SA],
        rules: [
          { verbs: ['impersonate'], apiGroups: ['authentication.k8s.io'], resources: ['userextras/scopes'] },
        ],
      },
    ]);
    const authenticator = createOidcAuthenticator({
      issuerUrl: issuer.url,
      clientIds: ['authgate'],
      usernameClaim: 'email',
      groupsClaim: 'groups',
    });
    api = await startApiserver({ authenticator, rbac, serviceAccounts: { [SA_TOKEN]: SA } });
    alice = await forgeIdToken(issuer, {});
  });
  afterAll(async () => {
    await api.stop();
    await issuer.stop();
  });

  const bearer = (t: string): [string, string] => ['Authorization', `Bearer ${t}`];

  it('answers a bad token with the exact 401 Status and no WWW-Authenticate, even on /version', async () => {
    for (const path of ['/api/v1/namespaces/default/pods', '/version']) {
      const res = await request(api.url, path, { headers: [bearer('garbage')] });
      expect(res.status).toBe(401);
      expect(res.body).toBe(
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}',
      );
      expect(res.json()).toEqual(UNAUTHORIZED);
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
  });

  it('lets anonymous callers see /version and /healthz but not resources', async () => {
    const version = await request(api.url, '/version');
    expect(version.status).toBe(200);
    expect(version.json()).toMatchObject({ major: '1', gitVersion: expect.stringMatching(/^v1\./) });
    const health = await request(api.url, '/healthz');
    expect([health.status, health.body]).toEqual([200, 'ok']);
    const pods = await request(api.url, '/api/v1/namespaces/default/pods');
    expect(pods.status).toBe(403);
    expect(pods.json()).toMatchObject({
      reason: 'Forbidden',
      code: 403,
      message:
        'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"',
    });
  });

  it('lists pods where RBAC allows and forbids elsewhere with the apiserver message', async () => {
    const ok = await request(api.url, '/api/v1/namespaces/default/pods', { headers: [bearer(alice)] });
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({
      kind: 'PodList',
      items: [{ metadata: { name: 'demo', namespace: 'default' } }],
    });
    const denied = await request(api.url, '/api/v1/namespaces/other/pods', { headers: [bearer(alice)] });
    expect(denied.status).toBe(403);
    expect(denied.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'pods is forbidden: User "alice@example.com" cannot list resource "pods" in API group "" in the namespace "other"',
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    });
  });

  it('impersonates with permission, adding system:authenticated and reporting it in SelfSubjectReview', async () => {
    const res = await request(api.url, '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      method: 'POST',
      headers: [
        bearer(SA_TOKEN),
        ['Impersonate-User', 'alice@example.com'],
        ['Impersonate-Group', 'dev'],
        ['Impersonate-Group', 'ops'],
        ['Impersonate-Extra-Scopes', 'view'],
        ['Content-Type', 'application/json'],
      ],
      body: '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}',
    });
    expect(res.status).toBe(201);
    expect(res.json()).toEqual({
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      status: {
        userInfo: {
          username: 'alice@example.com',
          groups: ['dev', 'ops', 'system:authenticated'],
          extra: { scopes: ['view'] },
        },
      },
    });
  });

  it('authorizes each impersonated value separately, with the apiserver 403 message', async () => {
    const uid = await request(api.url, '/version', {
      headers: [bearer(SA_TOKEN), ['Impersonate-User', 'alice'], ['Impersonate-Uid', '1234']],
    });
    expect(uid.status).toBe(403);
    expect(uid.json().message).toBe(
      'uids.authentication.k8s.io "1234" is forbidden: User "system:serviceaccount:ns:authgate" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope',
    );
    const byAlice = await request(api.url, '/version', {
      headers: [bearer(alice), ['Impersonate-User', 'bob']],
    });
    expect(byAlice.json().message).toBe(
      'users "bob" is forbidden: User "alice@example.com" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
    const extra = await request(api.url, '/version', {
      headers: [bearer(SA_TOKEN), ['Impersonate-User', 'alice'], ['Impersonate-Extra-Other%2Fkey', 'v']],
    });
    expect(extra.json().message).toBe(
      'userextras.authentication.k8s.io "v" is forbidden: User "system:serviceaccount:ns:authgate" cannot impersonate resource "userextras/other/key" in API group "authentication.k8s.io" at the cluster scope',
    );
  });

  it('refuses groups without a user with 400', async () => {
    const res = await request(api.url, '/version', {
      headers: [bearer(SA_TOKEN), ['Impersonate-Group', 'system:masters']],
    });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
  });

  it('whoami shows the wire headers (duplicates kept) and what handlers see after the filter', async () => {
    const res = await request(api.url, '/_test/whoami', {
      headers: [
        bearer(alice),
        ['X-Remote-User', 'spoof'],
        ['X-Forwarded-Groups', 'a'],
        ['X-Forwarded-Groups', 'b'],
      ],
    });
    const body = res.json() as {
      user: { username: string; groups: string[] };
      headers: Record<string, string[]>;
      handlerHeaders: Record<string, string[]>;
    };
    expect(body.user).toMatchObject({
      username: 'alice@example.com',
      groups: ['dev', 'ops', 'system:authenticated'],
    });
    expect(body.headers['x-forwarded-groups']).toEqual(['a', 'b']);
    expect(body.headers['x-remote-user']).toEqual(['spoof']);
    expect(body.handlerHeaders['x-remote-user']).toBeUndefined();
    expect(body.handlerHeaders.authorization).toBeUndefined();
    const anon = await request(api.url, '/_test/whoami');
    expect(anon.json().user).toBeNull();
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: '/_test/whoami' });
  });

  it('answers SelfSubjectAccessReview and SelfSubjectRulesReview', async () => {
    const post = (path: string, body: unknown) =>
      request(api.url, path, { method: 'POST', headers: [bearer(alice)], body: JSON.stringify(body) });
    const ssar = (namespace: string) =>
      post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        spec: { resourceAttributes: { namespace, verb: 'list', group: '', resource: 'pods' } },
      });
    expect((await ssar('default')).json()).toMatchObject({
      kind: 'SelfSubjectAccessReview',
      status: { allowed: true },
    });
    expect((await ssar('')).json()).toMatchObject({ status: { allowed: false } });
    const rules = (
      await post('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { spec: { namespace: 'default' } })
    ).json();
    expect(rules).toMatchObject({ kind: 'SelfSubjectRulesReview', status: { incomplete: false } });
    const status = rules.status as {
      resourceRules: Array<{ resources: string[] }>;
      nonResourceRules: Array<{ nonResourceURLs: string[] }>;
    };
    expect(status.resourceRules.map((r) => r.resources)).toEqual(
      expect.arrayContaining([
        ['pods'],
        ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
        ['selfsubjectreviews'],
      ]),
    );
    expect(status.nonResourceRules.flatMap((r) => r.nonResourceURLs)).toEqual(
      expect.arrayContaining(['/api', '/version']),
    );
    const elsewhere = (
      await post('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { spec: { namespace: 'x' } })
    ).json();
    expect(JSON.stringify(elsewhere)).not.toContain('"pods"');
  });

  it('streams chunks as they are produced', async () => {
    const arrivals: number[] = [];
    await new Promise<void>((resolve, reject) => {
      http
        .get(
          `${api.url}/_test/stream?chunks=3&interval=150`,
          { headers: { authorization: `Bearer ${alice}` } },
          (res) => {
            expect(res.headers['transfer-encoding']).toBe('chunked');
            res.on('data', () => arrivals.push(Date.now()));
            res.on('end', resolve);
          },
        )
        .on('error', reject);
    });
    expect(arrivals.length).toBe(3);
    expect((arrivals[2] ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(250);
  });

  it('waits on /_test/slow', async () => {
    const start = Date.now();
    const res = await request(api.url, '/_test/slow?ms=120');
    expect(res.json()).toEqual({ sleptMs: 120 });
    expect(Date.now() - start).toBeGreaterThanOrEqual(110);
  });

  it('authenticates the WebSocket upgrade, reports identity, then echoes', async () => {
    const wsUrl = api.url.replace('http', 'ws') + '/_test/ws';
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(wsUrl, { headers: { authorization: 'Bearer garbage' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(refused).toBe(401);

    const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${alice}` } });
    const messages: string[] = [];
    const got = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (messages.length >= n ? resolve() : setTimeout(check, 5));
        check();
      });
    ws.on('message', (d) => messages.push(String(d)));
    await new Promise((r) => ws.on('open', r));
    await got(1);
    ws.send('ping');
    await got(2);
    ws.terminate();
    expect(JSON.parse(messages[0] ?? '{}')).toMatchObject({ user: { username: 'alice@example.com' } });
    expect(messages[1]).toBe('ping');
  });
});
