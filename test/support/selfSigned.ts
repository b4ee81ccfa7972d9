import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * A self-signed EC certificate for IP 127.0.0.1 (or, given `dnsName`, for that DNS name only), valid one day,
 * written to `dir` with openssl: the file paths `{ cert, key }` (the certificate is its own CA).
 */
export function selfSignedCertificate(
  dir: string,
  prefix = 'tls',
  dnsName?: string,
): { cert: string; key: string } {
  const cert = join(dir, `${prefix}-cert.pem`);
  const key = join(dir, `${prefix}-key.pem`);
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  args.push('-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${dnsName ?? '127.0.0.1'}`);
  args.push('-addext', dnsName ? `subjectAltName=DNS:${dnsName}` : 'subjectAltName=IP:127.0.0.1');
  execFileSync('openssl', args, { stdio: 'ignore' });
  return { cert, key };
}
