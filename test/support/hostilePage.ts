/** Reading authgate's error pages in hostile-input tests. */

/** The request id an error page shows (the built-in page or the older inline form), or ''. */
export function requestIdOnPage(body: string): string {
  const m = /id="request-id">([\w.:-]+)</.exec(body) ?? /Request id: <code>([\w.:-]+)<\/code>/.exec(body);
  return m?.[1] ?? '';
}
