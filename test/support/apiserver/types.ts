/** Shapes shared by the kube-apiserver test double's modules. */

/** What the apiserver knows about a caller (k8s.io/apiserver user.Info). */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra: Record<string, string[]>;
}

export type AuthResult =
  { kind: 'anonymous' } | { kind: 'user'; user: UserInfo } | { kind: 'unauthorized'; reason: string };

export interface TokenAuthenticator {
  /** Takes the raw Authorization header value (undefined when absent). */
  authenticate(authorizationHeader: string | undefined): Promise<AuthResult>;
}

/** Authorization attributes of a resource request (k8s.io/apiserver authorizer.Attributes). */
export interface ResourceAttributes {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string;
  /** '' or undefined: cluster scope / all namespaces. */
  namespace?: string;
  name?: string;
}

export interface NonResourceAttributes {
  verb: string;
  path: string;
}
