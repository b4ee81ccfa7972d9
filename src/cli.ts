#!/usr/bin/env node
import { loadOptions } from './config/load.js';
import { ConfigError, formatConfigError } from './config/errors.js';
import { startupWarnings } from './config/startupWarnings.js';
import { renderHelp } from './config/flags.js';
import { createLogger } from './observability/logger.js';
import { createAuthgate } from './app.js';
import { stopOnSignals } from './lifecycle.js';
import { prettyStream } from './observability/prettyLog.js';
import { PRODUCT_NAME, PRODUCT_VERSION } from './version.js';

/** The entry point: parse configuration, start, stop on signals. Everything else lives in modules. */
async function main(): Promise<number> {
  let result;
  try {
    result = loadOptions({ argv: process.argv.slice(2), env: process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(formatConfigError(err) + '\n');
      return 1;
    }
    throw err;
  }
  for (const warning of result.warnings) process.stderr.write(`authgate: warning: ${warning}\n`);
  if (result.kind === 'help') {
    process.stdout.write(renderHelp());
    return 0;
  }
  if (result.kind === 'version') {
    process.stdout.write(`${PRODUCT_NAME} ${PRODUCT_VERSION}\n`);
    return 0;
  }
  const options = result.options;
  if (!options) return 1;
  if (result.kind === 'config-test') {
    process.stdout.write('authgate: configuration OK\n');
    return 0;
  }
  // A person at a terminal gets readable lines; anything else (a container's log collector) gets JSON.
  const log = createLogger(
    options.logLevel,
    process.stdout.isTTY ? prettyStream(process.stdout, process.stdout.hasColors?.() ?? false) : undefined,
  );
  const gate = createAuthgate(options, { log });
  await gate.listen();
  const ports = gate.ports();
  log.info(
    {
      version: PRODUCT_VERSION,
      address: `${options.httpAddress.host}:${ports.http}`,
      httpsAddress: options.httpsAddress ? `${options.httpsAddress.host}:${ports.https}` : undefined,
      metricsAddress: options.metricsAddress ? `${options.metricsAddress.host}:${ports.metrics}` : undefined,
      sessionStore: options.sessionStoreType,
      provider: options.provider,
      issuer: options.oidcIssuerUrl || undefined,
      upstreams: options.upstreams.map((u) => u.url.href),
      mode: options.upstreams.length > 0 ? 'proxy + forward-auth' : 'forward-auth only',
    },
    'authgate started',
  );
  for (const warning of startupWarnings(options)) log.warn(warning);
  // In-flight requests get as long as an upstream may take to answer (--upstream-timeout), then are cut.
  await stopOnSignals(gate, { graceMs: options.shutdownGrace, drainMs: options.upstreamTimeout, log });
  log.flush();
  // Whatever still holds the event loop (a reconnecting client, a timer) must not keep a stopped pod alive.
  setTimeout(() => process.exit(0), 2_000).unref();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`authgate: fatal: ${err instanceof Error ? err.message : 'unknown error'}\n`);
    process.exitCode = 1;
  },
);
