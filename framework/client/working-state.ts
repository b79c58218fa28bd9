/**
 * The client-side `tx` of a mutator: reads and writes over an in-memory copy of the synced tables. Copy-on-write, so
 * replaying pending mutations on top of server state never touches the server state itself.
 */
import type { AnyRow, MutatorTx, TableAccess } from '../shared/define-mutator';
import { conflict, MutatorError } from '../shared/mutator-error';
import { compareRows } from '../shared/row-order';
import type { SyncedTablesData } from '../shared/sync-protocol';
import type { SyncLayout } from '../shared/synced-table';

/** Synced tables as id → row maps. Rows are immutable: a write replaces the row object. */
export type TablesState = { readonly [name: string]: ReadonlyMap<string, AnyRow> };

export function stateFromSnapshot(tables: SyncedTablesData): TablesState {
  const state: Record<string, Map<string, AnyRow>> = {};
  for (const [name, rows] of Object.entries(tables)) state[name] = new Map(rows.map((row) => [row.id, row]));
  return state;
}

/** A writable layer over a base state; `result()` is the base with the writes applied (unchanged tables shared). */
export class WorkingState {
  private readonly copies = new Map<string, Map<string, AnyRow>>();

  constructor(private readonly base: TablesState) {}

  read(name: string): ReadonlyMap<string, AnyRow> {
    const map = this.copies.get(name) ?? (Object.hasOwn(this.base, name) ? this.base[name] : undefined);
    // Only synced tables exist on the client: a server-only table is not reachable, by type or at run time.
    if (!map) throw new MutatorError('BAD_REQUEST', `"${name}" is not a synced table`);
    return map;
  }

  write(name: string): Map<string, AnyRow> {
    let copy = this.copies.get(name);
    if (!copy) {
      copy = new Map(this.read(name));
      this.copies.set(name, copy);
    }
    return copy;
  }

  result(): TablesState {
    if (this.copies.size === 0) return this.base;
    return { ...this.base, ...Object.fromEntries(this.copies) };
  }
}

/** The `tx` a mutator sees in the browser. `enqueueAction` is a no-op here: actions run on the server only. */
export function createClientTransaction(state: WorkingState, userId: string, layout: SyncLayout): MutatorTx {
  function table(name: string): TableAccess<AnyRow> {
    type Row = AnyRow;
    const declaration = Object.hasOwn(layout, name) ? layout[name] : undefined;
    if (!declaration) throw new MutatorError('BAD_REQUEST', `"${name}" is not a synced table`);
    const write = (row: Row) => {
      if ((row as Record<string, unknown>)[declaration.owner] !== userId)
        throw new MutatorError('FORBIDDEN', `Cannot write a ${name} row of another user`);
      state.write(name).set(row.id, row);
    };
    return {
      async get(id) {
        return state.read(name).get(id) as Row | undefined;
      },
      async list() {
        // The server's order (the table's declared `order`), not the map's insertion order.
        return [...state.read(name).values()].sort((a, b) => compareRows(declaration.order, a, b));
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
  }
  return {
    userId,
    isServer: false,
    table: table as MutatorTx['table'],
    async enqueueAction() {
      return null;
    },
  };
}
