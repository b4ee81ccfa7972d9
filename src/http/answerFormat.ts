/**
 * Whether an answer authgate writes itself (401, 403, 404, 500, 502/504, 503) is JSON or a page: JSON for
 * --force-json-errors, for paths matching --api-route, and for clients that ask for it (XHR, Accept: JSON).
 * One rule for every such answer, so an API client never gets an HTML error page from any corner of authgate.
 */
import type { IncomingMessage } from 'node:http';
import type { Options } from '../config/options.js';
import type { RouteRules } from '../authz/routes.js';
import { wantsJson } from './respond.js';

export interface AnswerFormatRules {
  readonly options: Pick<Options, 'forceJsonErrors'>;
  readonly routes: Pick<RouteRules, 'isApiRoute'>;
}

export function answersWithJson(rules: AnswerFormatRules, req: IncomingMessage): boolean {
  if (rules.options.forceJsonErrors || wantsJson(req)) return true;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return rules.routes.isApiRoute(q === -1 ? url : url.slice(0, q));
}
