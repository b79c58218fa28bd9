/**
 * A script-side writer through the balancer, as a well-behaved client of the typed API: it numbers its mutations
 * (one client id, ids 1, 2, 3, …, one at a time, in order) and retries a request that got no answer from the app
 * (connection cut, or nginx's 502/503/504) with the same id, which the server applies at most once. It counts what
 * happened, so a test can tell retried requests from failed ones.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TRPCClientError } from '@trpc/client';
import type { AppClient } from '@/client/create-client';

/** The request never got an answer from the app: it may or may not have run, and the same id may be sent again. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const status = (error.data as { httpStatus?: number } | undefined)?.httpStatus;
  return status === undefined || status === 502 || status === 503 || status === 504;
}

export interface MutationLoadResult {
  clientId: string;
  /** Texts of the todos added, index i by mutation id i + 1. */
  texts: string[];
  /** HTTP requests sent (first tries and retries). */
  requests: number;
  /** Requests that got no answer from the app and were sent again with the same id. */
  retried: number;
  /** Mutations that failed for good (an error the client must not retry, or retries exhausted): the goal is none. */
  failed: { mutationId: number; message: string }[];
  /** Answers "already applied" (a retry whose first request had committed). */
  duplicates: number;
  /** Which process (x-served-by) answered how many requests. */
  servedBy: Record<string, number>;
}

export interface MutationLoad {
  /** Stops after the mutation in flight and reports. */
  stop(): Promise<MutationLoadResult>;
}

/**
 * Adds todos one after another through `client` until stopped, `pauseMs` apart. `servedByOf` reads the
 * x-served-by header of the last answer (the client's fetch records it).
 */
export function startMutationLoad(options: {
  client: AppClient;
  label: string;
  pauseMs: number;
  lastServedBy: () => string | null;
  /** How long one mutation may keep being retried before it counts as failed. */
  retryForMs?: number;
}): MutationLoad {
  const clientId = `${options.label}-${randomUUID()}`;
  const result: MutationLoadResult = {
    clientId,
    texts: [],
    requests: 0,
    retried: 0,
    failed: [],
    duplicates: 0,
    servedBy: {},
  };
  let stopping = false;
  const running = (async () => {
    for (let mutationId = 1; !stopping; mutationId++) {
      const text = `${options.label} ${mutationId}`;
      result.texts.push(text);
      const args = { id: randomUUID(), text, position: 10_000 + mutationId, createdAt: new Date() };
      const giveUpAt = Date.now() + (options.retryForMs ?? 30_000);
      for (let attempt = 1; ; attempt++) {
        result.requests++;
        try {
          const answer = await options.client.mutators.addTodo.mutate({ args, clientId, mutationId });
          if (answer.duplicate) result.duplicates++;
          const servedBy = options.lastServedBy() ?? 'unknown';
          result.servedBy[servedBy] = (result.servedBy[servedBy] ?? 0) + 1;
          break;
        } catch (error) {
          if (!isRetryable(error) || Date.now() > giveUpAt) {
            result.failed.push({
              mutationId,
              message: error instanceof Error ? error.message : String(error),
            });
            break;
          }
          result.retried++;
          await sleep(Math.min(50 * attempt, 500));
        }
      }
      await sleep(options.pauseMs);
    }
  })();
  return {
    async stop() {
      stopping = true;
      await running;
      return result;
    },
  };
}
