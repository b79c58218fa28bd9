/**
 * The one executor on the framework's own fixture app (notes), not the example: input validation names the field,
 * authorization hides other users' rows, mutation ids are applied once, and a failure writes nothing but its notice.
 * (Moved here from the todo example's executor tests.)
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createDefineAction, moveUserData, type Runtime } from '@/framework/server';
import { clientMutations, syncChanges, syncCommits } from '@/framework/server/schema';
import { runActionDefinition } from '@/framework/server/runtime/action-executor';
import { newUser } from './fixture/clients';
import type { FixtureMutators } from './fixture/mutators';
import { notes } from './fixture/schema';
import { createFixtureRuntime, fixtureServer } from './fixture/server';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await createFixtureRuntime();
});
afterAll(() => runtime.close());

async function counts() {
  const [n] = await runtime.db.select({ n: count() }).from(notes);
  const [c] = await runtime.db.select({ n: count() }).from(syncCommits);
  const [ch] = await runtime.db.select({ n: count() }).from(syncChanges);
  const [m] = await runtime.db.select({ n: count() }).from(clientMutations);
  return { notes: n?.n ?? 0, commits: c?.n ?? 0, changes: ch?.n ?? 0, clients: m?.n ?? 0 };
}

const note = (text = 'A note') => ({ id: crypto.randomUUID(), text, position: 1 });

describe('executeMutation on the fixture app', () => {
  it('refuses bad input with BAD_REQUEST naming the field, writing no row', async () => {
    const { userId } = await newUser(runtime);
    const before = await counts();
    await expect(
      fixtureServer.executeMutation(runtime, userId, 'addNote', { args: { ...note(), text: '   ' } }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      cause: { issues: [expect.objectContaining({ path: ['args', 'text'], message: 'must not be empty' })] },
    });
    await expect(
      fixtureServer.executeMutation(runtime, userId, 'addNote', {
        args: { ...note(), id: 'not-a-uuid' },
      }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      cause: { issues: [expect.objectContaining({ path: ['args', 'id'] })] },
    });
    expect((await counts()).notes).toBe(before.notes);
  });

  it("answers NOT_FOUND for another user's note, the same as for a missing one, and leaves it alone", async () => {
    const alice = await newUser(runtime);
    const bob = await newUser(runtime);
    const aliceNote = note('private');
    await fixtureServer.executeMutation(runtime, alice.userId, 'addNote', { args: aliceNote });
    const byBob = fixtureServer.executeMutation(runtime, bob.userId, 'deleteNote', {
      args: { id: aliceNote.id },
    });
    await expect(byBob).rejects.toMatchObject({ code: 'NOT_FOUND', message: `No note ${aliceNote.id}` });
    const missing = crypto.randomUUID();
    await expect(
      fixtureServer.executeMutation(runtime, bob.userId, 'deleteNote', { args: { id: missing } }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: `No note ${missing}` });
    const rows = await runtime.db.select().from(notes).where(eq(notes.id, aliceNote.id));
    expect(rows).toHaveLength(1);
  });

  it('refuses to insert under an id another user holds, CONFLICT, without touching their row', async () => {
    const alice = await newUser(runtime);
    const bob = await newUser(runtime);
    const taken = note('alice');
    await fixtureServer.executeMutation(runtime, alice.userId, 'addNote', { args: taken });
    await expect(
      fixtureServer.executeMutation(runtime, bob.userId, 'addNote', { args: { ...taken, text: 'bob' } }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const [row] = await runtime.db.select().from(notes).where(eq(notes.id, taken.id));
    expect(row).toMatchObject({ ownerId: alice.userId, text: 'alice' });
  });

  it('applies the same mutation id once, however often and however concurrently it is sent', async () => {
    const { userId } = await newUser(runtime);
    const request = { args: note('once'), clientId: 'tab-1', mutationId: 1 };
    const before = await counts();
    const results = await Promise.all(
      [1, 2, 3].map(() => fixtureServer.executeMutation(runtime, userId, 'addNote', request)),
    );
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    const after = await counts();
    expect(after.notes).toBe(before.notes + 1);
    expect(after.commits).toBe(before.commits + 1);
    expect(await fixtureServer.executeMutation(runtime, userId, 'addNote', request)).toEqual({
      version: null,
      duplicate: true,
    });
  });

  it('a failed mutation consumes its id and writes only its failure notice; a retry gets the same error', async () => {
    const { userId } = await newUser(runtime);
    const failing = { args: { id: crypto.randomUUID() }, clientId: 'tab-2', mutationId: 1 };
    const before = await counts();
    await expect(fixtureServer.executeMutation(runtime, userId, 'deleteNote', failing)).rejects.toMatchObject(
      { code: 'NOT_FOUND' },
    );
    const after = await counts();
    expect(after.notes).toBe(before.notes);
    expect(after.changes).toBe(before.changes);
    expect(after.commits).toBe(before.commits + 1);
    const [notice] = await runtime.db.select().from(syncCommits).where(eq(syncCommits.clientId, 'tab-2'));
    expect(notice?.error).toMatchObject({ code: 'NOT_FOUND' });
    await expect(fixtureServer.executeMutation(runtime, userId, 'deleteNote', failing)).rejects.toMatchObject(
      { code: 'NOT_FOUND' },
    );
    expect((await counts()).commits).toBe(after.commits);
    const next = { args: note(), clientId: 'tab-2', mutationId: 2 };
    expect(await fixtureServer.executeMutation(runtime, userId, 'addNote', next)).toMatchObject({
      duplicate: false,
    });
  });

  it("an action's transaction is all-or-nothing: a failing second mutate leaves no note and no change", async () => {
    const { userId } = await newUser(runtime);
    const defineAction = createDefineAction<FixtureMutators>();
    const first = note('first');
    const pair = defineAction({
      description: 'Two notes in one commit, the second under the same id.',
      input: z.object({}),
      output: z.object({}),
      async run(ctx) {
        await ctx.transaction(async (group) => {
          await group.mutate('addNote', first);
          await group.mutate('addNote', { ...first, text: 'again' });
        });
        return {};
      },
    });
    const before = await counts();
    await expect(
      runActionDefinition(runtime, 'pair', pair, {}, { userId, signal: new AbortController().signal }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const after = await counts();
    expect(after).toEqual(before);
    expect(await runtime.db.select().from(notes).where(eq(notes.id, first.id))).toEqual([]);
  });

  it('keeps client ids exactly, even one starting with U+FEFF (which PGlite drops from text it returns)', async () => {
    const { userId } = await newUser(runtime);
    const request = { args: note('BOM'), clientId: '\uFEFFtab', mutationId: 1 };
    expect(await fixtureServer.executeMutation(runtime, userId, 'addNote', request)).toMatchObject({
      duplicate: false,
    });
    expect(await fixtureServer.executeMutation(runtime, userId, 'addNote', request)).toMatchObject({
      duplicate: true,
    });
  });

  it('refuses an id that skips ahead, without consuming anything', async () => {
    const { userId } = await newUser(runtime);
    const before = await counts();
    await expect(
      fixtureServer.executeMutation(runtime, userId, 'addNote', {
        args: note(),
        clientId: 'tab-3',
        mutationId: 5,
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await counts()).toEqual(before);
  });

  it('answers UNAUTHORIZED, consuming nothing and logging no server error, for a user deleted meanwhile', async () => {
    // A request whose session was read just before its guest became an account (moveUserData deletes the guest).
    const { userId } = await newUser(runtime);
    const { userId: account } = await newUser(runtime);
    await moveUserData(runtime, userId, account);
    const before = await counts();
    const logged = vi.spyOn(console, 'error');
    try {
      await expect(
        fixtureServer.executeMutation(runtime, userId, 'addNote', {
          args: note(),
          clientId: 'tab-1',
          mutationId: 1,
        }),
      ).rejects.toMatchObject({ code: 'UNAUTHORIZED', mutation: { consumed: false } });
      await expect(
        fixtureServer.executeMutation(runtime, userId, 'addNote', { args: note() }),
      ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
    expect(await counts()).toEqual(before);
  });

  it('writes nothing at all for a failure without a client id', async () => {
    const { userId } = await newUser(runtime);
    const before = await counts();
    await expect(
      fixtureServer.executeMutation(runtime, userId, 'deleteNote', { args: { id: crypto.randomUUID() } }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      fixtureServer.executeMutation(runtime, userId, 'addNote', { args: { ...note(), text: 7 as never } }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await counts()).toEqual(before);
  });

  it('rejects a name that is not an own mutator, and a malformed envelope, with NOT_FOUND / BAD_REQUEST', async () => {
    const { userId } = await newUser(runtime);
    for (const name of ['toString', '__proto__', 'constructor'])
      await expect(
        fixtureServer.executeMutation(runtime, userId, name as 'addNote', { args: note() }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      fixtureServer.executeMutation(runtime, userId, 'addNote', {
        args: note(),
        clientId: 'x',
        mutationId: -1,
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      fixtureServer.executeMutation(runtime, userId, 'addNote', { args: note(), clientId: 'x' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
