/**
 * The log line batcher: lines reach the stream joined, in order, once enough are pending or after the delay,
 * on flush, and when the process ends in any way (exit(), an uncaught throw, an empty event loop).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { LineBatcher, type FlushableStream } from '../../../src/observability/lineBatcher.js';

function recordingStream(): FlushableStream & { writes: string[]; syncFlushes: number } {
  const out = {
    writes: [] as string[],
    syncFlushes: 0,
    write(data: string) {
      out.writes.push(data);
      return true;
    },
    flush(cb?: (err?: Error | null) => void) {
      cb?.(null);
    },
    flushSync() {
      out.syncFlushes += 1;
    },
  };
  return out;
}

describe('LineBatcher', () => {
  it('holds lines until minChars are pending, then writes them as one batch, in order', () => {
    const out = recordingStream();
    const batcher = new LineBatcher(out, 20, 10_000);
    batcher.write('aaaaa\n');
    batcher.write('bbbbb\n');
    batcher.write('ccccc\n');
    expect(out.writes).toEqual([]);
    batcher.write('dd\n');
    expect(out.writes).toEqual(['aaaaa\nbbbbb\nccccc\ndd\n']);
    batcher.write('e\n');
    batcher.flushSync();
    expect(out.writes).toEqual(['aaaaa\nbbbbb\nccccc\ndd\n', 'e\n']);
    expect(out.syncFlushes).toBe(1);
  });

  it('writes what is pending after maxDelayMs, and on flush()', () => {
    jest.useFakeTimers();
    try {
      const out = recordingStream();
      const batcher = new LineBatcher(out, 1_000_000, 200);
      batcher.write('one\n');
      jest.advanceTimersByTime(199);
      expect(out.writes).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(out.writes).toEqual(['one\n']);
      batcher.write('two\n');
      const done = jest.fn();
      batcher.flush(done);
      expect(out.writes).toEqual(['one\n', 'two\n']);
      expect(done).toHaveBeenCalled();
      jest.advanceTimersByTime(1_000);
      expect(out.writes).toHaveLength(2); // the timer of a flushed batch does not write again
    } finally {
      jest.useRealTimers();
    }
  });

  it('drops lines, without throwing, once the stream is destroyed', () => {
    const out = recordingStream();
    out.write = () => {
      throw new Error('SonicBoom destroyed');
    };
    const batcher = new LineBatcher(out, 4, 10_000);
    expect(() => batcher.write('lost line\n')).not.toThrow();
    expect(() => batcher.flushSync()).not.toThrow();
  });

  it.each(['exit', 'throw', 'end'])('loses no line when the process ends (%s)', (how) => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'logThenExit.ts'), how],
      { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const lines = child.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { n: number; msg: string });
    expect(lines.map((l) => l.n)).toEqual([1, 2, 3]);
    expect(child.status).toBe(how === 'throw' ? 1 : 0);
  });
});
