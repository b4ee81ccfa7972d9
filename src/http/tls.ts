/**
 * The HTTPS listener (--https-address, --tls-cert-file, --tls-key-file, --tls-min-version). It serves exactly what
 * the HTTP listener serves. The certificate and key are re-read when either file changes (cert-manager renews
 * them in the mounted Secret) and swapped in with server.setSecureContext: new handshakes get the new
 * certificate, established connections carry on untouched. A pair that does not parse or match (a renewal caught
 * half-written) is logged and the previous certificate stays until the files change again.
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { Options } from '../config/options.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { servingCertificate, type ServingCertificate } from '../tls/pem.js';
import { watchFileSet } from '../tls/watchFiles.js';
import { SERVER_LIMITS, answerClientError, type RequestHandlers } from './server.js';

export interface HttpsListener {
  readonly server: https.Server;
  /** The certificate served now. */
  current(): ServingCertificate;
  /** Re-read the files now if they changed (tests; the watcher does this by itself). */
  check(): void;
  /** Stops watching the files (the server itself is closed by its owner). */
  close(): void;
}

export interface HttpsDeps {
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Stat poll interval of the certificate files (default 5 s). */
  readonly pollIntervalMs?: number;
}

export function createHttpsListener(
  options: Options,
  handlers: RequestHandlers,
  deps: HttpsDeps,
): HttpsListener {
  const { log, metrics } = deps;
  const files = [options.tlsCertFile, options.tlsKeyFile];
  const minVersion = options.tlsMinVersion;
  // Checked by the configuration at start; a failure here means the files changed since, and the start fails.
  const certPem = readFileSync(files[0] ?? '', 'utf8');
  const keyPem = readFileSync(files[1] ?? '', 'utf8');
  let cert = servingCertificate(certPem, keyPem, minVersion);
  metrics.servingCertificateExpires(cert.notAfter);
  const server = https.createServer(
    { ...SERVER_LIMITS, cert: certPem, key: keyPem, minVersion },
    handlers.request,
  );
  server.on('upgrade', handlers.upgrade);
  server.on('clientError', answerClientError);
  // A failed handshake (plain HTTP to the TLS port, an old TLS version) is the client's problem: debug only.
  server.on('tlsClientError', (err: NodeJS.ErrnoException) =>
    log.debug({ code: err.code }, 'TLS handshake failed'),
  );

  const watcher = watchFileSet(
    files,
    ([nextCert = '', nextKey = '']) => {
      let next: ServingCertificate;
      try {
        next = servingCertificate(nextCert, nextKey, minVersion);
      } catch (err) {
        metrics.tlsReload('serving', false);
        log.warn(
          { certFile: files[0], keyFile: files[1], problem: (err as Error).message },
          'the HTTPS certificate changed but cannot be used yet; still serving the previous one',
        );
        throw err;
      }
      server.setSecureContext({ cert: nextCert, key: nextKey, minVersion });
      cert = next;
      metrics.tlsReload('serving', true);
      metrics.servingCertificateExpires(cert.notAfter);
      log.info(
        { subject: cert.subject, notAfter: cert.notAfter, fingerprint: cert.fingerprint },
        'HTTPS certificate reloaded',
      );
    },
    {
      ...(deps.pollIntervalMs ? { pollIntervalMs: deps.pollIntervalMs } : {}),
      onReadError: (file, code) =>
        log.warn({ file, code }, 'cannot read the HTTPS certificate file; keeping the previous one'),
    },
  );

  return { server, current: () => cert, check: watcher.check, close: watcher.close };
}
