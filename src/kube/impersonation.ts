/**
 * Who authgate tells Kubernetes the user is, under impersonation: a pure mapping from a session to the
 * Impersonate-* headers kube-apiserver reads (Impersonate-User, one Impersonate-Group line per group,
 * Impersonate-Uid, Impersonate-Extra-<key>). The user name and groups get the same prefixes the apiserver's own
 * --oidc-username-prefix / --oidc-groups-prefix would give, so RBAC bindings written for bearer mode still match.
 */
import type { KubeExtraClaim, KubeUsernameClaim } from '../config/options.js';
import { utf8HeaderValue } from '../proxy/headerValue.js';
import { idTokenClaims } from '../session/idTokenClaims.js';

export interface KubeIdentityRules {
  readonly usernameClaim: KubeUsernameClaim;
  /** Effective prefix ('' = none), already resolved from the flags. */
  readonly usernamePrefix: string;
  readonly groupsPrefix: string;
  readonly impersonateUid: boolean;
  readonly extraClaims: readonly KubeExtraClaim[];
}

/** What the mapping reads: the session's identity fields (GitHub sessions have no ID token). */
export interface IdentitySource {
  readonly sub: string;
  readonly email: string;
  readonly emailVerified: boolean | null;
  readonly preferredUsername: string;
  readonly groups: readonly string[];
  /** Raw ID token or ''; only its payload is read, for --kube-extra-claim claims the session lacks. */
  readonly idToken: string;
}

export interface KubeIdentity {
  readonly user: string;
  readonly groups: readonly string[];
  /** null unless --kube-impersonate-uid. */
  readonly uid: string | null;
  /** Lower-case key -> values, in flag order. */
  readonly extra: ReadonlyArray<readonly [string, readonly string[]]>;
}

/** Why an identity cannot be impersonated; `rule` is what the audit line records. */
export interface MappingRefusal {
  readonly rule: 'system_name' | 'no_username' | 'unverified_email' | 'invalid_name';
  /** Safe to show the user and log: names, never tokens. */
  readonly detail: string;
}

export type MappingResult =
  | { readonly ok: true; readonly identity: KubeIdentity }
  | { readonly ok: false; readonly refusal: MappingRefusal };

/** One header with one value, or several header lines of the same name. */
export type HeaderEntry = readonly [string, string | string[]];

const SYSTEM = 'system:';
/**
 * A name authgate would send differently from how the apiserver reads it: control characters (tab included),
 * or leading/trailing whitespace, which Go's header parser trims (so " system:masters" would arrive as
 * system:masters, past a startsWith check). Such names are refused, never rewritten.
 */
// eslint-disable-next-line no-control-regex
const UNSENDABLE = /[\x00-\x1f\x7f]|^\s|\s$/;

export function mapKubeIdentity(s: IdentitySource, rules: KubeIdentityRules): MappingResult {
  const refuse = (rule: MappingRefusal['rule'], detail: string): MappingResult => ({
    ok: false,
    refusal: { rule, detail },
  });
  const raw = usernameOf(s, rules.usernameClaim);
  if (raw === '') return refuse('no_username', `the sign-in carries no ${rules.usernameClaim}`);
  // kube-apiserver refuses an email user name whose email_verified is present and not true: so does authgate.
  if (rules.usernameClaim === 'email' && s.emailVerified === false) {
    return refuse('unverified_email', `the email ${raw} is not verified`);
  }
  const user = `${rules.usernamePrefix}${raw}`;
  const groups = s.groups.map((g) => `${rules.groupsPrefix}${g}`);
  if ([raw, user, ...s.groups, ...groups, s.sub].some((v) => UNSENDABLE.test(v))) {
    return refuse('invalid_name', 'a name holds control characters or surrounding whitespace');
  }
  // system: names are the apiserver's own (system:masters is cluster-admin): never claimed for a user.
  if (user.startsWith(SYSTEM))
    return refuse('system_name', `the user name ${user} is reserved by Kubernetes`);
  const reserved = groups.find((g) => g.startsWith(SYSTEM));
  if (reserved) return refuse('system_name', `the group ${reserved} is reserved by Kubernetes`);

  const extra: Array<readonly [string, readonly string[]]> = [];
  let payload: Record<string, unknown> | null | undefined;
  for (const { key, claim } of rules.extraClaims) {
    payload ??= idTokenClaims(s.idToken);
    const values = claimValues(s, claim, payload);
    if (values.length > 0) extra.push([key, values]);
  }
  const all = [user, ...groups, ...extra.flatMap(([, v]) => v)];
  const bad = all.find((v) => UNSENDABLE.test(v));
  if (bad !== undefined) return refuse('invalid_name', 'a name holds control characters');
  return {
    ok: true,
    identity: { user, groups, uid: rules.impersonateUid && s.sub ? s.sub : null, extra },
  };
}

/** The Impersonate-* headers for an identity, names lower-case, values as Node must write them. */
export function impersonationHeaders(id: KubeIdentity): HeaderEntry[] {
  const out: HeaderEntry[] = [['impersonate-user', utf8HeaderValue(id.user)]];
  if (id.groups.length > 0) out.push(['impersonate-group', id.groups.map(utf8HeaderValue)]);
  if (id.uid !== null) out.push(['impersonate-uid', utf8HeaderValue(id.uid)]);
  for (const [key, values] of id.extra) {
    out.push([`impersonate-extra-${encodeExtraKey(key)}`, values.map(utf8HeaderValue)]);
  }
  return out;
}

/** Characters a header name may hold (RFC 9110 tchar), minus `%`, which is the escape itself. */
const TCHAR = /^[A-Za-z0-9!#$&'*+\-.^_`|~]$/;

/**
 * The key as kube-apiserver expects it in `Impersonate-Extra-<key>`: lower-case, and every byte that is not
 * legal in a header name (and `%`) percent-encoded, as client-go's headerKeyEscape does.
 */
export function encodeExtraKey(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key.toLowerCase(), 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && TCHAR.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function usernameOf(s: IdentitySource, claim: KubeUsernameClaim): string {
  switch (claim) {
    case 'email':
      return s.email;
    case 'sub':
      return s.sub;
    case 'preferred_username':
    case 'login':
      return s.preferredUsername;
  }
}

function claimValues(s: IdentitySource, claim: string, payload: Record<string, unknown> | null): string[] {
  switch (claim) {
    case 'sub':
      return s.sub ? [s.sub] : [];
    case 'email':
      return s.email ? [s.email] : [];
    case 'preferred_username':
    case 'login':
      return s.preferredUsername ? [s.preferredUsername] : [];
    case 'groups':
      return [...s.groups];
  }
  const value = payload?.[claim];
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
