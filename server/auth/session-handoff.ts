/**
 * The proxy (proxy.ts) reads every request's session from the database; the tRPC context and the server render
 * (server/context.ts) then needed the same read again, the one after the other within the same request: two Better
 * Auth session reads per API call, most of a mutation's server time after the commit itself (bench/README.md,
 * issue 17). The proxy now hands the session it read to the request's handler: it stores it under a random ticket,
 * which only it can put on the request (it removes one a client sent) and which the handler takes once.
 *
 * A missing, unknown, taken or stale ticket is no session: the handler reads it from the database as before. So a
 * request that did not pass the proxy, a proxy in another process, or a client guessing at tickets all get the
 * plain read, never a session that is not theirs. Tickets live a few seconds (a revoked session is refused by the
 * next request's own read; streams re-check theirs, server/auth/credential-watch.ts).
 */
import 'server-only';
import { randomUUID } from 'node:crypto';

/** The request header that carries the ticket from the proxy to the handler. Never sent to or taken from a client. */
export const SESSION_HANDOFF_HEADER = 'x-starter-session-handoff';

/** How long a ticket may wait for its handler: the proxy hands the request on at once. */
const TICKET_TTL_MS = 5_000;

interface Ticket {
  session: unknown;
  expiresAt: number;
}

/**
 * On `globalThis`: Next bundles the proxy and the route handlers separately, each with its own copy of this module,
 * in the one process (as credential-watch.ts's listeners).
 */
const holder = globalThis as typeof globalThis & { __starterSessionHandoff?: Map<string, Ticket> };
const tickets = (holder.__starterSessionHandoff ??= new Map());

/** Removes any ticket header a client sent: only the proxy puts one on a request. */
export function dropSessionHandoff(headers: Headers): void {
  headers.delete(SESSION_HANDOFF_HEADER);
}

/** The proxy: hands the session it just read (Better Auth's getSession result) to this request's handler. */
export function handOffSession(headers: Headers, session: unknown, now = Date.now()): void {
  // Tickets are added in time order: the stale ones (handlers that never asked) are at the front.
  for (const [key, ticket] of tickets) {
    if (ticket.expiresAt > now) break;
    tickets.delete(key);
  }
  const key = randomUUID();
  tickets.set(key, { session, expiresAt: now + TICKET_TTL_MS });
  headers.set(SESSION_HANDOFF_HEADER, key);
}

/**
 * The handler: the session the proxy read for this request, once (a second call, or a request without a live
 * ticket, gets undefined and reads the database).
 */
export function takeSessionHandoff<TSession>(headers: Headers, now = Date.now()): TSession | undefined {
  const key = headers.get(SESSION_HANDOFF_HEADER);
  if (!key) return undefined;
  const ticket = tickets.get(key);
  if (!ticket) return undefined;
  tickets.delete(key);
  return ticket.expiresAt > now ? (ticket.session as TSession) : undefined;
}
