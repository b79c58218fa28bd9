/**
 * The queue worker of one server process: runs enqueued actions durably (at-least-once; handlers idempotent).
 * - Woken when the change feed (this process's commits, and other processes' through NOTIFY) shows a run becoming
 *   queued, so a run enqueued by a mutation starts right after its commit — without a claim query on every other
 *   commit; a timer covers retries that become due and leases that expire.
 * - Claims with FOR UPDATE SKIP LOCKED (action-runs.ts) and holds a lease that a heartbeat extends (outside the
 *   change log: bookkeeping, not news); a process that dies stops extending it, and after it expires any worker
 *   takes the run over.
 * - Fenced: every write of a worker for a run (heartbeat, progress, the handler's mutations, finish, retry) carries
 *   its claim (the run's attempt number) and is refused once another worker has claimed the run. A worker that
 *   finds its claim lost (refused write, or the takeover seen in the feed) aborts its handler and writes nothing.
 * - Failures are retried with exponential backoff up to the action's maxAttempts, then the run fails with its error
 *   kept. A cancel request aborts the handler's `ctx.signal` at the next heartbeat.
 */
import 'server-only';
import { SpanKind } from '@opentelemetry/api';
import type { ActionRun } from '../schema';
import { runTraceParent } from '../telemetry/run-traces';
import { contextFromTraceParent, withSpan } from '../telemetry/tracing';
import {
  claimNextRun,
  extendLease,
  LeaseLostError,
  nextDueAt,
  updateRun,
  type RunClaim,
} from './action-runs';
import { getAction, runActionDefinition } from './action-executor';
import { loadRunInput, redactSecrets } from './action-secrets';
import type { Action } from './define-action';
import { runErrorText } from './run-errors';
import type { Runtime } from './runtime';

export interface QueueOptions {
  /** Runs executing at once in this process. */
  concurrency?: number;
  /** How long a claim lasts without a heartbeat. */
  leaseMs?: number;
  /** First retry delay; doubles per attempt. */
  retryBaseMs?: number;
  /** How often a running run's lease is extended (default leaseMs / 3). */
  heartbeatMs?: number;
  /** Actions to run by name before the registry's (tests run their own definitions through the real queue). */
  actions?: Record<string, Action>;
  /** Told when a run executed here ends (or goes back to the queue for a retry): for logs. */
  onSettled?: (run: ActionRun, outcome: RunOutcome) => void;
}

/**
 * How a run executed by this process ended. `released`: left for another process (shutdown during the run);
 * `lost`: another worker took it over (this one's lease had lapsed).
 */
