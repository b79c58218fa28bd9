/**
 * The one executor (docs/architecture.md rule 1): every mutator runs through `executeMutation`, whoever calls it —
 * the tRPC procedure, an action's `ctx.mutate`, the chat endpoint or MCP. It validates input, runs the mutator in
 * one database transaction together with its change-log entries and the client's mutation id (rule 2), then hands
 * the commit to the feed. Nothing is written on any error, except that a failed mutation still consumes its id
 * (rule 5). Every error says whether the id was consumed (`MutationCallError`): a refusal (invalid input,
 * authorization, the mutator threw) consumes it and is final; a failure before the commit (the database closed, a
 * pool timeout, a deadlock or serialization failure) or an id out of order consumes nothing, and the client sends
 * the id again.
 *
 * Mutations that arrive together share a transaction (group commit, see runBatch): each keeps its own version and
 * answer, and a failure in the group ends exactly as it would alone.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Context } from '@opentelemetry/api';
import type { AnyMutator } from '../../shared/define-mutator';
import type { MutationIdState } from '../../shared/sync-protocol';
import { activeContext, linkTo, withSpan } from '../telemetry/tracing';
import type { NewCommit } from './change-log';
import { claim, clientKey, lockClients, type Claim } from './client-mutations';
import { publishCommitted, recordCommit, recordCommits, type LogEntry } from './commit';
import {
  isStorableText,
  prefixIssues,
  refuseUnstorableText,
  toStoredError,
  toTRPCError,
  UNSTORABLE_TEXT_MESSAGE,
  withMutationIdState,
  type StoredError,
} from './errors';
import { createBatcher, type Batcher } from './group-commit';
import type { Runtime } from './runtime';
import { limitModelCall } from '../limits/model-calls';
import { createServerTransaction, type ModelCallGate, type RecordedChange } from './server-transaction';
import { assertSchemaVersion } from './schema-version';
import type { Queryable } from './synced-table';
import { userGoneError } from './user-gone';

/** The `schemaVersion` a request declares, read before its envelope is validated (undefined: none). */
function schemaVersionIn(request: unknown): unknown {
  return typeof request === 'object' && request !== null && 'schemaVersion' in request
    ? (request as { schemaVersion: unknown }).schemaVersion
    : undefined;
}

