/**
 * PEM material for TLS, checked the same way at start (a bad file refuses to start) and on every reload (a bad
 * file keeps the previous material). Messages name files and what is wrong, never their contents: a key file's
 * bytes must not reach a log.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM bundle, parsed. Throws when there is none or one does not parse. */
export function parseCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) throw new Error('holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new Error(`certificate ${i + 1} of the bundle does not parse`);
    }
  });
}

export type TlsMinVersion = 'TLSv1.2' | 'TLSv1.3';

/** What the HTTPS listener serves: the chain, its key, and facts about the leaf for logs. */
export interface ServingCertificate {
  readonly context: SecureContext;
  /** SHA-256 fingerprint of the leaf, as openssl prints it. */
  readonly fingerprint: string;
  readonly subject: string;
  readonly notAfter: string;
}

/**
 * Checks a certificate chain and key belong together and builds the context served with them. Throws an Error
 * whose message is safe to log (OpenSSL's reason, never key material).
 */
export function servingCertificate(
  certPem: string,
  keyPem: string,
  minVersion: TlsMinVersion,
): ServingCertificate {
  const [leaf] = parseCertificates(certPem);
  if (!leaf) throw new Error('holds no PEM certificate');
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new Error('the key file holds no readable PEM private key');
  }
  if (!leaf.checkPrivateKey(key)) throw new Error('the key does not belong to the certificate');
  let context: SecureContext;
  try {
    context = createSecureContext({ cert: certPem, key: keyPem, minVersion });
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'tls error';
    throw new Error(`the certificate cannot be served (${code})`, { cause: err });
  }
  return {
    context,
    fingerprint: leaf.fingerprint256,
    subject: leaf.subject.replace(/\n/g, ', '),
    notAfter: leaf.validTo,
  };
}

/** A client context trusting exactly the certificates of `pem` (not the system's). Throws like parseCertificates. */
export function caContext(pem: string): { context: SecureContext; certificates: number } {
  const certs = parseCertificates(pem);
  return { context: createSecureContext({ ca: certs.map((c) => c.toString()) }), certificates: certs.length };
}
