/**
 * The server side of a mutator's `tx`: owner-scoped reads and writes inside the mutation's database transaction,
 * each write recorded as a change for the change log that commits with it.
 */
import 'server-only';
import type { AnyRow as SyncedRow, MutatorTx, TableAccess } from '../../shared/define-mutator';
import { conflict, MutatorError } from '../../shared/define-mutator';
import { SpanKind } from '@opentelemetry/api';
import type { ZodType } from 'zod';
import type { ActionRun } from '../schema';
import type { SyncApp } from './app';
import { saveRunSecrets, splitSecretInput } from './action-secrets';
import type { Action } from './define-action';
import { rememberRunTrace } from '../telemetry/run-traces';
import { withSpan } from '../telemetry/tracing';
import { prefixIssues } from './errors';
import {
  deleteOwnedRow,
  getOwnedRow,
  insertNewRow,
  listOwnedRows,
  upsertOwnedRow,
  type AnyRow,
  type Queryable,
} from './synced-table';

/** One row-level change, in the order the mutator made it. */
export interface RecordedChange {
  table: string;
  id: string;
  op: 'set' | 'delete';
  /** The row as stored (null for a delete). */
  row: AnyRow | null;
  ownerId: string;
}

/** An action run to insert with the mutation (the actions runtime picks it up after the commit). */
export interface EnqueuedAction {
  id: string;
  action: string;
  input: unknown;
}

export interface ServerTransaction extends MutatorTx {
  readonly changes: RecordedChange[];
  readonly enqueued: EnqueuedAction[];
}

/**
 * What the transaction needs besides the database: counting an enqueued model-calling action against the user's
 * budget (inside this transaction, so a mutation that fails or rolls back gives the point back).
 */
export type ModelCallGate = (tx: Queryable) => Promise<void>;

export function createServerTransaction(
  app: SyncApp,
  db: Queryable,
  userId: string,
  limitModelCall: ModelCallGate,
): ServerTransaction {
  const changes: RecordedChange[] = [];
  const enqueued: EnqueuedAction[] = [];

  function table(name: string): TableAccess<SyncedRow> {
    // Only synced tables are reachable: a server-only table's name is refused like a misspelled one.
    const config = Object.hasOwn(app.tables, name) ? app.tables[name] : undefined;
    if (!config) throw new MutatorError('BAD_REQUEST', `"${name}" is not a synced table`);
    type Row = SyncedRow;
    const ownerOf = (row: Row) => (row as Record<string, unknown>)[config.ownerKey];
    return {
      async get(id) {
        return (await getOwnedRow(db, config, userId, id)) as Row | undefined;
      },
      async list() {
        return (await listOwnedRows(db, config, userId)) as Row[];
      },
      async set(row) {
        if (ownerOf(row) !== userId)
          throw new MutatorError('FORBIDDEN', `Cannot write a ${name} row of another user`);
        const stored = await upsertOwnedRow(db, config, userId, row as AnyRow);
        // Nothing stored means the id is taken by another user's row: same answer as above, nothing revealed.
        if (!stored) throw new MutatorError('FORBIDDEN', `Cannot write a ${name} row of another user`);
        changes.push({ table: name, id: row.id, op: 'set', row: stored, ownerId: userId });
      },
      async insert(row) {
        if (ownerOf(row) !== userId)
          throw new MutatorError('FORBIDDEN', `Cannot write a ${name} row of another user`);
        const stored = await insertNewRow(db, config, row as AnyRow);
        // Taken, by this user's row or by another user's: one answer for both (why: TableAccess.insert).
        if (!stored) throw conflict(name, row.id);
        changes.push({ table: name, id: row.id, op: 'set', row: stored, ownerId: userId });
      },
      async delete(id) {
        if (await deleteOwnedRow(db, config, userId, id)) {
          changes.push({ table: name, id, op: 'delete', row: null, ownerId: userId });
        }
      },
    };
  }

  return {
    userId,
    isServer: true,
    changes,
    enqueued,
    table: table as ServerTransaction['table'],
    async enqueueAction(action, input) {
      // Checked now, so a mutation that enqueues a misspelled action or bad input fails instead of a later run.
      const definition:
        (Pick<Action, 'secret' | 'maxAttempts' | 'callsModel'> & { input: ZodType }) | undefined =
        Object.hasOwn(app.actions, action) ? app.actions[action] : undefined;
      if (!definition) throw new MutatorError('BAD_REQUEST', `No action ${action} to enqueue`);
      const parsed = definition.input.safeParse(input);
      if (!parsed.success) throw prefixIssues(parsed.error, 'enqueueAction');
      const { stored, secret } = splitSecretInput(definition, parsed.data);
      input = stored;
      if (definition.callsModel) await limitModelCall(db);
      const id = crypto.randomUUID();
      const now = new Date();
      const span = { kind: SpanKind.PRODUCER, attributes: { 'action_run.id': id } };
      await withSpan(`enqueue ${action}`, span, async () => {
        // The run row is written through the same tracked path as any synced row, so the client sees it appear.
        const run: ActionRun = {
          id,
          ownerId: userId,
          action,
          input: input ?? null,
          status: 'queued',
          attempts: 0,
          maxAttempts: definition.maxAttempts ?? 3,
          progress: null,
          progressMessage: null,
          result: null,
          error: null,
          runAfter: now,
          leaseUntil: null,
          cancelRequested: false,
          createdAt: now,
          updatedAt: now,
        };
        await table('actionRuns').set(run);
        await rememberRunTrace(db, id);
      });
      await saveRunSecrets(db, id, secret);
      enqueued.push({ id, action, input });
      return id;
    },
  };
}
