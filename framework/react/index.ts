/**
 * The framework's React public API: {@link createSyncReact} makes the app's typed provider and hooks;
 * {@link rowsPublisher} feeds React Query's cache from a store (the provider uses it).
 */
export {
  createSyncReact,
  type MutateFunctions,
  type RowsOfMutators,
  type SchemaUpdate,
  type SyncReactOptions,
} from './sync-react';
export { rowsPublisher } from './rows-publisher';
