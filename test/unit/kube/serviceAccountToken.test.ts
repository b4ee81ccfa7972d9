import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/observability/logger.js';
import { watchTokenFile, type TokenSource } from '../../../src/kube/serviceAccountToken.js';

const lines: string[] = [];
const log = createLogger(
  'info',
  new Writable({
    write(c: Buffer, _e, cb) {
      lines.push(c.toString());
      cb();
    },
  }),
);
const waitFor = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('watchTokenFile', () => {
  let source: TokenSource | undefined;
  let dir = '';
  afterEach(() => {
    source?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the token at start and picks up a rewrite without a request touching the file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sa-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'token-one\n');
    source = watchTokenFile(file, { log, checkIntervalMs: 100 });
    expect(source.current()).toBe('token-one');
    writeFileSync(file, 'token-two-longer\n');
    await waitFor(() => source?.current() === 'token-two-longer');
    expect(lines.join('')).toContain('service-account token changed');
    expect(lines.join('')).not.toContain('token-two');
  });

  it("follows the kubelet's atomic ..data symlink swap", async () => {
    dir = mkdtempSync(join(tmpdir(), 'sa-'));
    mkdirSync(join(dir, 'v1'));
    writeFileSync(join(dir, 'v1', 'token'), 'first');
    symlinkSync('v1', join(dir, '..data'));
    symlinkSync(join('..data', 'token'), join(dir, 'token'));
    source = watchTokenFile(join(dir, 'token'), { log, checkIntervalMs: 60_000 });
    expect(source.current()).toBe('first');
    mkdirSync(join(dir, 'v2'));
    writeFileSync(join(dir, 'v2', 'token'), 'second');
    symlinkSync('v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    // the directory watch reacts; check() is what the timer would do otherwise
    await source.check();
    expect(source.current()).toBe('second');
  });

  it('keeps the previous token when the file disappears or is emptied', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sa-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'kept');
    source = watchTokenFile(file, { log, checkIntervalMs: 60_000 });
    writeFileSync(file, '');
    await source.check();
    expect(source.current()).toBe('kept');
    rmSync(file);
    await source.check();
    expect(source.current()).toBe('kept');
    expect(lines.join('')).toContain('cannot re-read the service-account token file');
  });

  it('throws at start when the file cannot be read', () => {
    expect(() => watchTokenFile('/nonexistent/token', { log })).toThrow();
  });
});
