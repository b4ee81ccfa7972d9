import { Writable } from 'node:stream';
import { loadOptions } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { createAuthgate, type AuthgateInstance } from '../../src/app.js';
import type { OidcProvider } from '../../src/providers/oidc.js';

export const TEST_COOKIE_SECRET = 'dGhpcy1pcy1hLXRlc3QtY29va2llLXNlY3JldC0zMmI'; // base64url of 32 bytes

export interface RunningAuthgate {
  readonly gate: AuthgateInstance;
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Every log line authgate printed, as text (JSON lines). */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Starts a real authgate in-process from command-line style flags, on a random 127.0.0.1 port, logging at
 * trace level into memory so tests can read (and grep) what it printed.
 */
export async function startAuthgate(
  flags: string[],
  opts: { env?: Record<string, string>; waitForProvider?: boolean; now?: () => number } = {},
): Promise<RunningAuthgate> {
  const result = loadOptions({
    argv: ['--http-address=127.0.0.1:0', '--log-level=trace', ...flags],
    env: opts.env ?? {},
  });
  if (!result.options) throw new Error(`no options for ${result.kind}`);
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  const log = createLogger(result.options.logLevel, sink);
  const gate = createAuthgate(result.options, { log, ...(opts.now ? { now: opts.now } : {}) });
  const port = await gate.listen();
  if (opts.waitForProvider !== false && 'whenReady' in gate.provider) {
    await (gate.provider as OidcProvider).whenReady(10_000);
  }
  return {
    gate,
    port,
    url: `http://127.0.0.1:${port}`,
    logs: () => lines.join(''),
    stop: () => gate.close(0),
  };
}

/** The flags every test authgate needs to sign in against `issuer` (plain http, any verified email). */
export function issuerFlags(
  issuer: { url: string; clientId: string; clientSecret: string },
  extra: string[] = [],
): string[] {
  return [
    `--oidc-issuer-url=${issuer.url}`,
    `--client-id=${issuer.clientId}`,
    `--client-secret=${issuer.clientSecret}`,
    `--cookie-secret=${TEST_COOKIE_SECRET}`,
    '--cookie-secure=false',
    ...extra,
  ];
}
