/**
 * In-memory storage for the test issuer. oidc-provider's own MemoryAdapter hides its data, but the tests need to
 * reach in (revoke every refresh token, add a redirect URI after authgate has picked its port), and a key rotation
 * replaces the Provider instance, which must keep the sessions and grants of the old one. So the issuer owns this
 * store and hands oidc-provider an adapter class bound to it.
 */
import type { Adapter, AdapterConstructor, AdapterPayload, ClientMetadata } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number | undefined;
}

export class IssuerStore {
  /** Model name ("Session", "Grant", "RefreshToken", ...) -> id -> entry. */
  private readonly models = new Map<string, Map<string, Entry>>();
  /** Clients are looked up through the adapter so they can change while the issuer runs. */
  readonly clients = new Map<string, ClientMetadata>();

  model(name: string): Map<string, Entry> {
    let m = this.models.get(name);
    if (!m) {
      m = new Map();
      this.models.set(name, m);
    }
    return m;
  }

  /** Live (unexpired) payloads of one model. */
  list(name: string): Array<[string, AdapterPayload]> {
    const now = Date.now();
    return [...this.model(name)].filter(([, e]) => !expired(e, now)).map(([id, e]) => [id, e.payload]);
  }

  delete(name: string, id: string): void {
    this.model(name).delete(id);
  }

  adapterClass(): AdapterConstructor {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the adapter class closes over its store
    const store = this;
    return class StoreAdapter implements Adapter {
      constructor(private readonly name: string) {}

      async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
        const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : undefined;
        store.model(this.name).set(id, { payload: structuredClone(payload), expiresAt });
      }

      async find(id: string): Promise<AdapterPayload | undefined> {
        if (this.name === 'Client') {
          const client = store.clients.get(id);
          return client ? (structuredClone(client) as AdapterPayload) : undefined;
        }
        const entry = store.model(this.name).get(id);
        if (!entry || expired(entry, Date.now())) return undefined;
        return structuredClone(entry.payload);
      }

      async findByUid(uid: string): Promise<AdapterPayload | undefined> {
        return store.list(this.name).find(([, p]) => p.uid === uid)?.[1];
      }

      async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
        return store.list(this.name).find(([, p]) => p.userCode === userCode)?.[1];
      }

      async consume(id: string): Promise<void> {
        const entry = store.model(this.name).get(id);
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
      }

      async destroy(id: string): Promise<void> {
        store.delete(this.name, id);
      }

      async revokeByGrantId(grantId: string): Promise<void> {
        const m = store.model(this.name);
        for (const [id, e] of m) if (e.payload.grantId === grantId) m.delete(id);
      }
    };
  }
}

function expired(e: Entry, now: number): boolean {
  return e.expiresAt !== undefined && e.expiresAt <= now;
}
