/**
 * What an open change-feed stream keeps in memory: once a message is sent, an idle stream must not hold it. A heap
 * snapshot of the server at 1,000 open streams showed each stream holding its own reset snapshot (the user's rows)
 * and its last message for as long as it stayed open, in the suspended frames of `streamChanges` and of the feed
 * endpoint's pump (bench/README.md, issue 17). Checked with a WeakRef and a full collection.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { initTRPC, tracked } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedEndpoint } from '@/framework/server/feed/feed-endpoint';
import { ensureUser } from '@/framework/server/users';
import { createRequestContext } from '@/server/context';
import { appRouter } from '@/server/routers/_app';
import { streamChanges } from './helpers/app-typed';
import { newSession } from './helpers/auth';
import { createTestRuntime } from './helpers/test-database';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** True once nothing holds the target of `ref` (after leaving the current job, then a full collection). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    collectGarbage();
    if (ref.deref() === undefined) return true;
  }
  return false;
}

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

describe('an open stream holds no message it has sent', () => {
  it('streamChanges: the reset snapshot, once the stream waits for the next change', async () => {
    const userId = crypto.randomUUID();
    await ensureUser(runtime, userId);
    const controller = new AbortController();
    const stream = streamChanges(runtime, userId, null, controller.signal);
    const takeSnapshot = async () => {
      const first = await stream.next();
      const message = first.value?.[1];
      if (message?.type !== 'reset') throw new Error('the first message is not a reset');
      return new WeakRef(message.snapshot);
    };
    const snapshot = await takeSnapshot();
    // The stream resumes past the reset and waits in the feed for a change.
    const next = stream.next();
    expect(await collected(snapshot)).toBe(true);
    controller.abort();
    await next;
  });

  it('the sync.changes procedure: the reset snapshot, once it waits for the next change', async () => {
    const secret = 'feed-memory-secret-with-at-least-32-characters';
    const userId = crypto.randomUUID();
    await ensureUser(runtime, userId);
    const { cookie } = await newSession(runtime, secret, userId);
    const ctx = await createRequestContext(new Request('http://test.local/', { headers: { cookie } }), {
      runtime,
      sessionSecret: secret,
    });
    const controller = new AbortController();
    const iterable = await appRouter.createCaller(ctx, { signal: controller.signal }).sync.changes({
      lastEventId: null,
    });
    const stream = iterable[Symbol.asyncIterator]();
    const takeSnapshot = async () => {
      const first = await stream.next();
      // The caller passes tRPC's tracked envelope ([id, data]) on as it is; its type says `{ id, data }`.
      const value: unknown = first.value;
      const message = (Array.isArray(value) ? value[1] : (value as { data?: unknown }).data) as {
        type?: string;
        snapshot?: object;
      };
      if (message.type !== 'reset' || !message.snapshot) throw new Error('the first message is not a reset');
      return new WeakRef(message.snapshot);
    };
    const snapshot = await takeSnapshot();
    const next = stream.next();
    expect(await collected(snapshot)).toBe(true);
    controller.abort();
    await next;
  });

  it('the feed endpoint: the value of the last event it wrote', async () => {
    const t = initTRPC.create({ sse: { ping: { enabled: false } } });
    let yielded: WeakRef<object> | null = null;
    // Made outside the generator, so that no local of the test's own procedure holds it.
    const message = () => {
      const value = { rows: Array.from({ length: 100 }, (_, index) => ({ index })) };
      yielded = new WeakRef(value);
      return value;
    };
    const router = t.router({
      sync: t.router({
        changes: t.procedure.subscription(async function* ({ signal }) {
          yield tracked('1', message());
          await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
        }),
      }),
    });
    const endpoint = createFeedEndpoint({ router, endpoint: '/api/trpc', createContext: async () => ({}) });
    const abort = new AbortController();
    const response = await endpoint(
      new Request('http://test.local/api/trpc/sync.changes', { signal: abort.signal }),
    );
    const reader = response?.body?.getReader();
    if (!reader) throw new Error('the endpoint did not take the request');
    let text = '';
    const decoder = new TextDecoder();
    while (!text.includes('\nid: 1\n')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended early:\n${text}`);
      text += decoder.decode(value, { stream: true });
    }
    if (!yielded) throw new Error('the subscription yielded nothing');
    expect(await collected(yielded)).toBe(true);
    abort.abort();
    await reader.cancel();
  });
});
