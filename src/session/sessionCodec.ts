/**
 * Optional deflate of a session before it is sealed.
 *
 * Measured (iron-sealed sizes, bytes): a typical session (3 groups, ~800-byte ID token) gains nothing (1780 ->
 * 1780: the JWT is base64url and its signature is random). A session with 40 named groups and a ~1.5 KB ID token
 * shrinks 3444 -> 2526 (-27%): the plain group list and the JSON keys compress well. 40 GUID groups: -9%.
 * So the payload is compressed only when that saves at least 10%; small sessions stay plain and cheap to read.
 *
 * Format marker: a plain payload is the SessionState itself (`v: 1`); a compressed one is `{z: 1, d: <base64url
 * deflate-raw of the JSON>}`. Both are inside the seal, so the marker is authenticated.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { SessionState } from './types.js';

/** Compressed payloads must save at least this fraction of the JSON's length to be used. */
const MIN_SAVING = 0.1;
/** Upper bound on an inflated session: far above any real one, low enough that a bomb costs nothing. */
const MAX_INFLATED_BYTES = 256 * 1024;
const COMPRESSED_FORMAT = 1;

export interface CompressedPayload {
  readonly z: typeof COMPRESSED_FORMAT;
  readonly d: string;
}

/** The value to seal for `state`: the state itself, or its compressed form when that is clearly smaller. */
export function encodeSessionPayload(state: SessionState): SessionState | CompressedPayload {
  const json = JSON.stringify(state);
  const d = deflateRawSync(Buffer.from(json, 'utf8')).toString('base64url');
  // `{"z":1,"d":""}` adds 14 characters around the data.
  return d.length + 14 <= json.length * (1 - MIN_SAVING) ? { z: COMPRESSED_FORMAT, d } : state;
}

/**
 * The session-shaped value inside an unsealed payload (still to be shape-checked), or null when the payload is a
 * compressed envelope that does not inflate to JSON. Never throws.
 */
export function decodeSessionPayload(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null || !('z' in payload)) return payload;
  const { z, d } = payload as { z: unknown; d: unknown };
  if (z !== COMPRESSED_FORMAT || typeof d !== 'string') return null;
  try {
    const json = inflateRawSync(Buffer.from(d, 'base64url'), { maxOutputLength: MAX_INFLATED_BYTES });
    return JSON.parse(json.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}
