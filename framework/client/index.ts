/**
 * The framework's client public API: the store (no React) and its tRPC transport, for browsers and scripts.
 */
export {
  ServerRefusal,
  SyncStore,
  TransportError,
  type ConnectionState,
  type MutationHandle,
  type MutationSettled,
  type SendState,
  type SyncStoreOptions,
  type SyncTransport,
} from './store';
export type { MutationFailure } from './failure';
export { followFeed } from './follow-feed';
export { createTrpcTransport } from './trpc-transport';
