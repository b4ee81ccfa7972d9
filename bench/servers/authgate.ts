/**
 * authgate under test, in its own process: the same wiring as src/cli.ts (options from argv, JSON logs to stdout,
 * createAuthgate), plus the benchmark's signed-in sessions, which it stores through its own session store (cookie
 * or Redis) exactly as a sign-in would, and reports over IPC with its port:
 *   { port, storeKind, cookies: { standard, chunked3 }, chunkCounts: { standard, chunked3 } }
 * Stops on SIGTERM by exiting normally, so `node --cpu-prof` gets to write its profile.
 */
import { loadOptions } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { createAuthgate } from '../../src/app.js';
import type { SessionStore } from '../../src/session/store.js';
import { benchSession, cookieHeaderFrom } from '../lib/sessionFixture.js';

const HOST = '127.0.0.1';

async function sessionCookies(store: SessionStore, extraGroups: number, now: number): Promise<string[]> {
  const lines = await store.save(benchSession(now, extraGroups), HOST, new Map(), now);
  return lines.filter((line) => !/^[^=]+=;/.test(line));
}

/** The smallest session (in steps of 10 GUID groups) whose seal is split into exactly three cookies. */
async function threeChunkSession(store: SessionStore, now: number): Promise<string[] | null> {
  if (store.kind !== 'cookie') return null;
  for (let extra = 100; extra <= 1000; extra += 10) {
    const lines = await sessionCookies(store, extra, now);
    if (lines.length === 3) return lines;
    if (lines.length > 3) return null;
  }
  return null;
}

const result = loadOptions({ argv: process.argv.slice(2), env: {} });
if (!result.options) throw new Error(`authgate bench child: no options (${result.kind})`);
const options = result.options;
const log = createLogger(options.logLevel);
const gate = createAuthgate(options, { log });
const port = await gate.listen();
const now = Math.floor(Date.now() / 1000);
const standard = await sessionCookies(gate.services.sessions, 0, now);
const chunked3 = await threeChunkSession(gate.services.sessions, now);
process.send?.({
  port,
  storeKind: gate.services.sessions.kind,
  cookies: { standard: cookieHeaderFrom(standard), chunked3: chunked3 && cookieHeaderFrom(chunked3) },
  chunkCounts: { standard: standard.length, chunked3: chunked3?.length ?? 0 },
});
process.on('SIGTERM', () => {
  void gate.close(0).then(() => process.exit(0));
});
