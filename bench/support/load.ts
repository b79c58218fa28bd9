/**
 * A closed-loop load generator: `clients` callers, each sending its next request as soon as the previous one is
 * answered (as a browser tab's store does: one mutation in flight per client), for a bounded time.
 */
export interface LoadResult {
  /** Requests answered successfully within the window. */
  completed: number;
  failed: number;
  /** The first few distinct error messages, to show what went wrong. */
  errors: string[];
  elapsedMs: number;
  /** Successful request latencies, ms. */
  latencies: number[];
  /** completed / elapsed seconds. */
  perSecond: number;
}

export async function runClosedLoop(options: {
  clients: number;
  durationMs: number;
  /** One request of client `client`; `seq` counts that client's requests from 1. */
  send(client: number, seq: number): Promise<unknown>;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors = new Set<string>();
  let failed = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;

  const worker = async (client: number) => {
    // Bounded by time, and by count in case requests ever answer instantly.
    for (let seq = 1; seq <= 10_000_000 && performance.now() < deadline; seq++) {
      const sent = performance.now();
      try {
        await options.send(client, seq);
        latencies.push(performance.now() - sent);
      } catch (error) {
        failed++;
        if (errors.size < 5) errors.add(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, client) => worker(client)));
  // Requests in flight at the deadline are still counted (they were started inside the window); the window is
  // stretched to include them, so the rate is not inflated.
  const elapsedMs = performance.now() - started;
  return {
    completed: latencies.length,
    failed,
    errors: [...errors],
    elapsedMs,
    latencies,
    perSecond: latencies.length / (elapsedMs / 1000),
  };
}
