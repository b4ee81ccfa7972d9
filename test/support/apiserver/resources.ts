/**
 * The content the double serves once a request is authorized: version and health endpoints, discovery roots, and
 * a fixed set of objects (one pod "demo" per namespace, namespaces default and kube-system). Enough for a
 * dashboard's first page and for authgate's tests to see a real-looking apiserver answer.
 */
import { statusOf } from './status.js';
import type { ResourceAttributes } from './types.js';

type Answer = [number, unknown];

export const VERSION = {
  major: '1',
  minor: '34',
  gitVersion: 'v1.34.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-08-27T00:00:00Z',
  goVersion: 'go1.24.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const notFound = (): Answer => [
  404,
  statusOf(404, 'NotFound', 'the server could not find the requested resource', {}),
];

export function answerNonResource(path: string): Answer {
  if (path === '/version' || path === '/version/') return [200, VERSION];
  if (path === '/healthz' || path === '/livez' || path === '/readyz') return [200, 'ok'];
  if (path === '/api') {
    return [
      200,
      {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }],
      },
    ];
  }
  if (path === '/apis') return [200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] }];
  return notFound();
}

const pod = (namespace: string, name: string) => ({
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: { name, namespace, uid: `uid-${namespace}-${name}`, resourceVersion: '1' },
  spec: { containers: [{ name: 'app', image: 'registry.example/demo:1' }] },
  status: { phase: 'Running' },
});

const namespace = (name: string) => ({
  kind: 'Namespace',
  apiVersion: 'v1',
  metadata: { name },
  status: { phase: 'Active' },
});

const NAMESPACES = ['default', 'kube-system'];

export function answerResource(a: ResourceAttributes, apiVersion: string): Answer {
  const ns = a.namespace ?? '';
  if (a.resource === 'pods' && !a.subresource) {
    if (a.verb === 'list') {
      const items = (ns ? [ns] : NAMESPACES).map((n) => pod(n, 'demo'));
      return [200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items }];
    }
    if (a.verb === 'get' && a.name === 'demo') return [200, pod(ns, 'demo')];
  }
  if (a.resource === 'namespaces' && a.apiGroup === '' && !a.subresource) {
    if (a.verb === 'list') {
      return [
        200,
        {
          kind: 'NamespaceList',
          apiVersion: 'v1',
          metadata: { resourceVersion: '1' },
          items: NAMESPACES.map(namespace),
        },
      ];
    }
    if (a.verb === 'get' && a.name && NAMESPACES.includes(a.name)) return [200, namespace(a.name)];
  }
  if (a.verb === 'list')
    return [200, { kind: 'List', apiVersion, metadata: { resourceVersion: '1' }, items: [] }];
  if (a.verb === 'get' && a.name) {
    return [
      404,
      statusOf(
        404,
        'NotFound',
        `${a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource} "${a.name}" not found`,
        { name: a.name, ...(a.apiGroup ? { group: a.apiGroup } : {}), kind: a.resource },
      ),
    ];
  }
  return [
    405,
    statusOf(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}),
  ];
}
