import net from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

/**
 * Sends bytes exactly as given (header spellings, duplicates, underscores, obs-fold, conflicting lengths):
 * what an attacker's client can send, which Node's http client would normalise or refuse.
 * Resolves when the server closes the connection or, with `untilComplete`, as soon as one answer framed by
 * Content-Length has fully arrived (for requests that must not say `Connection: close`).
 */
export function rawRequest(
  port: number,
  request: string,
  timeoutMs = 5000,
  untilComplete = false,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error('raw request timed out')), timeoutMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (untilComplete && answerComplete(Buffer.concat(chunks))) socket.destroy();
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = split === -1 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: split === -1 ? '' : text.slice(split + 4) });
    });
    // write, not end: a half-closed socket lets Node drop the connection before it answers
    socket.write(request);
  });
}

/** The head has ended and the body is as long as its Content-Length says (no Content-Length: an empty body). */
function answerComplete(received: Buffer): boolean {
  const split = received.indexOf('\r\n\r\n');
  if (split === -1) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(received.subarray(0, split).toString('latin1'))?.[1];
  return received.length - (split + 4) >= Number(length ?? 0);
}
