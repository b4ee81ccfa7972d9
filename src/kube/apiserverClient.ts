/**
 * A small HTTPS client for the three self-review APIs of kube-apiserver, called with the user's own identity
 * (their bearer, or authgate's token plus Impersonate-*). It verifies the apiserver with --kube-apiserver-ca,
 * bounds every call by a timeout and a body size, and never puts a header value in an error.
 */
import http from 'node:http';
import https from 'node:https';
import type { HeaderEntry } from './impersonation.js';

export interface ApiAnswer {
  readonly status: number;
  /** Parsed JSON body, or null when it was not JSON. */
  readonly body: Record<string, unknown> | null;
}

export interface ResourceCheck {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
}

export interface ApiserverClient {
  selfSubjectReview(auth: readonly HeaderEntry[]): Promise<ApiAnswer>;
  accessReview(auth: readonly HeaderEntry[], namespace: string, check: ResourceCheck): Promise<ApiAnswer>;
  rulesReview(auth: readonly HeaderEntry[], namespace: string): Promise<ApiAnswer>;
  close(): void;
}

export class ApiserverUnavailable extends Error {
  constructor(readonly code: string) {
    super(`the Kubernetes apiserver could not be reached (${code})`);
    this.name = 'ApiserverUnavailable';
  }
}

const MAX_BODY = 1 << 20;

export function createApiserverClient(opts: {
  readonly url: string;
  /** PEM CA bundle, '' for the system's CAs. */
  readonly caPem: string;
  readonly timeoutMs?: number;
}): ApiserverClient {
  const base = new URL(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  const secure = base.protocol === 'https:';
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 16, ...(opts.caPem ? { ca: opts.caPem } : {}) })
    : new http.Agent({ keepAlive: true, maxSockets: 16 });
  const timeoutMs = opts.timeoutMs ?? 5000;

  const post = (path: string, payload: unknown, auth: readonly HeaderEntry[]): Promise<ApiAnswer> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(payload);
      const headers: http.OutgoingHttpHeaders = {
        'content-type': 'application/json',
        accept: 'application/json',
        'content-length': Buffer.byteLength(body),
      };
      for (const [name, value] of auth) headers[name] = value;
      const url = new URL(path.replace(/^\//, ''), base);
      const req = (secure ? https : http).request(url, {
        method: 'POST',
        headers,
        agent,
        timeout: timeoutMs,
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => reject(new ApiserverUnavailable(err.code ?? err.name)));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) res.destroy(Object.assign(new Error('too large'), { code: 'EBODYTOOLARGE' }));
          else chunks.push(c);
        });
        res.on('error', (err: NodeJS.ErrnoException) =>
          reject(new ApiserverUnavailable(err.code ?? 'EBODY')),
        );
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: parseObject(Buffer.concat(chunks)) }),
        );
      });
      req.end(body);
    });

  return {
    selfSubjectReview: (auth) =>
      post(
        '/apis/authentication.k8s.io/v1/selfsubjectreviews',
        { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
        auth,
      ),
    accessReview: (auth, namespace, c) =>
      post(
        '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              namespace,
              verb: c.verb,
              group: c.group,
              resource: c.resource,
              ...(c.subresource ? { subresource: c.subresource } : {}),
            },
          },
        },
        auth,
      ),
    rulesReview: (auth, namespace) =>
      post(
        '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
        { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } },
        auth,
      ),
    close: () => agent.destroy(),
  };
}

function parseObject(buf: Buffer): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(buf.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
