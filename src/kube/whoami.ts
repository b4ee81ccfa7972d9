/**
 * "Who am I, and what may I do": asks kube-apiserver, with the user's own identity, how it mapped them
 * (SelfSubjectReview) and what they may do in each listed namespace (SelfSubjectRulesReview, plus a few
 * SelfSubjectAccessReviews for the actions a dashboard user needs most), and sums it up for a page.
 * Results are cached per session for a short while: the page and the after-sign-in check share them.
 */
import type { SessionState } from '../session/types.js';
import {
  ApiserverUnavailable,
  type ApiAnswer,
  type ApiserverClient,
  type ResourceCheck,
} from './apiserverClient.js';
import type { KubeCredential } from './credentials.js';
import { summariseRules, type ResourceRule } from './rules.js';

export type WhoamiState =
  /** The apiserver accepts the identity and grants something in at least one listed namespace. */
  | 'ok'
  /** Accepted, but nothing beyond the basic discovery rules anywhere listed. */
  | 'no_access'
  /** 401: the apiserver does not accept the token (issuer, client id or prefixes differ from its configuration). */
  | 'token_refused'
  /** 403 on the review itself: under impersonation, authgate's service account may not impersonate this identity. */
  | 'cannot_impersonate'
  /** authgate itself refuses to impersonate this identity (e.g. a system: name). */
  | 'identity_refused'
  /** No credential to present (bearer mode without an ID token). */
  | 'no_credential'
  /** The apiserver did not answer (network, timeout, 5xx). */
  | 'unavailable';

export interface ActionCheck {
  readonly action: string;
  readonly allowed: boolean;
}

export interface NamespaceAccess {
  readonly namespace: string;
  /** Human-readable rules beyond the basic ones, e.g. "get, list, watch: pods, services". */
  readonly rules: readonly string[];
  readonly checks: readonly ActionCheck[];
  readonly hasAccess: boolean;
  /** The apiserver said its rule list is incomplete (webhook authorizers): the checks are authoritative. */
  readonly incomplete: boolean;
}

export interface WhoamiReport {
  readonly state: WhoamiState;
  /** The user name as the apiserver mapped it ('' when it did not say). */
  readonly user: string;
  readonly groups: readonly string[];
  readonly namespaces: readonly NamespaceAccess[];
  /** Listed namespaces where nothing beyond discovery is granted. */
  readonly noAccessIn: readonly string[];
  /** A safe explanation for the non-ok states (no tokens). */
  readonly detail: string;
}

/** The actions whose answer a dashboard user most needs, checked with SelfSubjectAccessReview. */
export const ACTION_CHECKS: ReadonlyArray<{ label: string; check: ResourceCheck }> = [
  { label: 'list pods', check: { verb: 'list', group: '', resource: 'pods' } },
  { label: 'read pod logs', check: { verb: 'get', group: '', resource: 'pods', subresource: 'log' } },
  { label: 'exec into pods', check: { verb: 'create', group: '', resource: 'pods', subresource: 'exec' } },
  { label: 'list deployments', check: { verb: 'list', group: 'apps', resource: 'deployments' } },
];

export interface Whoami {
  report(session: SessionState, credential: KubeCredential): Promise<WhoamiReport>;
}

export function createWhoami(opts: {
  readonly client: ApiserverClient;
  readonly namespaces: readonly string[];
  readonly ttlMs?: number;
  readonly maxEntries?: number;
  readonly nowMs?: () => number;
}): Whoami {
  const ttl = opts.ttlMs ?? 30_000;
  const max = opts.maxEntries ?? 5000;
  const nowMs = opts.nowMs ?? Date.now;
  const cache = new Map<string, { until: number; report: Promise<WhoamiReport> }>();

  const ask = async (credential: KubeCredential): Promise<WhoamiReport> => {
    if (credential.kind === 'none') {
      return failed('no_credential', 'The sign-in carries no token Kubernetes could check.');
    }
    if (credential.kind === 'refused') return failed('identity_refused', credential.refusal.detail);
    try {
      return await review(opts.client, credential.headers, opts.namespaces);
    } catch (err) {
      if (err instanceof ApiserverUnavailable) return failed('unavailable', err.message);
      throw err;
    }
  };

  return {
    report(session, credential) {
      // Keyed by the sign-in and its last refresh: stable across cookie re-reads, new after a refresh.
      const key = `${session.sub}\0${session.createdAt}\0${session.refreshedAt}`;
      const now = nowMs();
      const hit = cache.get(key);
      if (hit && hit.until > now) return hit.report;
      const report = ask(credential);
      cache.delete(key);
      cache.set(key, { until: now + ttl, report });
      // An unreachable apiserver is asked again next time rather than remembered.
      void report.then(
        (r) => r.state === 'unavailable' && cache.delete(key),
        () => cache.delete(key),
      );
      while (cache.size > max) cache.delete(cache.keys().next().value as string);
      return report;
    },
  };
}

