/**
 * `sync.since`: the change feed as one answer (framework/server/runtime/catch-up.ts), for tabs that follow another
 * tab's feed and fell behind it. The same resume rules as the stream: changes after a version the log still has,
 * else a reset; only the caller's own rows; refused like the stream for a bad version, no session or another schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@/client/create-client';
import { currentVersion, logFloor } from '@/framework/server/runtime/change-log';
import { executeMutation } from '@/framework/server/runtime/executor';
import { DEFAULT_RETENTION, runRetentionPass } from '@/framework/server/runtime/retention';
import { ensureUser } from '@/framework/server/users';
import { schemaVersion } from '@/mutators/schema-version';
import { createInnerContext } from '@/server/context';
import { createCaller } from '@/server/routers/_app';
import { newSession } from './helpers/auth';
import { createTestRuntime } from './helpers/test-database';
import { startTrpcHttpServer, type TrpcHttpServer } from './helpers/trpc-http-server';

const SECRET = 'catch-up-secret-with-at-least-32-characters';

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

async function newUser() {
  const user = await ensureUser(runtime, crypto.randomUUID());
  return { user, caller: createCaller(createInnerContext({ runtime, user })) };
}

async function addTodo(userId: string, text: string, clientId?: string, mutationId?: number) {
  const id = crypto.randomUUID();
  await executeMutation(runtime, userId, 'addTodo', {
    args: { id, text, position: 1, createdAt: new Date() },
    ...(clientId && mutationId ? { clientId, mutationId } : {}),
  });
  return id;
}

describe('sync.since: catching up in one answer', () => {
  it("answers the caller's changes after a version, up to the head, with its commit notices", async () => {
    const { user, caller } = await newUser();
    const other = await newUser();
    const from = await currentVersion(runtime.db);
    const mine = await addTodo(user.id, 'mine', 'tab-1', 1);
    await addTodo(other.user.id, 'not mine');
    const alsoMine = await addTodo(user.id, 'mine too');

    const message = await caller.sync.since({ lastEventId: String(from), clientId: 'tab-2', schemaVersion });
    if (message.type !== 'changes') throw new Error(`expected changes, got ${message.type}`);
    expect(message.version).toBe(await currentVersion(runtime.db));
    expect(message.changes.map((change) => change.id)).toEqual([mine, alsoMine]);
    expect(message.commits).toEqual([
      expect.objectContaining({ clientId: 'tab-1', mutationId: 1, error: null }),
      expect.objectContaining({ clientId: null, mutationId: null, error: null }),
    ]);

    // Up to date: an empty answer at the head, not a reset.
    expect(await caller.sync.since({ lastEventId: String(message.version) })).toEqual({
      type: 'changes',
      version: message.version,
      commits: [],
      changes: [],
    });
  });

  it("answers a reset naming the client's last applied mutation without a version, or one the log never reached", async () => {
    const { user, caller } = await newUser();
    await addTodo(user.id, 'one', 'tab-1', 1);
    await addTodo(user.id, 'two', 'tab-1', 2);
    const fresh = await caller.sync.since({ lastEventId: null, clientId: 'tab-1' });
    expect(fresh).toMatchObject({
      type: 'reset',
      snapshot: { userId: user.id, client: { id: 'tab-1', lastMutationId: 2 } },
    });
    const beyond = await caller.sync.since({
      lastEventId: String((await currentVersion(runtime.db)) + 1_000),
    });
    expect(beyond.type).toBe('reset');
  });

  it("answers a reset when the client's rows are another user's (the session changed hands)", async () => {
    const { user, caller } = await newUser();
    await addTodo(user.id, 'the new user has this');
    const version = await currentVersion(runtime.db);
    const message = await caller.sync.since({ lastEventId: String(version), userId: crypto.randomUUID() });
    if (message.type !== 'reset') throw new Error(`expected a reset, got ${message.type}`);
    expect(message.snapshot.userId).toBe(user.id);
    expect(message.snapshot.tables.todos.map((todo) => todo.text)).toContain('the new user has this');
    // Its own id: resumed as usual.
    expect((await caller.sync.since({ lastEventId: String(version), userId: user.id })).type).toBe('changes');
  });

  it('answers a reset for a version whose commits retention has deleted', async () => {
    const { user, caller } = await newUser();
    const stale = await currentVersion(runtime.db);
    for (let i = 0; i < 3; i++) await addTodo(user.id, `after ${i}`);
    await runRetentionPass(runtime, {
      ...DEFAULT_RETENTION,
      logKeepVersions: 1,
      logMaxAgeMs: 1_000 * DEFAULT_RETENTION.logMaxAgeMs,
      clientIdleMs: 1_000 * DEFAULT_RETENTION.clientIdleMs,
      finishedRunsMs: 1_000 * DEFAULT_RETENTION.finishedRunsMs,
    });
    expect(await logFloor(runtime.db)).toBeGreaterThan(stale);
    const message = await caller.sync.since({ lastEventId: String(stale) });
    if (message.type !== 'reset') throw new Error(`expected a reset, got ${message.type}`);
    expect(message.snapshot.tables.todos.map((todo) => todo.text)).toEqual(
      expect.arrayContaining(['after 0', 'after 1', 'after 2']),
    );
  });

  it('over HTTP: refuses no session (401), a bad version naming the field, and another schema version', async () => {
    const anonymous = createClient({ url: server.url });
    await expect(anonymous.sync.since.query({ lastEventId: null })).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
    });
    const { cookie } = await newSession(runtime, SECRET);
    const client = createClient({ url: server.url, sessionCookie: cookie });
    const bad = await client.sync.since.query({ lastEventId: 'yesterday' }).catch((error: unknown) => error);
    expect(bad).toMatchObject({ data: { code: 'BAD_REQUEST' } });
    expect((bad as Error).message).toContain('lastEventId');
    expect((bad as Error).message).toContain('must be a log version');
    // Text the database cannot compare against is refused before it reaches a query (it used to be a 500).
    const nul = await client.sync.since
      .query({ lastEventId: null, clientId: 'tab\u0000' })
      .catch((e: unknown) => e);
    expect(nul).toMatchObject({ data: { code: 'BAD_REQUEST' } });
    expect((nul as Error).message).toContain('clientId');
    await expect(
      client.sync.since.query({ lastEventId: null, schemaVersion: schemaVersion + 1 }),
    ).rejects.toMatchObject({
      data: {
        code: 'PRECONDITION_FAILED',
        schemaVersion: { client: schemaVersion + 1, server: schemaVersion },
      },
    });
  });
});
