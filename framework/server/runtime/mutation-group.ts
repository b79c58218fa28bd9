/**
 * Atomic groups for actions (`ctx.transaction`): several mutators, all-or-nothing, in one transaction with one
 * commit in the change log. Each mutator is validated and run exactly as the executor runs it.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { safeParse } from 'zod';
import type { AnyMutators, MutatorInput } from '../../shared/define-mutator';
import { publishCommitted, recordCommit, type LogEntry } from './commit';
import { prefixIssues, refuseUnstorableText } from './errors';
import type { Runtime } from './runtime';
import { limitModelCall } from '../limits/model-calls';
import { createServerTransaction, type RecordedChange } from './server-transaction';
import type { Queryable } from './synced-table';

/** Validates and runs one mutator inside an open transaction, returning its changes (no commit of its own). */
async function runMutatorIn(
  runtime: Runtime,
  db: Queryable,
  userId: string,
  name: string,
  args: unknown,
): Promise<RecordedChange[]> {
  const mutator = Object.hasOwn(runtime.app.mutators, name) ? runtime.app.mutators[name] : undefined;
  if (!mutator) throw new TRPCError({ code: 'NOT_FOUND', message: `No mutator ${name}` });
  // Full zod's safeParse for a schema of either package, as the executor does (executor.ts says why).
  const parsed = refuseUnstorableText(safeParse(mutator.input, args));
  if (!parsed.success) throw prefixIssues(parsed.error, 'args');
  const tx = createServerTransaction(runtime.app, db, userId, (tx) => limitModelCall(runtime, userId, tx));
  await mutator.run(tx, parsed.data as never);
  return tx.changes;
}

/** Runs mutators from inside an atomic group; `db` reads inside the same transaction. */
export interface MutationGroup<TMutators extends AnyMutators = AnyMutators> {
  mutate<TName extends keyof TMutators & string>(
    name: TName,
    args: MutatorInput<TMutators[TName]>,
  ): Promise<void>;
  /** Reads within the group's transaction (on PGlite, the process database would wait for it: a deadlock). */
  readonly db: Queryable;
}

/**
 * Runs several mutators all-or-nothing: one transaction, one commit, one broadcast. If `body` throws, everything
 * rolls back and nothing reaches the change feed. `fence`, if given, runs first in the transaction (see
 * executor.ts MutationOptions).
 */
export async function executeMutationGroup<T>(
  runtime: Runtime,
  userId: string,
  label: string,
  body: (group: MutationGroup) => Promise<T>,
  fence?: (db: Queryable) => Promise<void>,
): Promise<T> {
  let committed: LogEntry | null = null;
  // If anything throws, the transaction rolls back and the error propagates as-is (the action runner maps it).
  const value = await runtime.db.transaction(async (dbtx) => {
    // As in executeMutation: a refused fence (a queue run's lost claim) writes nothing.
    await fence?.(dbtx);
    const changes: RecordedChange[] = [];
    const result = await body({
      db: dbtx,
      async mutate(name, args) {
        changes.push(...(await runMutatorIn(runtime, dbtx, userId, name, args)));
      },
    });
    if (changes.length > 0) {
      committed = await recordCommit(
        runtime,
        dbtx,
        { userId, mutator: label, clientId: null, mutationId: null, error: null },
        changes,
      );
    }
    return result;
  });
  if (committed) publishCommitted(runtime, committed);
  return value;
}
