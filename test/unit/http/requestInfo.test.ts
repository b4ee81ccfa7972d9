import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { loadOptions } from '../../../src/config/load.js';
import { createRequestInfoReader } from '../../../src/http/requestInfo.js';

const base = [
  '--oidc-issuer-url=https://dex.example.com',
  '--client-id=x',
  '--client-secret=y',
  '--cookie-secret=dGhpcy1pcy1hLXRlc3QtY29va2llLXNlY3JldC0zMmI',
  '--email-domain=*',
];
const reader = (flags: string[]) =>
  createRequestInfoReader(loadOptions({ argv: [...base, ...flags], env: {} }).options!);

/** A request as Node's parser hands it over: duplicate lines joined in `headers`, kept apart in `headersDistinct`. */
function request(peer: string, lines: Array<[string, string]>, url = '/direct'): IncomingMessage {
  const headers: Record<string, string> = {};
  const headersDistinct: Record<string, string[]> = {};
  for (const [k, v] of lines) {
    const key = k.toLowerCase();
    headers[key] = key in headers ? `${headers[key]}, ${v}` : v;
    (headersDistinct[key] ??= []).push(v);
  }
  return { socket: { remoteAddress: peer }, headers, headersDistinct, url } as unknown as IncomingMessage;
}

describe('rebuilding the original request from forwarded headers', () => {
  const trusted = reader(['--reverse-proxy', '--trusted-proxy-ip=10.0.0.0/8']);

  it('ignores forwarded headers from an untrusted peer', () => {
    const info = trusted(
      request('192.0.2.9', [
        ['host', 'app.example.com'],
        ['x-forwarded-host', 'evil.example.net'],
        ['x-forwarded-uri', '/public'],
      ]),
    );
    expect(info).toMatchObject({ host: 'app.example.com', uri: '/direct', forwarded: false });
  });

  it('uses them from a trusted proxy, taking the host the proxy itself appended', () => {
    const info = trusted(
      request('10.1.2.3', [
        ['host', 'authgate:4180'],
        ['x-forwarded-host', 'evil.example.net, app.example.com'],
        ['x-forwarded-proto', 'https'],
        ['x-forwarded-uri', '/a,b/c?x=1,2'],
      ]),
    );
    expect(info).toMatchObject({
      scheme: 'https',
      host: 'app.example.com',
      uri: '/a,b/c?x=1,2',
      path: '/a,b/c',
    });
  });

  it('ignores two X-Forwarded-Uri lines as ambiguous, and a protocol-relative one', () => {
    const two = trusted(
      request('10.1.2.3', [
        ['x-forwarded-uri', '/public'],
        ['x-forwarded-uri', '/admin'],
      ]),
    );
    expect(two.uri).toBe('/direct');
    expect(trusted(request('10.1.2.3', [['x-forwarded-uri', '//evil.example.net/']])).uri).toBe('/direct');
  });

  it('ignores them entirely without --reverse-proxy', () => {
    const info = reader([])(
      request('10.1.2.3', [
        ['x-forwarded-host', 'evil.example.net'],
        ['host', 'app.example.com'],
      ]),
    );
    expect(info.host).toBe('app.example.com');
  });
});
