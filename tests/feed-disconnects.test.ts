/**
 * Fault test: several typed clients follow the change feed over real HTTP + SSE while 2,000 mutations are committed
 * and their connections are cut at random moments. After every client has resumed (by its last event id), each
 * client's rows must equal the database: nothing missed, nothing applied twice, nothing out of order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@/client/create-client';
import type { SyncedRows } from '@/mutators/synced-tables';
import { currentVersion } from '@/framework/server/runtime/change-log';
import { executeMutation } from '@/framework/server/runtime/executor';
import { readSnapshot } from './helpers/app-typed';
import { newSession } from './helpers/auth';
import { ensureUser } from '@/framework/server/users';
import { cuttableFetch } from './helpers/cuttable-fetch';
import { createTestRuntime } from './helpers/test-database';
import { startTrpcHttpServer, type TrpcHttpServer } from './helpers/trpc-http-server';

const SECRET = 'feed-disconnects-secret-with-at-least-32-chars';
const MUTATIONS = 2_000;
const CLIENTS = 4;

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let server: TrpcHttpServer;

beforeAll(async () => {
  runtime = await createTestRuntime();
  server = await startTrpcHttpServer(runtime, SECRET);
});
afterAll(async () => {
  await server.close();
  await runtime.close();
});

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** A typed client following the feed, whose SSE connection the test can cut. */
function followingClient(cookie: string) {
  const network = cuttableFetch();
  const client = createClient({ url: server.url, sessionCookie: cookie, fetch: network.fetch });
  const rows = new Map<string, SyncedRows['todos']>();
  const state = { version: -1, applied: [] as number[], cuts: 0 };
  const subscription = client.sync.changes.subscribe(
    { lastEventId: null },
    {
      onData: ({ data }) => {
        if (data.type === 'reset') {
          rows.clear();
          for (const row of data.snapshot.tables.todos) rows.set(row.id, row);
          state.version = data.snapshot.version;
          return;
        }
        state.applied.push(data.version);
        for (const change of data.changes) {
          if (change.table !== 'todos') continue;
          if (change.op === 'set') rows.set(change.id, change.row);
          else rows.delete(change.id);
        }
        state.version = data.version;
      },
    },
  );
  return {
    rows,
    state,
    cut() {
      state.cuts += network.cut();
    },
    stop: () => subscription.unsubscribe(),
  };
}

describe('the change feed under random disconnects', () => {
  it(`${CLIENTS} clients, ${MUTATIONS} mutations, connections cut at random: every client ends equal to the database`, async () => {
    const userId = crypto.randomUUID();
    await ensureUser(runtime, userId);
    const { cookie } = await newSession(runtime, SECRET, userId);
    const clients = Array.from({ length: CLIENTS }, () => followingClient(cookie));
    await expect
      .poll(() => clients.every((client) => client.state.version >= 0), { timeout: 10_000 })
      .toBe(true);

    const next = random(20_261_121);
    // Cut a random client's connection every 10–60 mutations (counted, not timed: replayable).
    let nextCut = 10 + Math.floor(next() * 50);

    const ids: string[] = [];
    for (let i = 0; i < MUTATIONS; i++) {
      if (i === nextCut) {
        clients[Math.floor(next() * CLIENTS)]?.cut();
        nextCut += 10 + Math.floor(next() * 50);
      }
      // PGlite answers in-process: yield so that the server can write to, and the clients read from, their sockets.
      await new Promise((resolve) => setImmediate(resolve));
      const roll = next();
      const existing = ids[Math.floor(next() * ids.length)];
      if (roll < 0.6 || !existing) {
        const id = crypto.randomUUID();
        ids.push(id);
        await executeMutation(runtime, userId, 'addTodo', {
          args: { id, text: `todo ${i}`, position: i, createdAt: new Date() },
        });
      } else if (roll < 0.85) {
        await executeMutation(runtime, userId, 'setTodoCompleted', {
          args: { id: existing, completed: next() < 0.5, updatedAt: new Date() },
        });
      } else {
        ids.splice(ids.indexOf(existing), 1);
        await executeMutation(runtime, userId, 'deleteTodo', { args: { id: existing } });
      }
    }
    const finalVersion = await currentVersion(runtime.db);
    await expect
      .poll(() => clients.map((client) => client.state.version >= finalVersion), { timeout: 30_000 })
      .toEqual(clients.map(() => true));

    const truth = (await readSnapshot(runtime, userId)).tables.todos;
    const byId = (list: SyncedRows['todos'][]) =>
      [...list]
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((row) => JSON.stringify(row, Object.keys(row).sort()));
    for (const client of clients) {
      expect(
        client.state.cuts,
        `cuts per client: ${clients.map((c) => c.state.cuts).join(', ')}`,
      ).toBeGreaterThan(0);
      // Each version at most once and in order (a reset may restart the sequence; it never repeats one).
      expect([...client.state.applied].sort((a, b) => a - b)).toEqual(client.state.applied);
      expect(new Set(client.state.applied).size).toBe(client.state.applied.length);
      expect(byId([...client.rows.values()])).toEqual(byId(truth));
      client.stop();
    }
  }, 120_000);
});
