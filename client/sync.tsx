'use client';
/**
 * The app's sync hooks, typed from its mutators and synced tables (framework/react). `<SyncProvider>` reads the
 * snapshot the server component prefetched and hands it, with the tRPC client and its syncLink's slot, to the
 * framework's store. Components may use these hooks or React Query's own (docs/guide.md shows both).
 */
import { useSuspenseQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { createSyncReact } from '@/framework/react';
import type { mutators } from '@/mutators/registry';
import { schemaVersion } from '@/mutators/schema-version';
import type { SyncedRows } from '@/mutators/synced-tables';
import { useStoreSlot, useTRPC, useTRPCClient } from './react';

// The mutators (their zod schemas above all) load right after the first paint, not with it (issue 17: the page's
// first-load JS); useMutate() works from the start, a change made before they arrive waits for them.
const sync = createSyncReact<typeof mutators, SyncedRows>({
  mutators: () => import('@/mutators/registry').then((module) => module.mutators),
  schemaVersion,
});

export const {
  useSyncStore,
  useRows,
  useMutate,
  useConnectionState,
  useSyncUserId,
  useSendState,
  useMutationErrors,
  useSchemaUpdate,
} = sync;

/** The store for the page: from the hydrated snapshot (no loading state), then live over the SSE feed. */
export function SyncProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const slot = useStoreSlot();
  const { data: snapshot } = useSuspenseQuery(
    trpc.sync.snapshot.queryOptions(undefined, { staleTime: Infinity }),
  );
  return (
    <sync.SyncProvider snapshot={snapshot} client={client} slot={slot}>
      {children}
    </sync.SyncProvider>
  );
}
