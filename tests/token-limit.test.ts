/**
 * Issue 12 item 12: the live-token limit holds under concurrency. Forty concurrent `tokens.create` for one user
 * leave exactly the limit, and the rest are refused with an error that says why.
 */
import { and, count, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens } from '@/db/schema';
import { createInnerContext } from '@/server/context';
import { createCaller } from '@/server/routers/_app';
import { MAX_LIVE_TOKENS } from '@/server/routers/tokens';
import { ensureUser } from '@/framework/server/users';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

const liveTokens = async (userId: string) =>
  (
    await runtime.db
      .select({ n: count() })
      .from(apiTokens)
      .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
  )[0]?.n;

describe('issue 12 item 12: the token limit is not racy', () => {
  it('item 12: 40 concurrent creates leave exactly the limit of live tokens; the rest get a clear error', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const caller = createCaller(createInnerContext({ runtime, user }));
    const results = await Promise.allSettled(
      Array.from({ length: 2 * MAX_LIVE_TOKENS }, (_, i) => caller.tokens.create({ name: `script ${i}` })),
    );
    const made = results.filter((result) => result.status === 'fulfilled');
    const refused = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(made).toHaveLength(MAX_LIVE_TOKENS);
    expect(refused).toHaveLength(MAX_LIVE_TOKENS);
    for (const error of refused) {
      expect(error).toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/At most 20 live tokens/),
      });
    }
    expect(await liveTokens(user.id)).toBe(MAX_LIVE_TOKENS);
  });

  it('item 12: a revoked token frees its place', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const caller = createCaller(createInnerContext({ runtime, user }));
    const made = await Promise.all(
      Array.from({ length: MAX_LIVE_TOKENS }, (_, i) => caller.tokens.create({ name: `script ${i}` })),
    );
    await expect(caller.tokens.create({ name: 'one more' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await caller.tokens.revoke({ id: made[0]?.id ?? '' });
    await expect(caller.tokens.create({ name: 'one more' })).resolves.toMatchObject({ name: 'one more' });
    expect(await liveTokens(user.id)).toBe(MAX_LIVE_TOKENS);
  });
});
