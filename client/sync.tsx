'use client';
/**
 * The app's sync hooks, typed from its mutators and synced tables (framework/react). `<SyncProvider>` reads the
 * snapshot the server component prefetched and hands it, with the tRPC client, to the framework's store.
 */
import { useSuspenseQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { createSyncReact } from '@/framework/react';
import { mutators } from '@/mutators/registry';
import { schemaVersion } from '@/mutators/schema-version';
import type { SyncedRows } from '@/mutators/synced-tables';
import { useTRPC, useTRPCClient } from './react';

const sync = createSyncReact<typeof mutators, SyncedRows>({ mutators, schemaVersion });

export const {
  useSyncStore,
  useRows,
  useMutate,
  useConnectionState,
  useSendState,
  useMutationErrors,
  useSchemaUpdate,
} = sync;

/** The store for the page: from the hydrated snapshot (no loading state), then live over the SSE feed. */
export function SyncProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const { data: snapshot } = useSuspenseQuery(
    trpc.sync.snapshot.queryOptions(undefined, { staleTime: Infinity }),
  );
  return (
    <sync.SyncProvider snapshot={snapshot} client={client}>
      {children}
    </sync.SyncProvider>
  );
}
