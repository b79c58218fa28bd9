/**
 * (c) Mutations per second over HTTP against the running production server: `clients` typed clients, each a new
 * visitor with its own session, each sending addTodo back to back (one in flight per client, as a tab's store does).
 * Sent as a script would (`{ args }`, no client/mutation id), so the idempotency bookkeeping is not included here;
 * bench/mutation-throughput.ts measures both forms against a bare insert.
 */
import { createClient, type AppClient } from '@/client/create-client';
import { runClosedLoop, type LoadResult } from '../support/load';

export async function measureHttpMutations(
  url: string,
  options: { clients: number; durationMs: number },
): Promise<LoadResult> {
  const clients: AppClient[] = Array.from({ length: options.clients }, () => createClient({ url }));
  // The first call makes each client's user (and seeds it): not part of the measured window.
  await Promise.all(clients.map((client) => client.todos.list.query()));
  return runClosedLoop({
    clients: options.clients,
    durationMs: options.durationMs,
    send: async (index, seq) => {
      const client = clients[index];
      if (!client) throw new Error(`no client ${index}`);
      return client.mutators.addTodo.mutate({
        args: { id: crypto.randomUUID(), text: `bench ${seq}`, position: 1_000 + seq, createdAt: new Date() },
      });
    },
  });
}
