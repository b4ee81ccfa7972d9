/**
 * The session-store flags -> Options: --session-store-type and the Redis connection (standalone, Sentinel or
 * Cluster, as oauth2-proxy names them). Every inconsistency is reported with a fix, so a Redis deployment never
 * starts half-configured and then fails on the first sign-in.
 */
import type { ReadFile } from './buildSecrets.js';
import type { Checker } from './checks.js';
import type { Options, SessionStoreType } from './options.js';
import { isRedisAddress, parseRedisUrl, type RedisAddress } from '../session/redisUrl.js';

type SessionOptions = Pick<
  Options,
  | 'sessionStoreType'
  | 'redisConnectionUrl'
  | 'redisUsername'
  | 'redisPassword'
  | 'redisUseSentinel'
  | 'redisSentinelMasterName'
  | 'redisSentinelConnectionUrls'
  | 'redisSentinelPassword'
  | 'redisUseCluster'
  | 'redisClusterConnectionUrls'
  | 'redisCaPem'
  | 'redisInsecureSkipTlsVerify'
>;

const URL_FIX =
  'write it as redis://host:6379 (or rediss://host:6380 for TLS), e.g. redis://redis.auth.svc:6379';

export function sessionOptions(check: Checker, readFile: ReadFile): SessionOptions {
  const v = check.values;
  const type = check.oneOf<SessionStoreType>('session-store-type', ['cookie', 'redis'], 'cookie', (s) =>
    s.toLowerCase(),
  );
  const useSentinel = v.bool('redis-use-sentinel');
  const useCluster = v.bool('redis-use-cluster');
  const single = v.str('redis-connection-url');
  const sentinels = v.list('redis-sentinel-connection-urls');
  const nodes = v.list('redis-cluster-connection-urls');
  const caPath = v.str('redis-ca-path');

  const addresses = [
    ...urls(check, 'redis-connection-url', single === '' ? [] : [single], true),
    ...urls(check, 'redis-sentinel-connection-urls', sentinels, false),
    ...urls(check, 'redis-cluster-connection-urls', nodes, false),
  ];
  if (type === 'redis') {
    connectionMode(check, useSentinel, useCluster, single, sentinels, nodes);
  } else {
    const set = REDIS_SETTINGS.filter((name) => isSet(check, name));
    if (set.length > 0) {
      check.report(
        set[0] ?? 'session-store-type',
        `is set, but sessions are kept in cookies (--session-store-type=${type})`,
        `set --session-store-type=redis to use Redis, or remove ${set.map((n) => `--${n}`).join(', ')}`,
      );
    }
  }
  const caPem = caPath === '' ? '' : caBundle(check, caPath, readFile);
  if (caPath !== '' && type === 'redis' && !addresses.some((a) => a.tls)) {
    check.report('redis-ca-path', 'is set, but no Redis URL uses rediss:// (TLS)', 'use rediss:// URLs');
  }
  return {
    sessionStoreType: type,
    redisConnectionUrl: single,
    redisUsername: v.str('redis-username'),
    redisPassword: v.str('redis-password'),
    redisUseSentinel: useSentinel,
    redisSentinelMasterName: v.str('redis-sentinel-master-name'),
    redisSentinelConnectionUrls: sentinels,
    redisSentinelPassword: v.str('redis-sentinel-password'),
    redisUseCluster: useCluster,
    redisClusterConnectionUrls: nodes,
    redisCaPem: caPem,
    redisInsecureSkipTlsVerify: v.bool('redis-insecure-skip-tls-verify'),
  };
}

/** Settings that only mean something with --session-store-type=redis. */
const REDIS_SETTINGS = [
  'redis-connection-url',
  'redis-use-sentinel',
  'redis-sentinel-connection-urls',
  'redis-use-cluster',
  'redis-cluster-connection-urls',
] as const;

function isSet(check: Checker, name: (typeof REDIS_SETTINGS)[number]): boolean {
  const v = check.values;
  if (name === 'redis-use-sentinel' || name === 'redis-use-cluster') return v.bool(name);
  if (name === 'redis-connection-url') return v.str(name) !== '';
  return v.list(name).length > 0;
}

/** Exactly one way to reach Redis, with what that way needs. */
function connectionMode(
  check: Checker,
  useSentinel: boolean,
  useCluster: boolean,
  single: string,
  sentinels: readonly string[],
  nodes: readonly string[],
): void {
  if (useSentinel && useCluster) {
    check.report(
      'redis-use-cluster',
      'cannot be combined with --redis-use-sentinel',
      'choose one: Sentinel (a master and replicas) or Cluster (sharded nodes)',
    );
    return;
  }
  if (useSentinel) {
    if (check.values.str('redis-sentinel-master-name') === '') {
      check.report(
        'redis-sentinel-master-name',
        'is missing (required with --redis-use-sentinel)',
        'set it to the name in the Sentinels\' "sentinel monitor <name> ..." line, e.g. mymaster',
      );
    }
    if (sentinels.length === 0) {
      check.report(
        'redis-sentinel-connection-urls',
        'is missing (required with --redis-use-sentinel)',
        'list the Sentinels, e.g. redis://sentinel-0:26379,redis://sentinel-1:26379',
      );
    }
    return;
  }
  if (useCluster) {
    if (nodes.length === 0) {
      check.report(
        'redis-cluster-connection-urls',
        'is missing (required with --redis-use-cluster)',
        'list one or more cluster nodes, e.g. redis://redis-0:6379,redis://redis-1:6379',
      );
    }
    return;
  }
  if (single === '') {
    check.report(
      'redis-connection-url',
      'is missing (required with --session-store-type=redis)',
      'set --redis-connection-url=redis://host:6379, or --redis-use-sentinel / --redis-use-cluster with their URLs',
    );
  }
  if (sentinels.length > 0 || nodes.length > 0) {
    const name = sentinels.length > 0 ? 'redis-sentinel-connection-urls' : 'redis-cluster-connection-urls';
    check.report(
      name,
      `is set without --${name.includes('sentinel') ? 'redis-use-sentinel' : 'redis-use-cluster'}`,
      `add --${name.includes('sentinel') ? 'redis-use-sentinel' : 'redis-use-cluster'}, or remove --${name}`,
    );
  }
}

/** The valid addresses among `values`; each bad one reported (without its text: it may hold a password). */
function urls(check: Checker, name: string, values: readonly string[], dbAllowed: boolean): RedisAddress[] {
  const out: RedisAddress[] = [];
  values.forEach((value, index) => {
    const which = values.length > 1 ? ` (entry ${index + 1})` : '';
    const parsed = parseRedisUrl(value);
    if (!isRedisAddress(parsed)) {
      check.report(name, `${parsed.error}${which}`, URL_FIX);
    } else if (!dbAllowed && parsed.db !== 0) {
      check.report(name, `names database ${parsed.db}${which}`, 'Sentinel and Cluster URLs take no /db');
    } else {
      out.push(parsed);
    }
  });
  const tls = new Set(out.map((a) => a.tls));
  if (tls.size > 1) {
    check.report(
      name,
      'mixes redis:// and rediss://',
      'use rediss:// for every entry, or redis:// for every one',
    );
  }
  return out;
}

function caBundle(check: Checker, path: string, readFile: ReadFile): string {
  let text: string;
  try {
    text = readFile(path);
  } catch {
    check.report('redis-ca-path', `cannot read ${JSON.stringify(path)}`, 'point it at a readable PEM file');
    return '';
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    check.report(
      'redis-ca-path',
      `${JSON.stringify(path)} holds no PEM certificate`,
      'give the CA certificate(s) in PEM form',
    );
    return '';
  }
  return text;
}
