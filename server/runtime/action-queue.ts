/**
 * The queue worker of one server process: runs enqueued actions durably (at-least-once; handlers idempotent).
 * - Woken when the change feed (this process's commits, and other processes' through NOTIFY) shows a run becoming
 *   queued, so a run enqueued by a mutation starts right after its commit — without a claim query on every other
 *   commit; a timer covers retries that become due and leases that expire.
 * - Claims with FOR UPDATE SKIP LOCKED (action-runs.ts) and holds a lease that a heartbeat extends; a process that
 *   dies stops extending it, and after it expires any worker takes the run over.
 * - Failures are retried with exponential backoff up to the action's maxAttempts, then the run fails with its error
 *   kept. A cancel request aborts the handler's `ctx.signal` at the next heartbeat.
 */
import 'server-only';
import { eq } from 'drizzle-orm';
import { actionRuns, type ActionRun } from '@/db/schema';
import { SpanKind } from '@opentelemetry/api';
import { runTraceParent } from '../telemetry/run-traces';
import { contextFromTraceParent, withSpan } from '../telemetry/tracing';
import { claimNextRun, nextDueAt, updateRun } from './action-runs';
import { callAction, getAction } from './action-executor';
import type { Runtime } from './runtime';

export interface QueueOptions {
  /** Runs executing at once in this process. */
  concurrency?: number;
  /** How long a claim lasts without a heartbeat. */
  leaseMs?: number;
  /** First retry delay; doubles per attempt. */
  retryBaseMs?: number;
  /** Told when a run executed here ends (or goes back to the queue for a retry): for logs. */
  onSettled?: (run: ActionRun, outcome: RunOutcome) => void;
}

/** How a run executed by this process ended. `released`: left for another process (shutdown during the run). */
export type RunOutcome = 'succeeded' | 'retrying' | 'failed' | 'cancelled' | 'released';

export interface ActionQueue {
  /** Runs executing now in this process. */
  readonly active: number;
  stop(): Promise<void>;
}

const MAX_TIMER_MS = 5_000;

export function startActionQueue(runtime: Runtime, options: QueueOptions = {}): ActionQueue {
  const concurrency = options.concurrency ?? 4;
  const leaseMs = options.leaseMs ?? 30_000;
  const retryBaseMs = options.retryBaseMs ?? 1_000;
  const running = new Map<string, Promise<void>>();
  /** Abort controllers of the runs executing here, so a cancel request seen in the feed stops them at once. */
  const controllers = new Map<string, AbortController>();
  let stopped = false;
  let claiming: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;

  async function fill() {
    while (!stopped && running.size < concurrency) {
      const run = await claimNextRun(runtime, leaseMs);
      if (!run) break;
      const execution = execute(run).finally(() => {
        running.delete(run.id);
        wake();
      });
      running.set(run.id, execution);
    }
    await scheduleTimer();
  }

  /** Single-flight: pokes during a claim loop schedule exactly one more loop. */
  function wake() {
    if (stopped) return;
    if (claiming) {
      again = true;
      return;
    }
    claiming = (async () => {
      try {
        do {
          again = false;
          await fill();
        } while (again && !stopped);
      } catch (error) {
        if (!stopped) console.error('[queue] claiming runs failed:', error);
      } finally {
        claiming = null;
      }
    })();
  }

  async function scheduleTimer() {
    if (stopped) return;
    const due = await nextDueAt(runtime);
    const delay = due ? Math.min(Math.max(due.getTime() - Date.now(), 0) + 10, MAX_TIMER_MS) : MAX_TIMER_MS;
    if (timer) clearTimeout(timer);
    timer = setTimeout(wake, delay);
    timer.unref();
  }

  /** Runs `run` in a span parented on the span that enqueued it (stored with the run, maybe by another process). */
  async function execute(run: ActionRun) {
    const parent = contextFromTraceParent(await runTraceParent(runtime.db, run.id));
    await withSpan(
      `action run ${run.action}`,
      {
        kind: SpanKind.CONSUMER,
        parent,
        attributes: { 'action_run.id': run.id, 'action_run.attempt': run.attempts },
      },
      async (span) => span.setAttribute('action_run.outcome', await executeInSpan(run)),
    );
  }

  async function executeInSpan(run: ActionRun): Promise<RunOutcome> {
    const controller = new AbortController();
    controllers.set(run.id, controller);
    const heartbeat = setInterval(() => {
      void (async () => {
        const [current] = await runtime.db
          .select({ cancel: actionRuns.cancelRequested })
          .from(actionRuns)
          .where(eq(actionRuns.id, run.id));
        if (current?.cancel) controller.abort(new Error('cancelled'));
        else
          await updateRun(
            runtime,
            run.id,
            { leaseUntil: new Date(Date.now() + leaseMs) },
            { status: 'running' },
          );
      })().catch((error: unknown) => console.error(`[queue] heartbeat of run ${run.id} failed:`, error));
    }, leaseMs / 3);
    const stopOnShutdown = () => controller.abort(new Error('server shutting down'));
    runtime.shutdownSignal.addEventListener('abort', stopOnShutdown);
    let outcome: RunOutcome = 'succeeded';
    try {
      getAction(run.action); // Unknown action: fail without retrying.
      // PGlite answers without yielding to the event loop: let waiting requests and SSE writes run first.
      await new Promise((resolve) => setImmediate(resolve));
      const result = await callAction(runtime, run.action, run.input, {
        userId: run.ownerId,
        signal: controller.signal,
        runId: run.id,
      });
      await updateRun(
        runtime,
        run.id,
        { status: 'succeeded', result: result ?? null, progress: 1, leaseUntil: null, error: null },
        { status: 'running' },
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (controller.signal.aborted && !runtime.shutdownSignal.aborted) {
        outcome = 'cancelled';
        await updateRun(runtime, run.id, { status: 'cancelled', leaseUntil: null, error: 'Cancelled' });
      } else if (runtime.shutdownSignal.aborted) {
        // Leave it `running`: its lease expires and the next process takes it over.
        outcome = 'released';
      } else if (run.attempts < run.maxAttempts && !isPermanent(error)) {
        outcome = 'retrying';
        const backoff = retryBaseMs * 2 ** (run.attempts - 1);
        await updateRun(runtime, run.id, {
          status: 'queued',
          error: message,
          leaseUntil: null,
          runAfter: new Date(Date.now() + backoff),
        });
      } else {
        outcome = 'failed';
        await updateRun(runtime, run.id, { status: 'failed', error: message, leaseUntil: null });
      }
    } finally {
      clearInterval(heartbeat);
      controllers.delete(run.id);
      runtime.shutdownSignal.removeEventListener('abort', stopOnShutdown);
    }
    options.onSettled?.(run, outcome);
    return outcome;
  }

  const unsubscribe = runtime.feed.onChanges((changes) => {
    let queued = false;
    for (const change of changes) {
      if (change.table !== 'actionRuns' || change.op !== 'set') continue;
      if (change.row?.status === 'queued') queued = true;
      // A cancel request (made in any process) stops a run executing here right away; the heartbeat is the backup.
      if (change.row?.cancelRequested === true) controllers.get(change.id)?.abort(new Error('cancelled'));
    }
    if (queued) wake();
  });
  wake();

  return {
    get active() {
      return running.size;
    },
    async stop() {
      stopped = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      // A claim in progress may still start a run: wait for it, then for every run.
      await claiming;
      await Promise.allSettled(running.values());
    },
  };
}

/** Bad input or an unknown action will not get better by retrying. */
function isPermanent(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'BAD_REQUEST' || code === 'NOT_FOUND' || code === 'PRECONDITION_FAILED';
}
