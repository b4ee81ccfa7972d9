import { describe, expect, it } from '@jest/globals';
import { createRbac } from '../../support/apiserver/rbac.js';
import { requestInfo } from '../../support/apiserver/requestInfo.js';
import type { UserInfo } from '../../support/apiserver/types.js';

const user = (username: string, groups: string[] = ['system:authenticated']): UserInfo => ({
  username,
  groups,
  extra: {},
});

describe('test RBAC', () => {
  const rbac = createRbac([
    {
      users: ['ann'],
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['app'] }],
    },
    {
      groups: ['viewers'],
      rules: [
        { verbs: ['*'], apiGroups: ['apps'], resources: ['deployments', 'pods/log'], namespaces: ['web'] },
      ],
    },
  ]);

  it('restricts resourceNames rules to named objects (a list never matches)', () => {
    expect(
      rbac.authorize(user('ann'), {
        verb: 'get',
        apiGroup: '',
        resource: 'configmaps',
        namespace: 'x',
        name: 'app',
      }),
    ).toBe(true);
    expect(
      rbac.authorize(user('ann'), {
        verb: 'get',
        apiGroup: '',
        resource: 'configmaps',
        namespace: 'x',
        name: 'db',
      }),
    ).toBe(false);
    expect(
      rbac.authorize(user('ann'), { verb: 'list', apiGroup: '', resource: 'configmaps', namespace: 'x' }),
    ).toBe(false);
  });

  it('scopes namespaced bindings to their namespaces and never to cluster scope', () => {
    const v = user('vic', ['viewers']);
    expect(
      rbac.authorize(v, {
        verb: 'delete',
        apiGroup: 'apps',
        resource: 'deployments',
        namespace: 'web',
        name: 'a',
      }),
    ).toBe(true);
    expect(
      rbac.authorize(v, { verb: 'list', apiGroup: 'apps', resource: 'deployments', namespace: 'api' }),
    ).toBe(false);
    expect(
      rbac.authorize(v, { verb: 'list', apiGroup: 'apps', resource: 'deployments', namespace: '' }),
    ).toBe(false);
    expect(rbac.authorize(v, { verb: 'list', apiGroup: '', resource: 'deployments', namespace: 'web' })).toBe(
      false,
    );
  });

  it('matches subresources by resource/subresource', () => {
    const v = user('vic', ['viewers']);
    expect(
      rbac.authorize(v, {
        verb: 'get',
        apiGroup: 'apps',
        resource: 'pods',
        subresource: 'log',
        namespace: 'web',
        name: 'p',
      }),
    ).toBe(true);
    expect(
      rbac.authorize(v, { verb: 'get', apiGroup: 'apps', resource: 'pods', namespace: 'web', name: 'p' }),
    ).toBe(false);
  });

  it('gives system:masters everything and every authenticated user the basic rules only', () => {
    const root = user('root', ['system:masters', 'system:authenticated']);
    expect(
      rbac.authorize(root, { verb: 'delete', apiGroup: 'x.io', resource: 'things', namespace: '' }),
    ).toBe(true);
    expect(rbac.authorizeNonResource(root, { verb: 'post', path: '/anything' })).toBe(true);
    const nobody = user('nobody');
    expect(
      rbac.authorize(nobody, {
        verb: 'create',
        apiGroup: 'authorization.k8s.io',
        resource: 'selfsubjectaccessreviews',
      }),
    ).toBe(true);
    expect(
      rbac.authorize(nobody, {
        verb: 'create',
        apiGroup: 'authentication.k8s.io',
        resource: 'selfsubjectreviews',
      }),
    ).toBe(true);
    expect(
      rbac.authorize(nobody, { verb: 'list', apiGroup: '', resource: 'pods', namespace: 'default' }),
    ).toBe(false);
    expect(rbac.authorizeNonResource(nobody, { verb: 'get', path: '/apis/apps/v1' })).toBe(true);
    expect(rbac.authorizeNonResource(nobody, { verb: 'get', path: '/metrics' })).toBe(false);
    const anon = user('system:anonymous', ['system:unauthenticated']);
    expect(rbac.authorizeNonResource(anon, { verb: 'get', path: '/version' })).toBe(true);
    expect(rbac.authorizeNonResource(anon, { verb: 'get', path: '/api' })).toBe(false);
  });

  it('reports the basic rules for a user without bindings', () => {
    const { resourceRules, nonResourceRules } = rbac.rulesFor(user('nobody'), 'default');
    expect(resourceRules.flatMap((r) => r.resources).sort()).toEqual([
      'selfsubjectaccessreviews',
      'selfsubjectreviews',
      'selfsubjectrulesreviews',
    ]);
    expect(nonResourceRules.flatMap((r) => r.nonResourceURLs)).toEqual(
      expect.arrayContaining(['/api', '/apis', '/healthz', '/version']),
    );
  });
});

describe('requestInfo', () => {
  const info = (method: string, path: string) => requestInfo(method, new URL(path, 'http://x'));

  it('parses core and group resources, names, subresources and verbs', () => {
    expect(info('GET', '/api/v1/namespaces/default/pods')).toEqual({
      kind: 'resource',
      apiVersion: 'v1',
      attrs: { verb: 'list', apiGroup: '', resource: 'pods', namespace: 'default' },
    });
    expect(info('GET', '/apis/apps/v1/namespaces/web/deployments/a/scale').attrs).toEqual({
      verb: 'get',
      apiGroup: 'apps',
      resource: 'deployments',
      namespace: 'web',
      name: 'a',
      subresource: 'scale',
    });
    expect(info('GET', '/api/v1/pods?watch=true').attrs).toMatchObject({ verb: 'watch', namespace: '' });
    expect(info('DELETE', '/api/v1/namespaces/x/pods').attrs).toMatchObject({ verb: 'deletecollection' });
    expect(info('GET', '/api/v1/namespaces/kube-system').attrs).toMatchObject({
      resource: 'namespaces',
      name: 'kube-system',
      namespace: 'kube-system',
    });
    expect(info('GET', '/version')).toEqual({
      kind: 'nonResource',
      attrs: { verb: 'get', path: '/version' },
    });
  });
});
