import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EchoUpstream {
  readonly url: string;
  readonly port: number;
  /** Headers of the last request, as received. */
  last(): { url: string; headers: http.IncomingHttpHeaders; rawHeaders: string[] } | null;
  stop(): Promise<void>;
}

/** A plain upstream that answers every request with the headers it received, as JSON. */
export async function startEchoUpstream(): Promise<EchoUpstream> {
  let last: { url: string; headers: http.IncomingHttpHeaders; rawHeaders: string[] } | null = null;
  const server = http.createServer((req, res) => {
    last = { url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ url: req.url, headers: req.headers }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    last: () => last,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
