/**
 * Test wiring of the data path without HTTP: a client store whose transport calls the server executor directly,
 * and a feed pump that applies the server's change stream to it.
 */
import { TRPCError } from '@trpc/server';
import { ServerRefusal, type SyncTransport } from '@/framework/client/store';
import type { SyncedRows } from '@/mutators/synced-tables';
import { AppStore } from './app-typed';
import type { SyncMessage } from '@/framework/shared/sync-protocol';
import { streamChanges } from './app-typed';
import { MutationCallError } from '@/framework/server/runtime/errors';
import { executeMutation } from '@/framework/server/runtime/executor';
import type { Runtime } from '@/framework/server/runtime/runtime';
import { readSnapshot } from './app-typed';
import { ensureUser } from '@/framework/server/users';

/**
 * A transport straight into the executor. Errors reach the store as they would over HTTP: with what became of the
 * mutation id (the formatter's `data.mutation`).
 */
export function directTransport(runtime: Runtime, userId: string): SyncTransport {
  return {
    async mutate(name, request) {
      try {
        return await executeMutation(runtime, userId, name, request);
      } catch (error) {
        if (error instanceof MutationCallError)
          throw new ServerRefusal(error.code, error.message, error.mutation, { cause: error });
        throw error;
      }
    },
  };
}

/** A transport whose calls wait until the test releases them, one by one, in order. */
export function gatedTransport(inner: SyncTransport) {
  const waiting: { release: () => void; name: string }[] = [];
  const transport: SyncTransport = {
    async mutate(name, request) {
      await new Promise<void>((release) => waiting.push({ release, name }));
      return inner.mutate(name, request);
    },
  };
  return {
    transport,
    /** Lets the oldest held call through; resolves once it reached the transport. */
    async releaseNext() {
      for (let i = 0; i < 100 && waiting.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      const next = waiting.shift();
      if (!next) throw new Error('no mutation is waiting at the transport');
      next.release();
    },
    get waiting() {
      return waiting.length;
    },
  };
}

/** A new user with a store over the server's snapshot. */
export async function newClient(runtime: Runtime, transport?: (userId: string) => SyncTransport) {
  const userId = crypto.randomUUID();
  await ensureUser(runtime, userId);
  const snapshot = await readSnapshot(runtime, userId);
  const store = new AppStore({
    snapshot,
    transport: transport ? transport(userId) : directTransport(runtime, userId),
    retryDelayMs: 5,
  });
  return { userId, store };
}

/** Applies the user's change stream to the store until `stop()`; `messages` records what arrived. */
export function pumpFeed(runtime: Runtime, store: AppStore, fromVersion = store.version) {
  const controller = new AbortController();
  const messages: SyncMessage<SyncedRows>[] = [];
  const done = (async () => {
    for await (const [, message] of streamChanges(
      runtime,
      store.userId,
      String(fromVersion),
      controller.signal,
    )) {
      messages.push(message);
      await store.applyMessage(message);
    }
  })();
  return {
    messages,
    async stop() {
      controller.abort();
      await done;
    },
  };
}

/** Waits until `predicate` holds (polling), or fails with `what`. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function isTRPCError(error: unknown, code: TRPCError['code']): boolean {
  return error instanceof TRPCError && error.code === code;
}
