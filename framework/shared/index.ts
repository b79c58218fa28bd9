/**
 * The framework's isomorphic public API (browser and server alike): mutator definitions, tool exposure, the sync
 * protocol's types, the synced-table types and the one row order. Nothing here loads drizzle at run time.
 */
export {
  conflict,
  createDefineMutator,
  MCP_PATH,
  MutatorError,
  onPages,
  type AnyMutator,
  type AnyMutators,
  type AnyRow,
  type AnyRows,
  type AnySchema,
  type Mutator,
  type MutatorInput,
  type MutatorTx,
  type PublicMutatorName,
  type TableAccess,
  type ToolContext,
  type ToolExposure,
  type ToolFillContext,
  type ToolReadContext,
} from './define-mutator';
export { dateInput } from './date-input';
export { compareRows } from './row-order';
export type {
  CommitNotice,
  MutationIdState,
  RowChange,
  SchemaVersionMismatch,
  Snapshot,
  SyncedTablesData,
  SyncMessage,
} from './sync-protocol';
export type {
  DeclaredSyncedTable,
  FrameworkSyncedRows,
  SyncDeclaration,
  SyncedRowsOf,
  SyncLayout,
} from './synced-table';
