/**
 * The tRPC link that makes React Query's usual calls go through the sync store (docs/guide.md, "Two ways to write
 * a component"):
 * - a `mutators.<name>` mutation runs on the store (optimistic at once, numbered, sent in order) and resolves only
 *   when the commit notice arrives on the feed, or fails with the refusal after rolling back its own effect; so
 *   `useMutation(trpc.mutators.addTodo.mutationOptions())` gets `isPending` = "not confirmed yet";
 * - a `sync.rows.<table>` query is answered from the store (optimistic state included), never over the network.
 *
 * A link, not `queryClient.setMutationDefaults`: tRPC's `mutationOptions()` sets its own `mutationFn`, which
 * overrides any default, so only the client's link chain sees every call made with the usual options proxy.
 * Without an attached store (server rendering, scripts, a page without `<SyncProvider>`) calls pass through.
 */
import { TRPCClientError, type TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { MutationFailure } from './failure';
import type { MutationHandle } from './store';

/** Operation-context flag the store's own transport sets: its sends go to the network, not back to the store. */
export const STORE_SEND_CONTEXT = 'syncStoreSend';

const MUTATORS_PREFIX = 'mutators.';
const ROWS_PREFIX = 'sync.rows.';

/** What the link needs of a store (a {@link SyncStore} has it). */
export interface LinkedStore {
  readonly tableNames: readonly string[];
  rows(table: string): readonly unknown[];
  mutate(name: string, args: never): MutationHandle;
}

/** Holds the store the link routes to, once a `<SyncProvider>` has made one (one slot per tRPC client). */
export class StoreSlot {
  private store: LinkedStore | null = null;

  /** The attached store, if any. */
  get current(): LinkedStore | null {
    return this.store;
  }

  /** Routes the link's calls to `store` until the returned function is called. */
  attach(store: LinkedStore): () => void {
    this.store = store;
    return () => {
      if (this.store === store) this.store = null;
    };
  }
}

/** What a mutation made through the link resolves to (the shape of the server's answer, MutationResult). */
export interface LinkedMutationResult {
  /** The log version of the commit notice that confirmed it; null when a feed reset confirmed it. */
  version: number | null;
  duplicate: false;
}

/**
 * Put it first in the browser client's links: `links: [syncLink(slot), ...createLinks(…)]`; `<SyncProvider slot>`
 * attaches its store to the same slot.
 */
export function syncLink<TRouter extends AnyTRPCRouter>(slot: StoreSlot): TRPCLink<TRouter> {
  return () =>
    ({ op, next }) => {
      const store = slot.current;
      if (!store || op.context[STORE_SEND_CONTEXT] === true) return next(op);

      if (op.type === 'mutation' && op.path.startsWith(MUTATORS_PREFIX)) {
        const name = op.path.slice(MUTATORS_PREFIX.length);
        return observable((observer) => {
          const input = op.input;
          if (typeof input !== 'object' || input === null || !('args' in input)) {
            observer.error(
              clientError(op.path, {
                mutator: name,
                code: 'BAD_REQUEST',
                message: 'input: expected { args } (the mutator input goes in args)',
              }),
            );
            return () => undefined;
          }
          // clientId / mutationId in the input are ignored: the store numbers its own mutations.
          store
            .mutate(name, input.args as never)
            .settled.then((result) => {
              if (result.ok) {
                const data: LinkedMutationResult = { version: result.version, duplicate: false };
                observer.next({ result: { type: 'data', data } });
                observer.complete();
              } else {
                observer.error(clientError(op.path, result.failure));
              }
            })
            .catch((error: unknown) => observer.error(TRPCClientError.from(toError(error))));
          // Unsubscribing (an aborted call) cannot take back a mutation already applied and queued.
          return () => undefined;
        });
      }

      if (op.type === 'query' && op.path.startsWith(ROWS_PREFIX)) {
        const table = op.path.slice(ROWS_PREFIX.length);
        if (store.tableNames.includes(table)) {
          return observable((observer) => {
            observer.next({ result: { type: 'data', data: store.rows(table) } });
            observer.complete();
            return () => undefined;
          });
        }
      }
      return next(op);
    };
}

/** A refusal as the error tRPC itself would have raised: `error.message`, `error.data.code`. */
function clientError(path: string, failure: MutationFailure) {
  const code = failure.code as keyof typeof TRPC_ERROR_CODES_BY_KEY;
  return TRPCClientError.from({
    error: {
      code: TRPC_ERROR_CODES_BY_KEY[code] ?? TRPC_ERROR_CODES_BY_KEY.INTERNAL_SERVER_ERROR,
      message: failure.message,
      data: { code: failure.code, path, mutator: failure.mutator },
    },
  });
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
