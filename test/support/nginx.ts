import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaryAvailable, freePort, makeTempDir, removeDir, spawnServer, waitForPort } from './processes.js';

export const NGINX_BIN = '/usr/sbin/nginx';
const MODULE_DIRS = ['/usr/lib/nginx/modules', '/usr/share/nginx/modules'];

/** nginx binary present and set-misc (set_escape_uri) loadable. */
export function nginxAvailable(): boolean {
  return binaryAvailable(NGINX_BIN) && setMiscModules() !== undefined;
}

function setMiscModules(): string[] | undefined {
  for (const dir of MODULE_DIRS) {
    const ndk = join(dir, 'ndk_http_module.so');
    const misc = join(dir, 'ngx_http_set_misc_module.so');
    if (existsSync(ndk) && existsSync(misc)) return [ndk, misc];
  }
  return undefined;
}

export interface NginxForwardAuthOptions {
  authgatePort: number;
  upstreamPort: number;
  /** server_name values of the one server block; default ['_'] (any Host). */
  virtualHosts?: string[];
  /** Host header sent to authgate on /oauth2/ (and, in 'ingress-nginx' mode, on the auth subrequest). */
  authgateHost?: string;
  /** Absolute sign-in URL (authgate's /oauth2/start); default `$scheme://$http_host/oauth2/start`. */
  signinUrl?: string;
  /** Query appended to /oauth2/auth, e.g. 'allowed_groups=admins'. */
  authQuery?: string;
  /**
   * Default: ingress-nginx's rendering plus Host/X-Forwarded-Host/-Proto/-Uri of the original request on the
   * auth subrequest (as people add with auth-snippet). 'ingress-nginx': exactly what ingress-nginx renders for
   * `auth-url: http://authgate/oauth2/auth`: Host = the auth URL's host, X-Forwarded-Proto "" (cleared), only
   * X-Original-URL / X-Original-Method / X-Auth-Request-Redirect describe the original request.
   */
  mode?: 'ingress-nginx';
  /** Port to listen on (default: a free one). */
  port?: number;
}

export interface RunningNginx {
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  stop(): Promise<void>;
  /** Contents of nginx's error.log so far. */
  errorLog(): string;
  /** The rendered nginx.conf (for failure messages). */
  readonly config: string;
}

/** Renders the nginx.conf: ingress-nginx's external-auth layout (auth-url, auth-signin, auth-response-headers). */
export function renderNginxConf(
  dir: string,
  port: number,
  o: NginxForwardAuthOptions,
  modules: string[],
): string {
  const auth = `127.0.0.1:${o.authgatePort}`;
  const authUrl = `http://${auth}/oauth2/auth${o.authQuery ? `?${o.authQuery}` : ''}`;
  const signin = o.signinUrl ?? '$scheme://$http_host/oauth2/start';
  const signinTarget = `${signin}${signin.includes('?') ? '&' : '?'}rd=$scheme://$http_host$escaped_request_uri`;
  const names = (o.virtualHosts ?? ['_']).join(' ');
  const strict = o.mode === 'ingress-nginx';
  const authHost = o.authgateHost ?? (strict ? auth : '$http_host');
  const forwarded = strict
    ? `proxy_set_header X-Forwarded-Proto "";`
    : `proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Uri $request_uri;
      proxy_set_header X-Forwarded-Method $request_method;`;
  const t = (name: string): string => join(dir, 'tmp', name);
  return `${modules.map((m) => `load_module ${m};`).join('\n')}
daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} notice;
events { worker_connections 512; }
http {
  access_log ${join(dir, 'access.log')};
  client_body_temp_path ${t('client_body')};
  proxy_temp_path ${t('proxy')};
  fastcgi_temp_path ${t('fastcgi')};
  uwsgi_temp_path ${t('uwsgi')};
  scgi_temp_path ${t('scgi')};
  large_client_header_buffers 4 32k;
  proxy_buffer_size 32k;
  proxy_buffers 8 32k;
  proxy_http_version 1.1;

  server {
    listen 127.0.0.1:${port};
    server_name ${names};

    location = /_external-auth-Lw-Prefix {
      internal;
      access_log off;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Host ${authHost};
      ${forwarded}
      proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Sent-From "nginx-ingress-controller";
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Auth-Request-Redirect $request_uri;
      proxy_set_header Cookie $http_cookie;
      proxy_pass_request_headers on;
      set $target ${authUrl};
      proxy_pass $target;
    }

    location @signin-Lw-Prefix {
      internal;
      add_header Set-Cookie $auth_cookie;
      return 302 ${signinTarget};
    }

    location /oauth2/ {
      proxy_set_header Host ${o.authgateHost ?? '$http_host'};
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_pass http://${auth};
    }

    location / {
      auth_request /_external-auth-Lw-Prefix;
      auth_request_set $auth_cookie $upstream_http_set_cookie;
      add_header Set-Cookie $auth_cookie;
      auth_request_set $authHeader0 $upstream_http_authorization;
      proxy_set_header Authorization $authHeader0;
      set_escape_uri $escaped_request_uri $request_uri;
      error_page 401 = @signin-Lw-Prefix;

      proxy_set_header Host $http_host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Scheme $scheme;
      proxy_set_header Proxy "";
      proxy_pass http://127.0.0.1:${o.upstreamPort};
    }
  }
}
`;
}

/**
 * Runs a real nginx (from a temp dir, `daemon off`, single process) on a free 127.0.0.1 port in front of
 * `upstreamPort`, asking authgate at `authgatePort` the way ingress-nginx's external-auth annotations do.
 */
export async function startNginxForwardAuth(opts: NginxForwardAuthOptions): Promise<RunningNginx> {
  const modules = setMiscModules();
  if (!binaryAvailable(NGINX_BIN) || !modules) {
    throw new Error(`nginx with set-misc is not installed (${NGINX_BIN}, ${MODULE_DIRS.join(' or ')})`);
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = makeTempDir('nginx');
    mkdirSync(join(dir, 'tmp'));
    const errorLogPath = join(dir, 'error.log');
    const readLog = (): string => (existsSync(errorLogPath) ? readFileSync(errorLogPath, 'utf8') : '');
    const port = opts.port ?? (await freePort());
    const config = renderNginxConf(dir, port, opts, modules);
    writeFileSync(join(dir, 'nginx.conf'), config);
    const server = spawnServer(NGINX_BIN, ['-e', errorLogPath, '-p', dir, '-c', join(dir, 'nginx.conf')], {
      cwd: dir,
    });
    try {
      await waitForPort(port, { server, describe: () => `${server.stderr()}\n${readLog()}` });
    } catch (e) {
      lastError = e;
      await server.stop(1000);
      const inUse = /Address already in use/.test(readLog() + server.stderr());
      removeDir(dir);
      if (inUse) continue;
      throw e;
    }
    let finalLog: string | undefined;
    return {
      port,
      url: `http://127.0.0.1:${port}`,
      config,
      errorLog: () => finalLog ?? readLog(),
      stop: async () => {
        if (finalLog !== undefined) return;
        await server.stop();
        finalLog = readLog();
        removeDir(dir);
      },
    };
  }
  throw lastError instanceof Error ? lastError : new Error('nginx did not start');
}
