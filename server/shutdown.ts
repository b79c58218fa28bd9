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
