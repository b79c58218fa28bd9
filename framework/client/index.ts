/**
 * The framework's client public API: the store (no React) and its tRPC transport, for browsers and scripts.
 */
export {
  SchemaVersionRefusal,
  ServerRefusal,
  SyncStore,
  TransportError,
  type ConnectionState,
  type MutationHandle,
  type MutationSettled,
  type RestoreReport,
  type SendState,
  type SyncStoreOptions,
  type SyncTransport,
} from './store';
export type { MutationFailure } from './failure';
export { followFeed } from './follow-feed';
export { createTrpcTransport } from './trpc-transport';
export {
  CARRY_OVER_TTL_MS,
  saveCarryOver,
  takeCarryOver,
  type CarriedMutation,
  type CarriedMutations,
  type CarryOverStorage,
} from './carry-over';
export { schemaVersionMismatchOf } from './trpc-transport';
