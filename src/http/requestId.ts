import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { requestSlot } from '../requestSlot.js';

const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const ids = requestSlot<string>('requestId');

/**
 * The request's id: the caller's (--request-id-header) when it is a plain token, else a fresh UUID.
 * Stored on the request so the page, the log line and the upstream all see the same value.
 */
export function requestIdOf(req: IncomingMessage, headerName: string): string {
  let id = ids.get(req);
  if (id === undefined) {
    const incoming = req.headers[headerName];
    id = typeof incoming === 'string' && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
    ids.set(req, id);
  }
  return id;
}
