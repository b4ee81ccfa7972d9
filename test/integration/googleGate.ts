/**
 * Starts authgate with --provider=google in-process like test/support/authgate.ts does, but with the provider built
 * by createProvider with the Directory API pointed at a fake (no flag reaches that endpoint).
 */
import { Writable } from 'node:stream';
import { loadOptions } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { createAuthgate } from '../../src/app.js';
import { createProvider } from '../../src/providers/index.js';
import type { GoogleProvider } from '../../src/providers/google.js';
import type { RunningAuthgate } from '../support/authgate.js';

export async function startGoogleGate(
  flags: string[],
  opts: { directoryUrl?: string; emailsFilePollMs?: number } = {},
): Promise<RunningAuthgate> {
  const result = loadOptions({
    argv: ['--http-address=127.0.0.1:0', '--log-level=trace', ...flags],
    env: {},
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
  const provider = createProvider(result.options, log, {
    ...(opts.directoryUrl ? { googleDirectoryUrl: opts.directoryUrl } : {}),
  });
  const gate = createAuthgate(result.options, {
    log,
    provider,
    ...(opts.emailsFilePollMs ? { emailsFilePollMs: opts.emailsFilePollMs } : {}),
  });
  const port = await gate.listen();
  await (provider as GoogleProvider).whenReady(10_000);
  return {
    gate,
    port,
    url: `http://127.0.0.1:${port}`,
    logs: () => lines.join(''),
    stop: () => gate.close(0),
  };
}
