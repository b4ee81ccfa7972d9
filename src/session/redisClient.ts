/**
 * One Redis connection (standalone, through Sentinel, or to a Cluster) for the session store, built from the
 * validated options, with the behaviour a proxy needs when Redis misbehaves:
 * - every command is bounded (2 s by default), so a frozen Redis costs a request at most that and a 503, never
 *   a hung request; while disconnected (after the first connection) commands fail at once, and nothing is
 *   queued for later: a write that failed is never replayed behind the user's back when Redis returns;
 * - it reconnects by itself forever (backoff up to 2 s), and a background PING notices both an outage without
 *   traffic and the recovery, so /ready follows Redis's state;
 * - connection errors never escape as unhandled 'error' events, and the log gets one line per change of state
 *   (unavailable / available again), never the URL's password or any command argument.
 */
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { lazyModule } from '../lazyModule.js';
import type { ConnectionOptions } from 'node:tls';
import type { Options } from '../config/options.js';
import type { Logger } from '../observability/logger.js';
import { SessionStoreError } from './store.js';
import { isRedisAddress, parseRedisUrl, type RedisAddress } from './redisUrl.js';

export interface RedisConnectionSettings {
  readonly mode: 'standalone' | 'sentinel' | 'cluster';
  /** Standalone: one address; sentinel: the Sentinels; cluster: the startup nodes. */
  readonly addresses: readonly RedisAddress[];
  readonly username: string;
  readonly password: string;
  readonly db: number;
  readonly sentinelMasterName: string;
  readonly sentinelPassword: string;
  readonly tls: boolean;
  readonly caPem: string;
  readonly insecureSkipTlsVerify: boolean;
  /** Bound of every command (default 2000 ms). */
  readonly commandTimeoutMs?: number;
  /** How often the health probe PINGs (default 1000 ms). */
  readonly probeIntervalMs?: number;
}

export type RedisClient = Redis | Cluster;

export interface RedisConnection {
  /** Runs `command` with the bound; any failure rejects with SessionStoreError and marks the connection down. */
  run<T>(command: (client: RedisClient) => Promise<T>): Promise<T>;
  /**
   * The ioredis client under `run`, for what watches the connection itself rather than sending a bounded
   * request (the session record cache listens to its events and turns on CLIENT TRACKING; redisTracking.ts).
   */
  readonly client: RedisClient;
  readonly settings: RedisConnectionSettings;
  readonly log: Logger;
  isHealthy(): boolean;
  close(): Promise<void>;
}

/** Loaded when the first Redis client is built: cookie-session deployments never load it. */
const ioredis = lazyModule<typeof import('ioredis')>('ioredis');

export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;
export const DEFAULT_PROBE_INTERVAL_MS = 1000;
const MAX_RECONNECT_DELAY_MS = 2000;

function addresses(urls: readonly string[]): RedisAddress[] {
  return urls.map(parseRedisUrl).filter(isRedisAddress);
}

/** The connection settings in validated options (credential flags override those in the URLs). */
export function redisSettingsFromOptions(o: Options): RedisConnectionSettings {
  const mode = o.redisUseSentinel ? 'sentinel' : o.redisUseCluster ? 'cluster' : 'standalone';
  const list =
    mode === 'sentinel'
      ? addresses(o.redisSentinelConnectionUrls)
      : mode === 'cluster'
        ? addresses(o.redisClusterConnectionUrls)
        : addresses([o.redisConnectionUrl]);
  const first = list[0];
  const fromUrl = mode === 'standalone' || mode === 'cluster' ? first : undefined;
  return {
    mode,
    addresses: list,
    username: o.redisUsername || (fromUrl?.username ?? ''),
    password: o.redisPassword || (fromUrl?.password ?? ''),
    db: mode === 'standalone' ? (first?.db ?? 0) : 0,
    sentinelMasterName: o.redisSentinelMasterName,
    sentinelPassword: o.redisSentinelPassword || (mode === 'sentinel' ? (first?.password ?? '') : ''),
    tls: list.some((a) => a.tls),
    caPem: o.redisCaPem,
    insecureSkipTlsVerify: o.redisInsecureSkipTlsVerify,
  };
}

const reconnectDelay = (attempt: number): number => Math.min(100 * attempt, MAX_RECONNECT_DELAY_MS);

function tlsOptions(s: RedisConnectionSettings): ConnectionOptions | undefined {
  if (!s.tls) return undefined;
  return { ...(s.caPem ? { ca: s.caPem } : {}), rejectUnauthorized: !s.insecureSkipTlsVerify };
}

