/**
 * Name, code and message of an error, without its stack or cause (which may quote tokens). When the error has
 * no code of its own, the first code down its cause chain is added as `cause`: fetch wraps the one thing an
 * operator needs (SELF_SIGNED_CERT_IN_CHAIN, ECONNREFUSED) in TypeError('fetch failed'). The code goes out as
 * `errorCode`, not `code`: the logger redacts every `*.code` (an OAuth authorization code), which turned every
 * error code into "[redacted]".
 */
export function errorSummary(err: unknown): Record<string, string> {
  if (!isErrorLike(err)) return { type: typeof err };
  const own = (err as { code?: unknown }).code;
  const code = typeof own === 'string' ? own : undefined;
  const cause = code === undefined ? errorCode(err) : undefined;
  return {
    name: err.name,
    message: err.message.slice(0, 200),
    ...(code !== undefined ? { errorCode: code } : {}),
    ...(cause !== undefined ? { cause } : {}),
  };
}

/**
 * The first error code on `err` or down its cause chain (at most 5 deep). openid-client and fetch wrap the
 * failure that says what went wrong (an untrusted certificate: --provider-ca-file is missing; ECONNREFUSED) in
 * errors without a code. Codes only: a cause's message is never read.
 */
export function errorCode(err: unknown): string | undefined {
  // Duck-typed, not instanceof: fetch's errors can come from another realm (Node's own undici under a VM).
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    current = cause;
  }
  return undefined;
}

/**
 * An Error, or an object shaped like one: fetch rejects with a DOMException (TimeoutError, AbortError) from
 * another realm, which fails instanceof Error and would otherwise be logged as a bare `{type: "object"}`.
 */
function isErrorLike(err: unknown): err is Error {
  if (err instanceof Error) return true;
  if (typeof err !== 'object' || err === null) return false;
  const { name, message } = err as { name?: unknown; message?: unknown };
  return typeof name === 'string' && typeof message === 'string';
}
