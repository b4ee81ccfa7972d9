import type { IncomingMessage } from 'node:http';
import type { RequestInfo } from '../http/requestInfo.js';

/**
 * X-Forwarded-For/-Proto/-Host and X-Real-IP as the upstream should see them. From a trusted proxy the chain is extended;
 * from anyone else the client's own values are replaced, so an upstream that trusts them is not fooled.
 */
export function setForwardedHeaders(req: IncomingMessage, info: RequestInfo): void {
  const h = req.headers;
  const peer = req.socket.remoteAddress ?? '';
  if (info.forwarded) {
    const prior = h['x-forwarded-for'];
    h['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${peer}` : peer;
  } else {
    h['x-forwarded-for'] = peer;
    delete h['x-forwarded-uri'];
    delete h['x-forwarded-port'];
    delete h['forwarded'];
  }
  // The client address as authgate determined it (from a trusted proxy's header, else the peer): never the
  // client's own X-Real-IP.
  h['x-real-ip'] = info.clientIp;
  h['x-forwarded-proto'] = info.scheme;
  if (info.host) h['x-forwarded-host'] = info.host;
  else delete h['x-forwarded-host'];
}
