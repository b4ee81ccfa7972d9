/**
 * Chart test helpers: a real helm binary (scripts/fetch-helm.sh), `helm template` / `helm lint`, the rendered
 * multi-document YAML parsed into objects, and offline validation of every object against the Kubernetes API
 * schema (kubernetes-models). CRDs the models do not know (ServiceMonitor, cert-manager) get structural checks.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy, Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';

export const REPO = join(import.meta.dirname, '..', '..', '..');
export const CHART = join(REPO, 'charts', 'authgate');
export const EXAMPLES = readdirSync(join(CHART, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** Values every render needs when the example does not name an existingSecret. */
export const REQUIRED_SECRETS = [
  '--set',
  'config.clientID=chart-test-client',
  '--set',
  'config.clientSecret=chart-test-client-secret',
  '--set',
  'config.cookieSecret=0123456789abcdef0123456789abcdef',
];

/** Runs scripts/fetch-helm.sh: the helm path, or the reason it could not be had. */
export function fetchHelm(): { helm: string } | { error: string } {
  const r = spawnSync('bash', [join(REPO, 'scripts', 'fetch-helm.sh')], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const path = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status === 0 && path) return { helm: path };
  return { error: `scripts/fetch-helm.sh failed (exit ${r.status}): ${r.stderr.trim().slice(-500)}` };
}

export interface HelmRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runHelm(helm: string, args: string[]): HelmRun {
  // HOME etc. pointed away from the user's helm config: the render must not depend on local repos/plugins.
  const env = {
    PATH: process.env.PATH,
    HELM_CACHE_HOME: '/nonexistent',
    HELM_CONFIG_HOME: '/nonexistent',
    HELM_DATA_HOME: '/nonexistent',
  };
  const r = spawnSync(helm, args, { encoding: 'utf8', env, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
};

/** `helm template` with the given extra args; throws with helm's stderr when it fails. */
export function render(helm: string, args: string[]): K8sObject[] {
  const r = runHelm(helm, ['template', 'authgate', CHART, '--namespace', 'auth', ...args]);
  if (r.status !== 0) throw new Error(`helm template ${args.join(' ')} failed:\n${r.stderr}`);
  return parseManifests(r.stdout);
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

type Validatable = { validate(): void };
const MODELS: Record<string, new (data: never) => Validatable> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/Secret': Secret,
  'v1/ConfigMap': ConfigMap,
  'v1/ServiceAccount': ServiceAccount,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/** CRDs outside the Kubernetes API schema: the fields their controllers require. */
const CRD_REQUIRED: Record<string, string[]> = {
  'monitoring.coreos.com/v1/ServiceMonitor': ['spec.selector', 'spec.endpoints'],
  'cert-manager.io/v1/Certificate': ['spec.secretName', 'spec.issuerRef.name'],
  'cert-manager.io/v1/Issuer': ['spec'],
};

function at(obj: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      obj,
    );
}

/** Throws naming the object when it does not validate. */
export function validateObject(obj: K8sObject): void {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const Model = MODELS[key];
  if (Model) {
    try {
      new Model(obj as never).validate();
    } catch (err) {
      throw new Error(`${key} ${obj.metadata?.name}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    return;
  }
  const required = CRD_REQUIRED[key];
  if (!required)
    throw new Error(`${key} ${obj.metadata?.name}: no schema known to the test; add it to helm.ts`);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(obj.metadata?.name ?? ''))
    throw new Error(`${key}: bad metadata.name`);
  for (const path of required) {
    if (at(obj, path) === undefined) throw new Error(`${key} ${obj.metadata.name}: ${path} is missing`);
  }
}

export function find(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function one(objects: K8sObject[], kind: string): K8sObject {
  const found = find(objects, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, got ${found.length}`);
  return found[0] as K8sObject;
}

export interface Container {
  name: string;
  args: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  securityContext: Record<string, unknown>;
  livenessProbe?: { httpGet: { path: string; port: string } };
  readinessProbe?: { httpGet: { path: string; port: string } };
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface PodSpec {
  containers: Container[];
  volumes?: {
    name: string;
    secret?: { secretName: string; items?: { key: string; path: string }[] };
    configMap?: { name: string; items?: { key: string; path: string }[] };
  }[];
  automountServiceAccountToken?: boolean;
  enableServiceLinks?: boolean;
  securityContext: Record<string, unknown>;
  serviceAccountName: string;
}

export function podOf(objects: K8sObject[]): { spec: PodSpec; annotations: Record<string, string> } {
  const template = at(one(objects, 'Deployment'), 'spec.template') as {
    spec: PodSpec;
    metadata: { annotations: Record<string, string> };
  };
  return { spec: template.spec, annotations: template.metadata.annotations };
}

export function authgateContainer(objects: K8sObject[]): Container {
  const c = podOf(objects).spec.containers.find((x) => x.name === 'authgate');
  if (!c) throw new Error('no authgate container');
  return c;
}
