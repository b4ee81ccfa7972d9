/**
 * Real Redis servers for tests, on 127.0.0.1 random ports, each in its own temp dir: a standalone redis-server
 * (which can be stopped, restarted on the same port with its data, or frozen with SIGSTOP), a Sentinel watching
 * it, and a three-master Redis Cluster joined with `redis-cli --cluster create`.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selfSignedCertificate } from './selfSigned.js';
import { promisify } from 'node:util';
import {
  binaryAvailable,
  freePort,
  makeTempDir,
  removeDir,
  spawnServer,
  waitForPort,
  type ServerProcess,
} from './processes.js';

const run = promisify(execFile);

export const REDIS_SERVER = '/usr/bin/redis-server';
export const REDIS_SENTINEL = '/usr/bin/redis-sentinel';
export const REDIS_CLI = '/usr/bin/redis-cli';
export const redisAvailable =
  binaryAvailable(REDIS_SERVER) && binaryAvailable(REDIS_SENTINEL) && binaryAvailable(REDIS_CLI);

/** `redis-cli -p port args...` (stdout, trimmed); `--no-auth-warning` keeps a password out of stderr. */
export async function redisCli(
  port: number,
  args: string[],
  password?: string,
  caFile?: string,
): Promise<string> {
  const auth = password ? ['-a', password, '--no-auth-warning'] : [];
  const tls = caFile ? ['--tls', '--cacert', caFile] : [];
  const { stdout } = await run(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...tls, ...auth, ...args]);
  return stdout.trim();
}

export interface RedisServer {
  readonly port: number;
  /** redis://127.0.0.1:PORT (with the password when there is one). */
  readonly url: string;
  readonly dir: string;
  /** With `tls`: the self-signed certificate (its own CA) for 127.0.0.1, to pass as --redis-ca-path. */
  readonly caFile: string;
  cli(args: string[]): Promise<string>;
  /** Every key with its value (`--scan`, then GET): what a dump of this server would show. */
  dump(): Promise<Map<string, string>>;
  /** SIGSTOP: the process keeps its sockets but answers nothing (a frozen or overloaded Redis). */
  pause(): void;
  resume(): void;
  /** Stops the process (SIGTERM; the append-only file keeps the data). */
  stop(): Promise<void>;
  /** Starts it again on the same port and dir, with the data it had. */
  start(): Promise<void>;
  /** Stops it and removes its dir. */
  destroy(): Promise<void>;
}

export interface RedisServerOptions {
  readonly password?: string;
  /** TLS only (`--port 0 --tls-port P`) with a fresh self-signed certificate for 127.0.0.1. */
  readonly tls?: boolean;
  readonly extraArgs?: readonly string[];
}

/**
 * A redis-server with `--appendonly yes --appendfsync always` in a temp dir, so data survives stop()/start():
 * an outage test can check that the same session works once Redis is back.
 */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = makeTempDir('redis');
  const tls = opts.tls ? selfSignedCertificate(dir) : null;
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key]
    : ['--port', String(port)];
  if (tls) listen.push('--tls-ca-cert-file', tls.cert, '--tls-auth-clients', 'no');
  const args = [
    ...listen,
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    ...(opts.password ? ['--requirepass', opts.password] : []),
    ...(opts.extraArgs ?? []),
  ];
  let proc: ServerProcess | undefined;
  const start = async (): Promise<void> => {
    proc = spawnServer(REDIS_SERVER, args, { cwd: dir });
    await waitForPort(port, { server: proc, describe: () => proc?.stdout() ?? '' });
    await waitUntil(async () => (await cli(['PING'])) === 'PONG', 'redis PING');
  };
  const cli = (a: string[]): Promise<string> => redisCli(port, a, opts.password, tls?.cert);
  await start();
  const signal = (sig: NodeJS.Signals): void => {
    if (proc) process.kill(proc.pid, sig);
  };
  const scheme = tls ? 'rediss' : 'redis';
  return {
    port,
    url: `${scheme}://${opts.password ? `:${opts.password}@` : ''}127.0.0.1:${port}`,
    dir,
    caFile: tls?.cert ?? '',
    cli,
    async dump() {
      const keys = (await cli(['--scan'])).split('\n').filter(Boolean);
      const out = new Map<string, string>();
      for (const key of keys) out.set(key, await cli(['GET', key]));
      return out;
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    stop: async () => {
      signal('SIGCONT'); // a stopped process cannot act on SIGTERM
      await proc?.stop();
    },
    start,
    async destroy() {
      signal('SIGCONT');
      await proc?.stop();
      removeDir(dir);
    },
  };
}

export interface RedisSentinel {
  readonly port: number;
  readonly url: string;
  readonly masterName: string;
  stop(): Promise<void>;
}

/** One redis-sentinel watching `master` (quorum 1) as `masterName`. */
export async function startSentinel(
  master: RedisServer,
  masterName = 'authgate-master',
): Promise<RedisSentinel> {
  const port = await freePort();
  const dir = makeTempDir('sentinel');
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${masterName} 5000`,
      '',
    ].join('\n'),
  );
  const proc = spawnServer(REDIS_SENTINEL, [conf], { cwd: dir });
  await waitForPort(port, { server: proc, describe: () => proc.stdout() });
  await waitUntil(async () => {
    const reply = await redisCli(port, ['SENTINEL', 'get-master-addr-by-name', masterName]);
    return reply.split('\n').includes(String(master.port));
  }, 'sentinel to know its master');
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    masterName,
    async stop() {
      await proc.stop();
      removeDir(dir);
    },
  };
}

export interface RedisCluster {
  readonly ports: readonly number[];
  readonly urls: readonly string[];
  /** The port of the master serving `key`'s slot. */
  nodeOf(key: string): Promise<number>;
  stop(): Promise<void>;
}

/** A free port whose cluster bus port (+10000) is free too. */
async function clusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
  throw new Error('no free port pair for a cluster node');
}

async function isFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Three masters (no replicas) with every slot assigned, waited on until each node says cluster_state:ok. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = makeTempDir('redis-cluster');
  const ports: number[] = [];
  const procs: ServerProcess[] = [];
  try {
    for (let i = 0; i < 3; i += 1) {
      const port = await clusterPort();
      const args = [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
      ];
      args.push('no', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`);
      const proc = spawnServer(REDIS_SERVER, args, { cwd: dir });
      procs.push(proc);
      await waitForPort(port, { server: proc, describe: () => proc.stdout() });
      ports.push(port);
    }
    await run(REDIS_CLI, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes']);
    await waitUntil(async () => {
      const states = await Promise.all(ports.map((p) => redisCli(p, ['CLUSTER', 'INFO'])));
      return states.every((s) => s.includes('cluster_state:ok'));
    }, 'cluster_state:ok on every node');
  } catch (err) {
    await Promise.all(procs.map((p) => p.stop()));
    removeDir(dir);
    throw err;
  }
  return {
    ports,
    urls: ports.map((p) => `redis://127.0.0.1:${p}`),
    async nodeOf(key) {
      const slot = Number(await redisCli(ports[0] ?? 0, ['CLUSTER', 'KEYSLOT', key]));
      const slots = JSON.parse((await redisCli(ports[0] ?? 0, ['--json', 'CLUSTER', 'SLOTS'])) || '[]') as [
        number,
        number,
        [string, number, string],
      ][];
      const range = slots.find(([from, to]) => slot >= from && slot <= to);
      return range ? range[2][1] : -1;
    },
    async stop() {
      await Promise.all(procs.map((p) => p.stop()));
      removeDir(dir);
    },
  };
}

/** Polls `check` every 50 ms until it is true (errors count as false); throws after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
