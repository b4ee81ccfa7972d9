/**
 * Each example values file, rendered: the objects its scenario needs are there and say what the example
 * promises; and the configuration the pod would start with (container args + environment from the Secret +
 * the mounted config file and mounted certificates) passes authgate's own configuration loader.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadOptions } from '../../../src/config/load.js';
import { describeWithBinary } from '../../support/processes.js';
import {
  CHART,
  EXAMPLES,
  REQUIRED_SECRETS,
  authgateContainer,
  fetchHelm,
  find,
  one,
  podOf,
  render,
  runHelm,
  type K8sObject,
} from './helm.js';

const fetched = fetchHelm();
const helm = 'helm' in fetched ? fetched.helm : '';
const example = (file: string): K8sObject[] => render(helm, ['-f', join(CHART, 'examples', file)]);

/** What existingSecret would hold in the cluster: the test's stand-ins. */
const EXISTING_SECRET_VALUES: Record<string, string> = {
  'client-id': 'example-client',
  'client-secret': 'example-client-secret',
  'cookie-secret': 'abcdefghijklmnopqrstuvwxyz012345',
  'redis-password': 'example-redis-password',
};

/** A throwaway self-signed certificate and key: what ca.crt / tls.crt / tls.key hold in the cluster. */
function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'authgate-chart-ca-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=chart test CA',
        '-keyout',
        join(dir, 'ca.key'),
        '-out',
        join(dir, 'ca.crt'),
      ],
      { stdio: 'ignore' },
    );
    return {
      cert: readFileSync(join(dir, 'ca.crt'), 'utf8'),
      key: readFileSync(join(dir, 'ca.key'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const PEM = selfSigned();

/** The problems authgate's loader finds in the configuration the rendered pod would start with. */
function loaderProblems(objects: K8sObject[]): string[] {
  const c = authgateContainer(objects);
  const chartSecret = find(objects, 'Secret')[0] as
    (K8sObject & { data: Record<string, string> }) | undefined;
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (e.value !== undefined) env[e.name] = e.value;
    else if (
      ref &&
      chartSecret &&
      ref.name === chartSecret.metadata.name &&
      chartSecret.data[ref.key] !== undefined
    ) {
      env[e.name] = Buffer.from(chartSecret.data[ref.key] ?? '', 'base64').toString('utf8');
    } else if (ref) env[e.name] = EXISTING_SECRET_VALUES[ref.key] ?? `secret-${ref.key}`;
  }
  const cm = one(objects, 'ConfigMap') as K8sObject & { data: Record<string, string> };
  const files: Record<string, string> = { '/etc/authgate/authgate.yaml': cm.data['authgate.yaml'] ?? '' };
  for (const mount of c.volumeMounts ?? []) {
    const volume = podOf(objects).spec.volumes?.find((v) => v.name === mount.name);
    // A certificate volume: the whole Secret (tls.crt, tls.key) or only the listed items.
    const items = volume?.secret?.items ?? volume?.configMap?.items;
    const paths = items ? items.map((i) => i.path) : volume?.secret ? ['tls.crt', 'tls.key', 'ca.crt'] : [];
    for (const path of paths) {
      if (/\.(crt|key)$/.test(path))
        files[`${mount.mountPath}/${path}`] = path.endsWith('.key') ? PEM.key : PEM.cert;
    }
  }
  if (podOf(objects).spec.automountServiceAccountToken) {
    // What kubelet mounts for the pod's ServiceAccount.
    files['/var/run/secrets/kubernetes.io/serviceaccount/token'] = 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln';
  }
  try {
    loadOptions({
      argv: c.args,
      env,
      readFile: (path) => {
        const text = files[path];
        if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
        return text;
      },
    });
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => `${p.flag}: ${p.message}`);
  }
}

describeWithBinary({ describe, it }, 'helm', helm !== '', 'Helm chart examples', () => {
  it('covers the five documented scenarios', () => {
    expect(EXAMPLES).toEqual([
      'central.yaml',
      'headlamp.yaml',
      'impersonation.yaml',
      'kubernetes-dashboard.yaml',
      'redis-ha.yaml',
    ]);
  });

  it.each([['default values'], ...EXAMPLES.map((f) => [f])])(
    '%s: authgate accepts the configuration',
    (name) => {
      const objects = name === 'default values' ? render(helm, REQUIRED_SECRETS) : example(name);
      expect(loaderProblems(objects)).toEqual([]);
    },
  );

  it('https: serves TLS from a mounted kubernetes.io/tls Secret (a directory, so rotations reach the pod)', () => {
    const objects = render(helm, [
      ...REQUIRED_SECRETS,
      '--set',
      'https.enabled=true',
      '--set',
      'https.existingSecret=authgate-tls',
    ]);
    const c = authgateContainer(objects);
    expect(c.args).toEqual(
      expect.arrayContaining([
        '--https-address=0.0.0.0:4443',
        '--tls-cert-file=/etc/authgate/tls/tls.crt',
        '--tls-key-file=/etc/authgate/tls/tls.key',
      ]),
    );
    const mount = c.volumeMounts?.find((m) => m.name === 'tls') as { mountPath: string; subPath?: string };
    expect(mount).toEqual({ name: 'tls', mountPath: '/etc/authgate/tls', readOnly: true });
    expect(loaderProblems(objects)).toEqual([]);
    const missing = runHelm(helm, [
      'template',
      'authgate',
      CHART,
      ...REQUIRED_SECRETS,
      '--set',
      'https.enabled=true',
    ]);
    expect(missing.stderr).toContain('https.existingSecret');
  });

  it('kubernetes-dashboard: trusts the cert-manager CA for Kong, mounting only ca.crt', () => {
    const objects = example('kubernetes-dashboard.yaml');
    const c = authgateContainer(objects);
    expect(c.args).toContain('--upstream-ca=/etc/authgate/upstream-ca/ca.crt');
    expect(c.args.some((a) => a.startsWith('--ssl-upstream-insecure-skip-verify'))).toBe(false);
    const vol = podOf(objects).spec.volumes?.find((v) => v.name === 'upstream-ca');
    expect(vol?.secret).toEqual({ secretName: 'dashboard-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] });
    const kinds = find(objects, 'Certificate')
      .concat(find(objects, 'Issuer'))
      .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds.sort()).toEqual([
      'Certificate/dashboard-ca',
      'Issuer/dashboard-ca',
      'Issuer/dashboard-ca-bootstrap',
    ]);
    expect(one(objects, 'Certificate')).toMatchObject({ spec: { isCA: true, secretName: 'dashboard-ca' } });
  });

  it('headlamp: passes the raw ID token in X-Forwarded-Id-Token', () => {
    expect(authgateContainer(example('headlamp.yaml')).args).toContain(
      '--pass-id-token-header=X-Forwarded-Id-Token',
    );
  });

  it('central: cookie domain and whitelisted subdomains in the config file, /oauth2 on auth.example.com', () => {
    const objects = example('central.yaml');
    const config = (one(objects, 'ConfigMap') as K8sObject & { data: Record<string, string> }).data[
      'authgate.yaml'
    ];
    expect(config).toContain('cookie-domains: [".example.com"]');
    expect(config).toContain('whitelist-domains:');
    expect(one(objects, 'Ingress')).toMatchObject({
      spec: { rules: [{ host: 'auth.example.com', http: { paths: [{ path: '/oauth2' }] } }] },
    });
  });

  it('redis-ha: 3+ replicas, Redis through Sentinel with the password from a Secret, PDB, HPA, ServiceMonitor', () => {
    const objects = example('redis-ha.yaml');
    const c = authgateContainer(objects);
    expect(c.args).toEqual(
      expect.arrayContaining([
        '--session-store-type=redis',
        '--redis-use-sentinel=true',
        '--redis-sentinel-master-name=mymaster',
        '--redis-sentinel-connection-urls=redis://redis-node-0.redis-headless.redis.svc:26379',
      ]),
    );
    expect(c.args.filter((a) => a.startsWith('--redis-sentinel-connection-urls='))).toHaveLength(3);
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.valueFrom?.secretKeyRef]));
    expect(env.AUTHGATE_REDIS_PASSWORD).toEqual({ name: 'redis', key: 'redis-password' });
    expect(env.AUTHGATE_REDIS_SENTINEL_PASSWORD).toEqual({ name: 'redis', key: 'redis-password' });
    expect(one(objects, 'HorizontalPodAutoscaler')).toMatchObject({
      spec: { minReplicas: 3, maxReplicas: 9 },
    });
    expect(one(objects, 'PodDisruptionBudget')).toMatchObject({ spec: { maxUnavailable: 1 } });
    expect(
      (one(objects, 'Deployment') as K8sObject & { spec: Record<string, unknown> }).spec.replicas,
    ).toBeUndefined();
    expect(find(objects, 'ServiceMonitor')).toHaveLength(1);
    const egress = (
      one(objects, 'NetworkPolicy') as K8sObject & { spec: { egress: { ports?: { port: number }[] }[] } }
    ).spec.egress;
    expect(egress.some((r) => r.ports?.some((p) => p.port === 26379))).toBe(true);
  });

  it('impersonation: token mounted, ClusterRole limited to users, groups and the configured extras', () => {
    const objects = example('impersonation.yaml');
    expect(authgateContainer(objects).args).toEqual(
      expect.arrayContaining(['--kube-impersonation=true', '--kube-extra-claim=scopes=scp']),
    );
    expect(podOf(objects).spec.automountServiceAccountToken).toBe(true);
    const role = one(objects, 'ClusterRole') as K8sObject & {
      rules: { resources: string[]; verbs: string[] }[];
    };
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] },
      { apiGroups: ['authentication.k8s.io'], resources: ['userextras/scopes'], verbs: ['impersonate'] },
    ]);
    const binding = one(objects, 'ClusterRoleBinding') as K8sObject & { subjects: unknown[] };
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'authgate', namespace: 'auth' }]);
    for (const other of EXAMPLES.filter((f) => f !== 'impersonation.yaml')) {
      expect({ other, roles: find(example(other), 'ClusterRole').length }).toEqual({ other, roles: 0 });
    }
  });

  it('network policies admit only the ingress controller and reach only what the example names', () => {
    for (const file of EXAMPLES.filter((f) => f !== 'central.yaml')) {
      const np = one(example(file), 'NetworkPolicy') as K8sObject & {
        spec: { policyTypes: string[]; ingress: { from: unknown[] }[]; egress: { to?: unknown[] }[] };
      };
      expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(np.spec.ingress[0]?.from).toEqual([
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
        },
      ]);
      // An egress rule without `to` would allow every destination.
      for (const rule of np.spec.egress) expect((rule.to ?? []).length).toBeGreaterThan(0);
    }
    expect(find(example('central.yaml'), 'NetworkPolicy')).toEqual([]);
  });
});
