/**
 * Test-only endpoints under /_test/ that authgate's tests read back: who the double thinks the caller is and which
 * headers arrived, a slowly streamed body (unbuffered pass-through), a slow answer (timeouts), and a WebSocket
 * that reports the same and echoes. They sit behind authentication (a bad token is 401) but not authorization.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Status } from './status.js';
import type { UserInfo } from './types.js';

export interface Identity {
  /** null for an anonymous caller. */
  user: UserInfo | null;
  /** Headers as they arrived on the wire, one value per header line. */
  headers: NodeJS.Dict<string[]>;
  /** Headers left for handlers after authentication (Authorization, X-Remote-*, Impersonate-* removed). */
  handlerHeaders: NodeJS.Dict<string[]>;
  rawHeaders: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const boundedInt = (v: string | null, dflt: number, max: number) =>
  Math.min(Math.max(Number(v ?? dflt) || 0, 0), max);

function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Handles /_test/* requests; returns false for any other path. */
export async function handleTestEndpoint(url: URL, id: Identity, res: http.ServerResponse): Promise<boolean> {
  switch (url.pathname) {
    case '/_test/whoami':
      sendJson(res, 200, id);
      return true;
    case '/_test/stream': {
      const chunks = boundedInt(url.searchParams.get('chunks'), 5, 10_000);
      const interval = boundedInt(url.searchParams.get('interval'), 100, 60_000);
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
      res.flushHeaders();
      for (let i = 0; i < chunks; i += 1) {
        if (res.destroyed) return true;
        res.write(`chunk ${i} ${Date.now()}\n`);
        if (i < chunks - 1) await sleep(interval);
      }
      res.end();
      return true;
    }
    case '/_test/slow': {
      const ms = boundedInt(url.searchParams.get('ms'), 1000, 120_000);
      await sleep(ms);
      if (!res.destroyed) sendJson(res, 200, { sleptMs: ms });
      return true;
    }
    default:
      return false;
  }
}

/** Writes an HTTP error answer on a socket whose upgrade is refused. */
export function refuseUpgrade(socket: Duplex, status: Status): void {
  const body = JSON.stringify(status);
  const text = status.code === 401 ? 'Unauthorized' : status.code === 403 ? 'Forbidden' : 'Error';
  socket.end(
    `HTTP/1.1 ${status.code} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** /_test/ws: sends {user, headers} once, then echoes every message. */
export function createTestWebSocket(): {
  accept(req: http.IncomingMessage, socket: Duplex, head: Buffer, id: Identity): void;
  close(): void;
} {
  const wss = new WebSocketServer({ noServer: true });
  return {
    accept(req, socket, head, id) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.send(JSON.stringify({ user: id.user, headers: id.headers }));
        ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      });
    },
    close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}
