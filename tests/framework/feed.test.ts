/**
 * The read side of the data path on the fixture app: the snapshot (synced tables only, the app's seed, the layout),
 * the change feed (per-user, in order, resumable by version) and its reset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSnapshot, type Runtime } from '@/framework/server';
import type { Snapshot, SyncMessage } from '@/framework/shared';
import { streamChanges } from '@/framework/server/runtime/change-stream';
import { newUser } from './fixture/clients';
import type { FixtureRows } from './fixture/mutators';
import { noteSecrets } from './fixture/schema';
import { createFixtureRuntime, fixtureServer, WELCOME_TEXT } from './fixture/server';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await createFixtureRuntime();
});
afterAll(() => runtime.close());

const note = (text: string) => ({ id: crypto.randomUUID(), text, position: 2 });

/** A change stream the test reads message by message. */
function subscribe(userId: string, lastEventId: string | null) {
  const controller = new AbortController();
  const stream = streamChanges(runtime, userId, lastEventId, controller.signal) as AsyncGenerator<
    [string, SyncMessage<FixtureRows>]
  >;
  return {
    async next(): Promise<{ id: string; message: SyncMessage<FixtureRows> }> {
      const result = await stream.next();
      if (result.done) throw new Error('the stream ended');
      const [id, message] = result.value;
      return { id, message };
    },
    async close() {
      controller.abort();
      await stream.return(undefined);
    },
  };
}

describe('snapshot', () => {
  it("holds the user's synced rows (the app's seed included), their layout, and no server-only table", async () => {
    const { userId } = await newUser(runtime);
    await runtime.db.insert(noteSecrets).values({ userId, secret: 'never-synced' });
    const snapshot = (await readSnapshot(runtime, userId)) as Snapshot<FixtureRows>;
    expect(Object.keys(snapshot.tables).toSorted()).toEqual(['actionRuns', 'notes']);
    expect(snapshot.tables.notes).toEqual([expect.objectContaining({ ownerId: userId, text: WELCOME_TEXT })]);
    expect(snapshot.layout.notes).toEqual({ owner: 'ownerId', order: ['position', 'id'] });
    expect(JSON.stringify(snapshot)).not.toContain('never-synced');
  });
});

describe('change feed', () => {
  it("starts with a reset, then streams only the user's own changes, in order", async () => {
    const alice = await newUser(runtime);
    const bob = await newUser(runtime);
    const feed = subscribe(alice.userId, null);
    try {
      const first = await feed.next();
      expect(first.message).toMatchObject({ type: 'reset' });
      if (first.message.type !== 'reset') throw new Error('not a reset');
      expect(first.message.snapshot.tables.notes).toHaveLength(1);

      await fixtureServer.executeMutation(runtime, bob.userId, 'addNote', { args: note("bob's") });
      const mine = note("alice's");
      const { version } = await fixtureServer.executeMutation(runtime, alice.userId, 'addNote', {
        args: mine,
        clientId: 'tab-a',
        mutationId: 1,
      });
      const next = await feed.next();
      expect(next.id).toBe(String(version));
      expect(next.message).toMatchObject({
        type: 'changes',
        version,
        commits: [{ clientId: 'tab-a', mutationId: 1, error: null }],
        changes: [
          { table: 'notes', op: 'set', id: mine.id, row: expect.objectContaining({ text: "alice's" }) },
        ],
      });
      expect(JSON.stringify(next.message)).not.toContain("bob's");

      await fixtureServer.executeMutation(runtime, alice.userId, 'deleteNote', { args: { id: mine.id } });
      const deleted = await feed.next();
      expect(deleted.message).toMatchObject({
        type: 'changes',
        changes: [{ table: 'notes', op: 'delete', id: mine.id }],
      });
    } finally {
      await feed.close();
    }
  });

  it('resumes after a known version with what came after it, nothing before and no reset', async () => {
    const { userId } = await newUser(runtime);
    const before = note('before');
    const { version } = await fixtureServer.executeMutation(runtime, userId, 'addNote', { args: before });
    const after = note('after');
    await fixtureServer.executeMutation(runtime, userId, 'addNote', { args: after });
    const feed = subscribe(userId, String(version));
    try {
      const { message } = await feed.next();
      expect(message).toMatchObject({ type: 'changes', changes: [{ id: after.id, op: 'set' }] });
    } finally {
      await feed.close();
    }
  });

  it('answers a version this log never reached, or a malformed one, with a reset to the current snapshot', async () => {
    const { userId } = await newUser(runtime);
    for (const lastEventId of ['999999999', 'not-a-version', '-1.5']) {
      const feed = subscribe(userId, lastEventId);
      try {
        const { message } = await feed.next();
        expect(message, lastEventId).toMatchObject({ type: 'reset', snapshot: { userId } });
      } finally {
        await feed.close();
      }
    }
  });
});
