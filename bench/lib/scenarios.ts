/**
 * The eight scenarios of issue 10. Each starts its own server process(es) against the shared upstream and
 * returns what to load: URL, request headers, and the answer every request must get (checked once before the
 * run, and counted per status code during it).
 */
import { join } from 'node:path';
import { flagByName } from '../../src/config/flags.js';
import { freePort, waitForPort } from '../../test/support/processes.js';
import { spawnNodeScript, type Child } from './children.js';
import { nginxInstalled, startNginxProxy } from './nginx.js';
import { redisInstalled, startRedis } from './redis.js';
import { UPSTREAM_BODY } from './upstreamBody.js';

/** base64url of 32 bytes: the cookie secret of every authgate under test. */
export const BENCH_COOKIE_SECRET = 'YmVuY2gtY29va2llLXNlY3JldC0zMi1ieXRlcy1sb25n';

/** Shared by every scenario of one run. */
export interface BenchContext {
  readonly serverCore: number | null;
  /** Compiled bench/servers (build.ts). */
  readonly serversDir: string;
  readonly upstreamUrl: string;
  readonly upstreamPort: number;
  readonly upstreamPid: number;
  /** Extra node flags for authgate children (e.g. --cpu-prof). */
  readonly authgateNodeArgs: readonly string[];
  /** Extra authgate flags (--authgate-flag). */
  readonly authgateFlags: readonly string[];
}

export interface Target {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly expectStatus: number;
  /** Exact body expected (proxied scenarios: the upstream's). */
  readonly expectBody?: string;
  /** The process whose RSS is reported. */
  readonly pid: number;
  /** Facts worth keeping with the result (cookie chunks, store kind, /ready status). */
  readonly info: Record<string, unknown>;
  stop(): Promise<void>;
}

export type Started = Target | { readonly skipped: string };

export interface Scenario {
  readonly id: number;
  readonly name: string;
  start(ctx: BenchContext): Promise<Started>;
}

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const API_PATH = '/api/v1/namespaces?limit=50';

interface AuthgateChild {
  readonly child: Child;
  readonly url: string;
  readonly message: {
    port: number;
    storeKind: string;
    cookies: { standard: string; chunked3: string | null };
    chunkCounts: { standard: number; chunked3: number };
  };
}

/** Flags of every authgate under test: a dashboard-style deployment (bearer upstream, X-Auth-Request-* on /auth). */
export async function authgateFlags(upstreamUrl: string, extra: readonly string[] = []): Promise<string[]> {
  // Nothing listens there: discovery retries in the background, which proxying with a session never needs.
  const closedIssuerPort = await freePort();
  return [
    '--http-address=127.0.0.1:0',
    `--upstream=${upstreamUrl}/`,
    `--oidc-issuer-url=http://127.0.0.1:${closedIssuerPort}`,
    '--client-id=authgate-bench',
    '--client-secret=authgate-bench-client-secret',
    `--cookie-secret=${BENCH_COOKIE_SECRET}`,
    '--cookie-secure=false',
    '--email-domain=*',
    '--pass-authorization-header=true',
    '--set-xauthrequest=true',
    '--set-authorization-header=true',
    ...extra,
  ];
}

