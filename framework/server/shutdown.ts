/**
 * Shutdown of a server process (SIGTERM from a deploy, Ctrl-C in dev). Next's own handler closes the HTTP server and
 * waits for every open response — but live SSE streams never finish, and browsers reconnect them over keep-alive
 * sockets the moment they end, so without help the process would wait forever. So: end the streams (clients
 * reconnect with their last event id, to another process or to this one once restarted), and if the process is
 * still alive after a grace period, exit. Abrupt exit is safe here: every commit is durable when it returns, and
 * an interrupted mutation is retried by its client with the same id, which the server applies at most once.
 */
import 'server-only';
import type { Runtime } from './runtime/runtime';

const GRACE_MS = 2_000;
const EXIT_CODES = { SIGTERM: 143, SIGINT: 130 } as const;

export function installShutdownHandlers(runtime: Runtime): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      runtime.beginShutdown();
      setTimeout(() => process.exit(EXIT_CODES[signal]), GRACE_MS).unref();
    });
  }
}

/** How long a stopping worker lets its running action runs finish before it hands them over. */
export const WORKER_GRACE_MS = 10_000;

/**
 * Shutdown of the queue worker (`npm run worker`, server/worker.ts): stop claiming runs, let the running ones finish
 * for up to {@link WORKER_GRACE_MS}, then abort the rest (they stay `running` and another worker takes them over
 * when their lease expires), close the database and exit 0. A second signal exits at once.
 */
export function installWorkerShutdownHandlers(runtime: Runtime, queue: { stop(): Promise<void> }): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(EXIT_CODES[signal]);
      stopping = true;
      console.log(`[worker] ${signal}: finishing running actions (up to ${WORKER_GRACE_MS / 1000} s)`);
      const handOver = setTimeout(() => runtime.beginShutdown(), WORKER_GRACE_MS);
      void queue
        .stop()
        .then(async () => {
          clearTimeout(handOver);
          await runtime.close();
          console.log('[worker] stopped');
          process.exit(0);
        })
        .catch((error: unknown) => {
          console.error('[worker] shutdown failed:', error);
          process.exit(1);
        });
    });
  }
}
