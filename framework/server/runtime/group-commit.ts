/**
 * Group commit: work that arrives while a batch is running waits for it, then runs together in the next batch.
 * Nothing waits when the server is idle (a lone job starts at once, as a batch of one); under load, N jobs share
 * one transaction's fixed costs (BEGIN/COMMIT, the log append, the poke) instead of paying them N times. The
 * executor uses it for mutations (executor.ts says what a batch does, and what happens when one job in it fails).
 *
 * Hand-written rather than a library: it is a dozen lines over an array, and it must start the first job in the
 * same tick (a debounce-style batcher would add latency to every idle call).
 */
import 'server-only';

export interface Batcher<TJob, TResult> {
  /** Runs `job` in the next batch (at once when none is running); settles with that job's own result. */
  submit(job: TJob): Promise<TResult>;
}

/**
 * @param runBatch runs the jobs, in the order given, and settles each one: its result or its own error. If it
 *   throws, every job of that batch fails with that error.
 * @param maxBatch the most jobs in one batch; the rest wait for the next.
 */
export function createBatcher<TJob, TResult>(
  runBatch: (jobs: TJob[]) => Promise<PromiseSettledResult<TResult>[]>,
  maxBatch: number,
): Batcher<TJob, TResult> {
  type Waiting = { job: TJob; resolve(result: TResult): void; reject(error: unknown): void };
  let waiting: Waiting[] = [];
  let running = false;

  function next() {
    if (running || waiting.length === 0) return;
    running = true;
    const batch = waiting.slice(0, maxBatch);
    waiting = waiting.slice(batch.length);
    void runBatch(batch.map((entry) => entry.job))
      .then(
        (results) =>
          batch.forEach((entry, index) => {
            const result = results[index];
            if (result?.status === 'fulfilled') entry.resolve(result.value);
            else
              entry.reject(result ? result.reason : new Error('the batch returned no result for this job'));
          }),
        (error: unknown) => batch.forEach((entry) => entry.reject(error)),
      )
      .finally(() => {
        running = false;
        next();
      });
  }

  let scheduled = false;
  return {
    submit(job) {
      return new Promise<TResult>((resolve, reject) => {
        waiting.push({ job, resolve, reject });
        if (running || scheduled) return;
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          next();
        });
      });
    },
  };
}
