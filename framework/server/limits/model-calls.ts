/**
 * The one limit in front of every model call: one point per call from the user's budget (LimitPolicies.modelCalls),
 * counted in the database so that all server processes share it.
 */
import 'server-only';
import type { Runtime } from '../runtime/runtime';
import type { Queryable } from '../runtime/synced-table';
import { takePoint, type RateLimitDecision } from './db-rate-limiter';
import { RateLimitedError } from './rate-limited-error';

const KEY_PREFIX = 'model';

/** Takes one model call from the user's budget; a {@link RateLimitedError} (429) when it is spent. */
export async function limitModelCall(
  runtime: Runtime,
  userId: string,
  inTransaction?: Queryable,
): Promise<void> {
  const decision = await takeModelCall(runtime, userId, inTransaction);
  if (!decision.allowed) {
    throw new RateLimitedError('Too many AI model requests', decision.retryAfterSeconds);
  }
}

/** The same take, as a decision (the chat endpoint answers its own 429). */
export function takeModelCall(
  runtime: Runtime,
  userId: string,
  inTransaction?: Queryable,
): Promise<RateLimitDecision> {
  return takePoint(runtime.db, KEY_PREFIX, userId, runtime.limits.modelCalls, inTransaction);
}
