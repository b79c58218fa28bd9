/**
 * The framework's untyped internals, typed with this app's tables and mutators for tests (the app's own code gets
 * the same types through createSyncServer and createSyncReact).
 */
import type { TrackedEnvelope } from '@trpc/server';
import { SyncStore, type SyncStoreOptions } from '@/framework/client';
import type { Snapshot, SyncMessage } from '@/framework/shared';
import { streamChanges as untypedStreamChanges } from '@/framework/server/runtime/change-stream';
import { readSnapshot as untypedReadSnapshot } from '@/framework/server/runtime/snapshot';
import type { Runtime } from '@/framework/server';
import { mutators, type Mutators } from '@/mutators/registry';
import type { SyncedRows } from '@/mutators/synced-tables';

export { SNAPSHOT_FINISHED_RUNS } from '@/framework/server/runtime/snapshot';

/** The app's snapshot of a user's synced rows. */
export function readSnapshot(
  runtime: Runtime,
  userId: string,
  clientId?: string | null,
): Promise<Snapshot<SyncedRows>> {
  return untypedReadSnapshot(runtime, userId, clientId) as Promise<Snapshot<SyncedRows>>;
}

/** The change stream, its messages typed with the app's rows. */
export const streamChanges = untypedStreamChanges as (
  ...args: Parameters<typeof untypedStreamChanges>
) => AsyncGenerator<TrackedEnvelope<SyncMessage<SyncedRows>>>;

/** A client store running the app's mutators. */
export class AppStore extends SyncStore<Mutators, SyncedRows> {
  constructor(options: Omit<SyncStoreOptions<Mutators>, 'mutators'>) {
    super({ ...options, mutators });
  }
}
