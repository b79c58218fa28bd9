/**
 * The client-side `tx` of a mutator: reads and writes over an in-memory copy of the synced tables. Copy-on-write, so
 * replaying pending mutations on top of server state never touches the server state itself.
 */
import { conflict, MutatorError, type MutatorTx, type TableAccess } from '../shared/define-mutator';
import { compareRows } from '../shared/row-order';
import type { SyncedTablesData } from '../shared/sync-protocol';
import { SYNCED_TABLE_NAMES, type SyncedRows, type SyncedTableName } from '@/mutators/synced-tables';

type AnyRow = { id: string; ownerId: string };

/** Synced tables as id → row maps. Rows are immutable: a write replaces the row object. */
export type TablesState = { [TName in SyncedTableName]: ReadonlyMap<string, SyncedRows[TName]> };

export function stateFromSnapshot(tables: SyncedTablesData): TablesState {
  const state = {} as Record<SyncedTableName, Map<string, AnyRow>>;
  for (const name of SYNCED_TABLE_NAMES) {
    state[name] = new Map((tables[name] as AnyRow[]).map((row) => [row.id, row]));
  }
  return state as unknown as TablesState;
}

/** A writable layer over a base state; `result()` is the base with the writes applied (unchanged tables shared). */
export class WorkingState {
  private readonly copies = new Map<SyncedTableName, Map<string, AnyRow>>();

  constructor(private readonly base: TablesState) {}

  read(name: SyncedTableName): ReadonlyMap<string, AnyRow> {
    const map = this.copies.get(name) ?? (this.base[name] as ReadonlyMap<string, AnyRow> | undefined);
    // Only synced tables exist on the client: a server-only table is not reachable, by type or at run time.
    if (!map) throw new MutatorError('BAD_REQUEST', `"${name}" is not a synced table`);
    return map;
  }

  write(name: SyncedTableName): Map<string, AnyRow> {
    let copy = this.copies.get(name);
    if (!copy) {
      copy = new Map(this.read(name));
      this.copies.set(name, copy);
    }
    return copy;
  }

  result(): TablesState {
    if (this.copies.size === 0) return this.base;
    return { ...this.base, ...Object.fromEntries(this.copies) } as TablesState;
  }
}

/** The `tx` a mutator sees in the browser. `enqueueAction` is a no-op here: actions run on the server only. */
export function createClientTransaction(state: WorkingState, userId: string): MutatorTx {
  return {
    userId,
    isServer: false,
    table<TName extends SyncedTableName>(name: TName): TableAccess<SyncedRows[TName]> {
      type Row = SyncedRows[TName];
      const write = (row: Row) => {
        if (row.ownerId !== userId)
          throw new MutatorError('FORBIDDEN', `Cannot write a ${name} row of another user`);
        state.write(name).set(row.id, row);
      };
      return {
        async get(id) {
          return state.read(name).get(id) as Row | undefined;
        },
        async list() {
          // The server's order (mutators/row-order.ts), not the map's insertion order.
          return ([...state.read(name).values()] as Row[]).sort((a, b) => compareRows(name, a, b));
        },
        async set(row) {
          write(row);
        },
        async insert(row) {
          // The browser sees only this user's rows; the server also refuses ids taken by other users.
          if (state.read(name).has(row.id)) throw conflict(name, row.id);
          write(row);
        },
        async delete(id) {
          if (state.read(name).has(id)) state.write(name).delete(id);
        },
      };
    },
    async enqueueAction() {
      return null;
    },
  };
}
