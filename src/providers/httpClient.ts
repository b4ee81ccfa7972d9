import { readFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';

/** A fetch-compatible function for the provider's endpoints (openid-client's and jose's customFetch). */
export type ProviderFetch = (
  url: string,
  init: RequestInit & { signal?: AbortSignal | null },
) => Promise<Response>;

export interface ProviderFetchOptions {
  /** PEM bundles trusted for the provider's TLS (--provider-ca-file); empty = the system's roots. */
  readonly caFiles: readonly string[];
  /** --ssl-insecure-skip-verify. */
  readonly insecureSkipVerify: boolean;
}

/**
 * Node 20's global fetch cannot take a custom CA without the undici package, so when a private CA or
 * skip-verify is configured we speak HTTP(S) ourselves. Returns null when the global fetch will do.
 */
export function createProviderFetch(opts: ProviderFetchOptions): ProviderFetch | null {
  if (opts.caFiles.length === 0 && !opts.insecureSkipVerify) return null;
  const ca = opts.caFiles.map((file) => readFileSync(file, 'utf8'));
  const httpsAgent = new https.Agent({
    keepAlive: true,
    ca: ca.length > 0 ? ca : undefined,
    rejectUnauthorized: !opts.insecureSkipVerify,
  });
  const httpAgent = new http.Agent({ keepAlive: true });
  return (url, init) => nodeFetch(url, init, httpsAgent, httpAgent);
}

function nodeFetch(
  url: string,
  init: RequestInit & { signal?: AbortSignal | null },
  httpsAgent: https.Agent,
  httpAgent: http.Agent,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const isHttps = target.protocol === 'https:';
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const req = (isHttps ? https : http).request(
      target,
      {
        method: init.method ?? 'GET',
        headers,
        agent: isHttps ? httpsAgent : httpAgent,
        signal: init.signal ?? undefined,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const responseHeaders = new Headers();
          for (const [key, value] of Object.entries(res.headers)) {
            if (Array.isArray(value)) value.forEach((v) => responseHeaders.append(key, v));
            else if (value !== undefined) responseHeaders.set(key, value);
          }
          const status = res.statusCode ?? 502;
          const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, headers: responseHeaders }));
        });
      },
    );
    req.on('error', reject);
    const body = init.body;
    if (typeof body === 'string' || body instanceof Uint8Array) req.end(body);
    else if (body instanceof URLSearchParams) req.end(body.toString());
    else req.end();
  });
}
