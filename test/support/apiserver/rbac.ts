/**
 * A tiny RBAC authorizer with kube-apiserver's matching rules: '*' wildcards for verbs, API groups and resources,
 * `resource/subresource` names, resourceNames restricting to named objects (so a list never matches them),
 * namespaced bindings (RoleBinding) versus cluster-wide ones (ClusterRoleBinding), and the default cluster roles
 * every caller gets: system:basic-user and system:discovery for system:authenticated, system:public-info-viewer for
 * everyone, and system:masters may do anything.
 */
import type { NonResourceAttributes, ResourceAttributes, UserInfo } from './types.js';

export interface Rule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  /** undefined = cluster-wide (a ClusterRoleBinding); else a RoleBinding in each namespace listed. */
  namespaces?: string[];
  resourceNames?: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface Binding {
  users?: string[];
  groups?: string[];
  rules?: Rule[];
  nonResourceRules?: NonResourceRule[];
}

export interface Rbac {
  bind(binding: Binding): void;
  authorize(user: UserInfo, attrs: ResourceAttributes): boolean;
  authorizeNonResource(user: UserInfo, attrs: NonResourceAttributes): boolean;
  /** What SelfSubjectRulesReview reports for this namespace. */
  rulesFor(user: UserInfo, namespace: string): { resourceRules: Rule[]; nonResourceRules: NonResourceRule[] };
}

const PUBLIC_INFO = ['/healthz', '/livez', '/readyz', '/version', '/version/'];

/** The default bindings of a kube-apiserver (bootstrap policy). */
export const DEFAULT_BINDINGS: Binding[] = [
  { groups: ['system:masters'], rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] },
  { groups: ['system:masters'], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] },
  {
    groups: ['system:authenticated'],
    rules: [
      {
        verbs: ['create'],
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ],
    nonResourceRules: [
      {
        verbs: ['get'],
        nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*', ...PUBLIC_INFO],
      },
    ],
  },
  {
    groups: ['system:authenticated', 'system:unauthenticated'],
    nonResourceRules: [{ verbs: ['get'], nonResourceURLs: PUBLIC_INFO }],
  },
];

const has = (list: string[], v: string) => list.includes('*') || list.includes(v);

function appliesTo(b: Binding, user: UserInfo): boolean {
  return (b.users ?? []).includes(user.username) || (b.groups ?? []).some((g) => user.groups.includes(g));
}

export function ruleMatches(rule: Rule, a: ResourceAttributes): boolean {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const ns = a.namespace ?? '';
  if (!has(rule.verbs, a.verb) || !has(rule.apiGroups, a.apiGroup)) return false;
  if (!has(rule.resources, resource) && !(a.subresource && rule.resources.includes(`*/${a.subresource}`)))
    return false;
  if (rule.namespaces !== undefined && (ns === '' || !rule.namespaces.includes(ns))) return false;
  if (rule.resourceNames !== undefined && (a.name === undefined || !rule.resourceNames.includes(a.name)))
    return false;
  return true;
}

function urlMatches(pattern: string, path: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}

export function createRbac(bindings: Binding[] = []): Rbac {
  const all = [...DEFAULT_BINDINGS, ...bindings];
  const mine = (user: UserInfo) => all.filter((b) => appliesTo(b, user));
  return {
    bind: (b) => void all.push(b),
    authorize: (user, attrs) => mine(user).some((b) => (b.rules ?? []).some((r) => ruleMatches(r, attrs))),
    authorizeNonResource: (user, { verb, path }) =>
      mine(user).some((b) =>
        (b.nonResourceRules ?? []).some(
          (r) => has(r.verbs, verb) && r.nonResourceURLs.some((u) => urlMatches(u, path)),
        ),
      ),
    rulesFor(user, namespace) {
      const bs = mine(user);
      return {
        resourceRules: bs
          .flatMap((b) => b.rules ?? [])
          .filter((r) => r.namespaces === undefined || r.namespaces.includes(namespace))
          .map(({ namespaces: _ns, ...rest }) => rest),
        nonResourceRules: bs.flatMap((b) => b.nonResourceRules ?? []),
      };
    },
  };
}
