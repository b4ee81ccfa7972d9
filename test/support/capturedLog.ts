/** A logger writing authgate's JSON lines into memory, for tests that check what was (and was not) logged. */
import { Writable } from 'node:stream';
import type { LogLevel } from '../../src/config/options.js';
import { createLogger, type Logger } from '../../src/observability/logger.js';

export function captureLog(level: LogLevel = 'info'): { log: Logger; text: () => string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { log: createLogger(level, sink), text: () => lines.join('') };
}
