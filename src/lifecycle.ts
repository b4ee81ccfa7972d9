/**
 * Stopping authgate without dropping anyone's work (Kubernetes sends SIGTERM, waits terminationGracePeriodSeconds,
 * then SIGKILLs):
 *  1. at once /ready answers 503, so the endpoints controller takes the pod out of the Service;
 *  2. for --shutdown-grace (default 5 s) everything else is still served, because ingress controllers and
 *     kube-proxy learn about the removal a moment later and keep sending requests meanwhile;
 *  3. then the listeners close (new connections are refused), idle keep-alive connections are closed, requests
 *     in flight finish (up to a drain limit), and every proxied WebSocket gets a close frame (1001 going away);
 *  4. sessions, watchers and agents are closed, and the process exits 0.
 * A second SIGTERM/SIGINT exits at once with code 1.
 *
 * WebSockets: authgate only pipes the bytes of a proxied WebSocket, it does not parse frames. At shutdown it
 * writes one server-to-client close frame (unmasked: FIN+close opcode, length 2, status 1001) on the client's
 * socket and ends it, so browsers see a clean "going away" (code 1001) and reconnect, to another replica, instead
 * of an abnormal closure (1006). The upstream side is simply closed (TCP FIN), as if the client had left. A frame
 * the upstream was sending at that very instant would be cut: rare, and the client reconnects either way.
 */
import type { Server } from 'node:net';
import type { Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';

/** FIN + opcode 8 (close), unmasked, payload length 2, status code 1001 (going away). */
export const WEBSOCKET_GOING_AWAY = Buffer.from([0x88, 0x02, 0x03, 0xe9]);

/** The client sockets of WebSockets proxied through some servers, to close them properly at shutdown. */
export class WebSocketTracker {
  private readonly sockets = new Map<Socket, { upgraded: boolean }>();

  constructor(private readonly metrics: Metrics | null = null) {}

  /** Runs before the server's own upgrade handler; it only watches for the 101 that completes the handshake. */
  track(server: Server): void {
    server.prependListener('upgrade', (_req: IncomingMessage, socket: Socket) => this.add(socket));
  }

  get open(): number {
    let n = 0;
    for (const state of this.sockets.values()) if (state.upgraded) n += 1;
    return n;
  }

  private add(socket: Socket): void {
    const state = { upgraded: false };
    this.sockets.set(socket, state);
    // The proxy's first write on the socket is the upstream's answer to the handshake: only a 101 makes it a
    // WebSocket. The original write is put back at once, so the piped frames pay nothing.
    const write = socket.write;
    const metrics = this.metrics;
    socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
      socket.write = write;
      state.upgraded = String(chunk).startsWith('HTTP/1.1 101');
      if (state.upgraded) metrics?.websocketOpened();
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as Socket['write'];
    socket.once('close', () => {
      if (state.upgraded) this.metrics?.websocketClosed();
      this.sockets.delete(socket);
    });
  }

  /** Sends every open WebSocket a 1001 close frame and ends it; handshakes still under way are cut. */
  closeAll(): number {
    let closed = 0;
    for (const [socket, state] of this.sockets) {
      if (state.upgraded && socket.writable) {
        socket.end(WEBSOCKET_GOING_AWAY);
        closed += 1;
        // A client that never answers the close does not hold the shutdown up.
        setTimeout(() => socket.destroy(), 2_000).unref();
      } else {
        socket.destroy();
      }
    }
    return closed;
  }
}

/** Stops accepting on `server`, then resolves once its last connection is gone, or after `limitMs` (forced). */
export function drainServer(
  server: Server & { closeIdleConnections?(): void; closeAllConnections?(): void },
  limitMs: number,
): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    // Keep-alive connections become idle as their last response ends: close them as that happens.
    const idle = setInterval(() => server.closeIdleConnections?.(), 100);
    const force = setTimeout(() => server.closeAllConnections?.(), limitMs);
    force.unref();
    server.close(() => {
      clearInterval(idle);
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections?.();
  });
}

export interface Stoppable {
  /** /ready turns 503; nothing else changes yet. */
  beginShutdown(): void;
  /** Stops listening, drains, closes WebSockets and every resource. */
  close(drainMs?: number): Promise<void>;
}

export interface ShutdownPlan {
  readonly graceMs: number;
  /** Longest wait for requests in flight once the listeners are closed. */
  readonly drainMs: number;
  readonly log: Logger;
}

/** The whole sequence for one signal (see the top of this file). */
export async function shutDown(gate: Stoppable, plan: ShutdownPlan, signal: string): Promise<void> {
  gate.beginShutdown();
  plan.log.info(
    { signal, graceMs: plan.graceMs },
    'shutting down: /ready now fails; still serving during the grace',
  );
  if (plan.graceMs > 0) await new Promise((r) => setTimeout(r, plan.graceMs));
  plan.log.info('no longer accepting connections; finishing requests in flight');
  await gate.close(plan.drainMs);
  plan.log.info('stopped');
}

/**
 * SIGTERM and SIGINT start shutDown; a second one exits at once with code 1 (an operator who presses Ctrl-C
 * twice means it). Resolves when the shutdown has completed.
 */
export function stopOnSignals(
  gate: Stoppable,
  plan: ShutdownPlan,
  exitNow: (code: number) => void = (code) => process.exit(code),
): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        plan.log.warn({ signal }, 'second signal: exiting now');
        plan.log.flush?.();
        exitNow(1);
        return;
      }
      stopping = true;
      shutDown(gate, plan, signal).then(resolve, reject);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
