/** What an error becomes in a log line: name, message, its own code or the first code of its causes, no stack. */
import { describe, expect, it } from '@jest/globals';
import { errorCode, errorSummary } from '../../../src/observability/errorSummary.js';
import { captureLog } from '../../support/capturedLog.js';

describe('errorSummary', () => {
  it('keeps name, code and a 200-character message, never the stack or the cause itself', () => {
    const err = Object.assign(new Error('x'.repeat(300), { cause: new Error('token=secret') }), {
      code: 'E_OWN',
    });
    const s = errorSummary(err);
    expect(s).toEqual({ name: 'Error', message: 'x'.repeat(200), errorCode: 'E_OWN' });
    expect(JSON.stringify(s)).not.toContain('secret');
  });

  it("adds the first cause's code when the error has none (fetch failed -> the TLS reason)", () => {
    const tls = Object.assign(new Error('unable to verify the first certificate https://x/?t=secret'), {
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    const err = new TypeError('fetch failed', { cause: new Error('wrapped', { cause: tls }) });
    const s = errorSummary(err);
    expect(s).toEqual({
      name: 'TypeError',
      message: 'fetch failed',
      cause: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    expect(JSON.stringify(s)).not.toContain('secret');
  });

  it("describes an error from another realm (fetch's DOMException) by its name, not as a bare object", () => {
    const foreign = { name: 'TimeoutError', message: 'The operation was aborted due to timeout', code: 23 };
    expect(errorSummary(foreign)).toEqual({
      name: 'TimeoutError',
      message: 'The operation was aborted due to timeout',
    });
    expect(errorSummary({ name: 'x' })).toEqual({ type: 'object' });
  });

  it('describes a thrown non-error by its type only', () => {
    expect(errorSummary('token=secret')).toEqual({ type: 'string' });
  });
});

describe('errorSummary through the logger', () => {
  it('keeps the error code readable while a field named code (an OAuth code) is still redacted', async () => {
    const { log, text } = captureLog();
    const err = Object.assign(new Error('too big'), { code: 'provider_answer_too_large' });
    log.warn({ err: errorSummary(err), query: { code: 'oauth-code-123' } }, 'failed');
    await new Promise((r) => setTimeout(r, 250)); // the log batcher writes within 200 ms
    expect(text()).toContain('"errorCode":"provider_answer_too_large"');
    expect(text()).not.toContain('oauth-code-123');
  });
});

describe('errorCode', () => {
  it('stops after five causes and ignores codes that are not strings', () => {
    let deep: Error = Object.assign(new Error('bottom'), { code: 'TOO_DEEP' });
    for (let i = 0; i < 5; i += 1) deep = new Error(`level ${i}`, { cause: deep });
    expect(errorCode(deep)).toBeUndefined();
    expect(errorCode(Object.assign(new Error('n'), { code: 42 }))).toBeUndefined();
    expect(errorCode({ cause: { code: 'ECONNREFUSED' } })).toBe('ECONNREFUSED');
  });
});
