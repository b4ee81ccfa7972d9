import { describe, expect, it } from '@jest/globals';
import { isBasicRule, summariseRules, type ResourceRule } from '../../../src/kube/rules.js';

const rule = (r: Partial<ResourceRule>): ResourceRule => ({
  verbs: [],
  apiGroups: [''],
  resources: [],
  resourceNames: [],
  ...r,
});
const BASIC = [
  rule({
    verbs: ['create'],
    apiGroups: ['authorization.k8s.io'],
    resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
  }),
  rule({ verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] }),
];

describe('summariseRules', () => {
  it('drops the rules every signed-in user has', () => {
    expect(BASIC.every(isBasicRule)).toBe(true);
    expect(summariseRules(BASIC)).toEqual([]);
  });

  it('does not count a wider rule in the same API group as basic', () => {
    const wider = rule({
      verbs: ['create', 'get'],
      apiGroups: ['authorization.k8s.io'],
      resources: ['selfsubjectaccessreviews'],
    });
    expect(isBasicRule(wider)).toBe(false);
    expect(
      isBasicRule(rule({ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['*'] })),
    ).toBe(false);
  });

  it('merges rules by verbs and names resources as kubectl does', () => {
    const out = summariseRules([
      ...BASIC,
      rule({ verbs: ['watch', 'get', 'list'], resources: ['pods', 'services'] }),
      rule({ verbs: ['list', 'get', 'watch'], apiGroups: ['apps'], resources: ['deployments'] }),
      rule({ verbs: ['get'], resources: ['configmaps'], resourceNames: ['app-config'] }),
    ]);
    expect(out).toEqual([
      'get, list, watch: pods, services, deployments.apps',
      'get: configmaps (only app-config)',
    ]);
  });

  it('spells out wildcards', () => {
    expect(summariseRules([rule({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] })])).toEqual([
      'every verb: every resource',
    ]);
    expect(summariseRules([rule({ verbs: ['get'], apiGroups: ['apps'], resources: ['*'] })])).toEqual([
      'get: every resource in apps',
    ]);
  });
});
