/**
 * Typed errors with stable codes (in the style of jose's errors): callers branch on `code`, never on messages.
 * Messages are safe to show and log: they never contain tokens, cookies, codes or secrets.
 */
export class AuthgateError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A problem talking to or believing the identity provider. */
export class ProviderError extends AuthgateError {
  /** HTTP status authgate should answer the user with. */
  readonly status: number;
  constructor(code: string, message: string, status: number, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
  }
}
