/** kube-apiserver's metav1.Status answers, byte-compatible with what clients (Dashboard, kubectl) parse. */
import type { ResourceAttributes } from './types.js';

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string };
  code: number;
}

/** The exact 401 body; the apiserver sends no WWW-Authenticate header with it. */
export const UNAUTHORIZED: Status = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Unauthorized',
  reason: 'Unauthorized',
  code: 401,
};

export function statusOf(code: number, reason: string, message: string, details?: Status['details']): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** responsewriters.forbiddenMessage + errors.NewForbidden for a resource request. */
export function forbidden(username: string, a: ResourceAttributes): Status {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const why = `User "${username}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}`;
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const message = a.name
    ? `${qualified} "${a.name}" is forbidden: ${why}`
    : `${qualified} is forbidden: ${why}`;
  const details = {
    ...(a.name ? { name: a.name } : {}),
    ...(a.apiGroup ? { group: a.apiGroup } : {}),
    kind: a.resource,
  };
  return statusOf(403, 'Forbidden', message, details);
}

export function forbiddenPath(username: string, verb: string, path: string): Status {
  return statusOf(403, 'Forbidden', `forbidden: User "${username}" cannot ${verb} path "${path}"`, {});
}
