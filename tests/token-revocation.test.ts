/**
 * Issue 12 item 8: revoking an API token ends the streams opened with it. The live change feed (SSE, through the
 * app's tRPC fetch handler) ends at once on `tokens.revoke` in this process; a revocation made elsewhere (the row
 * updated or deleted directly, as another process would) ends it before its next message, or by the re-check timer
 * when it is idle. A new request with the token then gets 401. The draft stream (a model call) ends the same way.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@/framework/server/db/open';
import { apiTokens } from '@/db/schema';
import { createInnerContext, type ContextDeps } from '@/server/context';
import { createTrpcHandler } from '@/server/http/trpc';
import { createCaller } from '@/server/routers/_app';
import { executeMutation } from '@/framework/server/runtime/executor';
import { ensureUser } from '@/framework/server/users';
import { startModelServer, type ModelServer } from '../e2e/support/model-server';
import { readSse, within, type SseReader } from './helpers/sse-reader';
import { createTestRuntime } from './helpers/test-database';
import { syncServer } from '@/server/sync';

const SESSION_SECRET = 'token-revocation-test-secret-with-32-characters';
let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let model: ModelServer;

beforeAll(async () => {
  model = await startModelServer({ kind: 'text', chunks: ['unused'] });
  // Read by server/env.ts on first use, which is after this.
  process.env.OPENAI_COMPATIBLE_BASE_URL = model.baseUrl;
  runtime = await createTestRuntime();
});
afterAll(async () => {
  await runtime.close();
  await model.close();
});

/** A user with a session caller (which manages tokens) and one live token. */
async function userWithToken(db = runtime) {
  const user = await ensureUser(db, crypto.randomUUID());
  const caller = createCaller(createInnerContext({ runtime: db, user }));
  const made = await caller.tokens.create({ name: 'script' });
  return { user, caller, token: made.token, tokenId: made.id };
}

const changesUrl = `http://app.test/api/trpc/sync.changes?input=${encodeURIComponent(
  JSON.stringify({ json: { lastEventId: null } }),
)}`;

/** Opens `sync.changes` with the token over the app's tRPC handler; waits for its first snapshot. */
async function openChanges(deps: ContextDeps, token: string): Promise<SseReader> {
  const response = await createTrpcHandler(async () => deps)(
    new Request(changesUrl, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }),
  );
  expect(response.status).toBe(200);
  if (!response.body) throw new Error('The stream has no body');
  const stream = readSse(response.body);
  await stream.waitFor((event) => event.data.includes('"reset"'), 'the first snapshot');
  return stream;
}

/** Status of a fresh request with the token (a reconnect). */
async function statusOf(deps: ContextDeps, token: string): Promise<number> {
  const response = await createTrpcHandler(async () => deps)(
    new Request(changesUrl, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }),
  );
  await response.body?.cancel();
  return response.status;
}

/** The stream ended within `ms`, its last event says UNAUTHORIZED, and nothing came after it. */
async function expectEndedUnauthorized(stream: SseReader, ms: number) {
  await within(stream.ended, ms, 'the stream’s end');
  const last = stream.events.at(-1);
  expect(last?.event).toBe('serialized-error');
  expect(last?.data).toContain('UNAUTHORIZED');
}

const addTodo = (userId: string, text: string) =>
  executeMutation(runtime, userId, 'addTodo', {
    args: { id: crypto.randomUUID(), text, position: 1, createdAt: new Date() },
  });

describe('issue 12 item 8: revoking an API token ends the streams opened with it', () => {
  it('item 8: tokens.revoke in this process ends the token’s change stream at once; the token then gets 401', async () => {
    const { user, caller, token, tokenId } = await userWithToken();
    // A timer far beyond the bounded wait: only the in-process revocation can end the stream in time.
    const deps = { runtime, sessionSecret: SESSION_SECRET, credentialRecheckMs: 600_000 };
    const stream = await openChanges(deps, token);
    await addTodo(user.id, 'before revocation');
    await stream.waitFor((event) => event.data.includes('before revocation'), 'the change made before');

    await caller.tokens.revoke({ id: tokenId });
    await expectEndedUnauthorized(stream, 2_000);
    await addTodo(user.id, 'after revocation');
    expect(stream.events.some((event) => event.data.includes('after revocation'))).toBe(false);
    expect(await statusOf(deps, token)).toBe(401);
  });

  it('item 8: a revocation made by another process is seen before the next message is sent', async () => {
    const { user, token, tokenId } = await userWithToken();
    const deps = { runtime, sessionSecret: SESSION_SECRET, credentialRecheckMs: 600_000 };
    const stream = await openChanges(deps, token);
    // Another process revokes: the row changes, nothing in this process is told.
    await runtime.db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, tokenId));
    await addTodo(user.id, 'committed after the revocation');

    await expectEndedUnauthorized(stream, 2_000);
    expect(stream.events.some((event) => event.data.includes('committed after the revocation'))).toBe(false);
    expect(await statusOf(deps, token)).toBe(401);
  });

  it('item 8: an idle stream ends at the next timed re-check when its token row is deleted directly', async () => {
    const { token, tokenId } = await userWithToken();
    const deps = { runtime, sessionSecret: SESSION_SECRET, credentialRecheckMs: 200 };
    const stream = await openChanges(deps, token);
    const messagesBefore = stream.events.filter((event) => event.event === 'message').length;
    await runtime.db.delete(apiTokens).where(eq(apiTokens.id, tokenId));

    await expectEndedUnauthorized(stream, 3_000);
    expect(stream.events.filter((event) => event.event === 'message')).toHaveLength(messagesBefore);
    expect(await statusOf(deps, token)).toBe(401);
  });

  it.runIf(process.env.DATABASE_URL)(
    'item 8: tokens.revoke on another runtime (another process on PostgreSQL) ends this one’s stream',
    async () => {
      const other = await syncServer.createRuntime(await openDatabase({ postgresUrl: runtime.url ?? '' }));
      try {
        const { user, token, tokenId } = await userWithToken();
        const deps = { runtime, sessionSecret: SESSION_SECRET, credentialRecheckMs: 300 };
        const stream = await openChanges(deps, token);
        // The token's own user revokes it through the other runtime (its own pool, its own in-process listeners).
        await createCaller(createInnerContext({ runtime: other, user })).tokens.revoke({ id: tokenId });
        await expectEndedUnauthorized(stream, 3_000);
        expect(await statusOf(deps, token)).toBe(401);
      } finally {
        await other.close();
      }
    },
  );

  it('item 8: the draft stream (streams.draftTodo) opened with a token ends when the token is revoked', async () => {
    const { user, caller, tokenId } = await userWithToken();
    model.enqueue({ kind: 'text', chunks: Array.from({ length: 40 }, (_, i) => `word${i} `), delayMs: 100 });
    const tokenCaller = createCaller(
      createInnerContext({ runtime, user, auth: 'token', tokenId, credentialRecheckMs: 600_000 }),
    );
    const drafts: string[] = [];
    const reading = (async () => {
      for await (const draft of await tokenCaller.streams.draftTodo({ prompt: 'anything' })) {
        drafts.push(draft.text);
        if (drafts.length === 2) await caller.tokens.revoke({ id: tokenId });
      }
    })();
    await expect(within(reading, 2_000, 'the draft’s end')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(drafts).toHaveLength(2);
  });
});