/** A call of one mutator. `clientId` + `mutationId` make it idempotent (both or neither). */
export interface MutationRequest<TArgs = unknown> {
  args: TArgs;
  /** Identifies the sender (a browser tab, a script); ≤ 64 characters. */
  clientId?: string;
  /** The sender's sequence number for this mutation: 1, 2, 3, … with no gaps. */
  mutationId?: number;
  /**
   * The schema version the sender was built for (browsers always send it; scripts may omit it). Another version
   * than the server's is refused (PRECONDITION_FAILED, `data.schemaVersion`) before anything runs; see
   * schema-version.ts.
   */
  schemaVersion?: number;
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

/** How a server-side caller (an action) may constrain a mutation. */
export interface MutationOptions {
  /**
   * Runs first inside the mutation's transaction; if it throws, nothing is written and the call fails with its
   * error. The queue fences a run's writes with it (action-runs.ts assertClaimHeld).
   */
  fence?: (db: Queryable) => Promise<void>;
}

export function executeMutation(
  runtime: Runtime,
  userId: string,
  name: string,
  request: unknown,
  options: MutationOptions = {},
): Promise<MutationResult> {
  // The name comes from the caller: only known names become span names (bounded cardinality).
  const known = Object.hasOwn(runtime.app.mutators, name);
  return withSpan(
    `mutation ${known ? name : '(unknown)'}`,
    { attributes: { 'mutator.name': name, 'user.id': userId } },
    async (span) => {
      const result = await executeMutationInSpan(runtime, userId, name, request, options);
      if (result.version !== null) span.setAttribute('sync.version', result.version);
      span.setAttribute('sync.duplicate', result.duplicate);
      return result;
    },
  );
}

async function executeMutationInSpan(
  runtime: Runtime,
  userId: string,
  name: string,
  request: unknown,
  options: MutationOptions = {},
): Promise<MutationResult> {
  // First of all: a client of another schema version may name a mutator this server no longer has, or send input
  // of an older shape. Refused without reading or writing anything, so its mutation id stays free.
  try {
    assertSchemaVersion(schemaVersionIn(request), runtime.app.schemaVersion);
  } catch (error) {
    throw withMutationIdState(error as TRPCError, NOT_CONSUMED);
  }
  const mutator = Object.hasOwn(runtime.app.mutators, name) ? runtime.app.mutators[name] : undefined;
  if (!mutator)
    throw withMutationIdState(
      new TRPCError({ code: 'NOT_FOUND', message: `No mutator ${name}` }),
      NOT_CONSUMED,
    );
  const envelope = envelopeSchema.safeParse(request);
  if (!envelope.success) throw withMutationIdState(toTRPCError(envelope.error), NOT_CONSUMED);
  const { clientId, mutationId } = envelope.data;
  const job: MutationJob = {
    userId,
    name,
    mutator,
    // Full zod's safeParse whatever package built the schema: its error is the Error-based ZodError that
    // errors.ts and the tRPC error formatter recognize (a `zod/mini` schema's own method gives core's error).
    parsed: refuseUnstorableText(z.safeParse(mutator.input, envelope.data.args)),
    clientId,
    mutationId,
    traceContext: activeContext(),
    fence: options.fence,
  };

  let outcome: Outcome;
  try {
    // Input that failed validation never runs, but it may still consume a client's mutation id: that is runAlone's.
    outcome = job.parsed.success ? await batcherOf(runtime).submit(job) : await runAlone(runtime, job);
  } catch (thrown) {
    const error = (await userGoneError(runtime.db, userId, thrown)) ?? thrown;
    // A call without a client id (an action's ctx.mutate) has no id to report on: its error passes as it is (e.g. a
    // queue run's LeaseLostError, which the queue must recognise).
    if (clientId == null) throw report(name, error);
    // The transaction rolled back (or never began): the id is free, whatever the error was (a gap says more).
    throw withMutationIdState(report(name, error), NOT_CONSUMED);
  }
  if (outcome.kind === 'duplicate') {
    if (outcome.lastError) throw withMutationIdState(new TRPCError(outcome.lastError), CONSUMED);
    return { version: null, duplicate: true };
  }
  if (outcome.kind === 'failed') throw withMutationIdState(report(name, outcome.thrown), CONSUMED);
  return { version: outcome.entry.commit.version, duplicate: false };
}

const CONSUMED: MutationIdState = { consumed: true, expectedMutationId: null };
const NOT_CONSUMED: MutationIdState = { consumed: false, expectedMutationId: null };

/** One validated call of a mutator, ready to run. */
interface MutationJob {
  userId: string;
  name: string;
  mutator: AnyMutator;
  parsed: z.ZodSafeParseResult<unknown>;
  clientId: string | undefined;
  mutationId: number | undefined;
  /** The mutation's span context: its group commit's span is its child (or links to it). */
  traceContext: Context;
  fence: MutationOptions['fence'];
}

type Outcome =
  | { kind: 'applied'; entry: LogEntry }
  | { kind: 'failed'; entry: LogEntry; thrown: unknown }
  | { kind: 'duplicate'; lastError: StoredError | null };

/** The most mutations one group commit takes; the rest wait for the next. */
const MAX_BATCH = 64;
const batchers = new WeakMap<Runtime, Batcher<MutationJob, Outcome>>();

/** The runtime's group commit of mutations (group-commit.ts): one batch in its transaction at a time. */
function batcherOf(runtime: Runtime): Batcher<MutationJob, Outcome> {
  let batcher = batchers.get(runtime);
  if (!batcher) {
    batcher = createBatcher((jobs) => runBatch(runtime, jobs), MAX_BATCH);
    batchers.set(runtime, batcher);
  }
  return batcher;
}

/**
 * Runs a batch of mutations in ONE transaction when all of them apply cleanly, each with its own version and
 * commit. If any of them throws (or skips a mutation id), that transaction rolls back as a whole and every job runs
 * again alone, in order: the failing one then rolls back only itself (and still consumes its id), as it would have
 * arriving on its own. Failures cost the batch a retry; the common case costs one BEGIN/COMMIT and one log append.
 * A batch of one takes the same path (runAlone needs a savepoint to keep a failing mutator's id consumed).
 */
function runBatch(runtime: Runtime, jobs: MutationJob[]): Promise<PromiseSettledResult<Outcome>[]> {
  // The batch runs in whichever context started it: parent it on its first mutation, link the others.
  const [first, ...others] = jobs;
  return withSpan(
    'commit',
    {
      attributes: { 'commit.mutations': jobs.length },
      parent: first?.traceContext,
      links: others.flatMap((job) => linkTo(job.traceContext)),
    },
    () => runBatchInSpan(runtime, jobs),
  );
}

async function runBatchInSpan(
  runtime: Runtime,
  jobs: MutationJob[],
): Promise<PromiseSettledResult<Outcome>[]> {
  // Also a batch of one: together, its mutation id is claimed in the log append, without runAlone's savepoint (two
  // statements fewer); only a job that fails pays for running again alone. Its error is not lost: the job that
  // caused it meets it again below, alone, and reports it. A lone job whose database failed (not its mutator, fence
  // or mutation id) fails with that error at once, as it would have alone: running it again could apply a script's
  // mutation twice when the failure hid a COMMIT that succeeded.
  const together = await runTogether(runtime, jobs).catch((error: unknown) => {
    if (jobs.length === 1 && !(error instanceof LeaveTheBatch)) throw error;
    return null;
  });
  if (together) return together.map((value) => ({ status: 'fulfilled', value }));
  const results: PromiseSettledResult<Outcome>[] = [];
  for (const job of jobs) {
    results.push(
      await runAlone(runtime, job).then(
        (value) => ({ status: 'fulfilled', value }) as const,
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      ),
    );
  }
  return results;
}

/** Thrown inside a batch's transaction to roll it back and answer every job alone. */
class LeaveTheBatch extends Error {}

async function runTogether(runtime: Runtime, jobs: MutationJob[]): Promise<Outcome[]> {
  const { outcomes, entries } = await runtime.db.transaction(async (dbtx) => {
    // Per job: its outcome, or the index of its commit among `commits`.
    const outcomes: (Outcome | number)[] = [];
    const commits: NewCommit[] = [];
    const numbered = jobs.flatMap(({ userId, clientId }) =>
      clientId === undefined ? [] : [{ userId, clientId }],
    );
    const clients = await lockClients(dbtx, numbered);
    for (const job of jobs) {
      const { userId, clientId, mutationId } = job;
      if (clientId !== undefined && mutationId !== undefined) {
        const state = clients.get(clientKey(userId, clientId));
        if (!state) throw new Error(`locking client ${clientId} returned no row`);
        // Decided in order, so ids n and n + 1 of one client in the same batch both apply.
        const decision = claim(state, clientId, mutationId);
        if (decision.kind === 'duplicate') {
          outcomes.push(decision);
          continue;
        }
        // Refused without consuming anything: alone, that writes nothing at all.
        if (decision.kind === 'gap') throw new LeaveTheBatch();
      }
      // Never true (only valid input is batched, see executeMutation); it narrows `parsed` for the line below.
      if (!job.parsed.success) throw new LeaveTheBatch();
      const tx = createServerTransaction(runtime.app, dbtx, userId, modelCallGate(runtime, userId));
      try {
        // A refused fence fails the batch; alone, the job then fails with the fence's own error.
        await job.fence?.(dbtx);
        await job.mutator.run(tx, job.parsed.data as never);
      } catch (error) {
        // Alone, a throwing mutator still consumes its mutation id (runAlone's savepoint).
        throw new LeaveTheBatch('a mutator or fence threw', { cause: error });
      }
      outcomes.push(commits.length);
      commits.push({
        commit: {
          userId,
          mutator: job.name,
          clientId: clientId ?? null,
          mutationId: mutationId ?? null,
          error: null,
        },
        changes: tx.changes,
      });
    }
    return { outcomes, entries: await recordCommits(runtime, dbtx, commits) };
  });
  publishCommitted(runtime, ...entries);
  return outcomes.map((outcome) => {
    if (typeof outcome !== 'number') return outcome;
    const entry = entries[outcome];
    if (!entry) throw new Error('a batched mutation has no commit');
    return { kind: 'applied', entry };
  });
}

/** One mutation in its own transaction: the path for a lone call, and for each job of a batch that failed. */
async function runAlone(runtime: Runtime, job: MutationJob): Promise<Outcome> {
  const { userId, name, mutator, parsed, clientId, mutationId, fence } = job;
  const outcome = await runtime.db.transaction(async (dbtx): Promise<Outcome> => {
    // Before the mutation id is claimed: a refused fence consumes nothing and rolls back everything.
    await fence?.(dbtx);
    if (clientId !== undefined && mutationId !== undefined) {
      const decision = await claimMutationId(dbtx, userId, clientId, mutationId);
      if (decision.kind === 'duplicate') return decision;
      if (decision.kind === 'gap') {
        throw withMutationIdState(new TRPCError({ code: 'CONFLICT', message: decision.message }), {
          consumed: false,
          expectedMutationId: decision.expected,
        });
      }
    }
    const changes: RecordedChange[] = [];
    let thrown: unknown = parsed.success ? null : prefixIssues(parsed.error, 'args');
    if (parsed.success && clientId === undefined) {
      // No mutation id to consume on failure: the whole transaction rolls back if the mutator throws.
      const tx = createServerTransaction(runtime.app, dbtx, userId, modelCallGate(runtime, userId));
      // The registry is a union of mutators; `parsed` came from this very mutator's schema.
      await mutator.run(tx, parsed.data as never);
      changes.push(...tx.changes);
    } else if (parsed.success) {
      try {
        // A savepoint: a failing mutator's writes roll back, while its consumed mutation id still commits.
        await dbtx.transaction(async (savepoint) => {
          const tx = createServerTransaction(runtime.app, savepoint, userId, modelCallGate(runtime, userId));
          await mutator.run(tx, parsed.data as never);
          changes.push(...tx.changes);
        });
      } catch (error) {
        // A user deleted meanwhile is no failure of this mutation's: nothing is consumed (user-gone.ts).
        const gone = await userGoneError(dbtx, userId, error);
        if (gone) throw gone;
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
  if (outcome.kind !== 'duplicate') publishCommitted(runtime, outcome.entry);
  return outcome;
}

/** Logs unexpected failures (our bugs) and turns any failure into the error the caller sees. */
/** Counts an enqueued model-calling action inside the mutation's own transaction (server-transaction.ts). */
const modelCallGate =
  (runtime: Runtime, userId: string): ModelCallGate =>
  (tx) =>
    limitModelCall(runtime, userId, tx);

function report(name: string, error: unknown): TRPCError {
  const trpcError = toTRPCError(error);
  if (trpcError.code === 'INTERNAL_SERVER_ERROR') console.error(`[executor] mutator ${name} failed:`, error);
  return trpcError;
}

/** Locks the one client's row and decides its mutation id (client-mutations.ts). */
async function claimMutationId(
  db: Queryable,
  userId: string,
  clientId: string,
  mutationId: number,
): Promise<Claim> {
  const state = (await lockClients(db, [{ userId, clientId }])).get(clientKey(userId, clientId));
  if (!state) throw new Error(`locking client ${clientId} returned no row`);
  return claim(state, clientId, mutationId);
}
