/**
 * kube-apiserver's impersonation filter: Impersonate-User, one Impersonate-Group header per group,
 * Impersonate-Uid and Impersonate-Extra-<key> (key lower-cased and percent-decoded). Each requested value is
 * authorized on its own with verb `impersonate` (users / groups / serviceaccounts in API group "", uids and
 * userextras/<key> in authentication.k8s.io); groups, uid or extra without a user is a 400.
 */
import type { Rbac } from './rbac.js';
import { forbidden, statusOf, type Status } from './status.js';
import type { ResourceAttributes, UserInfo } from './types.js';

export type ImpersonationResult =
  { kind: 'none' } | { kind: 'user'; user: UserInfo } | { kind: 'error'; status: Status };

const EXTRA_PREFIX = 'impersonate-extra-';

/** True for the headers the filter consumes (removed before handlers run on success). */
export function isImpersonationHeader(name: string): boolean {
  const n = name.toLowerCase();
  return (
    n === 'impersonate-user' ||
    n === 'impersonate-group' ||
    n === 'impersonate-uid' ||
    n.startsWith(EXTRA_PREFIX)
  );
}

function checks(
  user: string | undefined,
  groups: string[],
  uid: string | undefined,
  extra: Record<string, string[]>,
) {
  const list: ResourceAttributes[] = [];
  if (user !== undefined) {
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
    list.push(
      sa
        ? { verb: 'impersonate', apiGroup: '', resource: 'serviceaccounts', namespace: sa[1], name: sa[2] }
        : { verb: 'impersonate', apiGroup: '', resource: 'users', name: user },
    );
  }
  for (const g of groups) list.push({ verb: 'impersonate', apiGroup: '', resource: 'groups', name: g });
  if (uid !== undefined)
    list.push({ verb: 'impersonate', apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
  for (const [key, values] of Object.entries(extra)) {
    for (const v of values) {
      list.push({
        verb: 'impersonate',
        apiGroup: 'authentication.k8s.io',
        resource: 'userextras',
        subresource: key,
        name: v,
      });
    }
  }
  return list;
}

export function impersonate(
  requester: UserInfo,
  headers: NodeJS.Dict<string[]>,
  rbac: Rbac,
): ImpersonationResult {
  const user = headers['impersonate-user']?.[0];
  const groups = headers['impersonate-group'] ?? [];
  const uid = headers['impersonate-uid']?.[0];
  const extra: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(headers)) {
    if (!name.startsWith(EXTRA_PREFIX) || !values) continue;
    const key = decodeURIComponent(name.slice(EXTRA_PREFIX.length)).toLowerCase();
    extra[key] = [...(extra[key] ?? []), ...values];
  }
  if (user === undefined && groups.length === 0 && uid === undefined && Object.keys(extra).length === 0) {
    return { kind: 'none' };
  }
  if (user === undefined) {
    return {
      kind: 'error',
      status: statusOf(
        400,
        'BadRequest',
        'requested impersonation of groups, uid or extra without impersonating a user',
      ),
    };
  }
  for (const attrs of checks(user, groups, uid, extra)) {
    if (!rbac.authorize(requester, attrs))
      return { kind: 'error', status: forbidden(requester.username, attrs) };
  }
  const sa = /^system:serviceaccount:([^:]+):/.exec(user);
  const implied = sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`] : [];
  const authenticated = user === 'system:anonymous' ? ['system:unauthenticated'] : ['system:authenticated'];
  const allGroups = [...new Set([...groups, ...implied, ...authenticated])];
  return {
    kind: 'user',
    user: { username: user, ...(uid !== undefined ? { uid } : {}), groups: allGroups, extra },
  };
}

/** Header values one per header line, as Go's http.Header keeps them (Node would join repeats with ', '). */
export function distinctHeaders(raw: string[]): NodeJS.Dict<string[]> {
  const out: NodeJS.Dict<string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    (out[name] ??= []).push(raw[i + 1] ?? '');
  }
  return out;
}
