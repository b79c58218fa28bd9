/**
 * Pokes: "the log has moved, read it". Hints only (docs/architecture.md rule 4): a lost poke delays delivery, never
 * loses data, because readers always read the log after their own version.
 *
 * - In-process: nothing to poke. The process that commits hands its commit to its own feed (ChangeFeed.publish),
 *   which is all PGlite needs (one process per folder).
 * - PostgreSQL: every commit also runs `pg_notify` inside its transaction (delivered only if it commits), and each
 *   server process LISTENs on a dedicated session connection (DATABASE_DIRECT_URL behind a pooler), so commits made by other processes wake this one's readers.
 *   The connection reconnects with backoff and pokes once after reconnecting, in case a notification was missed.
 */
import 'server-only';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Engine } from '../db/open';

export const POKE_CHANNEL = 'sync_poke';

const SAFETY_POKE_MS = 5_000;

export interface Pokes {
  /**
   * Identifies this runtime in NOTIFY payloads (`<token>:<version>`): its own commits already reached its feed,
   * so their echo through LISTEN is skipped.
   */
  readonly token: string;
  /** Calls `listener` on every poke; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  close(): Promise<void>;
}

export function createPokes(engine: Engine): Pokes {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0); // The feed listens; tests and benches may add their own.
  const poke = () => emitter.emit('poke');
  const token = crypto.randomUUID();
  const listener = engine.kind === 'postgres' ? listenForNotifications(engine.session, token, poke) : null;
  // Should a notification ever be lost without the connection noticing, readers still catch up within seconds.
  const safetyNet = engine.kind === 'postgres' ? setInterval(poke, SAFETY_POKE_MS) : null;
  safetyNet?.unref();
  return {
    token,
    subscribe(fn) {
      emitter.on('poke', fn);
      return () => emitter.off('poke', fn);
    },
    async close() {
      if (safetyNet) clearInterval(safetyNet);
      emitter.removeAllListeners();
      await listener?.close();
    },
  };
}

function listenForNotifications(
  session: pg.ClientConfig,
  token: string,
  onNotify: () => void,
): { close(): Promise<void> } {
  let closed = false;
  let client: pg.Client | null = null;
  let retryDelay = 100;
  let retryTimer: NodeJS.Timeout | null = null;

  const connect = async () => {
    if (closed) return;
    const next = new pg.Client(session);
    next.on('notification', (message) => {
      if (!message.payload?.startsWith(`${token}:`)) onNotify();
    });
    next.on('error', (error) => {
      console.error('[pokes] LISTEN connection failed, reconnecting:', error.message);
      scheduleReconnect(next);
    });
    next.on('end', () => scheduleReconnect(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${POKE_CHANNEL}`);
      if (closed) {
        await next.end();
        return;
      }
      client = next;
      retryDelay = 100;
      onNotify(); // Anything committed while we were not listening is found by the readers' next read.
    } catch (error) {
      console.error('[pokes] could not LISTEN, retrying:', (error as Error).message);
      scheduleReconnect(next);
    }
  };

  const scheduleReconnect = (failed: pg.Client) => {
    if (closed || retryTimer || (client !== null && client !== failed)) return;
    client = null;
    failed.removeAllListeners('notification');
    void failed.end().catch(() => undefined); // Already broken; ending it only frees the socket.
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 5_000);
  };

  void connect();
  return {
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      await client?.end();
    },
  };
}
