/**
 * The pieces a Kubernetes test of authgate needs together: a real OIDC issuer, the kube-apiserver double that
 * trusts it (email user names, `groups` claim, with the prefixes the test gives), authgate's service-account
 * token in a temp file the double knows, and helpers to sign in and read what the apiserver saw.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from './selfSigned.js';
import { startIssuer, type Issuer, type IssuerOptions } from './issuer.js';
import { createOidcAuthenticator } from './apiserver/tokenAuthenticator.js';
import { startApiserver, type Apiserver } from './apiserver/server.js';
import type { Binding } from './apiserver/rbac.js';
import { BrowserClient, type BrowserResponse } from './browserClient.js';
import { TEST_COOKIE_SECRET } from './authgate.js';

export const SA_USER = 'system:serviceaccount:authgate:authgate';

export interface TestKubeCluster {
  issuer: Issuer;
  apiserver: Apiserver;
  /** token -> user name, as the double reads it (mutable: delete a token to revoke it). */
  serviceAccounts: Record<string, string>;
  tokenFile: string;
  /** PEM of the apiserver's certificate (with `tls`). */
  caFile: string;
  /** Writes a new token into the file and teaches the double to accept it. */
  rotateToken(token: string): void;
  /** The flags every authgate in these tests starts with (issuer, secrets, upstream = the double). */
  baseFlags(): string[];
  stop(): Promise<void>;
}

export async function startKubeCluster(opts: {
  issuer?: IssuerOptions;
  /** What the apiserver's own OIDC settings are (bearer mode). */
  apiserverOidc?: { clientIds?: string[]; usernamePrefix?: string; groupsPrefix?: string };
  bindings?: Binding[];
  /** Serve HTTPS with a fresh self-signed certificate for 127.0.0.1 (its PEM is `caFile`). */
  tls?: boolean;
}): Promise<TestKubeCluster> {
  const issuer = await startIssuer(opts.issuer ?? {});
  const dir = mkdtempSync(join(tmpdir(), 'authgate-sa-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'sa-token-1\n');
  const serviceAccounts: Record<string, string> = { 'sa-token-1': SA_USER };
  const authenticator = createOidcAuthenticator({
    issuerUrl: issuer.url,
    clientIds: opts.apiserverOidc?.clientIds ?? [issuer.clientId],
    usernameClaim: 'email',
    groupsClaim: 'groups',
    ...(opts.apiserverOidc?.usernamePrefix !== undefined
      ? { usernamePrefix: opts.apiserverOidc.usernamePrefix }
      : {}),
    ...(opts.apiserverOidc?.groupsPrefix !== undefined
      ? { groupsPrefix: opts.apiserverOidc.groupsPrefix }
      : {}),
  });
  const caFile = join(dir, 'ca.pem');
  let tls: { cert: string; key: string } | undefined;
  if (opts.tls) {
    const files = selfSignedCertificate(dir);
    copyFileSync(files.cert, caFile);
    tls = { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
  }
  const apiserver = await startApiserver({ authenticator, serviceAccounts, ...(tls ? { tls } : {}) });
  for (const b of opts.bindings ?? []) apiserver.rbac.bind(b);
  return {
    issuer,
    apiserver,
    serviceAccounts,
    tokenFile,
    caFile,
    rotateToken(token) {
      serviceAccounts[token] = SA_USER;
      writeFileSync(tokenFile, `${token}\n`);
    },
    baseFlags: () => [
      `--oidc-issuer-url=${issuer.url}`,
      `--client-id=${issuer.clientId}`,
      `--client-secret=${issuer.clientSecret}`,
      `--cookie-secret=${TEST_COOKIE_SECRET}`,
      '--cookie-secure=false',
      '--email-domain=example.com',
      `--upstream=${apiserver.url}/`,
      ...(opts.tls ? ['--ssl-upstream-insecure-skip-verify'] : []),
    ],
    async stop() {
      await apiserver.stop();
      await issuer.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SeenByApiserver {
  user: { username: string; groups: string[]; uid?: string; extra?: Record<string, string[]> } | null;
  headers: Record<string, string[]>;
}

/** Signs `login` in through authgate, landing on `target`; returns the browser and the final answer. */
export async function signIn(
  gateUrl: string,
  login: string,
  target = '/_test/whoami',
): Promise<{ browser: BrowserClient; final: BrowserResponse; hops: string[] }> {
  const browser = new BrowserClient();
  const { final, hops } = await browser.follow(`${gateUrl}/oauth2/start?rd=${encodeURIComponent(target)}`, {
    login,
  });
  return { browser, final, hops };
}
