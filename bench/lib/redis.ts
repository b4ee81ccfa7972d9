/** A throw-away local redis-server for scenario 7, pinned with the other servers. */
import { binaryAvailable, makeTempDir, removeDir } from '../../test/support/processes.js';
import { spawnPinned, type Child } from './children.js';

export const REDIS_BIN = '/usr/bin/redis-server';

export function redisInstalled(): boolean {
  return binaryAvailable(REDIS_BIN);
}

export function startRedis(core: number | null, port: number): Child {
  const dir = makeTempDir('bench-redis');
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  const child = spawnPinned('redis-server', core, REDIS_BIN, args, { cwd: dir });
  return {
    ...child,
    async stop(graceMs) {
      await child.stop(graceMs);
      removeDir(dir);
    },
  };
}
