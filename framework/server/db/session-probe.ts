/**
 * Does a connection keep its session? Behind a transaction-mode pooler (PgBouncer, a managed service's pooler) each
 * statement may run on another server connection, so LISTEN and session advisory locks silently stop working: the
 * app would start, answer requests, and lose every poke between processes.
 *
 * The probe tests what the app needs, not a pooler's name: LISTEN on a channel of its own through the session
 * connection, NOTIFY it through the query pool, and wait for the notification. On a real session it arrives within
 * milliseconds. Through a transaction-mode pooler it cannot arrive: an idle client is linked to no server connection,
 * so the listening backend's notification has nowhere to go (PgBouncer logs "got packet 'A' from server when not
 * linked"), or, if the NOTIFY ran on that very backend, it is delivered to the notifying client instead.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Long enough for a loaded machine (a notification normally arrives in a few ms), short enough for start-up. */
export const SESSION_PROBE_TIMEOUT_MS = 3_000;

/**
 * True when a NOTIFY sent through `pool` reaches a LISTEN held on a connection opened with `session`.
 * False after `timeoutMs` without it. Connection errors are thrown, not reported as false.
 */
export async function notificationsReachSession(
  session: pg.ClientConfig,
  pool: pg.Pool,
  timeoutMs = SESSION_PROBE_TIMEOUT_MS,
): Promise<boolean> {
  const channel = `session_probe_${randomBytes(6).toString('hex')}`;
  const payload = randomBytes(6).toString('hex');
  const listener = new pg.Client(session);
  // A pooler may drop the server connection under the idle client; that error is the probe's answer, not a crash.
  listener.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    await listener.connect();
    const arrived = new Promise<boolean>((resolve) => {
      listener.on('notification', (message) => {
        if (message.channel === channel && message.payload === payload) resolve(true);
      });
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    await listener.query(`LISTEN ${channel}`);
    await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    return await arrived;
  } finally {
    clearTimeout(timer);
    await listener.end().catch(() => undefined); // The answer is known; a broken socket only needs freeing.
  }
}

/** The message start-up stops with when pokes and the migration lock would not work. */
export function sessionProbeFailure(hasDirectUrl: boolean, timeoutMs: number): string {
  return hasDirectUrl
    ? `DATABASE_DIRECT_URL does not hold a session: a LISTEN on it received no NOTIFY sent through DATABASE_URL ` +
        `within ${timeoutMs} ms. Point DATABASE_DIRECT_URL at the database itself (or at a session-mode pooler), ` +
        `and both variables at the same database.`
    : `DATABASE_URL goes through a connection pooler in transaction mode (a LISTEN on it received no NOTIFY ` +
        `within ${timeoutMs} ms), so pokes between server processes and the migration lock would silently break. ` +
        `Set DATABASE_DIRECT_URL to a direct connection to the same database (the database server itself, or the ` +
        `pooler's session-mode port) and keep DATABASE_URL for queries. See docs/deploy.md.`;
}
