/**
 * What the app hands the framework (through createSyncServer, framework/server/sync-server.ts): its synced tables,
 * mutators, actions and hooks. The runtime carries it, so no framework file imports the app. Registries are erased
 * here (any mutator, any action); the typed facades restore their types for callers.
 */
import 'server-only';
import type { AnyMutators } from '../../shared/define-mutator';
import type { SyncLayout } from '../../shared/synced-table';
import type { AnyActions } from './define-action';
import type { Queryable, SyncedTableConfig } from './synced-table';

/** The app's parts, as the runtime uses them. */
export interface SyncApp {
  /** Every synced table (the app's and the framework's own) by sync name. */
  readonly tables: { readonly [name: string]: SyncedTableConfig };
  /** The same tables' owner column and row order, for the client (it arrives with every snapshot). */
  readonly layout: SyncLayout;
  readonly mutators: AnyMutators;
  readonly actions: AnyActions;
  /**
   * Runs in the transaction that creates a user's row, on first sight of the user (e.g. the app's welcome rows), so
   * a new user never sees a half-seeded state.
   */
  readonly onNewUser?: (tx: Queryable, userId: string) => Promise<void>;
  /** The version of the app's schema (tables, mutators, actions) that this server runs; 1 when not given. */
  readonly schemaVersion: number;
}

/** A schema module's exports (drizzle tables, types, anything else), as `import * as schema` gives them. */
export type SchemaModule = { readonly [exportName: string]: unknown };
