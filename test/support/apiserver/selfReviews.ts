/**
 * The three self-review APIs every authenticated user may call (granted by system:basic-user), answering in the
 * apiserver's JSON shapes. Under impersonation they describe the impersonated identity, since `user` is it.
 */
import type { Rbac } from './rbac.js';
import { statusOf, type Status } from './status.js';
import type { ResourceAttributes, UserInfo } from './types.js';

export const SELF_REVIEW_PATHS = {
  subject: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
  access: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
  rules: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
} as const;

type Json = Record<string, unknown>;

/** user.Info as the API prints it: uid and extra are omitted when empty. */
export function userInfoJson(u: UserInfo): Json {
  return {
    username: u.username,
    ...(u.uid ? { uid: u.uid } : {}),
    groups: u.groups,
    ...(Object.keys(u.extra).length ? { extra: u.extra } : {}),
  };
}

function access(body: Json, user: UserInfo, rbac: Rbac): Json | Status {
  const spec = (body.spec ?? {}) as Json;
  const ra = spec.resourceAttributes as Json | undefined;
  const nra = spec.nonResourceAttributes as Json | undefined;
  let allowed: boolean;
  if (ra) {
    const attrs: ResourceAttributes = {
      verb: String(ra.verb ?? ''),
      apiGroup: String(ra.group ?? ''),
      resource: String(ra.resource ?? ''),
      namespace: String(ra.namespace ?? ''),
      ...(ra.subresource ? { subresource: String(ra.subresource) } : {}),
      ...(ra.name ? { name: String(ra.name) } : {}),
    };
    allowed = rbac.authorize(user, attrs);
  } else if (nra) {
    allowed = rbac.authorizeNonResource(user, { verb: String(nra.verb ?? ''), path: String(nra.path ?? '') });
  } else {
    return statusOf(
      422,
      'Invalid',
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec: exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  }
  const status = allowed ? { allowed: true, reason: 'RBAC: allowed by test double' } : { allowed: false };
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status,
  };
}

function rules(body: Json, user: UserInfo, rbac: Rbac): Json {
  const spec = (body.spec ?? {}) as Json;
  const namespace = typeof spec.namespace === 'string' ? spec.namespace : '';
  const { resourceRules, nonResourceRules } = rbac.rulesFor(user, namespace);
  return {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { namespace },
    status: { resourceRules, nonResourceRules, incomplete: false },
  };
}

/** The answer for a self-review POST to `path`, or undefined when `path` is not one of them. */
export function selfReview(path: string, body: Json, user: UserInfo, rbac: Rbac): Json | Status | undefined {
  if (path === SELF_REVIEW_PATHS.subject) {
    return {
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      status: { userInfo: userInfoJson(user) },
    };
  }
  if (path === SELF_REVIEW_PATHS.access) return access(body, user, rbac);
  if (path === SELF_REVIEW_PATHS.rules) return rules(body, user, rbac);
  return undefined;
}
