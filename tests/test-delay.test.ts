/**
 * Issue 12 item 10: with a TEST_DELAY_TOKEN configured (the only way ALLOW_TEST_DELAY=1 runs in production), a
 * request is held only when it carries that token; any other client's x-test-delay-ms is ignored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRequestContext,
  TEST_DELAY_HEADER,
  TEST_DELAY_TOKEN_HEADER,
  type ContextDeps,
} from '@/server/context';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

const TOKEN = 'e2e-delay-token-'.padEnd(40, 'x');

async function delayOf(headers: Record<string, string>, deps: Partial<ContextDeps>) {
  const request = new Request('http://127.0.0.1/api/trpc/mutators.addTodo', { method: 'POST', headers });
  const context = await createRequestContext(request, { runtime, sessionSecret: 'y'.repeat(40), ...deps });
  return context.testDelayMs;
}

describe('issue 12 item 10: the test delay needs its token when one is configured', () => {
  it('item 10: a request without the token (or with a wrong one) is not delayed', async () => {
    const deps = { allowTestDelay: true, testDelayToken: TOKEN };
    expect(await delayOf({ [TEST_DELAY_HEADER]: '5000' }, deps)).toBe(0);
    const wrong = { [TEST_DELAY_HEADER]: '5000', [TEST_DELAY_TOKEN_HEADER]: TOKEN.replace(/x$/, 'y') };
    expect(await delayOf(wrong, deps)).toBe(0);
  });

  it('item 10: a request with the token is delayed (capped at 10 s)', async () => {
    const deps = { allowTestDelay: true, testDelayToken: TOKEN };
    expect(await delayOf({ [TEST_DELAY_HEADER]: '1500', [TEST_DELAY_TOKEN_HEADER]: TOKEN }, deps)).toBe(1500);
    expect(await delayOf({ [TEST_DELAY_HEADER]: '99999', [TEST_DELAY_TOKEN_HEADER]: TOKEN }, deps)).toBe(
      10_000,
    );
  });

  it('item 10: without ALLOW_TEST_DELAY nothing is delayed, token or not', async () => {
    const headers = { [TEST_DELAY_HEADER]: '1500', [TEST_DELAY_TOKEN_HEADER]: TOKEN };
    expect(await delayOf(headers, { allowTestDelay: false, testDelayToken: TOKEN })).toBe(0);
  });
});
