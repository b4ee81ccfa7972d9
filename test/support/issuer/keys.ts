/**
 * Signing keys of the test issuer and a token forger that signs with them, so tests can build tokens the real
 * issuer would never issue (expired, wrong audience, hostile headers) that still carry a valid signature.
 */
import { createHmac, createPublicKey, type JsonWebKey as NodeJwk, type KeyObject } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

export type SigningAlg = 'RS256' | 'ES256';

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  /** Private JWK with kid/alg/use: what oidc-provider is configured with. */
  privateJwk: JWK;
  /** Public JWK as published on the JWKS endpoint. */
  publicJwk: JWK;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

let kidCounter = 0;

export async function generateSigningKey(alg: SigningAlg): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  kidCounter += 1;
  const kid = `test-${alg.toLowerCase()}-${Date.now().toString(36)}-${kidCounter}`;
  const meta = { kid, alg, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), ...meta };
  const publicJwk = { ...(await exportJWK(publicKey)), ...meta };
  return { kid, alg, privateJwk, publicJwk, privateKey, publicKey };
}

export interface ForgeOptions {
  /** JWS alg header; default: the issuer key's alg. 'none' gives an unsigned token, HS* an HMAC keyed with the public key PEM. */
  alg?: string;
  /** kid header; default: the signing key's kid; null leaves kid out. */
  kid?: string | null;
  /** 'issuer' (default) signs with the issuer's current key, 'other' with a fresh key the JWKS does not contain. */
  key?: 'issuer' | 'other';
  /** Extra or overriding protected-header fields (e.g. {typ: 'JWE'}, {crit: [...]}). */
  header?: Record<string, unknown>;
}

const b64u = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * Sign `payload` as a compact JWS. HS* uses the issuer's public key (SPKI PEM) as the HMAC secret: the classic
 * algorithm-confusion attack a verifier must refuse.
 */
export async function forgeJws(
  issuerKey: SigningKey,
  payload: Record<string, unknown>,
  opts: ForgeOptions = {},
): Promise<string> {
  const alg = opts.alg ?? issuerKey.alg;
  const kid = opts.kid === undefined ? issuerKey.kid : opts.kid;
  const header: Record<string, unknown> = {
    alg,
    typ: 'JWT',
    ...(kid === null ? {} : { kid }),
    ...opts.header,
  };
  if (alg === 'none') return `${b64u(header)}.${b64u(payload)}.`;
  if (alg.startsWith('HS')) {
    const pem = createPublicKey({ key: issuerKey.publicJwk as NodeJwk, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const input = `${b64u(header)}.${b64u(payload)}`;
    const sig = createHmac(`sha${alg.slice(2)}`, pem)
      .update(input)
      .digest('base64url');
    return `${input}.${sig}`;
  }
  const key = opts.key === 'other' ? await otherKey(alg) : await issuerKeyFor(issuerKey, alg);
  return new CompactSign(Buffer.from(JSON.stringify(payload)))
    .setProtectedHeader(header as { alg: string })
    .sign(key);
}

/** WebCrypto keys are bound to one hash: signing RS384 with the RS256 key needs the JWK imported again. */
async function issuerKeyFor(k: SigningKey, alg: string): Promise<CryptoKey | KeyObject | Uint8Array> {
  if (alg === k.alg) return k.privateKey;
  const { alg: _alg, ...jwk } = k.privateJwk;
  return importJWK(jwk, alg);
}

async function otherKey(alg: string): Promise<CryptoKey | KeyObject> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return privateKey;
}
