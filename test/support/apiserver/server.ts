/**
 * A kube-apiserver double for authgate's upstream: authenticates like the apiserver (OIDC bearer tokens, static
 * service-account tokens, anonymous), impersonates, authorizes with RBAC, and answers with the apiserver's JSON:
 * 401/403 Status bodies, /version, /healthz, pod lists, the self-review APIs, plus the /_test/ endpoints.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { distinctHeaders, impersonate, isImpersonationHeader } from './impersonation.js';
import { createRbac, type Rbac } from './rbac.js';
import { answerResource, answerNonResource } from './resources.js';
import { requestInfo } from './requestInfo.js';
import { SELF_REVIEW_PATHS, selfReview } from './selfReviews.js';
import { forbidden, forbiddenPath, statusOf, UNAUTHORIZED, type Status } from './status.js';
import { createTestWebSocket, handleTestEndpoint, refuseUpgrade, type Identity } from './testEndpoints.js';
import { bearerToken } from './tokenAuthenticator.js';
import type { TokenAuthenticator, UserInfo } from './types.js';

export interface ApiserverOptions {
  authenticator: TokenAuthenticator;
  rbac?: Rbac;
  /** Static tokens: token -> username such as system:serviceaccount:ns:authgate. */
  serviceAccounts?: Record<string, string>;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** How many requests `requests` keeps (default 200). */
  keepRequests?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: NodeJS.Dict<string[]>;
}

export interface Apiserver {
  url: string;
  port: number;
  rbac: Rbac;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'], extra: {} };

function serviceAccountUser(username: string): UserInfo {
  const ns = /^system:serviceaccount:([^:]+):/.exec(username)?.[1];
  const groups = ns ? ['system:serviceaccounts', `system:serviceaccounts:${ns}`] : [];
  return { username, groups: [...groups, 'system:authenticated'], extra: {} };
}

/** JSON, except a plain string (the health endpoints' "ok") which goes out as text like the apiserver's. */
function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export async function startApiserver(opts: ApiserverOptions): Promise<Apiserver> {
  const rbac = opts.rbac ?? createRbac();
  const requests: RecordedRequest[] = [];
  const keep = opts.keepRequests ?? 200;
  const sockets = new Set<Socket>();
  const ws = createTestWebSocket();

  /** Authentication, then impersonation: the identity handlers see, or the Status that ends the request. */
  async function identify(req: http.IncomingMessage): Promise<Identity | Status> {
    const wire = distinctHeaders(req.rawHeaders);
    const token = bearerToken(req.headers.authorization);
    const saName = token !== undefined ? opts.serviceAccounts?.[token] : undefined;
    let requester: UserInfo;
    if (saName !== undefined) requester = serviceAccountUser(saName);
    else {
      const result = await opts.authenticator.authenticate(req.headers.authorization);
      if (result.kind === 'unauthorized') return UNAUTHORIZED;
      requester =
        result.kind === 'anonymous'
          ? ANONYMOUS
          : { ...result.user, groups: [...new Set([...result.user.groups, 'system:authenticated'])] };
    }
    const imp = impersonate(requester, wire, rbac);
    if (imp.kind === 'error') return imp.status;
    const user = imp.kind === 'user' ? imp.user : requester;
    const handlerHeaders: NodeJS.Dict<string[]> = {};
    for (const [k, v] of Object.entries(wire)) {
      if (k === 'authorization' || k.startsWith('x-remote-') || isImpersonationHeader(k)) continue;
      handlerHeaders[k] = v;
    }
    return {
      user: user === ANONYMOUS ? null : user,
      headers: wire,
      handlerHeaders,
      rawHeaders: req.rawHeaders,
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://apiserver.invalid');
    const method = req.method ?? 'GET';
    requests.push({ method, path: `${url.pathname}${url.search}`, headers: distinctHeaders(req.rawHeaders) });
    if (requests.length > keep) requests.shift();
    const id = await identify(req);
    if ('kind' in id) return sendJson(res, id.code, id);
    if (url.pathname.startsWith('/_test/') && (await handleTestEndpoint(url, id, res))) return;
    const user = id.user ?? ANONYMOUS;
    const info = requestInfo(method, url);
    if (info.kind === 'nonResource') {
      if (!rbac.authorizeNonResource(user, info.attrs))
        return sendJson(res, 403, forbiddenPath(user.username, info.attrs.verb, info.attrs.path));
      const [code, body] = answerNonResource(url.pathname);
      return sendJson(res, code, body);
    }
    if (!rbac.authorize(user, info.attrs)) return sendJson(res, 403, forbidden(user.username, info.attrs));
    if (method === 'POST' && Object.values(SELF_REVIEW_PATHS).includes(url.pathname as never)) {
      const body = await readJson(req);
      if (!body)
        return sendJson(res, 400, statusOf(400, 'BadRequest', 'the request body is not a JSON object'));
      const answer = selfReview(url.pathname, body, user, rbac);
      const code = answer && answer.kind === 'Status' ? (answer as Status).code : 201;
      return sendJson(res, code, answer);
    }
    const [code, body] = answerResource(info.attrs, info.apiVersion);
    return sendJson(res, code, body);
  }

  const listener: http.RequestListener = (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, statusOf(500, 'InternalError', (err as Error).message));
      else res.destroy();
    });
  };
  const server = opts.tls
    ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, listener)
    : http.createServer(listener);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://apiserver.invalid').pathname;
    requests.push({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: distinctHeaders(req.rawHeaders),
    });
    if (path !== '/_test/ws')
      return refuseUpgrade(
        socket,
        statusOf(404, 'NotFound', 'the server could not find the requested resource'),
      );
    identify(req)
      .then((id) => ('kind' in id ? refuseUpgrade(socket, id) : ws.accept(req, socket, head, id)))
      .catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    rbac,
    requests,
    async stop() {
      ws.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
