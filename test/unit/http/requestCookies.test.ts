import { describe, expect, it } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { createRequestCookieReader } from '../../../src/http/requestCookies.js';
import { isAuthgateCookie } from '../../../src/session/cookies.js';

const owns = (name: string) => isAuthgateCookie('_authgate', name);

/** The two parts of a request the reader looks at: its Cookie header and its connection. */
function request(socket: Socket, cookie: string | undefined): IncomingMessage {
  return { socket, headers: cookie === undefined ? {} : { cookie } } as unknown as IncomingMessage;
}

describe('createRequestCookieReader', () => {
  it('parses the header and keeps only the application cookies for the upstream', () => {
    const read = createRequestCookieReader(owns);
    const c = read(
      request(new Socket(), 'theme=dark; _authgate_0=a; _authgate_1=b; _authgate_csrf_x=c; lang=en'),
    );
    expect([...c.jar.entries()]).toEqual([
      ['theme', 'dark'],
      ['_authgate_0', 'a'],
      ['_authgate_1', 'b'],
      ['_authgate_csrf_x', 'c'],
      ['lang', 'en'],
    ]);
    expect(c.forUpstream).toBe('theme=dark; lang=en');
    expect(read(request(new Socket(), '_authgate=x')).forUpstream).toBeNull();
    expect(read(request(new Socket(), undefined)).jar.size).toBe(0);
  });

  it('hands back the same result for an identical header on the same connection', () => {
    const read = createRequestCookieReader(owns);
    const socket = new Socket();
    const header = `_authgate=${'v'.repeat(4000)}; app=1`;
    const first = read(request(socket, header));
    // A different string object with the same bytes, as Node builds a new one for every request.
    const again = read(request(socket, header.slice(0, 10) + header.slice(10)));
    expect(again).toBe(first);
  });

  it('never reuses a result for a different header, nor across connections', () => {
    const read = createRequestCookieReader(owns);
    const shared = new Socket(); // an ingress relaying two users on one keep-alive connection
    const alice = read(request(shared, '_authgate=alice-seal'));
    const bob = read(request(shared, '_authgate=bob-seal'));
    expect(bob).not.toBe(alice);
    expect(bob.jar.get('_authgate')).toBe('bob-seal');
    expect(read(request(shared, '_authgate=alice-seal')).jar.get('_authgate')).toBe('alice-seal');
    const other = read(request(new Socket(), '_authgate=alice-seal'));
    expect(other).not.toBe(alice);
    expect(other.jar.get('_authgate')).toBe('alice-seal');
  });
});
