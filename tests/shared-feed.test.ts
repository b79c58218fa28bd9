/**
 * Tabs that share one change feed (framework/client/shared-feed.ts), over a real tRPC HTTP server: one tab holds the
 * stream and relays it; the others apply what it relays, catch up over `sync.since` when they are behind, and take
 * the stream over when the holder goes. Node's BroadcastChannel links the "tabs"; Node 20 has no Web Locks, so a
 * lock manager of this process stands in for the browser's (tests/helpers/memory-locks.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@/client/create-client';
import { followSharedFeed, type RelayChannel } from '@/framework/client/shared-feed';
import { executeMutation } from '@/framework/server/runtime/executor';
import { ensureUser } from '@/framework/server/users';
import { schemaVersion } from '@/mutators/schema-version';
import { AppStore, readSnapshot } from './helpers/app-typed';
import { newSession } from './helpers/auth';
import { MemoryLocks } from './helpers/memory-locks';
import { directTransport } from './helpers/sync';
import { createTestRuntime } from './helpers/test-database';
import { startTrpcHttpServer, type TrpcHttpServer } from './helpers/trpc-http-server';

const SECRET = 'shared-feed-secret-with-at-least-32-characters';

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

const openChannel = (name: string) => new BroadcastChannel(name) as unknown as RelayChannel;

/** One browser: its tabs share a lock manager and a channel name, and its requests are counted by procedure. */
async function newBrowser(options: { schemaVersion?: number } = {}) {
  const userId = crypto.randomUUID();
  await ensureUser(runtime, userId);
  const { cookie } = await newSession(runtime, SECRET, userId);
  const locks = new MemoryLocks();
  const name = `feed-${crypto.randomUUID()}`;
  const requests = { changes: 0, since: 0 };
  const stops: (() => void)[] = [];
  const fetchCounting: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.includes('/sync.changes')) requests.changes++;
    if (url.includes('/sync.since')) requests.since++;
    return fetch(input, init);
  };
  /** A tab; `build`: the schema version its code was built for, and the feed named as the framework names it. */
  async function openTab(snapshot?: Awaited<ReturnType<typeof readSnapshot>>, build?: number) {
    const store = new AppStore({
      snapshot: snapshot ?? (await readSnapshot(runtime, userId)),
      transport: directTransport(runtime, userId),
      schemaVersion: build ?? options.schemaVersion ?? schemaVersion,
    });
    const client = createClient({ url: server.url, sessionCookie: cookie, fetch: fetchCounting });
    const stop = followSharedFeed(client, store, {
      ...(build === undefined ? { name } : {}),
      locks: locks.asLockManager(),
      openChannel,
    });
    stops.push(stop);
    return { store, stop };
  }
  const commit = async (text: string) => {
    const id = crypto.randomUUID();
    await executeMutation(runtime, userId, 'addTodo', {
      args: { id, text, position: 1, createdAt: new Date() },
    });
    return id;
  };
  const close = () => {
    for (const stop of stops) stop();
  };
  return { userId, name, requests, openTab, commit, close };
}

const has = (store: AppStore, id: string) => store.rows('todos').some((todo) => todo.id === id);

