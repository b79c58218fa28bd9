/**
 * The one executor (DESIGN.md rule 1): every mutator runs through `executeMutation`, whoever calls it — the tRPC
 * procedure, an action's `ctx.mutate`, the chat endpoint or MCP. It validates input, runs the mutator in one
 * database transaction together with its change-log entries and the client's mutation id (rule 2), then pokes the
 * feed. Nothing is written on any error, except that a failed mutation still consumes its id (rule 5).
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { clientMutations } from '@/db/schema';
import type { MutatorInput } from '@/mutators/define';
import { mutators, type MutatorName, type Mutators } from '@/mutators/registry';
import { publishCommitted, recordCommit, type LogEntry } from './commit';
import {
  isStorableText,
  prefixIssues,
  refuseUnstorableText,
  toStoredError,
  toTRPCError,
  UNSTORABLE_TEXT_MESSAGE,
  type StoredError,
} from './errors';
import type { Runtime } from './runtime';
import { createServerTransaction, type RecordedChange } from './server-transaction';
import type { Queryable } from './synced-table';

/** A call of one mutator. `clientId` + `mutationId` make it idempotent (both or neither). */
export interface MutationRequest<TArgs = unknown> {
  args: TArgs;
  /** Identifies the sender (a browser tab, a script); ≤ 64 characters. */
  clientId?: string;
  /** The sender's sequence number for this mutation: 1, 2, 3, … with no gaps. */
  mutationId?: number;
}

/** What a successful call returns. */
export interface MutationResult {
  /** The log version that holds this mutation's changes; null when it was a duplicate and nothing ran again. */
  version: number | null;
  duplicate: boolean;
}

const envelopeSchema = z
  .object({
    args: z.unknown(),
    clientId: z.string().min(1).max(64).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE).optional(),
    mutationId: z.number().int().positive().optional(),
  })
  .refine((value) => (value.clientId === undefined) === (value.mutationId === undefined), {
    message: 'clientId and mutationId go together',
    path: ['mutationId'],
  });

export async function executeMutation(
  runtime: Runtime,
  userId: string,
  name: string,
  request: unknown,
): Promise<MutationResult> {
  if (!Object.hasOwn(mutators, name))
    throw new TRPCError({ code: 'NOT_FOUND', message: `No mutator ${name}` });
  const mutator = mutators[name as MutatorName];
  const envelope = envelopeSchema.safeParse(request);
  if (!envelope.success) throw toTRPCError(envelope.error);
  const { clientId, mutationId } = envelope.data;
  const parsed = refuseUnstorableText(mutator.input.safeParse(envelope.data.args));

  let outcome: Outcome;
  try {
    outcome = await runtime.db.transaction(async (dbtx): Promise<Outcome> => {
      if (clientId !== undefined && mutationId !== undefined) {
        const claim = await claimMutationId(dbtx, userId, clientId, mutationId);
        if (claim.kind === 'duplicate') return claim;
        if (claim.kind === 'gap') throw new TRPCError({ code: 'CONFLICT', message: claim.message });
      }
      const changes: RecordedChange[] = [];
      let thrown: unknown = parsed.success ? null : prefixIssues(parsed.error, 'args');
      if (parsed.success && clientId === undefined) {
        // No mutation id to consume on failure: the whole transaction rolls back if the mutator throws.
        const tx = createServerTransaction(dbtx, userId);
        // The registry is a union of mutators; `parsed` came from this very mutator's schema.
        await mutator.run(tx, parsed.data as never);
        changes.push(...tx.changes);
      } else if (parsed.success) {
        try {
          // A savepoint: a failing mutator's writes roll back, while its consumed mutation id still commits.
          await dbtx.transaction(async (savepoint) => {
            const tx = createServerTransaction(savepoint, userId);
            await mutator.run(tx, parsed.data as never);
            changes.push(...tx.changes);
          });
        } catch (error) {
          thrown = error;
        }
      }
      // Without a client id there is no mutation id to consume: roll back everything and report.
      if (thrown !== null && clientId === undefined) throw thrown;
      const failure = thrown === null ? null : toStoredError(thrown);
      const entry = await recordCommit(
        runtime,
        dbtx,
        { userId, mutator: name, clientId: clientId ?? null, mutationId: mutationId ?? null, error: failure },
        failure ? [] : changes,
      );
      return thrown === null ? { kind: 'applied', entry } : { kind: 'failed', entry, thrown };
    });
  } catch (error) {
    throw report(name, error);
  }

  if (outcome.kind === 'duplicate') {
    if (outcome.lastError) throw new TRPCError(outcome.lastError);
    return { version: null, duplicate: true };
  }
  publishCommitted(runtime, outcome.entry);
  if (outcome.kind === 'failed') throw report(name, outcome.thrown);
  return { version: outcome.entry.commit.version, duplicate: false };
}

