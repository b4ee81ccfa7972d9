import type { IncomingMessage } from 'node:http';
import { requestSlot } from '../requestSlot.js';

/**
 * Set-Cookie values to add to the upstream's answer for this request (a refreshed session). Kept on the request
 * (requestSlot.ts) and merged in when the upstream's headers arrive, because the proxy copies those headers over
 * ours.
 */
const pending = requestSlot<readonly string[]>('responseCookies');

export function addResponseCookies(req: IncomingMessage, cookies: readonly string[]): void {
  if (cookies.length > 0) pending.set(req, cookies);
}

export function takeResponseCookies(req: IncomingMessage): readonly string[] | undefined {
  const cookies = pending.get(req);
  if (cookies) pending.set(req, undefined);
  return cookies;
}
