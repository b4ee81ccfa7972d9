/**
 * The one fetch authgate uses for every call to an identity provider (discovery, token, JWKS, userinfo, GitHub's
 * and Google's APIs, bearer issuers). Whatever path carries the request, the answer's body is read here, in full
 * and never beyond PROVIDER_ANSWER_MAX_BYTES: a broken or compromised provider (or whoever sits on an http://
 * issuer's path) must not be able to make authgate buffer an answer until the process runs out of memory.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { ProviderError } from '../errors.js';

/**
 * 1 MiB. The largest real answers are far below it: a discovery document or a userinfo answer is a few KB, a
 * JWKS with several RSA keys or a token response with a large ID token tens of KB, a 100-item GitHub teams page
 * (GitHub's maximum page size, each team carrying its organisation) or Google Directory answer a few hundred KB
 * at most. Anything larger is not an answer authgate can use, whatever it holds.
 */
export const PROVIDER_ANSWER_MAX_BYTES = 1024 * 1024;

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
 * The provider answered with a body larger than PROVIDER_ANSWER_MAX_BYTES. The message names where the answer came
 * from by origin and path only (a query string can hold a code or a token) and never quotes the body.
 */
export class ProviderAnswerTooLargeError extends ProviderError {
  constructor(url: string) {
    const target = new URL(url);
    super(
      'provider_answer_too_large',
      `The identity provider's answer from ${target.origin}${target.pathname} was larger than the ` +
        `${PROVIDER_ANSWER_MAX_BYTES} bytes authgate accepts.`,
      502,
    );
  }
}

/** Statuses whose Response must have a null body (the Response constructor throws otherwise). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Node 20's global fetch cannot take a custom CA without the undici package, so when a private CA or skip-verify
 * is configured we speak HTTP(S) ourselves, over keep-alive agents built here once; otherwise the global fetch
 * carries the request. Both paths enforce the same size cap.
 */
export function createProviderFetch(opts: ProviderFetchOptions): ProviderFetch {
  if (opts.caFiles.length === 0 && !opts.insecureSkipVerify) {
    return async (url, init) => readCapped(await fetch(url, init), url);
  }
  const ca = opts.caFiles.map((file) => readFileSync(file, 'utf8'));
  const httpsAgent = new https.Agent({
    keepAlive: true,
    ca: ca.length > 0 ? ca : undefined,
    rejectUnauthorized: !opts.insecureSkipVerify,
  });
  const httpAgent = new http.Agent({ keepAlive: true });
  return (url, init) => nodeFetch(url, init, httpsAgent, httpAgent);
}

/** A Content-Length (already announced, so refused without reading a byte) beyond the cap. */
function declaredTooLarge(contentLength: string | null | undefined): boolean {
  return (
    typeof contentLength === 'string' &&
    /^\s*\d+\s*$/.test(contentLength) &&
    Number(contentLength) > PROVIDER_ANSWER_MAX_BYTES
  );
}

/**
 * The global fetch's answer with its body read into memory, cancelling the stream (which closes the connection)
 * the moment the cap is passed. Bytes are counted after content decoding, so a small gzip bomb is caught too.
 */
async function readCapped(res: Response, url: string): Promise<Response> {
  if (res.body === null || res.type === 'opaqueredirect') return res;
  if (declaredTooLarge(res.headers.get('content-length'))) {
    await res.body.cancel().catch(() => undefined);
    throw new ProviderAnswerTooLargeError(url);
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > PROVIDER_ANSWER_MAX_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new ProviderAnswerTooLargeError(url);
    }
    chunks.push(value);
  }
  const body = NULL_BODY_STATUSES.has(res.status) ? null : Buffer.concat(chunks);
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
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
    const signal = init.signal ?? undefined;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    // Failures take the global fetch's shapes (the signal's reason on abort, TypeError('fetch failed') for the
    // network), so callers and openid-client classify them the same whichever path carried the request.
    const fail = (err: unknown): void => {
      if (err instanceof ProviderError) reject(err);
      else if (signal?.aborted) reject(signal.reason);
      else reject(new TypeError('fetch failed', { cause: err }));
    };
    const req = (isHttps ? https : http).request(
      target,
      { method: init.method ?? 'GET', headers, agent: isHttps ? httpsAgent : httpAgent, signal },
      (res) => {
        // Destroying the request closes the socket: the rest of the answer is never read, nor reused.
        const refuse = (): void => {
          req.destroy();
          fail(new ProviderAnswerTooLargeError(url));
        };
        if (declaredTooLarge(res.headers['content-length'])) return refuse();
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > PROVIDER_ANSWER_MAX_BYTES) return refuse();
          chunks.push(c);
        });
        res.on('error', fail);
        res.on('end', () => {
          if (size > PROVIDER_ANSWER_MAX_BYTES) return;
          const responseHeaders = new Headers();
          for (const [key, value] of Object.entries(res.headers)) {
            if (Array.isArray(value)) value.forEach((v) => responseHeaders.append(key, v));
            else if (value !== undefined) responseHeaders.set(key, value);
          }
          const status = res.statusCode ?? 502;
          const body = NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks);
          try {
            resolve(new Response(body, { status, statusText: res.statusMessage, headers: responseHeaders }));
          } catch (err) {
            // A status the Response constructor refuses (above 599): an unusable answer, not a crash.
            fail(err);
          }
        });
      },
    );
    req.on('error', fail);
    const body = init.body;
    if (typeof body === 'string' || body instanceof Uint8Array) req.end(body);
    else if (body instanceof URLSearchParams) req.end(body.toString());
    else req.end();
  });
}
