/** Per-request values (request id, log note, refreshed cookies) stay with their own request and slot. */
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { requestSlot } from '../../src/requestSlot.js';
import { requestIdOf } from '../../src/http/requestId.js';
import { addResponseCookies, takeResponseCookies } from '../../src/http/responseCookies.js';

const request = (headers: Record<string, string> = {}): IncomingMessage => {
  const req = new IncomingMessage(new Socket());
  req.headers = headers;
  return req;
};

describe('requestSlot', () => {
  it('keeps one value per request and per slot', () => {
    const a = requestSlot<string>('a');
    const b = requestSlot<string>('a'); // same name, still its own slot
    const r1 = request();
    const r2 = request();
    a.set(r1, 'one');
    expect(a.get(r1)).toBe('one');
    expect(a.get(r2)).toBeUndefined();
    expect(b.get(r1)).toBeUndefined();
    a.set(r1, undefined);
    expect(a.get(r1)).toBeUndefined();
  });

  it('gives a request one id for its whole life, taking a plain caller id and refusing others', () => {
    const r = request();
    const id = requestIdOf(r, 'x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(r, 'x-request-id')).toBe(id);
    expect(requestIdOf(request(), 'x-request-id')).not.toBe(id);
    expect(requestIdOf(request({ 'x-request-id': 'abc-123' }), 'x-request-id')).toBe('abc-123');
    expect(requestIdOf(request({ 'x-request-id': 'a b\r\nx' }), 'x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('hands refreshed cookies to their own request once', () => {
    const r1 = request();
    const r2 = request();
    addResponseCookies(r1, ['s=1']);
    addResponseCookies(r2, []);
    expect(takeResponseCookies(r2)).toBeUndefined();
    expect(takeResponseCookies(r1)).toEqual(['s=1']);
    expect(takeResponseCookies(r1)).toBeUndefined();
  });
});
