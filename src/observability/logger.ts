import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from '../config/options.js';
import { LineBatcher } from './lineBatcher.js';

export type { Logger };

/**
 * Paths pino blanks out if a caller ever passes a request, headers or token set to the logger by mistake.
 * The first line of defence is never logging them at all; this is the second.
 */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  '*.idToken',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
  '*.cookieSecret',
  '*.code',
];

/**
 * Lines are written in batches of 64 K characters or every 200 ms, whichever comes first (lineBatcher.ts): with
 * one asynchronous write per access-log line, the write call alone was 14% of authgate's CPU time in the 3-chunk
 * benchmark. Pending lines are written synchronously when the process exits.
 */
const BATCH_CHARS = 65_536;
const BATCH_MAX_DELAY_MS = 200;

let lastMs = 0;
let lastTime = '';
/** pino's isoTime, formatted once per millisecond: under load many lines share one. */
function isoTimeOncePerMs(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'authgate' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: isoTimeOncePerMs,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ??
      new LineBatcher(pino.destination({ dest: 1, sync: false }), BATCH_CHARS, BATCH_MAX_DELAY_MS),
  );
}