/** The ioredis client for `s`; it starts connecting at once. */
export function createRedisClient(s: RedisConnectionSettings): RedisClient {
  const timeout = s.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const tls = tlsOptions(s);
  const common = {
    ...(s.username ? { username: s.username } : {}),
    ...(s.password ? { password: s.password } : {}),
    ...(tls ? { tls } : {}),
    // RESP2 works with every Redis a deployment may run (RESP3's HELLO needs Redis 6).
    protocol: 2 as const,
    connectTimeout: timeout,
    commandTimeout: timeout,
    // A command is sent once, while connected, or fails: no queue replays a timed-out write minutes later.
    maxRetriesPerRequest: 0,
    connectionName: 'authgate',
    disableClientInfo: true,
  };
  if (s.mode === 'cluster') {
    const options: ClusterOptions = {
      redisOptions: common,
      clusterRetryStrategy: reconnectDelay,
      slotsRefreshTimeout: timeout,
      enableOfflineQueue: false,
    };
    return new (ioredis().Cluster)(
      s.addresses.map((a) => ({ host: a.host, port: a.port })),
      options,
    );
  }
  const options: RedisOptions = {
    ...common,
    db: s.db,
    retryStrategy: reconnectDelay,
    enableOfflineQueue: false,
    // After a failover the old master answers READONLY: reconnect (through Sentinel) and retry the command.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  };
  if (s.mode === 'standalone') {
    const only = s.addresses[0];
    return new (ioredis().Redis)({ ...options, host: only?.host ?? '127.0.0.1', port: only?.port ?? 6379 });
  }
  const sentinelTls = s.addresses.some((a) => a.tls) ? tls : undefined;
  return new (ioredis().Redis)({
    ...options,
    sentinels: s.addresses.map((a) => ({ host: a.host, port: a.port })),
    name: s.sentinelMasterName,
    role: 'master',
    ...(s.sentinelPassword ? { sentinelPassword: s.sentinelPassword } : {}),
    ...(sentinelTls ? { enableTLSForSentinelMode: true, sentinelTLS: sentinelTls } : {}),
    sentinelRetryStrategy: reconnectDelay,
    sentinelCommandTimeout: timeout,
  });
}

/** Resolves true once `client` is ready, false after `timeoutMs`. */
function firstReady(client: RedisClient, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ok);
    };
    const onReady = (): void => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.once('ready', onReady);
  });
}

/** A short, secret-free description of a Redis error for the log. */
export function reasonOf(err: unknown): string {
  // Duck-typed: errors from node:tls or node:net may come from another realm (vm contexts), failing instanceof.
  if (typeof err !== 'object' || err === null || typeof (err as Error).message !== 'string')
    return 'unknown error';
  const { code, message } = err as NodeJS.ErrnoException;
  // ioredis messages name host:port and Redis's error text, never credentials or arguments.
  return `${typeof code === 'string' ? `${code}: ` : ''}${message}`
    .replace(/\/\/[^/@\s]*@/g, '//***@')
    .slice(0, 160);
}

/** Wraps `client` with bounded commands, health tracking, state-change logging and a periodic PING. */
export function createRedisConnection(
  settings: RedisConnectionSettings,
  log: Logger,
  client: RedisClient = createRedisClient(settings),
): RedisConnection {
  const timeoutMs = settings.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  let failing = false;
  let lastReason = '';
  let reported: boolean | null = null;
  let downSince = 0;
  let closed = false;
  let everReady = false;

  const healthy = (): boolean => !closed && client.status === 'ready' && !failing;
  const report = (): void => {
    const now = healthy();
    if (now === reported || closed) return;
    if (now) {
      const after = reported === false ? { downForMs: Date.now() - downSince } : {};
      log.info({ store: 'redis', mode: settings.mode, ...after }, 'session store available');
    } else {
      downSince = Date.now();
      log.warn(
        { store: 'redis', mode: settings.mode, reason: lastReason || 'not connected' },
        'session store unavailable',
      );
    }
    reported = now;
  };
  client.on('error', (err: unknown) => {
    lastReason = reasonOf(err);
    report();
  });
  client.on('ready', () => {
    everReady = true;
    failing = false;
    lastReason = '';
    report();
  });
  for (const event of ['close', 'end', 'reconnecting']) {
    client.on(event, () => {
      // An 'error' just before says more than the close that follows it.
      if (lastReason === '') lastReason = `connection ${event}`;
      report();
    });
  }

  const run = async <T>(command: (c: RedisClient) => Promise<T>): Promise<T> => {
    if (closed) throw new SessionStoreError('the session store is closed');
    if (client.status !== 'ready') {
      // Right after start, wait for the first connection; once it has been up, a lost one fails at once.
      if (everReady || !(await firstReady(client, timeoutMs))) {
        failing = true;
        report();
        throw new SessionStoreError('the session store is unavailable');
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const pending = command(client);
    pending.catch(() => {}); // answered after the timeout: nobody is waiting any more
    try {
      const value = await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      failing = false;
      if (healthy()) lastReason = '';
      report();
      return value;
    } catch (err) {
      failing = true;
      lastReason = reasonOf(err);
      report();
      throw new SessionStoreError('the session store is unavailable', { cause: err });
    } finally {
      clearTimeout(timer);
    }
  };

  let probing = false;
  const probe = setInterval(() => {
    if (probing || closed) return;
    probing = true;
    run((c) => c.ping())
      .catch(() => {})
      .finally(() => {
        probing = false;
      });
  }, settings.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS);
  probe.unref();

  return {
    run,
    client,
    settings,
    log,
    isHealthy: healthy,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(probe);
      const quit = client.quit().catch(() => 'failed');
      const late = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
      if ((await Promise.race([quit, late])) !== 'OK') client.disconnect();
    },
  };
}
