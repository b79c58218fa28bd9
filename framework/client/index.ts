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
export { followFeed, type FollowFeedOptions } from './follow-feed';
export { feedName, followSharedFeed, type RelayChannel, type SharedFeedOptions } from './shared-feed';
export { createTrpcTransport } from './trpc-transport';
export {
  STORE_SEND_CONTEXT,
  StoreSlot,
  syncLink,
  type LinkedMutationResult,
  type LinkedStore,
} from './sync-link';
export {
  CARRY_OVER_TTL_MS,
  saveCarryOver,
  takeCarryOver,
  type CarriedMutation,
  type CarriedMutations,
  type CarryOverStorage,
} from './carry-over';
export { schemaVersionMismatchOf } from './trpc-transport';
