/**
 * Turns a request into authorization attributes the way k8s.io/apiserver's RequestInfoFactory does, for the
 * paths the double serves: /api/v1/... and /apis/<group>/<version>/..., namespaced or not, with name and
 * subresource; everything else is a non-resource request.
 */
import type { NonResourceAttributes, ResourceAttributes } from './types.js';

export type RequestInfo =
  | { kind: 'resource'; attrs: ResourceAttributes; apiVersion: string }
  | { kind: 'nonResource'; attrs: NonResourceAttributes };

const VERB_BY_METHOD: Record<string, string> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

export function requestInfo(method: string, url: URL): RequestInfo {
  const segs = url.pathname.split('/').filter(Boolean);
  const nonResource = (): RequestInfo => ({
    kind: 'nonResource',
    attrs: { verb: method.toLowerCase(), path: url.pathname },
  });
  let apiGroup: string;
  let apiVersion: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) {
    apiGroup = '';
    apiVersion = segs[1] ?? 'v1';
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 4) {
    apiGroup = segs[1] ?? '';
    apiVersion = `${segs[1]}/${segs[2]}`;
    rest = segs.slice(3);
  } else {
    return nonResource();
  }
  let namespace = '';
  // namespaces/<ns>/<resource>... is namespaced; namespaces/<ns> alone is the namespace object itself.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1] ?? '';
    rest = rest.slice(2);
  }
  const [resource = '', name, subresource] = rest;
  let verb = VERB_BY_METHOD[method] ?? 'get';
  if (method === 'GET' || method === 'HEAD')
    verb = name ? 'get' : url.searchParams.get('watch') === 'true' ? 'watch' : 'list';
  if (method === 'DELETE' && !name) verb = 'deletecollection';
  const attrs: ResourceAttributes = { verb, apiGroup, resource, namespace };
  if (rest[0] === 'namespaces' && name) attrs.namespace = name;
  if (name) attrs.name = name;
  if (subresource) attrs.subresource = subresource;
  return { kind: 'resource', attrs, apiVersion };
}
