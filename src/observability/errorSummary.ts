/** Name, code and message of an error, without its stack or cause (which may quote tokens). */
export function errorSummary(err: unknown): Record<string, string> {
  if (!(err instanceof Error)) return { type: typeof err };
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    message: err.message.slice(0, 200),
    ...(typeof code === 'string' ? { code } : {}),
  };
}
