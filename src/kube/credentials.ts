/**
 * How a session presents itself to Kubernetes: in bearer mode its ID token; under impersonation authgate's
 * service-account token plus the Impersonate-* headers of the mapped identity. The mapping is memoised per
 * session object; the service-account token is NOT part of the memo, because it rotates.
 */
import type { Options } from '../config/options.js';
import type { SessionState } from '../session/types.js';
import {
  impersonationHeaders,
  mapKubeIdentity,
  type HeaderEntry,
  type KubeIdentity,
  type MappingRefusal,
} from './impersonation.js';

export type KubeCredential =
  | { readonly kind: 'headers'; readonly headers: HeaderEntry[] }
  | { readonly kind: 'refused'; readonly refusal: MappingRefusal }
  /** Bearer mode without an ID token (e.g. GitHub): nothing Kubernetes could check. */
  | { readonly kind: 'none' };

export interface ImpersonationPlan {
  /** The Impersonate-* headers for a session (memoised), or why it cannot be impersonated. */
  headersFor(
    session: SessionState,
  ): { ok: true; identity: KubeIdentity; headers: HeaderEntry[] } | { ok: false; refusal: MappingRefusal };
  /** authgate's current service-account token. */
  token(): string;
}

export function createImpersonationPlan(options: Options, token: () => string): ImpersonationPlan {
  const rules = {
    usernameClaim: options.kubeUsernameClaim,
    usernamePrefix: options.kubeUsernamePrefix,
    groupsPrefix: options.kubeGroupsPrefix,
    impersonateUid: options.kubeImpersonateUid,
    extraClaims: options.kubeExtraClaims,
  };
  const memo = new WeakMap<SessionState, ReturnType<ImpersonationPlan['headersFor']>>();
  return {
    headersFor(session) {
      let hit = memo.get(session);
      if (!hit) {
        const mapped = mapKubeIdentity(session, rules);
        hit = mapped.ok
          ? { ok: true, identity: mapped.identity, headers: impersonationHeaders(mapped.identity) }
          : { ok: false, refusal: mapped.refusal };
        memo.set(session, hit);
      }
      return hit;
    },
    token,
  };
}

/** The headers that present `session` to the apiserver (for whoami), in the mode authgate runs in. */
export function kubeCredential(plan: ImpersonationPlan | null, session: SessionState): KubeCredential {
  if (plan) {
    const mapped = plan.headersFor(session);
    if (!mapped.ok) return { kind: 'refused', refusal: mapped.refusal };
    return { kind: 'headers', headers: [['authorization', `Bearer ${plan.token()}`], ...mapped.headers] };
  }
  if (!session.idToken) return { kind: 'none' };
  return { kind: 'headers', headers: [['authorization', `Bearer ${session.idToken}`]] };
}
