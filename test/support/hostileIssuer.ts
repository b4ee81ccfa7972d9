/**
 * A malicious (or merely broken) issuer in front of the real test issuer: every request is forwarded to the real
 * oidc-provider, but this proxy is what authgate is configured with (--oidc-issuer-url), so it can
 *
 * - re-sign the ID token the real issuer returned with hostile changes (wrong nonce/aud/iss, alg none, HS256 keyed
 *   with the public key, expired, signed by an unknown key): the token endpoint is the one place an attacker who
 *   controls the network between authgate and the issuer could inject one;
 * - answer discovery or the token endpoint with garbage;
 * - answer slowly (a delay before forwarding) to exercise --provider-timeout.
 *
 * The proxy has its own URL, so `issuer` in discovery, the `iss` authorization-response parameter and the ID
 * token's `iss` are rewritten to it; the token is re-signed with the real issuer's key (published in its JWKS), so
 * an untampered sign-in through the proxy succeeds.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, decodeJwt } from 'jose';
import { forgeIdToken, type ForgeOptions, type Issuer } from './issuer.js';

export interface Tamper {
  /** Changes to the claims (a claim set to undefined is removed). */
  readonly claims?: Record<string, unknown>;
  readonly forge?: ForgeOptions;
  /** Sign with the real key but mark an extension header critical (`crit`) that no verifier knows. */
  readonly unknownCrit?: boolean;
}

export interface HostileIssuer {
  readonly url: string;
  readonly port: number;
  /** How the next ID tokens are changed; null passes them through (re-signed, iss rewritten). */
  setTamper(tamper: Tamper | null): void;
  /** Answer this endpoint with unparseable JSON (200), or stop doing so with null. */
  setGarbage(endpoint: 'discovery' | 'token' | null): void;
  /** Wait this long before forwarding requests whose path matches (0: no delay). */
  setDelay(ms: number, paths?: RegExp): void;
  /** Requests received, by path. */
  readonly hits: Map<string, number>;
  stop(): Promise<void>;
}

const DISCOVERY = '/.well-known/openid-configuration';
const GARBAGE = '{"issuer": "http://127.0.0.1", "keys": [tru';

function readBody(stream: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export async function startHostileIssuer(real: Issuer): Promise<HostileIssuer> {
  let tamper: Tamper | null = null;
  let garbage: 'discovery' | 'token' | null = null;
  let delay = { ms: 0, paths: /./ };
  const hits = new Map<string, number>();
  let url = '';
  const swapUrl = (text: string) =>
    text.replaceAll(real.url, url).replaceAll(encodeURIComponent(real.url), encodeURIComponent(url));

  const reSign = async (idToken: string): Promise<string> => {
    const claims: Record<string, unknown> = { ...decodeJwt(idToken), iss: url, ...tamper?.claims };
    if (tamper?.unknownCrit) {
      const key = real.signingKey();
      return new CompactSign(Buffer.from(JSON.stringify(claims)))
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', crit: ['x-evil'], 'x-evil': 1 })
        .sign(key.privateKey, { crit: { 'x-evil': true } });
    }
    return forgeIdToken(real, claims, tamper?.forge ?? {});
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (delay.ms > 0 && delay.paths.test(path)) await new Promise((r) => setTimeout(r, delay.ms));
      if (res.destroyed) return;
      const body = await readBody(req);
      if ((garbage === 'discovery' && path === DISCOVERY) || (garbage === 'token' && path === '/token')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(GARBAGE);
        return;
      }
      const headers = { ...req.headers, host: `127.0.0.1:${real.port}` };
      const upstream = http.request(
        { host: '127.0.0.1', port: real.port, method: req.method, path: req.url, headers },
        (up) => {
          void (async () => {
            const out = { ...up.headers };
            if (typeof out.location === 'string') out.location = swapUrl(out.location);
            let payload = await readBody(up);
            if (path === '/token' && up.statusCode === 200) {
              const json = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
              if (typeof json.id_token === 'string') json.id_token = await reSign(json.id_token);
              payload = Buffer.from(JSON.stringify(json));
            } else if (/json|html/.test(String(out['content-type']))) {
              // discovery and the login forms name the real issuer: keep the browser (and authgate) on the proxy
              payload = Buffer.from(swapUrl(payload.toString('utf8')));
            }
            delete out['transfer-encoding'];
            out['content-length'] = String(payload.length);
            res.writeHead(up.statusCode ?? 502, out).end(payload);
          })().catch(() => res.destroy());
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    hits,
    setTamper: (t) => void (tamper = t),
    setGarbage: (g) => void (garbage = g),
    setDelay: (ms, paths = /./) => void (delay = { ms, paths }),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
