/**
 * The app's `defineMutator`: `tx.table(name)` is typed with the app's synced tables (mutators/synced-tables.ts).
 */
import { createDefineMutator } from '@/framework/shared';
import type { SyncedRows } from './synced-tables';

export const defineMutator = createDefineMutator<SyncedRows>();
