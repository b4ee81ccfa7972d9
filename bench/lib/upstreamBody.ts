/** The upstream's fixed answer (~200 bytes of JSON), also what proxied scenarios must return. */
export const UPSTREAM_BODY = JSON.stringify({
  kind: 'NamespaceList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '81272361' },
  items: [
    { name: 'default', status: 'Active' },
    { name: 'kube-system', status: 'Active' },
    { name: 'monitoring', status: 'Active' },
  ],
  note: 'fixed body served by the authgate benchmark upstream',
});
