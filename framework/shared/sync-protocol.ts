/**
 * What travels between the server's change feed and the client store. Isomorphic types only.
 */
import type { AnyRows } from './define-mutator';
import type { SyncLayout } from './synced-table';

/** Every synced table's rows for one user. */
export type SyncedTablesData<TRows extends AnyRows = AnyRows> = { [TName in keyof TRows]: TRows[TName][] };

/** A consistent copy of a user's synced rows at one log version. */
export interface Snapshot<TRows extends AnyRows = AnyRows> {
  version: number;
  /** The user these rows belong to (the client's `tx.userId`). */
  userId: string;
  tables: SyncedTablesData<TRows>;
  /** Each synced table's owner column and row order: the client sorts `list()` as the server does. */
  layout: SyncLayout;
  /**
   * Set when the snapshot was read for one client (a feed `reset` for a subscriber that named its client id): the
   * last of that client's mutations whose effect the snapshot includes (0: none, or a client id the server does not
   * know). After a reset, the client drops its pending mutations up to this id (their commit notices may be gone
   * from the log) and replays the rest on top.
   */
  client?: { id: string; lastMutationId: number };
}

/** One row-level change. */
export type RowChange<TRows extends AnyRows = AnyRows> = {
  [TName in keyof TRows & string]:
    { table: TName; id: string; op: 'set'; row: TRows[TName] } | { table: TName; id: string; op: 'delete' };
}[keyof TRows & string];

/** A committed (or permanently failed) mutation of this user, so the sender can settle its optimistic effect. */
export interface CommitNotice {
  version: number;
  clientId: string | null;
  mutationId: number | null;
  error: { code: string; message: string } | null;
}

/**
 * A feed message. `changes`: everything visible to the user in versions (previous message, version]. `reset`:
 * start over from this snapshot (first connection without a version, or a log that no longer has the client's).
 */
export type SyncMessage<TRows extends AnyRows = AnyRows> =
  | { type: 'changes'; version: number; commits: CommitNotice[]; changes: RowChange<TRows>[] }
  | { type: 'reset'; snapshot: Snapshot<TRows> };

/**
 * What became of a numbered mutation's id when the server refused it: the `mutation` field of the tRPC error's
 * `data`. The client decides from it whether to retry (same id), give up, or renumber what it has not sent yet.
 */
export interface MutationIdState {
  /**
   * True: the id is used up, the answer is final (a retry gets the same one). False: nothing was written (the
   * database failed before the commit, or the id was out of order); the same id may be sent again.
   */
  consumed: boolean;
  /** Set on an id gap (CONFLICT): the id the server expects next from this client. */
  expectedMutationId: number | null;
}

/**
 * The `schemaVersion` field of the tRPC error data (code PRECONDITION_FAILED) that refuses a mutation or a feed
 * subscription from a client built for another schema version: the version the client declared and the one the
 * server runs. Such a refusal writes nothing and never consumes a mutation id; the client should reload.
 */
export interface SchemaVersionMismatch {
  client: number;
  server: number;
}
