/**
 * fan-out.ts's subscribers, spread over worker threads (./subscriber-worker.ts) so that reading thousands of SSE
 * streams does not share one event loop with the writer or queue behind itself: subscriber i of n lives in the
 * thread that holds its share and connects to urls[i % urls.length]. All of them act as one user (one cookie).
 */
import { Worker } from 'node:worker_threads';

/** What each worker is given. */
export interface WorkerJob {
  urls: readonly string[];
  cookie: string;
  /** This worker's subscribers are global indexes offset … offset + count − 1. */
  offset: number;
  count: number;
  /** Opened this many at a time, each batch waited on until all have their snapshot. */
  batch: number;
  timeoutMs: number;
}

export type PoolCommand = { type: 'flush' };

export type WorkerReport =
  | { type: 'progress' | 'opened'; ready: number }
  | { type: 'failed'; ready: number; messages: string[] }
  /** Arrival times (epoch ms) of one todo row at each of the worker's subscribers; NaN: never arrived. */
  | { type: 'complete' | 'partial'; id: string; times: Float64Array }
  | { type: 'closed'; duplicates: number; interruptions: number; messages: string[] };

interface TrackedRow {
  /** Per global subscriber index. */
  arrivals: Float64Array;
  received: number;
  allReceived: () => void;
}

export interface SubscriberPool {
  readonly threads: number;
  /** Starts recording a todo row; resolves once every subscriber has it. Call before the change is made. */
  track(todoId: string): Promise<void>;
  /** Arrival times (epoch ms, NaN: not received) of a tracked row. Complete after `close()`. */
  arrivals(todoId: string): { times: Float64Array; received: number } | undefined;
  /** Reports rows some subscribers never received, closes every subscription and ends the threads. */
  close(): Promise<{ duplicates: number; interruptions: number; messages: string[] }>;
}

/** Opens `n` subscribers over `threads` worker threads; resolves once all have their snapshot, throws if some never do. */
export async function openSubscriberPool(options: {
  urls: readonly string[];
  cookie: string;
  n: number;
  threads: number;
  batch?: number;
  timeoutMs: number;
  onProgress?(ready: number): void;
}): Promise<SubscriberPool> {
  const threads = Math.max(1, Math.min(options.threads, options.n));
  const tracked = new Map<string, TrackedRow>();
  const workers: { worker: Worker; offset: number; ready: number }[] = [];
  const per = Math.ceil(options.n / threads);

  const record = (offset: number, id: string, times: Float64Array) => {
    const row = tracked.get(id);
    if (!row) return; // A row the bench did not make, or one it stopped tracking.
    for (let local = 0; local < times.length; local++) {
      const at = times[local] ?? Number.NaN;
      if (Number.isNaN(at)) continue;
      row.arrivals[offset + local] = at;
      row.received++;
    }
    if (row.received === options.n) row.allReceived();
  };

  const opened = await Promise.allSettled(
    Array.from({ length: threads }, (_, index) => {
      const offset = index * per;
      const count = Math.max(0, Math.min(per, options.n - offset));
      const job: WorkerJob = {
        urls: options.urls,
        cookie: options.cookie,
        offset,
        count,
        batch: options.batch ?? 100,
        timeoutMs: options.timeoutMs,
      };
      const worker = new Worker(new URL('./subscriber-worker.ts', import.meta.url), { workerData: job });
      const entry = { worker, offset, ready: 0 };
      workers.push(entry);
      return new Promise<void>((resolve, reject) => {
        worker.on('message', (report: WorkerReport) => {
          if (report.type === 'progress' || report.type === 'opened') {
            entry.ready = report.ready;
            options.onProgress?.(workers.reduce((sum, w) => sum + w.ready, 0));
            if (report.type === 'opened') resolve();
          } else if (report.type === 'failed') {
            reject(
              new Error(
                `${report.ready} of ${count} subscribers got their snapshot in time (${report.messages.join('; ')})`,
              ),
            );
          } else if (report.type === 'complete' || report.type === 'partial') {
            record(offset, report.id, report.times);
          }
        });
        worker.once('error', reject);
      });
    }),
  );

  const close: SubscriberPool['close'] = async () => {
    const closing = Promise.all(
      workers.map(
        ({ worker }) =>
          new Promise<Extract<WorkerReport, { type: 'closed' }>>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error('a subscriber thread did not close in 30 s')),
              30_000,
            );
            worker.on('message', (report: WorkerReport) => {
              if (report.type !== 'closed') return;
              clearTimeout(timer);
              resolve(report);
            });
            worker.postMessage({ type: 'flush' } satisfies PoolCommand);
          }),
      ),
    );
    let closed: Extract<WorkerReport, { type: 'closed' }>[];
    try {
      closed = await closing;
    } finally {
      await Promise.all(workers.map(({ worker }) => worker.terminate()));
    }
    return {
      duplicates: closed.reduce((sum, report) => sum + report.duplicates, 0),
      interruptions: closed.reduce((sum, report) => sum + report.interruptions, 0),
      messages: [...new Set(closed.flatMap((report) => report.messages))].slice(0, 5),
    };
  };

  const failure = opened.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(workers.map(({ worker }) => worker.terminate()));
    throw failure.reason instanceof Error ? failure.reason : new Error(String(failure.reason));
  }

  return {
    threads,
    track(todoId) {
      return new Promise<void>((allReceived) => {
        tracked.set(todoId, {
          arrivals: new Float64Array(options.n).fill(Number.NaN),
          received: 0,
          allReceived,
        });
      });
    },
    arrivals(todoId) {
      const row = tracked.get(todoId);
      return row && { times: row.arrivals, received: row.received };
    },
    close,
  };
}
