/**
 * What the request line should say that only the handler learns: who the user was, which upstream answered, the
 * client IP it already computed. Kept on the request object under a symbol (it dies with the request; a WeakMap
 * entry per request was measurably slower, see requestId.ts) and read once, when the response ends. Identity
 * only: never tokens or cookies.
 */
import type { IncomingMessage } from 'node:http';

export interface RequestNote {
  /** The subject, as in the audit lines. */
  readonly user?: string;
  readonly email?: string;
  /** The upstream's origin. */
  readonly upstream?: string;
  readonly clientIp?: string;
}

const kNote = Symbol('authgate.requestNote');
type WithNote = IncomingMessage & { [kNote]?: RequestNote };

export function noteRequest(req: IncomingMessage, note: RequestNote): void {
  (req as WithNote)[kNote] = note;
}

export function requestNote(req: IncomingMessage): RequestNote | undefined {
  return (req as WithNote)[kNote];
}
