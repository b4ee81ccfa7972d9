/**
 * Node writes header strings as latin1 and throws on characters above U+00FF. Re-spelling a value's UTF-8 bytes
 * as latin1 characters puts the UTF-8 bytes on the wire, which is what oauth2-proxy sends and what Go's
 * net/http (the apiserver) and most servers read: a user named 张三 or Łukasz is forwarded, not a 502.
 */
const PLAIN = /^[\x20-\x7e]*$/;

export function utf8HeaderValue(value: string): string {
  return PLAIN.test(value) ? value : Buffer.from(value, 'utf8').toString('latin1');
}
