/**
 * No Docker engine runs here, so this test rebuilds the Dockerfile's stages in a temp dir from the Dockerfile
 * itself: every stage gets a directory standing for its filesystem, its COPY lines are replayed (from the build
 * context or from an earlier stage) and its RUN lines are executed there. The one substitution: the build
 * stage's full `npm ci` is replaced by a symlink to this checkout's node_modules (same lockfile; saves ~20 s).
 * The production `npm ci --omit=dev` of the deps stage runs for real. Then authgate runs from the runtime stage's
 * /app exactly as its ENTRYPOINT says, which proves the image holds what authgate needs and nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { freePort, makeTempDir, removeDir, spawnServer, waitForPort } from '../../support/processes.js';
import { parseDockerfile, type Stage } from './dockerfile.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const stages = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const runtime = stages[stages.length - 1] as Stage;
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

let tmp = '';
const root = (stage: string): string => join(tmp, stage);
const onHost = (stage: string, path: string): string => join(root(stage), path);

function replayCopy(stage: Stage, copy: Stage['copies'][number]): void {
  for (const source of copy.sources) {
    const from = copy.from === null ? join(REPO, source) : onHost(copy.from, source);
    if (!existsSync(from)) throw new Error(`COPY ${source} (from ${copy.from ?? 'context'}): not there`);
    const into = onHost(stage.name, copy.dest);
    // Docker: a directory's contents land in dest; a file lands in dest/ (trailing slash) or as dest.
    const target =
      statSync(from).isDirectory() || !copy.dest.endsWith('/') ? into : join(into, basename(from));
    mkdirSync(statSync(from).isDirectory() ? target : dirname(target), { recursive: true });
    cpSync(from, target, { recursive: true, dereference: false });
  }
}

function replayRun(stage: Stage, command: string): void {
  const cwd = onHost(stage.name, stage.workdir);
  if (/^npm ci\b/.test(command) && !/--omit=dev/.test(command)) {
    symlinkSync(join(REPO, 'node_modules'), join(cwd, 'node_modules'), 'dir');
    return;
  }
  const result = spawnSync('bash', ['-c', command], {
    cwd,
    encoding: 'utf8',
    // Offline-capable: the npm cache answers; the command itself is the Dockerfile's, unchanged.
    env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
    timeout: 90_000,
  });
  if (result.status !== 0) {
    throw new Error(`RUN ${command} in stage ${stage.name} failed:\n${result.stdout}\n${result.stderr}`);
  }
}

/** path -> size:mtime of every file under dir (node_modules symlinks not followed). */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        out.set(relative(dir, p), `${s.size}:${s.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out;
}

const appDir = (): string => onHost(runtime.name, runtime.workdir);
const entryScript = (): string => onHost(runtime.name, runtime.entrypoint?.[1] ?? '/missing');
const runtimeEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, ...runtime.env });

function runAuthgate(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [entryScript(), ...args], {
    cwd: appDir(),
    env: runtimeEnv(),
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('Dockerfile', () => {
  it('builds on the full Node image and runs on distroless as the numeric non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages.slice(0, -1)) expect(s.image).toBe('node:22-bookworm');
    expect(runtime.image).toBe('gcr.io/distroless/nodejs22-debian12:nonroot');
    expect(runtime.user).toBe('65532:65532');
    expect(runtime.runs).toEqual([]); // distroless has no shell: nothing may RUN there
    expect(runtime.entrypoint).toEqual(['/nodejs/bin/node', '/app/dist/cli.js']);
    expect(runtime.expose).toEqual(expect.arrayContaining(['4180', '44180']));
    expect(runtime.env.NODE_ENV).toBe('production');
    expect(runtime.labels['org.opencontainers.image.title']).toBe('authgate');
  });

  it('keeps the build context small and free of dev artefacts (.dockerignore)', () => {
    const ignored = readFileSync(join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    const matches = (name: string): boolean =>
      ignored.some((p) => new RegExp(`^${p.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`).test(name));
    for (const name of [
      'node_modules',
      'dist',
      'test',
      '.git',
      '.tools',
      'charts',
      'coverage',
      'bench',
      '.env',
    ]) {
      expect({ name, ignored: matches(name) }).toEqual({ name, ignored: true });
    }
    // Everything the Dockerfile copies from the context must survive the ignore list.
    for (const s of stages)
      for (const c of s.copies.filter((c) => c.from === null))
        for (const src of c.sources)
          expect({ src, ignored: matches(src.split('/')[0] ?? src) }).toEqual({ src, ignored: false });
  });
});

describe('the runtime stage, rebuilt in a temp dir', () => {
  let before: Map<string, string>;

  beforeAll(() => {
    tmp = makeTempDir('docker');
    for (const stage of stages) {
      mkdirSync(onHost(stage.name, stage.workdir), { recursive: true });
      for (const copy of stage.copies) replayCopy(stage, copy);
      for (const command of stage.runs) replayRun(stage, command);
    }
    before = snapshot(appDir());
  }, 120_000);

  afterAll(() => {
    if (tmp) removeDir(tmp);
  });

  it('holds package.json, dist/ and node_modules/ only', () => {
    expect(readdirSync(appDir()).sort()).toEqual(['dist', 'node_modules', 'package.json']);
    expect(existsSync(join(appDir(), 'dist', 'cli.js'))).toBe(true);
    expect(readdirSync(join(appDir(), 'dist')).some((f) => f.endsWith('.ts') || f.endsWith('.map'))).toBe(
      false,
    );
  });

  it('has no development dependency in node_modules', () => {
    const present = Object.keys(pkg.devDependencies).filter((dep) =>
      existsSync(join(appDir(), 'node_modules', dep)),
    );
    expect(present).toEqual([]);
    for (const dep of ['jest', 'typescript', 'oidc-provider', '@swc/core', 'playwright-core']) {
      expect(existsSync(join(appDir(), 'node_modules', dep))).toBe(false);
    }
    expect(existsSync(join(appDir(), 'node_modules', 'express'))).toBe(true);
  });

  it('prints the version from package.json and the grouped --help', () => {
    const version = runAuthgate(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout).toBe(`authgate ${pkg.version}\n`);
    const help = runAuthgate(['--help']);
    expect(help.status).toBe(0);
    for (const flag of [
      '--http-address',
      '--client-id',
      '--cookie-secret',
      '--upstream',
      '--kube-impersonation',
    ]) {
      expect(help.stdout).toContain(flag);
    }
  });

  it('starts, answers /ping and stops on SIGTERM, loading every module it needs', async () => {
    const port = await freePort();
    const server = spawnServer(
      process.execPath,
      [
        entryScript(),
        `--http-address=127.0.0.1:${port}`,
        '--oidc-issuer-url=http://127.0.0.1:9/unreachable',
        '--client-id=docker-test',
        '--email-domain=*',
        '--log-level=warn',
        // SIGTERM first turns /ready 503 and keeps serving for the grace: keep that short here.
        '--shutdown-grace=1s',
      ],
      {
        cwd: appDir(),
        // Secrets through the environment, as the Helm chart passes them.
        env: {
          ...runtimeEnv(),
          AUTHGATE_CLIENT_SECRET: 'docker-test-secret',
          AUTHGATE_COOKIE_SECRET: 'x'.repeat(32),
        },
      },
    );
    try {
      await waitForPort(port, { server, timeoutMs: 15_000 });
      const ping = await fetch(`http://127.0.0.1:${port}/ping`);
      expect(ping.status).toBe(200);
    } finally {
      await server.stop(20_000);
    }
    expect(server.exitStatus()).toEqual({ code: 0, signal: null });
  });

  it('wrote nothing into the image filesystem while running (read-only root filesystem)', () => {
    expect(snapshot(appDir())).toEqual(before);
  });
});
