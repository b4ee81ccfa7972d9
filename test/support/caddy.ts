import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaryAvailable, freePort, makeTempDir, removeDir, spawnServer, waitForPort } from './processes.js';

export const CADDY_BIN = '/usr/bin/caddy';

export function caddyAvailable(): boolean {
  return binaryAvailable(CADDY_BIN);
}

export interface CaddyForwardAuthOptions {
  authgatePort: number;
  upstreamPort: number;
  /** Query appended to /oauth2/auth, e.g. 'allowed_groups=admins'. */
  authQuery?: string;
  /**
   * What a 401 from /oauth2/auth becomes.
   * 'redirect' (default, oauth2-proxy's documented Caddy recipe): `redir /oauth2/start?rd={scheme}://{hostport}{uri}`.
   *   Caddy 2.6 has no URL-escaping placeholder, so rd is NOT escaped: an original query with `&`, `+` or `%xx`
   *   is cut or re-decoded (`/p?a=1&b=2` gives rd=`.../p?a=1` plus a stray `b=2` parameter).
   * 'proxy-start': the request is proxied to authgate's /oauth2/start with
   *   `X-Auth-Request-Redirect: {scheme}://{hostport}{orig_uri}` (exact original URL), so authgate itself answers
   *   (302 to the IdP); no escaping problem.
   */
  signin?: 'redirect' | 'proxy-start';
}

export interface RunningCaddy {
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  stop(): Promise<void>;
  /** Caddy's own log (stderr). */
  log(): string;
  readonly config: string;
}

/** Renders authgate's Caddy recipe: /oauth2/* to authgate, everything else behind forward_auth. */
export function renderCaddyfile(port: number, o: CaddyForwardAuthOptions): string {
  const auth = `127.0.0.1:${o.authgatePort}`;
  const original = '{http.request.scheme}://{http.request.hostport}';
  const onUnauthorized =
    o.signin === 'proxy-start'
      ? `rewrite * /oauth2/start?
          reverse_proxy ${auth} {
            header_up X-Auth-Request-Redirect "${original}{http.request.orig_uri}"
          }`
      : `redir * "/oauth2/start?rd=${original}{http.request.uri}" 302`;
  return `{
  admin off
  auto_https off
  default_bind 127.0.0.1
  log {
    output stderr
    level WARN
  }
}

http://127.0.0.1:${port} {
  handle /oauth2/* {
    reverse_proxy ${auth}
  }
  handle {
    forward_auth ${auth} {
      uri /oauth2/auth${o.authQuery ? `?${o.authQuery}` : ''}
      copy_headers Authorization
      @unauthorized status 401
      handle_response @unauthorized {
        ${onUnauthorized}
      }
    }
    reverse_proxy 127.0.0.1:${o.upstreamPort}
  }
}
`;
}

/** Runs a real caddy (`caddy run`, admin off, state under a temp HOME) on a free 127.0.0.1 port. */
export async function startCaddyForwardAuth(opts: CaddyForwardAuthOptions): Promise<RunningCaddy> {
  if (!caddyAvailable()) throw new Error(`caddy is not installed (${CADDY_BIN})`);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = makeTempDir('caddy');
    for (const d of ['home', 'config', 'data']) mkdirSync(join(dir, d));
    const port = await freePort();
    const config = renderCaddyfile(port, opts);
    const file = join(dir, 'Caddyfile');
    writeFileSync(file, config);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: join(dir, 'home'),
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_DATA_HOME: join(dir, 'data'),
    };
    const server = spawnServer(CADDY_BIN, ['run', '--config', file, '--adapter', 'caddyfile'], {
      cwd: dir,
      env,
    });
    try {
      await waitForPort(port, { server });
    } catch (e) {
      lastError = e;
      await server.stop(1000);
      removeDir(dir);
      if (/address already in use/i.test(server.stderr())) continue;
      throw e;
    }
    let stopped = false;
    return {
      port,
      url: `http://127.0.0.1:${port}`,
      config,
      log: () => server.stderr(),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await server.stop();
        removeDir(dir);
      },
    };
  }
  throw lastError instanceof Error ? lastError : new Error('caddy did not start');
}