async function startAuthgateChild(ctx: BenchContext, extra: readonly string[] = []): Promise<AuthgateChild> {
  const flags = await authgateFlags(ctx.upstreamUrl, [...ctx.authgateFlags, ...extra]);
  const child = spawnNodeScript(
    'authgate',
    ctx.serverCore,
    join(ctx.serversDir, 'authgate.js'),
    flags,
    ctx.authgateNodeArgs,
  );
  try {
    const message = (await child.ready) as unknown as AuthgateChild['message'];
    return { child, url: `http://127.0.0.1:${message.port}`, message };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** /ready while the issuer is unreachable: 503 shows the figures did not depend on the provider. */
async function readyStatus(url: string): Promise<number> {
  return (await fetch(`${url}/ready`)).status;
}

async function signedIn(
  ctx: BenchContext,
  cookie: 'standard' | 'chunked3',
  extra: readonly string[] = [],
): Promise<Started> {
  const ag = await startAuthgateChild(ctx, extra);
  const header = ag.message.cookies[cookie];
  if (header === null) {
    await ag.child.stop();
    return { skipped: `no ${cookie} session for a ${ag.message.storeKind} store` };
  }
  return {
    url: `${ag.url}${API_PATH}`,
    headers: { cookie: header, accept: 'application/json' },
    expectStatus: 200,
    expectBody: UPSTREAM_BODY,
    pid: ag.child.pid,
    info: {
      storeKind: ag.message.storeKind,
      cookieChunks: ag.message.chunkCounts[cookie],
      cookieHeaderBytes: header.length,
      readyStatus: await readyStatus(ag.url),
    },
    stop: () => ag.child.stop(),
  };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 1,
    name: 'upstream direct (ceiling)',
    async start(ctx) {
      return {
        url: `${ctx.upstreamUrl}${API_PATH}`,
        headers: { accept: 'application/json' },
        expectStatus: 200,
        expectBody: UPSTREAM_BODY,
        pid: ctx.upstreamPid,
        info: {},
        stop: async () => {},
      };
    },
  },
  {
    id: 2,
    name: 'express + http-proxy-middleware, no auth (baseline)',
    async start(ctx) {
      const child = spawnNodeScript('bare proxy', ctx.serverCore, join(ctx.serversDir, 'bareProxy.js'), [
        ctx.upstreamUrl,
      ]);
      const { port } = (await child.ready) as { port: number };
      return {
        url: `http://127.0.0.1:${port}${API_PATH}`,
        headers: { accept: 'application/json' },
        expectStatus: 200,
        expectBody: UPSTREAM_BODY,
        pid: child.pid,
        info: {},
        stop: () => child.stop(),
      };
    },
  },
  { id: 3, name: 'authgate, signed-in proxying', start: (ctx) => signedIn(ctx, 'standard') },
  {
    id: 4,
    name: 'authgate /oauth2/auth (forward-auth)',
    async start(ctx) {
      const ag = await startAuthgateChild(ctx);
      return {
        url: `${ag.url}/oauth2/auth`,
        headers: { cookie: ag.message.cookies.standard, accept: '*/*', 'x-forwarded-uri': API_PATH },
        expectStatus: 202,
        pid: ag.child.pid,
        info: { readyStatus: await readyStatus(ag.url) },
        stop: () => ag.child.stop(),
      };
    },
  },
  {
    id: 5,
    name: 'authgate, unauthenticated browser (sign-in page)',
    async start(ctx) {
      const ag = await startAuthgateChild(ctx);
      return {
        url: `${ag.url}/dashboard/`,
        headers: { accept: BROWSER_ACCEPT },
        expectStatus: 401,
        pid: ag.child.pid,
        info: {},
        stop: () => ag.child.stop(),
      };
    },
  },
  { id: 6, name: 'authgate, session in 3 cookie chunks', start: (ctx) => signedIn(ctx, 'chunked3') },
  {
    id: 7,
    name: 'authgate, Redis session store',
    async start(ctx) {
      if (!flagByName('redis-connection-url'))
        return { skipped: 'redis store not available (no --redis-connection-url)' };
      if (!redisInstalled()) return { skipped: 'redis-server is not installed' };
      const port = await freePort();
      const redis = startRedis(ctx.serverCore, port);
      try {
        await waitForPort(port, { describe: () => redis.stderr() });
        const started = await signedIn(ctx, 'standard', [
          '--session-store-type=redis',
          `--redis-connection-url=redis://127.0.0.1:${port}`,
        ]);
        if ('skipped' in started || started.info.storeKind !== 'redis') {
          if (!('skipped' in started)) await started.stop();
          await redis.stop();
          return { skipped: 'redis store not available (authgate did not build a redis store)' };
        }
        const stop = async (): Promise<void> => {
          await started.stop();
          await redis.stop();
        };
        return { ...started, stop };
      } catch (err) {
        await redis.stop();
        return { skipped: `redis store not available: ${(err as Error).message.split('\n')[0]}` };
      }
    },
  },
  {
    id: 8,
    name: 'nginx proxy_pass (native floor)',
    async start(ctx) {
      if (!nginxInstalled()) return { skipped: 'nginx is not installed' };
      const port = await freePort();
      const nginx = startNginxProxy(ctx.serverCore, port, ctx.upstreamPort);
      await waitForPort(port, { describe: () => nginx.stderr() });
      return {
        url: `http://127.0.0.1:${port}${API_PATH}`,
        headers: { accept: 'application/json' },
        expectStatus: 200,
        expectBody: UPSTREAM_BODY,
        pid: nginx.pid,
        info: {},
        stop: () => nginx.stop(),
      };
    },
  },
];
