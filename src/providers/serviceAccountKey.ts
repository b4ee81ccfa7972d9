/**
 * A Google service-account key file (the JSON the Cloud console downloads): only the fields authgate needs. Kept
 * free of dependencies so the configuration loader can check the file at start.
 */
export interface ServiceAccountKey {
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly privateKeyId: string;
  /** The key file's token_uri; '' = Google's. */
  readonly tokenUri: string;
}

/** The fields authgate needs from a service-account key file; throws an Error whose message names no secret. */
export function parseServiceAccountJson(text: string): ServiceAccountKey {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('is not JSON');
  }
  const o = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const str = (k: string): string => (typeof o[k] === 'string' ? o[k] : '');
  if (str('type') !== '' && str('type') !== 'service_account') {
    throw new Error(`holds a "${str('type')}" credential, not a service-account key`);
  }
  const missing = ['client_email', 'private_key'].filter((k) => str(k) === '');
  if (missing.length > 0) throw new Error(`lacks ${missing.join(' and ')}`);
  if (!str('private_key').includes('-----BEGIN PRIVATE KEY-----')) {
    throw new Error('private_key is not a PEM PKCS#8 key');
  }
  return {
    clientEmail: str('client_email'),
    privateKey: str('private_key'),
    privateKeyId: str('private_key_id'),
    tokenUri: str('token_uri'),
  };
}
