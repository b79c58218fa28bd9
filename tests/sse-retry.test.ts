/**
 * Broken SSE streams (a crashed or restarted process behind a balancer) are reconnected by the browser after the
 * stream's `retry:` delay, not Chromium's 3 s default: the tRPC endpoint's SSE responses start with that field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import superjson from 'superjson';
import { createTrpcHandler } from '@/server/http/trpc';
import { SSE_RECONNECT_MS, withSseRetry } from '@/server/http/sse-retry';
import { newSession } from './helpers/auth';
import { createTestRuntime } from './helpers/test-database';

const secret = 'test-secret-that-is-at-least-32-characters-long';
let runtime: Awaited<ReturnType<typeof createTestRuntime>>;

beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

describe('the SSE retry field', () => {
  it('comes first in the change feed, before its first event', async () => {
    const handle = createTrpcHandler(async () => ({ runtime, sessionSecret: secret }));
    const { cookie } = await newSession(runtime, secret);
    const input = encodeURIComponent(JSON.stringify(superjson.serialize({ lastEventId: null })));
    const abort = new AbortController();
    const response = await handle(
      new Request(`http://test.local/api/trpc/sync.changes?input=${input}`, {
        headers: { cookie },
        signal: abort.signal,
      }),
    );
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    let text = '';
    while (!text.includes('data:')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    abort.abort();
    await reader.cancel();
    expect(text.startsWith(`retry: ${SSE_RECONNECT_MS}\n\n`)).toBe(true);
    expect(text).toContain('data:');
  });

  it('leaves other responses as they are', async () => {
    const json = Response.json({ ok: true });
    expect(withSseRetry(json)).toBe(json);
    const sse = withSseRetry(
      new Response('data: 1\n\n', { status: 200, headers: { 'content-type': 'text/event-stream' } }),
      250,
    );
    expect(await sse.text()).toBe('retry: 250\n\ndata: 1\n\n');
    expect(sse.headers.get('content-type')).toBe('text/event-stream');
  });
});