function failed(state: WhoamiState, detail: string): WhoamiReport {
  return { state, user: '', groups: [], namespaces: [], noAccessIn: [], detail };
}

type Auth = Parameters<ApiserverClient['selfSubjectReview']>[0];

async function review(
  client: ApiserverClient,
  auth: Auth,
  namespaces: readonly string[],
): Promise<WhoamiReport> {
  const self = await client.selfSubjectReview(auth);
  const refusal = refusalOf(self);
  if (refusal) return refusal;
  const userInfo = obj(obj(self.body?.status)?.userInfo);
  // Before 1.28 (or with the API off) there is no SelfSubjectReview: the rest still works.
  const user = self.status === 404 ? '' : str(userInfo?.username);
  const groups = self.status === 404 ? [] : strings(userInfo?.groups);

  const perNamespace = await Promise.all(
    namespaces.map(async (namespace): Promise<NamespaceAccess | WhoamiReport> => {
      const [rules, ...checks] = await Promise.all([
        client.rulesReview(auth, namespace),
        ...ACTION_CHECKS.map((a) => client.accessReview(auth, namespace, a.check)),
      ]);
      for (const answer of [rules, ...checks]) {
        const r = refusalOf(answer);
        if (r) return r;
      }
      const status = obj(rules?.body?.status);
      const summary = summariseRules(resourceRules(status?.resourceRules));
      const actionChecks = ACTION_CHECKS.map((a, i) => ({
        action: a.label,
        allowed: obj(checks[i]?.body?.status)?.allowed === true,
      }));
      return {
        namespace,
        rules: summary,
        checks: actionChecks,
        hasAccess: summary.length > 0 || actionChecks.some((c) => c.allowed),
        incomplete: status?.incomplete === true,
      };
    }),
  );
  const stop = perNamespace.find((n): n is WhoamiReport => 'state' in n);
  if (stop) return stop;
  const access = perNamespace as NamespaceAccess[];
  const noAccessIn = access.filter((n) => !n.hasAccess).map((n) => n.namespace);
  const state = access.length > 0 && noAccessIn.length === access.length ? 'no_access' : 'ok';
  return { state, user, groups, namespaces: access, noAccessIn, detail: '' };
}

/** A review answer that ends the report: 401, 403 (impersonation refused), or a server error. */
function refusalOf(a: ApiAnswer): WhoamiReport | null {
  if (a.status === 201 || a.status === 200 || a.status === 404) return null;
  if (a.status === 401) {
    return failed(
      'token_refused',
      "The Kubernetes apiserver does not accept this sign-in's token: its issuer, client id or claim mapping differs from the cluster's configuration.",
    );
  }
  const message = str(a.body?.message).slice(0, 300);
  if (a.status === 403)
    return failed('cannot_impersonate', message || 'The apiserver refused the request (403).');
  return failed('unavailable', `The Kubernetes apiserver answered ${a.status}.`);
}

function resourceRules(value: unknown): ResourceRule[] {
  if (!Array.isArray(value)) return [];
  return value.map((r) => {
    const o = obj(r) ?? {};
    return {
      verbs: strings(o.verbs),
      apiGroups: strings(o.apiGroups),
      resources: strings(o.resources),
      resourceNames: strings(o.resourceNames),
    };
  });
}

const obj = (v: unknown): Record<string, unknown> | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
