/**
 * A fake of the two Google endpoints --google-group uses, on 127.0.0.1: the OAuth token endpoint taking a
 * service-account JWT assertion (signature, iss, aud, scope and the delegated admin all checked, errors in Google's
 * shape) and the Admin SDK Directory API's groups/{g}/hasMember/{m} and groups/{g}/members/{m}. It mints its own
 * service-account key: `keyJson` is what --google-service-account-json points at (its token_uri is this fake).
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { exportPKCS8, generateKeyPair, jwtVerify } from 'jose';

export const DIRECTORY_SCOPE = 'https://www.googleapis.com/auth/admin.directory.group.member.readonly';

export interface FakeDirectoryOptions {
  /** group email -> member emails. */
  groups: Record<string, string[]>;
  /** Admins the service account may act as (domain-wide delegation granted). */
  admins: string[];
}

export interface FakeGoogleDirectory {
  readonly url: string;
  readonly tokenUrl: string;
  /** Contents of the service-account key file. */
  readonly keyJson: string;
  readonly counts: { token: number; hasMember: number; member: number };
  /** Replace a group's members (the cache in authgate keeps old answers for its TTL). */
  setMembers(group: string, members: string[]): void;
  /** '503': every call answers 503; 'close': connections are dropped; false: back up. */
  setDown(mode: '503' | 'close' | false): void;
  stop(): Promise<void>;
}

const googleError = (code: number, message: string, status: string) => ({
  error: { code, message, errors: [{ message, domain: 'global', reason: status.toLowerCase() }], status },
});

export async function startFakeGoogleDirectory(opts: FakeDirectoryOptions): Promise<FakeGoogleDirectory> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const clientEmail = 'authgate-groups@example-project.iam.gserviceaccount.com';
  const groups = new Map(
    Object.entries(opts.groups).map(([g, m]) => [g.toLowerCase(), m.map((e) => e.toLowerCase())]),
  );
  const tokens = new Set<string>();
  const counts = { token: 0, hasMember: 0, member: 0 };
  let down: '503' | 'close' | false = false;
  let base = '';

  const send = (res: http.ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));

  const token = async (form: URLSearchParams, res: http.ServerResponse) => {
    counts.token += 1;
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      return send(res, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
    }
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(form.get('assertion') ?? '', publicKey, {
        issuer: clientEmail,
        audience: `${base}/token`,
      }));
    } catch {
      return send(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    }
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.includes(DIRECTORY_SCOPE) || !opts.admins.includes(String(claims.sub))) {
      return send(res, 401, {
        error: 'unauthorized_client',
        error_description:
          'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      });
    }
    const accessToken = `ya29.${randomBytes(16).toString('hex')}`;
    tokens.add(accessToken);
    send(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
  };

  const directory = (req: http.IncomingMessage, path: string, res: http.ServerResponse) => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!tokens.has(bearer)) {
      return send(
        res,
        401,
        googleError(401, 'Request had invalid authentication credentials.', 'UNAUTHENTICATED'),
      );
    }
    const m = /^\/admin\/directory\/v1\/groups\/([^/]+)\/(hasMember|members)\/([^/]+)$/.exec(path);
    if (!m) return send(res, 404, googleError(404, 'Not Found', 'NOT_FOUND'));
    const group = decodeURIComponent(m[1] ?? '').toLowerCase();
    const email = decodeURIComponent(m[3] ?? '').toLowerCase();
    const members = groups.get(group);
    if (m[2] === 'hasMember') {
      counts.hasMember += 1;
      if (!members) return send(res, 404, googleError(404, 'Resource Not Found: groupKey', 'NOT_FOUND'));
      // As Google: hasMember refuses a member whose domain is not the group's.
      if (email.split('@')[1] !== group.split('@')[1]) {
        return send(res, 400, googleError(400, 'Invalid Input: memberKey', 'INVALID_ARGUMENT'));
      }
      return send(res, 200, { isMember: members.includes(email) });
    }
    counts.member += 1;
    if (!members?.includes(email))
      return send(res, 404, googleError(404, 'Resource Not Found: memberKey', 'NOT_FOUND'));
    send(res, 200, { kind: 'admin#directory#member', email, role: 'MEMBER', type: 'USER', status: 'ACTIVE' });
  };

  const server = http.createServer((req, res) => {
    if (down === 'close') return void req.socket.destroy();
    if (down === '503')
      return send(res, 503, googleError(503, 'The service is currently unavailable.', 'UNAVAILABLE'));
    const url = new URL(req.url ?? '/', base);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && url.pathname === '/token') {
        void token(new URLSearchParams(Buffer.concat(chunks).toString('utf8')), res);
        return;
      }
      if (req.method === 'GET') return directory(req, url.pathname, res);
      send(res, 405, googleError(405, 'Method Not Allowed', 'METHOD_NOT_ALLOWED'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const keyJson = JSON.stringify({
    type: 'service_account',
    project_id: 'example-project',
    private_key_id: randomBytes(20).toString('hex'),
    private_key: await exportPKCS8(privateKey),
    client_email: clientEmail,
    client_id: '100000000000000000001',
    token_uri: `${base}/token`,
  });

  return {
    url: base,
    tokenUrl: `${base}/token`,
    keyJson,
    counts,
    setMembers: (group, members) =>
      void groups.set(
        group.toLowerCase(),
        members.map((e) => e.toLowerCase()),
      ),
    setDown: (mode) => {
      down = mode;
      if (mode) server.closeAllConnections();
    },
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
