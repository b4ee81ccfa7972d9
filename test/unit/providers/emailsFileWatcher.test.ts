import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { watchAuthenticatedEmails, type EmailsFileWatcher } from '../../../src/authz/emailsFileWatcher.js';
import { captureLog } from '../../support/capturedLog.js';

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('watchAuthenticatedEmails', () => {
  let dir: string;
  let file: string;
  let watcher: EmailsFileWatcher | null = null;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'authgate-watch-'));
    file = join(dir, 'emails');
    writeFileSync(file, 'a@example.com\n');
  });
  afterEach(() => {
    watcher?.close();
    watcher = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it('a bad file at start throws with the line number (the start fails)', () => {
    writeFileSync(file, 'a@example.com\nnope\n');
    expect(() => watchAuthenticatedEmails(file, { log: captureLog('debug').log })).toThrow(/line 2/);
  });

  it('check() picks up a rewrite; an unchanged file keeps the generation', () => {
    const { log } = captureLog('debug');
    watcher = watchAuthenticatedEmails(file, { log, pollIntervalMs: 60_000 });
    watcher.check();
    expect(watcher.generation()).toBe(0);
    writeFileSync(file, 'B@example.com\nc@example.com\n');
    watcher.check();
    expect([...watcher.current()]).toEqual(['b@example.com', 'c@example.com']);
    expect(watcher.generation()).toBe(1);
  });

  it('a parse error or a removed file keeps the last good list, and says so', () => {
    const { log, text } = captureLog('debug');
    watcher = watchAuthenticatedEmails(file, { log, pollIntervalMs: 60_000 });
    writeFileSync(file, 'secret-looking-line\n');
    watcher.check();
    expect([...watcher.current()]).toEqual(['a@example.com']);
    expect(text()).toContain('line 1');
    expect(text()).not.toContain('secret-looking-line');
    unlinkSync(file);
    watcher.check();
    expect([...watcher.current()]).toEqual(['a@example.com']);
    expect(text()).toContain('file is gone');
    writeFileSync(file, 'd@example.com\n');
    watcher.check();
    expect([...watcher.current()]).toEqual(['d@example.com']);
  });

  it('fs.watch notices a rename-over (editors, ConfigMaps) without any poll', async () => {
    watcher = watchAuthenticatedEmails(file, {
      log: captureLog('debug').log,
      pollIntervalMs: 60_000,
      debounceMs: 10,
    });
    writeFileSync(`${file}.tmp`, 'e@example.com\n');
    renameSync(`${file}.tmp`, file);
    await waitFor(() => watcher?.current().has('e@example.com') === true);
    expect(watcher.generation()).toBe(1);
  });

  it('the stat poll alone catches a change too', async () => {
    watcher = watchAuthenticatedEmails(file, {
      log: captureLog('debug').log,
      pollIntervalMs: 30,
      debounceMs: 60_000,
    });
    writeFileSync(file, 'f@example.com\n');
    await waitFor(() => watcher?.current().has('f@example.com') === true);
  });
});
