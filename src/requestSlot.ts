/**
 * A value kept on a request object under a private symbol: it lives and dies with the request, and no client
 * input can name the symbol. Used instead of a WeakMap keyed by request: V8 keeps a WeakMap entry until a GC finds
 * its key dead and grows the table meanwhile; with one entry per request in two such maps, that cost 8 us of CPU
 * per proxied request (104 -> 96 us in the benchmark).
 */
import type { IncomingMessage } from 'node:http';

export interface RequestSlot<T> {
  get(req: IncomingMessage): T | undefined;
  set(req: IncomingMessage, value: T | undefined): void;
}

export function requestSlot<T>(name: string): RequestSlot<T> {
  const key = Symbol(`authgate.${name}`);
  type Holder = { [key]?: T };
  return {
    get: (req) => (req as Holder)[key],
    set: (req, value) => {
      (req as Holder)[key] = value;
    },
  };
}
