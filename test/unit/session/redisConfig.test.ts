import { describe, expect, it } from '@jest/globals';
import { configErrorOf, optionsOf, VALID_ARGV } from '../config/configFixtures.js';
import { redisSettingsFromOptions } from '../../../src/session/redisClient.js';

const REDIS = [...VALID_ARGV, '--session-store-type=redis'];
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function problems(argv: string[], files: Record<string, string> = {}) {
  return configErrorOf(argv, {}, files).problems;
}

describe('Redis session-store flags', () => {
  it('take oauth2-proxy names from flags, OAUTH2_PROXY_* variables and comma lists', () => {
    const o = optionsOf([...REDIS, '--redis-use-sentinel', '--redis-sentinel-master-name=mymaster'], {
      OAUTH2_PROXY_REDIS_SENTINEL_CONNECTION_URLS: 'redis://s1:26379,redis://s2:26379',
      OAUTH2_PROXY_REDIS_PASSWORD: 'node-pass',
      OAUTH2_PROXY_REDIS_SENTINEL_PASSWORD: 'sentinel-pass',
    });
    expect(o.redisSentinelConnectionUrls).toEqual(['redis://s1:26379', 'redis://s2:26379']);
    const s = redisSettingsFromOptions(o);
    expect(s).toMatchObject({
      mode: 'sentinel',
      sentinelMasterName: 'mymaster',
      password: 'node-pass',
      sentinelPassword: 'sentinel-pass',
      tls: false,
    });
    expect(s.addresses.map((a) => `${a.host}:${a.port}`)).toEqual(['s1:26379', 's2:26379']);
  });

  it('let --redis-password and --redis-username override the URL, and read the db from it', () => {
    const url = '--redis-connection-url=rediss://urluser:urlpass@redis.internal:6380/2';
    const fromUrl = redisSettingsFromOptions(
      optionsOf([...REDIS, url, '--redis-ca-path=/ca.pem'], {}, { '/ca.pem': PEM }),
    );
    expect(fromUrl).toMatchObject({
      mode: 'standalone',
      username: 'urluser',
      password: 'urlpass',
      db: 2,
      tls: true,
    });
    expect(fromUrl.caPem).toBe(PEM);
    const flags = redisSettingsFromOptions(
      optionsOf([...REDIS, url, '--redis-username=flaguser', '--redis-password=flagpass']),
    );
    expect(flags).toMatchObject({ username: 'flaguser', password: 'flagpass' });
  });

  it('read cluster nodes from an oauth2-proxy config-file key', () => {
    const toml =
      'redis_use_cluster = true\nredis_cluster_connection_urls = ["redis://a:7000", "redis://b:7001"]\n';
    const o = optionsOf([...REDIS, '--config=/etc/oauth2-proxy.cfg'], {}, { '/etc/oauth2-proxy.cfg': toml });
    expect(o.redisClusterConnectionUrls).toEqual(['redis://a:7000', 'redis://b:7001']);
    expect(redisSettingsFromOptions(o)).toMatchObject({ mode: 'cluster' });
    expect(redisSettingsFromOptions(o).addresses).toHaveLength(2);
  });

  it.each([
    ['no connection at all', REDIS, '--redis-connection-url', 'is missing'],
    [
      'an http URL',
      [...REDIS, '--redis-connection-url=http://redis:6379'],
      '--redis-connection-url',
      'not redis://',
    ],
    [
      'sentinel without master name or URLs',
      [...REDIS, '--redis-use-sentinel'],
      '--redis-sentinel-master-name',
      'required with --redis-use-sentinel',
    ],
    [
      'cluster without nodes',
      [...REDIS, '--redis-use-cluster'],
      '--redis-cluster-connection-urls',
      'is missing',
    ],
    [
      'sentinel and cluster together',
      [...REDIS, '--redis-use-sentinel', '--redis-use-cluster'],
      '--redis-use-cluster',
      'cannot be combined',
    ],
    [
      'sentinel URLs without --redis-use-sentinel',
      [...REDIS, '--redis-connection-url=redis://r:6379', '--redis-sentinel-connection-urls=redis://s:26379'],
      '--redis-sentinel-connection-urls',
      'without --redis-use-sentinel',
    ],
    [
      'a database in a cluster URL',
      [...REDIS, '--redis-use-cluster', '--redis-cluster-connection-urls=redis://a:7000/1'],
      '--redis-cluster-connection-urls',
      'names database 1',
    ],
    [
      'mixed TLS',
      [...REDIS, '--redis-use-cluster', '--redis-cluster-connection-urls=redis://a:7000,rediss://b:7001'],
      '--redis-cluster-connection-urls',
      'mixes redis:// and rediss://',
    ],
    [
      'a Redis URL while sessions are cookies',
      [...VALID_ARGV, '--redis-connection-url=redis://r:6379'],
      '--redis-connection-url',
      'sessions are kept in cookies',
    ],
    [
      'a CA without TLS',
      [...REDIS, '--redis-connection-url=redis://r:6379', '--redis-ca-path=/ca.pem'],
      '--redis-ca-path',
      'no Redis URL uses rediss://',
    ],
    [
      'an unreadable CA',
      [...REDIS, '--redis-connection-url=rediss://r:6379', '--redis-ca-path=/missing.pem'],
      '--redis-ca-path',
      'cannot read',
    ],
  ])('refuse %s, with a fix', (_what, argv, flag, message) => {
    const found = problems(argv, { '/ca.pem': PEM });
    const match = found.find((p) => p.flag === flag);
    expect(match?.message).toContain(message);
    expect(match?.fix).not.toBe('');
  });

  it('list every problem at once, and never show a password from a URL', () => {
    const found = problems([
      ...REDIS,
      '--redis-use-sentinel',
      '--redis-sentinel-connection-urls=http://:hunter2-secret@s:26379',
    ]);
    expect(found.map((p) => p.flag).sort()).toEqual([
      '--redis-sentinel-connection-urls',
      '--redis-sentinel-master-name',
    ]);
    expect(JSON.stringify(found)).not.toContain('hunter2-secret');
  });

  it('are no longer reported as oauth2-proxy options authgate lacks', () => {
    const o = optionsOf([...REDIS], { OAUTH2_PROXY_REDIS_CONNECTION_URL: 'redis://127.0.0.1:6379/0' });
    expect(o.redisConnectionUrl).toBe('redis://127.0.0.1:6379/0');
  });
});
