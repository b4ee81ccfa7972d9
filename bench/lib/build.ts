/**
 * Compiles the benchmark's server processes (and the authgate sources they import) to plain JavaScript with tsc,
 * so they run on bare `node` like a production build: no loader in the process, whose tens of MB would
 * otherwise count in the RSS figures. Type errors are `npm run typecheck`'s business, hence --noCheck.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..', '..');
const SERVERS = ['authgate', 'bareProxy', 'upstream'];

export interface ServerBuild {
  /** Directory holding authgate.js, bareProxy.js and upstream.js. */
  readonly serversDir: string;
  /** The build's root, to shorten script URLs in profiles. */
  readonly root: string;
  remove(): void;
}

export function buildServers(): ServerBuild {
  const root = join(REPO, '.tmp', 'bench-build', String(process.pid));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const args = [
    tsc,
    '--ignoreConfig',
    ...['--outDir', root, '--rootDir', REPO, '--module', 'nodenext', '--moduleResolution', 'nodenext'],
    ...['--target', 'es2023', '--types', 'node', '--skipLibCheck', '--noCheck', '--esModuleInterop'],
    ...SERVERS.map((name) => join(REPO, 'bench', 'servers', `${name}.ts`)),
  ];
  const result = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`compiling the bench servers failed:\n${result.stdout}${result.stderr}`);
  }
  return {
    serversDir: join(root, 'bench', 'servers'),
    root,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