describe('one change feed per browser, shared by its tabs', () => {
  it('three tabs hold one stream between them; a commit reaches every tab', async () => {
    const browser = await newBrowser();
    try {
      const tabs = [await browser.openTab(), await browser.openTab(), await browser.openTab()];
      for (const { store } of tabs) await expect.poll(() => store.connectionState).toBe('live');
      expect(browser.requests.changes).toBe(1);
      // Each tab that follows caught up once from its snapshot; the holder did not need to.
      expect(browser.requests.since).toBe(2);

      const id = await browser.commit('seen by all three');
      for (const { store } of tabs) await expect.poll(() => has(store, id)).toBe(true);
      expect(browser.requests.changes).toBe(1);
    } finally {
      browser.close();
    }
  });

  it('a tab opened from an older snapshot catches up at once, without waiting for the next commit', async () => {
    const browser = await newBrowser();
    try {
      const holder = await browser.openTab();
      await expect.poll(() => holder.store.connectionState).toBe('live');
      const old = await readSnapshot(runtime, browser.userId);
      const missed = await browser.commit('committed after the snapshot was read');
      await expect.poll(() => has(holder.store, missed)).toBe(true);

      const late = await browser.openTab(old);
      expect(has(late.store, missed)).toBe(false);
      await expect.poll(() => has(late.store, missed)).toBe(true);
      await expect.poll(() => late.store.connectionState).toBe('live');
    } finally {
      browser.close();
    }
  });

  it('when the holder goes, another tab takes the stream from its own version and misses nothing', async () => {
    const browser = await newBrowser();
    try {
      const holder = await browser.openTab();
      await expect.poll(() => holder.store.connectionState).toBe('live');
      const second = await browser.openTab();
      const third = await browser.openTab();
      await expect.poll(() => third.store.connectionState).toBe('live');
      expect(browser.requests.changes).toBe(1);

      holder.stop();
      const during = await browser.commit('committed as the holder left');
      await expect.poll(() => browser.requests.changes).toBe(2);
      const after = await browser.commit('committed after the hand-off');
      for (const { store } of [second, third]) {
        await expect.poll(() => has(store, during)).toBe(true);
        await expect.poll(() => has(store, after)).toBe(true);
        expect(store.connectionState).toBe('live');
      }
      expect(browser.requests.changes).toBe(2);
    } finally {
      browser.close();
    }
  });

  it('a relayed message that skips versions is not applied; the tab asks the server instead', async () => {
    const browser = await newBrowser();
    const intruder = new BroadcastChannel(browser.name);
    try {
      const holder = await browser.openTab();
      await expect.poll(() => holder.store.connectionState).toBe('live');
      const follower = await browser.openTab();
      await expect.poll(() => follower.store.connectionState).toBe('live');
      const sinceBefore = browser.requests.since;
      const version = follower.store.version;
      const forgedId = crypto.randomUUID();
      intruder.postMessage({
        kind: 'message',
        userId: browser.userId,
        after: version + 5,
        message: {
          type: 'changes',
          version: version + 6,
          commits: [],
          changes: [
            {
              table: 'todos',
              id: forgedId,
              op: 'set',
              row: { id: forgedId, userId: browser.userId, text: 'forged', done: false, position: 0 },
            },
          ],
        },
      });
      await expect.poll(() => browser.requests.since).toBe(sinceBefore + 1);
      const real = await browser.commit('a real commit after the gap');
      await expect.poll(() => has(follower.store, real)).toBe(true);
      expect(has(follower.store, forgedId)).toBe(false);
      expect(has(holder.store, forgedId)).toBe(false);
    } finally {
      intruder.close();
      browser.close();
    }
  });

  it("a relayed message of another user's feed is not applied, though it follows on", async () => {
    const browser = await newBrowser();
    const intruder = new BroadcastChannel(browser.name);
    try {
      const holder = await browser.openTab();
      await expect.poll(() => holder.store.connectionState).toBe('live');
      const follower = await browser.openTab();
      await expect.poll(() => follower.store.connectionState).toBe('live');
      const version = follower.store.version;
      const foreignId = crypto.randomUUID();
      const stranger = crypto.randomUUID();
      intruder.postMessage({
        kind: 'message',
        userId: stranger,
        after: version,
        message: {
          type: 'changes',
          version: version + 1,
          commits: [],
          changes: [
            {
              table: 'todos',
              id: foreignId,
              op: 'set',
              row: { id: foreignId, userId: stranger, text: 'not yours', done: false, position: 0 },
            },
          ],
        },
      });
      // A real commit relayed after it: once it is in, the foreign one would have been applied before it.
      const real = await browser.commit('relayed after the foreign message');
      await expect.poll(() => has(follower.store, real)).toBe(true);
      expect(has(follower.store, foreignId)).toBe(false);
    } finally {
      intruder.close();
      browser.close();
    }
  });

  it("the holder's schema-version refusal reaches the tabs that follow", async () => {
    const browser = await newBrowser({ schemaVersion: schemaVersion + 1 });
    try {
      const holder = await browser.openTab();
      const follower = await browser.openTab();
      const refusal = { client: schemaVersion + 1, server: schemaVersion };
      await expect.poll(() => holder.store.outdated).toEqual(refusal);
      await expect.poll(() => follower.store.outdated).toEqual(refusal);
    } finally {
      browser.close();
    }
  });

  it('a tab left open from an older build shares nothing with the new ones: its refusal stays its own', async () => {
    const browser = await newBrowser();
    try {
      const old = await browser.openTab(undefined, schemaVersion + 1);
      await expect.poll(() => old.store.outdated).not.toBeNull();
      const fresh = await browser.openTab(undefined, schemaVersion);
      const second = await browser.openTab(undefined, schemaVersion);
      await expect.poll(() => second.store.connectionState).toBe('live');
      expect(fresh.store.outdated).toBeNull();
      expect(second.store.outdated).toBeNull();
      // The old tab's feed was refused; the new tabs share one of their own.
      expect(browser.requests.changes).toBe(2);
      const id = await browser.commit('seen by the new build');
      for (const { store } of [fresh, second]) await expect.poll(() => has(store, id)).toBe(true);
    } finally {
      browser.close();
    }
  });
});
