/** Polls `check` every 50 ms until it holds or `timeoutMs` passes; resolves to its last answer (never throws on timeout). */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!(await check()) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return check();
}
