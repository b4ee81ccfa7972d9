/**
 * The Kubernetes features, built once at start from Options: impersonation (service-account token source and
 * identity mapping), whoami (an apiserver client and its cache) and the kubeconfig file (built once: it holds
 * no per-user data). Null when none of them is configured.
 */
import type { Options } from '../config/options.js';
import type { Logger } from '../observability/logger.js';
import type { SessionState } from '../session/types.js';
import { createApiserverClient, type ApiserverClient } from './apiserverClient.js';
import {
  createImpersonationPlan,
  kubeCredential,
  type ImpersonationPlan,
  type KubeCredential,
} from './credentials.js';
import { mapKubeIdentity, type IdentitySource, type MappingRefusal } from './impersonation.js';
import { buildKubeconfig, kubeloginScopes } from './kubeconfig.js';
import { watchTokenFile, type TokenSource } from './serviceAccountToken.js';
import { createWhoami, type Whoami, type WhoamiReport } from './whoami.js';

export interface KubeServices {
  /** Non-null under --kube-impersonation. */
  readonly impersonation: ImpersonationPlan | null;
  /** Non-null when --kube-apiserver-url is set. */
  readonly whoami: Whoami | null;
  /** The kubeconfig YAML, when --kubeconfig-client-id is set. */
  readonly kubeconfig: string | null;
  /** Why authgate will not impersonate this identity, or null (always null without impersonation). */
  refusal(identity: IdentitySource): MappingRefusal | null;
  /** How a session presents itself to the apiserver. */
  credential(session: SessionState): KubeCredential;
  /** The whoami report for a session (the caller checks `whoami` is on). */
  report(session: SessionState): Promise<WhoamiReport>;
  /**
   * Where a fresh sign-in should land: the target, or the whoami page when Kubernetes refuses the token or
   * grants nothing in any listed namespace (--kube-whoami-after-sign-in).
   */
  landing(session: SessionState, target: string): Promise<string>;
  close(): void;
}

export interface KubeDeps {
  readonly log: Logger;
  /** Interval of the token file's stat check (tests shorten it). */
  readonly tokenCheckIntervalMs?: number;
}

export function createKubeServices(options: Options, deps: KubeDeps): KubeServices | null {
  const o = options;
  if (!o.kubeImpersonation && !o.kubeApiserverUrl && !o.kubeconfigClientId) return null;
  const tokens: TokenSource | null = o.kubeImpersonation
    ? watchTokenFile(o.kubeServiceAccountTokenFile, {
        log: deps.log,
        ...(deps.tokenCheckIntervalMs ? { checkIntervalMs: deps.tokenCheckIntervalMs } : {}),
      })
    : null;
  const impersonation = tokens ? createImpersonationPlan(o, () => tokens.current()) : null;
  const client: ApiserverClient | null = o.kubeApiserverUrl
    ? createApiserverClient({ url: o.kubeApiserverUrl, caPem: o.kubeApiserverCa })
    : null;
  const whoami = client ? createWhoami({ client, namespaces: o.kubeWhoamiNamespaces }) : null;
  const kubeconfig = o.kubeconfigClientId
    ? buildKubeconfig({
        clusters: o.kubeClusters,
        issuerUrl: o.oidcIssuerUrl,
        clientId: o.kubeconfigClientId,
        extraScopes: kubeloginScopes(o.scope),
      })
    : null;
  const rules = {
    usernameClaim: o.kubeUsernameClaim,
    usernamePrefix: o.kubeUsernamePrefix,
    groupsPrefix: o.kubeGroupsPrefix,
    impersonateUid: o.kubeImpersonateUid,
    extraClaims: o.kubeExtraClaims,
  };
  const credential = (session: SessionState) => kubeCredential(impersonation, session);
  const report = (session: SessionState): Promise<WhoamiReport> => {
    if (!whoami) return Promise.reject(new Error('whoami is not configured'));
    return whoami.report(session, credential(session));
  };

  return {
    impersonation,
    whoami,
    kubeconfig,
    refusal(identity) {
      if (!impersonation) return null;
      const mapped = mapKubeIdentity(identity, rules);
      return mapped.ok ? null : mapped.refusal;
    },
    credential,
    report,
    async landing(session, target) {
      if (!whoami || !o.kubeWhoamiAfterSignIn) return target;
      let r: WhoamiReport;
      try {
        r = await report(session);
      } catch (err) {
        // The sign-in itself succeeded: a failed check never blocks it.
        deps.log.warn({ err: (err as Error).name }, 'kubernetes access check after sign-in failed');
        return target;
      }
      deps.log.debug({ state: r.state, noAccessIn: r.noAccessIn }, 'kubernetes access after sign-in');
      const stop = ['no_access', 'token_refused', 'cannot_impersonate', 'identity_refused'];
      if (!stop.includes(r.state)) return target;
      return `${o.proxyPrefix}/whoami?rd=${encodeURIComponent(target)}`;
    },
    close() {
      tokens?.close();
      client?.close();
    },
  };
}
