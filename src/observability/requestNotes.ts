/**
 * What the request line should say that only the handler learns: who the user was, which upstream answered, the
 * client IP it already computed. Kept on the request object (requestSlot.ts) and read once, when the response
 * ends. Identity only: never tokens or cookies.
 */
import type { IncomingMessage } from 'node:http';
import { requestSlot } from '../requestSlot.js';

export interface RequestNote {
  /** The subject, as in the audit lines. */
  readonly user?: string;
  readonly email?: string;
  /** The upstream's origin. */
  readonly upstream?: string;
  readonly clientIp?: string;
}

const notes = requestSlot<RequestNote>('requestNote');

export function noteRequest(req: IncomingMessage, note: RequestNote): void {
  notes.set(req, note);
}

export function requestNote(req: IncomingMessage): RequestNote | undefined {
  return notes.get(req);
}
