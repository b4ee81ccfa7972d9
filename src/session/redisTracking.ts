/**
 * Server-assisted invalidation for the session record cache (redisRecordCache.ts): Redis's client-side caching
 * protocol (https://redis.io/docs/latest/develop/reference/client-side-caching/) in RESP2 "redirect" mode,
 * since ioredis speaks RESP2 here and has no RESP3 push messages.
 *
 * A second connection (a duplicate of the data connection: same server, credentials and TLS) SUBSCRIBEs to
 * `__redis__:invalidate`; the data connection runs `CLIENT TRACKING ON REDIRECT <its CLIENT ID>`. From then on
 * Redis remembers every key the data connection reads and, when one changes (written, deleted, expired or
 * evicted, by anyone), publishes its name to that channel once.
 *
 * Invalidations can only be trusted while both connections are up and linked, so the `epoch` grows whenever
 * some may have been missed: any event of either connection (close, end, reconnecting, error), a heartbeat of
 * the subscriber that gets no answer within the command timeout (a silently dead connection delivers nothing),
 * a subscription that is gone, or FLUSHALL/FLUSHDB (a null payload). Every bump empties the cache; after a
 * connection event caching stays off until tracking is set up again on the new connections.
 *
 * Refusals (Redis < 6, an ACL without +client or without the channel, any error) leave caching off with one
 * log line; sessions keep working with a GET per request.
 */
import type { Redis } from 'ioredis';
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_PROBE_INTERVAL_MS,
  reasonOf,
  type RedisConnection,
} from './redisClient.js';

export const INVALIDATION_CHANNEL = '__redis__:invalidate';

export interface InvalidationListener {
  /** Records written, deleted, expired or evicted since the data connection last read them. */
  invalidated(keys: readonly string[]): void;
  /** Everything cached may be stale (the epoch grew): drop it all. */
  lost(): void;
}

export interface InvalidationTracking {
  /** Grows whenever invalidations may have been missed; a read is cached only if it did not change meanwhile. */
  readonly epoch: number;
  /** True while every change to a key the data connection has read reaches the listener. */
  readonly active: boolean;
  close(): void;
}

interface Subscriber {
  readonly id: number;
  /** `run_id` of the server it is subscribed on: the data connection must be on the same one. */
  readonly runId: string;
}

/** Events after which a connection is gone (or being replaced): what it was linked to is lost with it. */
const CONNECTION_EVENTS = ['close', 'end', 'reconnecting'] as const;

/** Rejects after `ms` when `pending` has not settled (the late answer is ignored). */
function bounded<T>(pending: Promise<T>, ms: number): Promise<T> {
  pending.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([pending, late]).finally(() => clearTimeout(timer));
}

function runIdOf(info: unknown): string {
  return typeof info === 'string' ? (/^run_id:(\w+)/m.exec(info)?.[1] ?? '') : '';
}

/** An error Redis answered (a refusal: unknown command, NOPERM ...), as opposed to a lost or slow connection. */
function isRefusal(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError';
}

/**
 * Tracking for `connection`'s data client, or null in cluster mode: tracking is per node connection, and the
 * ioredis Cluster opens node connections lazily and moves keys between them, so no single subscriber could
 * be linked to every connection a read may take. Cluster mode reads Redis on every request.
 */