export type RunOutcome = 'succeeded' | 'retrying' | 'failed' | 'cancelled' | 'released' | 'lost';

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
  const heartbeatMs = options.heartbeatMs ?? leaseMs / 3;
  /** The test's own definition when given, else the registry's (which throws NOT_FOUND for an unknown name). */
  const resolveAction = (name: string): Action =>
    (options.actions && Object.hasOwn(options.actions, name) ? options.actions[name] : undefined) ??
    getAction(runtime, name);
  const running = new Map<string, Promise<void>>();
  /** The runs executing here and their claims, so a cancel or a takeover seen in the feed stops them at once. */
  const controllers = new Map<string, { controller: AbortController; attempts: number }>();
  let stopped = false;
  let claiming: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;

  async function fill() {
    while (!stopped && running.size < concurrency) {
      const run = await claimNextRun(runtime, leaseMs, [...running.keys()]);
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
      async (span) => {
        const outcome = await executeInSpan(run);
        span.setAttribute('action_run.outcome', outcome);
        options.onSettled?.(run, outcome);
      },
    );
  }

  async function executeInSpan(run: ActionRun): Promise<RunOutcome> {
    const claim: RunClaim = { id: run.id, attempts: run.attempts };
    const controller = new AbortController();
    controllers.set(run.id, { controller, attempts: run.attempts });
    /** Another worker owns the run now: stop the handler; this worker writes nothing more for the run. */
    const loseLease = (error: LeaseLostError) => {
      if (!controller.signal.aborted) controller.abort(error);
    };
    const heartbeat = setInterval(() => {
      void (async () => {
        const state = await extendLease(runtime, claim, leaseMs);
        if (state === 'lost') loseLease(new LeaseLostError(claim));
        else if (state === 'cancel-requested') controller.abort(new Error('cancelled'));
      })().catch((error: unknown) => console.error(`[queue] heartbeat of run ${run.id} failed:`, error));
    }, heartbeatMs);
    const stopOnShutdown = () => controller.abort(new Error('server shutting down'));
    runtime.shutdownSignal.addEventListener('abort', stopOnShutdown);
    /** A write of this worker for its run, carrying its claim: refused (null) once another worker took over. */
    const write = (patch: Parameters<typeof updateRun>[2]) => updateRun(runtime, run.id, patch, { claim });
    // The run's secret input values: its synced result and error must not repeat them.
    let secrets: string[] = [];
    try {
      const action = resolveAction(run.action); // Unknown action: fail without retrying.
      const loaded = await loadRunInput(runtime.db, action, run);
      secrets = loaded.secrets;
      // PGlite answers without yielding to the event loop: let waiting requests and SSE writes run first.
      await new Promise((resolve) => setImmediate(resolve));
      const result = await runActionDefinition(runtime, run.action, action, loaded.input, {
        userId: run.ownerId,
        signal: controller.signal,
        run: { claim, onLeaseLost: loseLease },
      });
      if (controller.signal.reason instanceof LeaseLostError) return 'lost';
      const done = await write({
        status: 'succeeded',
        result: redactSecrets(result ?? null, secrets),
        progress: 1,
        leaseUntil: null,
        error: null,
      });
      if (!done) {
        loseLease(new LeaseLostError(claim));
        return 'lost';
      }
      return 'succeeded';
    } catch (error) {
      const message = () => redactSecrets(runErrorText(run.id, error), secrets);
      if (controller.signal.reason instanceof LeaseLostError || error instanceof LeaseLostError) {
        // Another worker runs it now: its outcome is the one that counts; this one writes nothing.
        return 'lost';
      } else if (controller.signal.aborted && !runtime.shutdownSignal.aborted) {
        await write({ status: 'cancelled', leaseUntil: null, error: 'Cancelled' });
        return 'cancelled';
      } else if (runtime.shutdownSignal.aborted) {
        // Leave it `running`: its lease expires and the next process takes it over.
        return 'released';
      } else if (run.attempts < run.maxAttempts && !isPermanent(error)) {
        const backoff = retryBaseMs * 2 ** (run.attempts - 1);
        await write({
          status: 'queued',
          error: message(),
          leaseUntil: null,
          runAfter: new Date(Date.now() + backoff),
        });
        return 'retrying';
      } else {
        await write({ status: 'failed', error: message(), leaseUntil: null });
        return 'failed';
      }
    } finally {
      clearInterval(heartbeat);
      if (controllers.get(run.id)?.controller === controller) controllers.delete(run.id);
      runtime.shutdownSignal.removeEventListener('abort', stopOnShutdown);
    }
  }

  const unsubscribe = runtime.feed.onChanges((changes) => {
    let queued = false;
    for (const change of changes) {
      if (change.table !== 'actionRuns' || change.op !== 'set') continue;
      if (change.row?.status === 'queued') queued = true;
      const executing = controllers.get(change.id);
      if (!executing || !change.row) continue;
      // A cancel request (made in any process) stops a run executing here right away; the heartbeat is the backup.
      if (change.row.cancelRequested === true) executing.controller.abort(new Error('cancelled'));
      // Another worker claimed it (this one's lease lapsed): stop at once rather than at the next heartbeat.
      const attempts = (change.row as { attempts?: unknown }).attempts;
      // Only a later claim counts: the feed may still deliver changes of earlier attempts after this claim.
      if (typeof attempts === 'number' && attempts > executing.attempts)
        executing.controller.abort(new LeaseLostError({ id: change.id, attempts: executing.attempts }));
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
