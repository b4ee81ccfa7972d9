/**
 * The operations flags -> Options: HTTPS serving, the metrics listener, upstream CAs and the shutdown grace. The
 * TLS files are read and checked now, so a missing key or a certificate that does not match it refuses the start
 * (later changes are reloaded by src/http/tls.ts and src/proxy/upstreamTls.ts, and a bad change is ignored).
 */
import type { ReadFile } from './buildSecrets.js';
import type { Checker } from './checks.js';
import { show } from './coerce.js';
import { parseHttpAddress } from './network.js';
import type { Options } from './options.js';
import { caContext, servingCertificate, type TlsMinVersion } from '../tls/pem.js';

type OperationsOptions = Pick<
  Options,
  | 'httpsAddress'
  | 'tlsCertFile'
  | 'tlsKeyFile'
  | 'tlsMinVersion'
  | 'metricsAddress'
  | 'shutdownGrace'
  | 'upstreamCaFiles'
>;

export function operationsOptions(check: Checker, readFile: ReadFile): OperationsOptions {
  const v = check.values;
  const httpsAddress = listenAddress(
    check,
    'https-address',
    'e.g. 0.0.0.0:4443, or :4443 for every interface',
  );
  const metricsAddress = listenAddress(check, 'metrics-address', 'e.g. 0.0.0.0:44180, or :44180');
  const tlsMinVersion = minVersion(check);
  const tlsCertFile = v.str('tls-cert-file');
  const tlsKeyFile = v.str('tls-key-file');
  if (httpsAddress) servingFiles(check, tlsCertFile, tlsKeyFile, tlsMinVersion, readFile);
  else {
    for (const name of ['tls-cert-file', 'tls-key-file'] as const) {
      if (v.str(name) !== '') {
        check.report(
          name,
          'is set without --https-address',
          'set --https-address=0.0.0.0:4443 to serve HTTPS',
        );
      }
    }
  }
  if (httpsAddress) sameListener(check, 'https-address', httpsAddress, v.str('http-address'));
  if (metricsAddress) {
    sameListener(check, 'metrics-address', metricsAddress, v.str('http-address'));
    if (httpsAddress && samePort(metricsAddress, httpsAddress)) {
      check.report(
        'metrics-address',
        'uses the same port as --https-address',
        'give metrics a port of their own',
      );
    }
  }
  return {
    httpsAddress,
    tlsCertFile,
    tlsKeyFile,
    tlsMinVersion,
    metricsAddress,
    shutdownGrace: v.num('shutdown-grace'),
    upstreamCaFiles: upstreamCa(check, readFile),
  };
}

function listenAddress(check: Checker, name: string, example: string): Options['httpsAddress'] {
  const text = check.values.str(name);
  if (text === '') return null;
  const parsed = parseHttpAddress(text.replace(/^https:\/\//i, ''));
  if (!parsed) check.report(name, `${show(text)} is not host:port`, example);
  return parsed;
}

const samePort = (a: { host: string; port: number }, b: { host: string; port: number }): boolean =>
  a.port !== 0 && a.port === b.port;

function sameListener(
  check: Checker,
  name: string,
  address: { host: string; port: number },
  http: string,
): void {
  const httpAddress = parseHttpAddress(http);
  if (httpAddress && samePort(address, httpAddress)) {
    check.report(name, 'uses the same port as --http-address', 'give each listener a port of its own');
  }
}

function minVersion(check: Checker): TlsMinVersion {
  const raw = check.values.str('tls-min-version');
  const normalized = raw.replace(/^tls\s*v?/i, '').trim();
  if (normalized === '1.2') return 'TLSv1.2';
  if (normalized === '1.3') return 'TLSv1.3';
  check.report(
    'tls-min-version',
    `${show(raw)} is not TLS1.2 or TLS1.3 (TLS 1.0 and 1.1 are not offered)`,
    'set --tls-min-version=TLS1.2 (the default) or TLS1.3',
  );
  return 'TLSv1.2';
}

function read(check: Checker, name: string, path: string, readFile: ReadFile): string | null {
  try {
    return readFile(path);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    check.report(
      name,
      `cannot read ${path} (${typeof code === 'string' ? code : 'unreadable'})`,
      'mount the file, or correct the path',
    );
    return null;
  }
}

function servingFiles(
  check: Checker,
  certFile: string,
  keyFile: string,
  version: TlsMinVersion,
  readFile: ReadFile,
): void {
  const fix =
    'HTTPS needs a PEM certificate and its key, e.g. the tls.crt and tls.key of a cert-manager Secret';
  if (certFile === '') check.report('tls-cert-file', 'is missing (required with --https-address)', fix);
  if (keyFile === '') check.report('tls-key-file', 'is missing (required with --https-address)', fix);
  if (certFile === '' || keyFile === '') return;
  const cert = read(check, 'tls-cert-file', certFile, readFile);
  const key = read(check, 'tls-key-file', keyFile, readFile);
  if (cert === null || key === null) return;
  try {
    servingCertificate(cert, key, version);
  } catch (err) {
    check.report(
      'tls-cert-file',
      `${certFile} with ${keyFile}: ${(err as Error).message}`,
      'give the certificate and the private key that was issued with it, both in PEM form',
    );
  }
}

/** A list flag of CA bundles (--upstream-ca, --provider-ca-file): each readable and PEM, checked at start. */
export function caBundleFiles(check: Checker, name: string, readFile: ReadFile): readonly string[] {
  const files = check.values.list(name);
  for (const file of files) {
    const pem = read(check, name, file, readFile);
    if (pem === null) continue;
    try {
      caContext(pem);
    } catch (err) {
      check.report(name, `${file} ${(err as Error).message}`, 'give the CA bundle in PEM form');
    }
  }
  return files;
}

function upstreamCa(check: Checker, readFile: ReadFile): readonly string[] {
  const files = caBundleFiles(check, 'upstream-ca', readFile);
  if (files.length > 0 && check.values.bool('ssl-upstream-insecure-skip-verify')) {
    check.report(
      'upstream-ca',
      'is set together with --ssl-upstream-insecure-skip-verify, which turns every check off',
      'drop --ssl-upstream-insecure-skip-verify: with --upstream-ca the upstream can be verified',
    );
  }
  return files;
}