type Outcome =
  | { kind: 'applied'; entry: LogEntry }
  | { kind: 'failed'; entry: LogEntry; thrown: unknown }
  | { kind: 'duplicate'; lastError: StoredError | null };

/** Logs unexpected failures (our bugs) and turns any failure into the error the caller sees. */
function report(name: string, error: unknown): TRPCError {
  const trpcError = toTRPCError(error);
  if (trpcError.code === 'INTERNAL_SERVER_ERROR') console.error(`[executor] mutator ${name} failed:`, error);
  return trpcError;
}

type Claim =
  { kind: 'apply' } | { kind: 'duplicate'; lastError: StoredError | null } | { kind: 'gap'; message: string };

/**
 * Locks the client's row and decides: apply (the next id), duplicate (already applied: skip), or gap (an id was
 * skipped: refuse, consuming nothing). The lock also serializes concurrent requests of one client.
 */
async function claimMutationId(
  db: Queryable,
  userId: string,
  clientId: string,
  mutationId: number,
): Promise<Claim> {
  // One statement: creates the row on first use, or locks the existing one (a no-op update takes the row lock)
  // and returns it — concurrent requests of one client wait here for each other.
  const [row] = await db
    .insert(clientMutations)
    .values({ userId, clientId, lastMutationId: 0 })
    .onConflictDoUpdate({
      target: [clientMutations.userId, clientMutations.clientId],
      set: { lastMutationId: sql`${clientMutations.lastMutationId}` },
    })
    .returning();
  const last = row?.lastMutationId ?? 0;
  if (mutationId <= last) {
    return {
      kind: 'duplicate',
      lastError: mutationId === last ? ((row?.lastError as StoredError) ?? null) : null,
    };
  }
  if (mutationId > last + 1) {
    return {
      kind: 'gap',
      message: `Mutation ${mutationId} of client ${clientId} is out of order: expected ${last + 1}`,
    };
  }
  return { kind: 'apply' };
}

/** Validates and runs one mutator inside an open transaction, returning its changes (no commit of its own). */
async function runMutatorIn(
  db: Queryable,
  userId: string,
  name: string,
  args: unknown,
): Promise<RecordedChange[]> {
  if (!Object.hasOwn(mutators, name))
    throw new TRPCError({ code: 'NOT_FOUND', message: `No mutator ${name}` });
  const mutator = mutators[name as MutatorName];
  const parsed = refuseUnstorableText(mutator.input.safeParse(args));
  if (!parsed.success) throw prefixIssues(parsed.error, 'args');
  const tx = createServerTransaction(db, userId);
  await mutator.run(tx, parsed.data as never);
  return tx.changes;
}

/** Runs mutators from inside an atomic group; `db` reads inside the same transaction. */
export interface MutationGroup {
  mutate<TName extends MutatorName>(name: TName, args: MutatorInput<Mutators[TName]>): Promise<void>;
  /** Reads within the group's transaction (on PGlite, the process database would wait for it: a deadlock). */
  readonly db: Queryable;
}

/**
 * Runs several mutators all-or-nothing: one transaction, one commit, one broadcast. If `body` throws, everything
 * rolls back and nothing reaches the change feed.
 */
export async function executeMutationGroup<T>(
  runtime: Runtime,
  userId: string,
  label: string,
  body: (group: MutationGroup) => Promise<T>,
): Promise<T> {
  let committed: LogEntry | null = null;
  // If anything throws, the transaction rolls back and the error propagates as-is (the action runner maps it).
  const value = await runtime.db.transaction(async (dbtx) => {
    const changes: RecordedChange[] = [];
    const result = await body({
      db: dbtx,
      async mutate(name, args) {
        changes.push(...(await runMutatorIn(dbtx, userId, name, args)));
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