export function startInvalidationTracking(
  connection: RedisConnection,
  listener: InvalidationListener,
): InvalidationTracking | null {
  const { settings, log } = connection;
  if (settings.mode === 'cluster') return null;
  const data = connection.client as Redis;
  const timeoutMs = settings.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  // Its own name in CLIENT LIST; autoResubscribe off: each new connection is set up (CLIENT ID first) below.
  const sub = data.duplicate({ connectionName: 'authgate-invalidations', autoResubscribe: false });

  let epoch = 0;
  let establishedAt = -1;
  let subscriber: Subscriber | null = null;
  /** Grows with every event of the subscriber connection, so a setup that straddles one is dropped. */
  let subscriberLife = 0;
  /** A refusal since the last (re)connect: retried at the next one, not every heartbeat. */
  let refused = false;
  let establishing = false;
  /** A reason to set tracking up arrived while a setup was under way: run it again after. */
  let again = false;
  /** When the subscriber was last sent back to Sentinel (at most once a second). */
  let redirectedAt = 0;
  let pinging = false;
  let closed = false;
  /** What the log last said: 'on', or the reason caching is off. */
  let logged = '';

  const bump = (): void => {
    epoch += 1;
    listener.lost();
  };
  const refuse = (err: unknown): void => {
    refused = true;
    const reason = reasonOf(err);
    if (logged === reason || closed) return;
    logged = reason;
    log.warn({ store: 'redis', reason }, `session cache off: ${reason}`);
  };

  const establish = async (): Promise<void> => {
    const linked = subscriber;
    if (closed || linked === null || data.status !== 'ready') return;
    if (establishing) {
      again = true;
      return;
    }
    establishing = true;
    again = false;
    const started = epoch;
    try {
      if (runIdOf(await bounded(data.info('server'), timeoutMs)) !== linked.runId) {
        // The two connections reached different servers (Sentinel during a failover; an address that leads to
        // several servers: a load balancer, a headless Service): invalidations would come from the wrong one,
        // and CLIENT TRACKING could even accept the id of an unrelated client there. Reconnecting the
        // subscriber may reach the right one (the heartbeat retries meanwhile; Sentinel itself disconnects
        // every client of a demoted master).
        const reason = 'the two Redis connections reached different servers';
        if (logged !== reason && !closed) {
          logged = reason;
          log.warn({ store: 'redis', reason }, `session cache off: ${reason}`);
        }
        if (started === epoch && Date.now() - redirectedAt >= 1000) {
          redirectedAt = Date.now();
          sub.disconnect(true);
        }
        return;
      }
      const reply = await bounded(
        data.call('CLIENT', ['TRACKING', 'ON', 'REDIRECT', String(linked.id)]),
        timeoutMs,
      );
      if (reply !== 'OK') throw new Error(`CLIENT TRACKING answered ${String(reply)}`);
      if (started !== epoch || subscriber !== linked || closed) return;
      establishedAt = epoch;
      if (logged !== 'on') log.info({ store: 'redis', mode: settings.mode }, 'session cache on');
      logged = 'on';
    } catch (err) {
      // A lost or slow connection is retried (its events, the heartbeat); a refusal waits for a reconnect.
      if (isRefusal(err) && started === epoch) refuse(err);
    } finally {
      establishing = false;
      if (again) void establish();
    }
  };

  const prepareSubscriber = async (): Promise<void> => {
    const life = subscriberLife;
    refused = false;
    try {
      // CLIENT ID and INFO before SUBSCRIBE: a subscribed RESP2 connection only takes (UN)SUBSCRIBE and PING.
      const id = await bounded(sub.call('CLIENT', ['ID']), timeoutMs);
      const runId = runIdOf(await bounded(sub.info('server'), timeoutMs));
      await bounded(sub.subscribe(INVALIDATION_CHANNEL), timeoutMs);
      if (life !== subscriberLife || closed || typeof id !== 'number') return;
      subscriber = { id, runId };
      await establish();
    } catch (err) {
      if (life !== subscriberLife || closed) return;
      if (isRefusal(err)) refuse(err);
      // A slow or failed set-up is not a refusal: start again on a fresh connection rather than stay off.
      else sub.disconnect(true);
    }
  };

  const subscriberLost = (): void => {
    subscriberLife += 1;
    subscriber = null;
    bump();
  };

  sub.on('messageBuffer', (channel: Buffer, payload: unknown) => {
    if (channel.toString() !== INVALIDATION_CHANNEL) return;
    if (Array.isArray(payload)) {
      listener.invalidated(payload.map(String));
    } else if (payload === null) {
      // FLUSHALL / FLUSHDB: every key changed. The connections are intact, so tracking stays on, but reads in
      // flight must not be cached (the epoch) and nothing cached survives.
      const wasActive = establishedAt === epoch;
      bump();
      if (wasActive) establishedAt = epoch;
    }
  });
  sub.on('ready', () => void prepareSubscriber());
  for (const event of CONNECTION_EVENTS) sub.on(event, subscriberLost);
  // An 'error' may leave the connection up (a close follows when it does not): stop trusting what was
  // delivered so far; the heartbeat sets tracking up again.
  sub.on('error', bump);
  const dataReady = (): void => {
    refused = false;
    void establish();
  };
  for (const event of [...CONNECTION_EVENTS, 'error']) data.on(event, bump);
  data.on('ready', dataReady);

  // Redis's doc on connection loss: a connection can die without a close (a partition, a frozen peer), and
  // then invalidations stop silently. A PING must come back within the command timeout, or it is reconnected.
  const heartbeat = setInterval(() => {
    const linked = subscriber;
    if (closed || pinging || linked === null) return;
    pinging = true;
    const life = subscriberLife;
    bounded(sub.ping(), timeoutMs)
      .then((pong: unknown) => {
        // Subscribed, PING answers ["pong", ""]; a plain PONG means the subscription is gone.
        if (!Array.isArray(pong)) throw new Error('not subscribed');
        if (establishedAt !== epoch && !refused) void establish();
      })
      .catch(() => {
        if (life !== subscriberLife || closed) return;
        subscriberLost();
        sub.disconnect(true);
      })
      .finally(() => {
        pinging = false;
      });
  }, settings.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS);
  heartbeat.unref();

  return {
    get epoch() {
      return epoch;
    },
    get active() {
      return establishedAt === epoch && connection.isHealthy();
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      for (const event of [...CONNECTION_EVENTS, 'error']) data.off(event, bump);
      data.off('ready', dataReady);
      bump();
      sub.disconnect();
    },
  };
}
