/**
 * docs/architecture.md rule 5: each client numbers its mutations 1, 2, 3…, and `client_mutations` holds, per client,
 * the last id applied (and its error, if it failed). A transaction first locks the rows of the clients it serves,
 * then decides each mutation id against them: apply (the next id), duplicate (already applied: skip) or gap (an id
 * was skipped: refuse, consuming nothing). The new last id is written with the commit (change-log.ts appendCommits).
 */
import 'server-only';
import { sql } from 'drizzle-orm';
import { clientMutations } from '../schema';
import type { StoredError } from './errors';
import type { Queryable } from './synced-table';

/** A client's last applied mutation, as this transaction sees it (its row locked until COMMIT). */
export interface ClientState {
  last: number;
  lastError: StoredError | null;
}

export type Claim =
  | { kind: 'apply' }
  | { kind: 'duplicate'; lastError: StoredError | null }
  | { kind: 'gap'; message: string; expected: number };

/**
 * Identifies a client in the map `lockClients` returns. The client id goes in as hex of its UTF-8 bytes, and the
 * database hands back the same, because PGlite's text decoding drops a leading U+FEFF from the values it returns:
 * matching on the decoded text lost such a client (the fuzz tests found it).
 */
export const clientKey = (userId: string, clientId: string) =>
  `${userId}:${Buffer.from(clientId, 'utf8').toString('hex')}`;

/**
 * Locks the rows of these clients, creating them on first use, and returns their state by `clientKey`. One
 * statement (a no-op upsert takes each row lock), in a fixed order so that two transactions locking overlapping
 * clients cannot deadlock; concurrent requests of one client wait here for each other.
 */
export async function lockClients(
  db: Queryable,
  clients: { userId: string; clientId: string }[],
): Promise<Map<string, ClientState>> {
  const distinct = new Map(clients.map((client) => [clientKey(client.userId, client.clientId), client]));
  // Sorted by key: every transaction takes the row locks in the same order.
  const values = [...distinct.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { userId, clientId }]) => ({ userId, clientId, lastMutationId: 0 }));
  const states = new Map<string, ClientState>();
  if (values.length === 0) return states;
  const rows = await db
    .insert(clientMutations)
    .values(values)
    .onConflictDoUpdate({
      target: [clientMutations.userId, clientMutations.clientId],
      set: { lastMutationId: sql`${clientMutations.lastMutationId}` },
    })
    .returning({
      key: sql<string>`${clientMutations.userId} || ':' || encode(convert_to(${clientMutations.clientId}, 'UTF8'), 'hex')`,
      lastMutationId: clientMutations.lastMutationId,
      lastError: clientMutations.lastError,
    });
  for (const row of rows) {
    states.set(row.key, {
      last: row.lastMutationId,
      lastError: (row.lastError as StoredError | null) ?? null,
    });
  }
  return states;
}

/** Decides `mutationId` against the client's state; when it applies, the state moves on to it. */
export function claim(state: ClientState, clientId: string, mutationId: number): Claim {
  if (mutationId <= state.last) {
    return { kind: 'duplicate', lastError: mutationId === state.last ? state.lastError : null };
  }
  if (mutationId > state.last + 1) {
    // last = 0 only for a client without a row: new, or forgotten by retention after being idle (retention.ts).
    const unknown =
      state.last === 0 ? ' (this client id is unknown here: new, or forgotten after being idle)' : '';
    return {
      kind: 'gap',
      expected: state.last + 1,
      message: `Mutation ${mutationId} of client ${clientId} is out of order: expected ${state.last + 1}${unknown}`,
    };
  }
  state.last = mutationId;
  state.lastError = null;
  return { kind: 'apply' };
}
