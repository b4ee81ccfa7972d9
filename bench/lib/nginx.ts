/** nginx as a plain keep-alive reverse proxy (scenario 8: the native floor), run from a temp dir. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaryAvailable, makeTempDir, removeDir } from '../../test/support/processes.js';
import { spawnPinned, type Child } from './children.js';

export const NGINX_BIN = '/usr/sbin/nginx';

export function nginxInstalled(): boolean {
  return binaryAvailable(NGINX_BIN);
}

/** One worker, no access log, a keep-alive pool to the upstream: what a tuned nginx proxy_pass looks like. */
export function renderProxyConf(dir: string, port: number, upstreamPort: number): string {
  const t = (name: string): string => join(dir, 'tmp', name);
  return `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${t('client_body')};
  proxy_temp_path ${t('proxy')};
  fastcgi_temp_path ${t('fastcgi')};
  uwsgi_temp_path ${t('uwsgi')};
  scgi_temp_path ${t('scgi')};
  keepalive_requests 1000000;
  upstream bench_upstream {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`;
}

/** Starts nginx pinned to `core`; the returned child's stop() also removes its temp dir. */
export function startNginxProxy(core: number | null, port: number, upstreamPort: number): Child {
  const dir = makeTempDir('bench-nginx');
  mkdirSync(join(dir, 'tmp'));
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, renderProxyConf(dir, port, upstreamPort));
  const child = spawnPinned('nginx', core, NGINX_BIN, ['-e', join(dir, 'error.log'), '-p', dir, '-c', conf], {
    cwd: dir,
  });
  return {
    ...child,
    async stop(graceMs) {
      await child.stop(graceMs);
      removeDir(dir);
    },
  };
}
