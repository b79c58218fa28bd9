/**
 * Issue 12 item 16: the feed cursor never moves backwards. A client that starts from a snapshot newer than this
 * process's feed (another process committed since the feed last read the log) must not be sent commits the
 * snapshot already holds, nor have its cursor moved back. Two runtimes over one database, as two server processes:
 * on PostgreSQL each with its own connections, on PGlite sharing the one (the second then never hears the first's
 * commits until it reads the log, the widest such window).
 */
import type { SyncedRows } from '@/mutators/synced-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@/framework/server/db/open';
import type { SyncMessage } from '@/framework/shared/sync-protocol';
import type { ChangeFeed } from '@/framework/server/runtime/change-feed';
import { streamChanges } from './helpers/app-typed';
import { executeMutation } from '@/framework/server/runtime/executor';
import { type Runtime } from '@/framework/server/runtime/runtime';
import { ensureUser } from '@/framework/server/users';
import { createTestRuntime } from './helpers/test-database';
import { syncServer } from '@/server/sync';

let writer: Awaited<ReturnType<typeof createTestRuntime>>;
let reader: Runtime;

beforeAll(async () => {
  writer = await createTestRuntime();
  reader = await syncServer.createRuntime(
    writer.url
      ? await openDatabase({ postgresUrl: writer.url })
      : { db: writer.db, engine: writer.engine, close: async () => {} },
  );
});
afterAll(async () => {
  await reader.close();
  await writer.close();
});

const addTodo = (userId: string, text: string, on: Runtime = writer) =>
  executeMutation(on, userId, 'addTodo', {
    args: { id: crypto.randomUUID(), text, position: 1, createdAt: new Date() },
  });

describe('issue 12 item 16: the feed cursor never moves backwards', () => {
  it('item 16: a snapshot newer than the process feed is followed only by newer commits', async () => {
    const userId = crypto.randomUUID();
    await ensureUser(writer, userId);
    await addTodo(userId, 'before');

    // The reader's feed reads the log, then the other process commits before the snapshot is read: the snapshot
    // holds a commit the reader's feed has not seen.
    let raced = false;
    const racingFeed = new Proxy(reader.feed, {
      get(target, key) {
        if (key !== 'refresh') return Reflect.get(target, key, target);
        return async () => {
          await target.refresh();
          if (!raced) {
            raced = true;
            // Its poke is late (PostgreSQL delivers it within milliseconds, in a real race just too late): signed
            // with the reader's own token, which the reader skips as the echo of its own commit.
            const latePoke: Runtime = { ...writer, pokes: reader.pokes };
            await addTodo(userId, 'in the snapshot, not yet in this feed', latePoke);
          }
        };
      },
    }) satisfies ChangeFeed;
    const readerWithRace: Runtime = { ...reader, feed: racingFeed };

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 20_000);
    const messages: { id: string; message: SyncMessage<SyncedRows> }[] = [];
    const stream = (async () => {
      for await (const [id, message] of streamChanges(readerWithRace, userId, null, controller.signal)) {
        messages.push({ id, message });
        if (message.type === 'reset') {
          // Seen: the snapshot. Now a newer commit, which the reader's feed learns of by reading the log (a poke).
          const { version } = await addTodo(userId, 'after the snapshot');
          expect(version).not.toBeNull();
          void reader.feed.refresh();
        } else break;
      }
    })();
    await stream;
    clearTimeout(timer);
    expect(controller.signal.aborted).toBe(false);

    const [first, second] = messages;
    if (first?.message.type !== 'reset') throw new Error('expected the stream to start with a snapshot');
    const snapshotVersion = first.message.snapshot.version;
    expect(raced).toBe(true);
    expect(first.message.snapshot.tables.todos.map((todo) => todo.text)).toContain(
      'in the snapshot, not yet in this feed',
    );
    if (second?.message.type !== 'changes') throw new Error('expected changes after the snapshot');
    // Only what is newer than the snapshot, and the event id (the client's resume point) only moves forward.
    expect(second.message.commits.map((commit) => commit.version)).toEqual([snapshotVersion + 1]);
    const texts = second.message.changes.map((change) =>
      change.table === 'todos' && change.op === 'set' ? change.row.text : null,
    );
    expect(texts).toEqual(['after the snapshot']);
    expect(Number(second.id)).toBeGreaterThan(snapshotVersion);
  });
});
