/**
 * Hosts with a response time limit (serverless platforms) cut long SSE responses. With SSE_MAX_DURATION_MS the
 * server ends each subscription response first, cleanly, and the typed client's EventSource reconnects with its last
 * event id. Commits made continuously across several stream ends must reach the client exactly once, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@/client/create-client';
import { executeMutation } from '@/framework/server/runtime/executor';
import { newSession } from './helpers/auth';
import { ensureUser } from '@/framework/server/users';
import { createTestRuntime } from './helpers/test-database';
import { startTrpcHttpServer, type TrpcHttpServer } from './helpers/trpc-http-server';

const SECRET = 'sse-max-duration-secret-with-at-least-32-chars';
const MAX_DURATION_MS = 500;
/** Stream responses the client must open: the first and one after each of several ends. */
const CONNECTIONS = 4;

// Read by framework/server/trpc.ts per subscription, through server/env.ts (validated and cached on first use).
process.env.SSE_MAX_DURATION_MS = String(MAX_DURATION_MS);

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let server: TrpcHttpServer;

beforeAll(async () => {
  runtime = await createTestRuntime();
  server = await startTrpcHttpServer(runtime, SECRET);
});
afterAll(async () => {
  await server?.close();
  await runtime?.close();
});

/** A fetch that records when each SSE response began and ended. */
function observedFetch() {
  const streams: { openedAt: number; endedAt: number | null }[] = [];
  return {
    streams,
    fetch: async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const response = await fetch(input, init);
      if (!response.headers.get('content-type')?.includes('text/event-stream') || !response.body)
        return response;
      const stream = { openedAt: performance.now(), endedAt: null as number | null };
      streams.push(stream);
      const body = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          flush() {
            stream.endedAt = performance.now();
          },
        }),
      );
      return new Response(body, { status: response.status, headers: response.headers });
    },
  };
}

describe('subscriptions under SSE_MAX_DURATION_MS', () => {
  it(`end every ${MAX_DURATION_MS} ms and resume by last event id: every commit once, in order`, async () => {
    const userId = crypto.randomUUID();
    await ensureUser(runtime, userId);
    const network = observedFetch();
    const client = createClient({
      url: server.url,
      sessionCookie: (await newSession(runtime, SECRET, userId)).cookie,
      fetch: network.fetch,
    });
    const received: string[] = [];
    const problems: string[] = [];
    let snapshot = false;
    const subscription = client.sync.changes.subscribe(
      { lastEventId: null },
      {
        onData: ({ data }) => {
          if (data.type === 'reset') {
            if (snapshot) problems.push('a second snapshot: the client did not resume by last event id');
            snapshot = true;
            return;
          }
          for (const change of data.changes) if (change.table === 'todos') received.push(change.id);
        },
        onError: (error) => problems.push(`error: ${error.message}`),
        onComplete: () =>
          problems.push('the subscription completed: the client gave up instead of reconnecting'),
      },
    );
    try {
      await expect.poll(() => snapshot, { timeout: 10_000 }).toBe(true);
      const committed: string[] = [];
      // Commit continuously (also while the client is between two streams) until enough streams have ended.
      while (network.streams.length < CONNECTIONS) {
        const id = crypto.randomUUID();
        await executeMutation(runtime, userId, 'addTodo', {
          args: { id, text: `todo ${committed.length}`, position: committed.length, createdAt: new Date() },
        });
        committed.push(id);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await expect.poll(() => received.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(committed.length);
      expect(received).toEqual(committed);
      expect(problems).toEqual([]);

      // Each earlier stream was ended by the server near the limit, not by a failure or the test.
      const ended = network.streams.slice(0, -1);
      expect(ended.length).toBeGreaterThanOrEqual(CONNECTIONS - 1);
      for (const stream of ended) {
        expect(stream.endedAt).not.toBeNull();
        const lasted = (stream.endedAt ?? 0) - stream.openedAt;
        // Measured from when the response headers arrived, a little after the server's timer started.
        expect(lasted).toBeGreaterThanOrEqual(MAX_DURATION_MS / 2);
        expect(lasted).toBeLessThan(MAX_DURATION_MS + 1_000);
      }
      console.log(
        `[sse] ${committed.length} commits across ${network.streams.length} streams of ≤ ${MAX_DURATION_MS} ms: ` +
          `all received once, in order`,
      );
    } finally {
      subscription.unsubscribe();
    }
  }, 60_000);
});
