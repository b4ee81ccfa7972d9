/**
 * The Helm chart, rendered by a real helm (fetched by scripts/fetch-helm.sh) without a cluster: lint, the
 * default values and every example render, every object validates against the Kubernetes API schema, and the
 * properties that matter for security and operations are what the values say. helm is fetched at module load
 * (not in beforeAll) so that a missing helm can turn the suite into one loud failure under CI=true.
 */
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
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
  validateObject,
  type K8sObject,
} from './helm.js';

const fetched = fetchHelm();
const helm = 'helm' in fetched ? fetched.helm : '';
if ('error' in fetched) console.warn(fetched.error);

const defaults = (...more: string[]): K8sObject[] =>
  helm ? render(helm, [...REQUIRED_SECRETS, ...more]) : [];
const example = (file: string, ...more: string[]): K8sObject[] =>
  render(helm, ['-f', join(CHART, 'examples', file), ...more]);

describeWithBinary({ describe, it }, 'helm', helm !== '', 'Helm chart charts/authgate', () => {
  it('passes helm lint --strict with the required values', () => {
    const r = runHelm(helm, ['lint', '--strict', CHART, ...REQUIRED_SECRETS]);
    expect(r.stderr + r.stdout).toContain('0 chart(s) failed');
    expect(r.status).toBe(0);
  });

  it('refuses to render without the client id, client secret and cookie secret, naming them', () => {
    const r = runHelm(helm, ['template', 'authgate', CHART]);
    expect(r.status).not.toBe(0);
    for (const key of ['clientID', 'clientSecret', 'cookieSecret']) expect(r.stderr).toContain(key);
    const withSecret = runHelm(helm, ['template', 'authgate', CHART, '--set', 'config.existingSecret=mine']);
    expect(withSecret.status).toBe(0);
  });

  it.each([
    ['replicaCount', 'three'],
    ['sessionStorage.type', 'memcached'],
    ['sessionStorage.redis.clientType', 'master'],
    ['service.port', '0'],
    ['image.pullPolicy', 'Sometimes'],
  ])('values.schema.json rejects %s=%s', (key, value) => {
    const r = runHelm(helm, [
      'template',
      'authgate',
      CHART,
      ...REQUIRED_SECRETS,
      '--set-string',
      `${key}=${value}`,
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`/${key.replace(/\./g, '/')}`);
  });

  it('refuses a config file that is not YAML, or that holds a secret', () => {
    const notYaml = runHelm(helm, [
      'template',
      'authgate',
      CHART,
      ...REQUIRED_SECRETS,
      '--set',
      'config.configFile=a: [b',
    ]);
    expect(notYaml.status).not.toBe(0);
    expect(notYaml.stderr).toContain('config.configFile is not a valid YAML mapping');
    const secret = runHelm(helm, [
      'template',
      'authgate',
      CHART,
      ...REQUIRED_SECRETS,
      '--set',
      'config.configFile=client-secret: x',
    ]);
    expect(secret.status).not.toBe(0);
    expect(secret.stderr).toContain('secrets belong in the Secret');
  });

  it.each([['default values'], ...EXAMPLES.map((f) => [f])])('%s: every object validates', (name) => {
    const objects = name === 'default values' ? defaults() : example(name);
    expect(objects.length).toBeGreaterThanOrEqual(5);
    for (const obj of objects) expect(() => validateObject(obj)).not.toThrow();
    // Everything the chart makes carries its labels (extraObjects are the user's own).
    for (const obj of objects.filter((o) => !o.apiVersion.startsWith('cert-manager.io'))) {
      expect(obj.metadata.labels?.['app.kubernetes.io/instance']).toBe('authgate');
    }
  });

  it('the default pod runs non-root, read-only, with no privilege, no capability and no token', () => {
    const objects = defaults();
    const { spec } = podOf(objects);
    const c = authgateContainer(objects);
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.enableServiceLinks).toBe(false);
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/ping', port: 'http' });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(find(objects, 'ClusterRole')).toEqual([]);
    expect(find(objects, 'NetworkPolicy')).toEqual([]);
    expect(find(objects, 'ServiceMonitor')).toEqual([]);
    expect(find(objects, 'Ingress')).toEqual([]);
  });

  it('passes secrets through the environment from the Secret, never as args', () => {
    const objects = defaults();
    const c = authgateContainer(objects);
    const refs = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.valueFrom?.secretKeyRef]));
    expect(refs).toMatchObject({
      AUTHGATE_CLIENT_ID: { name: 'authgate', key: 'client-id' },
      AUTHGATE_CLIENT_SECRET: { name: 'authgate', key: 'client-secret' },
      AUTHGATE_COOKIE_SECRET: { name: 'authgate', key: 'cookie-secret' },
    });
    expect(c.args.join(' ')).not.toMatch(/chart-test-client-secret|0123456789abcdef/);
    const secret = one(objects, 'Secret') as K8sObject & { data: Record<string, string> };
    expect(Buffer.from(secret.data['client-secret'] ?? '', 'base64').toString()).toBe(
      'chart-test-client-secret',
    );
    const cm = one(objects, 'ConfigMap') as K8sObject & { data: Record<string, string> };
    expect(JSON.stringify(cm.data)).not.toContain('chart-test-client-secret');
  });

  it('uses config.existingSecret instead of creating a Secret', () => {
    const objects = render(helm, ['--set', 'config.existingSecret=corp-oidc']);
    expect(find(objects, 'Secret')).toEqual([]);
    const names = (authgateContainer(objects).env ?? []).map((e) => e.valueFrom?.secretKeyRef?.name);
    expect(new Set(names)).toEqual(new Set(['corp-oidc']));
    expect(podOf(objects).annotations['checksum/secret']).toBeUndefined();
  });

  it('changes the checksum/config annotation when the config file changes, and only then', () => {
    const a = podOf(defaults()).annotations['checksum/config'];
    const same = podOf(defaults('--set', 'replicaCount=2')).annotations['checksum/config'];
    const b = podOf(defaults('--set', 'config.configFile=email-domains: [example.org]')).annotations[
      'checksum/config'
    ];
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(same).toBe(a);
    expect(b).not.toBe(a);
  });

  it('builds the args from the values: addresses, metrics, reverse proxy, extraArgs', () => {
    const args = authgateContainer(
      defaults(
        '--set',
        'extraArgs.upstream-timeout=60s',
        '--set',
        'extraArgs.skip-provider-button=true',
        '--set',
        'metrics.port=9100',
      ),
    ).args;
    expect(args).toEqual([
      '--config=/etc/authgate/authgate.yaml',
      '--http-address=0.0.0.0:4180',
      '--metrics-address=0.0.0.0:9100',
      '--reverse-proxy=true',
      '--skip-provider-button=true',
      '--upstream-timeout=60s',
    ]);
    const noMetrics = defaults('--set', 'metrics.enabled=false');
    expect(authgateContainer(noMetrics).args.some((a) => a.startsWith('--metrics-address'))).toBe(false);
    const svcPorts = (one(noMetrics, 'Service') as K8sObject & { spec: { ports: { name: string }[] } }).spec
      .ports;
    expect(svcPorts.map((p) => p.name)).toEqual(['http']);
  });

  it('renders the ServiceMonitor only when asked, pointing at the metrics port', () => {
    expect(find(defaults('--set', 'metrics.serviceMonitor.enabled=false'), 'ServiceMonitor')).toEqual([]);
    const sm = one(defaults('--set', 'metrics.serviceMonitor.enabled=true'), 'ServiceMonitor');
    expect(sm).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1',
      spec: { endpoints: [{ port: 'metrics', path: '/metrics' }] },
    });
    expect(
      find(
        defaults('--set', 'metrics.enabled=false', '--set', 'metrics.serviceMonitor.enabled=true'),
        'ServiceMonitor',
      ),
    ).toEqual([]);
  });
});
