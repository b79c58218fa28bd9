/**
 * The framework's React public API: {@link createSyncReact} makes the app's typed provider and hooks.
 */
export {
  createSyncReact,
  syncRowsKey,
  type MutateFunctions,
  type RowsOfMutators,
  type SchemaUpdate,
  type SyncReactOptions,
} from './sync-react';
