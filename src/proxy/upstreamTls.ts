/**
 * TLS toward https upstreams. With --upstream-ca the CA bundle(s) are the only trust anchors (the system's are not
 * consulted: an internal CA should not be undercut by any public one), and they are re-read whenever a file
 * changes (trust-manager or cert-manager rotating the bundle): every https agent gets the new SecureContext, and
 * its connection pool and TLS session cache are keyed by a generation, so no connection or resumed session
 * verified under the old bundle is reused after a change. A bundle that no longer parses is logged and the last
 * good one stays. --ssl-upstream-insecure-skip-verify turns verification off and says so loudly at start.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { SecureContext } from 'node:tls';
import type { Options } from '../config/options.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { caContext } from '../tls/pem.js';
import { watchFileSet, type FileSetWatcher } from '../tls/watchFiles.js';

/** An https.Agent whose trust can be replaced while it runs. */
export class ReloadableHttpsAgent extends https.Agent {
  private generation = 0;

  /** New connections use `context`; pooled sockets and cached sessions from before are not reused. */
  useContext(context: SecureContext | undefined): void {
    this.options.secureContext = context;
    this.generation += 1;
    for (const sockets of Object.values(this.freeSockets)) for (const s of sockets ?? []) s.destroy();
  }

  // Node merges agent.options into every request's TLS options (so secureContext applies) and pools sockets
  // and TLS sessions by this name.
  override getName(options?: https.RequestOptions): string {
    return `${super.getName(options)}:g${this.generation}`;
  }
}

export interface UpstreamTls {
  /** A keep-alive agent for one https upstream, kept current with --upstream-ca. */
  /** `servername`: the name the upstream's certificate is checked against ('' for an IP address). */
  createAgent(servername: string): https.Agent;
  /** Re-read the CA files now if they changed (tests; the watcher does this by itself). */
  check(): void;
  close(): void;
}

export interface UpstreamTlsDeps {
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Stat poll interval of the CA files (default 5 s). */
  readonly pollIntervalMs?: number;
}

function bundleContext(pems: readonly string[]): SecureContext {
  return caContext(pems.join('\n')).context;
}

export function createUpstreamTls(options: Options, deps: UpstreamTlsDeps): UpstreamTls {
  const { log, metrics } = deps;
  const files = options.upstreamCaFiles;
  const insecure = options.sslUpstreamInsecureSkipVerify;
  if (insecure) {
    log.warn(
      { flag: 'ssl-upstream-insecure-skip-verify' },
      'UPSTREAM TLS CERTIFICATES ARE NOT VERIFIED: anyone who can intercept the traffic between authgate and ' +
        'the upstream can read and change it, including the identity headers and bearer tokens authgate adds. ' +
        'Give the upstream a certificate from a CA you control and trust that CA with --upstream-ca instead.',
    );
  }
  const agents: ReloadableHttpsAgent[] = [];
  // Checked at start by the configuration (src/config/buildOperations.ts): reading it again here cannot fail
  // unless the file changed in between, and then the start should fail too.
  let context = files.length > 0 ? bundleContext(files.map((f) => readFileSync(f, 'utf8'))) : undefined;

  let watcher: FileSetWatcher | null = null;
  if (files.length > 0) {
    watcher = watchFileSet(
      files,
      (pems) => {
        try {
          context = bundleContext(pems);
        } catch (err) {
          metrics.tlsReload('upstream_ca', false);
          log.warn(
            { files, problem: (err as Error).message },
            'the upstream CA bundle changed but cannot be used; keeping the previous one',
          );
          throw err;
        }
        for (const agent of agents) agent.useContext(context);
        metrics.tlsReload('upstream_ca', true);
        log.info({ files }, 'upstream CA bundle reloaded');
      },
      {
        ...(deps.pollIntervalMs ? { pollIntervalMs: deps.pollIntervalMs } : {}),
        onReadError: (file, code) =>
          log.warn({ file, code }, 'cannot read the upstream CA file; keeping the previous one'),
      },
    );
  }

  return {
    createAgent(servername) {
      const agent = new ReloadableHttpsAgent({
        servername,
        keepAlive: true,
        maxSockets: 256,
        rejectUnauthorized: !insecure,
      });
      if (context) agent.useContext(context);
      agents.push(agent);
      return agent;
    },
    check: () => watcher?.check(),
    close() {
      watcher?.close();
      for (const agent of agents) agent.destroy();
    },
  };
}

const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|EPROTO)/;

/** What kind of failure an upstream error is, for the metrics label and the 502 page. */
export function upstreamErrorKind(code: string, message: string): 'timeout' | 'tls' | 'unreachable' {
  if (/TIMEDOUT|timeout/i.test(`${code} ${message}`)) return 'timeout';
  if (TLS_CODES.test(code)) return 'tls';
  return 'unreachable';
}
